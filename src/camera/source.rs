//! The frame-source abstraction the worker drives, and the factory that turns `camera.source` into
//! sources (including the `auto` rule: a real camera when one exists, the demo only when none has been
//! seen since start-up).
//!
//! Owns [`FrameSource`], its descriptive types and [`factory_for`]. A source is created and used on one
//! capture thread (nokhwa's `Camera` is not `Send`), so sources need not be `Send`; factories must be.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use image::RgbImage;

use super::CameraError;
use super::demo::DemoSource;
use super::device::{DeviceSource, DeviceTarget};
use super::device_list::{DeviceInfo, list_devices};
use super::file::FileSource;
use super::mode::{CameraMode, ModeRequest, Negotiation};
use super::settings::{CameraSettings, SourceSpec};

/// What kind of source is live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKind {
    Device,
    Demo,
    File,
    Fake,
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Device => "camera",
            Self::Demo => "demo",
            Self::File => "file",
            Self::Fake => "fake",
        })
    }
}

/// What an opened source reports about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceInfo {
    pub kind: SourceKind,
    /// Human-readable name (camera model, file path, "demo").
    pub name: String,
    /// The streaming (preview) mode.
    pub mode: CameraMode,
    /// Not a real camera: the UI shows a banner and nothing it captures belongs to a person.
    pub demo: bool,
    /// How the mode was negotiated (devices only).
    pub negotiation: Option<Negotiation>,
    /// Cameras connected when the source opened (devices and `auto` only).
    pub devices: Vec<DeviceInfo>,
}

/// How to take a still.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StillRequest {
    /// Switch to the largest mode for the still, and back afterwards.
    pub highest_mode: bool,
    /// Frames thrown away after a mode switch.
    pub discard_frames: u32,
}

/// A full-resolution still and the mode it was taken in.
#[derive(Debug, Clone, PartialEq)]
pub struct StillImage {
    pub image: RgbImage,
    pub mode: CameraMode,
}

/// A source of RGB frames. `next_frame` blocks until the next frame (sources pace themselves at their
/// frame rate; a real device may block for ever when it stalls, which the worker's watchdog handles).
pub trait FrameSource {
    /// Opens the source and starts streaming.
    fn open(&mut self) -> Result<SourceInfo, CameraError>;
    /// The next frame, decoded to RGB.
    fn next_frame(&mut self) -> Result<RgbImage, CameraError>;
    /// Reads the next frame without decoding or converting it (nobody looks: [`super::Demand::Idle`]).
    /// Paced and failing like `next_frame`, so the watchdog still sees a stall or an unplug. Sources
    /// whose frames cost nothing to make may keep this default.
    fn skip_frame(&mut self) -> Result<(), CameraError> {
        self.next_frame().map(drop)
    }
    /// A full-resolution still (the worker has already waited for exposure to settle).
    fn still(&mut self, request: &StillRequest) -> Result<StillImage, CameraError>;
    /// Stops streaming and releases the device. Called once; errors are logged by the source.
    fn close(&mut self);
}

/// Creates a fresh, unopened source; called on the capture thread for each (re)connection attempt.
pub type SourceFactory = Box<dyn FnMut() -> Result<Box<dyn FrameSource>, CameraError> + Send>;

/// The factory for `settings.source`.
pub fn factory_for(settings: &CameraSettings) -> SourceFactory {
    let fps = settings.fps;
    let request = settings.mode_request();
    match settings.source.clone() {
        SourceSpec::Demo => {
            Box::new(move || Ok(Box::new(DemoSource::new(fps)) as Box<dyn FrameSource>))
        }
        SourceSpec::File(path) => Box::new(move || {
            Ok(Box::new(FileSource::new(path.clone(), fps)) as Box<dyn FrameSource>)
        }),
        SourceSpec::Device(selector) => Box::new(move || {
            let target = DeviceTarget::Selected(selector.clone());
            Ok(Box::new(DeviceSource::new(target, request.clone())) as Box<dyn FrameSource>)
        }),
        SourceSpec::Auto => {
            let camera_seen = Arc::new(AtomicBool::new(false));
            Box::new(move || {
                Ok(Box::new(AutoSource::new(
                    request.clone(),
                    fps,
                    Arc::clone(&camera_seen),
                )) as Box<dyn FrameSource>)
            })
        }
    }
}

/// What `auto` does when no camera opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoFallback {
    /// No camera has worked since start-up: show the demo (flagged), which keeps looking for one.
    Demo,
    /// A camera worked earlier and is gone: wait for it. Never show a stranger's demo frames to a
    /// person who was just being photographed.
    WaitForCamera,
}

/// The `auto` rule.
pub fn auto_fallback(camera_seen: bool) -> AutoFallback {
    if camera_seen {
        AutoFallback::WaitForCamera
    } else {
        AutoFallback::Demo
    }
}

/// `auto`: the first camera that opens with a usable mode, else (before any camera worked) the demo.
pub struct AutoSource {
    request: ModeRequest,
    fps: u32,
    /// Shared across reconnections: has a real camera opened since start-up?
    camera_seen: Arc<AtomicBool>,
    inner: Option<Box<dyn FrameSource>>,
}

impl AutoSource {
    pub fn new(request: ModeRequest, fps: u32, camera_seen: Arc<AtomicBool>) -> Self {
        Self {
            request,
            fps,
            camera_seen,
            inner: None,
        }
    }

    fn inner(&mut self) -> Result<&mut Box<dyn FrameSource>, CameraError> {
        self.inner
            .as_mut()
            .ok_or_else(|| CameraError::Device("auto source not open".to_owned()))
    }
}

impl FrameSource for AutoSource {
    fn open(&mut self) -> Result<SourceInfo, CameraError> {
        let devices = list_devices().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "listing cameras failed; treating as none");
            Vec::new()
        });
        let mut camera = DeviceSource::new(DeviceTarget::AnyCamera, self.request.clone());
        let error = match camera.open() {
            Ok(info) => {
                self.camera_seen.store(true, Ordering::Release);
                self.inner = Some(Box::new(camera));
                return Ok(info);
            }
            Err(e) => e,
        };
        match auto_fallback(self.camera_seen.load(Ordering::Acquire)) {
            AutoFallback::WaitForCamera => Err(error),
            AutoFallback::Demo => {
                tracing::info!(reason = %error, "no usable camera: showing the demo (flagged as demo)");
                let mut demo = DemoSource::auto_fallback(self.fps, devices.clone());
                let mut info = demo.open()?;
                info.devices = devices;
                self.inner = Some(Box::new(demo));
                Ok(info)
            }
        }
    }

    fn next_frame(&mut self) -> Result<RgbImage, CameraError> {
        self.inner()?.next_frame()
    }

    fn skip_frame(&mut self) -> Result<(), CameraError> {
        self.inner()?.skip_frame()
    }

    fn still(&mut self, request: &StillRequest) -> Result<StillImage, CameraError> {
        self.inner()?.still(request)
    }

    fn close(&mut self) {
        if let Some(mut inner) = self.inner.take() {
            inner.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_falls_back_to_the_demo_only_before_any_camera_worked() {
        assert_eq!(auto_fallback(false), AutoFallback::Demo);
        assert_eq!(auto_fallback(true), AutoFallback::WaitForCamera);
    }

    #[test]
    fn auto_without_a_camera_opens_the_flagged_demo() {
        // No camera can exist on CI machines; where one does, this test checks the camera path instead.
        let seen = Arc::new(AtomicBool::new(false));
        let request = CameraSettings::default().mode_request();
        let mut source = AutoSource::new(request, 30, Arc::clone(&seen));
        let opened = source.open();
        let Ok(info) = opened else {
            panic!("{opened:?}")
        };
        if info.kind == SourceKind::Demo {
            assert!(info.demo);
            assert!(!seen.load(Ordering::Acquire));
            assert!(
                source
                    .next_frame()
                    .is_ok_and(|f| f.dimensions() == (1280, 720))
            );
        } else {
            assert!(seen.load(Ordering::Acquire));
        }
        source.close();
        // After a camera was seen, a failed open is an error, not the demo.
        seen.store(true, Ordering::Release);
        let mut again = AutoSource::new(CameraSettings::default().mode_request(), 30, seen);
        if list_devices().is_ok_and(|d| d.is_empty()) {
            assert!(again.open().is_err());
        }
    }
}
