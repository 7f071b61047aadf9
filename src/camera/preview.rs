//! The texture-ready preview buffer: RGB frame in, opaque RGBA (optionally mirrored) out, written into
//! a buffer the caller reuses so the UI thread allocates nothing per frame.
//!
//! Owns only this pure conversion. The app uploads the buffer into one egui texture updated in place
//! (`egui::ColorImage::from_rgba_unmultiplied(size, &buffer)`; opaque pixels need no premultiplying).

use image::RgbImage;

const RGB_CHANNELS: usize = 3;
const RGBA_CHANNELS: usize = 4;
const OPAQUE: u8 = u8::MAX;

/// Size of the preview written by [`fill_preview_rgba`], in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreviewSize {
    pub width: u32,
    pub height: u32,
}

impl PreviewSize {
    /// `[width, height]` as egui's image constructors take it.
    pub fn as_egui_size(self) -> [usize; 2] {
        [self.width as usize, self.height as usize]
    }
}

/// Writes `frame` as opaque RGBA into `rgba` (resized to exactly width * height * 4 bytes, keeping its
/// allocation), mirrored left-right when `mirror` is set.
pub fn fill_preview_rgba(frame: &RgbImage, mirror: bool, rgba: &mut Vec<u8>) -> PreviewSize {
    let width = frame.width() as usize;
    let height = frame.height() as usize;
    rgba.resize(width * height * RGBA_CHANNELS, OPAQUE);
    if width == 0 {
        return PreviewSize {
            width: frame.width(),
            height: frame.height(),
        };
    }
    let src_rows = frame.as_raw().chunks_exact(width * RGB_CHANNELS);
    let dst_rows = rgba.chunks_exact_mut(width * RGBA_CHANNELS);
    for (src_row, dst_row) in src_rows.zip(dst_rows) {
        let src_pixels = src_row.chunks_exact(RGB_CHANNELS);
        let dst_pixels = dst_row.chunks_exact_mut(RGBA_CHANNELS);
        if mirror {
            for (src, dst) in src_pixels.rev().zip(dst_pixels) {
                dst.copy_from_slice(&[src[0], src[1], src[2], OPAQUE]);
            }
        } else {
            for (src, dst) in src_pixels.zip(dst_pixels) {
                dst.copy_from_slice(&[src[0], src[1], src[2], OPAQUE]);
            }
        }
    }
    PreviewSize {
        width: frame.width(),
        height: frame.height(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_by_two() -> RgbImage {
        RgbImage::from_fn(2, 2, |x, y| image::Rgb([x as u8 * 100, y as u8 * 100, 7]))
    }

    #[test]
    fn unmirrored_copies_pixels_in_order_with_opaque_alpha() {
        let mut rgba = Vec::new();
        let size = fill_preview_rgba(&two_by_two(), false, &mut rgba);
        assert_eq!(
            size,
            PreviewSize {
                width: 2,
                height: 2
            }
        );
        assert_eq!(
            rgba,
            vec![
                0, 0, 7, 255, 100, 0, 7, 255, 0, 100, 7, 255, 100, 100, 7, 255
            ]
        );
    }

    #[test]
    fn mirrored_swaps_left_and_right_within_each_row() {
        let mut rgba = Vec::new();
        fill_preview_rgba(&two_by_two(), true, &mut rgba);
        assert_eq!(
            rgba,
            vec![
                100, 0, 7, 255, 0, 0, 7, 255, 100, 100, 7, 255, 0, 100, 7, 255
            ]
        );
    }

    #[test]
    fn the_buffer_is_reused_and_resized_exactly() {
        let mut rgba = Vec::with_capacity(1000);
        let capacity_before = rgba.capacity();
        fill_preview_rgba(&two_by_two(), true, &mut rgba);
        assert_eq!(rgba.len(), 16);
        assert_eq!(rgba.capacity(), capacity_before);
        // A smaller frame shrinks the length, not the allocation; an empty frame gives an empty buffer.
        fill_preview_rgba(&RgbImage::new(1, 1), false, &mut rgba);
        assert_eq!(rgba, vec![0, 0, 0, 255]);
        let size = fill_preview_rgba(&RgbImage::new(0, 0), false, &mut rgba);
        assert!(rgba.is_empty());
        assert_eq!(size.as_egui_size(), [0, 0]);
    }
}
