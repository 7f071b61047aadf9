//! The booth runtime: runs the pure [`Flow`] for real. `Booth` owns the flow, the camera, three named
//! worker threads ("booth-live", "booth-pipeline", "booth-io") and the heavy data of the current visit
//! (the still, the standardized photo), keyed by [`SessionId`] and dropped when the flow discards the
//! session. Headless: no egui type crosses this API, so the soak test drives it without a window.
//!
//! The UI's loop: `pump(now)` every frame (drains the camera and the workers into flow events, sends
//! `Tick` when a deadline passed), `handle(tap, now)` for each tap, draw `flow().screen()`, repaint at
//! `next_deadline()` at the latest. The UI must take preview frames from [`Booth::preview_frame`], not from
//! `camera().latest_frame()`: the camera hands each frame out once, and the booth forwards it to the live
//! checks too.
//!
//! Owns effect execution and fault detection (a dead worker, a lost camera, a full disk). Must not draw,
//! and must not block: every call here only moves data between channels.

mod effects;
pub mod guide;
mod hints;
mod io;
mod live;
mod process;
mod report;
mod sessions;
pub mod views;
mod worker;

use std::collections::{BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, bounded};

use crate::camera::{CameraHandle, CameraStatus as CameraState, Frame};
use crate::config::KioskConfig;
use crate::core::flow::{CameraStatus, Event, Fault, Flow, Worker};
use crate::core::geometry::SizePx;
use crate::core::record::Actor;
use crate::core::spec::{PhotoSpec, Rgb8};
use crate::print::spool::Spooler;
use crate::storage::Store;
use crate::vision::Vision;

use io::{IO_COMMAND_CAPACITY, IoCommand, IoSettings, IoWorker};
use live::{LIVE_COMMAND_CAPACITY, LiveCommand, LiveWorker};
use process::{PROCESS_COMMAND_CAPACITY, ProcessJob};
use report::{REPORT_CAPACITY, Report, Reporter};
use sessions::Sessions;
pub use views::{
    BoothDiagnostics, LiveFace, NormEllipse, PhotoView, PoseGuide, PrinterView, WorkerState,
    WorkerView,
};
use worker::WorkerThread;

/// Wakes the UI (`egui::Context::request_repaint`) when a worker has reported.
pub type Waker = Box<dyn Fn() + Send + Sync>;

/// A live face older than this is not drawn (the student has moved on or the checks stopped).
const LIVE_FACE_STALE: Duration = Duration::from_secs(1);

/// Everything the booth is built from.
pub struct BoothParts {
    pub config: KioskConfig,
    /// The camera worker (real, demo or file source; tests pass a `FakeCamera` factory).
    pub camera: CameraHandle,
    /// The three models, loaded once; shared by the live and pipeline workers.
    pub vision: Vision,
    pub store: Store,
    /// The printer, if this booth has one (`print.printer`).
    pub spooler: Option<Box<dyn Spooler + Send>>,
    pub waker: Waker,
}

/// Why the booth could not start.
#[derive(Debug, thiserror::Error)]
pub enum BoothError {
    #[error("cannot start the {worker} thread")]
    Spawn {
        worker: String,
        source: std::io::Error,
    },
}

/// The running booth.
pub struct Booth {
    flow: Flow,
    config: KioskConfig,
    camera: CameraHandle,
    spec: PhotoSpec,
    background: Rgb8,
    live: WorkerThread<LiveCommand>,
    pipeline: WorkerThread<ProcessJob>,
    io: WorkerThread<IoCommand>,
    /// Prints on its own database connection (`None`: the io worker prints, or no printer).
    print: Option<WorkerThread<IoCommand>>,
    frames_to_live: Sender<Frame>,
    frames_unread: Receiver<Frame>,
    reports: Receiver<Report>,
    sessions: Sessions,
    /// Stills asked of the camera, oldest first, with the session each is for.
    stills_pending: VecDeque<crate::core::flow::SessionId>,
    /// Events produced while executing effects (a refused command's failure), handled next.
    queued: VecDeque<Event>,
    live_running: bool,
    qr_running: bool,
    live_face: Option<(LiveFace, Instant)>,
    preview: Option<Frame>,
    frame_size: SizePx,
    /// Whether the flow was last told the camera is live (`None` before the first status).
    camera_live: Option<bool>,
    camera_demo: bool,
    workers_down: BTreeSet<Worker>,
    flash: bool,
    printer: PrinterView,
    now: Duration,
    last_processing_ms: Option<u64>,
    live_results: u64,
    records_saved: u64,
    demo_saves_refused: u64,
}

impl Booth {
    /// Starts the workers and the flow at `now`; the store records the configured booth id as the actor.
    pub fn start(parts: BoothParts, now: Duration) -> Result<Booth, BoothError> {
        let actor = Actor::Booth(parts.config.kiosk.booth_id.clone());
        Self::start_as(parts, actor, now)
    }

    /// Starts the booth with `actor` recorded as who captured (staff-assisted capture: the staff account).
    pub fn start_as(parts: BoothParts, actor: Actor, now: Duration) -> Result<Booth, BoothError> {
        let BoothParts {
            config,
            camera,
            vision,
            store,
            spooler,
            waker,
        } = parts;
        let waker: Arc<dyn Fn() + Send + Sync> = Arc::from(waker);
        let (report_tx, reports) = bounded(REPORT_CAPACITY);
        let reporter = Reporter::new(report_tx, waker);
        let vision = Arc::new(Mutex::new(vision));
        let (frames_to_live, frames_rx) = bounded(1);
        let frames_unread = frames_rx.clone();
        let live_worker = LiveWorker::new(
            Arc::clone(&vision),
            frames_rx,
            reporter.clone(),
            config.capture.live_check_hz,
        );
        let live = WorkerThread::spawn(
            Worker::Analyzer,
            "booth-live",
            LIVE_COMMAND_CAPACITY,
            move |inbox| live_worker.run(&inbox),
        )?;
        let pipeline_reporter = reporter.clone();
        let pipeline = WorkerThread::spawn(
            Worker::Pipeline,
            "booth-pipeline",
            PROCESS_COMMAND_CAPACITY,
            move |inbox| process::run(&vision, &pipeline_reporter, &inbox),
        )?;
        let has_spooler = spooler.is_some();
        let printer = if has_spooler {
            PrinterView::Ok
        } else {
            PrinterView::NotConfigured
        };
        let Printing {
            io_spooler,
            worker: print,
        } = start_printing(&store, spooler, &config, &actor, &reporter)?;
        let io_worker = IoWorker::new(store, io_spooler, io_settings(&config, actor), reporter);
        let io = WorkerThread::spawn(
            Worker::Storage,
            "booth-io",
            IO_COMMAND_CAPACITY,
            move |inbox| {
                io_worker.run(&inbox);
            },
        )?;
        let spec = config.capture_profile();
        let background = spec.background;
        tracing::info!(profile = %spec.name, "booth started");
        Ok(Booth {
            flow: Flow::new(flow_settings(&config, has_spooler), now),
            config,
            camera,
            spec,
            background,
            live,
            pipeline,
            io,
            print,
            frames_to_live,
            frames_unread,
            reports,
            sessions: Sessions::default(),
            stills_pending: VecDeque::new(),
            queued: VecDeque::new(),
            live_running: false,
            qr_running: false,
            live_face: None,
            preview: None,
            frame_size: guide::DEFAULT_FRAME,
            camera_live: None,
            camera_demo: false,
            workers_down: BTreeSet::new(),
            flash: false,
            printer,
            now,
            last_processing_ms: None,
            live_results: 0,
            records_saved: 0,
            demo_saves_refused: 0,
        })
    }

    /// The state machine (the UI draws `flow().screen()` in `flow().language()`).
    pub fn flow(&self) -> &Flow {
        &self.flow
    }

    /// A tap: runs the flow and executes what it asks for.
    pub fn handle(&mut self, event: Event, now: Duration) {
        self.queued.push_back(event);
        self.run_queued(now);
    }

    /// Drains the camera and the workers into flow events; sends `Tick` when a deadline has passed.
    pub fn pump(&mut self, now: Duration) {
        self.drain_camera();
        self.drain_reports();
        self.check_workers();
        if self.flow.next_deadline().is_some_and(|due| due <= now) {
            self.queued.push_back(Event::Tick);
        }
        self.run_queued(now);
    }

    /// When the UI must call `pump` at the latest (a timer runs out then).
    pub fn next_deadline(&self) -> Option<Duration> {
        self.flow.next_deadline()
    }

    pub fn camera(&self) -> &CameraHandle {
        &self.camera
    }

    /// The newest preview frame (not mirrored; `camera().mirror()` says whether to mirror it). Compare
    /// `seq` with the last one uploaded.
    pub fn preview_frame(&self) -> Option<&Frame> {
        self.preview.as_ref()
    }

    /// The current session's standardized photo, once processed.
    pub fn review_photo(&self) -> Option<PhotoView> {
        let session = self.flow.session()?.id();
        self.sessions.photo_view(session)
    }

    /// The newest face the live checks saw, in camera pixels; `None` when stale or not running.
    pub fn live_face(&self) -> Option<LiveFace> {
        self.live_face
            .filter(|(_, at)| at.elapsed() < LIVE_FACE_STALE)
            .map(|(face, _)| face)
    }

    /// The active profile's head outline, eye-line band and shoulder line over the camera frame.
    pub fn guide(&self) -> PoseGuide {
        guide::pose_guide(&self.spec, self.frame_size)
    }

    pub fn printer(&self) -> PrinterView {
        self.printer
    }

    /// True once after the flow asked for the shutter flash.
    pub fn take_flash(&mut self) -> bool {
        std::mem::take(&mut self.flash)
    }

    /// The profile the booth produces now.
    pub fn profile(&self) -> &PhotoSpec {
        &self.spec
    }

    /// How many sessions' heavy data the booth holds (0 once a visit is discarded).
    pub fn sessions_held(&self) -> usize {
        self.sessions.len()
    }

    pub fn diagnostics(&self) -> BoothDiagnostics {
        let workers = self
            .workers()
            .into_iter()
            .map(|(worker, thread_name, dead)| WorkerView {
                worker,
                thread_name,
                state: if dead {
                    WorkerState::Failed
                } else {
                    WorkerState::Running
                },
            })
            .collect();
        BoothDiagnostics {
            camera_status: self.camera.status(),
            camera: self.camera.diagnostics(),
            workers,
            profile: self.spec.name.clone(),
            last_processing_ms: self.last_processing_ms,
            live_results: self.live_results,
            sessions_held: self.sessions.len(),
            records_saved: self.records_saved,
            demo_saves_refused: self.demo_saves_refused,
            printer: self.printer,
        }
    }

    /// Every worker thread: what it is, its name, whether it has ended.
    fn workers(&self) -> Vec<(Worker, &'static str, bool)> {
        let mut all = vec![
            (self.live.worker(), self.live.name(), self.live.is_dead()),
            (
                self.pipeline.worker(),
                self.pipeline.name(),
                self.pipeline.is_dead(),
            ),
            (self.io.worker(), self.io.name(), self.io.is_dead()),
        ];
        if let Some(print) = &self.print {
            all.push((print.worker(), print.name(), print.is_dead()));
        }
        all
    }

    /// Where print commands go.
    fn printing_worker(&self) -> &WorkerThread<IoCommand> {
        self.print.as_ref().unwrap_or(&self.io)
    }

    /// Feeds every queued event to the flow and executes the effects (which may queue more events).
    fn run_queued(&mut self, now: Duration) {
        self.now = self.now.max(now);
        while let Some(event) = self.queued.pop_front() {
            tracing::trace!(?event, "booth event");
            let effects = self.flow.handle(event, self.now);
            for effect in effects {
                self.execute(effect);
            }
        }
    }

    /// Camera status changes, the newest frame (to the live worker when it runs) and stills.
    fn drain_camera(&mut self) {
        for status in self.camera.drain_status_events() {
            let live = match status {
                CameraState::Live { demo, .. } => {
                    self.camera_demo = demo;
                    true
                }
                CameraState::Lost { .. }
                | CameraState::Reconnecting { .. }
                | CameraState::Failed(_) => false,
                CameraState::Starting => continue,
            };
            if self.camera_live != Some(live) {
                self.camera_live = Some(live);
                let status = if live {
                    CameraStatus::Live
                } else {
                    CameraStatus::Lost
                };
                tracing::info!(?status, "camera status");
                self.queued.push_back(Event::CameraStatus(status));
            }
        }
        if let Some(frame) = self.camera.latest_frame() {
            self.frame_size = SizePx::new(frame.image.width(), frame.image.height());
            if self.live_running || self.qr_running {
                // Replace an unread frame: the live worker only ever sees the newest.
                while self.frames_unread.try_recv().is_ok() {}
                let _ = self.frames_to_live.try_send(frame.clone());
            }
            self.preview = Some(frame);
        }
        while let Some(result) = self.camera.try_still() {
            let Some(session) = self.stills_pending.pop_front() else {
                tracing::warn!("a still arrived that nobody asked for; dropped");
                continue;
            };
            self.on_still(session, result);
        }
    }

    fn drain_reports(&mut self) {
        while let Ok(report) = self.reports.try_recv() {
            self.on_report(report);
        }
    }

    /// Raises `WorkerFailed` once for each worker thread that has ended.
    fn check_workers(&mut self) {
        let dead: Vec<Worker> = self
            .workers()
            .into_iter()
            .filter(|(_, _, dead)| *dead)
            .map(|(worker, _, _)| worker)
            .collect();
        for worker in dead {
            if self.workers_down.insert(worker) {
                tracing::error!(worker = worker.as_str(), "booth worker stopped");
                self.queued
                    .push_back(Event::FaultRaised(Fault::WorkerFailed(worker)));
            }
        }
    }
}

/// Who prints: the io worker (with the spooler) or a print worker of its own.
#[derive(Default)]
struct Printing {
    io_spooler: Option<Box<dyn Spooler + Send>>,
    worker: Option<WorkerThread<IoCommand>>,
}

impl Printing {
    fn by_io(spooler: Box<dyn Spooler + Send>) -> Printing {
        Printing {
            io_spooler: Some(spooler),
            worker: None,
        }
    }
}

/// The flow's settings. The Done screen offers printing when a printer is configured AND the booth has a
/// spooler for it: the student prints a take-home copy of the photo that passed the pre-check
/// (`PrintPurpose::TakeHome`), allowed while the record is pending review, counted against the
/// per-record copy limit (`print.copies_per_record`), logged with the booth id, and never moving the record
/// to `printed` (that status stays with staff printing approved records).
fn flow_settings(config: &KioskConfig, has_spooler: bool) -> crate::core::flow::FlowSettings {
    let mut settings = config.flow_settings();
    if settings.printer_configured && !has_spooler {
        tracing::warn!(
            "a printer is configured but the booth has no spooler for it; printing is off"
        );
        settings.printer_configured = false;
    }
    settings
}

/// A print job is watched for up to `print.job_timeout` (two minutes by default): it runs on its own
/// thread with its own connection to the database file, so a save never waits behind it. An in-memory
/// store cannot be opened twice; then (tests only) the io worker prints. Returns the spooler for the io
/// worker, if it is the one to print, and the print worker, if one was started.
fn start_printing(
    store: &Store,
    spooler: Option<Box<dyn Spooler + Send>>,
    config: &KioskConfig,
    actor: &Actor,
    reporter: &Reporter,
) -> Result<Printing, BoothError> {
    let Some(spooler) = spooler else {
        return Ok(Printing::default());
    };
    let Some(path) = store.path() else {
        return Ok(Printing::by_io(spooler));
    };
    let second = match Store::open(path) {
        Ok(second) => second,
        Err(error) => {
            tracing::warn!(
                "no second database connection for printing ({error:#}); the io worker prints"
            );
            return Ok(Printing::by_io(spooler));
        }
    };
    let worker = IoWorker::new(
        second,
        Some(spooler),
        io_settings(config, actor.clone()),
        reporter.clone(),
    );
    let thread = WorkerThread::spawn(
        Worker::Print,
        "booth-print",
        IO_COMMAND_CAPACITY,
        move |inbox| {
            worker.run(&inbox);
        },
    )?;
    Ok(Printing {
        io_spooler: None,
        worker: Some(thread),
    })
}

fn io_settings(config: &KioskConfig, actor: Actor) -> IoSettings {
    IoSettings {
        actor,
        student_no: config.staff.student_no,
        pin_attempts: config.staff.pin_attempts.max(1),
        lockout: config.staff.lockout,
        profiles: config.profiles.clone(),
        sheet: config.print.layout,
        captions: config.print.caption,
        print_policy: crate::cli::print::print_policy(config),
    }
}
