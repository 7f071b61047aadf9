//! The export section of the admin tab: the batch folder, an optional profile and "approved since" day,
//! "export again", a button that runs the export on the `staff-io` worker, and the batch result (photos
//! written, folder, records skipped for lack of a template field). Draws and returns intents; the form
//! turns into an [`ExportRequest`] here, the export itself runs in `crate::export`.

use std::path::PathBuf;

use time::macros::format_description;
use time::{Date, PrimitiveDateTime, Time, UtcOffset};

use super::state::{StaffIntent, typed_path};
use crate::app::text::{Lang, tr};
use crate::app::theme;
use crate::core::record::ExportBatchId;
use crate::core::spec::PhotoSpec;
use crate::export::SkippedRecord;

/// Skipped records listed at once; the rest are counted.
const SKIPPED_SHOWN: usize = 100;

/// What the operator typed and the last batch's result.
#[derive(Debug, Default)]
pub struct ExportForm {
    pub folder: String,
    /// `None`: every profile.
    pub profile: Option<String>,
    /// `YYYY-MM-DD` (local day) or empty.
    pub since: String,
    pub again: bool,
    pub result: Option<ExportResult>,
}

/// One export asked of the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRequest {
    pub destination: PathBuf,
    pub profile: Option<String>,
    pub since_unix_s: Option<i64>,
    pub again: bool,
}

/// What the worker's export did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportResult {
    /// `None` when nothing was exported (no folder was made).
    pub batch: Option<ExportBatchId>,
    pub photos: usize,
    pub folder: PathBuf,
    pub skipped: Vec<SkippedRecord>,
}

/// The form as a request, or the text key of what is missing.
pub fn request(form: &ExportForm, utc_offset_s: i32) -> Result<ExportRequest, &'static str> {
    let destination = typed_path(&form.folder).ok_or("staff.export_folder_missing")?;
    let since = form.since.trim();
    let since_unix_s = if since.is_empty() {
        None
    } else {
        let day = Date::parse(since, format_description!("[year]-[month]-[day]"))
            .map_err(|_| "staff.export_since_bad")?;
        let offset = UtcOffset::from_whole_seconds(utc_offset_s).unwrap_or(UtcOffset::UTC);
        Some(
            PrimitiveDateTime::new(day, Time::MIDNIGHT)
                .assume_offset(offset)
                .unix_timestamp(),
        )
    };
    Ok(ExportRequest {
        destination,
        profile: form.profile.clone(),
        since_unix_s,
        again: form.again,
    })
}

pub fn show(
    ui: &mut egui::Ui,
    lang: Lang,
    form: &mut ExportForm,
    profiles: &[PhotoSpec],
    busy: bool,
) -> Vec<StaffIntent> {
    let mut intents = Vec::new();
    ui.heading(tr(lang, "staff.export_title"));
    ui.horizontal(|ui| {
        let label = ui.label(tr(lang, "staff.export_folder"));
        ui.add(
            egui::TextEdit::singleline(&mut form.folder)
                .desired_width(theme::staff::PATH_FIELD_WIDTH_PT),
        )
        .labelled_by(label.id);
    });
    ui.horizontal(|ui| {
        ui.label(tr(lang, "staff.export_profile"));
        let all = tr(lang, "staff.export_all_profiles");
        egui::ComboBox::from_id_salt("staff-export-profile")
            .selected_text(form.profile.as_deref().unwrap_or(all))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut form.profile, None, all);
                for profile in profiles {
                    let title = match lang {
                        Lang::Zh => &profile.title_zh,
                        Lang::En => &profile.title_en,
                    };
                    ui.selectable_value(&mut form.profile, Some(profile.name.clone()), title);
                }
            });
        let label = ui.label(tr(lang, "staff.export_since"));
        ui.add(egui::TextEdit::singleline(&mut form.since).hint_text("2025-09-01"))
            .labelled_by(label.id);
    });
    ui.checkbox(&mut form.again, tr(lang, "staff.export_again"));
    if ui
        .add_enabled(!busy, egui::Button::new(tr(lang, "staff.export_run")))
        .clicked()
    {
        intents.push(StaffIntent::Export);
    }
    if let Some(result) = &form.result {
        show_result(ui, lang, result);
    }
    intents
}

fn show_result(ui: &mut egui::Ui, lang: Lang, result: &ExportResult) {
    match result.batch {
        Some(batch) => {
            ui.colored_label(
                theme::GOOD,
                tr(lang, "staff.export_done")
                    .replace("{batch}", &batch.to_string())
                    .replace("{n}", &result.photos.to_string())
                    .replace("{folder}", &result.folder.display().to_string()),
            );
        }
        None => {
            ui.label(tr(lang, "staff.export_nothing"));
        }
    }
    if result.skipped.is_empty() {
        return;
    }
    ui.colored_label(
        theme::WARN,
        tr(lang, "staff.export_skipped").replace("{n}", &result.skipped.len().to_string()),
    );
    for skipped in result.skipped.iter().take(SKIPPED_SHOWN) {
        ui.add(
            egui::Label::new(format!(
                "{} ({}): {{{}}}",
                skipped.student_no,
                skipped.record_id,
                skipped.missing.key()
            ))
            .truncate(),
        );
    }
    if result.skipped.len() > SKIPPED_SHOWN {
        ui.label(
            tr(lang, "staff.more_rows")
                .replace("{n}", &(result.skipped.len() - SKIPPED_SHOWN).to_string()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_needs_a_folder_and_takes_a_local_day() {
        let mut form = ExportForm::default();
        assert_eq!(request(&form, 0), Err("staff.export_folder_missing"));
        form.folder = " \"/media/u盘/批次 1\" ".into();
        form.since = "2025-09-01".into();
        let china = 8 * 3600;
        let Ok(request) = request(&form, china) else {
            panic!("valid form")
        };
        assert_eq!(request.destination, PathBuf::from("/media/u盘/批次 1"));
        // 2025-09-01 00:00 +08:00 = 2025-08-31 16:00 UTC.
        assert_eq!(request.since_unix_s, Some(1_756_656_000));
        form.since = "9/1".into();
        assert_eq!(super::request(&form, china), Err("staff.export_since_bad"));
    }
}
