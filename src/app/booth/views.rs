//! What the booth runtime shows the UI besides the flow's screen: the standardized photo, the live face,
//! the pose guide, the printer, the maintenance diagnostics. Plain data (no egui types), cheap to clone.
//!
//! Owns these view types only; `Booth` fills them in.

use std::sync::Arc;

use image::RgbImage;

use crate::camera::{CameraDiagnostics, CameraStatus};
use crate::core::flow::Worker;
use crate::core::geometry::{Point, Rect, SizePx};
use crate::print::spool::PrinterState;

/// The current session's standardized photo. `generation` changes whenever the photo does, so the UI
/// re-uploads its texture only then.
#[derive(Debug, Clone)]
pub struct PhotoView {
    pub image: Arc<RgbImage>,
    pub generation: u64,
}

/// The newest face the live checks saw, in CAMERA pixels (not mirrored; the UI mirrors as it draws).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LiveFace {
    /// Size of the frame the coordinates refer to.
    pub frame: SizePx,
    /// The detector's face box.
    pub bbox: Rect,
    /// The person's right eye (left in the unmirrored image) and left eye.
    pub right_eye: Point,
    pub left_eye: Point,
    /// Sequence number of the frame it was seen in.
    pub frame_seq: u64,
}

/// An ellipse in normalised frame coordinates (0..1 across and down the camera frame).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NormEllipse {
    pub center_x: f32,
    pub center_y: f32,
    pub radius_x: f32,
    pub radius_y: f32,
}

/// Where the head and shoulders of a well-posed student sit in the camera frame, from the active profile's
/// geometry, in normalised camera-frame coordinates (0..1; x across, y down; NOT mirrored).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PoseGuide {
    /// The photo's crop of the frame that the guide assumes.
    pub photo: Rect,
    /// The head outline (crown to chin).
    pub head: NormEllipse,
    /// The band the eye line should fall in: `eye_line_top..=eye_line_bottom`.
    pub eye_line_top: f32,
    pub eye_line_bottom: f32,
    /// The shoulder line.
    pub shoulder_y: f32,
}

/// What the Done screen says about the printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrinterView {
    /// Ready or busy: a print will come out.
    Ok,
    /// Paused, or held by a jam, open cover or empty ink: staff must act.
    Paused,
    OutOfPaper,
    /// Does not answer, refuses jobs or does not exist.
    Offline,
    /// No printer at this booth.
    NotConfigured,
}

impl PrinterView {
    pub fn from_state(state: PrinterState) -> PrinterView {
        match state {
            PrinterState::Ready | PrinterState::Busy => PrinterView::Ok,
            PrinterState::Paused
            | PrinterState::PaperJam
            | PrinterState::OutOfInk
            | PrinterState::CoverOpen => PrinterView::Paused,
            PrinterState::OutOfPaper => PrinterView::OutOfPaper,
            PrinterState::Offline | PrinterState::NotAccepting | PrinterState::Missing => {
                PrinterView::Offline
            }
        }
    }
}

/// Whether a worker runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerState {
    Running,
    /// The thread ended (it panicked or its channel broke): the booth shows Failsafe.
    Failed,
}

/// One worker on the diagnostics page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerView {
    pub worker: Worker,
    pub thread_name: &'static str,
    pub state: WorkerState,
}

/// The maintenance screen's view of the runtime.
#[derive(Debug, Clone)]
pub struct BoothDiagnostics {
    pub camera_status: CameraStatus,
    pub camera: CameraDiagnostics,
    pub workers: Vec<WorkerView>,
    /// The profile the booth produces now.
    pub profile: String,
    /// How long the last capture took to check and standardize.
    pub last_processing_ms: Option<u64>,
    /// Live-check results received since start.
    pub live_results: u64,
    /// Sessions whose heavy data the booth holds now (0 or 1 outside a visit's hand-over).
    pub sessions_held: usize,
    /// Records saved since start.
    pub records_saved: u64,
    /// Saves refused because the capture came from the demo source (never anyone's photo).
    pub demo_saves_refused: u64,
    pub printer: PrinterView,
}
