//! Booth flow posing: debounced hints and the auto-shutter.

mod flow_support;

use flow_support::{Booth, green, ms, red, secs, settings};
use idbooth::core::flow::{Effect, Event, Hint, Screen};

#[test]
fn hints_are_debounced_on_the_pose_screen() {
    let mut config = settings();
    config.auto_shutter = false;
    let mut booth = Booth::with(config);
    booth.reach_pose();
    let session = booth.session();
    let hint = |booth: &Booth| match booth.screen() {
        Screen::Pose(pose) => pose.hint(),
        other => panic!("{other:?}"),
    };
    // A hint that flickers every other frame never shows.
    for frame in 0..20 {
        let hints: &[Hint] = if frame % 2 == 0 {
            &[Hint::OpenEyes]
        } else {
            &[]
        };
        booth.send(Event::LiveChecks {
            session,
            summary: red(hints),
        });
        assert_eq!(hint(&booth), None, "frame {frame}");
        booth.now += ms(100);
    }
    // A steady one shows after hint_hold (500 ms) and only then.
    let mut shown_at = None;
    for frame in 0..10 {
        booth.send(Event::LiveChecks {
            session,
            summary: red(&[Hint::MoveCloser]),
        });
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
    booth.reach_pose();
    let session = booth.session();
    for _ in 0..9 {
        booth.send(Event::LiveChecks {
            session,
            summary: green(),
        });
        booth.now += ms(100);
    }
    // One red result at 0.9 s resets the hold.
    booth.send(Event::LiveChecks {
        session,
        summary: red(&[Hint::LevelHead]),
    });
    booth.now += ms(100);
    for step in 0..10 {
        booth.send(Event::LiveChecks {
            session,
            summary: green(),
        });
        let Screen::Pose(pose) = booth.screen() else {
            panic!("step {step}: {:?}", booth.screen())
        };
        let progress = pose.shutter_progress(booth.now, secs(1));
        assert!(
            (progress - step as f32 / 10.0).abs() < 1e-3,
            "step {step}: {progress}"
        );
        booth.now += ms(100);
    }
    booth.send(Event::LiveChecks {
        session,
        summary: green(),
    });
    assert!(matches!(booth.screen(), Screen::Countdown { .. }));
    // Cancel during the countdown goes back to posing, with a fresh hold.
    booth.send(Event::Cancel);
    let Screen::Pose(pose) = booth.screen() else {
        panic!("{:?}", booth.screen())
    };
    assert_eq!(pose.green_since, None);
}

#[test]
fn no_auto_shutter_when_disabled_but_the_button_works() {
    let mut config = settings();
    config.auto_shutter = false;
    config.countdown_secs = 0;
    let mut booth = Booth::with(config);
    booth.reach_pose();
    let session = booth.session();
    for _ in 0..50 {
        booth.send(Event::LiveChecks {
            session,
            summary: green(),
        });
        booth.now += ms(100);
    }
    assert!(matches!(booth.screen(), Screen::Pose(_)));
    let fx = booth.send(Event::CaptureButton);
    assert!(
        fx.contains(&Effect::CaptureStill { session }),
        "no countdown when countdown_secs = 0: {fx:?}"
    );
}
