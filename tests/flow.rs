//! The booth flow driven event by event, as the shell will drive it: the student's path from the start
//! screen to the receipt, review and retakes, printing, language, and how a visit ends.

mod flow_support;

use std::collections::BTreeSet;

use flow_support::{Booth, STUDENT_NO, failing, green, ms, passing, secs, settings};
use idbooth::config::Language;
use idbooth::core::flow::{
    Effect, Event, Fault, LookupResult, PrintJobState, PrintState, ProcessingStage, RecordRef,
    ReviewVerdict, Screen, StudentKey,
};

#[test]
fn happy_path_to_done_and_back() {
    let mut booth = Booth::new();
    assert!(matches!(booth.screen(), Screen::Attract { .. }));
    assert!(booth.flow.session().is_none());

    booth.send(Event::Start);
    assert_eq!(booth.screen(), &Screen::Consent);
    let session = booth.session();

    let fx = booth.send(Event::AcceptConsent);
    assert!(fx.contains(&Effect::StartQrScan { session }), "{fx:?}");
    let consent = booth.flow.session().unwrap().consent().unwrap().clone();
    assert_eq!(consent.version, "2026-09");
    assert_eq!(consent.accepted_at, booth.now);

    booth.type_number(STUDENT_NO);
    let fx = booth.send(Event::SubmitNumber);
    let key = StudentKey::StudentNo(STUDENT_NO.into());
    assert_eq!(
        fx.first(),
        Some(&Effect::LookupStudent {
            session,
            key: key.clone()
        }),
        "{fx:?}"
    );
    booth.send(Event::StudentLookup {
        session,
        key: key.clone(),
        result: LookupResult::Found {
            name: "张三".into(),
        },
    });
    let Screen::Identify(identify) = booth.screen() else {
        panic!("{:?}", booth.screen())
    };
    assert_eq!(identify.lookup.confirmable(), Some((&key, Some("张三"))));

    let fx = booth.send(Event::ConfirmStudent);
    assert!(
        fx.contains(&Effect::StopQrScan) && fx.contains(&Effect::StartLiveChecks { session }),
        "{fx:?}"
    );

    // All live checks green for the configured second: the auto-shutter starts the countdown.
    for step in 0..10 {
        booth.send(Event::LiveChecks {
            session,
            summary: green(),
        });
        assert!(matches!(booth.screen(), Screen::Pose(_)), "step {step}");
        booth.now += ms(100);
    }
    booth.send(Event::LiveChecks {
        session,
        summary: green(),
    });
    assert_eq!(
        booth.screen(),
        &Screen::Countdown {
            remaining_secs: 3,
            next_at: booth.now + secs(1)
        }
    );

    booth.wait(secs(1));
    assert!(matches!(
        booth.screen(),
        Screen::Countdown {
            remaining_secs: 2,
            ..
        }
    ));
    booth.wait(secs(1));
    assert!(matches!(
        booth.screen(),
        Screen::Countdown {
            remaining_secs: 1,
            ..
        }
    ));
    let fx = booth.wait(secs(1));
    assert_eq!(
        &fx[..3],
        &[
            Effect::StopLiveChecks,
            Effect::Flash,
            Effect::CaptureStill { session }
        ],
        "{fx:?}"
    );
    assert!(matches!(
        booth.screen(),
        Screen::Processing {
            stage: ProcessingStage::Capturing,
            ..
        }
    ));

    let fx = booth.send(Event::StillCaptured { session });
    assert_eq!(fx.first(), Some(&Effect::ProcessCapture { session }));
    booth.send(Event::Processed {
        session,
        outcome: passing(),
    });
    let Screen::Review(review) = booth.screen() else {
        panic!("{:?}", booth.screen())
    };
    assert_eq!(review.verdict(), ReviewVerdict::Passed);
    assert_eq!(review.retakes_left, 3);

    let fx = booth.send(Event::Accept);
    let Some(Effect::SaveRecord(request)) = fx.first() else {
        panic!("{fx:?}")
    };
    assert_eq!(request.session, session);
    assert_eq!(request.student.key, key);
    assert_eq!(request.student.name.as_deref(), Some("张三"));
    assert_eq!(request.consent, consent);
    assert!(request.passed);
    assert_eq!(request.failures, Vec::<String>::new());
    assert_eq!(request.warnings, vec!["busy_background".to_string()]);
    assert_eq!(request.retakes_used, 0);

    booth.send(Event::Saved {
        session,
        record: RecordRef(42),
    });
    let Screen::Done(done) = booth.screen() else {
        panic!("{:?}", booth.screen())
    };
    assert_eq!(done.record, RecordRef(42));
    assert_eq!(done.print, PrintState::NotOffered);
    assert!(done.passed);
    assert_eq!(booth.flow.session().unwrap().record(), Some(RecordRef(42)));

    // Done returns by itself after done_return (20 s) and wipes the visit.
    booth.wait(secs(19));
    assert!(matches!(booth.screen(), Screen::Done(_)));
    let fx = booth.wait(secs(1));
    assert!(fx.contains(&Effect::DiscardSession { session }), "{fx:?}");
    assert!(matches!(booth.screen(), Screen::Attract { .. }));
    assert!(booth.flow.session().is_none());
}

#[test]
fn retakes_are_limited_then_staff_decide() {
    let mut booth = Booth::new();
    booth.reach_review(failing());
    for retakes_left in (1..=3).rev() {
        let Screen::Review(review) = booth.screen() else {
            panic!("{:?}", booth.screen())
        };
        assert_eq!(review.retakes_left, retakes_left);
        assert_eq!(review.verdict(), ReviewVerdict::RetakeNeeded);
        assert_eq!(
            review
                .failed_checks()
                .map(|c| c.code.as_str())
                .collect::<Vec<_>>(),
            ["eyes_closed"]
        );
        // A failed photo cannot be accepted while retakes remain.
        assert_eq!(booth.send(Event::Accept), vec![]);
        let session = booth.session();
        let fx = booth.send(Event::Retake);
        assert!(fx.contains(&Effect::StartLiveChecks { session }), "{fx:?}");
        booth.reach_review(failing());
    }
    let Screen::Review(review) = booth.screen() else {
        panic!("{:?}", booth.screen())
    };
    assert_eq!(review.retakes_left, 0);
    assert_eq!(review.verdict(), ReviewVerdict::AskStaff);
    assert!(!review.can_retake());
    assert_eq!(booth.send(Event::Retake), vec![]);
    assert!(matches!(booth.screen(), Screen::Review(_)));
    // Out of retakes the photo goes to staff with its failures.
    let fx = booth.send(Event::Accept);
    let Some(Effect::SaveRecord(request)) = fx.first() else {
        panic!("{fx:?}")
    };
    assert!(!request.passed);
    assert_eq!(request.failures, vec!["eyes_closed".to_string()]);
    assert_eq!(request.retakes_used, 3);
}

#[test]
fn a_passing_photo_can_still_be_retaken() {
    let mut booth = Booth::new();
    booth.reach_review(passing());
    booth.send(Event::Retake);
    assert!(matches!(booth.screen(), Screen::Pose(_)));
    assert_eq!(booth.flow.session().unwrap().retakes_used(), 1);
}

#[test]
fn zero_retakes_allowed() {
    let mut config = settings();
    config.max_retakes = 0;
    let mut booth = Booth::with(config);
    booth.reach_review(failing());
    let Screen::Review(review) = booth.screen() else {
        panic!()
    };
    assert_eq!(review.verdict(), ReviewVerdict::AskStaff);
}

#[test]
fn printing_and_printer_errors() {
    let mut config = settings();
    config.printer_configured = true;
    let mut booth = Booth::with(config);
    booth.reach_done();
    let session = booth.session();
    let fx = booth.send(Event::Print);
    assert_eq!(
        fx.first(),
        Some(&Effect::Print {
            session,
            record: RecordRef(42)
        })
    );
    // A second tap does not print twice.
    assert!(
        !booth
            .send(Event::Print)
            .iter()
            .any(|e| matches!(e, Effect::Print { .. }))
    );
    booth.send(Event::PrintStatus {
        session,
        state: PrintJobState::Printing,
    });
    booth.wait(secs(15));
    booth.send(Event::PrintStatus {
        session,
        state: PrintJobState::Failed,
    });
    let Screen::Done(done) = booth.screen() else {
        panic!("{:?}", booth.screen())
    };
    assert_eq!(done.print, PrintState::Failed);
    assert_eq!(
        done.until,
        booth.now + secs(20),
        "the student sees the print result"
    );
    // The receipt stays; the printer fault shows once the visit is over.
    booth.wait(secs(20));
    assert_eq!(
        booth.screen(),
        &Screen::Failsafe {
            causes: BTreeSet::from([Fault::PrinterError])
        }
    );
    // A later successful job (staff reprint) proves the printer works again.
    booth.send(Event::PrintStatus {
        session,
        state: PrintJobState::Printed,
    });
    assert!(matches!(booth.screen(), Screen::Attract { .. }));
}

#[test]
fn language_toggle_keeps_the_screen() {
    let mut booth = Booth::new();
    let check = |booth: &mut Booth| {
        let before = booth.screen().clone();
        let language = booth.flow.language();
        let fx = booth.send(Event::ToggleLanguage);
        assert_eq!(booth.screen(), &before);
        assert_ne!(booth.flow.language(), language);
        assert!(fx.is_empty(), "{fx:?}");
    };
    check(&mut booth);
    check(&mut booth);
    check(&mut booth);
    assert_eq!(booth.flow.language(), Language::En);
    booth.send(Event::Start);
    assert_eq!(
        booth.flow.language(),
        Language::En,
        "the choice carries into the visit"
    );
    check(&mut booth);
    booth.send(Event::AcceptConsent);
    booth.type_number("12");
    check(&mut booth);
    booth.send(Event::Cancel);
    booth.reach_review(failing());
    check(&mut booth);
    booth.send(Event::Cancel);
    assert_eq!(
        booth.flow.language(),
        Language::Zh,
        "the next student starts in the default"
    );
    // On the start screen, a switched language falls back after the idle timeout.
    booth.send(Event::ToggleLanguage);
    booth.wait(secs(90));
    assert_eq!(booth.flow.language(), Language::Zh);
}

#[test]
fn stale_reports_never_touch_the_next_visit() {
    let mut booth = Booth::new();
    booth.reach_review(passing());
    let old = booth.session();
    booth.send(Event::Accept);
    booth.send(Event::Cancel); // ignored while saving
    assert!(matches!(booth.screen(), Screen::Review(_)));
    booth.send(Event::Saved {
        session: old,
        record: RecordRef(1),
    });
    booth.send(Event::Cancel);
    assert!(booth.discarded(old));
    booth.reach_processing();
    let new = booth.session();
    assert_ne!(old, new);
    for event in [
        Event::Processed {
            session: old,
            outcome: passing(),
        },
        Event::ProcessFailed { session: old },
        Event::StillFailed { session: old },
        Event::Saved {
            session: old,
            record: RecordRef(2),
        },
        Event::SaveFailed {
            session: old,
            disk_full: false,
        },
        Event::LiveChecks {
            session: old,
            summary: green(),
        },
        Event::QrDecoded {
            session: old,
            text: "20269999".into(),
        },
    ] {
        let fx = booth.send(event.clone());
        assert!(
            fx.iter().all(|e| e.session().is_none_or(|s| s == new)),
            "{event:?}: {fx:?}"
        );
        assert!(
            matches!(
                booth.screen(),
                Screen::Processing {
                    stage: ProcessingStage::Analysing,
                    ..
                }
            ),
            "{event:?}"
        );
    }
}

#[test]
fn decline_and_cancel_end_the_visit_cleanly() {
    let mut booth = Booth::new();
    booth.send(Event::Start);
    let session = booth.session();
    booth.send(Event::Decline);
    assert!(matches!(booth.screen(), Screen::Attract { .. }));
    assert!(booth.discarded(session));
    booth.reach_pose();
    let session = booth.session();
    let fx = booth.send(Event::Cancel);
    assert_eq!(
        fx[..2],
        [Effect::StopLiveChecks, Effect::DiscardSession { session }],
        "{fx:?}"
    );
    booth.reach_identify();
    let session = booth.session();
    let fx = booth.send(Event::Cancel);
    assert_eq!(
        fx[..2],
        [Effect::StopQrScan, Effect::DiscardSession { session }],
        "{fx:?}"
    );
    assert!(booth.flow.session().is_none());
}

#[test]
fn time_going_backwards_is_harmless() {
    let mut booth = Booth::new();
    booth.reach_pose();
    booth.send(Event::CaptureButton);
    booth.now -= secs(500);
    booth.send(Event::Tick);
    assert!(matches!(
        booth.screen(),
        Screen::Countdown {
            remaining_secs: 3,
            ..
        }
    ));
    booth.now += secs(503);
    booth.send(Event::Tick);
    assert!(matches!(booth.screen(), Screen::Processing { .. }));
}
