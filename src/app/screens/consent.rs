//! Consent screen: the privacy notice from kiosk.toml (what is stored, for how long, who sees it) with its
//! version, to accept (the flow records the version) or decline (the visit ends).

use egui::{Align, Layout, RichText, ScrollArea};

use super::{View, card, fill, title, top_bar};
use crate::app::theme;
use crate::app::widgets::buttons::{self, Kind};
use crate::core::flow::Event;

/// Draws the notice and the two choices.
pub fn show(ui: &mut egui::Ui, view: &View<'_>) -> Option<Event> {
    let metrics = view.metrics;
    let mut event = top_bar(ui, view, false);
    let notice = &view.settings.notice;
    ui.with_layout(Layout::top_down(Align::Center), |ui| {
        title(ui, view, "consent.title");
        ui.add_space(metrics.spacing() * 0.5);
        // Leave room below for the buttons so nothing is cut off on a 1280x800 screen.
        let reserved = metrics.button_size().y + metrics.spacing() * 3.0;
        let height = (ui.available_height() - reserved).max(metrics.button_size().y);
        card(ui, metrics, |ui| {
            ui.set_width(ui.available_width().min(metrics.button_size().x * 4.0));
            ScrollArea::vertical().max_height(height).show(ui, |ui| {
                ui.label(
                    RichText::new(notice.text(view.lang.into()))
                        .font(metrics.body())
                        .color(theme::TEXT),
                );
                ui.label(
                    RichText::new(fill(view.text("consent.version"), "v", &notice.version))
                        .font(metrics.secondary())
                        .color(theme::TEXT_SECONDARY),
                );
            });
        });
        ui.add_space(metrics.spacing());
        ui.horizontal(|ui| {
            let width = metrics.button_size().x * 2.0 + metrics.spacing();
            ui.add_space(((ui.available_width() - width) / 2.0).max(0.0));
            if buttons::big(
                ui,
                metrics,
                view.text("consent.decline"),
                Kind::Secondary,
                true,
            )
            .clicked()
            {
                event = Some(Event::Decline);
            }
            ui.add_space(metrics.spacing());
            if buttons::big(
                ui,
                metrics,
                view.text("consent.accept"),
                Kind::Primary,
                true,
            )
            .clicked()
            {
                event = Some(Event::AcceptConsent);
            }
        });
    });
    event
}
