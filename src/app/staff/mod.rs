//! The staff station (`idbooth staff`): PIN login, the review queue (oldest first) with the original and
//! the photo side by side, approve / reject with configured reasons and a note, keyboard shortcuts,
//! search, statistics, roster import and the retention purge.
//!
//! Owns the station's UI state and turns [`StaffIntent`]s into worker commands. Every database and
//! decoding call runs on the `staff-io` worker ([`worker`]); `show` only drains replies, uploads the
//! decoded images as textures and draws. Must not open files or the database on the UI thread.

mod admin;
mod apply;
pub mod capture;
mod decision;
mod export_tab;
mod login;
mod report;
pub mod rerender;
mod review;
mod state;
mod stats;
pub mod worker;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use anyhow::Context as _;

use super::text::{Lang, tr};
use super::theme;
use crate::config::KioskConfig;
use crate::core::record::{ReasonCatalog, ReasonText, RecordError, RecordId, StudentNoRule};
use crate::print::spool::Spooler;
use crate::print::{PrinterMonitor, PrinterState};
use crate::storage::{LockoutPolicy, RosterImportOptions, StorageError, Store};
pub use export_tab::{ExportForm, ExportRequest, ExportResult};
pub use state::{Banner, Decision, Desk, LoginForm, PurgeState, StaffIntent, Tab};
use worker::{Clock, Command, StaffWorker, WorkerSettings};

/// Records loaded into the queue list at once; the header shows the full pending count.
pub const QUEUE_PAGE_SIZE: u32 = 500;
/// How often an idle desk reloads the queue (and the statistics on that tab) to pick up new booth
/// submissions and other stations' decisions: a student walking from booth to desk takes longer.
const REFRESH_INTERVAL_S: i64 = 15;
/// A desk nobody touches for this long logs itself out: the station stands in a service hall full of
/// students, and a reviewer working the queue presses a key every few seconds.
const IDLE_LOGOUT_S: i64 = 10 * 60;

/// Everything that can go wrong at the staff station. Shown with `{:#}`.
#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Invalid(#[from] RecordError),
    #[error("cannot start a staff station thread")]
    Spawn(#[source] std::io::Error),
    #[error("the station is still working on earlier requests; try again in a moment")]
    Busy,
    #[error("the staff-io worker stopped; restart the staff station")]
    WorkerGone,
    #[error("log in first")]
    NotLoggedIn,
    #[error("cannot open the roster file {path}")]
    RosterFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("export: {0}")]
    Export(String),
    #[error("cannot settle the print jobs left unfinished: {0}")]
    Settle(String),
    #[error("unknown profile {0:?}")]
    UnknownProfile(String),
    #[error(
        "record {record} cannot be re-rendered: its original capture was deleted by the retention purge{}; \
         ask the student for a new photo",
        purge_date(*purged_at_unix_s)
    )]
    OriginalPurged {
        record: RecordId,
        purged_at_unix_s: Option<i64>,
    },
    #[error("the stored original of record {record} cannot be decoded: {message}")]
    Original { record: RecordId, message: String },
    #[error("cannot load the face models from {dir}")]
    Models {
        dir: PathBuf,
        source: crate::vision::VisionError,
    },
    #[error("no {profile:?} photo could be made from the original of record {record}: {message}")]
    Render {
        record: RecordId,
        profile: String,
        message: String,
    },
}

/// " on YYYY-MM-DD" (UTC) for a purge time, empty when unknown.
fn purge_date(unix_s: Option<i64>) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    unix_s
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|t| t.format(&format).ok())
        .map(|date| format!(" on {date}"))
        .unwrap_or_default()
}

/// The clock and calendar of the station; tests pass a manual clock.
#[derive(Clone)]
pub struct StaffOptions {
    pub clock: Clock,
    /// Local offset from UTC for "today" and "this week" (China: +8 h).
    pub utc_offset_s: i32,
}

impl StaffOptions {
    /// The system clock and the machine's local offset (UTC, with a warning, if it cannot be read).
    pub fn system() -> Self {
        let utc_offset_s = time::UtcOffset::current_local_offset().map_or_else(
            |error| {
                tracing::warn!(%error, "cannot read the local time zone; statistics use UTC days");
                0
            },
            time::UtcOffset::whole_seconds,
        );
        Self {
            clock: Arc::new(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() as i64)
            }),
            utc_offset_s,
        }
    }
}

/// Either the login form or a logged-in desk.
#[derive(Debug)]
enum Session {
    LoggedOut(LoginForm),
    LoggedIn(Box<Desk>),
}

/// The textures of the shown record: one per image, reused with `set`.
#[derive(Default)]
struct ImageSlots {
    photo: Option<egui::TextureHandle>,
    original: Option<egui::TextureHandle>,
}

/// The staff station application.
pub struct StaffApp {
    config: KioskConfig,
    catalog: ReasonCatalog,
    options: StaffOptions,
    lang: Lang,
    session: Session,
    banner: Option<Banner>,
    images: ImageSlots,
    /// Commands sent and not yet answered.
    in_flight: u32,
    /// When the queue was last requested (station clock).
    last_refresh_unix_s: i64,
    /// The last keyboard or pointer input (station clock), for the idle logout.
    last_activity_unix_s: i64,
    /// A Logout was sent because nobody used the desk.
    idle_logout: bool,
    worker: StaffWorker,
    /// Polls the configured printer on its own thread (`None`: no printer at this station).
    printer: Option<PrinterMonitor>,
    /// The UI context, for the printer monitor to wake the station.
    repaint: Arc<OnceLock<egui::Context>>,
    /// The "拍照 / Capture" tab (`None`: this station does not capture).
    capture: Option<capture::CaptureTab>,
}

impl StaffApp {
    /// Starts the `staff-io` worker on `store`. Fails if the configured reasons do not form a catalog.
    pub fn new(
        config: KioskConfig,
        store: Store,
        options: StaffOptions,
    ) -> Result<Self, StaffError> {
        let catalog = reason_catalog(&config)?;
        let rule = StudentNoRule {
            min_len: config.staff.student_no.min_len,
            max_len: config.staff.student_no.max_len,
            digits_only: config.staff.student_no.digits_only,
        };
        let settings = WorkerSettings {
            lockout: LockoutPolicy {
                max_failures: config.staff.pin_attempts,
                lockout_s: config.staff.lockout.as_secs() as i64,
            },
            roster: RosterImportOptions {
                mappings: Vec::new(),
                skip_bad: false,
                rule,
            },
            export: worker::ExportSettings {
                template: crate::export::NameTemplate::parse(&config.export.file_name)
                    .map_err(|e| StaffError::Export(format!("export.file_name: {e:#}")))?,
                zip: config.export.zip,
            },
            render: rerender::RenderSettings {
                profiles: config.profiles.clone(),
                thresholds: config.check_thresholds(),
                models_dir: crate::paths::assets_dir().join("models"),
            },
        };
        let worker = StaffWorker::spawn(store, settings, Arc::clone(&options.clock))?;
        Ok(Self {
            lang: Lang::from(config.ui.language),
            config,
            catalog,
            options,
            session: Session::LoggedOut(LoginForm::default()),
            banner: None,
            images: ImageSlots::default(),
            in_flight: 0,
            last_refresh_unix_s: 0,
            last_activity_unix_s: 0,
            idle_logout: false,
            worker,
            printer: None,
            repaint: Arc::new(OnceLock::new()),
            capture: None,
        })
    }

    /// Shows `spooler`'s printer state in the top bar, polled every `interval` on the
    /// `printer-monitor` thread, and settles the print jobs a crash left unfinished (on the worker).
    pub fn with_printer(
        mut self,
        spooler: Arc<dyn Spooler>,
        interval: std::time::Duration,
    ) -> Result<Self, StaffError> {
        self.send(Command::SettlePrintJobs(worker::SharedSpooler(Arc::clone(
            &spooler,
        ))));
        let repaint = Arc::clone(&self.repaint);
        let monitor = PrinterMonitor::spawn(
            spooler,
            interval,
            Box::new(move || {
                if let Some(ctx) = repaint.get() {
                    ctx.request_repaint();
                }
            }),
        )
        .map_err(StaffError::Spawn)?;
        self.printer = Some(monitor);
        Ok(self)
    }

    /// The printer state shown in the top bar.
    pub fn printer_state(&self) -> Option<PrinterState> {
        self.printer.as_ref().and_then(PrinterMonitor::state)
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// True while commands are waiting for the worker (tests run frames until this is false).
    pub fn is_busy(&self) -> bool {
        self.in_flight > 0
    }

    /// The logged-in desk, if any.
    pub fn desk(&self) -> Option<&Desk> {
        match &self.session {
            Session::LoggedIn(desk) => Some(desk),
            Session::LoggedOut(_) => None,
        }
    }

    /// The login error shown, if logged out.
    pub fn login_error(&self) -> Option<&str> {
        match &self.session {
            Session::LoggedOut(form) => form.error.as_deref(),
            Session::LoggedIn(_) => None,
        }
    }

    pub fn banner(&self) -> Option<&Banner> {
        self.banner.as_ref()
    }

    /// Whether textures are uploaded for the shown photo and original.
    pub fn images_shown(&self) -> (bool, bool) {
        (self.images.photo.is_some(), self.images.original.is_some())
    }

    /// Drains the worker, then draws the station and applies what the person asked for.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        self.worker.attach(ui.ctx());
        if self.repaint.get().is_none() {
            let _ = self.repaint.set(ui.ctx().clone());
        }
        for reply in self.worker.drain() {
            self.in_flight = self.in_flight.saturating_sub(1);
            self.apply_reply(ui.ctx(), reply);
        }
        let intents = self.draw(ui);
        for intent in intents {
            self.apply_intent(intent);
        }
        // The camera is held only while the capture tab is shown.
        let capturing = self.desk().is_some_and(|desk| desk.tab == Tab::Capture);
        if !capturing && let Some(capture) = &mut self.capture {
            capture.release();
        }
        self.refresh_when_due(ui.ctx());
    }

    /// Reloads the queue (and the statistics on their tab) every [`REFRESH_INTERVAL_S`] while idle.
    fn refresh_when_due(&mut self, ctx: &egui::Context) {
        let Session::LoggedIn(desk) = &self.session else {
            return;
        };
        let now_unix_s = (self.options.clock)();
        if ctx.input(|input| !input.events.is_empty()) {
            self.last_activity_unix_s = now_unix_s;
        }
        if now_unix_s - self.last_activity_unix_s >= IDLE_LOGOUT_S {
            if !self.idle_logout {
                tracing::info!(account = %desk.staff.account, "staff desk idle; logging out");
                self.idle_logout = true;
                self.send(Command::Logout);
            }
            return;
        }
        if !self.is_busy() && now_unix_s - self.last_refresh_unix_s >= REFRESH_INTERVAL_S {
            let stats = desk.tab == Tab::Stats;
            self.last_refresh_unix_s = now_unix_s;
            self.send(Command::LoadQueue {
                page_size: QUEUE_PAGE_SIZE,
            });
            if stats {
                self.send(Command::LoadStats {
                    utc_offset_s: self.options.utc_offset_s,
                });
            }
        }
        ctx.request_repaint_after(std::time::Duration::from_secs(
            REFRESH_INTERVAL_S.unsigned_abs(),
        ));
    }

    fn draw(&mut self, ui: &mut egui::Ui) -> Vec<StaffIntent> {
        let lang = self.lang;
        let busy = self.is_busy();
        let mut intents = Vec::new();
        match &mut self.session {
            Session::LoggedOut(form) => {
                egui::CentralPanel::default().show(ui, |ui| {
                    intents.extend(login::show(ui, lang, form, busy));
                });
            }
            Session::LoggedIn(desk) => {
                let view = review::View {
                    lang,
                    catalog: &self.catalog,
                    profiles: &self.config.profiles,
                    utc_offset_s: self.options.utc_offset_s,
                    photo: self.images.photo.as_ref(),
                    original: self.images.original.as_ref(),
                    busy,
                    printer: self.printer.as_ref().and_then(PrinterMonitor::state),
                    capture: self.capture.is_some(),
                };
                intents.extend(review::top_bar(ui, &view, desk, self.banner.as_ref()));
                match desk.tab {
                    Tab::Queue | Tab::Search => intents.extend(review::show(ui, &view, desk)),
                    Tab::Stats => {
                        egui::CentralPanel::default().show(ui, |ui| {
                            intents.extend(stats::show(
                                ui,
                                lang,
                                &self.catalog,
                                desk.stats.as_ref(),
                            ));
                        });
                    }
                    Tab::Admin => {
                        egui::CentralPanel::default().show(ui, |ui| {
                            intents.extend(admin::show(
                                ui,
                                lang,
                                desk,
                                &self.config.profiles,
                                busy,
                            ));
                        });
                    }
                    Tab::Capture => match &mut self.capture {
                        Some(capture) => capture.show(ui, lang, desk.staff.account.as_str()),
                        None => desk.tab = Tab::Queue,
                    },
                }
                // Typed keys belong to the booth's keypad on the capture tab, never to the review
                // shortcuts.
                if desk.tab != Tab::Capture && !ui.ctx().egui_wants_keyboard_input() {
                    intents.extend(ui.input(|input| review::shortcuts(input, desk)));
                }
            }
        }
        intents
    }

    /// Queues a command; a full queue or a dead worker shows in the banner.
    fn send(&mut self, command: Command) {
        match self.worker.send(command) {
            Ok(()) => self.in_flight += 1,
            Err(error) => self.banner = Some(Banner::Bad(format!("{error:#}"))),
        }
    }
}

impl eframe::App for StaffApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }
}

/// The configured rejection reasons as a catalog (the config loader already checked them).
fn reason_catalog(config: &KioskConfig) -> Result<ReasonCatalog, RecordError> {
    ReasonCatalog::new(
        config
            .staff
            .reasons
            .iter()
            .map(|reason| ReasonText {
                code: reason.code.clone(),
                zh: reason.zh.clone(),
                en: reason.en.clone(),
            })
            .collect(),
    )
}

/// The text of a reason in the display language.
fn reason_label(lang: Lang, reason: &ReasonText) -> &str {
    match lang {
        Lang::Zh => &reason.zh,
        Lang::En => &reason.en,
    }
}

/// Opens the staff station window on the database in `data_dir` and runs it until it is closed.
pub fn run_staff(config: KioskConfig, data_dir: &Path) -> anyhow::Result<()> {
    let database = data_dir.join(&config.storage.database_file);
    let store = Store::open(&database)
        .with_context(|| format!("cannot open the records database {}", database.display()))?;
    let printer = config.print.printer.clone();
    let starter = capture::real_starter(config.clone(), database.clone());
    let mut app = StaffApp::new(config, store, StaffOptions::system())?.with_capture(starter);
    if let Some(printer) = printer {
        let spooler =
            crate::print::cups::CupsSpooler::new(&crate::print::cups::cups_server(), &printer)
                .with_context(|| format!("print.printer {printer:?}"))?;
        app = app.with_printer(
            Arc::new(spooler),
            crate::print::monitor::DEFAULT_POLL_INTERVAL,
        )?;
    }
    let viewport = egui::ViewportBuilder::default()
        .with_title(tr(app.lang(), "staff.window_title"))
        .with_inner_size([1440.0, 900.0])
        .with_min_inner_size([1024.0, 700.0]);
    let options = eframe::NativeOptions {
        viewport,
        ..eframe::NativeOptions::default()
    };
    tracing::info!(database = %database.display(), "opening the staff station");
    let fonts_dir = crate::paths::assets_dir().join("fonts");
    eframe::run_native(
        "idbooth-staff",
        options,
        Box::new(move |cc| {
            if theme::install_fonts(&cc.egui_ctx, &fonts_dir).is_none() {
                tracing::warn!(dir = %fonts_dir.display(), "no CJK font found; Chinese will not render");
            }
            theme::apply_visuals(&cc.egui_ctx);
            theme::apply_staff_text_sizes(&cc.egui_ctx);
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))
    .context("cannot open the staff station window (is a display available?)")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `staff.*` text key the station's files use exists in both languages.
    #[test]
    fn every_staff_text_key_is_defined() {
        let sources = [
            include_str!("mod.rs"),
            include_str!("apply.rs"),
            include_str!("admin.rs"),
            include_str!("decision.rs"),
            include_str!("login.rs"),
            include_str!("review.rs"),
            include_str!("stats.rs"),
            include_str!("report.rs"),
            include_str!("rerender.rs"),
            include_str!("export_tab.rs"),
            include_str!("capture.rs"),
        ];
        let mut checked = 0;
        for source in sources {
            for (start, _) in source.match_indices("\"staff.") {
                let rest = &source[start + 1..];
                let Some(end) = rest.find('"') else { continue };
                let key = &rest[..end];
                if key.ends_with('.') || key.contains(' ') {
                    continue;
                }
                for lang in [Lang::Zh, Lang::En] {
                    assert_ne!(tr(lang, key), key, "missing text {key}");
                }
                checked += 1;
            }
        }
        assert!(checked > 50, "only {checked} keys found");
    }
}
