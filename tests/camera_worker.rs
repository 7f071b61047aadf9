//! The camera worker end to end with `FakeCamera` streaming a real photo: watchdog and reconnection
//! (stall → Lost → Live within the configured time), unplug and re-plug, a consumer loop that keeps
//! ticking while the source is stuck, stills, stale-frame dropping, shutdown, and the real `auto`,
//! `device:`, `file:` and `demo` sources on a machine without a camera.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use idbooth::camera::{
    CameraError, CameraHandle, CameraSettings, CameraStatus, FakeCamera, FakeStep, SourceKind,
    SourceSpec,
};

/// Generous slack for a loaded 2-core CI machine; every bound below is "configured time + this".
const SLACK: Duration = Duration::from_millis(700);
const FRAME_INTERVAL: Duration = Duration::from_millis(10);

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/faces")
        .join(name)
}

fn fast_settings() -> CameraSettings {
    CameraSettings {
        watchdog_ms: 300,
        reconnect_initial_ms: 50,
        reconnect_max_ms: 400,
        settle_ms: 120,
        ..CameraSettings::default()
    }
}

fn fake(script: Vec<FakeStep>) -> FakeCamera {
    match FakeCamera::from_files(&[fixture("good_london_045_neutral.jpg")], script) {
        Ok(camera) => camera.with_frame_interval(FRAME_INTERVAL),
        Err(e) => panic!("fake camera: {e}"),
    }
}

fn counting_waker() -> (Arc<AtomicU64>, Box<dyn Fn() + Send>) {
    let count = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&count);
    (
        count,
        Box::new(move || {
            counter.fetch_add(1, Ordering::Relaxed);
        }),
    )
}

fn spawn(settings: CameraSettings, camera: &FakeCamera) -> CameraHandle {
    let (_, waker) = counting_waker();
    match CameraHandle::spawn_with_factory(settings, camera.factory(), waker) {
        Ok(handle) => handle,
        Err(e) => panic!("spawn: {e}"),
    }
}

/// Polls like the UI does (every 10 ms) until `done` holds or `limit` passes; returns the time taken.
fn wait_until(
    handle: &CameraHandle,
    limit: Duration,
    mut done: impl FnMut(&CameraStatus) -> bool,
) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < limit {
        let _ = handle.latest_frame();
        if done(&handle.status()) {
            return Some(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

fn is_lost_or_reconnecting(status: &CameraStatus) -> bool {
    matches!(
        status,
        CameraStatus::Lost { .. } | CameraStatus::Reconnecting { .. }
    )
}

#[test]
fn a_stalled_camera_is_lost_then_live_again_within_the_configured_time() {
    let stall = Duration::from_millis(1200);
    let camera = fake(vec![FakeStep::Frames(20), FakeStep::Stall(stall)]);
    let settings = fast_settings();
    let handle = spawn(settings.clone(), &camera);

    assert!(
        wait_until(&handle, Duration::from_secs(5), CameraStatus::is_live).is_some(),
        "never live"
    );
    let watchdog = Duration::from_millis(settings.watchdog_ms);
    // 20 frames at 10 ms, then the stall: lost within the watchdog time after the last frame.
    let lost_after = wait_until(
        &handle,
        Duration::from_millis(200) + watchdog + SLACK,
        is_lost_or_reconnecting,
    );
    assert!(lost_after.is_some(), "stall not detected");
    let seq_before = handle.diagnostics().frames_published;

    // The stalled read holds the device (busy) until the stall ends; then the next back-off attempt
    // (at most reconnect_max_ms later) succeeds.
    let limit = stall + Duration::from_millis(settings.reconnect_max_ms) + SLACK;
    let live_after = wait_until(&handle, limit, CameraStatus::is_live);
    assert!(
        live_after.is_some(),
        "not live again within {limit:?}; status {:?}",
        handle.status()
    );

    let events = handle.drain_status_events();
    let names: Vec<&str> = events
        .iter()
        .map(|s| match s {
            CameraStatus::Starting => "starting",
            CameraStatus::Live { .. } => "live",
            CameraStatus::Lost { .. } => "lost",
            CameraStatus::Reconnecting { .. } => "reconnecting",
            CameraStatus::Failed(_) => "failed",
        })
        .collect();
    assert_eq!(names.first(), Some(&"live"), "{names:?}");
    assert_eq!(names.get(1), Some(&"lost"), "{names:?}");
    assert!(names.contains(&"reconnecting"), "{names:?}");
    assert_eq!(names.last(), Some(&"live"), "{names:?}");

    // Frames flow again, with sequence numbers continuing across the reconnection.
    std::thread::sleep(Duration::from_millis(100));
    let frame = handle.latest_frame();
    assert!(frame.is_some_and(|f| f.seq > seq_before && f.image.dimensions() == (1350, 1350)));
    let stats = camera.stats();
    assert_eq!(stats.stalls, 1);
    assert!(stats.opens >= 2, "{stats:?}");
    assert!(handle.diagnostics().losses >= 1);
}

#[test]
fn an_unplugged_camera_is_lost_at_once_and_back_when_replugged() {
    let unplugged = Duration::from_millis(600);
    let camera = fake(vec![
        FakeStep::Frames(20),
        FakeStep::Disconnect,
        FakeStep::Reconnect { after: unplugged },
    ]);
    let settings = CameraSettings {
        watchdog_ms: 5000,
        ..fast_settings()
    };
    let handle = spawn(settings.clone(), &camera);
    assert!(wait_until(&handle, Duration::from_secs(5), CameraStatus::is_live).is_some());
    // A read error is not a stall: no need to wait for the (long) watchdog.
    let lost_after = wait_until(
        &handle,
        Duration::from_millis(200) + SLACK,
        is_lost_or_reconnecting,
    );
    assert!(
        lost_after.is_some(),
        "unplug not noticed before the watchdog; {:?}",
        handle.status()
    );
    let limit = unplugged + Duration::from_millis(settings.reconnect_max_ms) + SLACK;
    assert!(
        wait_until(&handle, limit, CameraStatus::is_live).is_some(),
        "not back after re-plug"
    );
    let stats = camera.stats();
    assert_eq!(stats.disconnects, 1);
    assert_eq!(stats.opens, 2);
    assert!(
        stats.failed_opens >= 1,
        "opens while unplugged must fail: {stats:?}"
    );
    assert!(
        handle
            .diagnostics()
            .last_error
            .is_some_and(|e| e.contains("camera"))
    );
}

#[test]
fn the_consumer_loop_keeps_ticking_while_the_source_stalls() {
    let camera = fake(vec![
        FakeStep::Frames(5),
        FakeStep::Stall(Duration::from_secs(3)),
    ]);
    let handle = spawn(fast_settings(), &camera);
    let tick = Duration::from_millis(16);
    let run_for = Duration::from_millis(1500);
    let started = Instant::now();
    let mut ticks = 0_u32;
    let mut slowest_call = Duration::ZERO;
    while started.elapsed() < run_for {
        let call = Instant::now();
        let _ = handle.latest_frame();
        let _ = handle.status();
        let _ = handle.drain_status_events();
        let _ = handle.try_still();
        let _ = handle.diagnostics();
        slowest_call = slowest_call.max(call.elapsed());
        ticks += 1;
        std::thread::sleep(tick);
    }
    // The stall lasts 3 s: a call that waited on the camera would take seconds. Every call must fit
    // well inside one 16 ms UI frame, and the loop must have kept going through the stall.
    assert!(
        slowest_call < Duration::from_millis(16),
        "a camera call took {slowest_call:?}"
    );
    assert!(ticks >= 20, "only {ticks} ticks in {run_for:?}");
    assert!(
        is_lost_or_reconnecting(&handle.status()),
        "{:?}",
        handle.status()
    );
}

#[test]
fn a_still_arrives_after_the_settle_delay_at_full_resolution() {
    let camera = fake(Vec::new());
    let settings = fast_settings();
    let handle = spawn(settings.clone(), &camera);
    assert!(wait_until(&handle, Duration::from_secs(5), CameraStatus::is_live).is_some());
    let requested = Instant::now();
    assert!(handle.request_still().is_ok());
    let mut answer = None;
    while answer.is_none() && requested.elapsed() < Duration::from_secs(3) {
        answer = handle.try_still();
        std::thread::sleep(Duration::from_millis(5));
    }
    let Some(Ok(capture)) = answer else {
        panic!("no still: {answer:?}")
    };
    assert!(
        capture.captured_at.duration_since(requested) >= Duration::from_millis(settings.settle_ms)
    );
    assert_eq!(capture.image.dimensions(), (1350, 1350));
    assert_eq!(capture.source_kind, SourceKind::Fake);
    assert!(!capture.demo);
    assert_eq!(camera.stats().stills, 1);
}

#[test]
fn a_still_while_the_camera_is_lost_is_refused_not_hung() {
    let camera = fake(vec![FakeStep::Frames(5), FakeStep::Disconnect]);
    let handle = spawn(fast_settings(), &camera);
    assert!(wait_until(&handle, Duration::from_secs(5), is_lost_or_reconnecting).is_some());
    assert!(handle.request_still().is_ok());
    let started = Instant::now();
    let mut answer = None;
    while answer.is_none() && started.elapsed() < Duration::from_secs(1) {
        answer = handle.try_still();
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        matches!(answer, Some(Err(CameraError::NotLive(_)))),
        "{answer:?}"
    );
}

#[test]
fn unread_frames_are_replaced_not_queued_and_the_waker_is_called() {
    let camera = fake(Vec::new());
    let (wakes, waker) = counting_waker();
    let handle = match CameraHandle::spawn_with_factory(fast_settings(), camera.factory(), waker) {
        Ok(handle) => handle,
        Err(e) => panic!("{e}"),
    };
    assert!(wait_until(&handle, Duration::from_secs(5), CameraStatus::is_live).is_some());
    std::thread::sleep(Duration::from_millis(400)); // the app is busy: ~40 frames go unread
    let newest = handle.latest_frame();
    let diagnostics = handle.diagnostics();
    let Some(newest) = newest else {
        panic!("no frame")
    };
    assert!(
        newest.seq + 2 >= diagnostics.frames_published,
        "{} of {}",
        newest.seq,
        diagnostics.frames_published
    );
    assert!(diagnostics.frames_replaced_unread >= 20, "{diagnostics:?}");
    assert!(wakes.load(Ordering::Relaxed) >= 30);
    assert!(
        diagnostics.measured_fps > 30.0,
        "{} fps",
        diagnostics.measured_fps
    );
}

#[test]
fn dropping_the_handle_returns_promptly_even_with_a_stuck_device() {
    let camera = fake(vec![
        FakeStep::Frames(3),
        FakeStep::Stall(Duration::from_secs(10)),
    ]);
    let handle = spawn(fast_settings(), &camera);
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    drop(handle);
    assert!(
        started.elapsed() < Duration::from_secs(1) + SLACK,
        "drop took {:?}",
        started.elapsed()
    );
}

#[test]
fn auto_without_a_camera_shows_the_flagged_demo() {
    let settings = CameraSettings {
        source: SourceSpec::Auto,
        ..fast_settings()
    };
    let (_, waker) = counting_waker();
    let Ok(handle) = CameraHandle::spawn(settings, waker) else {
        panic!("spawn")
    };
    assert!(
        wait_until(&handle, Duration::from_secs(10), CameraStatus::is_live).is_some(),
        "{:?} {:?}",
        handle.status(),
        handle.diagnostics()
    );
    let diagnostics = handle.diagnostics();
    if diagnostics.devices.is_empty() {
        let CameraStatus::Live {
            mode,
            source_kind,
            demo,
        } = handle.status()
        else {
            panic!("not live")
        };
        assert_eq!(source_kind, SourceKind::Demo);
        assert!(demo, "the banner flag is set");
        assert_eq!((mode.width, mode.height), (1280, 720));
        std::thread::sleep(Duration::from_millis(100));
        assert!(
            handle
                .latest_frame()
                .is_some_and(|f| f.image.dimensions() == (1280, 720))
        );
    }
}

#[test]
fn a_missing_device_keeps_reconnecting_without_blocking() {
    let settings = CameraSettings {
        source: SourceSpec::parse("device:7").unwrap_or(SourceSpec::Demo),
        ..fast_settings()
    };
    let (_, waker) = counting_waker();
    let Ok(handle) = CameraHandle::spawn(settings, waker) else {
        panic!("spawn")
    };
    let reconnecting = wait_until(
        &handle,
        Duration::from_secs(3),
        |s| matches!(s, CameraStatus::Reconnecting { attempt } if *attempt >= 2),
    );
    assert!(reconnecting.is_some(), "{:?}", handle.status());
    let error = handle.diagnostics().last_error.unwrap_or_default();
    assert!(error.contains("camera"), "{error}");
}

#[test]
fn file_and_demo_sources_go_live_and_a_bad_file_fails_visibly() {
    for (source, kind, demo) in [
        (
            format!("file:{}", fixture("good_london_001_neutral.jpg").display()),
            SourceKind::File,
            false,
        ),
        ("demo".to_owned(), SourceKind::Demo, true),
    ] {
        let settings = CameraSettings {
            source: SourceSpec::parse(&source).unwrap_or(SourceSpec::Auto),
            ..fast_settings()
        };
        let (_, waker) = counting_waker();
        let Ok(handle) = CameraHandle::spawn(settings, waker) else {
            panic!("spawn")
        };
        assert!(
            wait_until(&handle, Duration::from_secs(10), CameraStatus::is_live).is_some(),
            "{source}"
        );
        assert!(
            matches!(handle.status(), CameraStatus::Live { source_kind, demo: d, .. } if source_kind == kind && d == demo)
        );
    }
    let missing = CameraSettings {
        source: SourceSpec::File(PathBuf::from("/nonexistent/photo.jpg")),
        ..fast_settings()
    };
    let (_, waker) = counting_waker();
    let Ok(handle) = CameraHandle::spawn(missing, waker) else {
        panic!("spawn")
    };
    let failed = wait_until(
        &handle,
        Duration::from_secs(3),
        |s| matches!(s, CameraStatus::Failed(m) if m.contains("/nonexistent/photo.jpg")),
    );
    assert!(failed.is_some(), "{:?}", handle.status());
}
