//! Issue 8's staff-station pieces that join the booth and the desk, driven through egui_kittest over the
//! REAL apps (FakeCamera streaming a real good fixture photo, the real models, a SQLite file in a
//! tempdir, manual clocks):
//! - staff-assisted capture: the desk's "拍照 / Capture" tab runs the booth flow, the number typed on
//!   the keyboard, and the accepted photo is a record attributed to the staff account, in the queue;
//! - staff mode from the booth: corner long-press + PIN → Maintenance → "审核 / Review" opens the queue
//!   in the booth window → back to Maintenance.

mod kiosk_support;
#[path = "storage_support/mod.rs"]
mod storage_support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use egui::Key;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use idbooth::app::booth::{Booth, BoothParts};
use idbooth::app::staff::capture::{CaptureRequest, CaptureStarter};
use idbooth::app::staff::{StaffApp, StaffOptions, Tab};
use idbooth::app::station::{StaffOpener, StationApp};
use idbooth::app::text::{Lang, tr};
use idbooth::app::{Clock, FrameGate, KioskApp, theme};
use idbooth::camera::{CameraHandle, FakeCamera};
use idbooth::config::KioskConfig;
use idbooth::core::record::{Actor, RecordStatus, StaffAccount, StaffPin};
use idbooth::storage::{RecordFilter, Store};
use idbooth::vision::Vision;
use kiosk_support::{GOOD_FACE, ManualClock, REAL_TIMEOUT, fixture, patient_camera_settings};

const ACCOUNT: &str = "li.wei";
const PIN: &str = "2468";
const STUDENT_NO: &str = "20250001";
const STAFF_WINDOW: egui::Vec2 = egui::vec2(1440.0, 900.0);
const POLL: Duration = Duration::from_millis(10);
/// Station time (unix seconds) at the start of each test.
const T_START: i64 = storage_support::T0;

fn open(path: &Path) -> Store {
    match Store::open(path) {
        Ok(store) => store,
        Err(e) => panic!("store: {e:#}"),
    }
}

/// A fresh database with the staff account `ACCOUNT` / `PIN` (what `idbooth staff add` stores).
fn database_with_staff(dir: &Path) -> PathBuf {
    let database = dir.join("records.sqlite");
    let mut store = open(&database);
    let account = match StaffAccount::parse(ACCOUNT) {
        Ok(account) => account,
        Err(e) => panic!("account: {e:#}"),
    };
    let pin = match StaffPin::parse(PIN) {
        Ok(pin) => pin,
        Err(e) => panic!("pin: {e:#}"),
    };
    if let Err(e) = store.create_staff(&account, "Li Wei", &pin, &Actor::Cli, T_START - 100) {
        panic!("create staff: {e:#}");
    }
    database
}

fn staff_options(clock: &Arc<AtomicI64>) -> StaffOptions {
    let reader = Arc::clone(clock);
    StaffOptions {
        clock: Arc::new(move || reader.load(Ordering::SeqCst)),
        utc_offset_s: storage_support::CHINA_UTC_OFFSET_S,
    }
}

/// The booth over `database` with a fake camera; `actor` is who the store records.
fn booth_app(
    config: &KioskConfig,
    database: &Path,
    camera: &FakeCamera,
    clock: &ManualClock,
    actor: Actor,
) -> anyhow::Result<KioskApp> {
    let handle = CameraHandle::spawn_with_factory(
        patient_camera_settings(),
        camera.factory(),
        Box::new(|| {}),
    )?;
    let vision = Vision::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/models"))?;
    let parts = BoothParts {
        config: config.clone(),
        camera: handle,
        vision,
        store: Store::open(database)?,
        spooler: None,
        waker: Box::new(|| {}),
    };
    let booth = Booth::start_as(parts, actor, clock.now())?;
    Ok(KioskApp::new(
        config,
        booth,
        Box::new(clock.clone()),
        FrameGate::default(),
    ))
}

fn fake_camera() -> FakeCamera {
    match FakeCamera::from_files(&[fixture(GOOD_FACE)], Vec::new()) {
        Ok(camera) => camera.with_frame_interval(Duration::from_millis(33)),
        Err(e) => panic!("fake camera: {e}"),
    }
}

fn fonts(ctx: &egui::Context) {
    let fonts_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fonts");
    assert!(
        theme::install_fonts(ctx, &fonts_dir).is_some(),
        "CJK font in assets/fonts"
    );
    theme::apply_visuals(ctx);
}

/// Runs frames (real time passing for the workers) until `done` holds.
fn wait<S>(harness: &mut Harness<'static, S>, what: &str, mut done: impl FnMut(&S) -> bool) {
    let start = Instant::now();
    while start.elapsed() < REAL_TIMEOUT {
        harness.step();
        if done(harness.state()) {
            return;
        }
        std::thread::sleep(POLL);
    }
    panic!("timed out after {REAL_TIMEOUT:?} waiting for {what}");
}

fn click<S>(harness: &mut Harness<'static, S>, label: &str) {
    assert!(
        harness.query_by_label(label).is_some(),
        "no widget labelled {label:?}"
    );
    harness.get_by_label(label).click();
    harness.step();
    harness.step();
}

fn kiosk_screen(app: &StaffApp) -> &'static str {
    app.capture_kiosk().map_or("", |k| k.screen().name())
}

#[test]
fn staff_capture_tab_runs_the_booth_flow_and_the_photo_is_the_staff_accounts_record() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let database = database_with_staff(dir.path());
    let config = KioskConfig::default();
    let camera = fake_camera();
    let booth_clock = ManualClock::default();
    let starter: CaptureStarter = {
        let (config, database, camera, clock) = (
            config.clone(),
            database.clone(),
            camera.clone(),
            booth_clock.clone(),
        );
        Arc::new(move |request: CaptureRequest| {
            booth_app(
                &config,
                &database,
                &camera,
                &clock,
                Actor::Staff(request.account),
            )
        })
    };
    let station_clock = Arc::new(AtomicI64::new(T_START));
    let app = match StaffApp::new(config, open(&database), staff_options(&station_clock)) {
        Ok(app) => app.with_capture(starter),
        Err(e) => panic!("staff app: {e:#}"),
    };
    let mut h = Harness::builder()
        .with_size(STAFF_WINDOW)
        .with_context_setup(|ctx| {
            fonts(ctx);
            theme::apply_staff_text_sizes(ctx);
        })
        .build_ui_state(|ui, app: &mut StaffApp| app.show(ui), app);
    h.run_steps(2);
    let lang = h.state().lang();
    let t = |key: &str| tr(lang, key).to_owned();

    // Log in; the camera has not been opened by the station's start-up.
    for (field, text) in [("staff.account", ACCOUNT), ("staff.pin", PIN)] {
        h.get_by_label(&t(field)).focus();
        h.step();
        h.get_by_label(&t(field)).type_text(text);
        h.step();
    }
    click(&mut h, &t("staff.login"));
    wait(&mut h, "the login", |app| app.desk().is_some());
    assert_eq!(camera.stats().opens, 0, "no camera before the tab opens");
    assert!(!h.state().capture_active());

    // The capture tab starts the booth (models and camera) and shows its start screen.
    click(&mut h, &t("staff.tab_capture"));
    wait(&mut h, "the booth to start", |app| {
        app.capture_kiosk().is_some()
    });
    wait(&mut h, "the camera to open", |_| camera.stats().opens > 0);
    let kiosk_lang = h.state().capture_kiosk().map_or(Lang::Zh, KioskApp::lang);
    let k = |key: &str| tr(kiosk_lang, key).to_owned();
    assert_eq!(kiosk_screen(h.state()), "attract");
    click(&mut h, &k("attract.start"));
    click(&mut h, &k("consent.accept"));
    assert_eq!(kiosk_screen(h.state()), "identify");

    // The number typed on the keyboard goes to the keypad; Enter looks it up, Enter confirms it.
    h.event(egui::Event::Text(STUDENT_NO.to_owned()));
    h.step();
    h.step();
    assert!(
        h.query_by_label(STUDENT_NO).is_some(),
        "the typed number is shown"
    );
    h.key_press(Key::Enter);
    h.step();
    let confirm = k("identify.confirm_number");
    let start = Instant::now();
    while h.query_by_label(&confirm).is_none() && start.elapsed() < REAL_TIMEOUT {
        h.step();
        std::thread::sleep(POLL);
    }
    assert!(
        h.query_by_label(&confirm).is_some(),
        "the number to confirm"
    );
    h.key_press(Key::Enter);
    h.step();
    h.step();
    assert_eq!(kiosk_screen(h.state()), "pose");
    // The desk's review shortcuts did not run meanwhile: still on the capture tab.
    assert_eq!(h.state().desk().map(|d| d.tab), Some(Tab::Capture));

    // Shoot with the fake camera, count down on the booth's manual clock, accept.
    click(&mut h, &k("pose.capture"));
    let countdown = h
        .state()
        .capture_kiosk()
        .map_or(0, |k| k.booth().flow().settings().countdown_secs);
    for _ in 0..countdown {
        booth_clock.advance(idbooth::core::flow::COUNTDOWN_STEP);
        h.step();
    }
    wait(&mut h, "the review screen", |app| {
        kiosk_screen(app) == "review"
            && app
                .capture_kiosk()
                .is_some_and(|k| k.booth().review_photo().is_some())
    });
    h.step();
    click(&mut h, &k("review.accept"));
    wait(&mut h, "the done screen", |app| kiosk_screen(app) == "done");

    // The record is the staff account's, pending review.
    let records = match open(&database).list(&RecordFilter::default()) {
        Ok(records) => records,
        Err(e) => panic!("list: {e:#}"),
    };
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].record.student_no.as_str(), STUDENT_NO);
    assert_eq!(records[0].record.status, RecordStatus::PendingReview);
    let detail = match open(&database).get(records[0].record.id) {
        Ok(detail) => detail,
        Err(e) => panic!("get: {e:#}"),
    };
    assert_eq!(detail.captures[0].actor, Actor::Staff(ACCOUNT.to_owned()));

    // Leaving the tab releases the camera; the queue shows the new record.
    click(&mut h, &t("staff.tab_queue").replace("{n}", "0"));
    assert!(!h.state().capture_active(), "the booth stopped");
    wait(&mut h, "the camera to close", |_| {
        let stats = camera.stats();
        stats.closes >= stats.opens
    });
    wait(&mut h, "the queue", |app| {
        app.desk()
            .is_some_and(|d| d.queue.iter().any(|i| i.record.id == records[0].record.id))
    });
}

/// The booth window as `run_kiosk` builds it: the station wrapper over the booth.
struct BoothWindow {
    harness: Harness<'static, StationApp>,
    clock: ManualClock,
    lang: Lang,
}

impl BoothWindow {
    fn text(&self, key: &str) -> String {
        tr(self.lang, key).to_owned()
    }

    fn screen(&self) -> &'static str {
        self.harness.state().kiosk().screen().name()
    }

    fn tap(&mut self, key: &str) {
        let label = self.text(key);
        click(&mut self.harness, &label);
    }

    fn wait_for_screen(&mut self, name: &'static str) {
        wait(&mut self.harness, name, |app| {
            app.kiosk().screen().name() == name
        });
    }
}

#[test]
fn booth_pin_opens_maintenance_review_shows_the_queue_and_goes_back() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let database = database_with_staff(dir.path());
    // One submission waiting for review.
    let booth_actor = Actor::Booth("booth-1".into());
    let record = match open(&database).create_submission(
        &storage_support::submission(STUDENT_NO),
        &storage_support::capture(0, STUDENT_NO),
        &booth_actor,
        T_START - 60,
    ) {
        Ok(outcome) => outcome,
        Err(e) => panic!("submit: {e:#}"),
    };
    let config = KioskConfig::default();
    let camera = fake_camera();
    let clock = ManualClock::default();
    let kiosk = booth_app(&config, &database, &camera, &clock, booth_actor)
        .unwrap_or_else(|e| panic!("booth: {e:#}"));
    let station_clock = Arc::new(AtomicI64::new(T_START));
    let opener: StaffOpener = {
        let (config, database) = (config.clone(), database.clone());
        Box::new(move |account: &str| {
            let app = StaffApp::new(
                config.clone(),
                open(&database),
                staff_options(&station_clock),
            )?;
            Ok(app.resume(account))
        })
    };
    let app = StationApp::new(kiosk, opener);
    let mut harness = Harness::builder()
        .with_size(kiosk_support::SCREEN)
        .with_context_setup(fonts)
        .build_ui_state(|ui, app: &mut StationApp| app.frame(ui), app);
    harness.step();
    let lang = harness.state().kiosk().lang();
    let mut w = BoothWindow {
        harness,
        clock,
        lang,
    };
    w.wait_for_screen("attract");

    // Long press on the hidden top-left corner (on the booth's manual clock), then the PIN.
    // Inside the corner square and the central panel's clip rect (its outer margin does not react).
    let corner = egui::pos2(30.0, 30.0);
    w.harness.event(egui::Event::PointerMoved(corner));
    w.harness.step();
    w.harness.event(egui::Event::PointerButton {
        pos: corner,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    // egui reports the press on the widget from the next frame on.
    w.harness.step();
    w.harness.step();
    let hold = w
        .harness
        .state()
        .kiosk()
        .booth()
        .flow()
        .settings()
        .corner_hold;
    w.clock.advance(hold + Duration::from_millis(100));
    w.harness.step();
    w.harness.step();
    w.harness.event(egui::Event::PointerButton {
        pos: corner,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    w.harness.step();
    assert_eq!(w.screen(), "staff_pin");
    for digit in PIN.chars() {
        click(&mut w.harness, &digit.to_string());
    }
    w.tap("pin.ok");
    w.wait_for_screen("maintenance");
    assert!(w.harness.state().staff().is_none());

    // Review opens the staff queue in the booth window, logged in as the PIN's account.
    w.tap("maint.review");
    assert!(w.harness.state().staff().is_some(), "the desk opened");
    wait(&mut w.harness, "the queue", |app| {
        app.staff().and_then(StaffApp::desk).is_some_and(|desk| {
            desk.staff.account.as_str() == ACCOUNT
                && desk.queue.iter().any(|item| item.record.id == record)
        })
    });
    let queue_label = tr(lang, "staff.tab_queue").replace("{n}", "1");
    assert!(
        w.harness.query_by_label(&queue_label).is_some(),
        "the queue tab shows one pending record"
    );
    assert!(
        w.harness.query_by_label(&w.text("maint.title")).is_none(),
        "the desk replaces the maintenance screen"
    );

    // Back to maintenance: the desk closes, the booth is where it was.
    w.tap("staff.back_to_maintenance");
    assert!(w.harness.state().staff().is_none());
    assert_eq!(w.screen(), "maintenance");
    assert!(w.harness.query_by_label(&w.text("maint.review")).is_some());
}

#[test]
fn a_desk_opened_from_the_booth_refuses_an_unknown_or_disabled_account() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let database = database_with_staff(dir.path());
    let account = StaffAccount::parse(ACCOUNT).unwrap_or_else(|e| panic!("account: {e:#}"));
    if let Err(e) = open(&database).set_staff_disabled(&account, true, &Actor::Cli, T_START - 10) {
        panic!("disable: {e:#}");
    }
    let clock = Arc::new(AtomicI64::new(T_START));
    for who in [ACCOUNT, "nobody"] {
        let app = match StaffApp::new(
            KioskConfig::default(),
            open(&database),
            staff_options(&clock),
        ) {
            Ok(app) => app.resume(who),
            Err(e) => panic!("staff app: {e:#}"),
        };
        let mut h = Harness::builder()
            .with_size(STAFF_WINDOW)
            .with_context_setup(fonts)
            .build_ui_state(|ui, app: &mut StaffApp| app.show(ui), app);
        wait(&mut h, "the worker's answer", |app| !app.is_busy());
        assert!(h.state().desk().is_none(), "{who} gets no desk");
        assert!(
            h.state().login_error().is_some(),
            "{who}: the refusal is shown"
        );
    }
}
