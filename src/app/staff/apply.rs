//! How the staff station reacts: worker replies update the desk (and upload decoded images as
//! textures), intents update the desk and send worker commands. No drawing here, no store access.

use super::StaffError;
use super::state::{
    Banner, Decision, Desk, LoginForm, PurgeState, ShownRecord, StaffIntent, Tab, typed_path,
};
use super::worker::{Command, LoadedRecord, Reply, is_review_command};
use super::{ImageSlots, QUEUE_PAGE_SIZE, Session, StaffApp};
use crate::app::text::{Lang, tr};
use crate::core::record::{
    ReasonCatalog, RecordError, RecordId, RecordStatus, Rejection, StaffPin,
};
use crate::storage::StorageError;

impl StaffApp {
    pub(super) fn apply_reply(&mut self, ctx: &egui::Context, reply: Reply) {
        match reply {
            Reply::LoggedIn(staff) => {
                let profile = self.config.capture.profile.clone();
                let desk = Desk::new(staff, self.config.storage.keep_originals_days, profile);
                self.session = Session::LoggedIn(Box::new(desk));
                self.banner = None;
                self.last_refresh_unix_s = (self.options.clock)();
                self.last_activity_unix_s = self.last_refresh_unix_s;
                self.send(Command::LoadQueue {
                    page_size: QUEUE_PAGE_SIZE,
                });
            }
            Reply::LoggedOut => {
                let mut form = LoginForm::default();
                if std::mem::take(&mut self.idle_logout) {
                    form.error = Some(tr(self.lang, "staff.idle_logout").to_owned());
                }
                self.session = Session::LoggedOut(form);
                self.images = ImageSlots::default();
                self.banner = None;
            }
            Reply::Failed { command, error } => {
                let message = format!("{error:#}");
                match &mut self.session {
                    Session::LoggedOut(form) => {
                        form.error = Some(login_message(self.lang, &error, message));
                    }
                    Session::LoggedIn(desk) => {
                        if is_review_command(command) {
                            desk.deciding = None;
                        }
                        self.banner = Some(Banner::Bad(format!(
                            "{} ({command}): {message}",
                            tr(self.lang, "staff.failed")
                        )));
                    }
                }
            }
            other => {
                if let Session::LoggedIn(desk) = &mut self.session {
                    let follow_up = desk_reply(desk, other, ctx, &mut self.images, self.lang);
                    if let Some(banner) = follow_up.banner {
                        self.banner = Some(banner);
                    }
                    for command in follow_up.commands {
                        self.send(command);
                    }
                }
            }
        }
    }

    pub(super) fn apply_intent(&mut self, intent: StaffIntent) {
        match intent {
            StaffIntent::Login => {
                if let Session::LoggedOut(form) = &mut self.session {
                    form.error = None;
                    let command = Command::Login {
                        account: form.account.clone(),
                        pin: std::mem::take(&mut form.pin),
                    };
                    self.send(command);
                }
            }
            StaffIntent::Logout => self.send(Command::Logout),
            StaffIntent::ToggleLanguage => self.lang = self.lang.other(),
            other => {
                let Session::LoggedIn(desk) = &mut self.session else {
                    return;
                };
                let outcome = desk_intent(
                    desk,
                    other,
                    &self.catalog,
                    self.options.utc_offset_s,
                    self.lang,
                );
                if let Some(banner) = outcome.banner {
                    self.banner = Some(banner);
                }
                for command in outcome.commands {
                    self.send(command);
                }
            }
        }
    }
}

/// Commands and a banner that follow from a reply or an intent.
#[derive(Default)]
struct FollowUp {
    commands: Vec<Command>,
    banner: Option<Banner>,
}

fn desk_reply(
    desk: &mut Desk,
    reply: Reply,
    ctx: &egui::Context,
    images: &mut ImageSlots,
    lang: Lang,
) -> FollowUp {
    let mut follow = FollowUp::default();
    match reply {
        Reply::Queue(page) => {
            desk.queue = page.items;
            desk.total_pending = page.total_pending;
            if desk.tab == Tab::Queue && desk.selected_index().is_none() {
                let index = desk.reviewed_index.take().unwrap_or(0);
                let next = desk
                    .queue
                    .get(index.min(desk.queue.len().saturating_sub(1)))
                    .map(|item| item.record.id);
                select(desk, next, &mut follow);
            }
        }
        Reply::Record(loaded) => {
            if Some(loaded.detail.summary.record.id) == desk.selected {
                desk.shown = Some(upload(ctx, images, *loaded));
            }
        }
        Reply::Reviewed { record, status } => {
            let key = match status {
                RecordStatus::Approved => "staff.approved_banner",
                _ => "staff.rejected_banner",
            };
            follow.banner = Some(Banner::Good(
                tr(lang, key).replace("{id}", &record.to_string()),
            ));
            desk.deciding = None;
            // The person may have moved on (J/K) while the decision was saved: keep their selection.
            if desk.selected == Some(record) {
                desk.reviewed_index = desk.selected_index();
                desk.decision = Decision::Idle;
                if desk.tab == Tab::Queue {
                    desk.selected = None;
                    desk.shown = None;
                } else {
                    follow.commands.push(Command::LoadRecord(record));
                }
            }
            if let Some(query) = desk.searched.clone() {
                follow.commands.push(Command::Search(query));
            }
            follow.commands.push(Command::LoadQueue {
                page_size: QUEUE_PAGE_SIZE,
            });
        }
        Reply::SearchResults { query, items } => {
            desk.searched = Some(query);
            desk.search_results = items;
        }
        Reply::Stats(stats) => desk.stats = Some(*stats),
        Reply::RosterImported(report) => {
            let key = if report.committed {
                "staff.roster_done"
            } else {
                "staff.roster_refused"
            };
            follow.banner = Some(if report.committed {
                Banner::Good(tr(lang, key).to_owned())
            } else {
                Banner::Bad(tr(lang, key).to_owned())
            });
            desk.roster_report = Some(report);
        }
        Reply::Purged(report) => {
            follow.banner = Some(Banner::Good(
                tr(lang, "staff.purge_done").replace("{n}", &report.originals_purged.to_string()),
            ));
            desk.purge = PurgeState::Done(report);
        }
        Reply::Rerendered(done) => {
            let text = tr(lang, "staff.rerendered_banner")
                .replace("{id}", &done.record.to_string())
                .replace("{profile}", &done.profile);
            follow.banner = Some(if done.failures.is_empty() {
                Banner::Good(text)
            } else {
                Banner::Bad(format!("{text} ({})", done.failures.join(", ")))
            });
            if desk.selected == Some(done.record) {
                follow.commands.push(Command::LoadRecord(done.record));
            }
            if let Some(query) = desk.searched.clone() {
                follow.commands.push(Command::Search(query));
            }
            follow.commands.push(Command::LoadQueue {
                page_size: QUEUE_PAGE_SIZE,
            });
        }
        Reply::Exported(result) => {
            follow.banner = Some(Banner::Good(match result.batch {
                Some(batch) => tr(lang, "staff.export_done")
                    .replace("{batch}", &batch.to_string())
                    .replace("{n}", &result.photos.to_string())
                    .replace("{folder}", &result.folder.display().to_string()),
                None => tr(lang, "staff.export_nothing").to_owned(),
            }));
            desk.export.result = Some(result);
        }
        Reply::PrintJobsSettled(_)
        | Reply::LoggedIn(_)
        | Reply::LoggedOut
        | Reply::Failed { .. } => {}
    }
    follow
}

/// Uploads the decoded images into the reused texture slots.
fn upload(ctx: &egui::Context, images: &mut ImageSlots, loaded: LoadedRecord) -> ShownRecord {
    fn put(
        ctx: &egui::Context,
        slot: &mut Option<egui::TextureHandle>,
        name: &str,
        image: egui::ColorImage,
    ) {
        match slot {
            Some(handle) => handle.set(image, egui::TextureOptions::LINEAR),
            None => *slot = Some(ctx.load_texture(name, image, egui::TextureOptions::LINEAR)),
        }
    }
    let photo_error = match loaded.photo {
        Ok(image) => {
            put(ctx, &mut images.photo, "staff-photo", image);
            None
        }
        Err(message) => {
            images.photo = None;
            Some(message)
        }
    };
    let (has_original, original_error) = match loaded.original {
        Some(Ok(image)) => {
            put(ctx, &mut images.original, "staff-original", image);
            (true, None)
        }
        Some(Err(message)) => {
            images.original = None;
            (false, Some(message))
        }
        None => {
            images.original = None;
            (false, None)
        }
    };
    ShownRecord {
        detail: loaded.detail,
        photo_error,
        has_original,
        original_error,
    }
}

fn select(desk: &mut Desk, record: Option<RecordId>, follow: &mut FollowUp) {
    if desk.selected == record {
        return;
    }
    desk.selected = record;
    desk.decision = Decision::Idle;
    if let Some(id) = record {
        follow.commands.push(Command::LoadRecord(id));
    }
}

fn desk_intent(
    desk: &mut Desk,
    intent: StaffIntent,
    catalog: &ReasonCatalog,
    utc_offset_s: i32,
    lang: Lang,
) -> FollowUp {
    let mut follow = FollowUp::default();
    let pending = desk
        .shown_detail()
        .is_some_and(|d| d.summary.record.status == RecordStatus::PendingReview);
    match intent {
        StaffIntent::ShowTab(tab) => {
            desk.tab = tab;
            match tab {
                Tab::Queue => {
                    follow.commands.push(Command::LoadQueue {
                        page_size: QUEUE_PAGE_SIZE,
                    });
                    // Another station (or the purge) may have changed the shown record.
                    if let Some(id) = desk.selected {
                        follow.commands.push(Command::LoadRecord(id));
                    }
                }
                Tab::Stats => follow.commands.push(Command::LoadStats { utc_offset_s }),
                Tab::Search => desk.focus_search = true,
                Tab::Admin | Tab::Capture => {}
            }
        }
        StaffIntent::FocusSearch => {
            desk.tab = Tab::Search;
            desk.focus_search = true;
        }
        StaffIntent::Select(id) => select(desk, Some(id), &mut follow),
        StaffIntent::Next => select(desk, desk.neighbour(true), &mut follow),
        StaffIntent::Previous => select(desk, desk.neighbour(false), &mut follow),
        StaffIntent::Approve => {
            if let (true, None, Some(id)) = (pending, desk.deciding, desk.selected) {
                desk.deciding = Some(id);
                follow.commands.push(Command::Approve(id));
            }
        }
        StaffIntent::StartReject => {
            if pending && desk.decision == Decision::Idle {
                desk.decision = Decision::Rejecting {
                    reasons: Vec::new(),
                    note: String::new(),
                    error: None,
                };
            }
        }
        StaffIntent::ToggleReason(index) => {
            if pending && index < catalog.reasons().len() {
                if desk.decision == Decision::Idle {
                    desk.decision = Decision::Rejecting {
                        reasons: Vec::new(),
                        note: String::new(),
                        error: None,
                    };
                }
                if let Decision::Rejecting { reasons, error, .. } = &mut desk.decision {
                    if let Some(at) = reasons.iter().position(|&r| r == index) {
                        reasons.remove(at);
                    } else {
                        reasons.push(index);
                    }
                    *error = None;
                }
            }
        }
        StaffIntent::ConfirmReject => confirm_reject(desk, catalog, &mut follow),
        StaffIntent::CancelReject => desk.decision = Decision::Idle,
        StaffIntent::Search => {
            let query = desk.search_text.trim().to_owned();
            if !query.is_empty() {
                follow.commands.push(Command::Search(query));
            }
        }
        StaffIntent::Rerender { record, profile } => {
            follow.commands.push(Command::Rerender { record, profile });
        }
        StaffIntent::ImportRoster => match typed_path(&desk.roster_path) {
            Some(path) => follow.commands.push(Command::ImportRoster {
                path,
                skip_bad: desk.roster_skip_bad,
            }),
            None => {
                follow.banner = Some(Banner::Bad(
                    tr(lang, "staff.roster_path_missing").to_owned(),
                ));
            }
        },
        StaffIntent::Export => match super::export_tab::request(&desk.export, utc_offset_s) {
            Ok(request) => follow.commands.push(Command::Export(request)),
            Err(key) => follow.banner = Some(Banner::Bad(tr(lang, key).to_owned())),
        },
        StaffIntent::AskPurge => desk.purge = PurgeState::Confirming,
        StaffIntent::CancelPurge => desk.purge = PurgeState::Idle,
        StaffIntent::ConfirmPurge => {
            if desk.purge == PurgeState::Confirming {
                desk.purge = PurgeState::Idle;
                follow.commands.push(Command::PurgeOriginals {
                    retention_days: desk.purge_days,
                });
            }
        }
        StaffIntent::Login | StaffIntent::Logout | StaffIntent::ToggleLanguage => {}
    }
    follow
}

fn confirm_reject(desk: &mut Desk, catalog: &ReasonCatalog, follow: &mut FollowUp) {
    let (Some(id), None) = (desk.selected, desk.deciding) else {
        return;
    };
    let Decision::Rejecting {
        reasons,
        note,
        error,
    } = &mut desk.decision
    else {
        return;
    };
    let codes: Result<Vec<_>, _> = reasons
        .iter()
        .filter_map(|&index| catalog.reasons().get(index))
        .map(|reason| catalog.parse(&reason.code))
        .collect();
    match codes.and_then(|codes| Rejection::new(codes, note)) {
        Ok(rejection) => {
            *error = None;
            desk.deciding = Some(id);
            follow.commands.push(Command::Reject(id, rejection));
        }
        Err(problem) => *error = Some(problem.to_string()),
    }
}

/// A login failure in the display language; anything unexpected keeps the full error text.
fn login_message(lang: Lang, error: &StaffError, full: String) -> String {
    match error {
        StaffError::Storage(StorageError::WrongPin { attempts_left, .. }) => {
            tr(lang, "staff.login_wrong_pin").replace("{n}", &attempts_left.to_string())
        }
        StaffError::Storage(StorageError::LockedOut { remaining_s, .. }) => {
            tr(lang, "staff.login_locked").replace("{n}", &remaining_s.to_string())
        }
        StaffError::Storage(StorageError::UnknownStaff(_)) => {
            tr(lang, "staff.login_unknown").to_owned()
        }
        StaffError::Storage(StorageError::StaffDisabled(_)) => {
            tr(lang, "staff.login_disabled").to_owned()
        }
        StaffError::Invalid(RecordError::Pin) => tr(lang, "staff.login_bad_pin")
            .replace("{min}", &StaffPin::MIN_DIGITS.to_string())
            .replace("{max}", &StaffPin::MAX_DIGITS.to_string()),
        StaffError::Invalid(RecordError::StaffAccount(_)) => {
            tr(lang, "staff.login_bad_account").to_owned()
        }
        _ => full,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::record::{
        CaptureId, Consent, Record, RecordDetail, RecordSummary, StaffAccount, StudentNo,
        StudentNoRule,
    };
    use crate::storage::StaffSummary;

    fn summary(id: i64) -> RecordSummary {
        let Ok(student_no) =
            StudentNo::parse(&format!("20250000{id:02}"), StudentNoRule::default())
        else {
            panic!("valid number")
        };
        let Ok(consent) = Consent::new("v1", 0) else {
            panic!("valid consent")
        };
        RecordSummary {
            record: Record {
                id: RecordId(id),
                student_no,
                profile: "campus_card".into(),
                status: RecordStatus::PendingReview,
                created_at_unix_s: id,
                updated_at_unix_s: id,
                queued_at_unix_s: id,
                retake_count: 0,
                consent,
                approved_at_unix_s: None,
            },
            student_name: None,
            latest_capture: CaptureId(id),
        }
    }

    fn desk_showing(ids: &[i64], shown: i64) -> Desk {
        let Ok(account) = StaffAccount::parse("li.wei") else {
            panic!("valid account")
        };
        let staff = StaffSummary {
            account,
            display_name: "李伟".into(),
            disabled: false,
            failed_attempts: 0,
            locked_until_unix_s: None,
            created_at_unix_s: 0,
        };
        let mut desk = Desk::new(staff, 30, "campus_card".into());
        desk.queue = ids.iter().map(|&id| summary(id)).collect();
        desk.selected = Some(RecordId(shown));
        desk.shown = Some(ShownRecord {
            detail: RecordDetail {
                summary: summary(shown),
                department: None,
                captures: Vec::new(),
                history: Vec::new(),
                last_rejection: None,
                printed_copies: 0,
            },
            photo_error: None,
            has_original: true,
            original_error: None,
        });
        desk
    }

    fn catalog() -> ReasonCatalog {
        let config = crate::config::KioskConfig::default();
        match super::super::reason_catalog(&config) {
            Ok(catalog) => catalog,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_second_decision_waits_until_the_first_is_saved() {
        let mut desk = desk_showing(&[1, 2], 1);
        let first = desk_intent(&mut desk, StaffIntent::Approve, &catalog(), 0, Lang::En);
        assert!(matches!(
            first.commands[..],
            [Command::Approve(RecordId(1))]
        ));
        let again = desk_intent(&mut desk, StaffIntent::Approve, &catalog(), 0, Lang::En);
        assert!(again.commands.is_empty(), "double press sends one approval");
        desk_intent(
            &mut desk,
            StaffIntent::ToggleReason(0),
            &catalog(),
            0,
            Lang::En,
        );
        let reject = desk_intent(
            &mut desk,
            StaffIntent::ConfirmReject,
            &catalog(),
            0,
            Lang::En,
        );
        assert!(
            reject.commands.is_empty(),
            "no rejection while the approval is saved"
        );
    }

    #[test]
    fn a_saved_decision_keeps_a_selection_the_person_moved_to() {
        let mut desk = desk_showing(&[1, 2, 3], 1);
        desk_intent(&mut desk, StaffIntent::Approve, &catalog(), 0, Lang::En);
        desk_intent(&mut desk, StaffIntent::Next, &catalog(), 0, Lang::En);
        assert_eq!(desk.selected, Some(RecordId(2)));
        let ctx = egui::Context::default();
        let reply = Reply::Reviewed {
            record: RecordId(1),
            status: RecordStatus::Approved,
        };
        let follow = desk_reply(&mut desk, reply, &ctx, &mut ImageSlots::default(), Lang::En);
        assert_eq!(desk.selected, Some(RecordId(2)));
        assert_eq!(desk.deciding, None);
        assert!(matches!(follow.commands[..], [Command::LoadQueue { .. }]));
    }
}
