//! Attract screen: what the booth does, in Chinese and English, the live mirror preview with the
//! camera's state, and the language toggle.

use egui::{Align, Layout, RichText};

use crate::app::text::{Lang, tr};
use crate::app::theme::{self, Metrics};

/// What the person asked for on this screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttractIntent {
    ToggleLanguage,
}

/// The camera as the attract screen shows it.
pub struct CameraView<'a> {
    pub preview: Option<&'a egui::TextureHandle>,
    /// A text key from `app::text` describing the camera state (`camera.demo`, `camera.reconnecting`…),
    /// or `None` when a real camera is live.
    pub banner: Option<&'static str>,
}

/// Draws the attract screen.
pub fn show(
    ui: &mut egui::Ui,
    lang: Lang,
    metrics: Metrics,
    show_second: bool,
    camera: &CameraView<'_>,
) -> Option<AttractIntent> {
    let mut intent = None;
    ui.columns(2, |columns| {
        intent = texts(&mut columns[0], lang, metrics, show_second);
        preview(&mut columns[1], lang, metrics, camera);
    });
    intent
}

fn texts(
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

fn preview(ui: &mut egui::Ui, lang: Lang, metrics: Metrics, camera: &CameraView<'_>) {
    ui.with_layout(Layout::top_down(Align::Center), |ui| {
        ui.add_space(metrics.spacing() * 3.0);
        if let Some(texture) = camera.preview {
            let available = ui.available_size() * theme::PREVIEW_FILL;
            let size = texture.size_vec2();
            let scale = (available.x / size.x).min(available.y / size.y);
            ui.add(
                egui::Image::new(texture)
                    .fit_to_exact_size(size * scale)
                    .corner_radius(metrics.unit),
            );
            ui.label(
                RichText::new(tr(lang, "attract.mirror"))
                    .font(metrics.secondary())
                    .color(theme::TEXT_SECONDARY),
            );
        }
        if let Some(key) = camera.banner {
            ui.add_space(metrics.spacing() * 0.5);
            let colour = if key == "camera.demo" {
                theme::WARN
            } else {
                theme::BAD
            };
            ui.label(
                RichText::new(tr(lang, key))
                    .font(metrics.body())
                    .color(colour),
            );
        }
    });
}
