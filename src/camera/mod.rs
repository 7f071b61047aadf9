//! The booth camera: a worker thread that owns the frame source, negotiates its mode, decodes frames to
//! RGB, publishes the newest one through a capacity-1 channel, takes stills on request and recovers by
//! itself when the source stalls, disconnects or is re-plugged.
//!
//! Owns: source selection (`auto`, `device:`, `file:`, `demo`), nokhwa device handling (opened on the
//! thread that reads it: nokhwa's `Camera` is not `Send`), mode negotiation, pixel-format decoding, the
//! watchdog, the demo and file sources, [`FakeCamera`] for tests, and the preview RGBA helper.
//!
//! Must not touch: the UI (it only receives a waker callback and reads status and frames), vision,
//! storage, or the booth flow. The decision logic (negotiation, watchdog, selector resolution) is pure
//! and unit-tested with synthetic inputs; only `worker`, `session` and `device` touch threads and devices.

pub mod decode;
pub mod demand;
pub mod demo;
mod demo_stage;
pub mod device;
pub mod device_list;
pub mod fake;
pub mod file;
mod jpeg_tables;
pub mod mode;
mod pacer;
pub mod preview;
mod session;
pub mod settings;
pub mod source;
pub mod status;
pub mod watchdog;
pub mod worker;

pub use demand::Demand;
pub use device_list::DeviceInfo;
pub use fake::{FakeCamera, FakeStats, FakeStep};
pub use mode::{CameraMode, ModeRequest, Negotiation, PixelFormat, Refusal};
pub use preview::{PreviewSize, fill_preview_rgba};
pub use settings::{CameraSettings, DeviceSelector, SourceSpec, format_preference};
pub use source::{FrameSource, SourceFactory, SourceInfo, SourceKind, StillImage, StillRequest};
pub use status::{CameraDiagnostics, CameraStatus, Capture, Frame};
pub use watchdog::{Watchdog, WatchdogAction, WatchdogConfig};
pub use worker::{CameraHandle, Waker};

use std::path::PathBuf;

/// Everything that can go wrong with the camera, in words a staff member can act on.
#[derive(Debug, thiserror::Error)]
pub enum CameraError {
    /// `camera.source` (or a device selector) could not be parsed.
    #[error("invalid camera source {given:?}: {reason}")]
    InvalidSource { given: String, reason: String },
    /// A camera setting is out of range.
    #[error("invalid camera setting: {0}")]
    InvalidSettings(String),
    /// No camera is connected at all.
    #[error("no camera is connected")]
    NoDevice,
    /// The configured camera is not among the connected ones.
    #[error("camera {selector} not found (connected: {available})")]
    DeviceNotFound { selector: String, available: String },
    /// The camera driver reported an error (open, format, stream or read).
    #[error("camera device error: {0}")]
    Device(String),
    /// The device is held by another process or by a previous session that has not let go yet.
    #[error("camera is busy: {0}")]
    Busy(String),
    /// Every mode the device offers was refused or cannot be decoded.
    #[error("camera offers no usable mode ({offered} offered, refused: {refused})")]
    NoUsableMode { offered: usize, refused: String },
    /// A frame could not be decoded.
    #[error("frame decode failed: {0}")]
    Decode(String),
    /// The device went away while streaming.
    #[error("camera disconnected: {0}")]
    Disconnected(String),
    /// The camera stopped delivering frames (watchdog) before the request completed.
    #[error("camera lost: no frame for {waited_ms} ms")]
    Lost { waited_ms: u64 },
    /// A still was requested while no camera is live.
    #[error("camera is not live (status: {0})")]
    NotLive(String),
    /// An image file of the `file:` source could not be read.
    #[error("camera image file {path}: {reason}")]
    File { path: PathBuf, reason: String },
    /// The `file:` source holds no decodable image.
    #[error("no readable image in {0}")]
    NoImages(PathBuf),
    /// While running on the `auto` demo fallback, a real camera was plugged in: switch to it.
    #[error("a camera was connected; switching from the demo to it")]
    CameraAppeared,
    /// The worker thread could not be started.
    #[error("cannot start the camera thread: {0}")]
    Spawn(#[source] std::io::Error),
    /// The worker thread has ended (it only ends on Stop).
    #[error("the camera worker has stopped")]
    WorkerGone,
}

impl CameraError {
    /// True when retrying the same source cannot help until someone changes the configuration or files
    /// (the worker still retries slowly, but reports `Failed` instead of `Reconnecting`).
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            Self::InvalidSource { .. }
                | Self::InvalidSettings(_)
                | Self::NoUsableMode { .. }
                | Self::File { .. }
                | Self::NoImages(_)
        )
    }
}
