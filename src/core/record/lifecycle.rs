//! The status lifecycle of a record and of a print job, as pure transition functions.
//!
//! ```text
//! (new) ──submit──▶ pending_review ──approve──▶ approved ──export──▶ exported ◀─┐ export again
//!                     ▲        │                   │                    │ print ─┘ (stays exported)
//!            resubmit │        │ reject            └──print──▶ printed ─┘ export
//!                     └─ rejected ◀┘                          ▲   │ print again
//!                                                             └───┘
//! ```
//! A resubmission adds a capture to the same record (no new record, no second fee). `exported` outranks
//! `printed`: printing an exported record keeps it exported (the copies are counted in the print jobs).

use serde::{Deserialize, Serialize};

use super::reason::{OTHER_REASON_CODE, ReasonCode};
use super::{Actor, RecordError, check_text};

/// Where a record stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// 待审核: submitted at the booth, waiting for staff.
    PendingReview,
    /// 审核通过.
    Approved,
    /// 被驳回: the student must retake (reason codes and a note say why).
    Rejected,
    /// 已导出: handed to the campus-card system.
    Exported,
    /// 已打印: printed for the student (and not exported).
    Printed,
}

/// A change of status someone asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    Resubmit,
    Approve,
    Reject,
    Export,
    Print,
}

impl RecordStatus {
    pub const ALL: [Self; 5] = [
        Self::PendingReview,
        Self::Approved,
        Self::Rejected,
        Self::Exported,
        Self::Printed,
    ];

    /// The status of a record when it is created at the booth.
    pub const INITIAL: Self = Self::PendingReview;

    /// The stored and command-line spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingReview => "pending_review",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Exported => "exported",
            Self::Printed => "printed",
        }
    }

    pub fn parse(text: &str) -> Result<Self, RecordError> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == text.trim())
            .ok_or_else(|| RecordError::UnknownStatus(text.to_owned()))
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::PendingReview => "待审核",
            Self::Approved => "审核通过",
            Self::Rejected => "被驳回",
            Self::Exported => "已导出",
            Self::Printed => "已打印",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::PendingReview => "pending review",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Exported => "exported",
            Self::Printed => "printed",
        }
    }

    /// Open records block a second submission of the same student and profile: the student has one
    /// submission in progress and pays once. Delivered records (exported, printed) do not.
    pub fn is_open(self) -> bool {
        matches!(self, Self::PendingReview | Self::Rejected | Self::Approved)
    }

    /// The status after `transition`, or why it is not allowed from here.
    pub fn after(self, transition: Transition) -> Result<Self, RecordError> {
        use RecordStatus::{Approved, Exported, PendingReview, Printed, Rejected};
        let next = match (self, transition) {
            (Rejected, Transition::Resubmit) => Some(PendingReview),
            (PendingReview, Transition::Approve) => Some(Approved),
            (PendingReview, Transition::Reject) => Some(Rejected),
            (Approved | Printed | Exported, Transition::Export) | (Exported, Transition::Print) => {
                Some(Exported)
            }
            (Approved | Printed, Transition::Print) => Some(Printed),
            _ => None,
        };
        next.ok_or(RecordError::InvalidTransition {
            from: self,
            action: transition,
        })
    }
}

impl std::fmt::Display for RecordStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Transition {
    pub const ALL: [Self; 5] = [
        Self::Resubmit,
        Self::Approve,
        Self::Reject,
        Self::Export,
        Self::Print,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resubmit => "resubmit",
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Export => "export",
            Self::Print => "print",
        }
    }

    /// Review decisions belong to staff (or an operator at the command line), never to a booth.
    pub fn check_actor(self, actor: &Actor) -> Result<(), RecordError> {
        let is_review = matches!(self, Self::Approve | Self::Reject);
        if is_review && matches!(actor, Actor::Booth(_)) {
            return Err(RecordError::NotAllowed {
                actor: actor.kind(),
                action: self,
            });
        }
        Ok(())
    }
}

impl std::fmt::Display for Transition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a photo was rejected: one or more reason codes (deduplicated, in the order given) and a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    reasons: Vec<ReasonCode>,
    note: String,
}

impl Rejection {
    /// At least one reason; `other` requires a note; the note is bounded free text (kept verbatim apart
    /// from surrounding whitespace).
    pub fn new(reasons: Vec<ReasonCode>, note: &str) -> Result<Self, RecordError> {
        let note = note.trim();
        check_text("note", note, false)?;
        let mut unique: Vec<ReasonCode> = Vec::with_capacity(reasons.len());
        for reason in reasons {
            if !unique.contains(&reason) {
                unique.push(reason);
            }
        }
        if unique.is_empty() {
            return Err(RecordError::NoReason);
        }
        if note.is_empty() && unique.iter().any(|r| r.as_str() == OTHER_REASON_CODE) {
            return Err(RecordError::OtherNeedsNote);
        }
        Ok(Self {
            reasons: unique,
            note: note.to_owned(),
        })
    }

    /// Rebuilds a rejection read back from the audit log.
    pub(crate) fn from_stored(reasons: Vec<ReasonCode>, note: String) -> Self {
        Self { reasons, note }
    }

    pub fn reasons(&self) -> &[ReasonCode] {
        &self.reasons
    }

    pub fn note(&self) -> &str {
        &self.note
    }
}

/// A staff decision on a pending record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewAction {
    Approve,
    Reject(Rejection),
}

impl ReviewAction {
    pub fn transition(&self) -> Transition {
        match self {
            Self::Approve => Transition::Approve,
            Self::Reject(_) => Transition::Reject,
        }
    }
}

/// Where a print job stands. `queued` (recorded, not yet handed over) → `sent` (the spooler accepted it)
/// → `completed` | `failed` | `cancelled`; a job may also fail or be cancelled before it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrintJobState {
    Queued,
    Sent,
    Completed,
    Failed,
    Cancelled,
}

impl PrintJobState {
    pub const ALL: [Self; 5] = [
        Self::Queued,
        Self::Sent,
        Self::Completed,
        Self::Failed,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Result<Self, RecordError> {
        Self::ALL
            .into_iter()
            .find(|state| state.as_str() == text)
            .ok_or_else(|| RecordError::UnknownPrintState(text.to_owned()))
    }

    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }

    /// Checks a state change reported by the spooler.
    pub fn check_next(self, next: Self) -> Result<(), RecordError> {
        let ok = match self {
            Self::Queued => matches!(next, Self::Sent | Self::Failed | Self::Cancelled),
            Self::Sent => matches!(next, Self::Completed | Self::Failed | Self::Cancelled),
            Self::Completed | Self::Failed | Self::Cancelled => false,
        };
        if ok {
            Ok(())
        } else {
            Err(RecordError::InvalidPrintTransition {
                from: self,
                to: next,
            })
        }
    }
}

/// Why a sheet is printed. Only an `official` print of an approved record moves it to `printed`; a
/// `take_home` sheet is the student's own copy of the photo that passed the booth's pre-check, printed at
/// the Done screen before staff review: it is logged and counted against the copy limit, never a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrintPurpose {
    /// Staff print of an approved record (the `printed` status).
    Official,
    /// The student's take-home copy at the booth.
    TakeHome,
}

impl PrintPurpose {
    pub const ALL: [Self; 2] = [Self::Official, Self::TakeHome];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Official => "official",
            Self::TakeHome => "take_home",
        }
    }

    pub fn parse(text: &str) -> Result<Self, RecordError> {
        Self::ALL
            .into_iter()
            .find(|purpose| purpose.as_str() == text)
            .ok_or_else(|| RecordError::UnknownPrintPurpose(text.to_owned()))
    }

    /// Whether a record in `status` may be printed for this purpose. Official prints follow the lifecycle
    /// (approved, printed, exported); a take-home copy is allowed for every record except a rejected one
    /// (its photo was refused: the student retakes).
    pub fn check(self, status: RecordStatus) -> Result<(), RecordError> {
        match self {
            Self::Official => status.after(Transition::Print).map(|_| ()),
            Self::TakeHome if status == RecordStatus::Rejected => {
                Err(RecordError::InvalidTransition {
                    from: status,
                    action: Transition::Print,
                })
            }
            Self::TakeHome => Ok(()),
        }
    }
}

impl std::fmt::Display for PrintPurpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for PrintJobState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::RecordStatus::{Approved, Exported, PendingReview, Printed, Rejected};
    use super::*;
    use crate::core::record::{ReasonCatalog, ReasonText};

    #[test]
    fn take_home_copies_print_before_review_but_not_after_a_rejection() {
        for status in RecordStatus::ALL {
            assert_eq!(
                PrintPurpose::TakeHome.check(status).is_ok(),
                status != Rejected,
                "{status}"
            );
            assert_eq!(
                PrintPurpose::Official.check(status).is_ok(),
                matches!(status, Approved | Printed | Exported),
                "{status}"
            );
        }
        for purpose in PrintPurpose::ALL {
            assert_eq!(PrintPurpose::parse(purpose.as_str()), Ok(purpose));
        }
        assert!(PrintPurpose::parse("souvenir").is_err());
    }

    /// The whole lifecycle, written out independently of `after`: (from, transition, expected next).
    const EXPECTED: [(RecordStatus, Transition, Option<RecordStatus>); 25] = [
        (PendingReview, Transition::Resubmit, None),
        (PendingReview, Transition::Approve, Some(Approved)),
        (PendingReview, Transition::Reject, Some(Rejected)),
        (PendingReview, Transition::Export, None),
        (PendingReview, Transition::Print, None),
        (Approved, Transition::Resubmit, None),
        (Approved, Transition::Approve, None),
        (Approved, Transition::Reject, None),
        (Approved, Transition::Export, Some(Exported)),
        (Approved, Transition::Print, Some(Printed)),
        (Rejected, Transition::Resubmit, Some(PendingReview)),
        (Rejected, Transition::Approve, None),
        (Rejected, Transition::Reject, None),
        (Rejected, Transition::Export, None),
        (Rejected, Transition::Print, None),
        (Exported, Transition::Resubmit, None),
        (Exported, Transition::Approve, None),
        (Exported, Transition::Reject, None),
        (Exported, Transition::Export, Some(Exported)),
        (Exported, Transition::Print, Some(Exported)),
        (Printed, Transition::Resubmit, None),
        (Printed, Transition::Approve, None),
        (Printed, Transition::Reject, None),
        (Printed, Transition::Export, Some(Exported)),
        (Printed, Transition::Print, Some(Printed)),
    ];

    #[test]
    fn every_status_and_transition_pair_matches_the_lifecycle_table() {
        for from in RecordStatus::ALL {
            for transition in Transition::ALL {
                let expected = EXPECTED
                    .iter()
                    .find(|(f, t, _)| *f == from && *t == transition)
                    .map(|(_, _, next)| *next);
                let Some(expected) = expected else {
                    panic!("table misses {from} + {transition}")
                };
                let got = from.after(transition);
                match expected {
                    Some(next) => assert_eq!(got, Ok(next), "{from} + {transition}"),
                    None => assert_eq!(
                        got,
                        Err(RecordError::InvalidTransition {
                            from,
                            action: transition
                        }),
                        "{from} + {transition}"
                    ),
                }
            }
        }
    }

    #[test]
    fn statuses_round_trip_and_have_both_labels() {
        for status in RecordStatus::ALL {
            assert_eq!(RecordStatus::parse(status.as_str()), Ok(status));
            assert!(!status.label_zh().is_empty() && !status.label_en().is_empty());
        }
        assert_eq!(PendingReview.label_zh(), "待审核");
        assert_eq!(Approved.label_zh(), "审核通过");
        assert_eq!(Rejected.label_zh(), "被驳回");
        assert_eq!(
            RecordStatus::parse("approved; --"),
            Err(RecordError::UnknownStatus("approved; --".into()))
        );
        let message = RecordError::InvalidTransition {
            from: Rejected,
            action: Transition::Approve,
        }
        .to_string();
        assert_eq!(message, "cannot approve a record that is rejected (被驳回)");
    }

    #[test]
    fn open_statuses_are_the_undelivered_ones() {
        let open: Vec<_> = RecordStatus::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .collect();
        assert_eq!(open, [PendingReview, Approved, Rejected]);
        assert_eq!(RecordStatus::INITIAL, PendingReview);
    }

    #[test]
    fn only_staff_and_cli_review() {
        let booth = Actor::Booth("b1".into());
        for transition in Transition::ALL {
            let review = matches!(transition, Transition::Approve | Transition::Reject);
            assert_eq!(
                transition.check_actor(&booth).is_err(),
                review,
                "{transition}"
            );
            assert_eq!(transition.check_actor(&Actor::Staff("s".into())), Ok(()));
            assert_eq!(transition.check_actor(&Actor::Cli), Ok(()));
        }
    }

    fn catalog() -> ReasonCatalog {
        let text = |code: &str| ReasonText {
            code: code.into(),
            zh: format!("{code}-zh"),
            en: format!("{code}-en"),
        };
        let built = ReasonCatalog::new(vec![
            text("eyes_closed"),
            text("background"),
            text(OTHER_REASON_CODE),
        ]);
        let Ok(catalog) = built else {
            panic!("valid catalog")
        };
        catalog
    }

    #[test]
    fn rejections_need_reasons_and_other_needs_a_note() {
        let catalog = catalog();
        let codes = |list: &[&str]| -> Vec<ReasonCode> {
            list.iter().filter_map(|c| catalog.parse(c).ok()).collect()
        };
        assert_eq!(Rejection::new(vec![], "x"), Err(RecordError::NoReason));
        assert_eq!(
            Rejection::new(codes(&["other"]), "  "),
            Err(RecordError::OtherNeedsNote)
        );
        let rejection = Rejection::new(
            codes(&["eyes_closed", "background", "eyes_closed"]),
            " 请睁眼 ",
        );
        let Ok(rejection) = rejection else {
            panic!("valid rejection")
        };
        let kept: Vec<_> = rejection.reasons().iter().map(ReasonCode::as_str).collect();
        assert_eq!(kept, ["eyes_closed", "background"]);
        assert_eq!(rejection.note(), "请睁眼");
        assert!(Rejection::new(codes(&["other"]), "glare on glasses").is_ok());
        let review = ReviewAction::Reject(rejection);
        assert_eq!(review.transition(), Transition::Reject);
        assert_eq!(ReviewAction::Approve.transition(), Transition::Approve);
    }

    #[test]
    fn print_job_states_move_forward_only() {
        use PrintJobState::{Cancelled, Completed, Failed, Queued, Sent};
        let allowed = [
            (Queued, Sent),
            (Queued, Failed),
            (Queued, Cancelled),
            (Sent, Completed),
            (Sent, Failed),
            (Sent, Cancelled),
        ];
        for from in PrintJobState::ALL {
            assert_eq!(PrintJobState::parse(from.as_str()), Ok(from));
            for to in PrintJobState::ALL {
                let expected = allowed.contains(&(from, to));
                assert_eq!(from.check_next(to).is_ok(), expected, "{from} -> {to}");
            }
        }
        assert!(Completed.is_final() && Failed.is_final() && Cancelled.is_final());
        assert!(!Queued.is_final() && !Sent.is_final());
    }
}
