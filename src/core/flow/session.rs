//! One student's visit: who they are, what they agreed to and how many retakes they used. The flow owns the
//! only copy and drops it (emitting `DiscardSession`) whenever the visit ends, however it ends.
//!
//! Holds no images: the shell keeps frames and captures keyed by [`SessionId`] and deletes them on discard.

use std::fmt;
use std::time::Duration;

use super::input::StudentKey;

/// Identifies one visit; never reused within a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(u64);

impl SessionId {
    pub(crate) fn new(value: u64) -> SessionId {
        SessionId(value)
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s{}", self.0)
    }
}

/// A saved record, as the store numbers it (the receipt shows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordRef(pub i64);

impl fmt::Display for RecordRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The privacy notice version a student accepted, and when (flow time; the shell maps it to wall time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    pub version: String,
    pub accepted_at: Duration,
}

/// The confirmed student.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Student {
    pub key: StudentKey,
    /// From the roster; `None` without a roster (staff complete it).
    pub name: Option<String>,
}

/// Everything the flow knows about the current visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    id: SessionId,
    started_at: Duration,
    pub(crate) consent: Option<ConsentRecord>,
    pub(crate) student: Option<Student>,
    pub(crate) retakes_used: u32,
    pub(crate) record: Option<RecordRef>,
}

impl Session {
    pub(crate) fn new(id: SessionId, started_at: Duration) -> Session {
        Session {
            id,
            started_at,
            consent: None,
            student: None,
            retakes_used: 0,
            record: None,
        }
    }

    pub fn id(&self) -> SessionId {
        self.id
    }

    pub fn started_at(&self) -> Duration {
        self.started_at
    }

    pub fn consent(&self) -> Option<&ConsentRecord> {
        self.consent.as_ref()
    }

    pub fn student(&self) -> Option<&Student> {
        self.student.as_ref()
    }

    pub fn retakes_used(&self) -> u32 {
        self.retakes_used
    }

    /// The record saved in this visit, once saved.
    pub fn record(&self) -> Option<RecordRef> {
        self.record
    }
}
