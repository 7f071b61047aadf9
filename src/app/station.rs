//! Staff mode from the booth: the booth window runs a `StationApp`, which holds the [`KioskApp`] and, on
//! demand, a [`StaffApp`]. When the staff member who unlocked Maintenance (long press on the hidden
//! corner + PIN, checked by the store) taps "审核 / Review", the station's review queue opens in the booth
//! window, logged in as that account; "返回维护 / Back to maintenance" (or the desk's own logout, or its
//! idle logout) closes it and the booth shows Maintenance again.
//!
//! Owns only the switch between the two apps. The booth keeps running underneath (its workers are pumped
//! every frame); the staff desk and its `staff-io` worker exist only while shown. Must not change the
//! booth's flow or screens: the one hook is [`KioskApp::take_staff_request`].

use egui::RichText;

use super::KioskApp;
use super::staff::{StaffApp, StaffError};
use super::text::{Lang, tr};
use super::theme::Metrics;
use super::widgets::buttons::{self, Kind};

/// Opens a staff desk for an account the booth has authenticated (production: `Store::open` of the
/// booth's database, then `StaffApp::new(..).resume(account)`).
pub type StaffOpener = Box<dyn FnMut(&str) -> Result<StaffApp, StaffError>>;

/// The open desk and whether it has logged in yet.
struct OpenDesk {
    app: StaffApp,
    /// The desk has been logged in at least once (so a later logout means "leave").
    seen_login: bool,
}

/// The booth window's application: the booth, and the staff desk while a staff member reviews.
pub struct StationApp {
    kiosk: KioskApp,
    opener: StaffOpener,
    desk: Option<OpenDesk>,
    /// Why the last desk could not open (shown on Maintenance until the next try).
    error: Option<String>,
}

impl StationApp {
    /// Wraps `kiosk` and offers "审核 / Review" on its Maintenance screen.
    pub fn new(mut kiosk: KioskApp, opener: StaffOpener) -> Self {
        kiosk.enable_staff_review();
        Self {
            kiosk,
            opener,
            desk: None,
            error: None,
        }
    }

    pub fn kiosk(&self) -> &KioskApp {
        &self.kiosk
    }

    pub fn kiosk_mut(&mut self) -> &mut KioskApp {
        &mut self.kiosk
    }

    /// The staff desk, while it is shown.
    pub fn staff(&self) -> Option<&StaffApp> {
        self.desk.as_ref().map(|desk| &desk.app)
    }

    /// Why the desk could not open, if the last try failed.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Closes the staff desk (its worker stops) and goes back to the booth's Maintenance screen.
    pub fn back_to_booth(&mut self) {
        if self.desk.take().is_some() {
            tracing::info!("staff desk closed; back to the booth");
        }
    }

    /// One whole frame: the booth's logic every frame, then whichever app is shown.
    pub fn frame(&mut self, ui: &mut egui::Ui) {
        self.kiosk.step(ui.ctx());
        self.show(ui);
    }

    fn show(&mut self, ui: &mut egui::Ui) {
        if let Some(account) = self.kiosk.take_staff_request() {
            self.open(&account);
        }
        let Some(desk) = &mut self.desk else {
            self.kiosk.show(ui);
            self.show_error(ui);
            return;
        };
        let lang = desk.app.lang();
        let mut back = false;
        egui::Panel::top("station-back").show(ui, |ui| {
            back = ui
                .button(RichText::new(tr(lang, "staff.back_to_maintenance")).strong())
                .clicked();
        });
        desk.app.show(ui);
        if desk.app.desk().is_some() {
            desk.seen_login = true;
        }
        let logged_out = desk.seen_login && desk.app.desk().is_none();
        let refused = !desk.seen_login && !desk.app.is_busy() && desk.app.login_error().is_some();
        if refused {
            self.error = desk.app.login_error().map(str::to_owned);
        }
        if back || logged_out || refused {
            self.back_to_booth();
        }
    }

    /// Why the desk did not open, over the Maintenance screen (bottom left) until it is left.
    fn show_error(&mut self, ui: &egui::Ui) {
        if !matches!(
            self.kiosk.screen(),
            crate::core::flow::Screen::Maintenance(_)
        ) {
            self.error = None;
        }
        let Some(error) = &self.error else {
            return;
        };
        egui::Area::new(egui::Id::unique("station-error"))
            .anchor(egui::Align2::LEFT_BOTTOM, egui::vec2(16.0, -16.0))
            .order(egui::Order::Foreground)
            .show(ui.ctx(), |ui| {
                ui.colored_label(crate::app::theme::BAD, error);
            });
    }

    fn open(&mut self, account: &str) {
        self.error = None;
        match (self.opener)(account) {
            Ok(app) => {
                tracing::info!(account, "staff desk opened from the booth");
                self.desk = Some(OpenDesk {
                    app,
                    seen_login: false,
                });
            }
            Err(error) => {
                tracing::error!(account, "cannot open the staff desk: {error:#}");
                self.error = Some(format!("{error:#}"));
            }
        }
    }
}

impl eframe::App for StationApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.kiosk.step(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }
}

/// The "审核 / Review" button over the Maintenance screen (bottom right); true when tapped.
pub(crate) fn review_button(ui: &egui::Ui, metrics: Metrics, lang: Lang) -> bool {
    egui::Area::new(egui::Id::unique("maint-review"))
        .anchor(
            egui::Align2::RIGHT_BOTTOM,
            egui::vec2(-metrics.spacing(), -metrics.spacing()),
        )
        .order(egui::Order::Foreground)
        .show(ui.ctx(), |ui| {
            buttons::big(ui, metrics, tr(lang, "maint.review"), Kind::Primary, true).clicked()
        })
        .inner
}

/// The production opener: a second connection to the booth's database and a desk resumed for the
/// account (the station's clock and time zone).
pub fn store_opener(
    config: crate::config::KioskConfig,
    database: std::path::PathBuf,
) -> StaffOpener {
    Box::new(move |account: &str| {
        let store = crate::storage::Store::open(&database)?;
        let app = StaffApp::new(config.clone(), store, super::staff::StaffOptions::system())?;
        Ok(app.resume(account))
    })
}
