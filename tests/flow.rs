//! The booth flow driven event by event, as the shell will drive it: the student's path, its limits and
//! every way a visit can end.

mod flow_support;

use std::collections::BTreeSet;

use flow_support::{Booth, STUDENT_NO, failing, green, ms, passing, red, secs, settings};
use idbooth::config::Language;
use idbooth::core::flow::{
    CameraStatus, Effect, Event, Fault, Hint, InputError, LookupResult, Lookup, PinOutcome, PinState, Pin,
    PoseNotice, PrintJobState, PrintState, ProcessingStage, RecordRef, ReviewVerdict, SaveState, Screen,
    StudentKey, Worker,
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
    assert_eq!(fx.first(), Some(&Effect::LookupStudent { session, key: key.clone() }), "{fx:?}");
    booth.send(Event::StudentLookup {
        session,
        key: key.clone(),
        result: LookupResult::Found { name: "张三".into() },
    });
    let Screen::Identify(identify) = booth.screen() else { panic!("{:?}", booth.screen()) };
    assert_eq!(identify.lookup.confirmable(), Some((&key, Some("张三"))));

    let fx = booth.send(Event::ConfirmStudent);
    assert!(fx.contains(&Effect::StopQrScan) && fx.contains(&Effect::StartLiveChecks { session }), "{fx:?}");

    // All live checks green for the configured second: the auto-shutter starts the countdown.
    for step in 0..10 {
        booth.send(Event::LiveChecks { session, summary: green() });
        assert!(matches!(booth.screen(), Screen::Pose(_)), "step {step}");
        booth.now += ms(100);
    }
    booth.send(Event::LiveChecks { session, summary: green() });
    assert_eq!(booth.screen(), &Screen::Countdown { remaining_secs: 3, next_at: booth.now + secs(1) });

    booth.wait(secs(1));
    assert!(matches!(booth.screen(), Screen::Countdown { remaining_secs: 2, .. }));
    booth.wait(secs(1));
    assert!(matches!(booth.screen(), Screen::Countdown { remaining_secs: 1, .. }));
    let fx = booth.wait(secs(1));
    assert_eq!(&fx[..3], &[Effect::StopLiveChecks, Effect::Flash, Effect::CaptureStill { session }], "{fx:?}");
    assert!(matches!(booth.screen(), Screen::Processing { stage: ProcessingStage::Capturing, .. }));

    let fx = booth.send(Event::StillCaptured { session });
    assert_eq!(fx.first(), Some(&Effect::ProcessCapture { session }));
    booth.send(Event::Processed { session, outcome: passing() });
    let Screen::Review(review) = booth.screen() else { panic!("{:?}", booth.screen()) };
    assert_eq!(review.verdict(), ReviewVerdict::Passed);
    assert_eq!(review.retakes_left, 3);

    let fx = booth.send(Event::Accept);
    let Some(Effect::SaveRecord(request)) = fx.first() else { panic!("{fx:?}") };
    assert_eq!(request.session, session);
    assert_eq!(request.student.key, key);
    assert_eq!(request.student.name.as_deref(), Some("张三"));
    assert_eq!(request.consent, consent);
    assert!(request.passed);
    assert_eq!(request.failures, Vec::<String>::new());
    assert_eq!(request.warnings, vec!["busy_background".to_string()]);
    assert_eq!(request.retakes_used, 0);

    booth.send(Event::Saved { session, record: RecordRef(42) });
    let Screen::Done(done) = booth.screen() else { panic!("{:?}", booth.screen()) };
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
    booth.to_review(failing());
    for retakes_left in (1..=3).rev() {
        let Screen::Review(review) = booth.screen() else { panic!("{:?}", booth.screen()) };
        assert_eq!(review.retakes_left, retakes_left);
        assert_eq!(review.verdict(), ReviewVerdict::RetakeNeeded);
        assert_eq!(review.failed_checks().map(|c| c.code.as_str()).collect::<Vec<_>>(), ["eyes_closed"]);
        // A failed photo cannot be accepted while retakes remain.
        assert_eq!(booth.send(Event::Accept), vec![]);
        let session = booth.session();
        let fx = booth.send(Event::Retake);
        assert!(fx.contains(&Effect::StartLiveChecks { session }), "{fx:?}");
        booth.to_review(failing());
    }
    let Screen::Review(review) = booth.screen() else { panic!("{:?}", booth.screen()) };
    assert_eq!(review.retakes_left, 0);
    assert_eq!(review.verdict(), ReviewVerdict::AskStaff);
    assert!(!review.can_retake());
    assert_eq!(booth.send(Event::Retake), vec![]);
    assert!(matches!(booth.screen(), Screen::Review(_)));
    // Out of retakes the photo goes to staff with its failures.
    let fx = booth.send(Event::Accept);
    let Some(Effect::SaveRecord(request)) = fx.first() else { panic!("{fx:?}") };
    assert!(!request.passed);
    assert_eq!(request.failures, vec!["eyes_closed".to_string()]);
    assert_eq!(request.retakes_used, 3);
}

#[test]
fn a_passing_photo_can_still_be_retaken() {
    let mut booth = Booth::new();
    booth.to_review(passing());
    booth.send(Event::Retake);
    assert!(matches!(booth.screen(), Screen::Pose(_)));
    assert_eq!(booth.flow.session().unwrap().retakes_used(), 1);
}

#[test]
fn zero_retakes_allowed() {
    let mut config = settings();
    config.max_retakes = 0;
    let mut booth = Booth::with(config);
    booth.to_review(failing());
    let Screen::Review(review) = booth.screen() else { panic!() };
    assert_eq!(review.verdict(), ReviewVerdict::AskStaff);
}

/// Puts the booth on each screen that has an idle timeout.
fn reach(booth: &mut Booth, screen: &str) {
    match screen {
        "consent" => {
            booth.send(Event::Start);
        }
        "identify" => {
            booth.to_identify();
            booth.type_number("2026");
        }
        "identify_found" => {
            booth.to_identify();
            booth.type_number(STUDENT_NO);
            booth.send(Event::SubmitNumber);
            let session = booth.session();
            booth.send(Event::StudentLookup {
                session,
                key: StudentKey::StudentNo(STUDENT_NO.into()),
                result: LookupResult::Found { name: "李四".into() },
            });
        }
        "pose" => booth.to_pose(),
        "review" => booth.to_review(passing()),
        "review_save_failed" => {
            booth.to_review(passing());
            booth.send(Event::Accept);
            let session = booth.session();
            booth.send(Event::SaveFailed { session, disk_full: false });
        }
        "done" => booth.to_done(),
        other => panic!("no route to {other}"),
    }
}

#[test]
fn idle_timeout_wipes_the_session_from_every_screen() {
    for name in ["consent", "identify", "identify_found", "pose", "review", "review_save_failed", "done"] {
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
        assert!(fx.contains(&Effect::DiscardSession { session }), "{name}: {fx:?}");
        assert!(matches!(booth.screen(), Screen::Attract { .. }), "{name}: {:?}", booth.screen());
        assert!(booth.flow.session().is_none(), "{name}");
        assert_eq!(booth.flow.language(), Language::Zh, "{name}: language not reset");
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
    booth.to_pose();
    let session = booth.session();
    for _ in 0..300 {
        booth.now += ms(100);
        booth.send(Event::LiveChecks { session, summary: red(&[Hint::LevelHead]) });
    }
    assert!(matches!(booth.screen(), Screen::Pose(_)), "30 s of posing is not idle");
    for _ in 0..99 {
        booth.now += ms(100);
        let summary = idbooth::core::flow::LiveSummary { all_green: false, face_present: false, hints: vec![Hint::NoFace] };
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
    booth.to_processing();
    booth.wait(secs(15));
    assert!(matches!(booth.screen(), Screen::Processing { stage: ProcessingStage::Analysing, .. }));
    let session = booth.session();
    booth.send(Event::Processed { session, outcome: passing() });
    // Review gets its own full idle time.
    booth.wait(secs(9));
    assert!(matches!(booth.screen(), Screen::Review(_)));
    // A save in flight is not cut either.
    booth.send(Event::Accept);
    booth.wait(secs(12));
    let Screen::Review(review) = booth.screen() else { panic!("{:?}", booth.screen()) };
    assert!(matches!(review.save, SaveState::Saving { .. }));
    booth.send(Event::Saved { session, record: RecordRef(7) });
    assert!(matches!(booth.screen(), Screen::Done(_)));
}

#[test]
fn wedged_processing_gives_the_student_another_go() {
    let mut booth = Booth::new();
    booth.to_processing();
    let session = booth.session();
    booth.wait(secs(19));
    assert!(matches!(booth.screen(), Screen::Processing { .. }));
    let fx = booth.wait(secs(1));
    assert!(fx.contains(&Effect::StartLiveChecks { session }), "{fx:?}");
    let Screen::Pose(pose) = booth.screen() else { panic!("{:?}", booth.screen()) };
    assert_eq!(pose.notice, Some(PoseNotice::ProcessingFailed));
    // The late answer is for a shot that was given up: ignored.
    booth.send(Event::Processed { session, outcome: passing() });
    assert!(matches!(booth.screen(), Screen::Pose(_)));
}

#[test]
fn failed_still_and_failed_processing_return_to_pose() {
    let mut booth = Booth::new();
    booth.to_pose();
    booth.send(Event::CaptureButton);
    for _ in 0..3 {
        booth.wait(secs(1));
    }
    let session = booth.session();
    booth.send(Event::StillFailed { session });
    let Screen::Pose(pose) = booth.screen() else { panic!("{:?}", booth.screen()) };
    assert_eq!(pose.notice, Some(PoseNotice::CaptureFailed));
    booth.to_processing();
    booth.send(Event::ProcessFailed { session });
    let Screen::Pose(pose) = booth.screen() else { panic!("{:?}", booth.screen()) };
    assert_eq!(pose.notice, Some(PoseNotice::ProcessingFailed));
    assert_eq!(booth.flow.session().unwrap().retakes_used(), 0, "a technical failure is not a retake");
}

#[test]
fn camera_lost_during_pose_discards_and_recovers() {
    let mut booth = Booth::new();
    booth.to_pose();
    let session = booth.session();
    let fx = booth.send(Event::CameraStatus(CameraStatus::Lost));
    assert!(fx.contains(&Effect::StopLiveChecks), "{fx:?}");
    assert!(fx.contains(&Effect::DiscardSession { session }), "{fx:?}");
    assert_eq!(booth.screen(), &Screen::Failsafe { causes: BTreeSet::from([Fault::CameraLost]) });
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
    booth.to_pose();
    let session = booth.session();
    booth.send(Event::CaptureButton);
    assert!(matches!(booth.screen(), Screen::Countdown { .. }));
    let fx = booth.send(Event::CameraStatus(CameraStatus::Lost));
    assert!(fx.contains(&Effect::DiscardSession { session }));
    booth.wait(secs(5));
    assert!(!booth.log.iter().any(|e| matches!(e, Effect::CaptureStill { .. })), "no shutter after the loss");
}

#[test]
fn camera_lost_after_the_still_lets_the_student_finish() {
    let mut booth = Booth::new();
    booth.to_review(passing());
    booth.send(Event::CameraStatus(CameraStatus::Lost));
    assert!(matches!(booth.screen(), Screen::Review(_)));
    booth.send(Event::Accept);
    let session = booth.session();
    booth.send(Event::Saved { session, record: RecordRef(9) });
    assert!(matches!(booth.screen(), Screen::Done(_)));
    booth.send(Event::Cancel);
    assert_eq!(booth.screen(), &Screen::Failsafe { causes: BTreeSet::from([Fault::CameraLost]) });
}

#[test]
fn a_retake_with_the_camera_lost_goes_to_failsafe() {
    let mut booth = Booth::new();
    booth.to_review(failing());
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
    let all = BTreeSet::from([Fault::CameraLost, Fault::DiskFull, Fault::WorkerFailed(Worker::Analyzer)]);
    assert_eq!(booth.screen(), &Screen::Failsafe { causes: all });
    booth.send(Event::CameraStatus(CameraStatus::Live));
    booth.send(Event::FaultCleared(Fault::DiskFull));
    assert_eq!(
        booth.screen(),
        &Screen::Failsafe { causes: BTreeSet::from([Fault::WorkerFailed(Worker::Analyzer)]) }
    );
    booth.send(Event::FaultCleared(Fault::WorkerFailed(Worker::Analyzer)));
    assert!(matches!(booth.screen(), Screen::Attract { .. }));
    assert!(Fault::WorkerFailed(Worker::Analyzer).code().contains("analyzer"));
}

#[test]
fn disk_full_on_save_goes_to_failsafe_other_save_errors_allow_a_retry() {
    let mut booth = Booth::new();
    booth.to_review(passing());
    let session = booth.session();
    booth.send(Event::Accept);
    booth.send(Event::SaveFailed { session, disk_full: false });
    let Screen::Review(review) = booth.screen() else { panic!("{:?}", booth.screen()) };
    assert_eq!(review.save, SaveState::Failed);
    let fx = booth.send(Event::Accept);
    assert!(matches!(fx.first(), Some(Effect::SaveRecord(_))), "{fx:?}");
    let fx = booth.send(Event::SaveFailed { session, disk_full: true });
    assert!(fx.contains(&Effect::DiscardSession { session }), "{fx:?}");
    assert_eq!(booth.screen(), &Screen::Failsafe { causes: BTreeSet::from([Fault::DiskFull]) });
    booth.send(Event::FaultCleared(Fault::DiskFull));
    assert!(matches!(booth.screen(), Screen::Attract { .. }));
}

#[test]
fn printing_and_printer_errors() {
    let mut config = settings();
    config.printer_configured = true;
    let mut booth = Booth::with(config);
    booth.to_done();
    let session = booth.session();
    let fx = booth.send(Event::Print);
    assert_eq!(fx.first(), Some(&Effect::Print { session, record: RecordRef(42) }));
    // A second tap does not print twice.
    assert!(!booth.send(Event::Print).iter().any(|e| matches!(e, Effect::Print { .. })));
    booth.send(Event::PrintStatus { session, state: PrintJobState::Printing });
    booth.wait(secs(15));
    booth.send(Event::PrintStatus { session, state: PrintJobState::Failed });
    let Screen::Done(done) = booth.screen() else { panic!("{:?}", booth.screen()) };
    assert_eq!(done.print, PrintState::Failed);
    assert_eq!(done.until, booth.now + secs(20), "the student sees the print result");
    // The receipt stays; the printer fault shows once the visit is over.
    booth.wait(secs(20));
    assert_eq!(booth.screen(), &Screen::Failsafe { causes: BTreeSet::from([Fault::PrinterError]) });
    // A later successful job (staff reprint) proves the printer works again.
    booth.send(Event::PrintStatus { session, state: PrintJobState::Printed });
    assert!(matches!(booth.screen(), Screen::Attract { .. }));
}

#[test]
fn a_printer_fault_does_not_stop_a_student_mid_visit() {
    let mut booth = Booth::new();
    booth.to_pose();
    booth.send(Event::FaultRaised(Fault::PrinterError));
    assert!(matches!(booth.screen(), Screen::Pose(_)));
    booth.send(Event::Cancel);
    assert!(matches!(booth.screen(), Screen::Failsafe { .. }));
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
    assert_eq!(booth.flow.language(), Language::En, "the choice carries into the visit");
    check(&mut booth);
    booth.send(Event::AcceptConsent);
    booth.type_number("12");
    check(&mut booth);
    booth.send(Event::Cancel);
    booth.to_review(failing());
    check(&mut booth);
    booth.send(Event::Cancel);
    assert_eq!(booth.flow.language(), Language::Zh, "the next student starts in the default");
    // On the start screen, a switched language falls back after the idle timeout.
    booth.send(Event::ToggleLanguage);
    booth.wait(secs(90));
    assert_eq!(booth.flow.language(), Language::Zh);
}

#[test]
fn hints_are_debounced_on_the_pose_screen() {
    let mut config = settings();
    config.auto_shutter = false;
    let mut booth = Booth::with(config);
    booth.to_pose();
    let session = booth.session();
    let hint = |booth: &Booth| match booth.screen() {
        Screen::Pose(pose) => pose.hint(),
        other => panic!("{other:?}"),
    };
    // A hint that flickers every other frame never shows.
    for frame in 0..20 {
        let hints: &[Hint] = if frame % 2 == 0 { &[Hint::OpenEyes] } else { &[] };
        booth.send(Event::LiveChecks { session, summary: red(hints) });
        assert_eq!(hint(&booth), None, "frame {frame}");
        booth.now += ms(100);
    }
    // A steady one shows after hint_hold (500 ms) and only then.
    let mut shown_at = None;
    for frame in 0..10 {
        booth.send(Event::LiveChecks { session, summary: red(&[Hint::MoveCloser]) });
        if shown_at.is_none() && hint(&booth).is_some() {
            shown_at = Some(frame);
        }
        booth.now += ms(100);
    }
    assert_eq!(shown_at, Some(5));
    assert_eq!(hint(&booth), Some(Hint::MoveCloser));
}

#[test]
fn auto_shutter_needs_an_unbroken_green_hold() {
    let mut booth = Booth::new();
    booth.to_pose();
    let session = booth.session();
    for _ in 0..9 {
        booth.send(Event::LiveChecks { session, summary: green() });
        booth.now += ms(100);
    }
    // One red result at 0.9 s resets the hold.
    booth.send(Event::LiveChecks { session, summary: red(&[Hint::LevelHead]) });
    booth.now += ms(100);
    for step in 0..10 {
        booth.send(Event::LiveChecks { session, summary: green() });
        let Screen::Pose(pose) = booth.screen() else { panic!("step {step}: {:?}", booth.screen()) };
        let progress = pose.shutter_progress(booth.now, secs(1));
        assert!((progress - step as f32 / 10.0).abs() < 1e-3, "step {step}: {progress}");
        booth.now += ms(100);
    }
    booth.send(Event::LiveChecks { session, summary: green() });
    assert!(matches!(booth.screen(), Screen::Countdown { .. }));
    // Cancel during the countdown goes back to posing, with a fresh hold.
    booth.send(Event::Cancel);
    let Screen::Pose(pose) = booth.screen() else { panic!("{:?}", booth.screen()) };
    assert_eq!(pose.green_since, None);
}

#[test]
fn no_auto_shutter_when_disabled_but_the_button_works() {
    let mut config = settings();
    config.auto_shutter = false;
    config.countdown_secs = 0;
    let mut booth = Booth::with(config);
    booth.to_pose();
    let session = booth.session();
    for _ in 0..50 {
        booth.send(Event::LiveChecks { session, summary: green() });
        booth.now += ms(100);
    }
    assert!(matches!(booth.screen(), Screen::Pose(_)));
    let fx = booth.send(Event::CaptureButton);
    assert!(fx.contains(&Effect::CaptureStill { session }), "no countdown when countdown_secs = 0: {fx:?}");
}

#[test]
fn student_number_input_refuses_hostile_keys() {
    let mut config = settings();
    config.student_no.digits_only = true;
    config.student_no.max_len = 10;
    let mut booth = Booth::with(config);
    booth.to_identify();
    let identify = |booth: &Booth| match booth.screen() {
        Screen::Identify(state) => state.clone(),
        other => panic!("{other:?}"),
    };
    for (key, problem) in [
        ('a', InputError::NotDigit),
        ('１', InputError::NotDigit),
        ('\u{0}', InputError::ControlChar),
        ('\u{8}', InputError::ControlChar),
        ('\r', InputError::ControlChar),
    ] {
        booth.send(Event::KeypadDigit(key));
        assert_eq!(identify(&booth).typed, "", "{key:?}");
        assert_eq!(identify(&booth).problem, Some(problem), "{key:?}");
    }
    booth.type_number("12345");
    assert_eq!(identify(&booth).problem, None);
    // Too short: explained, not looked up.
    let fx = booth.send(Event::SubmitNumber);
    assert!(!fx.iter().any(|e| matches!(e, Effect::LookupStudent { .. })), "{fx:?}");
    assert_eq!(identify(&booth).problem, Some(InputError::TooShort { min: 6 }));
    booth.type_number("67890");
    booth.send(Event::KeypadDigit('1'));
    assert_eq!(identify(&booth).typed, "1234567890");
    assert_eq!(identify(&booth).problem, Some(InputError::TooLong { max: 10 }));
    booth.send(Event::KeypadBackspace);
    assert_eq!(identify(&booth).typed, "123456789");
    assert_eq!(identify(&booth).problem, None);
    // Cannot go on without a looked-up number.
    booth.send(Event::ConfirmStudent);
    assert!(matches!(booth.screen(), Screen::Identify(_)));
    // Backspace on an empty field is harmless.
    for _ in 0..20 {
        booth.send(Event::KeypadBackspace);
    }
    assert_eq!(identify(&booth).typed, "");
    assert_eq!(booth.send(Event::SubmitNumber).len(), 0);
    assert_eq!(identify(&booth).problem, Some(InputError::Empty));
}

#[test]
fn letters_allowed_when_the_format_says_so() {
    let mut config = settings();
    config.student_no.digits_only = false;
    let mut booth = Booth::with(config);
    booth.to_identify();
    booth.type_number("s2026x01");
    booth.send(Event::KeypadDigit('-'));
    let Screen::Identify(state) = booth.screen() else { panic!() };
    assert_eq!(state.typed, "S2026X01");
    assert_eq!(state.problem, Some(InputError::NotAlphanumeric));
}

#[test]
fn roster_answers_ineligible_unknown_and_stale() {
    let mut booth = Booth::new();
    booth.to_identify();
    let session = booth.session();
    booth.type_number("20260001");
    booth.send(Event::SubmitNumber);
    let first = StudentKey::StudentNo("20260001".into());
    // Double tap: one lookup only.
    assert!(booth.send(Event::SubmitNumber).iter().all(|e| !matches!(e, Effect::LookupStudent { .. })));
    booth.send(Event::StudentLookup { session, key: first.clone(), result: LookupResult::Ineligible { name: "王五".into() } });
    let Screen::Identify(state) = booth.screen() else { panic!() };
    assert_eq!(state.lookup, Lookup::Ineligible { key: first.clone(), name: "王五".into() });
    booth.send(Event::ConfirmStudent);
    assert!(matches!(booth.screen(), Screen::Identify(_)), "an ineligible student cannot continue");

    // Correcting the number: the old answer no longer applies.
    booth.send(Event::KeypadBackspace);
    booth.send(Event::KeypadDigit('2'));
    booth.send(Event::SubmitNumber);
    let second = StudentKey::StudentNo("20260002".into());
    booth.send(Event::StudentLookup { session, key: first.clone(), result: LookupResult::Found { name: "王五".into() } });
    let Screen::Identify(state) = booth.screen() else { panic!() };
    assert_eq!(state.lookup, Lookup::Pending(second.clone()), "a late answer for the old number is ignored");
    booth.send(Event::StudentLookup { session, key: second.clone(), result: LookupResult::NotFound });
    booth.send(Event::ConfirmStudent);
    assert!(matches!(booth.screen(), Screen::Identify(_)), "unknown numbers are explained, not accepted");

    // A roster read error: continue as without a roster, staff complete the record.
    booth.send(Event::KeypadBackspace);
    booth.send(Event::KeypadDigit('3'));
    booth.send(Event::SubmitNumber);
    let third = StudentKey::StudentNo("20260003".into());
    booth.send(Event::StudentLookup { session, key: third.clone(), result: LookupResult::Failed });
    booth.send(Event::ConfirmStudent);
    assert!(matches!(booth.screen(), Screen::Pose(_)));
    let student = booth.flow.session().unwrap().student().unwrap().clone();
    assert_eq!(student.key, third);
    assert_eq!(student.name, None);
}

#[test]
fn qr_code_path() {
    let mut booth = Booth::new();
    booth.to_identify();
    let session = booth.session();
    // Some other QR code (a poster's URL with spaces, or too short) is explained.
    booth.send(Event::QrDecoded { session, text: "see you".into() });
    let Screen::Identify(state) = booth.screen() else { panic!() };
    assert_eq!(state.problem, Some(InputError::QrNotACode));

    let code = "CHSI:v2:Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==";
    let fx = booth.send(Event::QrDecoded { session, text: code.into() });
    let key = StudentKey::ChsiCode(code.into());
    assert_eq!(fx.first(), Some(&Effect::LookupStudent { session, key: key.clone() }), "{fx:?}");
    // The scanner reports it again on every frame: asked once only.
    for _ in 0..10 {
        let fx = booth.send(Event::QrDecoded { session, text: code.into() });
        assert!(!fx.iter().any(|e| matches!(e, Effect::LookupStudent { .. })), "{fx:?}");
    }
    booth.send(Event::StudentLookup { session, key: key.clone(), result: LookupResult::NoRoster });
    booth.send(Event::ConfirmStudent);
    assert!(matches!(booth.screen(), Screen::Pose(_)));
    // QR codes after identification are ignored.
    booth.send(Event::QrDecoded { session, text: "CHSI:other-code-123".into() });
    assert!(matches!(booth.screen(), Screen::Pose(_)));

    booth.to_review(passing());
    let fx = booth.send(Event::Accept);
    let Some(Effect::SaveRecord(request)) = fx.first() else { panic!("{fx:?}") };
    assert_eq!(request.student.key, key);
    assert_eq!(request.student.name, None, "without a roster staff complete the name");
}

#[test]
fn a_qr_code_holding_a_student_number_fills_the_keypad() {
    let mut booth = Booth::new();
    booth.to_identify();
    let session = booth.session();
    booth.type_number("99");
    booth.send(Event::QrDecoded { session, text: format!(" {STUDENT_NO}\n") });
    let Screen::Identify(state) = booth.screen() else { panic!() };
    assert_eq!(state.typed, STUDENT_NO);
    assert_eq!(state.lookup, Lookup::Pending(StudentKey::StudentNo(STUDENT_NO.into())));
}

#[test]
fn staff_entry_with_pin_and_lockout() {
    let mut booth = Booth::new();
    // A short press does nothing.
    booth.send(Event::CornerPress);
    booth.now += secs(2);
    booth.send(Event::CornerRelease);
    booth.wait(secs(5));
    assert!(matches!(booth.screen(), Screen::Attract { .. }));
    // A long press opens the PIN screen by itself after corner_hold.
    booth.send(Event::CornerPress);
    let fx = booth.wait(ms(2999));
    assert!(matches!(booth.screen(), Screen::Attract { .. }), "{fx:?}");
    booth.wait(ms(1));
    assert_eq!(booth.screen(), &Screen::StaffPin(PinState::Entering));

    // A malformed PIN never reaches the store.
    let fx = booth.send(Event::PinEntered(Pin::new("12")));
    assert!(!fx.iter().any(|e| matches!(e, Effect::VerifyPin(_))));
    assert_eq!(booth.screen(), &Screen::StaffPin(PinState::Malformed));

    let fx = booth.send(Event::PinEntered(Pin::new("0000")));
    assert_eq!(fx.first(), Some(&Effect::VerifyPin(Pin::new("0000"))));
    assert!(!format!("{fx:?}").contains("0000"), "PINs never reach a log: {fx:?}");
    // While the store checks, further PINs are not sent.
    assert!(booth.send(Event::PinEntered(Pin::new("1111"))).iter().all(|e| !matches!(e, Effect::VerifyPin(_))));
    booth.send(Event::PinResult(PinOutcome::Wrong { attempts_left: 1 }));
    assert_eq!(booth.screen(), &Screen::StaffPin(PinState::Wrong { attempts_left: 1 }));

    booth.send(Event::PinEntered(Pin::new("2222")));
    booth.send(Event::PinResult(PinOutcome::LockedOut { retry_after: secs(300) }));
    let until = booth.now + secs(300);
    assert_eq!(booth.screen(), &Screen::StaffPin(PinState::LockedOut { until }));
    assert!(booth.send(Event::PinEntered(Pin::new("1234"))).iter().all(|e| !matches!(e, Effect::VerifyPin(_))));
    // The PIN screen itself times out (idle 90 s) well before the lockout ends.
    booth.wait(secs(90));
    assert!(matches!(booth.screen(), Screen::Attract { .. }));

    // Back again after the lockout: the right PIN opens maintenance.
    booth.send(Event::CornerPress);
    booth.wait(secs(3));
    booth.send(Event::CornerRelease);
    booth.send(Event::PinEntered(Pin::new("123456")));
    booth.send(Event::PinResult(PinOutcome::Accepted { staff: "admin".into() }));
    let Screen::Maintenance(state) = booth.screen() else { panic!("{:?}", booth.screen()) };
    assert_eq!(state.staff, "admin");
    booth.send(Event::MaintenancePage(idbooth::core::flow::MaintenancePage::Camera));
    let fx = booth.send(Event::SelectProfile("chsi".into()));
    assert_eq!(fx.first(), Some(&Effect::SelectProfile("chsi".into())));
    assert!(booth.send(Event::SelectProfile("bad\u{0}name".into())).iter().all(|e| !matches!(e, Effect::SelectProfile(_))));
    let fx = booth.send(Event::SetOutOfService(true));
    assert_eq!(fx.first(), Some(&Effect::SetOutOfService(true)));
    booth.send(Event::Cancel);
    assert_eq!(booth.screen(), &Screen::OutOfService);
    booth.send(Event::Start);
    assert_eq!(booth.screen(), &Screen::OutOfService, "no visits while out of service");
    assert!(booth.flow.session().is_none());
}

#[test]
fn lockout_ends_by_itself() {
    let mut config = settings();
    config.idle_timeout = secs(600);
    let mut booth = Booth::with(config);
    booth.send(Event::CornerPress);
    booth.wait(secs(3));
    booth.send(Event::PinEntered(Pin::new("2222")));
    booth.send(Event::PinResult(PinOutcome::LockedOut { retry_after: secs(60) }));
    booth.wait(secs(60));
    assert_eq!(booth.screen(), &Screen::StaffPin(PinState::Entering));
}

#[test]
fn staff_corner_works_from_failsafe_but_not_mid_visit() {
    let mut booth = Booth::new();
    booth.to_pose();
    booth.send(Event::CornerPress);
    booth.wait(secs(5));
    assert!(matches!(booth.screen(), Screen::Pose(_)));
    booth.send(Event::CameraStatus(CameraStatus::Lost));
    booth.send(Event::CornerPress);
    booth.wait(secs(3));
    assert_eq!(booth.screen(), &Screen::StaffPin(PinState::Entering));
    booth.send(Event::Cancel);
    assert!(matches!(booth.screen(), Screen::Failsafe { .. }), "faults still apply after maintenance");
}

#[test]
fn out_of_service_from_config() {
    let mut config = settings();
    config.out_of_service = true;
    let mut booth = Booth::with(config);
    assert_eq!(booth.screen(), &Screen::OutOfService);
    booth.send(Event::Start);
    assert_eq!(booth.screen(), &Screen::OutOfService);
    assert_eq!(booth.flow.next_deadline(), None, "an out-of-service booth never wakes up by itself");
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
    assert!(effects.iter().all(|e| matches!(e, Effect::RequestRepaintAt(_))), "{effects:?}");
    assert_eq!(effects.len(), 10);
    let Screen::Attract { slide, .. } = booth.screen() else { panic!() };
    assert_eq!(*slide, 10);
    // A stray tick in between asks for nothing.
    booth.now += ms(10);
    assert_eq!(booth.send_raw(Event::Tick), vec![]);
}

#[test]
fn stale_reports_never_touch_the_next_visit() {
    let mut booth = Booth::new();
    booth.to_review(passing());
    let old = booth.session();
    booth.send(Event::Accept);
    booth.send(Event::Cancel); // ignored while saving
    assert!(matches!(booth.screen(), Screen::Review(_)));
    booth.send(Event::Saved { session: old, record: RecordRef(1) });
    booth.send(Event::Cancel);
    assert!(booth.discarded(old));
    booth.to_processing();
    let new = booth.session();
    assert_ne!(old, new);
    for event in [
        Event::Processed { session: old, outcome: passing() },
        Event::ProcessFailed { session: old },
        Event::StillFailed { session: old },
        Event::Saved { session: old, record: RecordRef(2) },
        Event::SaveFailed { session: old, disk_full: false },
        Event::LiveChecks { session: old, summary: green() },
        Event::QrDecoded { session: old, text: "20269999".into() },
    ] {
        let fx = booth.send(event.clone());
        assert!(fx.iter().all(|e| e.session().is_none_or(|s| s == new)), "{event:?}: {fx:?}");
        assert!(matches!(booth.screen(), Screen::Processing { stage: ProcessingStage::Analysing, .. }), "{event:?}");
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
    booth.to_pose();
    let session = booth.session();
    let fx = booth.send(Event::Cancel);
    assert_eq!(fx[..2], [Effect::StopLiveChecks, Effect::DiscardSession { session }], "{fx:?}");
    booth.to_identify();
    let session = booth.session();
    let fx = booth.send(Event::Cancel);
    assert_eq!(fx[..2], [Effect::StopQrScan, Effect::DiscardSession { session }], "{fx:?}");
    assert!(booth.flow.session().is_none());
}

#[test]
fn time_going_backwards_is_harmless() {
    let mut booth = Booth::new();
    booth.to_pose();
    booth.send(Event::CaptureButton);
    booth.now -= secs(500);
    booth.send(Event::Tick);
    assert!(matches!(booth.screen(), Screen::Countdown { remaining_secs: 3, .. }));
    booth.now += secs(503);
    booth.send(Event::Tick);
    assert!(matches!(booth.screen(), Screen::Processing { .. }));
}
