//! The statistics tab: today and this week side by side (captured, submitted, approved, rejected by
//! reason, exported, printed) and the records pending now, as the store counted them.

use super::reason_label;
use super::state::{StaffIntent, Tab};
use crate::app::text::{Lang, tr};
use crate::app::theme;
use crate::core::record::{PeriodStats, ReasonCatalog, ReasonCode, Stats};

/// Reads one number of a period.
type Count = fn(&PeriodStats) -> u64;

pub fn show(
    ui: &mut egui::Ui,
    lang: Lang,
    catalog: &ReasonCatalog,
    stats: Option<&Stats>,
) -> Vec<StaffIntent> {
    let mut intents = Vec::new();
    ui.horizontal(|ui| {
        ui.heading(tr(lang, "staff.tab_stats"));
        if ui.button(tr(lang, "staff.refresh")).clicked() {
            intents.push(StaffIntent::ShowTab(Tab::Stats));
        }
    });
    if let Some(stats) = stats {
        table(ui, lang, catalog, stats);
    } else {
        ui.spinner();
    }
    intents
}

fn table(ui: &mut egui::Ui, lang: Lang, catalog: &ReasonCatalog, stats: &Stats) {
    ui.label(format!(
        "{}: {}",
        tr(lang, "staff.stat_pending_now"),
        stats.pending_now
    ));
    ui.add_space(theme::staff::ROW_GAP_PT);
    egui::Grid::new("staff-stats")
        .num_columns(3)
        .striped(true)
        .spacing([theme::staff::SECTION_GAP_PT, theme::staff::ROW_GAP_PT])
        .show(ui, |ui| {
            ui.label("");
            ui.strong(tr(lang, "staff.stat_today"));
            ui.strong(tr(lang, "staff.stat_week"));
            ui.end_row();
            let rows: [(&str, Count); 6] = [
                ("staff.stat_captured", |p| p.captured),
                ("staff.stat_submitted", |p| p.submitted),
                ("staff.stat_approved", |p| p.approved),
                ("staff.stat_rejected", |p| p.rejected),
                ("staff.stat_exported", |p| p.exported),
                ("staff.stat_printed", |p| p.printed_copies),
            ];
            for (key, value) in rows {
                ui.label(tr(lang, key));
                ui.label(value(&stats.today).to_string());
                ui.label(value(&stats.this_week).to_string());
                ui.end_row();
            }
            for code in reason_codes(stats) {
                let text = catalog
                    .text(code)
                    .map_or(code.as_str(), |text| reason_label(lang, text));
                ui.add(
                    egui::Label::new(format!("  {} · {text}", tr(lang, "staff.stat_rejected")))
                        .truncate(),
                );
                ui.label(reason_count(&stats.today, code).to_string());
                ui.label(reason_count(&stats.this_week, code).to_string());
                ui.end_row();
            }
        });
}

/// Every reason given this week (a superset of today's), most frequent first as the store ordered them.
fn reason_codes(stats: &Stats) -> Vec<&ReasonCode> {
    let mut codes: Vec<&ReasonCode> = Vec::new();
    for count in stats
        .this_week
        .rejected_by_reason
        .iter()
        .chain(&stats.today.rejected_by_reason)
    {
        if !codes.contains(&&count.code) {
            codes.push(&count.code);
        }
    }
    codes
}

pub fn reason_count(period: &PeriodStats, code: &ReasonCode) -> u64 {
    period
        .rejected_by_reason
        .iter()
        .find(|count| &count.code == code)
        .map_or(0, |count| count.count)
}
