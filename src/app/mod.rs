//! The eframe shell of the booth. `KioskApp` owns the [`Booth`] runtime (flow, workers, per-session data)
//! and a [`Clock`]; each frame `logic` pumps the booth (worker reports, timers), uploads the preview and
//! the review photo, and asks for the next repaint; `ui` draws `booth.flow().screen()` through one
//! function per screen (`app::screens`) and turns the returned taps into `booth.handle(event, now)`.
//! Nothing here blocks: no file, database, inference or camera call happens on the UI thread.
//!
//! Repaint policy: only when something changed (a tap, a worker report waking the UI) or at
//! `booth.next_deadline()`, plus camera frames while the screen shows the preview. The idle Attract screen
//! does not show the camera, and the camera's waker is gated so frames do not wake it (see
//! [`FrameGate`]): an unattended booth repaints about once per slide.

pub mod booth;
pub mod memory;
pub mod preview;
pub mod screens;
pub mod staff;
pub mod station;
pub mod text;
pub mod theme;
pub mod widgets;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use egui::TextureHandle;

use crate::camera::CameraStatus;
use crate::config::KioskConfig;
use crate::core::flow::{Event, PinState, Screen};
use booth::Booth;
use preview::{LivePreview, PreviewRate};
use screens::identify::IdentifyUi;
use screens::staff_pin::PinPad;
use screens::{CameraView, MaintenanceView, View};
use text::Lang;

/// How often a screen showing seconds left is redrawn.
const SECONDS_TICK: Duration = Duration::from_secs(1);
/// Delay of the repaint a camera frame asks for. egui answers an immediate request with two paints (to
/// let layouts settle) but a delayed one with one; the preview needs one paint per frame, and under a
/// software renderer the second paint of every frame halves what the CPU has left.
const FRAME_WAKE_DELAY: Duration = Duration::from_millis(1);
/// How long the white shutter flash stays on screen (a camera flash reads as ~100–200 ms).
pub const FLASH_DURATION: Duration = Duration::from_millis(180);

/// Monotonic time for the booth; tests inject a manual clock.
pub trait Clock: Send {
    /// Time since an epoch the clock chose; never goes backwards.
    fn now(&self) -> Duration;
}

/// The real clock: time since the booth started.
pub struct MonotonicClock {
    start: Instant,
}

impl MonotonicClock {
    pub fn new() -> MonotonicClock {
        MonotonicClock {
            start: Instant::now(),
        }
    }
}

impl Default for MonotonicClock {
    fn default() -> Self {
        MonotonicClock::new()
    }
}

impl Clock for MonotonicClock {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }
}

/// The standardized photo's texture, re-uploaded only when the booth's `generation` changes.
#[derive(Default)]
struct PhotoTexture {
    texture: Option<TextureHandle>,
    generation: Option<u64>,
}

/// The booth application.
pub struct KioskApp {
    booth: Booth,
    clock: Box<dyn Clock>,
    show_second: bool,
    ui_scale: f32,
    profiles: Vec<String>,
    preview: LivePreview,
    preview_rate: PreviewRate,
    photo: PhotoTexture,
    identify: IdentifyUi,
    pin: PinPad,
    /// Whether the hidden corner is held (CornerPress sent, CornerRelease not yet).
    corner_down: bool,
    flash_until: Option<Duration>,
    /// The screen drawn last frame (to reset screen-local state when it changes).
    last_screen: &'static str,
    /// Lets camera frames wake the UI only while the preview shows.
    frame_gate: FrameGate,
    /// Whether Maintenance offers "审核 / Review" (the station wrapper can open the staff queue).
    staff_review: bool,
    /// The staff account that asked for the review queue from Maintenance, until taken.
    staff_request: Option<String>,
}

impl KioskApp {
    /// The booth UI over a started runtime. `frame_gate` is the gate given to the camera's waker (tests
    /// pass `FrameGate::default()`).
    pub fn new(
        config: &KioskConfig,
        booth: Booth,
        clock: Box<dyn Clock>,
        frame_gate: FrameGate,
    ) -> Self {
        let mut profiles: Vec<String> = config
            .profiles
            .iter()
            .map(|spec| spec.name.clone())
            .collect();
        profiles.sort();
        Self {
            booth,
            clock,
            show_second: config.ui.show_second_language,
            ui_scale: config.ui.scale,
            profiles,
            preview: LivePreview::default(),
            preview_rate: PreviewRate::default(),
            photo: PhotoTexture::default(),
            identify: IdentifyUi::default(),
            pin: PinPad::default(),
            corner_down: false,
            flash_until: None,
            last_screen: "",
            frame_gate,
            staff_review: false,
            staff_request: None,
        }
    }

    /// Offers "审核 / Review" on the Maintenance screen (see [`station::StationApp`]).
    pub fn enable_staff_review(&mut self) {
        self.staff_review = true;
    }

    /// The staff account that tapped "审核 / Review" in Maintenance since the last call.
    pub fn take_staff_request(&mut self) -> Option<String> {
        self.staff_request.take()
    }

    pub fn booth(&self) -> &Booth {
        &self.booth
    }

    pub fn booth_mut(&mut self) -> &mut Booth {
        &mut self.booth
    }

    pub fn screen(&self) -> &Screen {
        self.booth.flow().screen()
    }

    pub fn lang(&self) -> Lang {
        Lang::from(self.booth.flow().language())
    }

    /// Frames uploaded into the preview texture since start.
    pub fn frames_shown(&self) -> u64 {
        self.preview.frames_shown
    }

    /// The last finished preview-rate window (see [`PreviewRate`]).
    pub fn preview_rate(&self) -> Option<preview::RateWindow> {
        self.preview_rate.last()
    }

    /// Whether the shutter flash is on screen now.
    pub fn flashing(&self) -> bool {
        self.flash_until
            .is_some_and(|until| self.clock.now() < until)
    }

    /// Applies a tap (the UI's own taps go through here too).
    pub fn handle(&mut self, event: Event) {
        let now = self.clock.now();
        tracing::trace!(?event, screen = self.screen().name(), "tap");
        self.booth.handle(event, now);
    }

    /// One frame's logic: pump the booth, upload what changed, schedule the next repaint.
    pub fn step(&mut self, ctx: &egui::Context) {
        let now = self.clock.now();
        self.booth.pump(now);
        if self.booth.take_flash() {
            self.flash_until = Some(now + FLASH_DURATION);
        }
        let wants_preview = shows_preview(self.screen());
        self.frame_gate.set_mode(if wants_preview {
            GateMode::Open
        } else if matches!(self.screen(), Screen::Attract { .. }) {
            GateMode::Closed
        } else {
            GateMode::Throttled
        });
        self.booth.camera().set_demand(camera_demand(self.screen()));
        if wants_preview {
            let mirror = self.booth.camera().mirror();
            let uploaded = self.preview.update(ctx, self.booth.preview_frame(), mirror);
            if let Some(window) = self.preview_rate.frame(now, uploaded) {
                tracing::debug!(
                    preview_fps = format_args!("{:.1}", window.preview_fps),
                    paint_fps = format_args!("{:.1}", window.paint_fps),
                    "preview rate"
                );
            }
        } else {
            self.preview_rate.pause();
            if !self.screen().in_session() {
                // Nothing of the last student stays in memory on screen once the visit is over.
                self.preview.clear();
            }
        }
        self.upload_photo(ctx);
        self.schedule_repaint(ctx, now);
    }

    fn upload_photo(&mut self, ctx: &egui::Context) {
        let Some(photo) = self.booth.review_photo() else {
            if self.photo.texture.is_some() {
                self.photo = PhotoTexture::default();
            }
            return;
        };
        if self.photo.generation == Some(photo.generation) {
            return;
        }
        let image = egui::ColorImage::from_rgb(
            [photo.image.width() as usize, photo.image.height() as usize],
            photo.image.as_raw(),
        );
        match &mut self.photo.texture {
            Some(texture) => texture.set(image, egui::TextureOptions::LINEAR),
            None => {
                self.photo.texture =
                    Some(ctx.load_texture("review-photo", image, egui::TextureOptions::LINEAR));
            }
        }
        self.photo.generation = Some(photo.generation);
    }

    fn schedule_repaint(&self, ctx: &egui::Context, now: Duration) {
        let flash = self.flash_until.filter(|until| *until > now);
        let next = [self.booth.next_deadline(), flash]
            .into_iter()
            .flatten()
            .min();
        if let Some(at) = next {
            ctx.request_repaint_after(at.saturating_sub(now));
        }
    }

    /// `step` then `show`: one whole frame (what the UI tests and the bench drive).
    pub fn frame(&mut self, ui: &mut egui::Ui) {
        self.step(ui.ctx());
        self.show(ui);
    }

    /// Draws the current screen and applies what the person tapped.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let now = self.clock.now();
        let name = self.screen().name();
        if name != self.last_screen {
            self.identify = IdentifyUi::default();
            self.pin.clear();
            self.last_screen = name;
        }
        let metrics = theme::Metrics::for_screen(ui.ctx().content_rect().size(), self.ui_scale);
        let maintenance = self.maintenance_view();
        let full_bleed = matches!(self.screen(), Screen::Pose(_) | Screen::Countdown { .. });
        let frame = if full_bleed {
            // No fill: the preview screens paint their own backdrop around the camera frame.
            egui::Frame::new()
        } else {
            egui::Frame::central_panel(ui.style()).inner_margin(metrics.spacing())
        };
        let mut events = Vec::new();
        let flow = self.booth.flow();
        let view = View {
            lang: Lang::from(flow.language()),
            metrics,
            now,
            settings: flow.settings(),
            show_second: self.show_second,
            camera: CameraView {
                preview: self.preview.texture(),
                mirrored: self.preview.mirrored(),
                banner: camera_banner(&self.booth.camera().status()),
            },
            photo: self.photo.texture.as_ref(),
            guide: Some(screens::from_booth::guide(&self.booth.guide())),
            face: self
                .booth
                .live_face()
                .map(|face| screens::from_booth::face(&face)),
            printer: screens::from_booth::printer(self.booth.printer()),
            maintenance: &maintenance,
        };
        let screen = flow.screen().clone();
        let identify = &mut self.identify;
        let pin = &mut self.pin;
        egui::CentralPanel::default().frame(frame).show(ui, |ui| {
            events.extend(draw_screen(ui, &screen, &view, identify, pin));
            if is_resting(&screen) {
                events.extend(corner(ui, metrics, &mut self.corner_down));
            }
        });
        if let Some(until) = self.flash_until {
            if until > now {
                let rect = ui.ctx().content_rect();
                ui.ctx()
                    .layer_painter(egui::LayerId::new(
                        egui::Order::Foreground,
                        egui::Id::unique("flash"),
                    ))
                    .rect_filled(rect, 0.0, theme::FLASH);
            } else {
                self.flash_until = None;
            }
        }
        if !is_resting(&screen) {
            self.corner_down = false;
        }
        if let Screen::Maintenance(state) = &screen
            && self.staff_review
            && station::review_button(ui, metrics, self.lang())
        {
            self.staff_request = Some(state.staff.clone());
        }
        for event in events {
            self.handle(event);
        }
        if shows_seconds(&screen) {
            ui.ctx().request_repaint_after(SECONDS_TICK);
        }
    }

    fn maintenance_view(&self) -> MaintenanceView {
        if !matches!(self.screen(), Screen::Maintenance(_)) {
            return MaintenanceView::default();
        }
        let lang = self.lang();
        let mut view = screens::from_booth::maintenance(
            &self.booth.diagnostics(),
            self.booth.flow(),
            &self.profiles,
            lang,
        );
        view.camera.push(screens::from_booth::preview_rate_line(
            self.preview_rate.last(),
        ));
        view
    }
}

impl eframe::App for KioskApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.step(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }
}

/// Screens that show the live camera (and so repaint for its frames).
fn shows_preview(screen: &Screen) -> bool {
    matches!(
        screen,
        Screen::Identify(_) | Screen::Pose(_) | Screen::Countdown { .. }
    )
}

/// Whether the camera must decode frames on `screen`. The preview (Identify/Pose/Countdown), the live
/// checks and the QR scan use them; everything else on the way through a visit stays live too, so the
/// next capture screen has a fresh frame at once. Resting screens need none: the camera is then only
/// read (watchdog, device kept awake). A Failsafe caused by a lost camera stays live, so staff checking
/// the camera see it decode again.
fn camera_demand(screen: &Screen) -> crate::camera::Demand {
    let resting = match screen {
        Screen::Attract { .. } | Screen::OutOfService => true,
        Screen::Failsafe { causes } => !causes.contains(&crate::core::flow::Fault::CameraLost),
        _ => false,
    };
    if resting {
        crate::camera::Demand::Idle
    } else {
        crate::camera::Demand::Live
    }
}

/// Screens the hidden staff corner works on.
fn is_resting(screen: &Screen) -> bool {
    matches!(
        screen,
        Screen::Attract { .. } | Screen::OutOfService | Screen::Failsafe { .. }
    )
}

/// Screens that show a number of seconds left (the return to start, a PIN lockout): redrawn once a
/// second. The others repaint only on events and deadlines (the spinner asks for its own frames).
fn shows_seconds(screen: &Screen) -> bool {
    matches!(
        screen,
        Screen::Done(_) | Screen::StaffPin(PinState::LockedOut { .. })
    )
}

fn draw_screen(
    ui: &mut egui::Ui,
    screen: &Screen,
    view: &View<'_>,
    identify: &mut IdentifyUi,
    pin: &mut PinPad,
) -> Option<Event> {
    match screen {
        Screen::Attract { slide, .. } => screens::attract::show(ui, *slide, view),
        Screen::Consent => screens::consent::show(ui, view),
        Screen::Identify(state) => screens::identify::show(ui, state, identify, view),
        Screen::Pose(state) => screens::pose::show(ui, state, view),
        Screen::Countdown { remaining_secs, .. } => {
            screens::countdown::show(ui, *remaining_secs, view)
        }
        Screen::Processing { stage, .. } => screens::processing::show(ui, *stage, view),
        Screen::Review(state) => screens::review::show(ui, state, view),
        Screen::Done(state) => screens::done::show(ui, state, view),
        Screen::Failsafe { causes } => screens::failsafe::show(ui, causes, view),
        Screen::Maintenance(state) => screens::maintenance::show(ui, state, view),
        Screen::OutOfService => screens::out_of_service::show(ui, view),
        Screen::StaffPin(state) => screens::staff_pin::show(ui, state, pin, view),
    }
}

/// The hidden staff corner (top-left): pressing sends CornerPress, letting go CornerRelease; the flow
/// times the long press and opens the PIN screen.
fn corner(ui: &mut egui::Ui, metrics: theme::Metrics, down: &mut bool) -> Option<Event> {
    // Its own foreground area at the screen's corner: the panel's margin would otherwise clip it.
    let origin = ui.ctx().content_rect().min;
    let pressed = egui::Area::new(egui::Id::unique("staff-corner"))
        .fixed_pos(origin)
        .order(egui::Order::Foreground)
        .show(ui.ctx(), |ui| {
            let (_, response) =
                ui.allocate_exact_size(metrics.corner_size(), egui::Sense::click_and_drag());
            response.is_pointer_button_down_on()
        })
        .inner;
    match (pressed, *down) {
        (true, false) => {
            *down = true;
            Some(Event::CornerPress)
        }
        (false, true) => {
            *down = false;
            Some(Event::CornerRelease)
        }
        _ => None,
    }
}

/// The camera line under the start button, or `None` when a real camera is live.
fn camera_banner(status: &CameraStatus) -> Option<&'static str> {
    match status {
        CameraStatus::Live { demo: true, .. } => Some("camera.demo"),
        CameraStatus::Live { .. } => None,
        CameraStatus::Starting => Some("camera.starting"),
        CameraStatus::Lost { .. } | CameraStatus::Reconnecting { .. } => {
            Some("camera.reconnecting")
        }
        CameraStatus::Failed(_) => Some("camera.failed"),
    }
}

/// While a resting screen without the preview shows (Failsafe, out of service, maintenance…), camera
/// frames wake the UI at most this often, so a camera coming back is noticed within a second.
const CLOSED_GATE_WAKE: Duration = Duration::from_secs(1);

/// Decides whether a camera frame wakes the UI: always while a screen shows the preview; at most once
/// per [`CLOSED_GATE_WAKE`] on other screens; never on the idle Attract screen, which repaints only at its
/// slide deadline (and checks the camera then). Cloned into the camera's waker; the app sets it each frame.
#[derive(Clone)]
pub struct FrameGate {
    /// Minimum milliseconds between frame wakes; 0 = every frame, `u64::MAX` = never.
    interval_ms: Arc<AtomicU64>,
    epoch: Instant,
    /// Milliseconds since `epoch` of the last throttled wake.
    last_wake_ms: Arc<AtomicU64>,
}

/// How camera frames may wake the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateMode {
    /// The preview shows: every frame.
    Open,
    /// No preview, but a fault may clear: about once a second.
    Throttled,
    /// The idle Attract screen: frames never wake the UI.
    Closed,
}

impl Default for FrameGate {
    fn default() -> Self {
        FrameGate {
            interval_ms: Arc::new(AtomicU64::new(0)),
            epoch: Instant::now(),
            last_wake_ms: Arc::new(AtomicU64::new(0)),
        }
    }
}

impl FrameGate {
    pub fn set_mode(&self, mode: GateMode) {
        let interval_ms = match mode {
            GateMode::Open => 0,
            GateMode::Throttled => CLOSED_GATE_WAKE.as_millis() as u64,
            GateMode::Closed => u64::MAX,
        };
        self.interval_ms.store(interval_ms, Ordering::Relaxed);
    }

    /// Whether a frame arriving now should wake the UI.
    pub fn should_wake(&self) -> bool {
        let interval_ms = self.interval_ms.load(Ordering::Relaxed);
        match interval_ms {
            0 => true,
            u64::MAX => false,
            _ => {
                let now_ms = self.epoch.elapsed().as_millis() as u64;
                let last = self.last_wake_ms.load(Ordering::Relaxed);
                let due = now_ms.saturating_sub(last) >= interval_ms;
                if due {
                    self.last_wake_ms.store(now_ms, Ordering::Relaxed);
                }
                due
            }
        }
    }
}

/// Opens the booth window (full screen unless `windowed` or `kiosk.fullscreen = false`) and runs it until
/// it is closed.
///
/// The models and the database are loaded BEFORE the window opens (≈ 0.2–0.5 s): a window that appeared
/// and then froze while tract parses the models would look broken to a student, and a missing model or an
/// unreadable database is reported on the terminal before anything is shown. The camera worker starts
/// inside the window's creator because its waker needs the egui context.
pub fn run_kiosk(config: KioskConfig, data_dir: &Path, windowed: bool) -> anyhow::Result<()> {
    let models_dir = crate::paths::assets_dir().join("models");
    let vision = crate::vision::Vision::load(&models_dir)
        .with_context(|| format!("cannot load the models from {}", models_dir.display()))?;
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
    let database = data_dir.join(&config.storage.database_file);
    let store = crate::storage::Store::open(&database)
        .with_context(|| format!("cannot open the database {}", database.display()))?;
    let spooler = start_spooler(&config);
    let opener = station::store_opener(config.clone(), database.clone());
    let fullscreen = config.kiosk.fullscreen && !windowed;
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("idbooth")
        .with_inner_size([1280.0, 800.0]);
    if fullscreen {
        viewport = viewport.with_fullscreen(true);
    }
    let options = eframe::NativeOptions {
        viewport,
        // egui's dithering adds a noise term to every pixel of every layer; the booth shows a camera
        // image and flat colours, which do not band, and under a software renderer it costs frame rate.
        dithering: false,
        ..eframe::NativeOptions::default()
    };
    tracing::info!(fullscreen, data_dir = %data_dir.display(), "opening the booth window");
    let fonts_dir = crate::paths::assets_dir().join("fonts");
    eframe::run_native(
        "idbooth",
        options,
        Box::new(move |cc| {
            match theme::install_fonts(&cc.egui_ctx, &fonts_dir) {
                Some(font) => tracing::info!(font = %font.display(), "CJK font loaded"),
                None => {
                    tracing::warn!(dir = %fonts_dir.display(), "no CJK font found; Chinese will not render");
                }
            }
            theme::apply_visuals(&cc.egui_ctx);
            let gate = FrameGate::default();
            let camera = start_camera(&config, &cc.egui_ctx, gate.clone())?;
            let repaint = cc.egui_ctx.clone();
            let parts = booth::BoothParts {
                config: config.clone(),
                camera,
                vision,
                store,
                spooler,
                waker: Box::new(move || repaint.request_repaint()),
            };
            let clock = MonotonicClock::new();
            let booth = Booth::start(parts, clock.now())?;
            let kiosk = KioskApp::new(&config, booth, Box::new(clock), gate);
            Ok(Box::new(station::StationApp::new(kiosk, opener)))
        }),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))
    .context("cannot open the booth window (is a display available?)")
}

/// The camera worker; its frames wake the UI through `gate`.
pub(crate) fn start_camera(
    config: &KioskConfig,
    ctx: &egui::Context,
    gate: FrameGate,
) -> anyhow::Result<crate::camera::CameraHandle> {
    let settings =
        crate::camera::CameraSettings::from_config(&config.camera).context("camera settings")?;
    let repaint = ctx.clone();
    let waker = Box::new(move || {
        if gate.should_wake() {
            repaint.request_repaint_after(FRAME_WAKE_DELAY);
        }
    });
    crate::camera::CameraHandle::spawn(settings, waker).context("cannot start the camera worker")
}

/// The CUPS spooler when `print.printer` is set (server from `$IDBOOTH_CUPS_SERVER`, else localhost).
fn start_spooler(config: &KioskConfig) -> Option<Box<dyn crate::print::spool::Spooler + Send>> {
    let printer = config.print.printer.as_ref()?;
    let server = std::env::var(CUPS_SERVER_ENV)
        .ok()
        .filter(|server| !server.trim().is_empty())
        .unwrap_or_else(|| crate::print::cups::DEFAULT_CUPS_SERVER.to_owned());
    match crate::print::cups::CupsSpooler::new(&server, printer) {
        Ok(spooler) => Some(Box::new(spooler)),
        Err(error) => {
            tracing::error!(
                printer,
                "cannot set up the printer: {error:#}; printing is off"
            );
            None
        }
    }
}

/// Environment variable naming the CUPS server (the same one `idbooth print` reads).
const CUPS_SERVER_ENV: &str = "IDBOOTH_CUPS_SERVER";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frame_gate_wakes_for_every_frame_only_while_open() {
        let gate = FrameGate::default();
        gate.set_mode(GateMode::Open);
        assert!(gate.should_wake() && gate.should_wake());
        gate.set_mode(GateMode::Closed);
        assert!(!gate.should_wake());
        gate.set_mode(GateMode::Throttled);
        // The first frame after a long quiet spell wakes; the next one, a few ms later, does not.
        std::thread::sleep(CLOSED_GATE_WAKE);
        assert!(gate.should_wake());
        assert!(!gate.should_wake());
    }
}
