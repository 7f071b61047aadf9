//! Turns the booth runtime's plain view types (no egui in them) into what the screens draw: the pose
//! guide and live face as normalised egui points, the printer lamp, the maintenance lines.
//!
//! Owns only these conversions; the runtime computes the data.

use egui::{Pos2, Rect, pos2, vec2};

use super::{DiagLine, MaintenanceView, PrinterLamp};
use crate::app::booth::{BoothDiagnostics, LiveFace, PoseGuide, PrinterView, WorkerState};
use crate::app::text::Lang;
use crate::app::widgets::pose_overlay::{FaceMarks, GuideShape};
use crate::core::flow::Flow;

pub fn guide(guide: &PoseGuide) -> GuideShape {
    GuideShape {
        head_center: pos2(guide.head.center_x, guide.head.center_y),
        head_radius: vec2(guide.head.radius_x, guide.head.radius_y),
        eye_band_top: guide.eye_line_top,
        eye_band_bottom: guide.eye_line_bottom,
        shoulder_y: guide.shoulder_y,
    }
}

/// The live face in normalised frame coordinates (the runtime gives camera pixels).
pub fn face(face: &LiveFace) -> FaceMarks {
    let width = face.frame.width.max(1) as f32;
    let height = face.frame.height.max(1) as f32;
    let norm = |x: f32, y: f32| -> Pos2 { pos2(x / width, y / height) };
    let bbox = face.bbox;
    FaceMarks {
        face: Rect::from_min_max(
            norm(bbox.x, bbox.y),
            norm(bbox.x + bbox.width, bbox.y + bbox.height),
        ),
        eyes: [
            norm(face.right_eye.x, face.right_eye.y),
            norm(face.left_eye.x, face.left_eye.y),
        ],
    }
}

pub fn printer(printer: PrinterView) -> PrinterLamp {
    match printer {
        PrinterView::Ok => PrinterLamp::Ready,
        PrinterView::Paused => PrinterLamp::Paused,
        PrinterView::OutOfPaper => PrinterLamp::OutOfPaper,
        PrinterView::Offline => PrinterLamp::Offline,
        PrinterView::NotConfigured => PrinterLamp::NotConfigured,
    }
}

/// The last measured preview rate for the maintenance screen ("-" before a first 10-s window).
pub fn preview_rate_line(rate: Option<crate::app::preview::RateWindow>) -> DiagLine {
    line(
        "preview shown",
        rate.map_or_else(
            || "-".to_owned(),
            |rate| {
                format!(
                    "{:.1} fps ({:.1} paints/s)",
                    rate.preview_fps, rate.paint_fps
                )
            },
        ),
    )
}

fn line(label: &str, value: impl Into<String>) -> DiagLine {
    DiagLine {
        label: label.to_owned(),
        value: value.into(),
    }
}

/// The maintenance screen's lines. Diagnostic labels are for staff and stay in English with units, as
/// the logs write them; the faults follow the booth's language.
pub fn maintenance(
    diagnostics: &BoothDiagnostics,
    flow: &Flow,
    profiles: &[String],
    lang: Lang,
) -> MaintenanceView {
    let cam = &diagnostics.camera;
    let mut camera = vec![
        line("status", diagnostics.camera_status.describe()),
        line("source", cam.configured_source.clone()),
        line(
            "device",
            cam.source_name.clone().unwrap_or_else(|| "-".to_owned()),
        ),
        line(
            "mode",
            cam.mode
                .map_or_else(|| "-".to_owned(), |mode| mode.to_string()),
        ),
        line("frame rate", format!("{:.1} fps", cam.measured_fps)),
        line("frames", cam.frames_published.to_string()),
        line(
            "frames dropped unread",
            cam.frames_replaced_unread.to_string(),
        ),
        line("reconnects", cam.losses.to_string()),
        line("devices found", cam.devices.len().to_string()),
    ];
    if cam.demo {
        camera.push(line("demo camera", "yes"));
    }
    if let Some(error) = &cam.last_error {
        camera.push(line("last error", error.clone()));
    }
    let mut workers: Vec<DiagLine> = diagnostics
        .workers
        .iter()
        .map(|worker| {
            let state = match worker.state {
                WorkerState::Running => "running",
                WorkerState::Failed => "FAILED",
            };
            line(worker.thread_name, state)
        })
        .collect();
    workers.push(line(
        "last processing",
        diagnostics
            .last_processing_ms
            .map_or_else(|| "-".to_owned(), |ms| format!("{ms} ms")),
    ));
    workers.push(line("live results", diagnostics.live_results.to_string()));
    workers.push(line("records saved", diagnostics.records_saved.to_string()));
    MaintenanceView {
        camera,
        workers,
        profiles: profiles.to_vec(),
        active_profile: diagnostics.profile.clone(),
        out_of_service: flow.out_of_service(),
        faults: flow
            .faults()
            .iter()
            .map(|fault| fault.text(lang.into()).to_owned())
            .collect(),
    }
}
