//! Identify screen: the student number on an on-screen keypad following the configured format (an A–Z
//! page only when the format allows letters), the roster's answer (name to confirm, or why the number
//! cannot continue), and the hint to hold up the 学信网 QR code with a small live preview beside it.

use egui::{Align, Layout, RichText};

use super::{View, card, fill, title, top_bar};
use crate::app::text::tr;
use crate::app::theme;
use crate::app::widgets::buttons::{self, Kind};
use crate::app::widgets::keypad::{self, KeyPress, KeypadSpec};
use crate::core::flow::{Event, IdentifyState, Lookup, StudentKey};

/// Screen-local state the flow does not need: which keypad page shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IdentifyUi {
    pub letter_page: bool,
}

/// Draws the keypad, the number, the lookup and the QR hint.
pub fn show(
    ui: &mut egui::Ui,
    state: &IdentifyState,
    local: &mut IdentifyUi,
    view: &View<'_>,
) -> Option<Event> {
    let metrics = view.metrics;
    let mut event = top_bar(ui, view, true);
    // Left: what was typed and what the roster says, the QR hint with the small preview. Right: the
    // keypad, so it never runs off the bottom of a 1280x800 screen.
    ui.columns(2, |columns| {
        columns[0].with_layout(Layout::top_down(Align::Center), |ui| {
            title(ui, view, "identify.title");
            number_line(ui, state, view);
            if let Some(e) = lookup_lines(ui, state, view) {
                event = Some(e);
            }
            ui.add_space(metrics.spacing());
            ui.label(
                RichText::new(view.text("identify.qr_hint"))
                    .font(metrics.secondary())
                    .color(theme::TEXT_SECONDARY),
            );
            if let Some(texture) = view.camera.preview {
                let size = texture.size_vec2();
                let width = metrics.small_preview_width().min(ui.available_width());
                let height = ui.available_height().max(0.0);
                let scale = (width / size.x.max(1.0)).min(height / size.y.max(1.0));
                ui.add(
                    egui::Image::new(texture)
                        .fit_to_exact_size(size * scale)
                        .corner_radius(metrics.rounding()),
                );
            }
        });
        columns[1].with_layout(Layout::top_down(Align::Center), |ui| {
            let spec = KeypadSpec {
                letters_allowed: !view.settings.student_no.digits_only,
                letter_page: local.letter_page && !view.settings.student_no.digits_only,
                submit_label: view.text("identify.next"),
                submit_enabled: matches!(state.lookup, Lookup::Typing) && !state.typed.is_empty(),
            };
            match keypad::show(ui, metrics, view.lang, spec) {
                Some(KeyPress::Char(c)) => event = Some(Event::KeypadDigit(c)),
                Some(KeyPress::Backspace) => event = Some(Event::KeypadBackspace),
                Some(KeyPress::Submit) => event = Some(Event::SubmitNumber),
                Some(KeyPress::TogglePage) => local.letter_page = !local.letter_page,
                None => {}
            }
        });
    });
    event
}

fn number_line(ui: &mut egui::Ui, state: &IdentifyState, view: &View<'_>) {
    let metrics = view.metrics;
    let shown = match &state.lookup {
        Lookup::Pending(StudentKey::ChsiCode(_))
        | Lookup::Found {
            key: StudentKey::ChsiCode(_),
            ..
        }
        | Lookup::Ineligible {
            key: StudentKey::ChsiCode(_),
            ..
        }
        | Lookup::NotFound(StudentKey::ChsiCode(_))
        | Lookup::Unlisted(StudentKey::ChsiCode(_)) => view.text("identify.chsi_code").to_owned(),
        _ if state.typed.is_empty() => view.text("identify.placeholder").to_owned(),
        _ => state.typed.clone(),
    };
    card(ui, metrics, |ui| {
        ui.set_min_width(metrics.key_size().x * 3.0 + metrics.key_gap() * 2.0);
        ui.vertical_centered(|ui| {
            ui.label(
                RichText::new(shown)
                    .font(metrics.typed())
                    .color(theme::TEXT),
            );
        });
    });
    if let Some(problem) = state.problem {
        ui.label(
            RichText::new(problem.text(view.lang.into()))
                .font(metrics.body())
                .color(theme::BAD),
        );
    }
}

/// The roster's answer and, when the student can go on, the confirmation button.
fn lookup_lines(ui: &mut egui::Ui, state: &IdentifyState, view: &View<'_>) -> Option<Event> {
    let metrics = view.metrics;
    let say = |ui: &mut egui::Ui, text: &str, colour| {
        ui.label(RichText::new(text).font(metrics.body()).color(colour));
    };
    let confirm = |ui: &mut egui::Ui, key: &'static str| {
        buttons::big(ui, metrics, tr(view.lang, key), Kind::Primary, true)
            .clicked()
            .then_some(Event::ConfirmStudent)
    };
    match &state.lookup {
        Lookup::Typing => None,
        Lookup::Pending(_) => {
            say(ui, view.text("identify.pending"), theme::TEXT_SECONDARY);
            None
        }
        Lookup::Found { name, .. } => {
            say(ui, view.text("identify.found"), theme::TEXT);
            ui.label(
                RichText::new(name)
                    .font(metrics.heading())
                    .color(theme::PRIMARY),
            );
            confirm(ui, "identify.confirm_me")
        }
        Lookup::Unlisted(_) => {
            say(ui, view.text("identify.unlisted"), theme::TEXT);
            confirm(ui, "identify.confirm_number")
        }
        Lookup::NotFound(_) => {
            say(ui, view.text("identify.not_found"), theme::BAD);
            None
        }
        Lookup::Ineligible { name, .. } => {
            let text = fill(view.text("identify.ineligible"), "name", name);
            say(ui, &text, theme::BAD);
            None
        }
    }
}
