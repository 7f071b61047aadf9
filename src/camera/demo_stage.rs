//! The demo's pictures: the subject photo placed on a wider background extended from its own edge
//! colours (the stage), and preview canvases pre-rendered from it at a few lean scales, so a preview
//! frame is a plain copy of rows (cheap in any build) and only a full-size still is resampled.
//!
//! Owns image composition only; the motion model and pacing live in `demo`. Built once per process.

use std::sync::{Arc, OnceLock};

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::{ImageFormat, RgbImage};

use super::CameraError;
use super::demo::{
    BREATH_AMPLITUDE_PX, DEMO_HEIGHT, DEMO_WIDTH, DemoPose, LEAN_SCALE_AMPLITUDE,
    SWAY_AMPLITUDE_PX, SWAY_TREMOR_AMPLITUDE_PX,
};

/// The subject photo (credited in assets/demo/CREDITS), embedded so the demo works from any directory.
const SUBJECT_JPEG: &[u8] = include_bytes!("../../assets/demo/london_045_neutral.jpg");

const RGB: usize = 3;
/// Stage padding around the photo, in photo pixels: enough that the largest window (lean out + sway)
/// stays on the stage.
const STAGE_MARGIN_X_PX: u32 = 640;
const STAGE_MARGIN_Y_PX: u32 = 64;
/// Columns sampled at each photo edge to estimate the background colour of a row.
const EDGE_SAMPLE_PX: u32 = 12;
/// A row's edge colour belongs to the wall while it stays this close (sum of channel differences) to
/// the row above; below the first row that jumps (the shoulders reach the edge) the wall colour is held.
const EDGE_CONTINUITY_TOLERANCE: u32 = 24;
/// Width over which the photo fades into the extended background.
const FEATHER_PX: u32 = 48;
/// Studio light falls off towards the stage sides: up to this fraction darker at the far edge.
const SIDE_FALLOFF: f32 = 0.08;

/// Lean scales pre-rendered, evenly spaced over 1 ± `LEAN_SCALE_AMPLITUDE` (0.5 % apart: a switch
/// moves the face by under a pixel and the frame corners by about three).
const LEAN_LEVELS: u32 = 7;
/// Canvas padding in preview pixels, covering the largest sway and breathing shifts.
const CANVAS_PAD_X_PX: u32 = (SWAY_AMPLITUDE_PX + SWAY_TREMOR_AMPLITUDE_PX) as u32 + 2;
const CANVAS_PAD_Y_PX: u32 = BREATH_AMPLITUDE_PX as u32 + 2;

/// Where to look on the stage and how large.
#[derive(Debug, Clone, Copy)]
struct View {
    centre_x: f64,
    centre_y: f64,
    stage_px_per_out_px: f64,
}

/// The photo on its padded background.
struct Stage {
    image: RgbImage,
    photo_width_px: u32,
    photo_height_px: u32,
}

impl Stage {
    fn build() -> Result<Self, CameraError> {
        let photo = image::load_from_memory_with_format(SUBJECT_JPEG, ImageFormat::Jpeg)
            .map_err(|e| CameraError::Decode(format!("demo photo: {e}")))?
            .into_rgb8();
        let (pw, ph) = photo.dimensions();
        let left_walls = wall_colours(&photo, 0);
        let right_walls = wall_colours(&photo, pw.saturating_sub(EDGE_SAMPLE_PX));
        let margin_x = STAGE_MARGIN_X_PX as usize;
        let (photo_w, photo_h) = (pw as usize, ph as usize);
        let width = photo_w + 2 * margin_x;
        let height = photo_h + 2 * STAGE_MARGIN_Y_PX as usize;
        // Light factor by distance (1..=margin) from the photo's edge.
        let falloff: Vec<f32> = (1..=margin_x)
            .map(|d| 1.0 - SIDE_FALLOFF * d as f32 / margin_x as f32)
            .collect();
        let mut pixels = vec![0_u8; width * height * RGB];
        for (y, row) in pixels.chunks_exact_mut(width * RGB).enumerate() {
            let py = y
                .saturating_sub(STAGE_MARGIN_Y_PX as usize)
                .min(photo_h - 1);
            let (left, rest) = row.split_at_mut(margin_x * RGB);
            let (middle, right) = rest.split_at_mut(photo_w * RGB);
            let (left_wall, right_wall) = (left_walls[py], right_walls[py]);
            for (column, px) in left.chunks_exact_mut(RGB).enumerate() {
                shade(px, left_wall, falloff[margin_x - 1 - column]);
            }
            for (column, px) in right.chunks_exact_mut(RGB).enumerate() {
                shade(px, right_wall, falloff[column]);
            }
            middle.copy_from_slice(&photo.as_raw()[py * photo_w * RGB..(py + 1) * photo_w * RGB]);
            feather_edges(middle, left_wall, right_wall);
        }
        let image = RgbImage::from_raw(width as u32, height as u32, pixels)
            .ok_or_else(|| CameraError::Decode("demo stage size".to_owned()))?;
        Ok(Self {
            image,
            photo_width_px: pw,
            photo_height_px: ph,
        })
    }

    /// The view showing `pose` in an output `out_height` pixels high (at rest, the photo's full height).
    fn view(&self, pose: DemoPose, out_height: u32) -> View {
        let window_h = f64::from(self.photo_height_px) / pose.scale;
        // Shifts are in preview pixels: scale them to stage pixels (a still shows the same pose).
        let stage_px_per_preview_px = window_h / f64::from(DEMO_HEIGHT);
        View {
            centre_x: f64::from(STAGE_MARGIN_X_PX) + f64::from(self.photo_width_px) / 2.0
                - pose.shift_x_px * stage_px_per_preview_px,
            centre_y: f64::from(STAGE_MARGIN_Y_PX) + f64::from(self.photo_height_px) / 2.0
                - pose.shift_y_px * stage_px_per_preview_px,
            stage_px_per_out_px: window_h / f64::from(out_height),
        }
    }

    /// Resamples `view` into a `width` x `height` image.
    fn render(
        &self,
        view: View,
        width: u32,
        height: u32,
        resizer: &mut Resizer,
    ) -> Result<RgbImage, CameraError> {
        let render_error =
            |e: &dyn std::fmt::Display| CameraError::Decode(format!("demo render: {e}"));
        let stage_w = f64::from(self.image.width());
        let stage_h = f64::from(self.image.height());
        let window_w = (f64::from(width) * view.stage_px_per_out_px).min(stage_w);
        let window_h = (f64::from(height) * view.stage_px_per_out_px).min(stage_h);
        let left = (view.centre_x - window_w / 2.0).clamp(0.0, stage_w - window_w);
        let top = (view.centre_y - window_h / 2.0).clamp(0.0, stage_h - window_h);
        let src = ImageRef::new(
            self.image.width(),
            self.image.height(),
            self.image.as_raw(),
            PixelType::U8x3,
        )
        .map_err(|e| render_error(&e))?;
        let mut dst = Image::new(width, height, PixelType::U8x3);
        let options = ResizeOptions::new()
            .resize_alg(ResizeAlg::Convolution(FilterType::Bilinear))
            .crop(left, top, window_w, window_h);
        resizer
            .resize(&src, &mut dst, &options)
            .map_err(|e| render_error(&e))?;
        RgbImage::from_raw(width, height, dst.into_vec())
            .ok_or_else(|| render_error(&"buffer size"))
    }
}

/// A preview-scale rendering of the stage at one lean scale, padded for the shifts.
struct Canvas {
    scale: f64,
    image: RgbImage,
}

/// Everything the demo draws from, built once per process.
pub(super) struct DemoAssets {
    stage: Stage,
    canvases: Vec<Canvas>,
}

impl DemoAssets {
    fn build() -> Result<Self, CameraError> {
        let stage = Stage::build()?;
        let mut resizer = Resizer::new();
        let canvas_w = DEMO_WIDTH + 2 * CANVAS_PAD_X_PX;
        let canvas_h = DEMO_HEIGHT + 2 * CANVAS_PAD_Y_PX;
        let mut canvases = Vec::with_capacity(LEAN_LEVELS as usize);
        for level in 0..LEAN_LEVELS {
            let scale = 1.0 - LEAN_SCALE_AMPLITUDE
                + 2.0 * LEAN_SCALE_AMPLITUDE * f64::from(level) / f64::from(LEAN_LEVELS - 1);
            let rest = DemoPose {
                shift_x_px: 0.0,
                shift_y_px: 0.0,
                scale,
            };
            let image = stage.render(
                stage.view(rest, DEMO_HEIGHT),
                canvas_w,
                canvas_h,
                &mut resizer,
            )?;
            canvases.push(Canvas { scale, image });
        }
        Ok(Self { stage, canvases })
    }

    /// A 1280x720 preview frame of `pose`: the nearest lean canvas, cut at the nearest whole-pixel shift.
    pub(super) fn preview_frame(&self, pose: DemoPose) -> Result<RgbImage, CameraError> {
        let canvas = self
            .canvases
            .iter()
            .min_by(|a, b| {
                (a.scale - pose.scale)
                    .abs()
                    .total_cmp(&(b.scale - pose.scale).abs())
            })
            .ok_or_else(|| CameraError::Decode("demo canvases missing".to_owned()))?;
        let pad_x = i64::from(CANVAS_PAD_X_PX);
        let pad_y = i64::from(CANVAS_PAD_Y_PX);
        // The subject moves right, so the cut moves left.
        let left = (pad_x - pose.shift_x_px.round() as i64).clamp(0, 2 * pad_x) as usize;
        let top = (pad_y - pose.shift_y_px.round() as i64).clamp(0, 2 * pad_y) as usize;
        let canvas_row = canvas.image.width() as usize * RGB;
        let frame_row = DEMO_WIDTH as usize * RGB;
        let mut pixels = Vec::with_capacity(frame_row * DEMO_HEIGHT as usize);
        for row in canvas
            .image
            .as_raw()
            .chunks_exact(canvas_row)
            .skip(top)
            .take(DEMO_HEIGHT as usize)
        {
            pixels.extend_from_slice(&row[left * RGB..left * RGB + frame_row]);
        }
        RgbImage::from_raw(DEMO_WIDTH, DEMO_HEIGHT, pixels)
            .ok_or_else(|| CameraError::Decode("demo frame size".to_owned()))
    }

    /// `pose` resampled at any size (for full-resolution stills).
    pub(super) fn render(
        &self,
        pose: DemoPose,
        width: u32,
        height: u32,
    ) -> Result<RgbImage, CameraError> {
        self.stage.render(
            self.stage.view(pose, height),
            width,
            height,
            &mut Resizer::new(),
        )
    }
}

/// The shared assets (the first call builds them: about 20 ms optimised, a few seconds in a debug build).
pub(super) fn demo_assets() -> Result<Arc<DemoAssets>, CameraError> {
    static ASSETS: OnceLock<Result<Arc<DemoAssets>, String>> = OnceLock::new();
    ASSETS
        .get_or_init(|| DemoAssets::build().map(Arc::new).map_err(|e| e.to_string()))
        .clone()
        .map_err(CameraError::Decode)
}

fn shade(px: &mut [u8], wall: [u8; 3], light: f32) {
    for (out, channel) in px.iter_mut().zip(wall) {
        *out = (f32::from(channel) * light) as u8;
    }
}

/// Fades the first and last `FEATHER_PX` columns of a photo row into the wall colours.
fn feather_edges(row: &mut [u8], left_wall: [u8; 3], right_wall: [u8; 3]) {
    let columns = row.len() / RGB;
    let feather = (FEATHER_PX as usize).min(columns / 2);
    for column in 0..feather {
        let alpha = column as f32 / FEATHER_PX as f32;
        let blend = |px: &mut [u8], wall: [u8; 3]| {
            for (out, w) in px.iter_mut().zip(wall) {
                *out = (f32::from(*out) * alpha + f32::from(w) * (1.0 - alpha)).round() as u8;
            }
        };
        blend(&mut row[column * RGB..(column + 1) * RGB], left_wall);
        let mirrored = columns - 1 - column;
        blend(&mut row[mirrored * RGB..(mirrored + 1) * RGB], right_wall);
    }
}

/// The wall colour next to the photo's edge for every row, sampled from column `x0` on.
fn wall_colours(photo: &RgbImage, x0: u32) -> Vec<[u8; 3]> {
    let mut colours: Vec<[u8; 3]> = Vec::with_capacity(photo.height() as usize);
    let mut held: Option<[u8; 3]> = None;
    for y in 0..photo.height() {
        let mut sum = [0_u32; 3];
        for x in x0..(x0 + EDGE_SAMPLE_PX).min(photo.width()) {
            for (s, c) in sum.iter_mut().zip(photo.get_pixel(x, y).0) {
                *s += u32::from(c);
            }
        }
        let mean = sum.map(|s| (s / EDGE_SAMPLE_PX) as u8);
        let colour = match (held, colours.last()) {
            (Some(wall), _) => wall,
            (None, Some(above)) if colour_distance(*above, mean) > EDGE_CONTINUITY_TOLERANCE => {
                held = Some(*above);
                *above
            }
            _ => mean,
        };
        colours.push(colour);
    }
    colours
}

fn colour_distance(a: [u8; 3], b: [u8; 3]) -> u32 {
    a.iter().zip(b).map(|(x, y)| u32::from(x.abs_diff(y))).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wall_colour_is_held_where_the_shoulders_reach_the_edge() {
        // Grey wall, then a white shirt touching the edge in the bottom rows.
        let photo = RgbImage::from_fn(40, 10, |_, y| {
            if y < 7 {
                image::Rgb([180, 180, 178])
            } else {
                image::Rgb([250, 250, 250])
            }
        });
        let colours = wall_colours(&photo, 0);
        assert!(colours.iter().all(|c| *c == [180, 180, 178]), "{colours:?}");
    }

    #[test]
    fn feathering_blends_from_the_wall_to_the_photo() {
        let mut row = [200_u8; 100 * RGB].to_vec();
        feather_edges(&mut row, [100, 100, 100], [0, 0, 0]);
        assert_eq!(
            &row[..3],
            &[100, 100, 100],
            "the outermost column is the wall"
        );
        assert_eq!(&row[row.len() - 3..], &[0, 0, 0]);
        assert_eq!(
            &row[50 * RGB..50 * RGB + 3],
            &[200, 200, 200],
            "the middle is untouched"
        );
        assert_eq!(row[24 * RGB], 150, "half way through the feather");
    }

    #[test]
    fn a_preview_frame_matches_a_full_render_of_the_same_pose() {
        let Ok(assets) = demo_assets() else {
            panic!("demo assets")
        };
        let pose = DemoPose {
            shift_x_px: 7.0,
            shift_y_px: -3.0,
            scale: 1.0,
        };
        let (Ok(fast), Ok(full)) = (
            assets.preview_frame(pose),
            assets.render(pose, DEMO_WIDTH, DEMO_HEIGHT),
        ) else {
            panic!("render failed")
        };
        let diff: u64 = fast
            .as_raw()
            .iter()
            .zip(full.as_raw())
            .map(|(a, b)| u64::from(a.abs_diff(*b)))
            .sum();
        let mean_diff = diff as f64 / fast.as_raw().len() as f64;
        assert!(mean_diff < 1.0, "mean difference {mean_diff}");
    }
}
