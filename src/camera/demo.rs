//! The demo camera: a consenting subject's real photo (assets/demo/, credited in assets/demo/CREDITS)
//! composited into 1280x720 frames with small, realistic motion, so the whole booth flow can be tried
//! without hardware and vision sees a real face.
//!
//! Owns the motion model (pure: time in, pose out), frame pacing and the source behaviour; the
//! pictures themselves come from `demo_stage`. In `auto` fallback mode it also watches for a camera
//! being plugged in. Must not pretend to be a camera: its frames are always flagged `demo`.

use super::pacer::Pacer;
use std::sync::Arc;
use std::time::{Duration, Instant};

use image::RgbImage;

use super::CameraError;
use super::demo_stage::{DemoAssets, demo_assets};
use super::device_list::{DeviceInfo, list_devices};
use super::mode::{CameraMode, PixelFormat};
use super::source::{FrameSource, SourceInfo, SourceKind, StillImage, StillRequest};

/// Output sizes: the 1280x720 preview, and a 1080p "highest still mode".
pub const DEMO_WIDTH: u32 = 1280;
pub const DEMO_HEIGHT: u32 = 720;
pub const DEMO_STILL_WIDTH: u32 = 1920;
pub const DEMO_STILL_HEIGHT: u32 = 1080;
const MAX_DEMO_FPS: u32 = 60;

/// Motion, in preview pixels and seconds. Periods are incommensurate so the motion never visibly loops;
/// amplitudes are those of a person standing still in front of a booth camera (a few pixels of sway,
/// breathing lifts the head ~1 mm, leaning changes the apparent size by ~1.5 %).
pub(super) const SWAY_AMPLITUDE_PX: f64 = 14.0;
const SWAY_PERIOD_S: f64 = 6.3;
pub(super) const SWAY_TREMOR_AMPLITUDE_PX: f64 = 2.5;
const SWAY_TREMOR_PERIOD_S: f64 = 1.7;
pub(super) const BREATH_AMPLITUDE_PX: f64 = 4.0;
/// 15 breaths a minute, a resting adult's rate.
const BREATH_PERIOD_S: f64 = 4.0;
pub(super) const LEAN_SCALE_AMPLITUDE: f64 = 0.015;
const LEAN_PERIOD_S: f64 = 9.1;

/// When standing in for a missing camera, look for one this often.
const CAMERA_PROBE_INTERVAL: Duration = Duration::from_secs(3);

/// Where the subject is at one instant, relative to the rest pose.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemoPose {
    /// Rightward shift in preview pixels.
    pub shift_x_px: f64,
    /// Downward shift in preview pixels.
    pub shift_y_px: f64,
    /// Apparent size relative to rest (1.0 = rest).
    pub scale: f64,
}

/// The pose `t_secs` seconds into the demo.
pub fn pose_at(t_secs: f64) -> DemoPose {
    let wave = |period: f64| (std::f64::consts::TAU * t_secs / period).sin();
    DemoPose {
        shift_x_px: SWAY_AMPLITUDE_PX * wave(SWAY_PERIOD_S)
            + SWAY_TREMOR_AMPLITUDE_PX * wave(SWAY_TREMOR_PERIOD_S),
        shift_y_px: BREATH_AMPLITUDE_PX * wave(BREATH_PERIOD_S),
        scale: 1.0 + LEAN_SCALE_AMPLITUDE * wave(LEAN_PERIOD_S),
    }
}

/// Watches for cameras that were not connected when the demo stood in for one.
struct CameraProbe {
    known: Vec<DeviceInfo>,
    next_check: Instant,
}

/// The demo frame source.
pub struct DemoSource {
    fps: u32,
    assets: Option<Arc<DemoAssets>>,
    frame_index: u64,
    /// When the next frame is due (pacing at `fps`).
    pacer: Pacer,
    probe: Option<CameraProbe>,
}

impl DemoSource {
    /// The demo as an explicit `demo` source.
    pub fn new(fps: u32) -> Self {
        Self {
            fps: fps.clamp(1, MAX_DEMO_FPS),
            assets: None,
            frame_index: 0,
            pacer: Pacer::default(),
            probe: None,
        }
    }

    /// The demo standing in for a missing camera (`auto`): ends with [`CameraError::CameraAppeared`]
    /// when a device not in `known` is plugged in.
    pub fn auto_fallback(fps: u32, known: Vec<DeviceInfo>) -> Self {
        let probe = CameraProbe {
            known,
            next_check: Instant::now() + CAMERA_PROBE_INTERVAL,
        };
        Self {
            probe: Some(probe),
            ..Self::new(fps)
        }
    }

    fn preview_mode(&self) -> CameraMode {
        CameraMode::new(DEMO_WIDTH, DEMO_HEIGHT, self.fps, PixelFormat::Rgb)
    }

    fn frame_interval(&self) -> Duration {
        Duration::from_secs(1) / self.fps
    }

    fn seconds_at(&self, frame_index: u64) -> f64 {
        frame_index as f64 / f64::from(self.fps)
    }

    fn assets(&mut self) -> Result<Arc<DemoAssets>, CameraError> {
        if let Some(assets) = &self.assets {
            return Ok(Arc::clone(assets));
        }
        let assets = demo_assets()?;
        self.assets = Some(Arc::clone(&assets));
        Ok(assets)
    }

    /// The pose of frame `frame_index` at the given size (1280x720 is a cheap copy from pre-rendered
    /// canvases; other sizes are resampled).
    pub fn render_frame(
        &mut self,
        frame_index: u64,
        width: u32,
        height: u32,
    ) -> Result<RgbImage, CameraError> {
        let assets = self.assets()?;
        let pose = pose_at(self.seconds_at(frame_index));
        if (width, height) == (DEMO_WIDTH, DEMO_HEIGHT) {
            assets.preview_frame(pose)
        } else {
            assets.render(pose, width, height)
        }
    }

    fn check_for_camera(&mut self) -> Result<(), CameraError> {
        let Some(probe) = self.probe.as_mut() else {
            return Ok(());
        };
        if Instant::now() < probe.next_check {
            return Ok(());
        }
        probe.next_check = Instant::now() + CAMERA_PROBE_INTERVAL;
        let devices = list_devices().unwrap_or_default();
        if devices.iter().any(|d| !probe.known.contains(d)) {
            return Err(CameraError::CameraAppeared);
        }
        Ok(())
    }

    fn pace(&mut self) {
        self.pacer.wait(self.frame_interval());
    }
}

impl FrameSource for DemoSource {
    fn open(&mut self) -> Result<SourceInfo, CameraError> {
        self.assets()?;
        self.pacer.reset();
        self.frame_index = 0;
        let known = self
            .probe
            .as_ref()
            .map(|p| p.known.clone())
            .unwrap_or_default();
        Ok(SourceInfo {
            kind: SourceKind::Demo,
            name: "demo (London set subject 045, CC BY 4.0)".to_owned(),
            mode: self.preview_mode(),
            demo: true,
            negotiation: None,
            devices: known,
        })
    }

    fn next_frame(&mut self) -> Result<RgbImage, CameraError> {
        self.check_for_camera()?;
        self.pace();
        let frame = self.render_frame(self.frame_index, DEMO_WIDTH, DEMO_HEIGHT)?;
        self.frame_index += 1;
        Ok(frame)
    }

    /// Keeps the pace and the animation clock (and the look-out for a real camera) but renders nothing:
    /// rendering is what the demo costs, the wake-up is negligible, and a booth going live again gets a
    /// frame within one interval.
    fn skip_frame(&mut self) -> Result<(), CameraError> {
        self.check_for_camera()?;
        self.pace();
        self.frame_index += 1;
        Ok(())
    }

    fn still(&mut self, request: &StillRequest) -> Result<StillImage, CameraError> {
        let (width, height) = if request.highest_mode {
            (DEMO_STILL_WIDTH, DEMO_STILL_HEIGHT)
        } else {
            (DEMO_WIDTH, DEMO_HEIGHT)
        };
        let image = self.render_frame(self.frame_index, width, height)?;
        Ok(StillImage {
            image,
            mode: CameraMode::new(width, height, self.fps, PixelFormat::Rgb),
        })
    }

    fn close(&mut self) {
        self.pacer.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn motion_is_small_and_smooth() {
        let frame_s = 1.0 / 30.0;
        let mut previous = pose_at(0.0);
        for i in 1..(30 * 60) {
            let pose = pose_at(f64::from(i) * frame_s);
            assert!(pose.shift_x_px.abs() <= SWAY_AMPLITUDE_PX + SWAY_TREMOR_AMPLITUDE_PX);
            assert!(pose.shift_y_px.abs() <= BREATH_AMPLITUDE_PX);
            assert!((pose.scale - 1.0).abs() <= LEAN_SCALE_AMPLITUDE);
            // Never more than ~1.5 px per frame: a person standing still, not a jumping image.
            assert!((pose.shift_x_px - previous.shift_x_px).abs() < 1.5);
            assert!((pose.shift_y_px - previous.shift_y_px).abs() < 1.5);
            previous = pose;
        }
        assert!(pose_at(1.5).shift_x_px.abs() > 5.0, "the subject does move");
    }

    #[test]
    fn frames_are_720p_centred_on_the_subject_and_move_slightly() {
        let mut demo = DemoSource::new(30);
        let first = demo.render_frame(0, DEMO_WIDTH, DEMO_HEIGHT);
        let later = demo.render_frame(45, DEMO_WIDTH, DEMO_HEIGHT);
        let (Ok(first), Ok(later)) = (first, later) else {
            panic!("demo render failed")
        };
        assert_eq!(first.dimensions(), (1280, 720));
        // The dark hair is in the middle of the upper half, the wall at the sides is light grey.
        let luma = |img: &RgbImage, x: u32, y: u32| {
            img.get_pixel(x, y)
                .0
                .iter()
                .map(|&c| u32::from(c))
                .sum::<u32>()
                / 3
        };
        assert!(luma(&first, 640, 150) < 90, "hair at the top centre");
        assert!(
            luma(&first, 60, 150) > 150 && luma(&first, 1220, 150) > 150,
            "wall at the sides"
        );
        // Later frames differ, but only by a small motion.
        let diff: u64 = first
            .as_raw()
            .iter()
            .zip(later.as_raw())
            .map(|(a, b)| u64::from(a.abs_diff(*b)))
            .sum();
        let mean_diff = diff as f64 / first.as_raw().len() as f64;
        assert!(
            mean_diff > 0.2 && mean_diff < 12.0,
            "mean difference {mean_diff}"
        );
    }

    #[test]
    fn a_highest_mode_still_is_1080p() {
        let mut demo = DemoSource::new(30);
        let still = demo.still(&StillRequest {
            highest_mode: true,
            discard_frames: 0,
        });
        let Ok(still) = still else {
            panic!("{still:?}")
        };
        assert_eq!(still.image.dimensions(), (1920, 1080));
        assert_eq!(
            still.mode,
            CameraMode::new(1920, 1080, 30, PixelFormat::Rgb)
        );
    }
}
