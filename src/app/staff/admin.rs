//! The admin tab: roster import from a CSV path the operator types (with the bad rows listed by line),
//! the export to the campus-card system ([`super::export_tab`]) and the retention purge of original captures (days configurable, a confirmation before anything is
//! deleted, audited by the store). Draws and returns intents.

use super::state::{Desk, PurgeState, StaffIntent};
use crate::app::text::{Lang, tr};
use crate::app::theme;
use crate::storage::RosterImportReport;

/// Longest retention the purge accepts, matching `storage.keep_originals_days` in kiosk.toml.
const MAX_RETENTION_DAYS: u32 = 3650;
/// Bad rows listed at once; the rest are counted.
const BAD_ROWS_SHOWN: usize = 200;

pub fn show(
    ui: &mut egui::Ui,
    lang: Lang,
    desk: &mut Desk,
    profiles: &[crate::core::spec::PhotoSpec],
    busy: bool,
) -> Vec<StaffIntent> {
    let mut intents = Vec::new();
    egui::ScrollArea::vertical()
        .id_salt("staff-admin")
        .show(ui, |ui| {
            ui.heading(tr(lang, "staff.roster_title"));
            ui.label(tr(lang, "staff.roster_help"));
            ui.horizontal(|ui| {
                let label = ui.label(tr(lang, "staff.roster_path"));
                ui.add(
                    egui::TextEdit::singleline(&mut desk.roster_path)
                        .desired_width(theme::staff::PATH_FIELD_WIDTH_PT),
                )
                .labelled_by(label.id);
                if ui
                    .add_enabled(!busy, egui::Button::new(tr(lang, "staff.roster_import")))
                    .clicked()
                {
                    intents.push(StaffIntent::ImportRoster);
                }
            });
            ui.checkbox(&mut desk.roster_skip_bad, tr(lang, "staff.roster_skip_bad"));
            if let Some(report) = &desk.roster_report {
                roster_report(ui, lang, report);
            }
            ui.add_space(theme::staff::SECTION_GAP_PT);
            ui.separator();
            intents.extend(super::export_tab::show(
                ui,
                lang,
                &mut desk.export,
                profiles,
                busy,
            ));
            ui.add_space(theme::staff::SECTION_GAP_PT);
            ui.separator();
            ui.heading(tr(lang, "staff.purge_title"));
            intents.extend(purge(ui, lang, desk, busy));
        });
    intents
}

fn roster_report(ui: &mut egui::Ui, lang: Lang, report: &RosterImportReport) {
    ui.label(
        tr(lang, "staff.roster_summary")
            .replace("{read}", &report.rows_read.to_string())
            .replace("{new}", &report.inserted.to_string())
            .replace("{updated}", &report.updated.to_string())
            .replace("{same}", &report.unchanged.to_string())
            .replace("{bad}", &report.bad_rows.len().to_string()),
    );
    if !report.committed {
        ui.colored_label(theme::BAD, tr(lang, "staff.roster_refused"));
    }
    for problem in report.bad_rows.iter().take(BAD_ROWS_SHOWN) {
        ui.add(
            egui::Label::new(
                egui::RichText::new(format!(
                    "{}: {}",
                    tr(lang, "staff.line_n").replace("{n}", &problem.line.to_string()),
                    problem.message
                ))
                .color(theme::BAD),
            )
            .truncate(),
        );
    }
    if report.bad_rows.len() > BAD_ROWS_SHOWN {
        ui.label(
            tr(lang, "staff.more_rows")
                .replace("{n}", &(report.bad_rows.len() - BAD_ROWS_SHOWN).to_string()),
        );
    }
}

fn purge(ui: &mut egui::Ui, lang: Lang, desk: &mut Desk, busy: bool) -> Vec<StaffIntent> {
    let mut intents = Vec::new();
    ui.horizontal(|ui| {
        let label = ui.label(tr(lang, "staff.purge_days"));
        ui.add(egui::DragValue::new(&mut desk.purge_days).range(1..=MAX_RETENTION_DAYS))
            .labelled_by(label.id);
    });
    match &desk.purge {
        PurgeState::Confirming => {
            ui.colored_label(
                theme::WARN,
                tr(lang, "staff.purge_confirm_text").replace("{n}", &desk.purge_days.to_string()),
            );
            ui.horizontal(|ui| {
                let confirm = egui::Button::new(
                    egui::RichText::new(tr(lang, "staff.purge_confirm")).color(theme::BAD),
                );
                if ui.add_enabled(!busy, confirm).clicked() {
                    intents.push(StaffIntent::ConfirmPurge);
                }
                if ui.button(tr(lang, "staff.cancel")).clicked() {
                    intents.push(StaffIntent::CancelPurge);
                }
            });
        }
        PurgeState::Idle | PurgeState::Done(_) => {
            if let PurgeState::Done(report) = &desk.purge {
                ui.label(
                    tr(lang, "staff.purge_summary")
                        .replace("{n}", &report.originals_purged.to_string())
                        .replace(
                            "{mb}",
                            &format!("{:.1}", report.bytes_freed as f64 / BYTES_PER_MB),
                        ),
                );
            }
            if ui
                .add_enabled(!busy, egui::Button::new(tr(lang, "staff.purge")))
                .clicked()
            {
                intents.push(StaffIntent::AskPurge);
            }
        }
    }
    intents
}

const BYTES_PER_MB: f64 = 1024.0 * 1024.0;
