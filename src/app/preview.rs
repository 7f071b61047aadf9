//! The live camera preview: the newest frame uploaded into ONE egui texture that is updated in place
//! (never a new texture per frame), mirrored as the camera settings say. The RGBA buffer is reused.
//! [`PreviewRate`] measures how many new camera frames reach the screen per second (logged at debug
//! level as "preview rate" and shown in staff diagnostics).

use std::time::Duration;

use egui::{ColorImage, TextureHandle, TextureOptions};

use crate::camera::{Frame, fill_preview_rgba};

/// The preview texture and its reusable pixel buffer.
#[derive(Default)]
pub struct LivePreview {
    texture: Option<TextureHandle>,
    rgba: Vec<u8>,
    last_seq: Option<u64>,
    mirrored: bool,
    /// Frames uploaded since start (diagnostics).
    pub frames_shown: u64,
}

impl LivePreview {
    /// Uploads `frame` (the booth's newest preview frame) if it is newer than the last one shown,
    /// mirrored when `mirror` is set. Returns whether the texture changed.
    pub fn update(&mut self, ctx: &egui::Context, frame: Option<&Frame>, mirror: bool) -> bool {
        let Some(frame) = frame else {
            return false;
        };
        if self.last_seq == Some(frame.seq) {
            return false;
        }
        self.last_seq = Some(frame.seq);
        self.mirrored = mirror;
        let size = fill_preview_rgba(&frame.image, self.mirrored, &mut self.rgba);
        let image = ColorImage::from_rgba_unmultiplied(size.as_egui_size(), &self.rgba);
        match &mut self.texture {
            Some(texture) => texture.set(image, TextureOptions::LINEAR),
            None => {
                self.texture =
                    Some(ctx.load_texture("live-preview", image, TextureOptions::LINEAR));
            }
        }
        self.frames_shown += 1;
        true
    }

    /// The texture, once a first frame has arrived.
    pub fn texture(&self) -> Option<&TextureHandle> {
        self.texture.as_ref()
    }

    /// Whether the texture shows the frame mirrored (the pose guide is mirrored to match).
    pub fn mirrored(&self) -> bool {
        self.mirrored
    }

    /// Forgets the shown frame (when a session is discarded nothing of the student stays on screen).
    pub fn clear(&mut self) {
        if self.texture.is_none() {
            return;
        }
        self.texture = None;
        self.last_seq = None;
    }
}

/// Length of one preview-rate window.
pub const RATE_WINDOW: Duration = Duration::from_secs(10);

/// One finished preview-rate window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateWindow {
    /// New camera frames shown per second.
    pub preview_fps: f32,
    /// Frames painted per second (including ones without a new camera frame).
    pub paint_fps: f32,
}

/// Counts shown preview frames and painted frames over windows of [`RATE_WINDOW`] while the preview is
/// on screen. Time off the preview screens is not counted, so a window always measures the preview.
#[derive(Debug, Default)]
pub struct PreviewRate {
    start: Option<Duration>,
    shown: u32,
    painted: u32,
    last: Option<RateWindow>,
}

impl PreviewRate {
    /// Records one painted frame at `now` (`uploaded`: it carried a new camera frame) and returns the
    /// window that this frame completes, if any.
    pub fn frame(&mut self, now: Duration, uploaded: bool) -> Option<RateWindow> {
        let start = *self.start.get_or_insert(now);
        self.painted += 1;
        self.shown += u32::from(uploaded);
        let elapsed = now.saturating_sub(start);
        if elapsed < RATE_WINDOW {
            return None;
        }
        let seconds = elapsed.as_secs_f32();
        let window = RateWindow {
            preview_fps: self.shown as f32 / seconds,
            paint_fps: self.painted as f32 / seconds,
        };
        *self = PreviewRate {
            start: Some(now),
            last: Some(window),
            ..PreviewRate::default()
        };
        Some(window)
    }

    /// Forgets the current window (the preview left the screen).
    pub fn pause(&mut self) {
        let last = self.last;
        *self = PreviewRate {
            last,
            ..PreviewRate::default()
        };
    }

    /// The last finished window.
    pub fn last(&self) -> Option<RateWindow> {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_reports_frames_per_second_after_ten_seconds() {
        let mut rate = PreviewRate::default();
        let mut reported = None;
        // 60 paints per second, every second one with a new camera frame, for 10 s.
        for i in 0..=600_u64 {
            let now = Duration::from_millis(i * 1000 / 60);
            if let Some(window) = rate.frame(now, i % 2 == 0) {
                reported = Some(window);
            }
        }
        let window = reported.expect("a window after 10 s");
        assert!((window.preview_fps - 30.1).abs() < 0.2, "{window:?}");
        assert!((window.paint_fps - 60.1).abs() < 0.2, "{window:?}");
        assert_eq!(rate.last(), Some(window));
    }

    #[test]
    fn time_off_the_preview_is_not_counted() {
        let mut rate = PreviewRate::default();
        for i in 0..50_u64 {
            assert_eq!(rate.frame(Duration::from_millis(i * 100), true), None);
        }
        rate.pause();
        // 60 s later the preview returns: the new window starts then, not at the first frame.
        let back = Duration::from_secs(65);
        for i in 0..99_u64 {
            assert_eq!(
                rate.frame(back + Duration::from_millis(i * 100), true),
                None
            );
        }
        let window = rate.frame(back + RATE_WINDOW, true).expect("window");
        assert!((window.preview_fps - 10.0).abs() < 0.01, "{window:?}");
    }
}
