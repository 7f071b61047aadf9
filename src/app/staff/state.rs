//! What the staff station remembers between frames: the login form, the logged-in desk (tab, queue,
//! search, selection, decision in progress, statistics, admin forms) and the banner. Plain data plus the
//! intents the screens return; no drawing, no worker, no store.

use std::path::PathBuf;

use crate::core::record::{RecordDetail, RecordId, RecordSummary, Stats};
use crate::storage::{PurgeReport, RosterImportReport, StaffSummary};

/// The four work areas of a logged-in desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Queue,
    Search,
    Stats,
    Admin,
    /// The booth flow run by staff for a student (only when the station has a capture starter).
    Capture,
}

/// What a person asked for this frame (a click or a shortcut). The app turns intents into state
/// changes and worker commands; screens never send commands themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffIntent {
    Login,
    Logout,
    ToggleLanguage,
    ShowTab(Tab),
    Select(RecordId),
    Next,
    Previous,
    Approve,
    StartReject,
    /// Index into the configured reason list (keys 1–9 pick the first nine).
    ToggleReason(usize),
    ConfirmReject,
    CancelReject,
    Search,
    FocusSearch,
    /// Re-make the record's photo with another profile; executed by the worker.
    Rerender {
        record: RecordId,
        profile: String,
    },
    ImportRoster,
    /// Run an export batch with the admin tab's form.
    Export,
    AskPurge,
    ConfirmPurge,
    CancelPurge,
}

/// The PIN login form.
#[derive(Debug, Default)]
pub struct LoginForm {
    pub account: String,
    pub pin: String,
    pub error: Option<String>,
}

/// The review decision being made for the shown record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Decision {
    #[default]
    Idle,
    /// Reasons picked (indices into the configured list, in click order) and the note.
    Rejecting {
        reasons: Vec<usize>,
        note: String,
        error: Option<String>,
    },
}

/// The retention purge: a confirmation step before anything is deleted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PurgeState {
    #[default]
    Idle,
    Confirming,
    Done(PurgeReport),
}

/// A one-line message above the work area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Banner {
    Good(String),
    Bad(String),
}

/// The record in the review pane; its images live in the app's texture slots.
#[derive(Debug, Clone)]
pub struct ShownRecord {
    pub detail: RecordDetail,
    pub photo_error: Option<String>,
    /// `None` when the original was purged (or failed to decode: see `original_error`).
    pub has_original: bool,
    pub original_error: Option<String>,
}

/// A logged-in staff member's desk.
#[derive(Debug)]
pub struct Desk {
    pub staff: StaffSummary,
    pub tab: Tab,
    pub queue: Vec<RecordSummary>,
    pub total_pending: u64,
    pub search_text: String,
    /// The query the results belong to; `None` before the first search.
    pub searched: Option<String>,
    pub search_results: Vec<RecordSummary>,
    pub selected: Option<RecordId>,
    /// Position of the selection in its list when a review was sent: the next record takes its place.
    pub reviewed_index: Option<usize>,
    pub shown: Option<ShownRecord>,
    pub decision: Decision,
    /// The record whose approve/reject is being saved; further decisions wait for it.
    pub deciding: Option<RecordId>,
    pub rerender_profile: String,
    pub stats: Option<Stats>,
    pub roster_path: String,
    /// Import the good rows of a file with bad ones (off by default: a bad file imports nothing).
    pub roster_skip_bad: bool,
    pub roster_report: Option<RosterImportReport>,
    pub purge_days: u32,
    pub purge: PurgeState,
    pub export: super::export_tab::ExportForm,
    /// Move keyboard focus to the search field on the next frame.
    pub focus_search: bool,
}

impl Desk {
    pub fn new(staff: StaffSummary, purge_days: u32, default_profile: String) -> Self {
        Self {
            staff,
            tab: Tab::Queue,
            queue: Vec::new(),
            total_pending: 0,
            search_text: String::new(),
            searched: None,
            search_results: Vec::new(),
            selected: None,
            reviewed_index: None,
            shown: None,
            decision: Decision::Idle,
            deciding: None,
            rerender_profile: default_profile,
            stats: None,
            roster_path: String::new(),
            roster_skip_bad: false,
            roster_report: None,
            purge_days,
            purge: PurgeState::Idle,
            export: super::export_tab::ExportForm::default(),
            focus_search: false,
        }
    }

    /// The list J/K move through: the queue, or the search results on the search tab.
    pub fn current_list(&self) -> &[RecordSummary] {
        match self.tab {
            Tab::Search => &self.search_results,
            Tab::Queue | Tab::Stats | Tab::Admin | Tab::Capture => &self.queue,
        }
    }

    pub fn selected_index(&self) -> Option<usize> {
        let selected = self.selected?;
        self.current_list()
            .iter()
            .position(|item| item.record.id == selected)
    }

    /// The record `step` places after (+1) or before (-1) the selection, clamped to the list.
    pub fn neighbour(&self, forward: bool) -> Option<RecordId> {
        let list = self.current_list();
        let last = list.len().checked_sub(1)?;
        let index = match (self.selected_index(), forward) {
            (None, _) => 0,
            (Some(i), true) => (i + 1).min(last),
            (Some(i), false) => i.saturating_sub(1),
        };
        list.get(index).map(|item| item.record.id)
    }

    /// The shown record's detail, if it is the selected one.
    pub fn shown_detail(&self) -> Option<&RecordDetail> {
        self.shown
            .as_ref()
            .map(|shown| &shown.detail)
            .filter(|detail| Some(detail.summary.record.id) == self.selected)
    }
}

/// The CSV path as typed: surrounding whitespace and the quotes a file manager adds are dropped.
pub fn typed_path(text: &str) -> Option<PathBuf> {
    let trimmed = text.trim().trim_matches(|c| c == '"' || c == '\'');
    (!trimmed.is_empty()).then(|| PathBuf::from(trimmed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_paths_lose_quotes_and_blanks() {
        assert_eq!(
            typed_path("  \"/media/u盘/名单 2025.csv\" "),
            Some(PathBuf::from("/media/u盘/名单 2025.csv"))
        );
        assert_eq!(typed_path("  "), None);
    }
}
