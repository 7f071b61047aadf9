//! What can stop the booth (camera lost, disk full, printer error, a worker that died) and which screens each
//! fault interrupts. The flow keeps the active faults as a set; the Failsafe screen shows them and the booth
//! recovers by itself when the set empties.
//!
//! Owns the policy only; the shell detects faults (watchdogs, free-space probes, print status) and reports
//! both their start and their end.

use crate::core::locale::Language;

use super::screen::{ProcessingStage, Screen};

/// A background worker of the shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Worker {
    Camera,
    Analyzer,
    Pipeline,
    Storage,
    Print,
    Qr,
}

impl Worker {
    pub fn as_str(self) -> &'static str {
        match self {
            Worker::Camera => "camera",
            Worker::Analyzer => "analyzer",
            Worker::Pipeline => "pipeline",
            Worker::Storage => "storage",
            Worker::Print => "print",
            Worker::Qr => "qr",
        }
    }
}

/// A condition that keeps the booth from serving students.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// The camera watchdog saw no frame (cleared by `CameraStatus::Live`).
    CameraLost,
    /// A write failed for lack of space (cleared by the shell's free-space probe).
    DiskFull,
    /// The printer reported an error (cleared by the shell, or by the next job that prints).
    PrinterError,
    /// A worker thread stopped or keeps failing (cleared by the shell once it runs again).
    WorkerFailed(Worker),
}

impl Fault {
    /// Stable code for logs and the staff diagnostics.
    pub fn code(self) -> String {
        match self {
            Fault::CameraLost => "camera_lost".to_string(),
            Fault::DiskFull => "disk_full".to_string(),
            Fault::PrinterError => "printer_error".to_string(),
            Fault::WorkerFailed(worker) => format!("worker_failed:{}", worker.as_str()),
        }
    }

    /// A calm line for the Failsafe screen (the screen's headline is "请联系工作人员 / Please ask staff").
    pub fn text(self, language: Language) -> &'static str {
        match (self, language) {
            (Fault::CameraLost | Fault::WorkerFailed(Worker::Camera), Language::Zh) => {
                "摄像头重连中"
            }
            (Fault::CameraLost | Fault::WorkerFailed(Worker::Camera), Language::En) => {
                "Reconnecting the camera"
            }
            (Fault::DiskFull, Language::Zh) => "存储空间已满",
            (Fault::DiskFull, Language::En) => "Storage is full",
            (Fault::PrinterError | Fault::WorkerFailed(Worker::Print), Language::Zh) => {
                "打印机需要处理"
            }
            (Fault::PrinterError | Fault::WorkerFailed(Worker::Print), Language::En) => {
                "The printer needs attention"
            }
            (Fault::WorkerFailed(_), Language::Zh) => "系统正在恢复",
            (Fault::WorkerFailed(_), Language::En) => "The system is recovering",
        }
    }

    /// Whether the fault stops what `screen` is doing (the visit is then discarded and Failsafe shown). A
    /// fault that does not interrupt is still recorded: it interrupts the next screen that needs what failed
    /// (a retake with the camera lost), and when the visit ends the booth shows Failsafe instead of Attract.
    pub(crate) fn interrupts(self, screen: &Screen) -> bool {
        // Needed only at the end (printing) or with a fallback (the keypad instead of the QR scanner).
        let optional = matches!(
            self,
            Fault::PrinterError | Fault::WorkerFailed(Worker::Print | Worker::Qr)
        );
        let saving = matches!(self, Fault::DiskFull | Fault::WorkerFailed(Worker::Storage));
        let processing = matches!(self, Fault::WorkerFailed(Worker::Pipeline));
        match screen {
            // Nobody is in the middle of anything: show the truth at once.
            Screen::Attract { .. } => true,
            // Everything from the camera to the store still lies ahead.
            Screen::Consent | Screen::Identify(_) | Screen::Pose(_) | Screen::Countdown { .. } => {
                !optional
            }
            Screen::Processing {
                stage: ProcessingStage::Capturing,
                ..
            } => !optional,
            // The still is taken: only processing and saving matter now.
            Screen::Processing {
                stage: ProcessingStage::Analysing,
                ..
            } => processing || saving,
            Screen::Review(_) => saving,
            // The record is saved (Done), staff are at the booth (Maintenance, StaffPin), the booth is already
            // out of service, or already in Failsafe.
            Screen::Done(_)
            | Screen::Maintenance(_)
            | Screen::StaffPin(_)
            | Screen::OutOfService
            | Screen::Failsafe { .. } => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::time::Duration;

    use super::*;
    use crate::core::flow::event::ProcessOutcome;
    use crate::core::flow::screen::{IdentifyState, PoseState, ReviewState, SaveState};

    const ALL: [Fault; 9] = [
        Fault::CameraLost,
        Fault::DiskFull,
        Fault::PrinterError,
        Fault::WorkerFailed(Worker::Camera),
        Fault::WorkerFailed(Worker::Analyzer),
        Fault::WorkerFailed(Worker::Pipeline),
        Fault::WorkerFailed(Worker::Storage),
        Fault::WorkerFailed(Worker::Print),
        Fault::WorkerFailed(Worker::Qr),
    ];

    fn interrupted(screen: &Screen) -> Vec<String> {
        ALL.iter()
            .filter(|fault| fault.interrupts(screen))
            .map(|fault| fault.code())
            .collect()
    }

    #[test]
    fn policy_table() {
        let attract = Screen::Attract {
            slide: 0,
            next_slide_at: Duration::ZERO,
        };
        assert_eq!(interrupted(&attract).len(), ALL.len());
        let pose = Screen::Pose(PoseState::new(Duration::ZERO, None));
        assert_eq!(
            interrupted(&pose),
            [
                "camera_lost",
                "disk_full",
                "worker_failed:camera",
                "worker_failed:analyzer",
                "worker_failed:pipeline",
                "worker_failed:storage"
            ]
        );
        assert_eq!(
            interrupted(&Screen::Identify(IdentifyState::default())),
            interrupted(&pose)
        );
        let analysing = Screen::Processing {
            started: Duration::ZERO,
            stage: ProcessingStage::Analysing,
        };
        assert_eq!(
            interrupted(&analysing),
            [
                "disk_full",
                "worker_failed:pipeline",
                "worker_failed:storage"
            ]
        );
        let review = Screen::Review(ReviewState {
            outcome: ProcessOutcome::default(),
            retakes_left: 1,
            save: SaveState::Idle,
        });
        assert_eq!(interrupted(&review), ["disk_full", "worker_failed:storage"]);
        let failsafe = Screen::Failsafe {
            causes: BTreeSet::from([Fault::CameraLost]),
        };
        assert!(interrupted(&failsafe).is_empty());
        assert!(interrupted(&Screen::OutOfService).is_empty());
    }

    #[test]
    fn every_fault_has_calm_texts() {
        for fault in ALL {
            assert!(!fault.text(Language::Zh).is_empty() && !fault.text(Language::En).is_empty());
        }
    }
}
