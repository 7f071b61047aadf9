//! The few configuration values the booth flow needs, taken once from the validated [`KioskConfig`].
//!
//! Owns nothing but the selection; ranges were checked when kiosk.toml was parsed.

use std::time::Duration;

use crate::config::{KioskConfig, Language, StudentNoFormat};

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

impl FlowSettings {
    pub fn from_config(config: &KioskConfig) -> FlowSettings {
        FlowSettings {
            default_language: config.ui.language,
            idle_timeout: config.kiosk.idle_timeout,
            done_return: config.kiosk.done_return,
            out_of_service: config.kiosk.out_of_service,
            countdown_secs: config.capture.countdown_secs,
            auto_shutter: config.capture.auto_shutter,
            auto_shutter_hold: config.capture.auto_shutter_hold,
            hint_hold: config.capture.hint_hold,
            max_retakes: config.capture.max_retakes,
            corner_hold: config.staff.corner_hold,
            student_no: config.staff.student_no,
            notice: ConsentNotice {
                version: config.privacy.notice_version.clone(),
                zh: config.privacy.notice_zh.clone(),
                en: config.privacy.notice_en.clone(),
            },
            printer_configured: config.print.printer.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_defaults_are_carried_over() {
        let config = KioskConfig::default();
        let settings = FlowSettings::from_config(&config);
        assert_eq!(settings.default_language, Language::Zh);
        assert_eq!(settings.idle_timeout, Duration::from_secs(90));
        assert_eq!(settings.done_return, Duration::from_secs(20));
        assert_eq!(settings.countdown_secs, 3);
        assert_eq!(settings.auto_shutter_hold, Duration::from_secs(1));
        assert_eq!(settings.hint_hold, Duration::from_millis(500));
        assert_eq!(settings.max_retakes, 3);
        assert_eq!(settings.corner_hold, Duration::from_secs(3));
        assert_eq!(settings.notice.version, "2026-09");
        assert!(settings.notice.text(Language::Zh).contains("校园卡"));
        assert!(!settings.printer_configured);
        assert!(!settings.out_of_service);
    }

    #[test]
    fn edited_values_follow_the_file() {
        let text = "[capture]\ncountdown_secs = 0\nmax_retakes = 1\n[print]\nprinter = \"PDF\"\n\
                    [ui]\nlanguage = \"en\"\n[kiosk]\nout_of_service = true\n";
        let config = KioskConfig::parse(text, "k.toml").unwrap();
        let settings = FlowSettings::from_config(&config);
        assert_eq!(settings.countdown_secs, 0);
        assert_eq!(settings.max_retakes, 1);
        assert!(settings.printer_configured);
        assert!(settings.out_of_service);
        assert_eq!(settings.default_language, Language::En);
    }
}
