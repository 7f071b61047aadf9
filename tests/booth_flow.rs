//! The booth runtime end to end, headless: a real `Booth` (FakeCamera streaming real photos, the real
//! models, a real SQLite file, a manual clock) walked through the flow as a student would: the happy path
//! to a stored record, a retake, the idle timeout, a camera stall, a demo session, a bad photo.

mod booth_support;

use std::time::Duration;

use booth_support::{Rig, STUDENT_NO, Source, WATCHDOG, config, fake_camera};
use idbooth::camera::FakeStep;
use idbooth::core::flow::{Event, ReviewVerdict, SaveState, Screen};
use idbooth::core::record::RecordStatus;
use idbooth::storage::RecordFilter;

const GOOD: &str = "good_london_001_neutral.jpg";

fn review_verdict(rig: &Rig) -> ReviewVerdict {
    match rig.screen() {
        Screen::Review(review) => review.verdict(),
        other => panic!("not on Review: {other:?}"),
    }
}

fn failed_codes(rig: &Rig) -> Vec<String> {
    match rig.screen() {
        Screen::Review(review) => review.failed_checks().map(|c| c.code.clone()).collect(),
        other => panic!("not on Review: {other:?}"),
    }
}

#[test]
fn happy_path_stores_the_record_with_the_profiles_exact_photo() {
    let mut rig = Rig::new(Source::Fake(fake_camera(GOOD, Vec::new())));
    rig.reach_pose(STUDENT_NO);
    rig.wait_for_screen("countdown");
    assert!(
        rig.booth.diagnostics().live_results > 0,
        "the auto-shutter fired on live-check results"
    );
    while rig.screen().name() == "countdown" {
        rig.advance(Duration::from_secs(1));
    }
    assert!(rig.booth.take_flash(), "the shutter flashes once");
    assert!(!rig.booth.take_flash());
    rig.wait_for_screen("review");
    assert_eq!(
        review_verdict(&rig),
        ReviewVerdict::Passed,
        "failures: {:?}",
        failed_codes(&rig)
    );
    let spec = rig.booth.profile().clone();
    let photo = rig.booth.review_photo().expect("a photo on Review");
    assert_eq!(photo.image.dimensions(), (spec.width_px, spec.height_px));

    rig.tap(Event::Accept);
    rig.wait_for_screen("done");
    let Screen::Done(done) = rig.screen() else {
        unreachable!()
    };
    let record = done.record;
    assert!(done.passed);

    let store = rig.store();
    let records = store.list(&RecordFilter::default()).expect("list");
    assert_eq!(records.len(), 1);
    let stored = &records[0].record;
    assert_eq!(stored.id.0, record.0);
    assert_eq!(stored.student_no.as_str(), STUDENT_NO);
    assert_eq!(stored.profile, spec.name);
    assert_eq!(stored.status, RecordStatus::INITIAL);
    assert_eq!(stored.consent.version, config().privacy.notice_version);
    let bytes = store.photo(stored.id).expect("photo");
    assert_eq!(
        image::guess_format(&bytes).expect("format"),
        image::ImageFormat::Jpeg
    );
    let decoded = image::load_from_memory(&bytes).expect("decode");
    assert_eq!(
        (decoded.width(), decoded.height()),
        (spec.width_px, spec.height_px)
    );
    assert!(
        store.original(stored.id).expect("original").is_some(),
        "the original capture is kept"
    );

    rig.tap(Event::Cancel);
    assert_eq!(rig.screen().name(), "attract");
    assert_eq!(rig.booth.sessions_held(), 0);
    assert!(rig.booth.review_photo().is_none());
}

#[test]
fn a_retake_replaces_the_photo_and_one_record_is_stored() {
    let mut rig = Rig::new(Source::Fake(fake_camera(GOOD, Vec::new())));
    rig.reach_pose(STUDENT_NO);
    rig.auto_shutter_to_review();
    let first = rig.booth.review_photo().expect("photo").generation;
    rig.tap(Event::Retake);
    assert_eq!(rig.screen().name(), "pose");
    rig.auto_shutter_to_review();
    let second = rig.booth.review_photo().expect("photo").generation;
    assert_ne!(first, second, "the retake's photo is shown");
    let Screen::Review(review) = rig.screen() else {
        unreachable!()
    };
    assert_eq!(review.retakes_left, config().capture.max_retakes - 1);
    rig.tap(Event::Accept);
    rig.wait_for_screen("done");
    let records = rig.store().list(&RecordFilter::default()).expect("list");
    assert_eq!(records.len(), 1);
}

#[test]
fn the_idle_timeout_discards_the_sessions_data() {
    let mut rig = Rig::new(Source::Fake(fake_camera(GOOD, Vec::new())));
    rig.reach_pose(STUDENT_NO);
    rig.button_to_review();
    assert_eq!(rig.booth.sessions_held(), 1);
    assert!(rig.booth.review_photo().is_some());
    rig.advance(config().kiosk.idle_timeout + Duration::from_secs(1));
    assert_eq!(rig.screen().name(), "attract");
    assert_eq!(rig.booth.sessions_held(), 0, "the still and photo are gone");
    assert!(rig.booth.review_photo().is_none());
    assert!(rig.booth.flow().session().is_none());
    let records = rig.store().list(&RecordFilter::default()).expect("list");
    assert!(records.is_empty(), "nothing was stored");
}

#[test]
fn a_camera_stall_shows_failsafe_and_the_booth_recovers_by_itself() {
    let camera = fake_camera(GOOD, Vec::new());
    let mut rig = Rig::new(Source::Fake(camera.clone()));
    rig.reach_pose(STUDENT_NO);
    camera.script_more([FakeStep::Stall(WATCHDOG * 3)]);
    rig.wait_for_screen("failsafe");
    assert_eq!(rig.booth.sessions_held(), 0);
    assert!(
        rig.booth.flow().session().is_none(),
        "the visit was discarded"
    );
    rig.wait_for_screen("attract");
    assert!(rig.booth.diagnostics().camera_status.is_live());
    // And the booth works again.
    rig.reach_pose(STUDENT_NO);
}

#[test]
fn a_demo_session_never_creates_a_record() {
    let mut demo_config = config();
    // No retakes: Review always offers Accept (or "submit for staff"), whatever the checks say.
    demo_config.capture.max_retakes = 0;
    let mut rig = Rig::with_config(Source::Demo, demo_config);
    assert!(
        matches!(
            rig.booth.diagnostics().camera_status,
            idbooth::camera::CameraStatus::Live { demo: true, .. }
        ),
        "the demo source says it is a demo"
    );
    rig.reach_pose(STUDENT_NO);
    rig.button_to_review();
    assert!(
        rig.booth.review_photo().is_some(),
        "the demo flow runs in full, photo included"
    );
    rig.tap(Event::Accept);
    rig.wait_for("the save to be refused", |booth| {
        matches!(booth.flow().screen(), Screen::Review(review) if review.save == SaveState::Failed)
    });
    let records = rig.store().list(&RecordFilter::default()).expect("list");
    assert!(records.is_empty(), "a demo capture was stored: {records:?}");
    assert_eq!(
        rig.booth.diagnostics().demo_saves_refused,
        1,
        "refused because it is a demo capture, not for another reason"
    );
}

#[test]
fn a_bad_photo_shows_its_failures_on_review() {
    let camera = fake_camera("bad_interfaces_013_head_turned.jpg", Vec::new());
    let mut rig = Rig::new(Source::Fake(camera));
    rig.reach_pose(STUDENT_NO);
    rig.button_to_review();
    assert_eq!(review_verdict(&rig), ReviewVerdict::RetakeNeeded);
    let failed = failed_codes(&rig);
    assert!(
        failed.iter().any(|code| code == "head_turned"),
        "failures: {failed:?}"
    );
    let Screen::Review(review) = rig.screen() else {
        unreachable!()
    };
    assert!(!review.can_accept());
    for line in review.failed_checks() {
        assert!(!line.message_zh.is_empty() && !line.message_en.is_empty());
    }
}
