//! Validation of a parsed kiosk.toml: every range and shape check, turning a [`RawConfig`] into the
//! typed [`KioskConfig`]. Errors name the file, line, column and key of the offending value.
//!
//! Owns only the checks and the conversion; parsing and the section types stay in the parent module.

use std::path::PathBuf;
use std::time::Duration;

use super::raw::{RawConfig, RawReason};
use super::{
    CameraSection, CaptureSection, ConfigError, ExportSection, KioskConfig, KioskSection, Language,
    PrintSection, PrivacySection, RejectReason, SheetLayout, StaffSection, StorageSection,
    StudentNoFormat, UiSection, locate, profiles,
};

impl KioskConfig {
    pub(super) fn from_raw(
        raw: &RawConfig,
        text: &str,
        file: &str,
    ) -> Result<KioskConfig, ConfigError> {
        let v = Validator { text, file };
        let profiles = profiles::merge_profiles(&raw.profiles).map_err(|p| {
            let table = format!("profiles.{}", p.profile);
            let pos = locate::locate_key(text, &table, &p.key)
                .or_else(|| locate::locate_table(text, &table));
            ConfigError {
                file: file.to_string(),
                pos,
                key: if p.key.is_empty() {
                    table
                } else {
                    format!("{table}.{}", p.key)
                },
                message: p.message,
            }
        })?;
        let kiosk = &raw.kiosk;
        let booth_id_ok = !kiosk.booth_id.is_empty()
            && kiosk.booth_id.len() <= 64
            && kiosk
                .booth_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        v.require(
            booth_id_ok,
            "kiosk",
            "booth_id",
            "use 1–64 letters, digits, - or _",
        )?;
        v.range(
            "kiosk",
            "idle_timeout_secs",
            kiosk.idle_timeout_secs,
            10..=3600,
        )?;
        v.range("kiosk", "done_return_secs", kiosk.done_return_secs, 3..=600)?;

        let cam = &raw.camera;
        let source_ok = matches!(cam.source.as_str(), "auto" | "demo")
            || ["device:", "file:"].iter().any(|p| {
                cam.source
                    .strip_prefix(p)
                    .is_some_and(|rest| !rest.trim().is_empty())
            });
        v.require(
            source_ok,
            "camera",
            "source",
            "must be \"auto\", \"demo\", \"device:<index|name|path>\" or \"file:<path>\"",
        )?;
        v.range("camera", "width", cam.width, 160..=7680)?;
        v.range("camera", "height", cam.height, 120..=4320)?;
        v.range("camera", "fps", cam.fps, 1..=120)?;
        v.require(
            matches!(cam.format.as_str(), "mjpeg" | "yuyv" | "nv12" | "any"),
            "camera",
            "format",
            "must be \"mjpeg\", \"yuyv\", \"nv12\" or \"any\"",
        )?;
        v.range("camera", "watchdog_ms", cam.watchdog_ms, 200..=60_000)?;
        v.range(
            "camera",
            "reconnect_initial_ms",
            cam.reconnect_initial_ms,
            10..=60_000,
        )?;
        v.range(
            "camera",
            "reconnect_max_ms",
            cam.reconnect_max_ms,
            cam.reconnect_initial_ms..=600_000,
        )?;
        v.range("camera", "settle_ms", cam.settle_ms, 0..=10_000)?;
        v.range("camera", "discard_frames", cam.discard_frames, 0..=60)?;

        let cap = &raw.capture;
        let profile = profiles.iter().find(|p| p.name == cap.profile);
        let names = profiles
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        v.require(
            profile.is_some(),
            "capture",
            "profile",
            &format!("must be one of: {names}"),
        )?;
        let background = if cap.background.trim().is_empty() {
            None
        } else {
            let found = profile.and_then(|p| p.background_by_name(&cap.background));
            v.require(
                found.is_some(),
                "capture",
                "background",
                "must be a background choice of the profile or #RRGGBB",
            )?;
            found
        };
        v.range("capture", "countdown_secs", cap.countdown_secs, 0..=10)?;
        v.range(
            "capture",
            "auto_shutter_hold_ms",
            cap.auto_shutter_hold_ms,
            200..=10_000,
        )?;
        v.range("capture", "hint_hold_ms", cap.hint_hold_ms, 0..=5_000)?;
        v.range("capture", "live_check_hz", cap.live_check_hz, 1..=30)?;
        v.range("capture", "max_retakes", cap.max_retakes, 0..=20)?;

        let checks = &raw.checks;
        for (key, value) in [
            ("max_roll_deg", checks.max_roll_deg),
            ("max_yaw_deg", checks.max_yaw_deg),
            ("max_pitch_deg", checks.max_pitch_deg),
        ] {
            v.require(
                (0.5..=45.0).contains(&value),
                "checks",
                key,
                "must be between 0.5 and 45 degrees",
            )?;
        }
        let all_thresholds = serde_json::to_value(checks).unwrap_or_default();
        if let Some(fields) = all_thresholds.as_object() {
            for (key, value) in fields {
                let ok = value.as_f64().is_some_and(|x| x.is_finite() && x >= 0.0);
                v.require(ok, "checks", key, "must be a number ≥ 0")?;
            }
        }

        let st = &raw.storage;
        v.require(
            is_plain_file_name(&st.database_file),
            "storage",
            "database_file",
            "must be a plain file name (no separators, no ..)",
        )?;
        v.range(
            "storage",
            "keep_originals_days",
            st.keep_originals_days,
            1..=3650,
        )?;

        let pr = &raw.print;
        let layout = SheetLayout::ALL
            .into_iter()
            .find(|kind| kind.key() == pr.layout);
        let keys = SheetLayout::ALL.map(|kind| format!("{:?}", kind.key()));
        v.require(
            layout.is_some(),
            "print",
            "layout",
            &format!("must be one of {}", keys.join(", ")),
        )?;
        v.require(
            pr.printer
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
            "print",
            "printer",
            "a CUPS queue name uses letters, digits, - _ .",
        )?;
        v.range("print", "copies_per_record", pr.copies_per_record, 1..=20)?;
        v.range("print", "retries", pr.retries, 0..=10)?;
        v.range("print", "retry_delay_secs", pr.retry_delay_secs, 1..=600)?;
        v.range("print", "job_timeout_secs", pr.job_timeout_secs, 5..=3600)?;

        let ex = &raw.export;
        v.require(
            ex.file_name.contains("{student_no}") || ex.file_name.contains("{id_number}"),
            "export",
            "file_name",
            "must contain {student_no} or {id_number}",
        )?;
        v.require(
            !ex.file_name.contains('/') && !ex.file_name.contains('\\'),
            "export",
            "file_name",
            "must not contain path separators",
        )?;

        let sf = &raw.staff;
        v.range("staff", "pin_attempts", sf.pin_attempts, 1..=20)?;
        v.range("staff", "lockout_secs", sf.lockout_secs, 10..=86_400)?;
        v.range("staff", "corner_hold_ms", sf.corner_hold_ms, 500..=10_000)?;
        v.range("staff", "student_no_min_len", sf.student_no_min_len, 1..=64)?;
        v.range(
            "staff",
            "student_no_max_len",
            sf.student_no_max_len,
            sf.student_no_min_len..=64,
        )?;
        validate_reasons(&v, &sf.reasons)?;

        let pv = &raw.privacy;
        v.require(
            !pv.notice_version.trim().is_empty(),
            "privacy",
            "notice_version",
            "must not be empty",
        )?;
        v.require(
            !pv.notice_zh.trim().is_empty(),
            "privacy",
            "notice_zh",
            "must not be empty",
        )?;
        v.require(
            !pv.notice_en.trim().is_empty(),
            "privacy",
            "notice_en",
            "must not be empty",
        )?;
        v.range(
            "privacy",
            "keep_records_days",
            pv.keep_records_days,
            1..=36_500,
        )?;

        let ui = &raw.ui;
        let language = match ui.language.as_str() {
            "zh" => Some(Language::Zh),
            "en" => Some(Language::En),
            _ => None,
        };
        v.require(
            language.is_some(),
            "ui",
            "language",
            "must be \"zh\" or \"en\"",
        )?;
        v.require(
            (0.5..=3.0).contains(&ui.scale),
            "ui",
            "scale",
            "must be between 0.5 and 3.0",
        )?;

        let ms = |value: u32| Duration::from_millis(u64::from(value));
        let secs = |value: u32| Duration::from_secs(u64::from(value));
        Ok(KioskConfig {
            source: None,
            kiosk: KioskSection {
                booth_id: kiosk.booth_id.clone(),
                fullscreen: kiosk.fullscreen,
                idle_timeout: secs(kiosk.idle_timeout_secs),
                done_return: secs(kiosk.done_return_secs),
                out_of_service: kiosk.out_of_service,
            },
            camera: CameraSection {
                source: cam.source.clone(),
                width: cam.width,
                height: cam.height,
                fps: cam.fps,
                format: cam.format.clone(),
                mirror_preview: cam.mirror_preview,
                watchdog: ms(cam.watchdog_ms),
                reconnect_initial: ms(cam.reconnect_initial_ms),
                reconnect_max: ms(cam.reconnect_max_ms),
                still_highest_mode: cam.still_highest_mode,
                settle: ms(cam.settle_ms),
                discard_frames: cam.discard_frames,
            },
            capture: CaptureSection {
                profile: cap.profile.clone(),
                background,
                countdown_secs: cap.countdown_secs,
                auto_shutter: cap.auto_shutter,
                auto_shutter_hold: ms(cap.auto_shutter_hold_ms),
                hint_hold: ms(cap.hint_hold_ms),
                live_check_hz: cap.live_check_hz,
                max_retakes: cap.max_retakes,
            },
            checks: *checks,
            profiles,
            storage: StorageSection {
                data_dir: (!st.data_dir.trim().is_empty())
                    .then(|| PathBuf::from(st.data_dir.trim())),
                database_file: st.database_file.clone(),
                keep_originals_days: st.keep_originals_days,
            },
            print: PrintSection {
                printer: (!pr.printer.is_empty()).then(|| pr.printer.clone()),
                layout: layout.unwrap_or(SheetLayout::SixInch),
                caption: pr.caption,
                copies_per_record: pr.copies_per_record,
                retries: pr.retries,
                retry_delay: secs(pr.retry_delay_secs),
                job_timeout: secs(pr.job_timeout_secs),
            },
            export: ExportSection {
                file_name: ex.file_name.clone(),
                zip: ex.zip,
            },
            staff: StaffSection {
                pin_attempts: sf.pin_attempts,
                lockout: secs(sf.lockout_secs),
                corner_hold: ms(sf.corner_hold_ms),
                student_no: StudentNoFormat {
                    min_len: sf.student_no_min_len as usize,
                    max_len: sf.student_no_max_len as usize,
                    digits_only: sf.student_no_digits_only,
                },
                reasons: sf
                    .reasons
                    .iter()
                    .map(|reason| RejectReason {
                        code: reason.code.clone(),
                        zh: reason.zh.clone(),
                        en: reason.en.clone(),
                    })
                    .collect(),
            },
            privacy: PrivacySection {
                notice_version: pv.notice_version.clone(),
                notice_zh: pv.notice_zh.clone(),
                notice_en: pv.notice_en.clone(),
                keep_records_days: pv.keep_records_days,
            },
            ui: UiSection {
                language: language.unwrap_or(Language::Zh),
                scale: ui.scale,
                show_second_language: ui.show_second_language,
            },
        })
    }
}

fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control)
}

/// Range and shape checks that know where each key sits in the file.
/// `staff.reasons`: codes in a-z and `_`, each once, with both texts, and `other` kept. Errors point at the
/// offending entry of the array.
fn validate_reasons(v: &Validator<'_>, reasons: &[RawReason]) -> Result<(), ConfigError> {
    for (index, reason) in reasons.iter().enumerate() {
        let code_ok = !reason.code.is_empty()
            && reason
                .code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_');
        let message = if !code_ok {
            Some(format!("reason code `{}` must use a-z and _", reason.code))
        } else if reason.zh.trim().is_empty() || reason.en.trim().is_empty() {
            Some(format!(
                "reason `{}` needs non-empty zh and en texts",
                reason.code
            ))
        } else if reasons[..index].iter().any(|r| r.code == reason.code) {
            Some(format!("reason `{}` is listed twice", reason.code))
        } else {
            None
        };
        if let Some(message) = message {
            return Err(ConfigError {
                file: v.file.to_string(),
                pos: locate::locate_array_item(v.text, "staff", "reasons", index)
                    .or_else(|| locate::locate_key(v.text, "staff", "reasons")),
                key: format!("staff.reasons[{index}]"),
                message,
            });
        }
    }
    v.require(
        reasons.iter().any(|r| r.code == "other"),
        "staff",
        "reasons",
        "must keep the `other` reason",
    )
}

struct Validator<'a> {
    text: &'a str,
    file: &'a str,
}

impl Validator<'_> {
    fn require(&self, ok: bool, table: &str, key: &str, message: &str) -> Result<(), ConfigError> {
        if ok {
            return Ok(());
        }
        Err(ConfigError {
            file: self.file.to_string(),
            pos: locate::locate_key(self.text, table, key),
            key: format!("{table}.{key}"),
            message: message.to_string(),
        })
    }

    fn range(
        &self,
        table: &str,
        key: &str,
        value: u32,
        allowed: std::ops::RangeInclusive<u32>,
    ) -> Result<(), ConfigError> {
        let message = format!(
            "must be between {} and {} (got {value})",
            allowed.start(),
            allowed.end()
        );
        self.require(allowed.contains(&value), table, key, &message)
    }
}
