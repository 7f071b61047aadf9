//! Attract screen: what the booth does, in Chinese (and English underneath), an idle slideshow of the four
//! steps driven by the flow's `slide` counter, the big start button, the language toggle and the camera's
//! state. No live preview here: an idle booth must not repaint for every camera frame (≤ 2 % CPU), and a
//! passer-by need not see themselves on a public screen before they choose to start.

use egui::{Align, Layout, RichText};

use super::{View, card, top_bar};
use crate::app::text::tr;
use crate::app::theme;
use crate::app::widgets::buttons::{self, Kind};
use crate::core::flow::Event;

/// The slideshow's texts, one per step of a visit.
pub const SLIDES: [&str; 4] = [
    "attract.slide0",
    "attract.slide1",
    "attract.slide2",
    "attract.slide3",
];

/// Draws the attract screen at slide `slide` (the flow counts up; the screen shows `slide % SLIDES`).
pub fn show(ui: &mut egui::Ui, slide: u32, view: &View<'_>) -> Option<Event> {
    let metrics = view.metrics;
    let mut event = top_bar(ui, view, false);
    ui.with_layout(Layout::top_down(Align::Center), |ui| {
        ui.add_space(metrics.spacing());
        ui.label(
            RichText::new(tr(view.lang, "attract.title"))
                .font(metrics.title())
                .color(theme::PRIMARY),
        );
        if view.show_second {
            ui.label(
                RichText::new(tr(view.lang.other(), "attract.title"))
                    .font(metrics.heading())
                    .color(theme::TEXT_SECONDARY),
            );
        }
        ui.add_space(metrics.spacing());
        for key in ["attract.line1", "attract.line2"] {
            ui.label(RichText::new(tr(view.lang, key)).font(metrics.body()));
        }
        ui.add_space(metrics.spacing());
        let index = slide as usize % SLIDES.len();
        card(ui, metrics, |ui| {
            ui.set_min_width(metrics.button_size().x * 2.0);
            ui.vertical_centered(|ui| {
                ui.label(
                    RichText::new(tr(view.lang, SLIDES[index]))
                        .font(metrics.heading())
                        .color(theme::TEXT),
                );
                if view.show_second {
                    ui.label(
                        RichText::new(tr(view.lang.other(), SLIDES[index]))
                            .font(metrics.secondary())
                            .color(theme::TEXT_SECONDARY),
                    );
                }
            });
        });
        ui.add_space(metrics.spacing() * 1.5);
        if buttons::big(
            ui,
            metrics,
            tr(view.lang, "attract.start"),
            Kind::Primary,
            true,
        )
        .clicked()
        {
            event = Some(Event::Start);
        }
        if let Some(key) = view.camera.banner {
            ui.add_space(metrics.spacing() * 0.5);
            let colour = if key == "camera.demo" {
                theme::WARN
            } else {
                theme::BAD
            };
            ui.label(
                RichText::new(tr(view.lang, key))
                    .font(metrics.body())
                    .color(colour),
            );
        }
        ui.add_space(metrics.spacing() * 0.5);
        ui.label(
            RichText::new(tr(view.lang, "attract.line3"))
                .font(metrics.secondary())
                .color(theme::TEXT_SECONDARY),
        );
    });
    event
}
