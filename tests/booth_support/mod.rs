//! A real `Booth` for tests: FakeCamera (or the demo source) streaming real photos, the real models from
//! assets/models, a real SQLite file in a temporary directory, and a manual clock. The clock follows real
//! time while a test waits for the workers, and jumps when a test wants a timer to run out.

#![allow(dead_code)] // each test binary uses a different part

#[path = "../serial_support/mod.rs"]
mod serial;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use idbooth::app::booth::{Booth, BoothParts};
use idbooth::camera::{CameraHandle, CameraSettings, FakeCamera, FakeStep, SourceSpec};
use idbooth::config::KioskConfig;
use idbooth::core::flow::{Event, Screen};
use idbooth::print::spool::Spooler;
use idbooth::storage::Store;
use idbooth::vision::Vision;

pub const STUDENT_NO: &str = "2026123456";
/// Longest wait for a worker (processing in a debug build on a loaded 2-core machine takes seconds).
pub const WORKER_TIMEOUT: Duration = Duration::from_mins(2);
/// Sleep between pumps while waiting (the UI pumps at its frame rate; this is gentler).
const PUMP_INTERVAL: Duration = Duration::from_millis(15);
/// The camera watchdog of the rigs.
pub const WATCHDOG: Duration = Duration::from_millis(1500);
/// Camera frame interval of the fakes (fast, so stalls and stills resolve quickly).
pub const FRAME_INTERVAL: Duration = Duration::from_millis(20);

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/faces")
        .join(name)
}

pub fn models_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/models")
}

/// The shipped defaults (countdown 3 s, auto-shutter after 1 s green, 10 Hz live checks, idle 90 s).
pub fn config() -> KioskConfig {
    KioskConfig::default()
}

/// Camera settings that notice a stall within [`WATCHDOG`] (long enough that a loaded 2-core machine does
/// not starve the fake into a false alarm).
pub fn camera_settings() -> CameraSettings {
    CameraSettings {
        watchdog_ms: u64::try_from(WATCHDOG.as_millis()).unwrap_or(u64::MAX),
        reconnect_initial_ms: 50,
        reconnect_max_ms: 400,
        settle_ms: 50,
        ..CameraSettings::default()
    }
}

/// A file of this test kit (QR codes).
pub fn support_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/booth_support")
        .join(name)
}

pub fn fake_camera(photo: &str, script: Vec<FakeStep>) -> FakeCamera {
    fake_camera_at(&fixture(photo), script)
}

pub fn fake_camera_at(path: &Path, script: Vec<FakeStep>) -> FakeCamera {
    match FakeCamera::from_files(&[path], script) {
        Ok(camera) => camera.with_frame_interval(FRAME_INTERVAL),
        Err(e) => panic!("fake camera: {e}"),
    }
}

/// Where a rig's camera comes from.
pub enum Source {
    Fake(FakeCamera),
    /// The built-in demo source (a consenting subject's photo, flagged demo).
    Demo,
}

/// A booth under test.
pub struct Rig {
    pub booth: Booth,
    pub camera: Option<FakeCamera>,
    pub now: Duration,
    pub db: PathBuf,
    _dir: tempfile::TempDir,
    /// Declared last so the booth is gone before the next test's starts.
    _serial: serial::SerialGuard,
}

fn load_vision() -> Vision {
    match Vision::load(&models_dir()) {
        Ok(vision) => vision,
        Err(e) => panic!("models: {e}"),
    }
}

impl Rig {
    pub fn new(source: Source) -> Rig {
        Rig::with_config(source, config())
    }

    pub fn with_config(source: Source, config: KioskConfig) -> Rig {
        Rig::with_parts(source, config, None)
    }

    /// A booth with a printer (tests pass a `FakeSpooler`).
    pub fn with_parts(
        source: Source,
        config: KioskConfig,
        spooler: Option<Box<dyn Spooler + Send>>,
    ) -> Rig {
        let serial = serial::SerialGuard::acquire();
        // Warnings and errors of the booth show in a failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter("idbooth=info")
            .try_init();
        let dir = match tempfile::tempdir() {
            Ok(dir) => dir,
            Err(e) => panic!("tempdir: {e}"),
        };
        Rig::start(dir, serial, source, config, spooler)
    }

    /// Stops this booth (its workers joined) and starts a new one on the same database file, as after a
    /// crash or a power cut: same camera source, `config` and `spooler`.
    pub fn restart(self, config: KioskConfig, spooler: Option<Box<dyn Spooler + Send>>) -> Rig {
        let Rig {
            booth,
            camera,
            _dir: dir,
            _serial: serial,
            ..
        } = self;
        drop(booth);
        let source = camera.map_or(Source::Demo, Source::Fake);
        Rig::start(dir, serial, source, config, spooler)
    }

    fn start(
        dir: tempfile::TempDir,
        serial: serial::SerialGuard,
        source: Source,
        config: KioskConfig,
        spooler: Option<Box<dyn Spooler + Send>>,
    ) -> Rig {
        let db = dir.path().join("idbooth.sqlite3");
        let store = match Store::open(&db) {
            Ok(store) => store,
            Err(e) => panic!("store: {e:#}"),
        };
        let (camera, fake) = match source {
            Source::Fake(fake) => {
                let handle = CameraHandle::spawn_with_factory(
                    camera_settings(),
                    fake.factory(),
                    Box::new(|| {}),
                );
                (handle, Some(fake))
            }
            Source::Demo => {
                let settings = CameraSettings {
                    source: SourceSpec::Demo,
                    ..camera_settings()
                };
                (CameraHandle::spawn(settings, Box::new(|| {})), None)
            }
        };
        let camera = match camera {
            Ok(camera) => camera,
            Err(e) => panic!("camera: {e}"),
        };
        let parts = BoothParts {
            config,
            camera,
            vision: load_vision(),
            store,
            spooler,
            waker: Box::new(|| {}),
        };
        let now = Duration::from_secs(1000);
        let booth = match Booth::start(parts, now) {
            Ok(booth) => booth,
            Err(e) => panic!("booth: {e:#}"),
        };
        let mut rig = Rig {
            booth,
            camera: fake,
            now,
            db,
            _dir: dir,
            _serial: serial,
        };
        rig.wait_for("the camera to go live", |booth| {
            booth.diagnostics().camera_status.is_live()
        });
        rig
    }

    pub fn screen(&self) -> &Screen {
        self.booth.flow().screen()
    }

    pub fn tap(&mut self, event: Event) {
        self.booth.handle(event, self.now);
        self.booth.pump(self.now);
    }

    /// Jumps the clock (a timer runs out) and pumps.
    pub fn advance(&mut self, step: Duration) {
        self.now += step;
        self.booth.pump(self.now);
    }

    /// Pumps, with the clock following real time, until `done` holds; panics after [`WORKER_TIMEOUT`].
    pub fn wait_for(&mut self, what: &str, done: impl Fn(&Booth) -> bool) {
        let started = Instant::now();
        let mut last = Instant::now();
        loop {
            let real = last.elapsed();
            last = Instant::now();
            self.now += real;
            self.booth.pump(self.now);
            if done(&self.booth) {
                return;
            }
            assert!(
                started.elapsed() < WORKER_TIMEOUT,
                "timed out waiting for {what}; screen {:?}",
                self.screen()
            );
            std::thread::sleep(PUMP_INTERVAL);
        }
    }

    pub fn wait_for_screen(&mut self, name: &str) {
        self.wait_for(&format!("the {name} screen"), |booth| {
            booth.flow().screen().name() == name
        });
    }

    /// Attract → Consent → Identify → (keypad, store lookup without a roster) → Pose.
    pub fn reach_pose(&mut self, student_no: &str) {
        assert_eq!(self.screen().name(), "attract", "{:?}", self.screen());
        self.tap(Event::Start);
        self.tap(Event::AcceptConsent);
        assert_eq!(self.screen().name(), "identify");
        for key in student_no.chars() {
            self.tap(Event::KeypadDigit(key));
        }
        self.tap(Event::SubmitNumber);
        self.wait_for("the roster lookup", |booth| match booth.flow().screen() {
            Screen::Identify(state) => state.lookup.confirmable().is_some(),
            _ => false,
        });
        self.tap(Event::ConfirmStudent);
        assert_eq!(self.screen().name(), "pose", "{:?}", self.screen());
    }

    /// Pose → (auto-shutter once the live checks are green) → Countdown → capture → Review.
    pub fn auto_shutter_to_review(&mut self) {
        self.wait_for_screen("countdown");
        while self.screen().name() == "countdown" {
            self.advance(Duration::from_secs(1));
        }
        self.wait_for_screen("review");
    }

    /// Pose → capture button → Countdown → capture → Review.
    pub fn button_to_review(&mut self) {
        self.tap(Event::CaptureButton);
        while self.screen().name() == "countdown" {
            self.advance(Duration::from_secs(1));
        }
        self.wait_for_screen("review");
    }

    /// A second connection to the booth's database.
    pub fn store(&self) -> Store {
        match Store::open(&self.db) {
            Ok(store) => store,
            Err(e) => panic!("store: {e:#}"),
        }
    }

    pub fn db_path(&self) -> &Path {
        &self.db
    }
}
