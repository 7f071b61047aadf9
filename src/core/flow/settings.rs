//! The few configuration values the booth flow needs, taken once from the validated configuration
//! (`KioskConfig::flow_settings` builds it).
//!
//! Owns nothing but the selection; ranges were checked when kiosk.toml was parsed.

use std::time::Duration;

use crate::core::locale::{Language, StudentNoFormat};

/// The privacy notice a student must accept (kiosk.toml `[privacy]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentNotice {
    /// Stored with every record so it is known which text was accepted.
    pub version: String,
    pub zh: String,
    pub en: String,
}

impl ConsentNotice {
    pub fn text(&self, language: Language) -> &str {
        match language {
            Language::Zh => &self.zh,
            Language::En => &self.en,
        }
    }
}

/// Timings, limits and texts that drive [`super::Flow`].
#[derive(Debug, Clone, PartialEq)]
pub struct FlowSettings {
    /// Language every session starts in (`ui.language`).
    pub default_language: Language,
    /// No touch for this long discards the session (`kiosk.idle_timeout_secs`).
    pub idle_timeout: Duration,
    /// The Done screen returns to the start after this (`kiosk.done_return_secs`).
    pub done_return: Duration,
    /// Start out of service (`kiosk.out_of_service`); staff can switch it in maintenance.
    pub out_of_service: bool,
    /// Seconds counted down before the shutter; 0 shoots at once (`capture.countdown_secs`).
    pub countdown_secs: u32,
    /// Fire the shutter by itself once every live check is green (`capture.auto_shutter`).
    pub auto_shutter: bool,
    /// How long every live check must stay green first (`capture.auto_shutter_hold_ms`).
    pub auto_shutter_hold: Duration,
    /// How long a hint must hold before it shows (`capture.hint_hold_ms`).
    pub hint_hold: Duration,
    /// Retakes per session before the booth asks for staff (`capture.max_retakes`).
    pub max_retakes: u32,
    /// Long-press on the hidden corner that opens the staff PIN screen (`staff.corner_hold_ms`).
    pub corner_hold: Duration,
    /// Student-number format (`staff.student_no_*`).
    pub student_no: StudentNoFormat,
    pub notice: ConsentNotice,
    /// A printer is configured (`print.printer` non-empty): the Done screen offers printing.
    pub printer_configured: bool,
}
