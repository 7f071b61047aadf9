//! Pose screen: the live MIRRORED preview fills the screen, the profile's pose guide (head outline,
//! eye-line band, shoulder line) is drawn over it in preview coordinates, the debounced hint shows big
//! with arrows, and the capture button carries a ring that fills while the auto-shutter holds.

use std::f32::consts::TAU;

use egui::{Align, Layout, Rect, RichText, Shape, Stroke, UiBuilder, pos2, vec2};

use super::{View, top_bar};
use crate::app::theme;
use crate::app::widgets::buttons::{self, Kind};
use crate::app::widgets::fit_centered;
use crate::app::widgets::pose_overlay::{self, FrameToScreen, Tone};
use crate::core::flow::{Event, Hint, PoseNotice, PoseState};

/// Points on the auto-shutter ring (smooth at any size).
const RING_SEGMENTS: usize = 64;

/// Draws the preview over the whole screen area and returns where the frame landed (for overlays), or
/// `None` while no frame has arrived (a "waiting" line is drawn instead).
pub fn preview_backdrop(ui: &mut egui::Ui, view: &View<'_>) -> Option<FrameToScreen> {
    let area = ui.max_rect();
    let Some(texture) = view.camera.preview else {
        ui.painter().rect_filled(area, 0.0, theme::PREVIEW_BACKDROP);
        let font = view.metrics.body();
        banner_text(
            ui,
            view,
            view.text("pose.waiting"),
            font,
            area.center().y,
            Backing::Band,
        );
        return None;
    };
    let image_rect = fit_centered(area, texture.size_vec2());
    // Only the bars the frame leaves are filled: under a software renderer every full-screen layer
    // costs a pass over two million pixels, and the frame covers the rest.
    for bar in bars_around(area, image_rect) {
        ui.painter().rect_filled(bar, 0.0, theme::PREVIEW_BACKDROP);
    }
    egui::Image::new(texture).paint_at(ui, image_rect);
    Some(FrameToScreen {
        image_rect,
        mirrored: view.camera.mirrored,
    })
}

/// The parts of `area` outside `inner` (at most four non-empty bars: above, below, left, right).
fn bars_around(area: egui::Rect, inner: egui::Rect) -> Vec<egui::Rect> {
    let inner = inner.intersect(area);
    let candidates = [
        egui::Rect::from_min_max(area.min, egui::pos2(area.max.x, inner.min.y)),
        egui::Rect::from_min_max(egui::pos2(area.min.x, inner.max.y), area.max),
        egui::Rect::from_min_max(
            egui::pos2(area.min.x, inner.min.y),
            egui::pos2(inner.min.x, inner.max.y),
        ),
        egui::Rect::from_min_max(
            egui::pos2(inner.max.x, inner.min.y),
            egui::pos2(area.max.x, inner.max.y),
        ),
    ];
    candidates
        .into_iter()
        .filter(|bar| bar.width() > 0.0 && bar.height() > 0.0)
        .collect()
}

/// How text drawn over the live preview stays readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backing {
    /// A dark rounded band just around the text.
    Band,
    /// A drop shadow only (the big countdown digit, which must not hide the face).
    Shadow,
}

/// A line of text over the preview, centred horizontally at height `y` (a real label, so screen readers
/// and the UI tests see it).
pub fn banner_text(
    ui: &mut egui::Ui,
    view: &View<'_>,
    text: &str,
    font: egui::FontId,
    y: f32,
    backing: Backing,
) {
    let galley = ui
        .painter()
        .layout_no_wrap(text.to_owned(), font.clone(), theme::ON_DARK);
    let pad = view.metrics.spacing() * 0.5;
    let centre = pos2(ui.max_rect().center().x, y);
    let text_rect = Rect::from_center_size(centre, galley.size());
    match backing {
        Backing::Band => {
            let band = text_rect.expand2(vec2(pad * 2.0, pad));
            ui.painter()
                .rect_filled(band, view.metrics.rounding(), theme::OVERLAY_SHADE);
        }
        Backing::Shadow => {
            let offset = vec2(1.0, 1.0) * view.metrics.guide_stroke();
            ui.painter()
                .galley(text_rect.min + offset, galley, theme::OVERLAY_SHADE);
        }
    }
    ui.put(
        text_rect.expand(1.0),
        egui::Label::new(RichText::new(text).font(font).color(theme::ON_DARK)).extend(),
    );
}

/// Draws the pose screen.
pub fn show(ui: &mut egui::Ui, state: &PoseState, view: &View<'_>) -> Option<Event> {
    let metrics = view.metrics;
    let area = ui.max_rect();
    let map = preview_backdrop(ui, view);
    let tone = if state.green_since.is_some() {
        Tone::Ready
    } else if state.face_present {
        Tone::Adjust
    } else {
        Tone::Idle
    };
    if let (Some(map), Some(guide)) = (map, view.guide.as_ref()) {
        pose_overlay::paint_guide(ui.painter(), map, guide, view.face.as_ref(), tone, metrics);
        if let Some(hint) = state.hint() {
            pose_overlay::paint_arrows(ui.painter(), map, guide, hint, metrics);
        }
    }
    // The message: the notice after a failed shot, else the hint, else "hold still" when all is green.
    let message = match (state.notice, state.hint(), tone) {
        (_, Some(hint), _) => Some(hint_text(hint, view)),
        (Some(PoseNotice::CaptureFailed | PoseNotice::ProcessingFailed), None, _) => {
            Some(view.text("pose.retry"))
        }
        (None, None, Tone::Ready) => Some(view.text("pose.ready")),
        (None, None, _) => Some(view.text("pose.title")),
    };
    // The message sits low, over the shoulders, so the head outline stays clear.
    let button_size = metrics.button_size();
    let bottom_row_y = area.bottom() - metrics.spacing() - button_size.y / 2.0;
    if let Some(message) = message {
        let y = bottom_row_y - button_size.y / 2.0 - metrics.spacing() - metrics.hint().size;
        banner_text(ui, view, message, metrics.hint(), y, Backing::Band);
    }
    let mut event = None;
    ui.scope_builder(
        UiBuilder::new().max_rect(area.shrink(metrics.spacing() * 0.5)),
        |ui| {
            event = top_bar(ui, view, true);
        },
    );
    // The capture button, bottom right (clear of the guide), with the auto-shutter ring around it.
    let button_rect = Rect::from_center_size(
        pos2(
            area.right() - metrics.spacing() - button_size.x / 2.0,
            bottom_row_y,
        ),
        button_size,
    );
    let progress = state.shutter_progress(view.now, view.settings.auto_shutter_hold);
    if view.settings.auto_shutter && progress > 0.0 {
        paint_ring(
            ui,
            button_rect.expand(metrics.spacing() * 0.4),
            progress,
            metrics.guide_stroke(),
        );
    }
    let builder = UiBuilder::new().max_rect(button_rect).layout(
        Layout::centered_and_justified(egui::Direction::TopDown).with_cross_align(Align::Center),
    );
    ui.scope_builder(builder, |ui| {
        if buttons::big(ui, metrics, view.text("pose.capture"), Kind::Primary, true).clicked() {
            event = Some(Event::CaptureButton);
        }
    });
    event
}

fn hint_text(hint: Hint, view: &View<'_>) -> &'static str {
    match view.lang {
        crate::app::text::Lang::Zh => hint.zh(),
        crate::app::text::Lang::En => hint.en(),
    }
}

/// An arc around `rect` filled clockwise from the top to `progress` (0..=1).
fn paint_ring(ui: &egui::Ui, rect: Rect, progress: f32, width: f32) {
    let centre = rect.center();
    let radius = rect.size() / 2.0;
    let steps = ((RING_SEGMENTS as f32) * progress).ceil().max(1.0) as usize;
    let points: Vec<_> = (0..=steps)
        .map(|i| {
            let angle = -TAU / 4.0 + TAU * progress * (i as f32 / steps as f32);
            centre + vec2(angle.cos() * radius.x, angle.sin() * radius.y)
        })
        .collect();
    ui.painter()
        .add(Shape::line(points, Stroke::new(width, theme::GUIDE_OK)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_cover_exactly_what_the_frame_leaves() {
        let area = egui::Rect::from_min_size(egui::pos2(0.0, 0.0), egui::vec2(1920.0, 1200.0));
        let frame = fit_centered(area, egui::vec2(1280.0, 720.0));
        let bars = bars_around(area, frame);
        assert_eq!(bars.len(), 2, "{bars:?}");
        let covered: f32 = bars.iter().map(egui::Rect::area).sum::<f32>() + frame.area();
        assert!((covered - area.area()).abs() < 1.0, "{covered}");
        // A frame that fills the screen leaves nothing to paint.
        let full = egui::Rect::from_min_size(egui::pos2(0.0, 0.0), egui::vec2(1920.0, 1080.0));
        assert!(bars_around(full, fit_centered(full, egui::vec2(1280.0, 720.0))).is_empty());
    }
}
