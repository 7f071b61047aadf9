//! The eframe shell of the booth: owns the window, the fonts and the current screen. Logic (draining
//! worker channels, stepping the flow) runs in `logic`; drawing in `ui`. Nothing here blocks: no file,
//! database, inference or camera call happens inside `ui`.

pub mod screens;
pub mod staff;
pub mod text;
pub mod theme;

use std::path::Path;

use anyhow::Context as _;

use crate::config::KioskConfig;
use screens::attract::{self, AttractIntent};
use text::Lang;

/// The booth application state.
pub struct KioskApp {
    config: KioskConfig,
    lang: Lang,
}

impl KioskApp {
    pub fn new(config: KioskConfig) -> Self {
        let lang = Lang::from(config.ui.language);
        Self { config, lang }
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// Draws the current screen and applies what the person asked for.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let metrics =
            theme::Metrics::for_screen(ui.ctx().content_rect().size(), self.config.ui.scale);
        let intent = egui::CentralPanel::default()
            .show(ui, |ui| {
                attract::show(ui, self.lang, metrics, self.config.ui.show_second_language)
            })
            .inner;
        if let Some(AttractIntent::ToggleLanguage) = intent {
            self.lang = self.lang.other();
        }
    }
}

impl eframe::App for KioskApp {
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
            Ok(Box::new(KioskApp::new(config)))
        }),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))
    .context("cannot open the booth window (is a display available?)")
}
