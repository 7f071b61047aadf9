//! The booth as a student meets it, driven through egui_kittest: the REAL `KioskApp` over the real
//! `Booth` (FakeCamera streaming a real good fixture photo, the real models, a SQLite file in a tempdir)
//! with a manual clock. Widgets are found by their visible labels and tapped; timers run on the manual
//! clock, the workers in real time.

mod kiosk_support;

use std::time::Duration;

use idbooth::camera::FakeStep;
use idbooth::config::KioskConfig;
use idbooth::core::record::RecordStatus;
use kiosk_support::{Kiosk, fast_camera_settings, kiosk, kiosk_with};

const STUDENT_NO: &str = "20250001";

fn booth() -> Kiosk {
    kiosk(&KioskConfig::default())
}

#[test]
fn happy_path_stores_a_record_pending_review() {
    let mut k = booth();
    assert!(k.shows(&k.text("attract.title")));
    k.walk_to_pose(STUDENT_NO);
    // The live preview is up and the pose guide's screen says what to do.
    k.wait_for("a preview frame", |k| k.harness.state().frames_shown() > 0);
    k.shoot_to_review();
    let passed = k.text("review.passed");
    assert!(
        k.shows(&passed),
        "a good fixture photo passes the pre-check"
    );
    k.tap("review.accept");
    k.wait_for_screen("done");
    let record = k.text("done.record");
    assert!(k.shows_containing(record.split('{').next().unwrap_or_default()));
    assert!(k.shows(&k.text("done.status")));
    let records = k.records();
    assert_eq!(records.len(), 1, "one record saved");
    assert_eq!(records[0].record.student_no.as_str(), STUDENT_NO);
    assert_eq!(records[0].record.status, RecordStatus::PendingReview);
    let shown = format!("{}", records[0].record.id.0);
    assert!(
        k.shows_containing(&shown),
        "the receipt shows record {shown}"
    );
    // Finish returns to the start and the session is gone.
    k.tap("done.finish");
    assert_eq!(k.screen(), "attract");
    assert!(k.harness.state().booth().flow().session().is_none());
}

#[test]
fn retake_goes_back_to_pose_and_counts_down_the_retakes() {
    let mut k = booth();
    let max = k.harness.state().booth().flow().settings().max_retakes;
    assert!(max >= 1, "the shipped config allows retakes");
    k.walk_to_pose(STUDENT_NO);
    k.shoot_to_review();
    let left = k
        .text("review.retakes_left")
        .replace("{n}", &max.to_string());
    assert!(k.shows(&left), "{left:?} before the first retake");
    k.tap("review.retake");
    assert_eq!(k.screen(), "pose");
    k.shoot_to_review();
    let left = k
        .text("review.retakes_left")
        .replace("{n}", &(max - 1).to_string());
    if max > 1 {
        assert!(k.shows(&left), "{left:?} after one retake");
    }
    assert_eq!(
        k.harness
            .state()
            .booth()
            .flow()
            .session()
            .map(idbooth::core::flow::Session::retakes_used),
        Some(1)
    );
    assert!(k.records().is_empty(), "nothing saved before Accept");
}

#[test]
fn idle_timeout_wipes_the_session_back_to_attract() {
    let mut k = booth();
    let idle = k.harness.state().booth().flow().settings().idle_timeout;
    k.tap("attract.start");
    k.tap("consent.accept");
    k.type_digits("2025");
    assert!(k.shows("2025"));
    // Just before the timeout nothing happens.
    k.advance(idle.saturating_sub(Duration::from_secs(1)));
    assert_eq!(k.screen(), "identify");
    k.advance(Duration::from_secs(2));
    assert_eq!(
        k.screen(),
        "attract",
        "the idle timeout returns to the start"
    );
    assert!(k.harness.state().booth().flow().session().is_none());
    assert_eq!(k.harness.state().booth().sessions_held(), 0);
    // The typed number is gone: a fresh visit starts empty.
    k.tap("attract.start");
    k.tap("consent.accept");
    assert!(
        !k.shows("2025"),
        "the last student's number does not come back"
    );
    assert!(k.records().is_empty());
}

#[test]
fn camera_lost_shows_failsafe_and_recovers_by_itself() {
    // Stream a while, unplug, re-plug three seconds later.
    let script = vec![
        FakeStep::Frames(60),
        FakeStep::Disconnect,
        FakeStep::Reconnect {
            after: Duration::from_secs(3),
        },
    ];
    let mut k = kiosk_with(&KioskConfig::default(), script, fast_camera_settings());
    k.wait_for_screen("failsafe");
    assert!(k.shows(&k.text("failsafe.title")));
    // The cause is named in the student's language.
    let cause = idbooth::core::flow::Fault::CameraLost.text(k.lang().into());
    assert!(k.shows(cause), "the failsafe names the cause {cause:?}");
    // A tap on Start does nothing here: there is no Start button at all.
    assert!(!k.shows(&k.text("attract.start")));
    k.wait_for_screen("attract");
    assert!(k.shows(&k.text("attract.start")));
    k.walk_to_pose(STUDENT_NO);
}

#[test]
fn language_toggle_changes_the_visible_text() {
    let mut k = booth();
    let zh_start = k.text("attract.start");
    assert!(k.shows(&zh_start));
    k.tap("language.toggle");
    assert_eq!(k.lang(), idbooth::app::text::Lang::En);
    assert!(k.shows("Start"));
    assert!(!k.shows(&zh_start));
    k.tap_label("Start");
    assert!(
        k.shows("Accept and continue"),
        "the visit continues in English"
    );
    // Declining ends the visit and the next student gets the default language again.
    k.tap_label("Decline");
    assert_eq!(k.screen(), "attract");
    assert!(k.shows(&zh_start));
}
