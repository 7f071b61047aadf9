//! Record, status and review types that storage persists: who a submission belongs to (validated student
//! numbers, roster entries), where it stands (the status lifecycle as a pure transition function), why it
//! was rejected (reason codes from the configured catalog), who did what (actors, audit entries) and the
//! read models the booth, the staff station and the CLI show.
//!
//! Owns the rules, not the rows: no SQL, no file system, no clock ("now" is always a parameter). `storage`
//! converts its rows into these types and asks [`RecordStatus::after`] before every status change.

mod identity;
mod lifecycle;
mod reason;
mod views;

pub use identity::{
    MAX_TEXT_BYTES, RosterEntry, StaffAccount, StaffPin, StudentNo, StudentNoProblem,
    StudentNoRule, check_line, check_text,
};
pub use lifecycle::{
    PrintJobState, PrintPurpose, RecordStatus, Rejection, ReviewAction, Transition,
};
pub use reason::{OTHER_REASON_CODE, ReasonCatalog, ReasonCode, ReasonText};
pub use views::{
    AuditAction, AuditEntry, CalendarWindows, CaptureSummary, PeriodStats, ReasonCount, Record,
    RecordDetail, RecordSummary, ReviewPage, Stats, TimeWindow,
};

use serde::{Deserialize, Serialize};

/// Why a record value was refused. Every message names the offending value so staff can fix the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("cannot {action} a record that is {from} ({from_zh})", from_zh = from.label_zh())]
    InvalidTransition {
        from: RecordStatus,
        action: Transition,
    },
    #[error("a {actor} cannot {action} a record: only staff or the command line review")]
    NotAllowed {
        actor: &'static str,
        action: Transition,
    },
    #[error("unknown record status {0:?} (expected one of: {list})", list = RecordStatus::ALL.map(RecordStatus::as_str).join(", "))]
    UnknownStatus(String),
    #[error("student number {input:?}: {problem}")]
    StudentNo {
        input: String,
        problem: StudentNoProblem,
    },
    #[error("unknown rejection reason {code:?} (known: {known})")]
    UnknownReason { code: String, known: String },
    #[error("a rejection needs at least one reason code")]
    NoReason,
    #[error("reason `{OTHER_REASON_CODE}` needs a note saying what is wrong")]
    OtherNeedsNote,
    #[error("invalid reason catalog: {0}")]
    Catalog(String),
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} is {len_bytes} bytes long; at most {max_bytes} are kept")]
    TooLong {
        field: &'static str,
        len_bytes: usize,
        max_bytes: usize,
    },
    #[error("{field} contains a control character (U+{code:04X})")]
    ControlChar { field: &'static str, code: u32 },
    #[error("staff account {0:?}: use 1-32 ASCII letters, digits, '.', '_' or '-'")]
    StaffAccount(String),
    #[error("a PIN is {min_digits} to {max_digits} digits (0-9)", min_digits = StaffPin::MIN_DIGITS, max_digits = StaffPin::MAX_DIGITS)]
    Pin,
    #[error("unknown actor kind {0:?} (expected booth, staff or cli)")]
    UnknownActor(String),
    #[error("unknown audit action {0:?}")]
    UnknownAuditAction(String),
    #[error("unknown print job state {0:?}")]
    UnknownPrintState(String),
    #[error("unknown print purpose {0:?} (expected official or take_home)")]
    UnknownPrintPurpose(String),
    #[error("a print job that is {from} cannot become {to}")]
    InvalidPrintTransition {
        from: PrintJobState,
        to: PrintJobState,
    },
}

/// Row id of a record (one submission of one student for one profile).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RecordId(pub i64);

/// Row id of one capture (the original and the standardized photo of one attempt).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CaptureId(pub i64);

/// Row id of a print job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PrintJobId(pub i64);

/// Row id of an export batch (one hand-over to the campus-card system).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExportBatchId(pub i64);

macro_rules! display_id {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    )*};
}
display_id!(RecordId, CaptureId, PrintJobId, ExportBatchId);

/// Who did something: a booth (by its configured id), a staff member (by account) or the command line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum Actor {
    Booth(String),
    Staff(String),
    Cli,
}

impl Actor {
    /// The stored kind: `booth`, `staff` or `cli`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Booth(_) => "booth",
            Self::Staff(_) => "staff",
            Self::Cli => "cli",
        }
    }

    /// The booth id or staff account; empty for the command line.
    pub fn name(&self) -> &str {
        match self {
            Self::Booth(name) | Self::Staff(name) => name,
            Self::Cli => "",
        }
    }

    /// Rebuilds an actor from its stored kind and name.
    pub fn from_parts(kind: &str, name: &str) -> Result<Self, RecordError> {
        match kind {
            "booth" => Ok(Self::Booth(name.to_owned())),
            "staff" => Ok(Self::Staff(name.to_owned())),
            "cli" => Ok(Self::Cli),
            other => Err(RecordError::UnknownActor(other.to_owned())),
        }
    }
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Cli => f.write_str("cli"),
            other => write!(f, "{} {}", other.kind(), other.name()),
        }
    }
}

/// The consent the student gave before the capture: which text version, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub version: String,
    pub given_at_unix_s: i64,
}

impl Consent {
    /// Validates the version text (non-empty, bounded, no control characters).
    pub fn new(version: &str, given_at_unix_s: i64) -> Result<Self, RecordError> {
        let version = version.trim();
        check_line("consent version", version, true)?;
        Ok(Self {
            version: version.to_owned(),
            given_at_unix_s,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_round_trips_through_its_stored_parts() {
        for actor in [
            Actor::Booth("booth-1".into()),
            Actor::Staff("li.wei".into()),
            Actor::Cli,
        ] {
            assert_eq!(
                Actor::from_parts(actor.kind(), actor.name()),
                Ok(actor.clone())
            );
        }
        assert_eq!(
            Actor::from_parts("robot", "x"),
            Err(RecordError::UnknownActor("robot".into()))
        );
        assert_eq!(Actor::Staff("li".into()).to_string(), "staff li");
        assert_eq!(Actor::Cli.to_string(), "cli");
    }

    #[test]
    fn consent_version_is_trimmed_and_required() {
        assert_eq!(
            Consent::new(" v2 ", 5).map(|c| c.version),
            Ok("v2".to_owned())
        );
        assert_eq!(
            Consent::new("  ", 5),
            Err(RecordError::Empty {
                field: "consent version"
            })
        );
    }
}
