//! Attract screen: what the booth does, in Chinese and English, and the language toggle.

use egui::{Align, Layout, RichText};

use crate::app::text::{Lang, tr};
use crate::app::theme::{self, Metrics};

/// What the person asked for on this screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttractIntent {
    ToggleLanguage,
}

/// Draws the attract screen.
pub fn show(
    ui: &mut egui::Ui,
    lang: Lang,
    metrics: Metrics,
    show_second: bool,
) -> Option<AttractIntent> {
    let mut intent = None;
    ui.with_layout(Layout::top_down(Align::Center), |ui| {
        ui.add_space(metrics.spacing() * 3.0);
        ui.label(
            RichText::new(tr(lang, "attract.title"))
                .font(metrics.title())
                .color(theme::PRIMARY),
        );
        if show_second {
            ui.label(
                RichText::new(tr(lang.other(), "attract.title"))
                    .font(metrics.heading())
                    .color(theme::TEXT_SECONDARY),
            );
        }
        ui.add_space(metrics.spacing() * 2.0);
        for key in ["attract.line1", "attract.line2", "attract.line3"] {
            ui.label(RichText::new(tr(lang, key)).font(metrics.body()));
            if show_second {
                ui.label(
                    RichText::new(tr(lang.other(), key))
                        .font(metrics.secondary())
                        .color(theme::TEXT_SECONDARY),
                );
            }
            ui.add_space(metrics.spacing() * 0.5);
        }
        ui.add_space(metrics.spacing() * 2.0);
        let toggle =
            egui::Button::new(RichText::new(tr(lang, "language.toggle")).font(metrics.body()))
                .min_size(metrics.small_button_size());
        if ui.add(toggle).clicked() {
            intent = Some(AttractIntent::ToggleLanguage);
        }
    });
    intent
}
