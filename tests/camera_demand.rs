//! Camera demand with `FakeCamera` streaming a real photo: an idle booth keeps reading the camera (the
//! watchdog keeps working, a stall is still detected) but publishes no frame and does not wake the UI;
//! going live again publishes a fresh frame promptly, without reopening the device.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use idbooth::camera::{CameraHandle, CameraSettings, CameraStatus, Demand, FakeCamera, FakeStep};

/// Generous slack for a loaded 2-core CI machine.
const SLACK: Duration = Duration::from_millis(700);
const FRAME_INTERVAL: Duration = Duration::from_millis(10);
/// How long the tests watch an idle camera: several watchdog periods.
const IDLE_SPELL: Duration = Duration::from_secs(1);

fn settings() -> CameraSettings {
    CameraSettings {
        watchdog_ms: 300,
        reconnect_initial_ms: 50,
        reconnect_max_ms: 400,
        settle_ms: 120,
        ..CameraSettings::default()
    }
}

fn fake() -> FakeCamera {
    let photo = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/faces/good_london_045_neutral.jpg");
    match FakeCamera::from_files(&[photo], Vec::new()) {
        Ok(camera) => camera.with_frame_interval(FRAME_INTERVAL),
        Err(e) => panic!("fake camera: {e}"),
    }
}

struct Running {
    handle: CameraHandle,
    wakes: Arc<AtomicU64>,
}

fn spawn_live(camera: &FakeCamera) -> Running {
    let wakes = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&wakes);
    let waker = Box::new(move || {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    let handle = match CameraHandle::spawn_with_factory(settings(), camera.factory(), waker) {
        Ok(handle) => handle,
        Err(e) => panic!("spawn: {e}"),
    };
    let started = Instant::now();
    while !handle.status().is_live() {
        assert!(started.elapsed() < Duration::from_secs(5), "never live");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(handle.demand(), Demand::Live);
    Running { handle, wakes }
}

/// Switches to idle and lets a frame decoded just before the switch go by.
fn go_idle(handle: &CameraHandle) {
    handle.set_demand(Demand::Idle);
    std::thread::sleep(Duration::from_millis(100));
    let _ = handle.latest_frame();
    let _ = handle.drain_status_events();
}

#[test]
fn an_idle_camera_is_read_but_publishes_nothing_and_stays_live() {
    let camera = fake();
    let Running { handle, wakes } = spawn_live(&camera);
    go_idle(&handle);
    let published = handle.diagnostics().frames_published;
    let read = camera.stats().frames;
    let wakes_before = wakes.load(Ordering::Relaxed);

    std::thread::sleep(IDLE_SPELL);

    assert!(handle.latest_frame().is_none(), "an idle camera published");
    let diagnostics = handle.diagnostics();
    assert_eq!(diagnostics.frames_published, published, "{diagnostics:?}");
    // 100 frames are due in the spell; a loaded machine delivers fewer, but the device is still read.
    let read_idle = camera.stats().frames - read;
    assert!(read_idle >= 20, "only {read_idle} frames read while idle");
    assert!(diagnostics.frames_skipped_idle >= 20, "{diagnostics:?}");
    // The watchdog saw those frames: no loss, no status change, no reopen, and the UI was not woken.
    assert!(handle.status().is_live(), "{:?}", handle.status());
    assert!(handle.drain_status_events().is_empty());
    assert_eq!(diagnostics.losses, 0);
    assert_eq!(camera.stats().opens, 1);
    assert_eq!(wakes.load(Ordering::Relaxed), wakes_before);
}

#[test]
fn going_live_again_publishes_a_fresh_frame_without_reopening() {
    let camera = fake();
    let Running { handle, wakes } = spawn_live(&camera);
    go_idle(&handle);
    std::thread::sleep(Duration::from_millis(300));
    let wakes_before = wakes.load(Ordering::Relaxed);

    let switched_at = Instant::now();
    handle.set_demand(Demand::Live);
    let frame = loop {
        if let Some(frame) = handle.latest_frame() {
            break frame;
        }
        assert!(
            switched_at.elapsed() < FRAME_INTERVAL + SLACK,
            "no frame after going live"
        );
        std::thread::sleep(Duration::from_millis(2));
    };
    assert!(frame.captured_at >= switched_at, "a stale frame was shown");
    assert_eq!(frame.image.dimensions(), (1350, 1350));
    assert!(wakes.load(Ordering::Relaxed) > wakes_before);
    assert_eq!(camera.stats().opens, 1, "the device was reopened");
    assert!(handle.status().is_live());
}

#[test]
fn a_stall_while_idle_is_still_detected_and_recovered() {
    let camera = fake();
    let Running { handle, .. } = spawn_live(&camera);
    go_idle(&handle);
    let published = handle.diagnostics().frames_published;
    let stall = Duration::from_millis(1200);
    camera.script_more([FakeStep::Stall(stall)]);

    let limit = Duration::from_millis(settings().watchdog_ms) + stall + SLACK;
    let started = Instant::now();
    while !matches!(
        handle.status(),
        CameraStatus::Lost { .. } | CameraStatus::Reconnecting { .. }
    ) {
        assert!(started.elapsed() < limit, "stall while idle not detected");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(handle.diagnostics().losses, 1);

    // The stall ends, the worker reopens and the camera is live again, still without publishing.
    let limit = stall + Duration::from_millis(settings().reconnect_max_ms) + SLACK;
    let started = Instant::now();
    while !handle.status().is_live() {
        assert!(
            started.elapsed() < limit,
            "not live again: {:?}",
            handle.status()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(camera.stats().opens >= 2);
    assert!(handle.latest_frame().is_none());
    assert_eq!(handle.diagnostics().frames_published, published);
}
