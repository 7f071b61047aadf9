//! Failsafe screen: a calm "请联系工作人员 / Please ask staff" with the active causes. Nothing to tap
//! but the language; the flow leaves it by itself when the causes clear.

use std::collections::BTreeSet;

use egui::{Align, Layout, RichText};

use super::{View, card, top_bar};
use crate::app::text::tr;
use crate::app::theme;
use crate::core::flow::{Event, Fault};

/// Draws the screen for `causes`.
pub fn show(ui: &mut egui::Ui, causes: &BTreeSet<Fault>, view: &View<'_>) -> Option<Event> {
    let metrics = view.metrics;
    let event = top_bar(ui, view, false);
    ui.with_layout(Layout::top_down(Align::Center), |ui| {
        ui.add_space(metrics.spacing() * 3.0);
        ui.label(
            RichText::new(tr(view.lang, "failsafe.title"))
                .font(metrics.title())
                .color(theme::PRIMARY),
        );
        ui.label(
            RichText::new(tr(view.lang.other(), "failsafe.title"))
                .font(metrics.heading())
                .color(theme::TEXT_SECONDARY),
        );
        ui.add_space(metrics.spacing());
        card(ui, metrics, |ui| {
            ui.vertical_centered(|ui| {
                for cause in causes {
                    ui.label(
                        RichText::new(cause.text(view.lang.into()))
                            .font(metrics.body())
                            .color(theme::TEXT),
                    );
                }
            });
        });
        ui.add_space(metrics.spacing());
        ui.label(
            RichText::new(view.text("failsafe.calm"))
                .font(metrics.body())
                .color(theme::TEXT_SECONDARY),
        );
    });
    event
}
