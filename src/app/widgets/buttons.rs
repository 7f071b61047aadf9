//! Big touch buttons in the booth's colours. Each returns the egui `Response`; the label is the
//! button's accessible name, which the UI tests click by.

use egui::{Button, Response, RichText, Vec2};

use crate::app::theme::{self, Metrics};

/// How prominent a button is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The step forward (filled in the primary colour).
    Primary,
    /// An alternative (retake, decline, cancel).
    Secondary,
}

/// A large button (at least 15 mm high) that is greyed out and ignores taps when `enabled` is false.
pub fn big(ui: &mut egui::Ui, metrics: Metrics, text: &str, kind: Kind, enabled: bool) -> Response {
    sized(ui, metrics, text, kind, enabled, metrics.button_size())
}

/// A smaller button for secondary actions (language, cancel); still touch-sized.
pub fn small(ui: &mut egui::Ui, metrics: Metrics, text: &str, kind: Kind) -> Response {
    sized(ui, metrics, text, kind, true, metrics.small_button_size())
}

fn sized(
    ui: &mut egui::Ui,
    metrics: Metrics,
    text: &str,
    kind: Kind,
    enabled: bool,
    min_size: Vec2,
) -> Response {
    let (fill, colour) = match (kind, enabled) {
        (_, false) => (theme::DISABLED_FILL, theme::TEXT_SECONDARY),
        (Kind::Primary, true) => (theme::PRIMARY, theme::ON_PRIMARY),
        (Kind::Secondary, true) => (theme::KEY_FILL, theme::TEXT),
    };
    let font = if min_size.y >= metrics.button_size().y {
        metrics.heading()
    } else {
        metrics.body()
    };
    let button = Button::new(RichText::new(text).font(font).color(colour))
        .fill(fill)
        .min_size(min_size)
        .corner_radius(metrics.rounding());
    ui.add_enabled(enabled, button)
}
