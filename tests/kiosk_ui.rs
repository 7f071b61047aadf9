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

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[test]
fn roster_name_is_confirmed_and_an_ineligible_number_is_explained() {
    use idbooth::core::record::{Actor, StudentNoRule};
    use idbooth::storage::RosterImportOptions;
    let config = KioskConfig::default();
    let rule: StudentNoRule = config.staff.student_no;
    let mut k = kiosk_support::kiosk_seeded(&config, |store| {
        let csv = "学号,姓名,是否有效\n20250001,张三,是\n20250002,李四,否\n";
        let options = RosterImportOptions {
            rule,
            ..RosterImportOptions::default()
        };
        match store.import_roster(csv.as_bytes(), &options, &Actor::Cli, unix_now()) {
            Ok(report) => assert!(report.committed, "{report:?}"),
            Err(e) => panic!("roster: {e:#}"),
        }
    });
    k.tap("attract.start");
    k.tap("consent.accept");
    k.type_digits("20250002");
    k.tap("identify.next");
    let refused = k.text("identify.ineligible").replace("{name}", "李四");
    k.wait_for("the ineligible explanation", |k| k.shows(&refused));
    assert!(!k.shows(&k.text("identify.confirm_me")), "cannot continue");
    for _ in 0..8 {
        k.tap("identify.backspace");
    }
    k.type_digits(STUDENT_NO);
    k.tap("identify.next");
    k.wait_for("the roster name", |k| k.shows("张三"));
    k.tap("identify.confirm_me");
    assert_eq!(k.screen(), "pose");
}

#[test]
fn long_press_on_the_corner_and_a_pin_open_maintenance() {
    use idbooth::core::record::{Actor, StaffAccount, StaffPin};
    let (Ok(account), Ok(pin)) = (StaffAccount::parse("li.wei"), StaffPin::parse("2468")) else {
        panic!("valid account and PIN")
    };
    let mut k = kiosk_support::kiosk_seeded(&KioskConfig::default(), |store| {
        if let Err(e) = store.create_staff(&account, "李伟", &pin, &Actor::Cli, unix_now()) {
            panic!("staff: {e:#}");
        }
    });
    let hold = k.harness.state().booth().flow().settings().corner_hold;
    // Press the top-left corner, hold it past the configured time, release.
    let corner = egui::pos2(4.0, 4.0);
    k.harness.hover_at(corner);
    k.harness.event(egui::Event::PointerButton {
        pos: corner,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: egui::Modifiers::default(),
    });
    k.harness.step();
    k.advance(hold + Duration::from_millis(100));
    k.harness.event(egui::Event::PointerButton {
        pos: corner,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::default(),
    });
    k.harness.step();
    assert_eq!(k.screen(), "staff_pin", "the long press opens the PIN pad");
    // A wrong PIN is refused with the attempts left.
    k.type_digits("1111");
    k.tap("pin.ok");
    k.wait_for("the wrong-PIN answer", |k| {
        matches!(
            k.harness.state().screen(),
            idbooth::core::flow::Screen::StaffPin(idbooth::core::flow::PinState::Wrong { .. })
        )
    });
    k.type_digits("2468");
    k.tap("pin.ok");
    k.wait_for_screen("maintenance");
    k.tap("maint.camera");
    assert!(k.shows("frame rate"), "camera diagnostics are listed");
    k.tap("maint.overview");
    k.tap("maint.oos_on");
    assert!(k.harness.state().booth().flow().out_of_service());
    k.tap("maint.exit");
    assert_eq!(k.screen(), "out_of_service");
    assert!(k.shows(&k.text("oos.title")));
    assert!(!k.shows(&k.text("attract.start")));
}

#[test]
fn the_idle_attract_screen_stops_decoding_frames_and_start_resumes_them() {
    use idbooth::camera::Demand;
    let mut k = booth();
    k.wait_for("the camera on Attract", |k| {
        k.harness.state().booth().camera().status().is_live()
    });
    assert_eq!(k.screen(), "attract");
    assert_eq!(k.harness.state().booth().camera().demand(), Demand::Idle);
    // Idle still reads the camera: the watchdog sees frames, none is decoded for anybody.
    let skipped = k
        .harness
        .state()
        .booth()
        .camera()
        .diagnostics()
        .frames_skipped_idle;
    k.wait_for("frames read while idle", |k| {
        k.harness
            .state()
            .booth()
            .camera()
            .diagnostics()
            .frames_skipped_idle
            > skipped + 5
    });
    assert!(k.harness.state().booth().camera().status().is_live());

    k.tap("attract.start");
    assert_eq!(k.screen(), "consent");
    assert_eq!(k.harness.state().booth().camera().demand(), Demand::Live);
    k.tap("consent.accept");
    // The preview gets fresh frames at once on the first capture screen.
    k.wait_for("a preview frame", |k| k.harness.state().frames_shown() > 0);
    assert_eq!(k.harness.state().booth().camera().demand(), Demand::Live);
}
