//! The eframe shell of the booth: owns the window, the fonts and the current screen. Logic (draining
//! worker channels, stepping the flow) runs in `logic`; drawing in `ui`. Nothing here blocks: no file,
//! database, inference or camera call happens inside `ui`.

pub mod booth;
pub mod preview;
pub mod screens;
pub mod staff;
pub mod text;
pub mod theme;

use std::path::Path;

use anyhow::Context as _;

use crate::camera::{CameraHandle, CameraSettings, CameraStatus};
use crate::config::KioskConfig;
use preview::LivePreview;
use screens::attract::{self, AttractIntent, CameraView};
use text::Lang;

/// How often the preview frame rate is logged (debug level).
const PREVIEW_RATE_WINDOW: std::time::Duration = std::time::Duration::from_secs(10);

/// The booth application state.
pub struct KioskApp {
    config: KioskConfig,
    lang: Lang,
    camera: Option<CameraHandle>,
    camera_status: CameraStatus,
    preview: LivePreview,
    /// Start and frame count of the current preview-rate window (logged at debug level).
    rate_window: (std::time::Instant, u64),
}

impl KioskApp {
    /// The booth with its camera worker (`None` when the camera could not be started at all: the booth
    /// then says so instead of showing a preview).
    pub fn new(config: KioskConfig, camera: Option<CameraHandle>) -> Self {
        let lang = Lang::from(config.ui.language);
        Self {
            config,
            lang,
            camera,
            camera_status: CameraStatus::Starting,
            preview: LivePreview::default(),
            rate_window: (std::time::Instant::now(), 0),
        }
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// Frames shown since start (the preview-rate measurement reads it).
    pub fn frames_shown(&self) -> u64 {
        self.preview.frames_shown
    }

    /// Drains the camera: newest frame into the preview texture, newest status.
    pub fn step(&mut self, ctx: &egui::Context) {
        if let Some(camera) = &self.camera {
            self.preview.update(ctx, camera);
            let (since, frames_then) = self.rate_window;
            if since.elapsed() >= PREVIEW_RATE_WINDOW {
                let frames = self.preview.frames_shown - frames_then;
                let fps = frames as f64 / since.elapsed().as_secs_f64();
                tracing::debug!(fps = format!("{fps:.1}"), "preview rate");
                self.rate_window = (std::time::Instant::now(), self.preview.frames_shown);
            }
            if let Some(status) = camera.drain_status_events().pop() {
                tracing::debug!(?status, "camera status");
                self.camera_status = status;
            }
        }
    }

    fn camera_banner(&self) -> Option<&'static str> {
        if self.camera.is_none() {
            return Some("camera.failed");
        }
        match &self.camera_status {
            CameraStatus::Live { demo: true, .. } => Some("camera.demo"),
            CameraStatus::Live { .. } => None,
            CameraStatus::Starting => Some("camera.starting"),
            CameraStatus::Lost { .. } | CameraStatus::Reconnecting { .. } => {
                Some("camera.reconnecting")
            }
            CameraStatus::Failed(_) => Some("camera.failed"),
        }
    }

    /// Draws the current screen and applies what the person asked for.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let metrics =
            theme::Metrics::for_screen(ui.ctx().content_rect().size(), self.config.ui.scale);
        let camera = CameraView {
            preview: self.preview.texture(),
            banner: self.camera_banner(),
        };
        let (lang, show_second) = (self.lang, self.config.ui.show_second_language);
        let intent = egui::CentralPanel::default()
            .show(ui, |ui| {
                attract::show(ui, lang, metrics, show_second, &camera)
            })
            .inner;
        if let Some(AttractIntent::ToggleLanguage) = intent {
            self.lang = self.lang.other();
        }
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

/// Opens the booth window (full screen unless `windowed` or `kiosk.fullscreen = false`) and runs it until
/// it is closed.
pub fn run_kiosk(config: KioskConfig, data_dir: &Path, windowed: bool) -> anyhow::Result<()> {
    let fullscreen = config.kiosk.fullscreen && !windowed;
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("idbooth")
        .with_inner_size([1280.0, 800.0]);
    if fullscreen {
        viewport = viewport.with_fullscreen(true);
    }
    let options = eframe::NativeOptions {
        viewport,
        ..eframe::NativeOptions::default()
    };
    tracing::info!(fullscreen, data_dir = %data_dir.display(), "opening the booth window");
    let fonts_dir = crate::paths::assets_dir().join("fonts");
    eframe::run_native(
        "idbooth",
        options,
        Box::new(move |cc| {
            if let Some(font) = theme::install_fonts(&cc.egui_ctx, &fonts_dir) { tracing::info!(font = %font.display(), "CJK font loaded") } else { tracing::warn!(dir = %fonts_dir.display(), "no CJK font found; Chinese will not render") }
            theme::apply_visuals(&cc.egui_ctx);
            let camera = start_camera(&config, &cc.egui_ctx);
            Ok(Box::new(KioskApp::new(config, camera)))
        }),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))
    .context("cannot open the booth window (is a display available?)")
}

/// Starts the camera worker; every new frame or status wakes the UI. A camera that cannot even be
/// configured is logged and shown as unavailable: the booth keeps running.
fn start_camera(config: &KioskConfig, ctx: &egui::Context) -> Option<CameraHandle> {
    let settings = match CameraSettings::from_config(&config.camera) {
        Ok(settings) => settings,
        Err(error) => {
            tracing::error!("camera settings: {error:#}");
            return None;
        }
    };
    let repaint = ctx.clone();
    match CameraHandle::spawn(settings, Box::new(move || repaint.request_repaint())) {
        Ok(camera) => Some(camera),
        Err(error) => {
            tracing::error!("cannot start the camera worker: {error:#}");
            None
        }
    }
}
