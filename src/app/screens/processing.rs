//! Processing screen: the still is being taken, then checked and standardized (typically under a second).
//! A spinner and what is happening; nothing to tap.

use egui::{Align, Layout, RichText};

use super::View;
use crate::app::theme;
use crate::core::flow::{Event, ProcessingStage};

/// Steps shown as progress: taking the still, then checking it.
const STAGES: f32 = 2.0;

/// Draws the progress of `stage`.
pub fn show(ui: &mut egui::Ui, stage: ProcessingStage, view: &View<'_>) -> Option<Event> {
    let metrics = view.metrics;
    let (key, done_steps) = match stage {
        ProcessingStage::Capturing => ("processing.capturing", 0.0),
        ProcessingStage::Analysing => ("processing.analysing", 1.0),
    };
    ui.with_layout(Layout::top_down(Align::Center), |ui| {
        ui.add_space(ui.available_height() / 3.0);
        ui.add(egui::Spinner::new().size(metrics.button_size().y));
        ui.add_space(metrics.spacing());
        ui.label(
            RichText::new(view.text(key))
                .font(metrics.heading())
                .color(theme::TEXT),
        );
        ui.add_space(metrics.spacing());
        ui.add(
            egui::ProgressBar::new((done_steps + 0.5) / STAGES)
                .desired_width(metrics.button_size().x * 2.0)
                .fill(theme::PRIMARY),
        );
    });
    None
}
