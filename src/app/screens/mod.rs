//! One file per booth screen. Each screen is a function `show(ui, &state, &view) -> Option<Event>`: it
//! draws the state the flow gives it plus what the shell gathered in [`View`], and returns what the
//! person asked for as a flow [`Event`]. A screen never touches the camera, the store or the clock, so
//! each one can be tested alone; `KioskApp` turns the returned events into `booth.handle(event, now)`.

pub mod attract;
pub mod consent;
pub mod countdown;
pub mod done;
pub mod failsafe;
pub mod from_booth;
pub mod identify;
pub mod maintenance;
pub mod out_of_service;
pub mod pose;
pub mod processing;
pub mod review;
pub mod staff_pin;
pub mod strings;

use std::time::Duration;

use egui::{Align, Layout, RichText, TextureHandle};

use crate::app::text::{Lang, tr};
use crate::app::theme::{self, Metrics};
use crate::app::widgets::buttons::{self, Kind};
use crate::app::widgets::pose_overlay::{FaceMarks, GuideShape};
use crate::core::flow::{Event, FlowSettings};

/// The live camera as the screens show it.
#[derive(Clone, Copy, Default)]
pub struct CameraView<'a> {
    /// The newest preview frame (already mirrored when `mirrored`), once one has arrived.
    pub preview: Option<&'a TextureHandle>,
    pub mirrored: bool,
    /// A text key describing the camera state (`camera.demo`, `camera.reconnecting`…), or `None` when a
    /// real camera is live.
    pub banner: Option<&'static str>,
}

/// The printer as the Done screen shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrinterLamp {
    Ready,
    Paused,
    OutOfPaper,
    Offline,
    NotConfigured,
}

impl PrinterLamp {
    /// The text key of the state line, `None` when there is nothing to say.
    pub fn text_key(self) -> Option<&'static str> {
        match self {
            PrinterLamp::Ready => Some("printer.ready"),
            PrinterLamp::Paused => Some("printer.paused"),
            PrinterLamp::OutOfPaper => Some("printer.out_of_paper"),
            PrinterLamp::Offline => Some("printer.offline"),
            PrinterLamp::NotConfigured => None,
        }
    }

    pub fn can_print(self) -> bool {
        self == PrinterLamp::Ready
    }
}

/// One line of the maintenance diagnostics (already formatted by the shell: staff read them, in English
/// units, as the logs say them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiagLine {
    pub label: String,
    pub value: String,
}

/// What the maintenance screen shows besides its page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MaintenanceView {
    pub camera: Vec<DiagLine>,
    pub workers: Vec<DiagLine>,
    pub profiles: Vec<String>,
    pub active_profile: String,
    pub out_of_service: bool,
    /// Active faults, as text in the current language.
    pub faults: Vec<String>,
}

/// Everything besides the flow's screen state that a screen may show.
pub struct View<'a> {
    pub lang: Lang,
    pub metrics: Metrics,
    /// The flow's clock (countdowns to automatic return, lockouts).
    pub now: Duration,
    pub settings: &'a FlowSettings,
    /// Show the other language under the main title.
    pub show_second: bool,
    pub camera: CameraView<'a>,
    /// The standardized photo of the current session (Review).
    pub photo: Option<&'a TextureHandle>,
    /// The active profile's pose guide, in normalised camera-frame coordinates.
    pub guide: Option<GuideShape>,
    /// The face the live checks found, when fresh.
    pub face: Option<FaceMarks>,
    pub printer: PrinterLamp,
    pub maintenance: &'a MaintenanceView,
}

impl View<'_> {
    /// The text for `key` in the current language.
    pub fn text(&self, key: &'static str) -> &'static str {
        tr(self.lang, key)
    }
}

/// The row at the top of most screens: the language toggle and, when the visit can be left from here,
/// Cancel. Returns the tapped event.
pub fn top_bar(ui: &mut egui::Ui, view: &View<'_>, cancel: bool) -> Option<Event> {
    let mut event = None;
    // A row as tall as its buttons (a bare right-to-left layout would centre them in the whole screen).
    ui.horizontal(|ui| {
        ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
            if buttons::small(
                ui,
                view.metrics,
                tr(view.lang, "language.toggle"),
                Kind::Secondary,
            )
            .clicked()
            {
                event = Some(Event::ToggleLanguage);
            }
            if cancel
                && buttons::small(
                    ui,
                    view.metrics,
                    tr(view.lang, "common.cancel"),
                    Kind::Secondary,
                )
                .clicked()
            {
                event = Some(Event::Cancel);
            }
        });
    });
    event
}

/// A centred screen title.
pub fn title(ui: &mut egui::Ui, view: &View<'_>, key: &str) {
    ui.label(
        RichText::new(tr(view.lang, key))
            .font(view.metrics.heading())
            .color(theme::PRIMARY),
    );
}

/// A white card around `add`.
pub fn card<R>(ui: &mut egui::Ui, metrics: Metrics, add: impl FnOnce(&mut egui::Ui) -> R) -> R {
    egui::Frame::new()
        .fill(theme::CARD)
        .stroke(egui::Stroke::new(1.0, theme::CARD_BORDER))
        .corner_radius(metrics.rounding())
        .inner_margin(metrics.spacing())
        .show(ui, add)
        .inner
}

/// Replaces `{name}` in a translated text.
pub fn fill(text: &str, name: &str, value: impl std::fmt::Display) -> String {
    text.replace(&format!("{{{name}}}"), &value.to_string())
}
