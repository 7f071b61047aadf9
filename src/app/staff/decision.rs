//! The decision column of the review pane: approve, reject with configured reasons (keys 1–9 for the
//! first nine) and a note. Confirm and the note sit above the reason list, so they stay in view however
//! many reasons a campus configures. Draws and returns intents.

use egui::{Key, RichText};

use super::reason_label;
use super::review::View;
use super::state::{Decision, Desk, StaffIntent};
use crate::app::text::tr;
use crate::app::theme;
use crate::core::record::RecordStatus;

/// Keys 1–9 pick the first nine configured reasons.
pub const REASON_KEYS: [Key; 9] = [
    Key::Num1,
    Key::Num2,
    Key::Num3,
    Key::Num4,
    Key::Num5,
    Key::Num6,
    Key::Num7,
    Key::Num8,
    Key::Num9,
];

pub fn show(
    ui: &mut egui::Ui,
    view: &View<'_>,
    desk: &mut Desk,
    status: RecordStatus,
) -> Vec<StaffIntent> {
    let lang = view.lang;
    let mut intents = Vec::new();
    let pending = status == RecordStatus::PendingReview;
    let enabled = pending && !view.busy;
    ui.horizontal_wrapped(|ui| {
        let approve =
            egui::Button::new(RichText::new(tr(lang, "staff.approve")).color(theme::GOOD));
        if ui.add_enabled(enabled, approve).clicked() {
            intents.push(StaffIntent::Approve);
        }
        if desk.decision == Decision::Idle {
            let reject =
                egui::Button::new(RichText::new(tr(lang, "staff.reject")).color(theme::BAD));
            if ui.add_enabled(enabled, reject).clicked() {
                intents.push(StaffIntent::StartReject);
            }
        }
    });
    if !pending {
        ui.label(tr(lang, "staff.not_pending"));
    }
    let Decision::Rejecting {
        reasons,
        note,
        error,
    } = &mut desk.decision
    else {
        return intents;
    };
    ui.separator();
    ui.label(tr(lang, "staff.reasons_hint"));
    ui.horizontal_wrapped(|ui| {
        let confirm =
            egui::Button::new(RichText::new(tr(lang, "staff.confirm_reject")).color(theme::BAD));
        if ui
            .add_enabled(enabled && !reasons.is_empty(), confirm)
            .clicked()
        {
            intents.push(StaffIntent::ConfirmReject);
        }
        if ui.button(tr(lang, "staff.cancel")).clicked() {
            intents.push(StaffIntent::CancelReject);
        }
    });
    if let Some(error) = error {
        ui.colored_label(theme::BAD, error.as_str());
    }
    let note_label = ui.label(tr(lang, "staff.note"));
    ui.add(
        egui::TextEdit::multiline(note)
            .desired_rows(2)
            .desired_width(f32::INFINITY),
    )
    .labelled_by(note_label.id);
    ui.add_space(theme::staff::ROW_GAP_PT);
    for (index, reason) in view.catalog.reasons().iter().enumerate() {
        let picked = reasons.contains(&index);
        let key = if index < REASON_KEYS.len() {
            format!("{}  ", index + 1)
        } else {
            String::new()
        };
        let text = format!("{key}{}", reason_label(lang, reason));
        if ui.selectable_label(picked, text).clicked() {
            intents.push(StaffIntent::ToggleReason(index));
        }
    }
    intents
}
