//! Read models: what storage returns to the booth, the staff station and the CLI (records, captures,
//! history, review pages, statistics), and the pure calendar arithmetic behind "today" and "this week".

use serde::Serialize;

use super::lifecycle::{RecordStatus, Rejection};
use super::reason::ReasonCode;
use super::{Actor, CaptureId, Consent, RecordError, RecordId, StudentNo};

/// One submission of one student for one photo profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub id: RecordId,
    pub student_no: StudentNo,
    /// Name of the photo profile (a `PhotoSpec` in config).
    pub profile: String,
    pub status: RecordStatus,
    pub created_at_unix_s: i64,
    pub updated_at_unix_s: i64,
    /// When the record last entered the review queue (submission or resubmission): the queue order.
    pub queued_at_unix_s: i64,
    /// Resubmissions after a rejection (0 for the first capture).
    pub retake_count: u32,
    pub consent: Consent,
    /// When staff last approved the photo now attached (`None` while not approved, and again after a
    /// re-render sends it back to review). Exported and printed records keep it.
    pub approved_at_unix_s: Option<i64>,
}

/// A record as listed: with the roster name (if the student is on the roster) and its latest capture.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordSummary {
    #[serde(flatten)]
    pub record: Record,
    pub student_name: Option<String>,
    pub latest_capture: CaptureId,
}

/// One attempt: the standardized photo and (until the retention purge) the original capture.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaptureSummary {
    pub id: CaptureId,
    pub record_id: RecordId,
    /// 1 for the first capture, 2 for the first resubmission...
    pub attempt: u32,
    pub captured_at_unix_s: i64,
    pub actor: Actor,
    pub photo_sha256: String,
    pub photo_bytes: u64,
    pub original_sha256: String,
    pub original_bytes: u64,
    /// Set once the retention purge deleted the original.
    pub original_purged_at_unix_s: Option<i64>,
    /// The quality-check report of this attempt.
    pub report: serde_json::Value,
    /// The processing parameters (profile values, crop, encoder settings) of this attempt.
    pub params: serde_json::Value,
}

/// What an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Submitted,
    Resubmitted,
    /// Staff made a new photo from the stored original with another profile.
    Rerendered,
    Approved,
    Rejected,
    Exported,
    Printed,
    PrintQueued,
    /// A take-home copy finished printing (the record's status is unchanged).
    TakeHomePrinted,
    RosterImported,
    OriginalsPurged,
    StaffCreated,
    StaffPinChanged,
    StaffEnabled,
    StaffDisabled,
    StaffLogin,
    StaffLoginFailed,
    StaffLockedOut,
}

impl AuditAction {
    pub const ALL: [Self; 18] = [
        Self::Submitted,
        Self::Resubmitted,
        Self::Rerendered,
        Self::Approved,
        Self::Rejected,
        Self::Exported,
        Self::Printed,
        Self::PrintQueued,
        Self::TakeHomePrinted,
        Self::RosterImported,
        Self::OriginalsPurged,
        Self::StaffCreated,
        Self::StaffPinChanged,
        Self::StaffEnabled,
        Self::StaffDisabled,
        Self::StaffLogin,
        Self::StaffLoginFailed,
        Self::StaffLockedOut,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Resubmitted => "resubmitted",
            Self::Rerendered => "rerendered",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Exported => "exported",
            Self::Printed => "printed",
            Self::PrintQueued => "print_queued",
            Self::TakeHomePrinted => "take_home_printed",
            Self::RosterImported => "roster_imported",
            Self::OriginalsPurged => "originals_purged",
            Self::StaffCreated => "staff_created",
            Self::StaffPinChanged => "staff_pin_changed",
            Self::StaffEnabled => "staff_enabled",
            Self::StaffDisabled => "staff_disabled",
            Self::StaffLogin => "staff_login",
            Self::StaffLoginFailed => "staff_login_failed",
            Self::StaffLockedOut => "staff_locked_out",
        }
    }

    pub fn parse(text: &str) -> Result<Self, RecordError> {
        Self::ALL
            .into_iter()
            .find(|action| action.as_str() == text)
            .ok_or_else(|| RecordError::UnknownAuditAction(text.to_owned()))
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of the audit log: who did what, when, to which record, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at_unix_s: i64,
    pub actor: Actor,
    pub action: AuditAction,
    pub record_id: Option<RecordId>,
    pub from_status: Option<RecordStatus>,
    pub to_status: Option<RecordStatus>,
    /// Rejection reason codes (empty for other actions).
    pub reasons: Vec<ReasonCode>,
    pub note: String,
    /// Machine-readable details (counts, batch or job ids) as JSON text.
    pub detail: String,
}

/// A record with everything staff need to decide and to answer questions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordDetail {
    pub summary: RecordSummary,
    pub department: Option<String>,
    /// Oldest first.
    pub captures: Vec<CaptureSummary>,
    /// Oldest first.
    pub history: Vec<AuditEntry>,
    /// The latest rejection, shown to the student when they come back.
    pub last_rejection: Option<Rejection>,
    /// Copies printed by completed print jobs.
    pub printed_copies: u32,
}

/// One page of the review queue, oldest submission first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewPage {
    pub items: Vec<RecordSummary>,
    /// Zero-based.
    pub page: u32,
    pub page_size: u32,
    pub total_pending: u64,
}

impl ReviewPage {
    pub fn page_count(&self) -> u64 {
        self.total_pending
            .div_ceil(u64::from(self.page_size.max(1)))
    }
}

/// A half-open span of time `[start, end)` in unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TimeWindow {
    pub start_unix_s: i64,
    pub end_unix_s: i64,
}

/// "Today" and "this week" (Monday 00:00 local time onwards) around a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CalendarWindows {
    pub today: TimeWindow,
    pub this_week: TimeWindow,
}

const SECONDS_PER_DAY: i64 = 86_400;
const DAYS_PER_WEEK: i64 = 7;
/// 1970-01-01, day 0 of unix time, was a Thursday: three days after a Monday.
const EPOCH_DAYS_AFTER_MONDAY: i64 = 3;

impl CalendarWindows {
    /// The local day and ISO week (starting Monday) that contain `now_unix_s`, for a local offset from UTC
    /// (China: +8 h = 28 800 s). Pure arithmetic; the caller reads the clock and the offset.
    pub fn containing(now_unix_s: i64, utc_offset_s: i32) -> Self {
        let offset_s = i64::from(utc_offset_s);
        let local_day = (now_unix_s + offset_s).div_euclid(SECONDS_PER_DAY);
        let day_start_unix_s = local_day * SECONDS_PER_DAY - offset_s;
        let days_since_monday = (local_day + EPOCH_DAYS_AFTER_MONDAY).rem_euclid(DAYS_PER_WEEK);
        let week_start_unix_s = day_start_unix_s - days_since_monday * SECONDS_PER_DAY;
        Self {
            today: TimeWindow {
                start_unix_s: day_start_unix_s,
                end_unix_s: day_start_unix_s + SECONDS_PER_DAY,
            },
            this_week: TimeWindow {
                start_unix_s: week_start_unix_s,
                end_unix_s: week_start_unix_s + DAYS_PER_WEEK * SECONDS_PER_DAY,
            },
        }
    }
}

/// How often one reason was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonCount {
    pub code: ReasonCode,
    pub count: u64,
}

/// Activity within one window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodStats {
    pub window: TimeWindow,
    /// New records.
    pub submitted: u64,
    /// Captures stored (submissions and resubmissions).
    pub captured: u64,
    pub approved: u64,
    pub rejected: u64,
    /// Most frequent first; a rejection with two reasons counts for both.
    pub rejected_by_reason: Vec<ReasonCount>,
    /// Records handed to the campus-card system.
    pub exported: u64,
    /// Copies printed by print jobs completed in the window.
    pub printed_copies: u64,
}

/// The staff station's dashboard numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub today: PeriodStats,
    pub this_week: PeriodStats,
    /// Records waiting for review right now.
    pub pending_now: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHINA_UTC_OFFSET_S: i32 = 8 * 3600;

    #[test]
    fn today_and_this_week_follow_the_local_calendar() {
        // 2025-09-03 (a Wednesday) 01:30 in Beijing = 2025-09-02 17:30 UTC.
        let now_unix_s = 1_756_834_200;
        let windows = CalendarWindows::containing(now_unix_s, CHINA_UTC_OFFSET_S);
        // 2025-09-03 00:00 +08:00 = 2025-09-02 16:00 UTC.
        assert_eq!(
            windows.today,
            TimeWindow {
                start_unix_s: 1_756_828_800,
                end_unix_s: 1_756_915_200
            }
        );
        // Monday 2025-09-01 00:00 +08:00 = 2025-08-31 16:00 UTC.
        assert_eq!(windows.this_week.start_unix_s, 1_756_656_000);
        assert_eq!(
            windows.this_week.end_unix_s - windows.this_week.start_unix_s,
            7 * 86_400
        );
        // In UTC the same moment is still Tuesday the 2nd.
        let utc = CalendarWindows::containing(now_unix_s, 0);
        assert_eq!(utc.today.start_unix_s, 1_756_771_200);
        assert_eq!(utc.this_week.start_unix_s, 1_756_684_800);
    }

    #[test]
    fn windows_are_half_open_at_midnight_and_handle_times_before_1970() {
        let monday_midnight_utc = 1_756_684_800; // 2025-09-01 00:00 UTC, a Monday
        let windows = CalendarWindows::containing(monday_midnight_utc, 0);
        assert_eq!(windows.today.start_unix_s, monday_midnight_utc);
        assert_eq!(windows.this_week.start_unix_s, monday_midnight_utc);
        let before = CalendarWindows::containing(monday_midnight_utc - 1, 0);
        assert_eq!(before.today.end_unix_s, monday_midnight_utc);
        assert_eq!(before.this_week.end_unix_s, monday_midnight_utc);
        // 1969-12-31 23:00 UTC was a Wednesday; its week began Monday 1969-12-29.
        let old = CalendarWindows::containing(-3600, 0);
        assert_eq!(old.today.start_unix_s, -86_400);
        assert_eq!(old.this_week.start_unix_s, -3 * 86_400);
    }

    #[test]
    fn audit_actions_round_trip() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Ok(action));
        }
        assert!(AuditAction::parse("dropped").is_err());
    }

    #[test]
    fn page_count_rounds_up() {
        let page = ReviewPage {
            items: vec![],
            page: 0,
            page_size: 50,
            total_pending: 101,
        };
        assert_eq!(page.page_count(), 3);
        let empty = ReviewPage {
            items: vec![],
            page: 0,
            page_size: 0,
            total_pending: 0,
        };
        assert_eq!(empty.page_count(), 0);
    }
}
