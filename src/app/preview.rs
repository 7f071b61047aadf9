//! The live camera preview: the newest frame uploaded into ONE egui texture that is updated in place
//! (never a new texture per frame), mirrored as the camera settings say. The RGBA buffer is reused.

use egui::{ColorImage, TextureHandle, TextureOptions};

use crate::camera::{CameraHandle, fill_preview_rgba};

/// The preview texture and its reusable pixel buffer.
#[derive(Default)]
pub struct LivePreview {
    texture: Option<TextureHandle>,
    rgba: Vec<u8>,
    last_seq: Option<u64>,
    /// Frames uploaded since start (diagnostics).
    pub frames_shown: u64,
}

impl LivePreview {
    /// Uploads the newest frame, if there is one newer than the last. Returns whether it changed.
    pub fn update(&mut self, ctx: &egui::Context, camera: &CameraHandle) -> bool {
        let Some(frame) = camera.latest_frame() else {
            return false;
        };
        if self.last_seq == Some(frame.seq) {
            return false;
        }
        self.last_seq = Some(frame.seq);
        let size = fill_preview_rgba(&frame.image, camera.mirror(), &mut self.rgba);
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

    /// Forgets the shown frame (when a session is discarded nothing of the student stays on screen).
    pub fn clear(&mut self) {
        self.texture = None;
        self.last_seq = None;
    }
}
