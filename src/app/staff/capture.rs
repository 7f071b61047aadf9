//! The staff station's "拍照 / Capture" tab: the booth flow (the real [`KioskApp`] over a real
//! [`Booth`]) run by a staff member for a student at the desk. The store records the logged-in staff
//! account as who captured (`Actor::Staff`), not a booth id.
//!
//! Owns when the booth runs: the camera and the models start on a one-shot "staff-capture-start" thread
//! when the tab is opened (never at station start-up, and never on the UI thread), and the whole booth —
//! camera included — is dropped, releasing the device, when the operator leaves the tab or logs out.
//! Typed keys go to the identify keypad (digits and letters, Backspace, Enter = next), since a desk has a
//! keyboard. Must not touch the booth's screens or flow: it only forwards events through `KioskApp`.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use crossbeam_channel::{Receiver, TryRecvError, bounded};

use super::worker::Command;
use crate::app::booth::{Booth, BoothParts};
use crate::app::text::{Lang, tr};
use crate::app::{Clock as _, FrameGate, KioskApp, MonotonicClock};
use crate::config::KioskConfig;
use crate::core::flow::{Event, Lookup, Screen};
use crate::core::record::Actor;

/// What a starter needs to build the booth for one staff member.
pub struct CaptureRequest {
    /// The station's UI context (the camera's frames and the workers wake it).
    pub ctx: egui::Context,
    /// The logged-in staff account, recorded as who captured.
    pub account: String,
}

/// Builds the booth UI for a capture; runs on the "staff-capture-start" thread (loads the models, opens
/// the camera and the database). Tests pass one with a `FakeCamera` and a manual clock.
pub type CaptureStarter = Arc<dyn Fn(CaptureRequest) -> anyhow::Result<KioskApp> + Send + Sync>;

/// Where the tab is.
enum CaptureState {
    /// Not running: no camera, no models.
    Idle,
    /// The starter thread is loading; its answer arrives here.
    Starting(Receiver<anyhow::Result<KioskApp>>),
    Running(Box<KioskApp>),
    /// The starter failed (no camera, a missing model): shown with a retry button.
    Failed(String),
}

/// The capture tab of one station.
pub struct CaptureTab {
    starter: CaptureStarter,
    state: CaptureState,
}

impl CaptureTab {
    pub fn new(starter: CaptureStarter) -> Self {
        Self {
            starter,
            state: CaptureState::Idle,
        }
    }

    /// The running booth UI, if the tab has started it.
    pub fn kiosk(&self) -> Option<&KioskApp> {
        match &self.state {
            CaptureState::Running(kiosk) => Some(kiosk),
            _ => None,
        }
    }

    /// Whether the booth (and so the camera) is running or starting.
    pub fn is_active(&self) -> bool {
        matches!(
            self.state,
            CaptureState::Running(_) | CaptureState::Starting(_)
        )
    }

    /// Stops the booth and releases the camera (a starter still loading drops what it built).
    pub fn release(&mut self) {
        if self.is_active() {
            tracing::info!("staff capture closed; camera released");
        }
        self.state = CaptureState::Idle;
    }

    /// Draws the tab: starts the booth on first show, then runs one booth frame per station frame.
    pub fn show(&mut self, ui: &mut egui::Ui, lang: Lang, account: &str) {
        if matches!(self.state, CaptureState::Idle) {
            self.start(ui.ctx(), account);
        }
        if let CaptureState::Starting(answer) = &self.state {
            match answer.try_recv() {
                Ok(Ok(kiosk)) => self.state = CaptureState::Running(Box::new(kiosk)),
                Ok(Err(error)) => self.state = CaptureState::Failed(format!("{error:#}")),
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => {
                    self.state = CaptureState::Failed("the starter thread stopped".to_owned());
                }
            }
        }
        let mut retry = false;
        match &mut self.state {
            CaptureState::Running(kiosk) => {
                forward_keys(ui, kiosk);
                kiosk.frame(ui);
            }
            CaptureState::Starting(_) => {
                egui::CentralPanel::default().show(ui, |ui| {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label(tr(lang, "staff.capture_starting"));
                    });
                });
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_millis(100));
            }
            CaptureState::Failed(message) => {
                egui::CentralPanel::default().show(ui, |ui| {
                    ui.colored_label(
                        crate::app::theme::BAD,
                        format!("{}: {message}", tr(lang, "staff.capture_failed")),
                    );
                    retry = ui.button(tr(lang, "staff.capture_retry")).clicked();
                });
            }
            CaptureState::Idle => {}
        }
        if retry {
            self.state = CaptureState::Idle;
        }
    }

    fn start(&mut self, ctx: &egui::Context, account: &str) {
        let (answer_tx, answer) = bounded(1);
        let starter = Arc::clone(&self.starter);
        let request = CaptureRequest {
            ctx: ctx.clone(),
            account: account.to_owned(),
        };
        let repaint = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("staff-capture-start".to_owned())
            .spawn(move || {
                let result = starter(request);
                // A closed tab dropped the receiver: the booth built here is dropped (camera released).
                let _ = answer_tx.send(result);
                repaint.request_repaint();
            });
        self.state = match spawned {
            Ok(_) => {
                tracing::info!(account, "staff capture starting");
                CaptureState::Starting(answer)
            }
            Err(error) => CaptureState::Failed(format!("cannot start a thread: {error}")),
        };
    }
}

/// Typed keys on the identify screen go to the keypad: letters and digits, Backspace, Enter = next
/// (look the number up, or confirm it once the roster answered).
fn forward_keys(ui: &egui::Ui, kiosk: &mut KioskApp) {
    let Screen::Identify(state) = kiosk.screen() else {
        return;
    };
    let enter = if state.lookup.confirmable().is_some() {
        Some(Event::ConfirmStudent)
    } else if matches!(state.lookup, Lookup::Typing) {
        Some(Event::SubmitNumber)
    } else {
        None
    };
    let mut events = Vec::new();
    ui.input(|input| {
        for event in &input.events {
            match event {
                egui::Event::Text(text) => events.extend(
                    text.chars()
                        .filter(char::is_ascii_alphanumeric)
                        .map(|c| Event::KeypadDigit(c.to_ascii_uppercase())),
                ),
                egui::Event::Key {
                    key: egui::Key::Backspace,
                    pressed: true,
                    ..
                } => events.push(Event::KeypadBackspace),
                egui::Event::Key {
                    key: egui::Key::Enter,
                    pressed: true,
                    ..
                } => events.extend(enter.clone()),
                _ => {}
            }
        }
    });
    for event in events {
        kiosk.handle(event);
    }
}

impl super::StaffApp {
    /// Offers the "拍照 / Capture" tab: `starter` builds the booth when the tab is first opened.
    pub fn with_capture(mut self, starter: CaptureStarter) -> Self {
        self.capture = Some(CaptureTab::new(starter));
        self
    }

    /// Opens the desk for `account` without a PIN: the caller (the booth's maintenance screen) has
    /// already checked it. The worker refuses unknown, disabled and locked accounts.
    pub fn resume(mut self, account: &str) -> Self {
        self.send(Command::Resume {
            account: account.to_owned(),
        });
        self
    }

    /// The capture tab's running booth UI, if open.
    pub fn capture_kiosk(&self) -> Option<&KioskApp> {
        self.capture.as_ref().and_then(CaptureTab::kiosk)
    }

    /// Whether the capture tab's booth (and so the camera) is running or starting.
    pub fn capture_active(&self) -> bool {
        self.capture.as_ref().is_some_and(CaptureTab::is_active)
    }
}

/// The real starter: the configured camera, the models from the assets, the station's database, no
/// printer (the station prints from the queue), the staff account as the actor.
pub fn real_starter(config: KioskConfig, database: PathBuf) -> CaptureStarter {
    Arc::new(move |request: CaptureRequest| {
        let models_dir = crate::paths::assets_dir().join("models");
        let vision = crate::vision::Vision::load(&models_dir)
            .with_context(|| format!("cannot load the models from {}", models_dir.display()))?;
        let store = crate::storage::Store::open(&database)
            .with_context(|| format!("cannot open the database {}", database.display()))?;
        let gate = FrameGate::default();
        let camera = crate::app::start_camera(&config, &request.ctx, gate.clone())?;
        let repaint = request.ctx.clone();
        let parts = BoothParts {
            config: config.clone(),
            camera,
            vision,
            store,
            spooler: None,
            waker: Box::new(move || repaint.request_repaint()),
        };
        let clock = MonotonicClock::new();
        let booth = Booth::start_as(parts, Actor::Staff(request.account), clock.now())?;
        Ok(KioskApp::new(&config, booth, Box::new(clock), gate))
    })
}
