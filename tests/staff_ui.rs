//! The staff station driven through its UI with egui_kittest, against a real SQLite file in a tempdir
//! filled with records that carry real fixture photos: PIN login and lockout, the queue order, approve and
//! reject (keyboard and mouse), search, statistics, roster import, the retention purge, hostile strings.

#[path = "storage_support/mod.rs"]
mod storage_support;

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use egui::Key;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use idbooth::app::staff::{Banner, Decision, StaffApp, StaffOptions, Tab};
use idbooth::app::text::tr;
use idbooth::app::theme;
use idbooth::config::KioskConfig;
use idbooth::core::record::{
    Actor, AuditAction, ReasonCode, RecordId, RecordStatus, Rejection, StaffAccount, StaffPin,
};
use idbooth::print::fake::FakeSpooler;
use idbooth::print::spool::{PrinterState, Spooler};
use idbooth::storage::{NewPrintJob, RosterImportOptions, Store};
use storage_support::{CHINA_UTC_OFFSET_S, RULE, T0, capture, submission};

const ACCOUNT: &str = "li.wei";
const PIN: &str = "2468";
/// Frames a test waits for the worker before it fails (each frame sleeps `FRAME_WAIT`).
const MAX_WAIT_FRAMES: usize = 2_000;
const FRAME_WAIT: std::time::Duration = std::time::Duration::from_millis(5);
const WINDOW: egui::Vec2 = egui::vec2(1400.0, 900.0);

/// Students in submission order: number, roster name, minutes after T0 they were queued.
const STUDENTS: [(&str, &str); 3] = [
    ("2025000001", "张三"),
    ("2025000002", "O'Brien \"Bob\" <王>"),
    ("2025000003", "李四"),
];

/// Whether a character the shipped fonts cannot draw fails the test (it should, except for the emoji the
/// hostile-string test feeds in on purpose: the CJK subset has no emoji and egui then draws a box).
#[derive(Clone, Copy, PartialEq)]
enum Glyphs {
    Strict,
    AllowMissing,
}

struct Station {
    harness: Harness<'static, StaffApp>,
    clock: Arc<AtomicI64>,
    database: std::path::PathBuf,
    dir: tempfile::TempDir,
}

fn open(path: &Path) -> Store {
    match Store::open(path) {
        Ok(store) => store,
        Err(e) => panic!("open store: {e:#}"),
    }
}

/// A database with a staff account, a roster and three pending records queued a minute apart (the
/// second one submitted first in wall-clock terms is still queued later: order is by queue time).
fn seeded(extra: impl FnOnce(&mut Store)) -> Station {
    seeded_with(Glyphs::Strict, extra)
}

fn seeded_with(glyphs: Glyphs, extra: impl FnOnce(&mut Store)) -> Station {
    seeded_full(glyphs, extra, None)
}

/// A seeded station whose printer is `printer`, polled every few milliseconds.
fn seeded_with_printer(extra: impl FnOnce(&mut Store), printer: Arc<dyn Spooler>) -> Station {
    seeded_full(Glyphs::Strict, extra, Some(printer))
}

fn seeded_full(
    glyphs: Glyphs,
    extra: impl FnOnce(&mut Store),
    printer: Option<Arc<dyn Spooler>>,
) -> Station {
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => panic!("tempdir: {e}"),
    };
    let database = dir.path().join("records.sqlite");
    let mut store = open(&database);
    let (Ok(account), Ok(pin)) = (StaffAccount::parse(ACCOUNT), StaffPin::parse(PIN)) else {
        panic!("valid account and PIN")
    };
    if let Err(e) = store.create_staff(&account, "李伟", &pin, &Actor::Cli, T0 - 3600) {
        panic!("create staff: {e:#}");
    }
    let mut csv = String::from("学号,姓名,院系\n");
    for (number, name) in STUDENTS {
        let quoted_name = name.replace('"', "\"\"");
        let written = writeln!(csv, "{number},\"{quoted_name}\",物理学院");
        assert!(written.is_ok());
    }
    let options = RosterImportOptions {
        rule: RULE,
        ..RosterImportOptions::default()
    };
    match store.import_roster(csv.as_bytes(), &options, &Actor::Cli, T0 - 3000) {
        Ok(report) => assert!(report.committed, "{report:?}"),
        Err(e) => panic!("roster: {e:#}"),
    }
    for (index, (number, _)) in STUDENTS.iter().enumerate() {
        let at = T0 + 60 * index as i64;
        let booth = Actor::Booth("booth-1".into());
        if let Err(e) =
            store.create_submission(&submission(number), &capture(index, number), &booth, at)
        {
            panic!("submit {number}: {e:#}");
        }
    }
    extra(&mut store);
    drop(store);
    station(dir, database, glyphs, printer)
}

/// How often the test stations poll their fake printer.
const PRINTER_POLL: std::time::Duration = std::time::Duration::from_millis(20);

fn station(
    dir: tempfile::TempDir,
    database: std::path::PathBuf,
    glyphs: Glyphs,
    printer: Option<Arc<dyn Spooler>>,
) -> Station {
    let clock = Arc::new(AtomicI64::new(T0 + 600));
    let reader = Arc::clone(&clock);
    let options = StaffOptions {
        clock: Arc::new(move || reader.load(Ordering::SeqCst)),
        utc_offset_s: CHINA_UTC_OFFSET_S,
    };
    let mut app = match StaffApp::new(KioskConfig::default(), open(&database), options) {
        Ok(app) => app,
        Err(e) => panic!("staff app: {e:#}"),
    };
    if let Some(spooler) = printer {
        app = match app.with_printer(spooler, PRINTER_POLL) {
            Ok(app) => app,
            Err(e) => panic!("printer monitor: {e:#}"),
        };
    }
    let fonts_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fonts");
    let mut builder = Harness::builder()
        .with_size(WINDOW)
        .with_context_setup(move |ctx| {
            // The station's real fonts, as `run_staff` installs them.
            assert!(
                theme::install_fonts(ctx, &fonts_dir).is_some(),
                "CJK font in assets/fonts"
            );
            theme::apply_visuals(ctx);
            theme::apply_staff_text_sizes(ctx);
        });
    if glyphs == Glyphs::AllowMissing {
        builder = builder.allow_missing_glyphs();
    }
    let mut harness = builder.build_ui_state(|ui, app: &mut StaffApp| app.show(ui), app);
    harness.run_steps(2);
    let mut station = Station {
        harness,
        clock,
        database,
        dir,
    };
    // A station with a printer settles the print log first; the login button waits for it.
    station.settle();
    station
}

impl Station {
    fn text(&self, key: &str) -> String {
        tr(self.harness.state().lang(), key).to_owned()
    }

    /// Runs frames until the worker has answered everything and the answers caused no new commands.
    fn settle(&mut self) {
        let mut idle_frames = 0;
        for _ in 0..MAX_WAIT_FRAMES {
            self.harness.step();
            if self.harness.state().is_busy() {
                idle_frames = 0;
                std::thread::sleep(FRAME_WAIT);
            } else {
                idle_frames += 1;
                if idle_frames >= 3 {
                    return;
                }
            }
        }
        panic!("the staff-io worker did not answer within {MAX_WAIT_FRAMES} frames");
    }

    /// Replaces the text of the field labelled by `label_key` (select all, then type).
    fn type_into(&mut self, label_key: &str, text: &str) {
        let label = self.text(label_key);
        self.harness.get_by_label(&label).focus();
        self.harness.step();
        self.harness
            .key_press_modifiers(egui::Modifiers::COMMAND, Key::A);
        self.harness.step();
        self.harness.get_by_label(&label).type_text(text);
        self.harness.step();
    }

    fn click(&mut self, label_key: &str) {
        let label = self.text(label_key);
        self.harness.get_by_label(&label).click();
        self.harness.step();
        self.settle();
    }

    fn press(&mut self, key: Key) {
        self.harness.key_press(key);
        self.harness.step();
        self.settle();
    }

    fn login(&mut self, pin: &str) {
        self.type_into("staff.account", ACCOUNT);
        self.type_into("staff.pin", pin);
        self.click("staff.login");
    }

    fn store(&self) -> Store {
        open(&self.database)
    }

    fn queue_ids(&self) -> Vec<RecordId> {
        self.desk()
            .queue
            .iter()
            .map(|item| item.record.id)
            .collect()
    }

    fn desk(&self) -> &idbooth::app::staff::Desk {
        match self.harness.state().desk() {
            Some(desk) => desk,
            None => panic!("not logged in: {:?}", self.harness.state().login_error()),
        }
    }

    fn status(&self, id: RecordId) -> RecordStatus {
        match self.store().get(id) {
            Ok(detail) => detail.summary.record.status,
            Err(e) => panic!("get {id}: {e:#}"),
        }
    }
}

#[test]
fn wrong_pin_is_refused_repeated_failures_lock_the_account_and_the_lock_expires() {
    let mut station = seeded(|_| {});
    let config = KioskConfig::default();
    let attempts = config.staff.pin_attempts;
    let lockout_s = config.staff.lockout.as_secs() as i64;
    station.login("1111");
    assert!(station.harness.state().desk().is_none());
    let wrong_pin = station
        .text("staff.login_wrong_pin")
        .replace("{n}", &(attempts - 1).to_string());
    assert_eq!(
        station.harness.state().login_error(),
        Some(wrong_pin.as_str())
    );
    assert!(station.harness.query_by_label(&wrong_pin).is_some());
    for _ in 1..attempts {
        station.login("1111");
    }
    let locked = |station: &Station, remaining_s: i64| {
        station
            .text("staff.login_locked")
            .replace("{n}", &remaining_s.to_string())
    };
    assert_eq!(
        station.harness.state().login_error(),
        Some(locked(&station, lockout_s).as_str())
    );
    // The right PIN is refused while the lock lasts...
    station.clock.fetch_add(lockout_s - 1, Ordering::SeqCst);
    station.login(PIN);
    assert!(station.harness.state().desk().is_none());
    assert_eq!(
        station.harness.state().login_error(),
        Some(locked(&station, 1).as_str())
    );
    // ...and accepted once it has expired.
    station.clock.fetch_add(1, Ordering::SeqCst);
    station.login(PIN);
    assert_eq!(station.desk().staff.account.to_string(), ACCOUNT);
    let log = match station.store().audit_log(0, 1000) {
        Ok(log) => log,
        Err(e) => panic!("audit: {e:#}"),
    };
    let count = |action| log.iter().filter(|entry| entry.action == action).count();
    assert_eq!(count(AuditAction::StaffLoginFailed), attempts as usize);
    assert_eq!(count(AuditAction::StaffLockedOut), 1);
    assert_eq!(count(AuditAction::StaffLogin), 1);
}

#[test]
fn queue_is_oldest_first_and_a_keyboard_approval_reaches_the_store() {
    let mut station = seeded(|_| {});
    station.login(PIN);
    let ids = station.queue_ids();
    assert_eq!(ids.len(), 3);
    let queued: Vec<i64> = station
        .desk()
        .queue
        .iter()
        .map(|item| item.record.queued_at_unix_s)
        .collect();
    assert!(queued.windows(2).all(|w| w[0] <= w[1]), "{queued:?}");
    assert_eq!(
        station.desk().queue[0].record.student_no.as_str(),
        STUDENTS[0].0
    );
    // The oldest record is selected and both its images are on screen.
    assert_eq!(station.desk().selected, Some(ids[0]));
    assert_eq!(station.harness.state().images_shown(), (true, true));
    // Each image is drawn under its caption (the caption and the image's alt text).
    for key in ["staff.photo", "staff.original"] {
        assert_eq!(
            station
                .harness
                .query_all_by_label(&station.text(key))
                .count(),
            2,
            "{key}"
        );
    }

    station.press(Key::A);
    assert_eq!(station.status(ids[0]), RecordStatus::Approved);
    assert_eq!(station.queue_ids(), ids[1..].to_vec());
    assert_eq!(
        station.desk().selected,
        Some(ids[1]),
        "the next record takes its place"
    );
    assert!(matches!(
        station.harness.state().banner(),
        Some(Banner::Good(_))
    ));
    let history = match station.store().get(ids[0]) {
        Ok(detail) => detail.history,
        Err(e) => panic!("{e:#}"),
    };
    let approval = history.iter().find(|e| e.action == AuditAction::Approved);
    assert_eq!(
        approval.map(|e| e.actor.clone()),
        Some(Actor::Staff(ACCOUNT.into()))
    );

    // J/K move through the queue without deciding anything.
    station.press(Key::J);
    assert_eq!(station.desk().selected, Some(ids[2]));
    station.press(Key::K);
    assert_eq!(station.desk().selected, Some(ids[1]));
    assert_eq!(station.status(ids[1]), RecordStatus::PendingReview);
}

#[test]
fn rejection_stores_the_picked_reason_and_the_note() {
    let mut station = seeded(|_| {});
    station.login(PIN);
    let ids = station.queue_ids();
    station.press(Key::J);
    assert_eq!(station.desk().selected, Some(ids[1]));
    station.press(Key::R);
    assert!(matches!(
        station.desk().decision,
        Decision::Rejecting { .. }
    ));
    station.press(Key::Num2);
    let note = "请摘下眼镜 \"glasses\" O'Reilly 100%_";
    station.type_into("staff.note", note);
    station.click("staff.confirm_reject");
    let config = KioskConfig::default();
    let expected_code = config.staff.reasons[1].code.clone();
    let rejection = match station.store().get(ids[1]) {
        Ok(detail) => {
            assert_eq!(detail.summary.record.status, RecordStatus::Rejected);
            detail.last_rejection
        }
        Err(e) => panic!("{e:#}"),
    };
    let Some(rejection) = rejection else {
        panic!("no rejection stored")
    };
    let codes: Vec<&str> = rejection.reasons().iter().map(ReasonCode::as_str).collect();
    assert_eq!(codes, [expected_code.as_str()]);
    assert_eq!(rejection.note(), note);
    // The other records are untouched and the queue moved on.
    assert_eq!(station.status(ids[0]), RecordStatus::PendingReview);
    assert_eq!(station.queue_ids(), vec![ids[0], ids[2]]);
}

#[test]
fn other_without_a_note_is_refused_before_it_reaches_the_store() {
    let mut station = seeded(|_| {});
    station.login(PIN);
    let ids = station.queue_ids();
    let config = KioskConfig::default();
    let other_index = config
        .staff
        .reasons
        .iter()
        .position(|r| r.code == "other")
        .unwrap_or_else(|| panic!("the catalog has `other`"));
    station.press(Key::R);
    let other_label = {
        let reason = &config.staff.reasons[other_index];
        let text = match station.harness.state().lang() {
            idbooth::app::text::Lang::Zh => &reason.zh,
            idbooth::app::text::Lang::En => &reason.en,
        };
        if other_index < 9 {
            format!("{}  {text}", other_index + 1)
        } else {
            text.clone()
        }
    };
    // The reason list may scroll: pick through accessibility, like a screen reader would.
    station.harness.get_by_label(&other_label).click_accesskit();
    station.harness.step();
    station.click("staff.confirm_reject");
    let Decision::Rejecting { error, .. } = &station.desk().decision else {
        panic!("still rejecting")
    };
    assert!(
        error.as_deref().is_some_and(|e| e.contains("note")),
        "{error:?}"
    );
    assert_eq!(station.status(ids[0]), RecordStatus::PendingReview);
    station.press(Key::Escape);
    assert_eq!(station.desk().decision, Decision::Idle);
}

#[test]
fn search_finds_records_by_name_and_by_student_number() {
    let mut station = seeded(|_| {});
    station.login(PIN);
    station.press(Key::Slash);
    assert_eq!(station.desk().tab, Tab::Search);
    station.type_into("staff.search_label", "李");
    station.harness.key_press(Key::Enter);
    station.harness.step();
    station.settle();
    let found: Vec<&str> = station
        .desk()
        .search_results
        .iter()
        .map(|item| item.record.student_no.as_str())
        .collect();
    assert_eq!(found, [STUDENTS[2].0]);

    // Replace the query with a number prefix and search with the button.
    station.type_into("staff.search_label", "202500000");
    assert_eq!(station.desk().search_text, "202500000");
    station.click("staff.search");
    let mut found: Vec<String> = station
        .desk()
        .search_results
        .iter()
        .map(|item| item.record.student_no.to_string())
        .collect();
    found.sort();
    assert_eq!(found, STUDENTS.map(|(number, _)| number.to_owned()));

    // A result opens in the review pane when clicked.
    let Some(third) = station
        .desk()
        .search_results
        .iter()
        .find(|item| item.record.student_no.as_str() == STUDENTS[2].0)
        .map(|item| item.record.id)
    else {
        panic!("student 3 among the results")
    };
    station.harness.get_by_label_contains(STUDENTS[2].0).click();
    station.harness.step();
    station.settle();
    assert_eq!(station.desk().selected, Some(third));
    assert_eq!(
        station
            .desk()
            .shown
            .as_ref()
            .map(|s| s.detail.summary.record.id),
        Some(third)
    );
}

#[test]
fn statistics_show_what_the_store_counts() {
    let mut station = seeded(|store| {
        let reviewer = Actor::Staff(ACCOUNT.into());
        let ids: Vec<RecordId> = match store.review_queue(0, 10) {
            Ok(page) => page.items.iter().map(|item| item.record.id).collect(),
            Err(e) => panic!("{e:#}"),
        };
        let config = KioskConfig::default();
        let Ok(code) = idbooth::core::record::ReasonCatalog::new(
            config
                .staff
                .reasons
                .iter()
                .map(|r| idbooth::core::record::ReasonText {
                    code: r.code.clone(),
                    zh: r.zh.clone(),
                    en: r.en.clone(),
                })
                .collect(),
        )
        .and_then(|catalog| catalog.parse(&config.staff.reasons[0].code)) else {
            panic!("catalog")
        };
        let Ok(rejection) = Rejection::new(vec![code], "") else {
            panic!("rejection")
        };
        let results = [
            store.approve(ids[0], &reviewer, T0 + 300),
            store.reject(ids[1], &reviewer, &rejection, T0 + 310),
        ];
        for result in results {
            if let Err(e) = result {
                panic!("{e:#}");
            }
        }
    });
    station.login(PIN);
    station.click("staff.tab_stats");
    let now = station.clock.load(Ordering::SeqCst);
    let expected = match station.store().stats(now, CHINA_UTC_OFFSET_S) {
        Ok(stats) => stats,
        Err(e) => panic!("{e:#}"),
    };
    assert_eq!(station.desk().stats.as_ref(), Some(&expected));
    assert_eq!(expected.today.captured, 3);
    assert_eq!(expected.today.approved, 1);
    assert_eq!(expected.today.rejected, 1);
    assert_eq!(expected.pending_now, 1);
    // The numbers are on screen: 3 captured and 3 submitted, today and this week.
    assert_eq!(station.harness.query_all_by_label("3").count(), 4);
    let pending = format!("{}: 1", station.text("staff.stat_pending_now"));
    assert!(station.harness.query_by_label(&pending).is_some());
}

#[test]
fn hostile_names_are_shown_verbatim_and_truncated_in_the_list() {
    let long_name = format!("{}😀\"'<>%_", "名".repeat(3400));
    let mut station = seeded_with(Glyphs::AllowMissing, |store| {
        let csv = format!(
            "学号,姓名\n2025000004,\"{}\"\n",
            long_name.replace('"', "\"\"")
        );
        let options = RosterImportOptions {
            rule: RULE,
            ..RosterImportOptions::default()
        };
        match store.import_roster(csv.as_bytes(), &options, &Actor::Cli, T0) {
            Ok(report) => assert!(report.committed, "{report:?}"),
            Err(e) => panic!("{e:#}"),
        }
        let booth = Actor::Booth("booth-1".into());
        if let Err(e) = store.create_submission(
            &submission("2025000004"),
            &capture(0, "long"),
            &booth,
            T0 + 400,
        ) {
            panic!("{e:#}");
        }
    });
    assert!(long_name.len() > 10_000);
    station.login(PIN);
    let names: Vec<Option<String>> = station
        .desk()
        .queue
        .iter()
        .map(|item| item.student_name.clone())
        .collect();
    assert!(names.contains(&Some(STUDENTS[1].1.to_owned())));
    assert!(names.contains(&Some(long_name.clone())));
    let row = station.harness.get_by_label_contains("2025000004");
    let rect = row.rect();
    assert!(
        rect.max.x <= WINDOW.x && rect.height() < 60.0,
        "row escaped its list: {rect:?}"
    );
    let quoted = station
        .harness
        .get_by_label_contains("O'Brien \"Bob\" <王>");
    assert!(quoted.rect().max.x <= WINDOW.x);
}

#[test]
fn roster_import_shows_bad_rows_and_imports_nothing_from_a_bad_file() {
    let mut station = seeded(|_| {});
    let csv_path = station.database.with_file_name("名单 2025.csv");
    let written = std::fs::write(
        &csv_path,
        "学号,姓名\n2025000100,王五\nnot a number!,赵六\n2025000101,\n",
    );
    assert!(written.is_ok());
    station.login(PIN);
    station.click("staff.tab_admin");
    station.type_into("staff.roster_path", &format!("\"{}\"", csv_path.display()));
    station.click("staff.roster_import");
    let Some(report) = station.desk().roster_report.clone() else {
        panic!("no report: {:?}", station.harness.state().banner())
    };
    assert!(!report.committed);
    let lines: Vec<u64> = report.bad_rows.iter().map(|p| p.line).collect();
    assert_eq!(lines, [3, 4]);
    let line_3 = tr(station.harness.state().lang(), "staff.line_n").replace("{n}", "3");
    assert!(station.harness.query_by_label_contains(&line_3).is_some());
    let Ok(count) = station.store().roster_count() else {
        panic!("roster count")
    };
    assert_eq!(count, 3, "nothing from the bad file was imported");

    // Skipping the bad rows imports the good one.
    let skip = station.text("staff.roster_skip_bad");
    station.harness.get_by_label(&skip).click();
    station.harness.step();
    station.click("staff.roster_import");
    let report = station.desk().roster_report.clone();
    assert!(
        report
            .as_ref()
            .is_some_and(|r| r.committed && r.inserted == 1 && r.bad_rows.len() == 2),
        "{report:?}"
    );
    let Ok(count) = station.store().roster_count() else {
        panic!("roster count")
    };
    assert_eq!(count, 4);

    // A missing file is an error in the banner, not a crash.
    station.type_into("staff.roster_path", "-missing");
    station.click("staff.roster_import");
    assert!(
        matches!(station.harness.state().banner(), Some(Banner::Bad(text)) if text.contains("cannot open the roster file"))
    );
}

#[test]
fn purge_asks_for_confirmation_then_removes_old_originals_with_an_audit_entry() {
    let mut station = seeded(|_| {});
    let first = match station.store().review_queue(0, 10) {
        Ok(page) => page.items[0].record.id,
        Err(e) => panic!("{e:#}"),
    };
    let days = KioskConfig::default().storage.keep_originals_days;
    station
        .clock
        .fetch_add(i64::from(days + 1) * 86_400, Ordering::SeqCst);
    station.login(PIN);
    station.click("staff.tab_admin");
    station.click("staff.purge");
    assert!(
        matches!(station.store().original(first), Ok(Some(_))),
        "nothing deleted before confirming"
    );
    station.click("staff.purge_confirm");
    assert!(matches!(station.store().original(first), Ok(None)));
    let Ok(log) = station.store().audit_log(0, 1000) else {
        panic!("audit")
    };
    let purge = log
        .iter()
        .find(|e| e.action == AuditAction::OriginalsPurged);
    assert_eq!(
        purge.map(|e| e.actor.clone()),
        Some(Actor::Staff(ACCOUNT.into()))
    );
    assert!(
        purge.is_some_and(|e| e.detail.contains("\"originals_purged\":3")),
        "{purge:?}"
    );
    // The review pane now says the original is gone and still shows the photo.
    let queue_tab = station
        .text("staff.tab_queue")
        .replace("{n}", &station.desk().total_pending.to_string());
    station.harness.get_by_label(&queue_tab).click();
    station.harness.step();
    station.settle();
    assert_eq!(station.desk().selected, Some(first));
    assert_eq!(station.harness.state().images_shown(), (true, false));
    assert!(
        station
            .harness
            .query_by_label(&station.text("staff.original_purged"))
            .is_some()
    );
}

/// Frames a re-render may take: the worker loads the face models and runs them on the original (seconds
/// in a debug build on a loaded machine), polled every [`RENDER_FRAME_WAIT`].
const RENDER_WAIT_FRAMES: usize = 6_000;
const RENDER_FRAME_WAIT: std::time::Duration = std::time::Duration::from_millis(50);

impl Station {
    /// Like [`Station::settle`], with room for the models.
    fn settle_render(&mut self) {
        let mut idle_frames = 0;
        for _ in 0..RENDER_WAIT_FRAMES {
            self.harness.step();
            if self.harness.state().is_busy() {
                idle_frames = 0;
                std::thread::sleep(RENDER_FRAME_WAIT);
            } else {
                idle_frames += 1;
                if idle_frames >= 3 {
                    return;
                }
            }
        }
        panic!("the re-render did not finish within {RENDER_WAIT_FRAMES} frames");
    }

    /// Picks `profile` in the re-render box and presses Re-render.
    fn rerender_as(&mut self, profile: &str) {
        self.harness
            .get_by_role(egui::accesskit::Role::ComboBox)
            .click();
        // The popup opens on the frame after the click.
        self.harness.run_steps(3);
        let Some(spec) = KioskConfig::default().profile(profile).cloned() else {
            panic!("profile {profile}")
        };
        let title = match self.harness.state().lang() {
            idbooth::app::text::Lang::Zh => spec.title_zh,
            idbooth::app::text::Lang::En => spec.title_en,
        };
        self.harness.get_by_label(&title).click();
        self.harness.step();
        assert_eq!(self.desk().rerender_profile, profile);
        let label = self.text("staff.rerender");
        self.harness.get_by_label(&label).click();
        self.harness.step();
        self.settle_render();
    }
}

#[test]
fn rerender_makes_a_new_photo_from_the_stored_original_with_the_chosen_profile() {
    let mut station = seeded(|store| {
        // Approved records can be re-rendered too; they go back to review (see storage::rerender).
        if let Err(e) = store.approve(RecordId(1), &Actor::Cli, T0 + 300) {
            panic!("approve: {e:#}");
        }
    });
    station.login(PIN);
    let first = station.queue_ids()[0];
    assert_eq!(station.desk().selected, Some(first));
    station.rerender_as("chsi");
    let banner = station.harness.state().banner().cloned();
    let expected = station
        .text("staff.rerendered_banner")
        .replace("{id}", &first.to_string())
        .replace("{profile}", "chsi");
    assert!(
        matches!(&banner, Some(Banner::Good(text) | Banner::Bad(text)) if text.starts_with(&expected)),
        "{banner:?}"
    );
    let Ok(detail) = station.store().get(first) else {
        panic!("get")
    };
    assert_eq!(detail.summary.record.profile, "chsi");
    assert_eq!(detail.summary.record.status, RecordStatus::PendingReview);
    assert_eq!(detail.captures.len(), 2);
    // A real chsi photo: the profile's pixel size, decoded from what the store holds.
    let Ok(photo) = station.store().photo(first) else {
        panic!("photo")
    };
    let Ok(decoded) = image::load_from_memory(&photo) else {
        panic!("the new photo decodes")
    };
    let Some(chsi) = KioskConfig::default().profile("chsi").cloned() else {
        panic!("chsi profile")
    };
    assert_eq!(
        (decoded.width(), decoded.height()),
        (chsi.width_px, chsi.height_px)
    );
    assert!(
        detail
            .history
            .iter()
            .any(|e| e.action == AuditAction::Rerendered && e.actor == Actor::Staff(ACCOUNT.into()))
    );
    // The shown record was reloaded with the new photo.
    let shown = station
        .desk()
        .shown
        .as_ref()
        .map(|s| s.detail.summary.latest_capture);
    assert_eq!(shown, Some(detail.summary.latest_capture));
}

#[test]
fn rerender_of_a_purged_original_says_so_and_changes_nothing() {
    let mut station = seeded(|store| {
        let days = KioskConfig::default().storage.keep_originals_days;
        let now = T0 + i64::from(days + 1) * 86_400;
        if let Err(e) = store.purge_originals(days, &Actor::Cli, now) {
            panic!("purge: {e:#}");
        }
    });
    station.login(PIN);
    let first = station.queue_ids()[0];
    station.click("staff.rerender");
    let Some(Banner::Bad(text)) = station.harness.state().banner() else {
        panic!(
            "expected an error banner, got {:?}",
            station.harness.state().banner()
        )
    };
    assert!(
        text.contains(&format!("record {first} cannot be re-rendered"))
            && text.contains("retention purge"),
        "{text}"
    );
    let Ok(detail) = station.store().get(first) else {
        panic!("get")
    };
    assert_eq!(detail.captures.len(), 1);
    assert_eq!(detail.summary.record.status, RecordStatus::PendingReview);
}

#[test]
fn an_idle_desk_picks_up_new_booth_submissions() {
    let mut station = seeded(|_| {});
    station.login(PIN);
    assert_eq!(station.queue_ids().len(), 3);
    let mut booth = station.store();
    let now = station.clock.load(Ordering::SeqCst);
    let submitted = booth.create_submission(
        &submission("2025000009"),
        &capture(1, "late"),
        &Actor::Booth("booth-2".into()),
        now,
    );
    let Ok(new_id) = submitted else {
        panic!("{submitted:?}")
    };
    station.harness.step();
    station.settle();
    assert_eq!(
        station.queue_ids().len(),
        3,
        "no reload before the interval"
    );
    station.clock.fetch_add(15, Ordering::SeqCst);
    station.harness.step();
    station.settle();
    assert_eq!(station.queue_ids().last(), Some(&new_id));
    assert_eq!(station.desk().total_pending, 4);
}

#[test]
fn an_untouched_desk_logs_itself_out() {
    let mut station = seeded(|_| {});
    station.login(PIN);
    assert!(station.harness.state().desk().is_some());
    station.clock.fetch_add(9 * 60, Ordering::SeqCst);
    station.harness.step();
    station.settle();
    assert!(
        station.harness.state().desk().is_some(),
        "nine minutes is not idle yet"
    );
    station.clock.fetch_add(60, Ordering::SeqCst);
    station.harness.step();
    station.settle();
    assert!(station.harness.state().desk().is_none());
    let notice = station.text("staff.idle_logout");
    assert_eq!(station.harness.state().login_error(), Some(notice.as_str()));
    assert_eq!(station.harness.state().images_shown(), (false, false));
}

#[test]
fn the_printer_state_shows_in_the_top_bar_and_follows_the_printer() {
    let spooler = Arc::new(FakeSpooler::new("booth-printer"));
    spooler.set_printer_state(PrinterState::OutOfPaper);
    let mut station = seeded_with_printer(|_| {}, spooler.clone());
    station.login(PIN);
    let shown = |station: &Station, state: PrinterState| {
        let described = match station.harness.state().lang() {
            idbooth::app::text::Lang::Zh => state.describe_zh(),
            idbooth::app::text::Lang::En => state.describe_en(),
        };
        station.text("staff.printer").replace("{state}", described)
    };
    let wait_for = |station: &mut Station, state: PrinterState| {
        for _ in 0..MAX_WAIT_FRAMES {
            station.harness.step();
            if station.harness.state().printer_state() == Some(state) {
                station.harness.run_steps(2);
                return;
            }
            std::thread::sleep(FRAME_WAIT);
        }
        panic!("the printer state never became {state}");
    };
    wait_for(&mut station, PrinterState::OutOfPaper);
    let out_of_paper = shown(&station, PrinterState::OutOfPaper);
    assert!(station.harness.query_by_label(&out_of_paper).is_some());
    // Staff load paper: the bar follows without anyone touching the station.
    spooler.set_printer_state(PrinterState::Ready);
    wait_for(&mut station, PrinterState::Ready);
    assert!(
        station
            .harness
            .query_by_label(&shown(&station, PrinterState::Ready))
            .is_some()
    );
    assert!(station.harness.query_by_label(&out_of_paper).is_none());
}

#[test]
fn print_jobs_a_crash_left_queued_are_settled_when_the_station_starts() {
    let spooler = Arc::new(FakeSpooler::new("booth-printer"));
    let mut orphan = None;
    let station = seeded_with_printer(
        |store| {
            if let Err(e) = store.approve(RecordId(1), &Actor::Cli, T0 - 2000) {
                panic!("approve: {e:#}");
            }
            let job = NewPrintJob {
                record_id: RecordId(1),
                copies: 1,
                printer: "booth-printer".into(),
                layout: "six_inch".into(),
            };
            let booth = Actor::Booth("booth-1".into());
            orphan = Some(match store.create_print_job(&job, &booth, T0 - 1000) {
                Ok(id) => id,
                Err(e) => panic!("print job: {e:#}"),
            });
        },
        spooler,
    );
    let Some(orphan) = orphan else {
        panic!("job created")
    };
    let mut settled = None;
    for _ in 0..MAX_WAIT_FRAMES {
        let job = station.store().print_job(orphan);
        if let Ok(job) = &job
            && job.state != idbooth::core::record::PrintJobState::Queued
        {
            settled = Some(job.clone());
            break;
        }
        std::thread::sleep(FRAME_WAIT);
    }
    let Some(job) = settled else {
        panic!("the queued job was never settled")
    };
    assert_eq!(job.state, idbooth::core::record::PrintJobState::Failed);
    assert!(
        job.error.contains("never reached the printer"),
        "{}",
        job.error
    );
}

#[test]
fn the_admin_tab_exports_approved_photos_and_shows_the_batch() {
    let mut station = seeded(|store| {
        for id in [1, 2] {
            if let Err(e) = store.approve(RecordId(id), &Actor::Cli, T0 + 300) {
                panic!("approve: {e:#}");
            }
        }
    });
    let folder = station.dir.path().join("批次 2025-09");
    station.login(PIN);
    station.click("staff.tab_admin");
    // Without a folder nothing runs.
    station.click("staff.export_run");
    let missing = station.text("staff.export_folder_missing");
    assert_eq!(
        station.harness.state().banner(),
        Some(&Banner::Bad(missing))
    );
    station.type_into("staff.export_folder", &folder.display().to_string());
    station.click("staff.export_run");
    let Some(result) = station.desk().export.result.clone() else {
        panic!("no export result: {:?}", station.harness.state().banner())
    };
    assert_eq!(result.photos, 2);
    assert!(result.skipped.is_empty());
    assert_eq!(result.folder, folder);
    let mut files: Vec<String> = match std::fs::read_dir(&folder) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(e) => panic!("{}: {e}", folder.display()),
    };
    files.sort();
    assert_eq!(
        files,
        [
            "2025000001.jpg",
            "2025000002.jpg",
            "manifest.csv",
            "manifest.json"
        ]
    );
    assert_eq!(station.status(RecordId(1)), RecordStatus::Exported);
    let Some(batch) = result.batch else {
        panic!("a batch id")
    };
    let done = station
        .text("staff.export_done")
        .replace("{batch}", &batch.to_string())
        .replace("{n}", "2")
        .replace("{folder}", &folder.display().to_string());
    // In the banner and under the form.
    assert_eq!(station.harness.query_all_by_label(&done).count(), 2);
    // A second export finds nothing new and makes no folder.
    let second = station.dir.path().join("again");
    station.type_into("staff.export_folder", &second.display().to_string());
    station.click("staff.export_run");
    assert_eq!(
        station.desk().export.result.as_ref().map(|r| r.batch),
        Some(None)
    );
    assert!(!second.exists());
}
