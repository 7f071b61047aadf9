//! The heavy data of booth visits (the still, the standardized photo), keyed by [`SessionId`]. Only the
//! current visit has data; `discard` drops it when the flow says the visit is over (finished, cancelled,
//! idle timeout), so nothing of one student survives into the next.
//!
//! Owns the map and the photo generation counter. Must not touch workers.

use std::collections::HashMap;
use std::sync::Arc;

use image::RgbImage;

use crate::core::flow::SessionId;

use super::report::ProcessedPhoto;
use super::views::PhotoView;

/// What the booth holds for one visit.
#[derive(Debug, Default)]
pub(super) struct SessionData {
    /// The newest still.
    pub capture: Option<Arc<RgbImage>>,
    /// The still came from the demo source: never anyone's photo.
    pub demo: bool,
    /// The newest standardized photo (cleared when a new still arrives).
    pub processed: Option<ProcessedPhoto>,
    generation: u64,
}

#[derive(Debug, Default)]
pub(super) struct Sessions {
    data: HashMap<SessionId, SessionData>,
    generation: u64,
}

impl Sessions {
    pub(super) fn len(&self) -> usize {
        self.data.len()
    }

    pub(super) fn get(&self, session: SessionId) -> Option<&SessionData> {
        self.data.get(&session)
    }

    /// Keeps a new still for `session` (forgetting its previous photo).
    pub(super) fn set_capture(&mut self, session: SessionId, capture: Arc<RgbImage>, demo: bool) {
        let data = self.data.entry(session).or_default();
        data.capture = Some(capture);
        data.demo = demo;
        data.processed = None;
    }

    /// Keeps the standardized photo of `session`'s still; false when the session has no still (it was
    /// discarded meanwhile).
    pub(super) fn set_processed(
        &mut self,
        session: SessionId,
        photo: Option<ProcessedPhoto>,
    ) -> bool {
        let Some(data) = self.data.get_mut(&session) else {
            return false;
        };
        self.generation += 1;
        data.generation = self.generation;
        data.processed = photo;
        true
    }

    pub(super) fn photo_view(&self, session: SessionId) -> Option<PhotoView> {
        let data = self.data.get(&session)?;
        let photo = data.processed.as_ref()?;
        Some(PhotoView {
            image: Arc::clone(&photo.pixels),
            generation: data.generation,
        })
    }

    pub(super) fn discard(&mut self, session: SessionId) {
        if self.data.remove(&session).is_some() {
            tracing::debug!(%session, "session data discarded");
        }
    }
}
