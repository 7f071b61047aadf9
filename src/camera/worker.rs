//! The camera worker: [`CameraHandle`] owns a named supervisor thread that runs capture sessions,
//! publishes the newest frame through a capacity-1 channel (stale frames are replaced, never queued),
//! takes stills, reports status and recovers lost cameras with back-off. Every `CameraHandle` method is
//! non-blocking, so the UI never freezes, whatever the device does.
//!
//! Owns threads and channels only; decisions are delegated to [`Watchdog`] (pure) and the sources.
//! Must not draw anything: the UI is woken through the waker callback and reads frames and status.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded, never, select};
use image::RgbImage;

use super::CameraError;
use super::demand::{Demand, SharedDemand};
use super::session::{Session, SessionEvent};
use super::settings::CameraSettings;
use super::source::{SourceFactory, SourceInfo, SourceKind, StillImage, StillRequest, factory_for};
use super::status::{CameraDiagnostics, CameraStatus, Capture, Frame};
use super::watchdog::{Watchdog, WatchdogAction, WatchdogConfig};

/// The worker wakes at least this often to check the watchdog and the stop flag.
const MAX_TICK: Duration = Duration::from_millis(50);
/// On shutdown, capture threads get this long to finish; one stuck in a dead device is left behind.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);
const COMMAND_CAPACITY: usize = 16;
const STILL_CAPACITY: usize = 4;
/// Status changes waiting for the app; the latest status is always readable through `status()`.
const STATUS_EVENT_CAPACITY: usize = 64;
/// Weight of the newest frame interval in the measured frame rate (exponential moving average).
const FPS_SMOOTHING: f32 = 0.1;

/// Called from the worker thread whenever there is something new (the app passes
/// `egui::Context::request_repaint`).
pub type Waker = Box<dyn Fn() + Send>;

enum Command {
    Still,
    Stop,
}

/// State shared between the handle and the worker.
struct Shared {
    status: Mutex<CameraStatus>,
    diagnostics: Mutex<CameraDiagnostics>,
    stop: AtomicBool,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The running camera. Dropping it stops the worker.
pub struct CameraHandle {
    commands: Sender<Command>,
    frames: Receiver<Frame>,
    stills: Receiver<Result<Capture, CameraError>>,
    status_events: Receiver<CameraStatus>,
    shared: Arc<Shared>,
    demand: SharedDemand,
    mirror: bool,
    thread: Option<JoinHandle<()>>,
}

impl CameraHandle {
    /// Starts the worker for `settings.source`.
    pub fn spawn(settings: CameraSettings, waker: Waker) -> Result<Self, CameraError> {
        settings.validate()?;
        let factory = factory_for(&settings);
        Self::spawn_with_factory(settings, factory, waker)
    }

    /// Starts the worker with a custom source factory (tests pass [`super::FakeCamera::factory`]).
    pub fn spawn_with_factory(
        settings: CameraSettings,
        factory: SourceFactory,
        waker: Waker,
    ) -> Result<Self, CameraError> {
        settings.validate()?;
        let (command_tx, command_rx) = bounded(COMMAND_CAPACITY);
        let (frame_tx, frame_rx) = bounded(1);
        let (still_tx, still_rx) = bounded(STILL_CAPACITY);
        let (status_tx, status_rx) = bounded(STATUS_EVENT_CAPACITY);
        let diagnostics = CameraDiagnostics {
            configured_source: settings.source.to_string(),
            ..Default::default()
        };
        let shared = Arc::new(Shared {
            status: Mutex::new(CameraStatus::Starting),
            diagnostics: Mutex::new(diagnostics),
            stop: AtomicBool::new(false),
        });
        let mirror = settings.mirror;
        let demand = SharedDemand::default();
        let supervisor = Supervisor {
            demand: demand.clone(),
            watchdog: Watchdog::new(WatchdogConfig::from(&settings), Instant::now()),
            settings,
            factory: Arc::new(Mutex::new(factory)),
            waker,
            commands: command_rx,
            frames: frame_tx,
            frames_drain: frame_rx.clone(),
            stills: still_tx,
            status_events: status_tx,
            shared: Arc::clone(&shared),
            session: None,
            sessions_started: 0,
            zombies: Vec::new(),
            opened: None,
            outage_since: None,
            last_frame_at: None,
            seq: 0,
            still_pending: false,
        };
        let thread = std::thread::Builder::new()
            .name("idbooth-camera".to_owned())
            .spawn(move || supervisor.run())
            .map_err(CameraError::Spawn)?;
        Ok(Self {
            commands: command_tx,
            frames: frame_rx,
            stills: still_rx,
            status_events: status_rx,
            shared,
            demand,
            mirror,
            thread: Some(thread),
        })
    }

    /// The newest frame since the last call, if any (never blocks).
    pub fn latest_frame(&self) -> Option<Frame> {
        let mut latest = None;
        while let Ok(frame) = self.frames.try_recv() {
            latest = Some(frame);
        }
        latest
    }

    /// Whether anybody looks at the frames. In [`Demand::Idle`] the worker keeps reading the device (the
    /// watchdog still works and the camera stays awake) but decodes and publishes nothing; the first
    /// read after switching back to [`Demand::Live`] is decoded and published. Going idle also drops an
    /// unread frame, so nothing stale shows when the booth goes live again. Cheap: call it every frame.
    pub fn set_demand(&self, demand: Demand) {
        if demand == self.demand.get() {
            return;
        }
        tracing::debug!(?demand, "camera demand");
        self.demand.set(demand);
        if demand == Demand::Idle {
            while self.frames.try_recv().is_ok() {}
        }
    }

    pub fn demand(&self) -> Demand {
        self.demand.get()
    }

    pub fn status(&self) -> CameraStatus {
        lock(&self.shared.status).clone()
    }

    /// Status changes since the last call, oldest first (a quick Lost→Live is not missed).
    pub fn drain_status_events(&self) -> Vec<CameraStatus> {
        self.status_events.try_iter().collect()
    }

    /// Asks for a still; the answer arrives through [`Self::try_still`].
    pub fn request_still(&self) -> Result<(), CameraError> {
        self.commands
            .try_send(Command::Still)
            .map_err(|_| CameraError::WorkerGone)
    }

    /// The answer to a still request, if it is ready (never blocks).
    pub fn try_still(&self) -> Option<Result<Capture, CameraError>> {
        self.stills.try_recv().ok()
    }

    pub fn diagnostics(&self) -> CameraDiagnostics {
        lock(&self.shared.diagnostics).clone()
    }

    /// Whether the preview should be mirrored (`fill_preview_rgba(.., handle.mirror(), ..)`).
    pub fn mirror(&self) -> bool {
        self.mirror
    }
}

impl Drop for CameraHandle {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        let _ = self.commands.try_send(Command::Stop);
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("camera worker panicked");
        }
    }
}

/// The worker thread's state.
struct Supervisor {
    settings: CameraSettings,
    factory: Arc<Mutex<SourceFactory>>,
    demand: SharedDemand,
    waker: Waker,
    commands: Receiver<Command>,
    frames: Sender<Frame>,
    /// The worker's own end of the frame channel, to drop the unread frame when replacing it.
    frames_drain: Receiver<Frame>,
    stills: Sender<Result<Capture, CameraError>>,
    status_events: Sender<CameraStatus>,
    shared: Arc<Shared>,
    watchdog: Watchdog,
    session: Option<Session>,
    sessions_started: u64,
    /// Abandoned capture threads, joined once they finish.
    zombies: Vec<JoinHandle<()>>,
    /// What the current session's source reported when it opened.
    opened: Option<SourceInfo>,
    outage_since: Option<Instant>,
    last_frame_at: Option<Instant>,
    seq: u64,
    still_pending: bool,
}

enum Wake {
    Command(Option<Command>),
    Session(Option<SessionEvent>),
    Tick,
}

impl Supervisor {
    fn run(mut self) {
        self.start_session(Instant::now());
        loop {
            let now = Instant::now();
            let timeout = self
                .watchdog
                .next_deadline()
                .saturating_duration_since(now)
                .min(MAX_TICK);
            let events = self.session.as_ref().map_or_else(never, Session::events);
            let wake = select! {
                recv(self.commands) -> command => Wake::Command(command.ok()),
                recv(events) -> event => Wake::Session(event.ok()),
                default(timeout) => Wake::Tick,
            };
            match wake {
                Wake::Command(None | Some(Command::Stop)) => break,
                Wake::Command(Some(Command::Still)) => self.on_still_requested(),
                Wake::Session(Some(event)) => self.on_session_event(event),
                Wake::Session(None) => {
                    self.on_session_ended(&CameraError::Device("capture thread ended".to_owned()));
                }
                Wake::Tick => {}
            }
            if self.shared.stop.load(Ordering::Acquire) {
                break;
            }
            self.on_tick(Instant::now());
            self.zombies.retain(|thread| !thread.is_finished());
        }
        self.shutdown();
    }

    fn start_session(&mut self, now: Instant) {
        self.sessions_started += 1;
        self.opened = None;
        match Session::start(
            self.sessions_started,
            Arc::clone(&self.factory),
            self.demand.clone(),
        ) {
            Ok(session) => {
                tracing::debug!(session = session.id, "camera session started");
                self.session = Some(session);
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot start a camera session");
                self.record_error(&e);
                self.watchdog.on_session_failed(now);
            }
        }
        lock(&self.shared.diagnostics).sessions_started = self.sessions_started;
    }

    /// Lets go of the current session without waiting for it.
    fn abandon_session(&mut self) {
        if let Some(session) = self.session.take() {
            self.zombies.push(session.abandon());
        }
        self.opened = None;
    }

    fn on_session_event(&mut self, event: SessionEvent) {
        match event {
            SessionEvent::Opened(info) => self.on_opened(info),
            SessionEvent::Frame { image, captured_at } => self.on_frame(image, captured_at),
            SessionEvent::Skipped { captured_at } => self.on_frame_read(captured_at),
            SessionEvent::Still {
                result,
                captured_at,
            } => self.on_still(result, captured_at),
            SessionEvent::Ended(error) => self.on_session_ended(&error),
        }
    }

    fn on_opened(&mut self, info: SourceInfo) {
        self.watchdog.on_opened(Instant::now());
        tracing::info!(source = %info.name, kind = %info.kind, mode = %info.mode, demo = info.demo, "camera opened");
        let mut diagnostics = lock(&self.shared.diagnostics);
        diagnostics.source_name = Some(info.name.clone());
        diagnostics.source_kind = Some(info.kind);
        diagnostics.demo = info.demo;
        diagnostics.mode = Some(info.mode);
        diagnostics.negotiation.clone_from(&info.negotiation);
        diagnostics.devices.clone_from(&info.devices);
        drop(diagnostics);
        self.opened = Some(info);
    }

    fn on_frame(&mut self, image: RgbImage, captured_at: Instant) {
        if self.demand.get() == Demand::Idle {
            // Decoded just before the booth went idle: nobody wants it any more.
            self.on_frame_read(captured_at);
            return;
        }
        self.note_frame_arrived();
        self.seq += 1;
        let frame = Frame {
            image: Arc::new(image),
            seq: self.seq,
            captured_at,
        };
        let replaced = self.publish(frame);
        self.update_frame_stats(captured_at, replaced);
        (self.waker)();
    }

    /// A frame read while idle: it feeds the watchdog and the status, nothing is published.
    fn on_frame_read(&mut self, captured_at: Instant) {
        self.note_frame_arrived();
        let mut diagnostics = lock(&self.shared.diagnostics);
        diagnostics.frames_skipped_idle += 1;
        diagnostics.last_frame_at = Some(captured_at);
        self.last_frame_at = Some(captured_at);
    }

    /// The device delivered a frame: feed the watchdog and report the camera live again.
    fn note_frame_arrived(&mut self) {
        let now = Instant::now();
        self.watchdog.on_frame(now);
        if let Some(info) = &self.opened
            && !lock(&self.shared.status).is_live()
        {
            if let Some(since) = self.outage_since.take() {
                tracing::warn!(
                    outage_ms = now.duration_since(since).as_millis(),
                    "camera live again"
                );
            }
            let live = CameraStatus::Live {
                mode: info.mode,
                source_kind: info.kind,
                demo: info.demo,
            };
            self.set_status(live);
        }
    }

    /// Puts `frame` in the capacity-1 channel, replacing an unread one. Returns whether it replaced one.
    fn publish(&self, frame: Frame) -> bool {
        match self.frames.try_send(frame) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => false,
            Err(TrySendError::Full(frame)) => {
                let replaced = self.frames_drain.try_recv().is_ok();
                let _ = self.frames.try_send(frame);
                replaced
            }
        }
    }

    fn update_frame_stats(&mut self, captured_at: Instant, replaced: bool) {
        let mut diagnostics = lock(&self.shared.diagnostics);
        diagnostics.frames_published += 1;
        diagnostics.frames_replaced_unread += u64::from(replaced);
        if let Some(previous) = self.last_frame_at {
            let interval_s = captured_at
                .saturating_duration_since(previous)
                .as_secs_f32();
            if interval_s > 0.0 {
                let fps = 1.0 / interval_s;
                diagnostics.measured_fps = if diagnostics.measured_fps > 0.0 {
                    diagnostics.measured_fps + FPS_SMOOTHING * (fps - diagnostics.measured_fps)
                } else {
                    fps
                };
            }
        }
        diagnostics.last_frame_at = Some(captured_at);
        self.last_frame_at = Some(captured_at);
    }

    fn on_still_requested(&mut self) {
        let status = lock(&self.shared.status).clone();
        if self.still_pending {
            tracing::debug!("still already in progress; the request joins it");
            return;
        }
        let request = StillRequest {
            highest_mode: self.settings.still_highest_mode,
            discard_frames: self.settings.discard_frames,
        };
        let settle = Duration::from_millis(self.settings.settle_ms);
        let sent = status.is_live()
            && self
                .session
                .as_ref()
                .is_some_and(|s| s.request_still(request, settle));
        if sent {
            self.still_pending = true;
            self.watchdog.on_still_started(Instant::now());
        } else {
            self.reply_still(Err(CameraError::NotLive(status.describe())));
        }
    }

    fn on_still(&mut self, result: Result<StillImage, CameraError>, captured_at: Instant) {
        self.still_pending = false;
        self.watchdog.on_still_finished(Instant::now());
        let (source_kind, demo) = self
            .opened
            .as_ref()
            .map_or((SourceKind::Device, false), |i| (i.kind, i.demo));
        let capture = result.map(|still| Capture {
            image: Arc::new(still.image),
            mode: still.mode,
            captured_at,
            source_kind,
            demo,
        });
        if let Err(e) = &capture {
            tracing::warn!(error = %e, "still failed");
        }
        self.reply_still(capture);
    }

    fn reply_still(&self, result: Result<Capture, CameraError>) {
        if self.stills.try_send(result).is_err() {
            tracing::warn!("still result dropped: nobody is collecting them");
        }
        (self.waker)();
    }

    fn on_session_ended(&mut self, error: &CameraError) {
        let now = Instant::now();
        self.abandon_session();
        if self.still_pending {
            self.still_pending = false;
            self.reply_still(Err(CameraError::Disconnected(error.to_string())));
        }
        if matches!(error, CameraError::CameraAppeared) {
            tracing::info!("a camera was plugged in: leaving the demo");
            self.watchdog.on_restart(now);
            self.set_status(CameraStatus::Starting);
            self.start_session(now);
            return;
        }
        self.record_error(error);
        self.watchdog.on_session_failed(now);
        if error.is_permanent() {
            tracing::warn!(error = %error, "camera source failed; retrying slowly");
            self.set_status(CameraStatus::Failed(error.to_string()));
        } else {
            self.mark_lost(now, &error.to_string());
        }
    }

    fn on_tick(&mut self, now: Instant) {
        match self.watchdog.on_tick(now) {
            WatchdogAction::Wait => {}
            WatchdogAction::ReleaseLost { waited } => {
                let waited_ms = u64::try_from(waited.as_millis()).unwrap_or(u64::MAX);
                self.abandon_session();
                if self.still_pending {
                    self.still_pending = false;
                    self.reply_still(Err(CameraError::Lost { waited_ms }));
                }
                let reason = CameraError::Lost { waited_ms };
                self.record_error(&reason);
                self.mark_lost(now, &reason.to_string());
            }
            WatchdogAction::Reopen { attempt } => {
                if !matches!(*lock(&self.shared.status), CameraStatus::Failed(_)) {
                    self.set_status(CameraStatus::Reconnecting { attempt });
                }
                tracing::debug!(attempt, "reopening camera");
                self.start_session(now);
            }
        }
    }

    fn mark_lost(&mut self, now: Instant, reason: &str) {
        let since = *self
            .outage_since
            .get_or_insert(self.last_frame_at.unwrap_or(now));
        let current = lock(&self.shared.status).clone();
        match current {
            CameraStatus::Live { .. } => {
                tracing::warn!(%reason, "camera lost; reconnecting");
                lock(&self.shared.diagnostics).losses += 1;
                self.set_status(CameraStatus::Lost { since });
            }
            CameraStatus::Starting => {
                tracing::warn!(%reason, "camera not available yet; retrying");
                self.set_status(CameraStatus::Lost { since });
            }
            // Already reported: a failed attempt keeps `Reconnecting { attempt }` until the next one.
            CameraStatus::Lost { .. }
            | CameraStatus::Reconnecting { .. }
            | CameraStatus::Failed(_) => {
                tracing::debug!(%reason, "camera reconnection attempt failed");
            }
        }
    }

    fn record_error(&self, error: &CameraError) {
        lock(&self.shared.diagnostics).last_error = Some(error.to_string());
    }

    fn set_status(&self, status: CameraStatus) {
        {
            let mut current = lock(&self.shared.status);
            if *current == status {
                return;
            }
            current.clone_from(&status);
        }
        tracing::debug!(status = %status.describe(), "camera status");
        let _ = self.status_events.try_send(status);
        (self.waker)();
    }

    /// Stops the session and waits a little for capture threads; one stuck in a dead device is left.
    fn shutdown(mut self) {
        self.abandon_session();
        let deadline = Instant::now() + SHUTDOWN_GRACE;
        while !self.zombies.iter().all(JoinHandle::is_finished) && Instant::now() < deadline {
            std::thread::sleep(MAX_TICK / 5);
        }
        for thread in self.zombies.drain(..) {
            if thread.is_finished() {
                let _ = thread.join();
            } else {
                tracing::warn!("a camera capture thread is stuck in the driver; leaving it behind");
            }
        }
    }
}
