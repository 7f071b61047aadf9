//! Booth flow staff entry: the hidden corner, the PIN with the store's lockout, maintenance and
//! out-of-service.

mod flow_support;

use flow_support::{Booth, ms, secs, settings};
use idbooth::core::flow::{CameraStatus, Effect, Event, Pin, PinOutcome, PinState, Screen};

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
    assert!(
        !format!("{fx:?}").contains("0000"),
        "PINs never reach a log: {fx:?}"
    );
    // While the store checks, further PINs are not sent.
    assert!(
        booth
            .send(Event::PinEntered(Pin::new("1111")))
            .iter()
            .all(|e| !matches!(e, Effect::VerifyPin(_)))
    );
    booth.send(Event::PinResult(PinOutcome::Wrong { attempts_left: 1 }));
    assert_eq!(
        booth.screen(),
        &Screen::StaffPin(PinState::Wrong { attempts_left: 1 })
    );

    booth.send(Event::PinEntered(Pin::new("2222")));
    booth.send(Event::PinResult(PinOutcome::LockedOut {
        retry_after: secs(300),
    }));
    let until = booth.now + secs(300);
    assert_eq!(
        booth.screen(),
        &Screen::StaffPin(PinState::LockedOut { until })
    );
    assert!(
        booth
            .send(Event::PinEntered(Pin::new("1234")))
            .iter()
            .all(|e| !matches!(e, Effect::VerifyPin(_)))
    );
    // The PIN screen itself times out (idle 90 s) well before the lockout ends.
    booth.wait(secs(90));
    assert!(matches!(booth.screen(), Screen::Attract { .. }));

    // Back again after the lockout: the right PIN opens maintenance.
    booth.send(Event::CornerPress);
    booth.wait(secs(3));
    booth.send(Event::CornerRelease);
    booth.send(Event::PinEntered(Pin::new("123456")));
    booth.send(Event::PinResult(PinOutcome::Accepted {
        staff: "admin".into(),
    }));
    let Screen::Maintenance(state) = booth.screen() else {
        panic!("{:?}", booth.screen())
    };
    assert_eq!(state.staff, "admin");
    booth.send(Event::MaintenancePage(
        idbooth::core::flow::MaintenancePage::Camera,
    ));
    let fx = booth.send(Event::SelectProfile("chsi".into()));
    assert_eq!(fx.first(), Some(&Effect::SelectProfile("chsi".into())));
    assert!(
        booth
            .send(Event::SelectProfile("bad\u{0}name".into()))
            .iter()
            .all(|e| !matches!(e, Effect::SelectProfile(_)))
    );
    let fx = booth.send(Event::SetOutOfService(true));
    assert_eq!(fx.first(), Some(&Effect::SetOutOfService(true)));
    booth.send(Event::Cancel);
    assert_eq!(booth.screen(), &Screen::OutOfService);
    booth.send(Event::Start);
    assert_eq!(
        booth.screen(),
        &Screen::OutOfService,
        "no visits while out of service"
    );
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
    booth.send(Event::PinResult(PinOutcome::LockedOut {
        retry_after: secs(60),
    }));
    booth.wait(secs(60));
    assert_eq!(booth.screen(), &Screen::StaffPin(PinState::Entering));
}

#[test]
fn staff_corner_works_from_failsafe_but_not_mid_visit() {
    let mut booth = Booth::new();
    booth.reach_pose();
    booth.send(Event::CornerPress);
    booth.wait(secs(5));
    assert!(matches!(booth.screen(), Screen::Pose(_)));
    booth.send(Event::CameraStatus(CameraStatus::Lost));
    booth.send(Event::CornerPress);
    booth.wait(secs(3));
    assert_eq!(booth.screen(), &Screen::StaffPin(PinState::Entering));
    booth.send(Event::Cancel);
    assert!(
        matches!(booth.screen(), Screen::Failsafe { .. }),
        "faults still apply after maintenance"
    );
}

#[test]
fn out_of_service_from_config() {
    let mut config = settings();
    config.out_of_service = true;
    let mut booth = Booth::with(config);
    assert_eq!(booth.screen(), &Screen::OutOfService);
    booth.send(Event::Start);
    assert_eq!(booth.screen(), &Screen::OutOfService);
    assert_eq!(
        booth.flow.next_deadline(),
        None,
        "an out-of-service booth never wakes up by itself"
    );
}
