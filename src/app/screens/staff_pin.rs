//! Staff PIN screen (after a long press on the hidden corner): a digits-only keypad with the PIN shown as
//! dots, and what the PIN store said (wrong, locked out). The typed digits live only in the app's
//! [`PinPad`] buffer, which is wiped as soon as the PIN is sent or the screen closes.

use egui::{Align, Layout, RichText};

use super::{View, card, fill, title, top_bar};
use crate::app::theme;
use crate::app::widgets::keypad::{self, KeyPress, KeypadSpec};
use crate::core::flow::input::PIN_MAX_DIGITS;
use crate::core::flow::{Event, Pin, PinState};

/// The digits typed so far.
#[derive(Debug, Default)]
pub struct PinPad {
    digits: String,
}

impl PinPad {
    pub fn clear(&mut self) {
        self.digits.clear();
    }

    pub fn len(&self) -> usize {
        self.digits.chars().count()
    }

    pub fn is_empty(&self) -> bool {
        self.digits.is_empty()
    }
}

/// Draws the PIN pad for `state`.
pub fn show(
    ui: &mut egui::Ui,
    state: &PinState,
    pad: &mut PinPad,
    view: &View<'_>,
) -> Option<Event> {
    let metrics = view.metrics;
    let mut event = top_bar(ui, view, true);
    let locked = matches!(state, PinState::LockedOut { .. });
    let checking = matches!(state, PinState::Checking);
    ui.with_layout(Layout::top_down(Align::Center), |ui| {
        title(ui, view, "pin.title");
        card(ui, metrics, |ui| {
            ui.set_min_width(metrics.key_size().x * 3.0 + metrics.key_gap() * 2.0);
            ui.vertical_centered(|ui| {
                let dots = "●".repeat(pad.len());
                let shown = if dots.is_empty() {
                    " ".to_owned()
                } else {
                    dots
                };
                ui.label(
                    RichText::new(shown)
                        .font(metrics.typed())
                        .color(theme::TEXT),
                );
            });
        });
        let status = match state {
            PinState::Entering => None,
            PinState::Malformed => Some(view.text("pin.malformed").to_owned()),
            PinState::Checking => Some(view.text("pin.checking").to_owned()),
            PinState::Wrong { attempts_left } => {
                Some(fill(view.text("pin.wrong"), "n", attempts_left))
            }
            PinState::LockedOut { until } => {
                let secs = until.saturating_sub(view.now).as_secs_f32().ceil() as u64;
                Some(fill(view.text("pin.locked"), "n", secs))
            }
        };
        if let Some(status) = status {
            ui.label(RichText::new(status).font(metrics.body()).color(theme::BAD));
        }
        let spec = KeypadSpec {
            letters_allowed: false,
            letter_page: false,
            submit_label: view.text("pin.ok"),
            submit_enabled: !pad.is_empty() && !locked && !checking,
        };
        match keypad::show(ui, metrics, view.lang, spec) {
            Some(KeyPress::Char(c)) if pad.len() < PIN_MAX_DIGITS && !locked => pad.digits.push(c),
            Some(KeyPress::Backspace) => {
                pad.digits.pop();
            }
            Some(KeyPress::Submit) => {
                event = Some(Event::PinEntered(Pin::new(std::mem::take(&mut pad.digits))));
            }
            _ => {}
        }
    });
    event
}
