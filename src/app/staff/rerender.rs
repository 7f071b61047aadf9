//! Re-rendering on the `staff-io` worker: reads the record's stored original, runs the same checks and
//! standardizer as the booth with the chosen profile, and attaches the new photo to the record
//! ([`Store::attach_rerender`]; which statuses allow it is documented in `storage::rerender`). The face
//! models are loaded on the first re-render and kept. Must not draw or hold UI state.

use std::path::PathBuf;

use crate::core::checks::CheckThresholds;
use crate::core::record::{Actor, RecordId};
use crate::core::spec::PhotoSpec;
use crate::pipeline;
use crate::storage::{NewCapture, RerenderOutcome, Rerendered, Store};
use crate::vision::{self, Vision};

use super::StaffError;

/// What the worker needs to make a photo: the profiles, the check thresholds and where the models are.
#[derive(Debug, Clone)]
pub struct RenderSettings {
    pub profiles: Vec<PhotoSpec>,
    pub thresholds: CheckThresholds,
    pub models_dir: PathBuf,
}

/// A finished re-render, for the banner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RerenderDone {
    pub record: RecordId,
    pub profile: String,
    pub outcome: RerenderOutcome,
    /// Codes of the checks the new photo failed (empty when it passed the pre-check).
    pub failures: Vec<String>,
}

/// The models, loaded once on first use.
#[derive(Default)]
pub struct Renderer {
    vision: Option<Vision>,
}

impl Renderer {
    fn vision(&mut self, settings: &RenderSettings) -> Result<&mut Vision, StaffError> {
        if self.vision.is_none() {
            let loaded =
                Vision::load(&settings.models_dir).map_err(|source| StaffError::Models {
                    dir: settings.models_dir.clone(),
                    source,
                })?;
            self.vision = Some(loaded);
        }
        self.vision.as_mut().ok_or(StaffError::WorkerGone)
    }

    /// Makes a new photo of `record` with `profile` from its stored original and attaches it.
    pub fn rerender(
        &mut self,
        store: &mut Store,
        settings: &RenderSettings,
        record: RecordId,
        profile: &str,
        actor: &Actor,
        now_unix_s: i64,
    ) -> Result<RerenderDone, StaffError> {
        let spec = settings
            .profiles
            .iter()
            .find(|spec| spec.name == profile)
            .ok_or_else(|| StaffError::UnknownProfile(profile.to_owned()))?;
        let source = store.rerender_source(record)?;
        let Some(original) = source.original else {
            return Err(StaffError::OriginalPurged {
                record,
                purged_at_unix_s: source.original_purged_at_unix_s,
            });
        };
        let capture = vision::decode_image(&original).map_err(|source| StaffError::Original {
            record,
            message: source.to_string(),
        })?;
        let vision = self.vision(settings)?;
        let processed = pipeline::process_capture(
            vision,
            &capture,
            spec,
            spec.background,
            &settings.thresholds,
        )
        .map_err(|error| StaffError::Render {
            record,
            profile: profile.to_owned(),
            message: format!("{error:#}"),
        })?;
        let failures = processed.failure_codes();
        let photo = match &processed.photo {
            Ok(photo) => photo,
            Err(error) => {
                return Err(StaffError::Render {
                    record,
                    profile: profile.to_owned(),
                    message: format!("{error:#}"),
                });
            }
        };
        let rerendered = Rerendered {
            from_capture: source.capture,
            profile: spec.name.clone(),
            capture: NewCapture {
                original,
                photo: photo.encoded.bytes.clone(),
                report_json: serde_json::to_string(&processed.report)
                    .map_err(crate::storage::StorageError::from)?,
                params_json: serde_json::to_string(&photo.record)
                    .map_err(crate::storage::StorageError::from)?,
            },
        };
        let outcome = store.attach_rerender(record, &rerendered, actor, now_unix_s)?;
        tracing::info!(
            record = record.0,
            profile,
            capture = outcome.capture.0,
            "record re-rendered"
        );
        Ok(RerenderDone {
            record,
            profile: spec.name.clone(),
            outcome,
            failures,
        })
    }
}
