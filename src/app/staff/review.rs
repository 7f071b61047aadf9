//! The review desk: the top bar (tabs, who is logged in, banner), the record list (queue or search
//! results), the shown record (original and photo side by side, check report, history), the decision
//! controls and the keyboard shortcuts. Draws and returns intents; sends nothing itself.

use egui::{Key, RichText};

use super::decision::{self, REASON_KEYS};
use super::report;
use super::state::{Banner, Decision, Desk, StaffIntent, Tab};
use super::{QUEUE_PAGE_SIZE, reason_label};
use crate::app::text::{Lang, tr};
use crate::app::theme;
use crate::core::record::{ReasonCatalog, RecordDetail, RecordSummary};
use crate::core::spec::PhotoSpec;

/// What the desk screens read besides the desk.
pub struct View<'a> {
    pub lang: Lang,
    pub catalog: &'a ReasonCatalog,
    pub profiles: &'a [PhotoSpec],
    pub utc_offset_s: i32,
    pub photo: Option<&'a egui::TextureHandle>,
    pub original: Option<&'a egui::TextureHandle>,
    pub busy: bool,
    /// The printer's latest state; `None` without a printer or before the first answer.
    pub printer: Option<crate::print::PrinterState>,
    /// Whether the station offers the "拍照 / Capture" tab.
    pub capture: bool,
}

/// Shortcuts, read only while no text field has the keyboard.
pub fn shortcuts(input: &egui::InputState, desk: &Desk) -> Vec<StaffIntent> {
    let mut intents = Vec::new();
    if input.modifiers.ctrl || input.modifiers.alt || input.modifiers.command {
        return intents;
    }
    if input.key_pressed(Key::J) || input.key_pressed(Key::ArrowDown) {
        intents.push(StaffIntent::Next);
    }
    if input.key_pressed(Key::K) || input.key_pressed(Key::ArrowUp) {
        intents.push(StaffIntent::Previous);
    }
    if input.key_pressed(Key::Slash) {
        intents.push(StaffIntent::FocusSearch);
    }
    if !matches!(desk.tab, Tab::Queue | Tab::Search) {
        return intents;
    }
    if input.key_pressed(Key::A) && desk.decision == Decision::Idle {
        intents.push(StaffIntent::Approve);
    }
    if input.key_pressed(Key::R) {
        intents.push(match desk.decision {
            Decision::Idle => StaffIntent::StartReject,
            Decision::Rejecting { .. } => StaffIntent::ConfirmReject,
        });
    }
    if input.key_pressed(Key::Escape) {
        intents.push(StaffIntent::CancelReject);
    }
    for (index, key) in REASON_KEYS.iter().enumerate() {
        if input.key_pressed(*key) {
            intents.push(StaffIntent::ToggleReason(index));
        }
    }
    intents
}

pub fn top_bar(
    ui: &mut egui::Ui,
    view: &View<'_>,
    desk: &Desk,
    banner: Option<&Banner>,
) -> Vec<StaffIntent> {
    let lang = view.lang;
    let mut intents = Vec::new();
    egui::Panel::top("staff-top").show(ui, |ui| {
        ui.horizontal(|ui| {
            let queue_label =
                tr(lang, "staff.tab_queue").replace("{n}", &desk.total_pending.to_string());
            let mut tabs = vec![
                (Tab::Queue, queue_label),
                (Tab::Search, tr(lang, "staff.tab_search").to_owned()),
                (Tab::Stats, tr(lang, "staff.tab_stats").to_owned()),
                (Tab::Admin, tr(lang, "staff.tab_admin").to_owned()),
            ];
            if view.capture {
                tabs.push((Tab::Capture, tr(lang, "staff.tab_capture").to_owned()));
            }
            for (tab, label) in tabs {
                if ui.selectable_label(desk.tab == tab, label).clicked() {
                    intents.push(StaffIntent::ShowTab(tab));
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button(tr(lang, "staff.logout")).clicked() {
                    intents.push(StaffIntent::Logout);
                }
                if ui.button(tr(lang, "language.toggle")).clicked() {
                    intents.push(StaffIntent::ToggleLanguage);
                }
                if view.busy {
                    ui.spinner();
                }
                if let Some(state) = view.printer {
                    let described = match lang {
                        Lang::Zh => state.describe_zh(),
                        Lang::En => state.describe_en(),
                    };
                    let colour = if state.can_print() {
                        theme::GOOD
                    } else {
                        theme::BAD
                    };
                    let text = tr(lang, "staff.printer").replace("{state}", described);
                    ui.label(RichText::new(text).color(colour));
                }
                ui.add(
                    egui::Label::new(format!(
                        "{} ({})",
                        desk.staff.display_name, desk.staff.account
                    ))
                    .truncate(),
                );
            });
        });
        match banner {
            Some(Banner::Good(text)) => {
                ui.add(egui::Label::new(RichText::new(text).color(theme::GOOD)).truncate());
            }
            Some(Banner::Bad(text)) => {
                ui.add(egui::Label::new(RichText::new(text).color(theme::BAD)).truncate());
            }
            None => {}
        }
    });
    intents
}

/// The list on the left and the shown record in the centre.
pub fn show(ui: &mut egui::Ui, view: &View<'_>, desk: &mut Desk) -> Vec<StaffIntent> {
    let mut intents = Vec::new();
    egui::Panel::left("staff-list")
        .resizable(true)
        .default_size(theme::staff::LIST_WIDTH_PT)
        .show(ui, |ui| {
            if desk.tab == Tab::Search {
                intents.extend(search_box(ui, view.lang, desk));
            } else if desk.total_pending > u64::from(QUEUE_PAGE_SIZE) {
                ui.label(
                    tr(view.lang, "staff.queue_more").replace("{n}", &QUEUE_PAGE_SIZE.to_string()),
                );
            }
            intents.extend(record_list(ui, view, desk));
        });
    let detail = desk.shown_detail().cloned();
    if let Some(detail) = &detail {
        egui::Panel::right("staff-decision")
            .resizable(true)
            .min_size(theme::staff::DECISION_WIDTH_PT)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("staff-decision-scroll")
                    .show(ui, |ui| {
                        intents.extend(decision::show(
                            ui,
                            view,
                            desk,
                            detail.summary.record.status,
                        ));
                    });
            });
    }
    egui::CentralPanel::default().show(ui, |ui| {
        egui::ScrollArea::vertical()
            .id_salt("staff-detail")
            .show(ui, |ui| {
                if let Some(detail) = &detail {
                    intents.extend(record_pane(ui, view, desk, detail));
                } else {
                    let key = if desk.current_list().is_empty() {
                        "staff.nothing_here"
                    } else {
                        "staff.pick_record"
                    };
                    ui.label(tr(view.lang, key));
                }
            });
    });
    intents
}

fn search_box(ui: &mut egui::Ui, lang: Lang, desk: &mut Desk) -> Vec<StaffIntent> {
    let mut intents = Vec::new();
    ui.horizontal(|ui| {
        let label = ui.label(tr(lang, "staff.search_label"));
        let field = ui
            .add(
                egui::TextEdit::singleline(&mut desk.search_text)
                    .hint_text(tr(lang, "staff.search_hint"))
                    .desired_width(theme::staff::SEARCH_FIELD_WIDTH_PT),
            )
            .labelled_by(label.id);
        if desk.focus_search {
            field.request_focus();
            desk.focus_search = false;
        }
        let entered = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
        if ui.button(tr(lang, "staff.search")).clicked() || entered {
            intents.push(StaffIntent::Search);
        }
    });
    if let Some(query) = &desk.searched {
        ui.add(
            egui::Label::new(
                tr(lang, "staff.search_results")
                    .replace("{n}", &desk.search_results.len().to_string())
                    .replace("{q}", query),
            )
            .truncate(),
        );
    }
    ui.separator();
    intents
}

fn record_list(ui: &mut egui::Ui, view: &View<'_>, desk: &Desk) -> Vec<StaffIntent> {
    let mut intents = Vec::new();
    egui::ScrollArea::vertical()
        .id_salt("staff-records")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for item in desk.current_list() {
                let selected = desk.selected == Some(item.record.id);
                let row = egui::Button::selectable(selected, list_line(view, item)).truncate();
                let response = ui.add_sized([ui.available_width(), 0.0], row);
                if response.clicked() {
                    intents.push(StaffIntent::Select(item.record.id));
                }
                if selected && response.gained_focus() {
                    response.scroll_to_me(None);
                }
            }
        });
    intents
}

/// One list row: student number, name, profile, status and when it entered the queue.
pub fn list_line(view: &View<'_>, item: &RecordSummary) -> String {
    let status = match view.lang {
        Lang::Zh => item.record.status.label_zh(),
        Lang::En => item.record.status.label_en(),
    };
    format!(
        "{}  {}  · {} · {} · {}",
        item.record.student_no,
        item.student_name.as_deref().unwrap_or("—"),
        item.record.profile,
        status,
        local_time(item.record.queued_at_unix_s, view.utc_offset_s)
    )
}

/// `YYYY-MM-DD HH:MM` in the station's offset.
pub fn local_time(unix_s: i64, utc_offset_s: i32) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    time::UtcOffset::from_whole_seconds(utc_offset_s)
        .ok()
        .and_then(|offset| {
            time::OffsetDateTime::from_unix_timestamp(unix_s)
                .ok()
                .map(|t| t.to_offset(offset))
        })
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| format!("@{unix_s}"))
}

fn record_pane(
    ui: &mut egui::Ui,
    view: &View<'_>,
    desk: &mut Desk,
    detail: &RecordDetail,
) -> Vec<StaffIntent> {
    let lang = view.lang;
    let record = &detail.summary.record;
    let status = match lang {
        Lang::Zh => record.status.label_zh(),
        Lang::En => record.status.label_en(),
    };
    ui.add(
        egui::Label::new(
            RichText::new(format!(
                "{}  {}",
                record.student_no,
                detail.summary.student_name.as_deref().unwrap_or("—")
            ))
            .heading(),
        )
        .truncate(),
    );
    ui.add(
        egui::Label::new(format!(
            "#{} · {} · {} · {} · {}",
            record.id,
            record.profile,
            status,
            detail.department.as_deref().unwrap_or(""),
            tr(lang, "staff.retakes").replace("{n}", &record.retake_count.to_string())
        ))
        .truncate(),
    );
    images(ui, view, desk);
    let mut intents = Vec::new();
    ui.separator();
    if let Some(capture) = detail.captures.last() {
        egui::CollapsingHeader::new(tr(lang, "staff.report"))
            .default_open(true)
            .show(ui, |ui| report::show(ui, &capture.report));
    }
    if let Some(rejection) = &detail.last_rejection {
        let reasons: Vec<&str> = rejection
            .reasons()
            .iter()
            .map(|code| {
                view.catalog
                    .text(code)
                    .map_or(code.as_str(), |text| reason_label(lang, text))
            })
            .collect();
        ui.label(format!(
            "{}: {}",
            tr(lang, "staff.last_rejection"),
            reasons.join(", ")
        ));
        if !rejection.note().is_empty() {
            ui.label(rejection.note());
        }
    }
    egui::CollapsingHeader::new(tr(lang, "staff.history")).show(ui, |ui| {
        for entry in &detail.history {
            ui.add(
                egui::Label::new(format!(
                    "{}  {}  {}  {}",
                    local_time(entry.at_unix_s, view.utc_offset_s),
                    entry.actor,
                    entry.action,
                    // One line per entry; the full note is in the rejection above.
                    entry.note.replace(['\n', '\r'], " ")
                ))
                .truncate(),
            );
        }
    });
    // Only pending and approved records can be re-rendered (see `storage::rerender`).
    if crate::storage::status_after_rerender(record.status).is_ok() {
        intents.extend(rerender(ui, view, desk, record.id));
    }
    intents
}

/// The original and the photo side by side, each fitted into half the pane.
fn images(ui: &mut egui::Ui, view: &View<'_>, desk: &Desk) {
    let lang = view.lang;
    let Some(shown) = desk.shown.as_ref() else {
        return;
    };
    let half_width_pt = (ui.available_width() - theme::staff::SECTION_GAP_PT) / 2.0;
    let max = egui::vec2(half_width_pt.max(1.0), theme::staff::IMAGE_MAX_HEIGHT_PT);
    ui.columns(2, |columns| {
        columns[0].label(tr(lang, "staff.original"));
        match (view.original, &shown.original_error) {
            (Some(texture), _) if shown.has_original => {
                columns[0].add(
                    egui::Image::from_texture(texture)
                        .max_size(max)
                        .alt_text(tr(lang, "staff.original")),
                );
            }
            (_, Some(error)) => {
                columns[0].colored_label(theme::BAD, error);
            }
            _ => {
                columns[0].label(tr(lang, "staff.original_purged"));
            }
        }
        columns[1].label(tr(lang, "staff.photo"));
        match (view.photo, &shown.photo_error) {
            (_, Some(error)) => {
                columns[1].colored_label(theme::BAD, error);
            }
            (Some(texture), None) => {
                columns[1].add(
                    egui::Image::from_texture(texture)
                        .max_size(max)
                        .alt_text(tr(lang, "staff.photo")),
                );
            }
            (None, None) => {}
        }
    });
}

fn rerender(
    ui: &mut egui::Ui,
    view: &View<'_>,
    desk: &mut Desk,
    record: crate::core::record::RecordId,
) -> Vec<StaffIntent> {
    let lang = view.lang;
    let mut intents = Vec::new();
    ui.separator();
    ui.horizontal(|ui| {
        ui.label(tr(lang, "staff.rerender_with"));
        egui::ComboBox::from_id_salt("staff-rerender-profile")
            .selected_text(desk.rerender_profile.as_str())
            .show_ui(ui, |ui| {
                for profile in view.profiles {
                    let title = match lang {
                        Lang::Zh => &profile.title_zh,
                        Lang::En => &profile.title_en,
                    };
                    ui.selectable_value(&mut desk.rerender_profile, profile.name.clone(), title);
                }
            });
        if ui
            .add_enabled(!view.busy, egui::Button::new(tr(lang, "staff.rerender")))
            .clicked()
        {
            intents.push(StaffIntent::Rerender {
                record,
                profile: desk.rerender_profile.clone(),
            });
        }
    });
    intents
}
