//! Configuration: kiosk.toml parsed once into a validated, typed [`KioskConfig`].
//!
//! Owns the file format, the built-in defaults and every range check. A broken file (unknown key, wrong
//! type, out-of-range value, duplicate key) becomes a [`ConfigError`] naming the file, line, column and
//! key; nothing downstream sees raw strings. Reads one file; writes nothing.

mod locate;
mod profiles;
pub mod raw;
mod validate;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::core::flow::settings::FlowSettings;
use crate::core::spec::{PhotoSpec, Rgb8};

pub use locate::TextPos;
use raw::RawConfig;

/// The configuration shipped in the repository, compiled in so tests can compare it with the defaults.
pub const SHIPPED_KIOSK_TOML: &str = include_str!("../../kiosk.toml");

/// Largest configuration file accepted (a kiosk.toml is a few kilobytes).
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// A configuration problem, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file, or `<built-in>` / `<text>`.
    pub file: String,
    pub pos: Option<TextPos>,
    /// Dotted key (`camera.watchdog_ms`), empty when the problem is the whole file.
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(pos) = self.pos {
            write!(f, ":{}:{}", pos.line, pos.column)?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

pub use crate::core::locale::{Language, StudentNoFormat};

/// A reason code reviewers can pick, with its texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectReason {
    pub code: String,
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KioskSection {
    pub booth_id: String,
    pub fullscreen: bool,
    pub idle_timeout: Duration,
    pub done_return: Duration,
    pub out_of_service: bool,
}

/// Camera source as written in kiosk.toml; the camera module parses the detail.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraSection {
    pub source: String,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub format: String,
    pub mirror_preview: bool,
    pub watchdog: Duration,
    pub reconnect_initial: Duration,
    pub reconnect_max: Duration,
    pub still_highest_mode: bool,
    pub settle: Duration,
    pub discard_frames: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CaptureSection {
    /// Name of the profile the booth produces (always one of `profiles`).
    pub profile: String,
    /// Background override for that profile, when set.
    pub background: Option<Rgb8>,
    pub countdown_secs: u32,
    pub auto_shutter: bool,
    pub auto_shutter_hold: Duration,
    pub hint_hold: Duration,
    pub live_check_hz: u32,
    pub max_retakes: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StorageSection {
    /// Overrides `--data-dir` default (the XDG data dir) when set.
    pub data_dir: Option<PathBuf>,
    pub database_file: String,
    pub keep_originals_days: u32,
}

/// The sheet format of `print.layout`: the print module's own type (one vocabulary for config, CLI and
/// layouts), parsed from its key.
pub use crate::print::layout::SheetKind as SheetLayout;

#[derive(Debug, Clone, PartialEq)]
pub struct PrintSection {
    /// CUPS queue; `None` means "no printer at this booth".
    pub printer: Option<String>,
    pub layout: SheetLayout,
    pub caption: bool,
    pub copies_per_record: u32,
    pub retries: u32,
    pub retry_delay: Duration,
    pub job_timeout: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExportSection {
    pub file_name: String,
    pub zip: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StaffSection {
    pub pin_attempts: u32,
    pub lockout: Duration,
    pub corner_hold: Duration,
    pub student_no: StudentNoFormat,
    pub reasons: Vec<RejectReason>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PrivacySection {
    pub notice_version: String,
    pub notice_zh: String,
    pub notice_en: String,
    pub keep_records_days: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UiSection {
    pub language: Language,
    pub scale: f32,
    pub show_second_language: bool,
}

/// The whole validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct KioskConfig {
    /// Where it was read from (`None` for the built-in defaults).
    pub source: Option<PathBuf>,
    pub kiosk: KioskSection,
    pub camera: CameraSection,
    pub capture: CaptureSection,
    /// Thresholds of the quality checks (`[checks]`).
    pub checks: crate::core::checks::CheckThresholds,
    /// Every profile, built-ins first (overridden where kiosk.toml says so).
    pub profiles: Vec<PhotoSpec>,
    pub storage: StorageSection,
    pub print: PrintSection,
    pub export: ExportSection,
    pub staff: StaffSection,
    pub privacy: PrivacySection,
    pub ui: UiSection,
}

impl Default for KioskConfig {
    fn default() -> Self {
        // The built-in defaults are valid by construction; a test proves it.
        match KioskConfig::from_raw(&RawConfig::default(), "", "<built-in>") {
            Ok(config) => config,
            Err(error) => unreachable_defaults(&error),
        }
    }
}

#[cold]
fn unreachable_defaults(error: &ConfigError) -> ! {
    // Only reachable if the compiled-in defaults are edited into an invalid state; the unit test
    // `builtin_defaults_are_valid` fails first.
    panic!("built-in configuration defaults are invalid: {error}")
}

impl KioskConfig {
    /// The thresholds every check compares against.
    pub fn check_thresholds(&self) -> crate::core::checks::CheckThresholds {
        self.checks
    }

    /// The profile with this name.
    pub fn profile(&self, name: &str) -> Option<&PhotoSpec> {
        self.profiles.iter().find(|p| p.name == name)
    }

    /// The profile the booth produces, with the configured background applied.
    pub fn capture_profile(&self) -> PhotoSpec {
        let mut spec = self
            .profile(&self.capture.profile)
            .cloned()
            .unwrap_or_else(|| self.profiles[0].clone());
        if let Some(background) = self.capture.background {
            spec.background = background;
        }
        spec
    }

    /// Profile names, for messages.
    pub fn profile_names(&self) -> Vec<&str> {
        self.profiles.iter().map(|p| p.name.as_str()).collect()
    }

    /// Reads and validates a file.
    pub fn load(path: &Path) -> Result<KioskConfig, ConfigError> {
        let file = path.display().to_string();
        let whole = |message: String| ConfigError {
            file: file.clone(),
            pos: None,
            key: String::new(),
            message,
        };
        let size = std::fs::metadata(path)
            .map_err(|e| whole(format!("cannot read: {e}")))?
            .len();
        if size > MAX_CONFIG_BYTES {
            return Err(whole(format!(
                "file is {size} bytes; a kiosk.toml is at most {MAX_CONFIG_BYTES}"
            )));
        }
        let text = std::fs::read_to_string(path).map_err(|e| whole(format!("cannot read: {e}")))?;
        let mut config = Self::parse(&text, &file)?;
        config.source = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parses and validates TOML text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<KioskConfig, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|error| {
            let offset = error.span().map_or(0, |span| span.start);
            ConfigError {
                file: file.to_string(),
                pos: error.span().map(|_| locate::pos_of_offset(text, offset)),
                key: error
                    .span()
                    .map(|_| locate::key_at_offset(text, offset))
                    .unwrap_or_default(),
                message: error.message().trim().to_string(),
            }
        })?;
        Self::from_raw(&raw, text, file)
    }
}

impl KioskConfig {
    /// The values the booth flow needs.
    pub fn flow_settings(&self) -> FlowSettings {
        let config = self;
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
            notice: crate::core::flow::settings::ConsentNotice {
                version: config.privacy.notice_version.clone(),
                zh: config.privacy.notice_zh.clone(),
                en: config.privacy.notice_en.clone(),
            },
            printer_configured: config.print.printer.is_some(),
        }
    }
}

/// How the configuration file was chosen: `--config`, else `IDBOOTH_CONFIG`, else ./kiosk.toml, else the
/// built-in defaults.
pub fn resolve_path(cli: Option<&Path>, env: Option<&str>, cwd: &Path) -> Option<PathBuf> {
    if let Some(path) = cli {
        return Some(path.to_path_buf());
    }
    if let Some(env) = env.filter(|e| !e.trim().is_empty()) {
        return Some(PathBuf::from(env));
    }
    let local = cwd.join("kiosk.toml");
    local.is_file().then_some(local)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_defaults_are_valid() {
        let config = KioskConfig::from_raw(&RawConfig::default(), "", "<built-in>").unwrap();
        assert_eq!(config.capture.profile, "campus_card");
        assert_eq!(config.camera.watchdog, Duration::from_secs(2));
    }

    #[test]
    fn shipped_file_equals_the_defaults() {
        let shipped = KioskConfig::parse(SHIPPED_KIOSK_TOML, "kiosk.toml").unwrap();
        assert_eq!(shipped, KioskConfig::default());
    }

    #[test]
    fn unknown_key_is_named_with_line_and_column() {
        let error = KioskConfig::parse("[camera]\nwidht = 1280\n", "k.toml").unwrap_err();
        assert_eq!(error.key, "camera.widht");
        assert_eq!(error.pos, Some(TextPos { line: 2, column: 1 }));
        assert!(error.message.contains("unknown field"), "{error}");
        assert!(
            error.to_string().starts_with("k.toml:2:1: camera.widht: "),
            "{error}"
        );
    }

    #[test]
    fn wrong_type_is_named() {
        let error = KioskConfig::parse("[camera]\n\nfps = \"thirty\"\n", "k.toml").unwrap_err();
        assert_eq!(error.key, "camera.fps");
        assert_eq!(error.pos.map(|p| p.line), Some(3));
    }

    #[test]
    fn out_of_range_is_named() {
        let error = KioskConfig::parse("[camera]\n  watchdog_ms = 5\n", "k.toml").unwrap_err();
        assert_eq!(error.key, "camera.watchdog_ms");
        assert_eq!(error.pos, Some(TextPos { line: 2, column: 3 }));
        assert!(error.message.contains("got 5"), "{error}");
    }

    #[test]
    fn duplicate_key_is_named() {
        let error = KioskConfig::parse("[ui]\nscale = 1.0\nscale = 2.0\n", "k.toml").unwrap_err();
        assert_eq!(error.pos.map(|p| p.line), Some(3), "{error}");
        assert_eq!(error.key, "ui.scale");
        assert!(error.message.contains("duplicate"), "{error}");
    }

    #[test]
    fn bad_profile_override_is_named() {
        let error = KioskConfig::parse(
            "[profiles.chsi]\ndpi = 300\nface_width_px = [1]\n",
            "k.toml",
        )
        .unwrap_err();
        assert_eq!(error.key, "profiles.chsi.face_width_px");
        assert_eq!(error.pos.map(|p| p.line), Some(3));
    }

    #[test]
    fn reasons_keep_the_file_order() {
        let text = "[staff]\nreasons = [\n  { code = \"other\", zh = \"其他\", en = \"Other\" },\n  \
                    { code = \"blurry\", zh = \"模糊\", en = \"Blurred\" },\n]\n";
        let config = KioskConfig::parse(text, "k.toml").unwrap();
        let codes: Vec<&str> = config
            .staff
            .reasons
            .iter()
            .map(|r| r.code.as_str())
            .collect();
        assert_eq!(codes, ["other", "blurry"]);
        let shipped = KioskConfig::default();
        assert_eq!(shipped.staff.reasons[0].code, "hair_over_eyes");
        assert_eq!(shipped.staff.reasons[8].code, "other");
    }

    #[test]
    fn bad_reason_entries_are_located() {
        let duplicate = "[staff]\nreasons = [\n  { code = \"other\", zh = \"a\", en = \"b\" },\n  \
                         { code = \"other\", zh = \"c\", en = \"d\" },\n]\n";
        let error = KioskConfig::parse(duplicate, "k.toml").unwrap_err();
        assert_eq!(error.key, "staff.reasons[1]");
        assert_eq!(error.pos, Some(TextPos { line: 4, column: 3 }), "{error}");
        assert!(error.message.contains("twice"), "{error}");

        let bad_code = "[staff]\nreasons = [{ code = \"Other!\", zh = \"a\", en = \"b\" }]\n";
        let error = KioskConfig::parse(bad_code, "k.toml").unwrap_err();
        assert_eq!(error.key, "staff.reasons[0]");
        assert_eq!(error.pos.map(|p| p.line), Some(2), "{error}");

        let no_other = "[staff]\nreasons = [{ code = \"blurry\", zh = \"a\", en = \"b\" }]\n";
        let error = KioskConfig::parse(no_other, "k.toml").unwrap_err();
        assert_eq!(error.key, "staff.reasons");
        assert!(error.message.contains("other"), "{error}");

        let unknown = "[staff]\nreasons = [\n  { code = \"other\", zh = \"a\", en = \"b\", fr = \"c\" },\n]\n";
        let error = KioskConfig::parse(unknown, "k.toml").unwrap_err();
        assert_eq!(error.pos.map(|p| p.line), Some(3), "{error}");
        assert!(error.key.starts_with("staff.reasons"), "{error}");
    }

    #[test]
    fn unknown_profile_for_capture() {
        let error =
            KioskConfig::parse("[capture]\nprofile = \"passport\"\n", "k.toml").unwrap_err();
        assert_eq!(error.key, "capture.profile");
        assert!(error.message.contains("chsi"), "{error}");
    }

    #[test]
    fn config_path_resolution_order() {
        let dir = std::env::temp_dir();
        let cli = Path::new("/etc/idbooth/kiosk.toml");
        assert_eq!(
            resolve_path(Some(cli), Some("x.toml"), &dir),
            Some(cli.to_path_buf())
        );
        assert_eq!(
            resolve_path(None, Some("x.toml"), &dir),
            Some(PathBuf::from("x.toml"))
        );
        let empty = dir.join("idbooth-no-config-here");
        assert_eq!(resolve_path(None, None, &empty), None);
    }
}

#[cfg(test)]
mod flow_settings_tests {
    use super::*;
    use crate::core::locale::Language;
    use std::time::Duration;

    #[test]
    fn shipped_defaults_are_carried_over() {
        let config = KioskConfig::default();
        let settings = config.flow_settings();
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
        let settings = config.flow_settings();
        assert_eq!(settings.countdown_secs, 0);
        assert_eq!(settings.max_retakes, 1);
        assert!(settings.printer_configured);
        assert!(settings.out_of_service);
        assert_eq!(settings.default_language, Language::En);
    }
}
