//! Out-of-service screen: staff switched the booth off in maintenance (or kiosk.toml starts it so).
//! Only the hidden staff corner works here (the app handles it).

use egui::{Align, Layout, RichText};

use super::{View, top_bar};
use crate::app::text::tr;
use crate::app::theme;
use crate::core::flow::Event;

/// Draws the screen.
pub fn show(ui: &mut egui::Ui, view: &View<'_>) -> Option<Event> {
    let metrics = view.metrics;
    let event = top_bar(ui, view, false);
    ui.with_layout(Layout::top_down(Align::Center), |ui| {
        ui.add_space(metrics.spacing() * 4.0);
        ui.label(
            RichText::new(tr(view.lang, "oos.title"))
                .font(metrics.title())
                .color(theme::TEXT_SECONDARY),
        );
        ui.add_space(metrics.spacing());
        ui.label(
            RichText::new(view.text("oos.body"))
                .font(metrics.body())
                .color(theme::TEXT),
        );
    });
    event
}
