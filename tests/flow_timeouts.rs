//! Booth flow timing: the idle timeout from every screen, work in flight, give-up limits and the idle
//! start screen's repaint schedule.

mod flow_support;

use flow_support::{Booth, STUDENT_NO, ms, passing, red, secs, settings};
use idbooth::config::Language;
use idbooth::core::flow::{
    Effect, Event, Hint, LookupResult, PoseNotice, ProcessingStage, RecordRef, SaveState, Screen,
    StudentKey,
};

/// Puts the booth on each screen that has an idle timeout.
fn reach(booth: &mut Booth, screen: &str) {
    match screen {
        "consent" => {
            booth.send(Event::Start);
        }
        "identify" => {
            booth.reach_identify();
            booth.type_number("2026");
        }
        "identify_found" => {
            booth.reach_identify();
            booth.type_number(STUDENT_NO);
            booth.send(Event::SubmitNumber);
            let session = booth.session();
            booth.send(Event::StudentLookup {
                session,
                key: StudentKey::StudentNo(STUDENT_NO.into()),
                result: LookupResult::Found {
                    name: "李四".into(),
                },
            });
        }
        "pose" => booth.reach_pose(),
        "review" => booth.reach_review(passing()),
        "review_save_failed" => {
            booth.reach_review(passing());
            booth.send(Event::Accept);
            let session = booth.session();
            booth.send(Event::SaveFailed {
                session,
                disk_full: false,
            });
        }
        "done" => booth.reach_done(),
        other => panic!("no route to {other}"),
    }
}

#[test]
fn idle_timeout_wipes_the_session_from_every_screen() {
    for name in [
        "consent",
        "identify",
        "identify_found",
        "pose",
        "review",
        "review_save_failed",
        "done",
    ] {
        let mut config = settings();
        // Shorter than done_return, so the Done screen is left by the idle timeout too.
        config.idle_timeout = secs(15);
        let mut booth = Booth::with(config);
        reach(&mut booth, name);
        let session = booth.session();
        booth.send(Event::ToggleLanguage);
        let shown = booth.screen().name();
        booth.wait(secs(14));
        assert_eq!(booth.screen().name(), shown, "{name}: left too early");
        assert!(!booth.discarded(session), "{name}");
        let fx = booth.wait(secs(1));
        assert!(
            fx.contains(&Effect::DiscardSession { session }),
            "{name}: {fx:?}"
        );
        assert!(
            matches!(booth.screen(), Screen::Attract { .. }),
            "{name}: {:?}",
            booth.screen()
        );
        assert!(booth.flow.session().is_none(), "{name}");
        assert_eq!(
            booth.flow.language(),
            Language::Zh,
            "{name}: language not reset"
        );
        // Nothing of the visit is referred to again.
        booth.send(Event::Start);
        assert_ne!(booth.session(), session);
    }
}

#[test]
fn posing_without_touching_is_not_idle_but_walking_away_is() {
    let mut config = settings();
    config.idle_timeout = secs(10);
    config.auto_shutter = false;
    let mut booth = Booth::with(config);
    booth.reach_pose();
    let session = booth.session();
    for _ in 0..300 {
        booth.now += ms(100);
        booth.send(Event::LiveChecks {
            session,
            summary: red(&[Hint::LevelHead]),
        });
    }
    assert!(
        matches!(booth.screen(), Screen::Pose(_)),
        "30 s of posing is not idle"
    );
    for _ in 0..99 {
        booth.now += ms(100);
        let summary = idbooth::core::flow::LiveSummary {
            all_green: false,
            face_present: false,
            hints: vec![Hint::NoFace],
        };
        booth.send(Event::LiveChecks { session, summary });
    }
    assert!(matches!(booth.screen(), Screen::Pose(_)));
    booth.wait(ms(100));
    assert!(matches!(booth.screen(), Screen::Attract { .. }));
    assert!(booth.discarded(session));
}

#[test]
fn work_in_flight_is_not_cut_by_the_idle_timeout() {
    let mut config = settings();
    config.idle_timeout = secs(10);
    let mut booth = Booth::with(config);
    booth.reach_processing();
    booth.wait(secs(15));
    assert!(matches!(
        booth.screen(),
        Screen::Processing {
            stage: ProcessingStage::Analysing,
            ..
        }
    ));
    let session = booth.session();
    booth.send(Event::Processed {
        session,
        outcome: passing(),
    });
    // Review gets its own full idle time.
    booth.wait(secs(9));
    assert!(matches!(booth.screen(), Screen::Review(_)));
    // A save in flight is not cut either.
    booth.send(Event::Accept);
    booth.wait(secs(12));
    let Screen::Review(review) = booth.screen() else {
        panic!("{:?}", booth.screen())
    };
    assert!(matches!(review.save, SaveState::Saving { .. }));
    booth.send(Event::Saved {
        session,
        record: RecordRef(7),
    });
    assert!(matches!(booth.screen(), Screen::Done(_)));
}

#[test]
fn wedged_processing_gives_the_student_another_go() {
    let mut booth = Booth::new();
    booth.reach_processing();
    let session = booth.session();
    booth.wait(secs(19));
    assert!(matches!(booth.screen(), Screen::Processing { .. }));
    let fx = booth.wait(secs(1));
    assert!(fx.contains(&Effect::StartLiveChecks { session }), "{fx:?}");
    let Screen::Pose(pose) = booth.screen() else {
        panic!("{:?}", booth.screen())
    };
    assert_eq!(pose.notice, Some(PoseNotice::ProcessingFailed));
    // The late answer is for a shot that was given up: ignored.
    booth.send(Event::Processed {
        session,
        outcome: passing(),
    });
    assert!(matches!(booth.screen(), Screen::Pose(_)));
}

#[test]
fn failed_still_and_failed_processing_return_to_pose() {
    let mut booth = Booth::new();
    booth.reach_pose();
    booth.send(Event::CaptureButton);
    for _ in 0..3 {
        booth.wait(secs(1));
    }
    let session = booth.session();
    booth.send(Event::StillFailed { session });
    let Screen::Pose(pose) = booth.screen() else {
        panic!("{:?}", booth.screen())
    };
    assert_eq!(pose.notice, Some(PoseNotice::CaptureFailed));
    booth.reach_processing();
    booth.send(Event::ProcessFailed { session });
    let Screen::Pose(pose) = booth.screen() else {
        panic!("{:?}", booth.screen())
    };
    assert_eq!(pose.notice, Some(PoseNotice::ProcessingFailed));
    assert_eq!(
        booth.flow.session().unwrap().retakes_used(),
        0,
        "a technical failure is not a retake"
    );
}

#[test]
fn idle_attract_wakes_only_for_the_slides() {
    let mut booth = Booth::new();
    let start = booth.now;
    assert_eq!(booth.flow.next_deadline(), Some(start + secs(8)));
    let mut effects = Vec::new();
    for _ in 0..10 {
        let at = booth.flow.next_deadline().unwrap();
        booth.now = at;
        effects.extend(booth.send_raw(Event::Tick));
    }
    assert!(
        effects
            .iter()
            .all(|e| matches!(e, Effect::RequestRepaintAt(_))),
        "{effects:?}"
    );
    assert_eq!(effects.len(), 10);
    let Screen::Attract { slide, .. } = booth.screen() else {
        panic!()
    };
    assert_eq!(*slide, 10);
    // A stray tick in between asks for nothing.
    booth.now += ms(10);
    assert_eq!(booth.send_raw(Event::Tick), vec![]);
}

#[test]
fn waiting_for_slow_work_never_eats_the_next_screens_idle_time() {
    let mut config = settings();
    config.idle_timeout = secs(10);
    let mut booth = Booth::with(config);
    // A save that takes longer than the idle timeout: the receipt still shows for its full time.
    booth.reach_review(passing());
    let session = booth.session();
    booth.send(Event::Accept);
    booth.wait(secs(12));
    booth.send(Event::Saved {
        session,
        record: RecordRef(3),
    });
    booth.wait(secs(9));
    assert!(
        matches!(booth.screen(), Screen::Done(_)),
        "{:?}",
        booth.screen()
    );
    booth.send(Event::Cancel);
    // A wedged save gives up (15 s) and the student still has time to press Accept again.
    booth.reach_review(passing());
    let session = booth.session();
    booth.send(Event::Accept);
    booth.wait(secs(15));
    booth.wait(secs(9));
    let Screen::Review(review) = booth.screen() else {
        panic!("{:?}", booth.screen())
    };
    assert_eq!(review.save, SaveState::Failed);
    booth.send(Event::Cancel);
    assert!(booth.discarded(session));
    // A wedged still (20 s) returns to posing with a full idle period.
    booth.reach_processing();
    booth.wait(secs(20));
    booth.wait(secs(9));
    assert!(
        matches!(booth.screen(), Screen::Pose(_)),
        "{:?}",
        booth.screen()
    );
}
