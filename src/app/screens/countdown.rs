//! Countdown screen: 3-2-1 big over the live preview (the guide stays so the student keeps position); the
//! white shutter flash is drawn by the app over whatever screen follows.

use super::pose::{Backing, banner_text, preview_backdrop};
use super::{View, top_bar};
use crate::app::widgets::pose_overlay::{self, Tone};
use crate::core::flow::Event;

/// Draws the number `remaining_secs` over the preview.
pub fn show(ui: &mut egui::Ui, remaining_secs: u32, view: &View<'_>) -> Option<Event> {
    let metrics = view.metrics;
    let area = ui.max_rect();
    if let (Some(map), Some(guide)) = (preview_backdrop(ui, view), view.guide.as_ref()) {
        pose_overlay::paint_guide(
            ui.painter(),
            map,
            guide,
            view.face.as_ref(),
            Tone::Ready,
            metrics,
        );
    }
    // The instruction low over the shoulders (as on Pose), the digit big with only a shadow.
    let look_y = area.bottom() - metrics.spacing() * 2.0 - metrics.hint().size;
    banner_text(
        ui,
        view,
        view.text("countdown.look"),
        metrics.hint(),
        look_y,
        Backing::Band,
    );
    banner_text(
        ui,
        view,
        &remaining_secs.to_string(),
        metrics.countdown(),
        area.center().y,
        Backing::Shadow,
    );
    let mut event = None;
    ui.scope_builder(
        egui::UiBuilder::new().max_rect(area.shrink(metrics.spacing() * 0.5)),
        |ui| event = top_bar(ui, view, true),
    );
    event
}
