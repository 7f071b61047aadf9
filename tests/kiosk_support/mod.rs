//! The real booth (`KioskApp` over a real `Booth`: FakeCamera streaming a real fixture photo, the real
//! models, a SQLite file in a tempdir) driven through egui_kittest with a manual clock. Widgets are found
//! by their visible labels, as a student finds them.

#![allow(dead_code)]

#[path = "../serial_support/mod.rs"]
mod serial;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use idbooth::app::booth::{Booth, BoothParts};
use idbooth::app::text::{Lang, tr};
use idbooth::app::{Clock, FrameGate, KioskApp, theme};
use idbooth::camera::{CameraHandle, CameraSettings, FakeCamera, FakeStep};
use idbooth::config::KioskConfig;
use idbooth::core::record::RecordSummary;
use idbooth::storage::{RecordFilter, Store};
use idbooth::vision::Vision;

/// The smallest screen the booth supports (issue 7: nothing cut off from 1280x800).
pub const SCREEN: egui::Vec2 = egui::vec2(1280.0, 800.0);
/// How long a test waits in real time for the workers (debug build, loaded 2-core CI box).
pub const REAL_TIMEOUT: Duration = Duration::from_mins(2);
const POLL: Duration = Duration::from_millis(10);
/// A real photo of a well-posed student (MANIFEST.tsv: good_id_photo).
pub const GOOD_FACE: &str = "good_london_045_neutral.jpg";
/// Frame interval of the fake camera (30 fps, as a webcam).
const FAKE_FRAME_INTERVAL: Duration = Duration::from_millis(33);

/// A clock the test moves by hand; clones share the time.
#[derive(Clone, Default)]
pub struct ManualClock {
    nanos: Arc<AtomicU64>,
}

impl ManualClock {
    pub fn advance(&self, by: Duration) {
        self.nanos.fetch_add(by.as_nanos() as u64, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::SeqCst))
    }
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/faces")
        .join(name)
}

/// Camera settings with a fast watchdog so a lost camera is noticed quickly (the camera-lost test).
pub fn fast_camera_settings() -> CameraSettings {
    CameraSettings {
        watchdog_ms: 1500,
        reconnect_initial_ms: 50,
        reconnect_max_ms: 400,
        settle_ms: 100,
        ..CameraSettings::default()
    }
}

/// Camera settings for the other tests: the shipped watchdog and more, so a loaded CI box (or a booth
/// binary running beside the test) does not trip it and end the visit under the test's feet.
pub fn patient_camera_settings() -> CameraSettings {
    CameraSettings {
        watchdog_ms: 10_000,
        ..CameraSettings::default()
    }
}

pub struct Kiosk {
    pub harness: Harness<'static, KioskApp>,
    pub clock: ManualClock,
    pub camera: FakeCamera,
    pub database: PathBuf,
    _dir: tempfile::TempDir,
    /// Declared last so the booth is gone before the next test's starts.
    _serial: serial::SerialGuard,
}

/// The booth with `config`, a fake camera streaming for ever, a fresh database.
pub fn kiosk(config: &KioskConfig) -> Kiosk {
    kiosk_with(config, Vec::new(), patient_camera_settings())
}

/// [`kiosk`] laid out on a screen of `size` instead of [`SCREEN`].
pub fn kiosk_sized(config: &KioskConfig, size: egui::Vec2) -> Kiosk {
    build_sized(config, Vec::new(), patient_camera_settings(), |_| {}, size)
}

/// The booth over a database `seed` filled first (staff accounts, a roster).
pub fn kiosk_seeded(config: &KioskConfig, seed: impl FnOnce(&mut Store)) -> Kiosk {
    build(config, Vec::new(), patient_camera_settings(), seed)
}

/// The booth with `config`, a fake camera following `script` under `settings`, a fresh database.
pub fn kiosk_with(config: &KioskConfig, script: Vec<FakeStep>, settings: CameraSettings) -> Kiosk {
    build(config, script, settings, |_| {})
}

fn build(
    config: &KioskConfig,
    script: Vec<FakeStep>,
    settings: CameraSettings,
    seed: impl FnOnce(&mut Store),
) -> Kiosk {
    build_sized(config, script, settings, seed, SCREEN)
}

fn build_sized(
    config: &KioskConfig,
    script: Vec<FakeStep>,
    settings: CameraSettings,
    seed: impl FnOnce(&mut Store),
    size: egui::Vec2,
) -> Kiosk {
    let serial = serial::SerialGuard::acquire();
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => panic!("tempdir: {e}"),
    };
    let database = dir.path().join("records.sqlite");
    let camera = match FakeCamera::from_files(&[fixture(GOOD_FACE)], script) {
        Ok(camera) => camera.with_frame_interval(FAKE_FRAME_INTERVAL),
        Err(e) => panic!("fake camera: {e}"),
    };
    let handle = match CameraHandle::spawn_with_factory(settings, camera.factory(), Box::new(|| {}))
    {
        Ok(handle) => handle,
        Err(e) => panic!("camera worker: {e}"),
    };
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/models");
    let vision = match Vision::load(&models) {
        Ok(vision) => vision,
        Err(e) => panic!("models: {e:#}"),
    };
    let mut store = match Store::open(&database) {
        Ok(store) => store,
        Err(e) => panic!("store: {e:#}"),
    };
    seed(&mut store);
    let clock = ManualClock::default();
    let parts = BoothParts {
        config: config.clone(),
        camera: handle,
        vision,
        store,
        spooler: None,
        waker: Box::new(|| {}),
    };
    let booth = match Booth::start(parts, clock.now()) {
        Ok(booth) => booth,
        Err(e) => panic!("booth: {e:#}"),
    };
    let app = KioskApp::new(config, booth, Box::new(clock.clone()), FrameGate::default());
    let fonts_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fonts");
    let mut harness = Harness::builder()
        .with_size(size)
        .with_context_setup(move |ctx| {
            assert!(
                theme::install_fonts(ctx, &fonts_dir).is_some(),
                "CJK font in assets/fonts"
            );
            theme::apply_visuals(ctx);
        })
        .build_ui_state(|ui, app: &mut KioskApp| app.frame(ui), app);
    harness.step();
    Kiosk {
        harness,
        clock,
        camera,
        database,
        _dir: dir,
        _serial: serial,
    }
}

impl Kiosk {
    pub fn lang(&self) -> Lang {
        self.harness.state().lang()
    }

    pub fn text(&self, key: &str) -> String {
        tr(self.lang(), key).to_owned()
    }

    pub fn screen(&self) -> &'static str {
        self.harness.state().screen().name()
    }

    /// Whether a widget with exactly this label is on screen.
    pub fn shows(&self, label: &str) -> bool {
        self.harness.query_by_label(label).is_some()
    }

    /// Whether some widget's label contains `part`.
    pub fn shows_containing(&self, part: &str) -> bool {
        self.harness.query_by_label_contains(part).is_some()
    }

    /// Taps the widget labelled with the text of `key` in the current language.
    pub fn tap(&mut self, key: &str) {
        let label = self.text(key);
        self.tap_label(&label);
    }

    pub fn tap_label(&mut self, label: &str) {
        assert!(
            self.harness.query_by_label(label).is_some(),
            "no widget labelled {label:?} on the {} screen",
            self.screen()
        );
        self.harness.get_by_label(label).click();
        self.harness.step();
        self.harness.step();
    }

    /// Types digits on the on-screen keypad.
    pub fn type_digits(&mut self, digits: &str) {
        for digit in digits.chars() {
            self.tap_label(&digit.to_string());
        }
    }

    /// Moves the manual clock and runs a frame.
    pub fn advance(&mut self, by: Duration) {
        self.clock.advance(by);
        self.harness.step();
    }

    /// Runs frames (real time passing for the workers) until `done` holds.
    pub fn wait_for(&mut self, what: &str, mut done: impl FnMut(&Kiosk) -> bool) {
        let start = Instant::now();
        while start.elapsed() < REAL_TIMEOUT {
            self.harness.step();
            if done(self) {
                return;
            }
            std::thread::sleep(POLL);
        }
        panic!(
            "timed out after {REAL_TIMEOUT:?} waiting for {what}; screen is {}",
            self.screen()
        );
    }

    pub fn wait_for_screen(&mut self, name: &str) {
        let what = format!("the {name} screen");
        self.wait_for(&what, |k| k.screen() == name);
    }

    pub fn records(&self) -> Vec<RecordSummary> {
        let store = match Store::open(&self.database) {
            Ok(store) => store,
            Err(e) => panic!("store: {e:#}"),
        };
        match store.list(&RecordFilter::default()) {
            Ok(records) => records,
            Err(e) => panic!("list: {e:#}"),
        }
    }

    /// From Attract through consent and the keypad to the Pose screen (no roster: confirm the number).
    pub fn walk_to_pose(&mut self, student_no: &str) {
        assert_eq!(self.screen(), "attract");
        self.tap("attract.start");
        assert_eq!(self.screen(), "consent");
        self.tap("consent.accept");
        assert_eq!(self.screen(), "identify");
        self.type_digits(student_no);
        assert!(self.shows(student_no), "the typed number is shown");
        self.tap("identify.next");
        let confirm = self.text("identify.confirm_number");
        self.wait_for("the roster answer", |k| k.shows(&confirm));
        self.tap("identify.confirm_number");
        assert_eq!(self.screen(), "pose");
    }

    /// From Pose: the capture button, the 3-2-1 on the manual clock, then processing in real time.
    pub fn shoot_to_review(&mut self) {
        assert_eq!(self.screen(), "pose");
        self.tap("pose.capture");
        let countdown = self
            .harness
            .state()
            .booth()
            .flow()
            .settings()
            .countdown_secs;
        if countdown > 0 {
            assert_eq!(self.screen(), "countdown");
            assert!(
                self.shows(&countdown.to_string()),
                "the countdown shows {countdown}"
            );
            for _ in 0..countdown {
                self.advance(idbooth::core::flow::COUNTDOWN_STEP);
            }
        }
        self.wait_for_screen("review");
        self.wait_for("the standardized photo", |k| {
            k.harness.state().booth().review_photo().is_some()
        });
        self.harness.step();
    }
}
