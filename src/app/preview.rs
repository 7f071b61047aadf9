//! The live camera preview: the newest frame uploaded into ONE egui texture that is updated in place
//! (never a new texture per frame), mirrored as the camera settings say. The RGBA buffer is reused.

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
