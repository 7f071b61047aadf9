//! The on-screen keypad: digits 0–9 with delete and a submit key, plus an A–Z page when the configured
//! student-number format allows letters. Used for the student number and the staff PIN; no physical
//! keyboard is needed anywhere.

use egui::{Button, RichText, Vec2};

use crate::app::text::{Lang, tr};
use crate::app::theme::{self, Metrics};

/// A key the person tapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPress {
    Char(char),
    Backspace,
    Submit,
    /// Switch between the digit page and the letter page.
    TogglePage,
}

/// Which keys the pad offers.
#[derive(Debug, Clone, Copy)]
pub struct KeypadSpec<'a> {
    /// Letters allowed (student numbers with a letter prefix); PINs are digits only.
    pub letters_allowed: bool,
    /// The letter page shows instead of the digits.
    pub letter_page: bool,
    /// Label of the submit key (下一步 / 确定).
    pub submit_label: &'a str,
    pub submit_enabled: bool,
}

const DIGIT_ROWS: [[char; 3]; 3] = [['1', '2', '3'], ['4', '5', '6'], ['7', '8', '9']];
const LETTER_ROWS: [&str; 4] = ["ABCDEFG", "HIJKLMN", "OPQRSTU", "VWXYZ"];

/// Draws the keypad and returns the key tapped this frame.
pub fn show(
    ui: &mut egui::Ui,
    metrics: Metrics,
    lang: Lang,
    spec: KeypadSpec<'_>,
) -> Option<KeyPress> {
    let gap = metrics.key_gap();
    let width = if spec.letter_page {
        let longest = LETTER_ROWS.iter().map(|row| row.len()).max().unwrap_or(1) as f32;
        metrics.letter_key_size().x * longest + gap * (longest - 1.0)
    } else {
        metrics.key_size().x * 3.0 + gap * 2.0
    };
    // Centre the pad in the space it is given.
    ui.horizontal(|ui| {
        ui.add_space(((ui.available_width() - width) / 2.0).max(0.0));
        ui.vertical(|ui| keys(ui, metrics, lang, spec)).inner
    })
    .inner
}

fn keys(ui: &mut egui::Ui, metrics: Metrics, lang: Lang, spec: KeypadSpec<'_>) -> Option<KeyPress> {
    let mut pressed = None;
    let gap = metrics.key_gap();
    ui.spacing_mut().item_spacing = Vec2::splat(gap);
    if spec.letter_page {
        for row in LETTER_ROWS {
            ui.horizontal(|ui| {
                for letter in row.chars() {
                    if key(ui, metrics, &letter.to_string(), metrics.letter_key_size()) {
                        pressed = Some(KeyPress::Char(letter));
                    }
                }
            });
        }
    } else {
        for row in DIGIT_ROWS {
            ui.horizontal(|ui| {
                for digit in row {
                    if key(ui, metrics, &digit.to_string(), metrics.key_size()) {
                        pressed = Some(KeyPress::Char(digit));
                    }
                }
            });
        }
    }
    ui.horizontal(|ui| {
        if key(
            ui,
            metrics,
            tr(lang, "identify.backspace"),
            metrics.key_size(),
        ) {
            pressed = Some(KeyPress::Backspace);
        }
        if !spec.letter_page && key(ui, metrics, "0", metrics.key_size()) {
            pressed = Some(KeyPress::Char('0'));
        }
        if spec.letters_allowed {
            let page = if spec.letter_page {
                "identify.digits"
            } else {
                "identify.letters"
            };
            if key(ui, metrics, tr(lang, page), metrics.key_size()) {
                pressed = Some(KeyPress::TogglePage);
            }
        }
    });
    let submit = Button::new(
        RichText::new(spec.submit_label)
            .font(metrics.heading())
            .color(theme::ON_PRIMARY),
    )
    .fill(if spec.submit_enabled {
        theme::PRIMARY
    } else {
        theme::DISABLED_FILL
    })
    .min_size(Vec2::new(
        metrics.key_size().x * 3.0 + gap * 2.0,
        metrics.key_size().y,
    ))
    .corner_radius(metrics.rounding());
    if ui.add_enabled(spec.submit_enabled, submit).clicked() {
        pressed = Some(KeyPress::Submit);
    }
    pressed
}

fn key(ui: &mut egui::Ui, metrics: Metrics, label: &str, size: Vec2) -> bool {
    let button = Button::new(
        RichText::new(label)
            .font(metrics.heading())
            .color(theme::TEXT),
    )
    .fill(theme::KEY_FILL)
    .min_size(size)
    .corner_radius(metrics.rounding());
    ui.add(button).clicked()
}
