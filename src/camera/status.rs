//! What the camera worker publishes: frames, stills, its status and staff diagnostics, as plain data.
//!
//! Owns these types only; the worker fills them in, the app reads them.

use std::sync::Arc;
use std::time::Instant;

use image::RgbImage;

use super::device_list::DeviceInfo;
use super::mode::{CameraMode, Negotiation};
use super::source::SourceKind;

/// A live frame (RGB, not mirrored).
#[derive(Debug, Clone)]
pub struct Frame {
    pub image: Arc<RgbImage>,
    /// Increases by one per published frame, across reconnections.
    pub seq: u64,
    pub captured_at: Instant,
}

/// A full-resolution still.
#[derive(Debug, Clone)]
pub struct Capture {
    pub image: Arc<RgbImage>,
    pub mode: CameraMode,
    pub captured_at: Instant,
    pub source_kind: SourceKind,
    /// Taken from the demo source: never anyone's photo.
    pub demo: bool,
}

/// Where the camera is. The UI shows "摄像头重连中 / Reconnecting camera" while `Lost` or `Reconnecting`.
#[derive(Debug, Clone, PartialEq)]
pub enum CameraStatus {
    Starting,
    Live {
        mode: CameraMode,
        source_kind: SourceKind,
        demo: bool,
    },
    /// No frames since `since` (the last frame, or the start of the failed connection).
    Lost {
        since: Instant,
    },
    /// Trying to reopen; `attempt` counts from 1 since the camera was last live.
    Reconnecting {
        attempt: u32,
    },
    /// The source cannot work as configured (missing file, no usable mode); retried slowly.
    Failed(String),
}

impl CameraStatus {
    pub fn is_live(&self) -> bool {
        matches!(self, Self::Live { .. })
    }

    /// A short description for logs and error messages.
    pub fn describe(&self) -> String {
        match self {
            Self::Starting => "starting".to_owned(),
            Self::Live { mode, .. } => format!("live {mode}"),
            Self::Lost { .. } => "lost".to_owned(),
            Self::Reconnecting { attempt } => format!("reconnecting (attempt {attempt})"),
            Self::Failed(reason) => format!("failed: {reason}"),
        }
    }
}

/// What staff see on the diagnostics page.
#[derive(Debug, Clone, Default)]
pub struct CameraDiagnostics {
    /// The configured `camera.source`.
    pub configured_source: String,
    pub source_name: Option<String>,
    pub source_kind: Option<SourceKind>,
    pub demo: bool,
    pub mode: Option<CameraMode>,
    pub negotiation: Option<Negotiation>,
    pub devices: Vec<DeviceInfo>,
    pub frames_published: u64,
    /// Frames replaced before the app read them (the app was busy; harmless unless it grows fast).
    pub frames_replaced_unread: u64,
    /// Frames read but not decoded while the booth was idle ([`super::Demand::Idle`]).
    pub frames_skipped_idle: u64,
    pub measured_fps: f32,
    pub last_frame_at: Option<Instant>,
    pub sessions_started: u64,
    pub losses: u64,
    pub last_error: Option<String>,
}
