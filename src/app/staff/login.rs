//! The staff login form: account and PIN (masked). Draws and returns intents; the PIN is checked by the
//! store on the worker (Argon2, lockout), never here.

use super::state::{LoginForm, StaffIntent};
use crate::app::text::{Lang, tr};
use crate::app::theme;

pub fn show(ui: &mut egui::Ui, lang: Lang, form: &mut LoginForm, busy: bool) -> Vec<StaffIntent> {
    let mut intents = Vec::new();
    ui.vertical_centered(|ui| {
        ui.add_space(theme::staff::LOGIN_TOP_GAP_PT);
        ui.heading(tr(lang, "staff.login_title"));
        ui.add_space(theme::staff::SECTION_GAP_PT);
        // A grid does not centre itself: pad it to the middle of the window.
        let pad_pt = ((ui.available_width() - theme::staff::LOGIN_FORM_WIDTH_PT) / 2.0).max(0.0);
        ui.horizontal(|ui| {
            ui.add_space(pad_pt);
            form_grid(ui, lang, form, busy, &mut intents);
        });
        ui.add_space(theme::staff::SECTION_GAP_PT);
        let login = ui.add_enabled(!busy, egui::Button::new(tr(lang, "staff.login")));
        if login.clicked() {
            intents.push(StaffIntent::Login);
        }
        if let Some(error) = &form.error {
            ui.add_space(theme::staff::ROW_GAP_PT);
            ui.colored_label(theme::BAD, error);
        }
        ui.add_space(theme::staff::SECTION_GAP_PT);
        if ui.button(tr(lang, "language.toggle")).clicked() {
            intents.push(StaffIntent::ToggleLanguage);
        }
    });
    intents
}

fn form_grid(
    ui: &mut egui::Ui,
    lang: Lang,
    form: &mut LoginForm,
    busy: bool,
    intents: &mut Vec<StaffIntent>,
) {
    egui::Grid::new("staff-login")
        .num_columns(2)
        .spacing([theme::staff::SECTION_GAP_PT, theme::staff::ROW_GAP_PT])
        .show(ui, |ui| {
            let account_label = ui.label(tr(lang, "staff.account"));
            let account = ui
                .add(
                    egui::TextEdit::singleline(&mut form.account)
                        .desired_width(theme::staff::FIELD_WIDTH_PT),
                )
                .labelled_by(account_label.id);
            ui.end_row();
            let pin_label = ui.label(tr(lang, "staff.pin"));
            let pin = ui
                .add(
                    egui::TextEdit::singleline(&mut form.pin)
                        .password(true)
                        .desired_width(theme::staff::FIELD_WIDTH_PT),
                )
                .labelled_by(pin_label.id);
            ui.end_row();
            let entered = (account.lost_focus() || pin.lost_focus())
                && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if entered && !busy {
                intents.push(StaffIntent::Login);
            }
        });
}
