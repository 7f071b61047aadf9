//! The booth runtime's services end to end: the QR scan on the Identify screen (rqrr on camera frames),
//! the hidden staff entry (long press, PIN checked against the store's staff accounts, lockout counted by
//! the booth), profile selection in maintenance, and the printer worker (polled; a take-home print on an
//! empty printer is a printer fault). Successful take-home prints are in tests/booth_print.rs.

mod booth_support;

use std::sync::Arc;
use std::time::Duration;

use booth_support::{Rig, STUDENT_NO, Source, config, fake_camera, fake_camera_at, support_file};
use idbooth::app::booth::{PrinterView, WorkerState};
use idbooth::core::flow::{Event, Fault, Lookup, Pin, PinState, PrintState, Screen, StudentKey};
use idbooth::core::record::{
    Actor, PrintJobState, PrintPurpose, RecordId, RecordStatus, StaffAccount, StaffPin,
};
use idbooth::print::fake::FakeSpooler;
use idbooth::print::spool::PrinterState;

const GOOD: &str = "good_london_001_neutral.jpg";
const STAFF_PIN: &str = "482913";

#[test]
fn a_qr_code_held_up_on_identify_names_the_student() {
    let camera = fake_camera_at(&support_file("qr_2026123456.png"), Vec::new());
    let mut rig = Rig::new(Source::Fake(camera));
    rig.tap(Event::Start);
    rig.tap(Event::AcceptConsent);
    assert_eq!(rig.screen().name(), "identify");
    rig.wait_for("the QR code to be read and looked up", |booth| {
        matches!(booth.flow().screen(), Screen::Identify(state) if state.lookup.confirmable().is_some())
    });
    let Screen::Identify(state) = rig.screen() else {
        unreachable!()
    };
    assert_eq!(
        state.lookup,
        Lookup::Unlisted(StudentKey::StudentNo(STUDENT_NO.to_owned())),
        "no roster: the number is shown for confirmation"
    );
    rig.tap(Event::ConfirmStudent);
    assert_eq!(rig.screen().name(), "pose");
}

fn open_staff_pin(rig: &mut Rig) {
    rig.tap(Event::CornerPress);
    rig.advance(config().staff.corner_hold + Duration::from_millis(10));
    rig.tap(Event::CornerRelease);
    assert_eq!(rig.screen(), &Screen::StaffPin(PinState::Entering));
}

#[test]
fn the_staff_pin_opens_maintenance_and_a_profile_can_be_chosen() {
    let mut rig = Rig::new(Source::Fake(fake_camera(GOOD, Vec::new())));
    let account = StaffAccount::parse("desk1").expect("account");
    let pin = StaffPin::parse(STAFF_PIN).expect("pin");
    rig.store()
        .create_staff(&account, "Front desk", &pin, &Actor::Cli, 1_700_000_000)
        .expect("staff");

    open_staff_pin(&mut rig);
    rig.tap(Event::PinEntered(Pin::new("111111")));
    rig.wait_for("the wrong PIN to be refused", |booth| {
        matches!(
            booth.flow().screen(),
            Screen::StaffPin(PinState::Wrong { .. })
        )
    });
    let Screen::StaffPin(PinState::Wrong { attempts_left }) = rig.screen() else {
        unreachable!()
    };
    assert_eq!(*attempts_left, config().staff.pin_attempts - 1);

    rig.tap(Event::PinEntered(Pin::new(STAFF_PIN)));
    rig.wait_for_screen("maintenance");
    let Screen::Maintenance(state) = rig.screen() else {
        unreachable!()
    };
    assert_eq!(state.staff, "desk1");

    let other = config()
        .profiles
        .iter()
        .map(|p| p.name.clone())
        .find(|name| *name != rig.booth.profile().name)
        .expect("a second profile");
    rig.tap(Event::SelectProfile(other.clone()));
    assert_eq!(rig.booth.profile().name, other);
    assert_eq!(rig.booth.diagnostics().profile, other);
}

#[test]
fn wrong_pins_lock_the_staff_entry() {
    let mut rig = Rig::new(Source::Fake(fake_camera(GOOD, Vec::new())));
    open_staff_pin(&mut rig);
    for attempt in 1..=config().staff.pin_attempts {
        rig.tap(Event::PinEntered(Pin::new("0000")));
        rig.wait_for("the PIN answer", |booth| {
            !matches!(booth.flow().screen(), Screen::StaffPin(PinState::Checking))
        });
        if attempt < config().staff.pin_attempts {
            assert!(
                matches!(rig.screen(), Screen::StaffPin(PinState::Wrong { .. })),
                "{:?}",
                rig.screen()
            );
        }
    }
    assert!(
        matches!(rig.screen(), Screen::StaffPin(PinState::LockedOut { .. })),
        "{:?}",
        rig.screen()
    );
}

#[test]
fn a_printer_out_of_paper_is_polled_and_a_take_home_print_raises_the_printer_fault() {
    let spooler = Arc::new(FakeSpooler::new("booth-printer"));
    spooler.set_printer_state(PrinterState::OutOfPaper);
    let mut print_config = config();
    print_config.print.printer = Some("booth-printer".to_owned());
    let mut rig = Rig::with_parts(
        Source::Fake(fake_camera(GOOD, Vec::new())),
        print_config,
        Some(Box::new(Arc::clone(&spooler))),
    );
    let print_worker = rig
        .booth
        .diagnostics()
        .workers
        .into_iter()
        .find(|w| w.thread_name == "booth-print")
        .expect("a print worker with its own database connection");
    assert_eq!(print_worker.state, WorkerState::Running);
    rig.wait_for("the printer poll", |booth| {
        booth.printer() == PrinterView::OutOfPaper
    });

    rig.reach_pose(STUDENT_NO);
    rig.button_to_review();
    rig.tap(Event::Accept);
    rig.wait_for_screen("done");
    let Screen::Done(done) = rig.screen() else {
        unreachable!()
    };
    let record = RecordId(done.record.0);
    // The take-home copy is offered while the record awaits review.
    assert_eq!(done.print, PrintState::Offered);
    rig.tap(Event::Print);
    rig.wait_for("the print failure", |booth| {
        booth.flow().faults().contains(&Fault::PrinterError)
    });
    assert!(
        matches!(rig.screen(), Screen::Done(done) if done.print == PrintState::Failed),
        "{:?}",
        rig.screen()
    );
    assert!(
        spooler.submitted().is_empty(),
        "an empty printer gets no job"
    );
    let store = rig.store();
    let jobs = store.print_jobs(record).expect("jobs");
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(
        (jobs[0].purpose, jobs[0].state),
        (PrintPurpose::TakeHome, PrintJobState::Failed)
    );
    assert!(!jobs[0].error.is_empty(), "staff read why it failed");
    assert_eq!(
        store.get(record).expect("record").summary.record.status,
        RecordStatus::PendingReview
    );
}

#[test]
fn the_live_checks_report_the_face_in_camera_pixels() {
    let mut rig = Rig::new(Source::Fake(fake_camera(GOOD, Vec::new())));
    rig.reach_pose(STUDENT_NO);
    rig.wait_for("a live face", |booth| booth.live_face().is_some());
    let face = rig.booth.live_face().expect("face");
    assert_eq!((face.frame.width, face.frame.height), (1350, 1350));
    for eye in [face.right_eye, face.left_eye] {
        assert!(
            eye.x > face.bbox.x
                && eye.x < face.bbox.x + face.bbox.width
                && eye.y > face.bbox.y
                && eye.y < face.bbox.y + face.bbox.height,
            "eye {eye:?} outside the face box {:?}",
            face.bbox
        );
    }
    // The subject's right eye is on the image's left (the camera faces them).
    assert!(face.right_eye.x < face.left_eye.x);
    let guide = rig.booth.guide();
    assert!(guide.eye_line_top < guide.eye_line_bottom);
    assert!(guide.head.radius_x > 0.0 && guide.head.radius_y > 0.0);
}

#[test]
fn a_turned_head_gets_a_hint_and_no_auto_shutter() {
    let camera = fake_camera("bad_interfaces_013_head_turned.jpg", Vec::new());
    let mut rig = Rig::new(Source::Fake(camera));
    rig.reach_pose(STUDENT_NO);
    rig.wait_for(
        "a hint to hold",
        |booth| matches!(booth.flow().screen(), Screen::Pose(pose) if pose.hint().is_some()),
    );
    let Screen::Pose(pose) = rig.screen() else {
        unreachable!()
    };
    let hint = pose.hint().expect("hint");
    assert!(pose.face_present, "the face is seen, only badly posed");
    assert!(pose.green_since.is_none(), "hint {hint:?} but all green");
    // Well past the auto-shutter hold: still posing.
    let results = rig.booth.diagnostics().live_results;
    rig.wait_for("more live results", |booth| {
        booth.diagnostics().live_results >= results + 3
    });
    assert_eq!(rig.screen().name(), "pose");
}
