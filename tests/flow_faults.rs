//! Booth flow faults: camera loss, disk full, printer and worker failures, the Failsafe screen and its
//! recovery.

mod flow_support;

use std::collections::BTreeSet;

use flow_support::{Booth, failing, passing, secs};
use idbooth::core::flow::{
    CameraStatus, Effect, Event, Fault, RecordRef, SaveState, Screen, Worker,
};

#[test]
fn camera_lost_during_pose_discards_and_recovers() {
    let mut booth = Booth::new();
    booth.reach_pose();
    let session = booth.session();
    let fx = booth.send(Event::CameraStatus(CameraStatus::Lost));
    assert!(fx.contains(&Effect::StopLiveChecks), "{fx:?}");
    assert!(fx.contains(&Effect::DiscardSession { session }), "{fx:?}");
    assert_eq!(
        booth.screen(),
        &Screen::Failsafe {
            causes: BTreeSet::from([Fault::CameraLost])
        }
    );
    assert!(booth.flow.session().is_none());
    // Nobody can start while it lasts; it never times out.
    booth.send(Event::Start);
    booth.wait(secs(3600));
    assert!(matches!(booth.screen(), Screen::Failsafe { .. }));
    // Late reports of the discarded visit change nothing.
    assert_eq!(booth.send(Event::StillCaptured { session }), vec![]);
    booth.send(Event::CameraStatus(CameraStatus::Live));
    assert!(matches!(booth.screen(), Screen::Attract { .. }));
    booth.send(Event::Start);
    assert_eq!(booth.screen(), &Screen::Consent);
}

#[test]
fn camera_lost_during_countdown_discards() {
    let mut booth = Booth::new();
    booth.reach_pose();
    let session = booth.session();
    booth.send(Event::CaptureButton);
    assert!(matches!(booth.screen(), Screen::Countdown { .. }));
    let fx = booth.send(Event::CameraStatus(CameraStatus::Lost));
    assert!(fx.contains(&Effect::DiscardSession { session }));
    booth.wait(secs(5));
    assert!(
        !booth
            .log
            .iter()
            .any(|e| matches!(e, Effect::CaptureStill { .. })),
        "no shutter after the loss"
    );
}

#[test]
fn camera_lost_after_the_still_lets_the_student_finish() {
    let mut booth = Booth::new();
    booth.reach_review(passing());
    booth.send(Event::CameraStatus(CameraStatus::Lost));
    assert!(matches!(booth.screen(), Screen::Review(_)));
    booth.send(Event::Accept);
    let session = booth.session();
    booth.send(Event::Saved {
        session,
        record: RecordRef(9),
    });
    assert!(matches!(booth.screen(), Screen::Done(_)));
    booth.send(Event::Cancel);
    assert_eq!(
        booth.screen(),
        &Screen::Failsafe {
            causes: BTreeSet::from([Fault::CameraLost])
        }
    );
}

#[test]
fn a_retake_with_the_camera_lost_goes_to_failsafe() {
    let mut booth = Booth::new();
    booth.reach_review(failing());
    let session = booth.session();
    booth.send(Event::CameraStatus(CameraStatus::Lost));
    booth.send(Event::Retake);
    assert!(matches!(booth.screen(), Screen::Failsafe { .. }));
    assert!(booth.discarded(session));
}

#[test]
fn failsafe_tracks_every_cause_and_waits_for_all() {
    let mut booth = Booth::new();
    booth.send(Event::CameraStatus(CameraStatus::Lost));
    booth.send(Event::FaultRaised(Fault::WorkerFailed(Worker::Analyzer)));
    booth.send(Event::FaultRaised(Fault::DiskFull));
    let all = BTreeSet::from([
        Fault::CameraLost,
        Fault::DiskFull,
        Fault::WorkerFailed(Worker::Analyzer),
    ]);
    assert_eq!(booth.screen(), &Screen::Failsafe { causes: all });
    booth.send(Event::CameraStatus(CameraStatus::Live));
    booth.send(Event::FaultCleared(Fault::DiskFull));
    assert_eq!(
        booth.screen(),
        &Screen::Failsafe {
            causes: BTreeSet::from([Fault::WorkerFailed(Worker::Analyzer)])
        }
    );
    booth.send(Event::FaultCleared(Fault::WorkerFailed(Worker::Analyzer)));
    assert!(matches!(booth.screen(), Screen::Attract { .. }));
    assert!(
        Fault::WorkerFailed(Worker::Analyzer)
            .code()
            .contains("analyzer")
    );
}

#[test]
fn disk_full_on_save_goes_to_failsafe_other_save_errors_allow_a_retry() {
    let mut booth = Booth::new();
    booth.reach_review(passing());
    let session = booth.session();
    booth.send(Event::Accept);
    booth.send(Event::SaveFailed {
        session,
        disk_full: false,
    });
    let Screen::Review(review) = booth.screen() else {
        panic!("{:?}", booth.screen())
    };
    assert_eq!(review.save, SaveState::Failed);
    let fx = booth.send(Event::Accept);
    assert!(matches!(fx.first(), Some(Effect::SaveRecord(_))), "{fx:?}");
    let fx = booth.send(Event::SaveFailed {
        session,
        disk_full: true,
    });
    assert!(fx.contains(&Effect::DiscardSession { session }), "{fx:?}");
    assert_eq!(
        booth.screen(),
        &Screen::Failsafe {
            causes: BTreeSet::from([Fault::DiskFull])
        }
    );
    booth.send(Event::FaultCleared(Fault::DiskFull));
    assert!(matches!(booth.screen(), Screen::Attract { .. }));
}

#[test]
fn a_printer_fault_does_not_stop_a_student_mid_visit() {
    let mut booth = Booth::new();
    booth.reach_pose();
    booth.send(Event::FaultRaised(Fault::PrinterError));
    assert!(matches!(booth.screen(), Screen::Pose(_)));
    booth.send(Event::Cancel);
    assert!(matches!(booth.screen(), Screen::Failsafe { .. }));
}
