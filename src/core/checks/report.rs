//! The result types of the check catalogue: reason codes, statuses, limits, one result per check and the
//! report that gathers them. Serializable so the store can keep a report as JSON.
//!
//! Owns no measurement and no wording (texts come from `messages`); must not touch images.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::messages::{self, Cue};

/// The fixed reason code of one check. The snake-case names are stable: the store, the JSON output and
/// the staff station key on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckCode {
    NoFace,
    MultipleFaces,
    FaceCutOff,
    LowResolution,
    HeadTilted,
    HeadTurned,
    HeadPitched,
    EyesClosed,
    MouthOpen,
    Blurry,
    Noisy,
    CompressionArtifacts,
    Underexposed,
    Overexposed,
    UnevenLighting,
    Grayscale,
    ColorCast,
    BusyBackground,
    LowContrastClothing,
    TintedGlasses,
}

impl CheckCode {
    /// Every code, in report order.
    pub const ALL: [CheckCode; 20] = [
        CheckCode::NoFace,
        CheckCode::MultipleFaces,
        CheckCode::FaceCutOff,
        CheckCode::LowResolution,
        CheckCode::HeadTilted,
        CheckCode::HeadTurned,
        CheckCode::HeadPitched,
        CheckCode::EyesClosed,
        CheckCode::MouthOpen,
        CheckCode::Blurry,
        CheckCode::Noisy,
        CheckCode::CompressionArtifacts,
        CheckCode::Underexposed,
        CheckCode::Overexposed,
        CheckCode::UnevenLighting,
        CheckCode::Grayscale,
        CheckCode::ColorCast,
        CheckCode::BusyBackground,
        CheckCode::LowContrastClothing,
        CheckCode::TintedGlasses,
    ];

    /// The stable snake-case name (`head_tilted`).
    pub fn as_str(self) -> &'static str {
        match self {
            CheckCode::NoFace => "no_face",
            CheckCode::MultipleFaces => "multiple_faces",
            CheckCode::FaceCutOff => "face_cut_off",
            CheckCode::LowResolution => "low_resolution",
            CheckCode::HeadTilted => "head_tilted",
            CheckCode::HeadTurned => "head_turned",
            CheckCode::HeadPitched => "head_pitched",
            CheckCode::EyesClosed => "eyes_closed",
            CheckCode::MouthOpen => "mouth_open",
            CheckCode::Blurry => "blurry",
            CheckCode::Noisy => "noisy",
            CheckCode::CompressionArtifacts => "compression_artifacts",
            CheckCode::Underexposed => "underexposed",
            CheckCode::Overexposed => "overexposed",
            CheckCode::UnevenLighting => "uneven_lighting",
            CheckCode::Grayscale => "grayscale",
            CheckCode::ColorCast => "color_cast",
            CheckCode::BusyBackground => "busy_background",
            CheckCode::LowContrastClothing => "low_contrast_clothing",
            CheckCode::TintedGlasses => "tinted_glasses",
        }
    }

    /// Parses the snake-case name.
    pub fn parse(name: &str) -> Option<CheckCode> {
        CheckCode::ALL
            .into_iter()
            .find(|code| code.as_str() == name.trim())
    }

    /// The unit of the measured value, for tables (`°`, `px`, or empty for ratios).
    pub fn unit(self) -> &'static str {
        match self {
            CheckCode::HeadTilted | CheckCode::HeadTurned | CheckCode::HeadPitched => "°",
            CheckCode::LowResolution => "px",
            CheckCode::ColorCast | CheckCode::LowContrastClothing => "ΔE",
            _ => "",
        }
    }
}

impl fmt::Display for CheckCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of one check. Only `Fail` makes a capture unusable; `Warn` is shown to staff and may
/// carry a suggestion (another background colour), but the photo can still be produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Pass,
    Warn,
    Fail,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Pass => "pass",
            CheckStatus::Warn => "warn",
            CheckStatus::Fail => "fail",
        }
    }
}

/// The limit a value was compared against, in the value's unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Limit {
    /// The value passes while it is at most `max`.
    AtMost { max: f32 },
    /// The value passes while it is at least `min`.
    AtLeast { min: f32 },
    /// The value passes while it lies in `min..=max`.
    Within { min: f32, max: f32 },
}

impl Limit {
    /// Whether `value` satisfies the limit.
    pub fn allows(self, value: f32) -> bool {
        match self {
            Limit::AtMost { max } => value <= max,
            Limit::AtLeast { min } => value >= min,
            Limit::Within { min, max } => value >= min && value <= max,
        }
    }

    /// Pass when the limit allows `value`, otherwise `otherwise`.
    pub fn grade(self, value: f32, otherwise: CheckStatus) -> CheckStatus {
        if self.allows(value) {
            CheckStatus::Pass
        } else {
            otherwise
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::AtMost { max } => write!(f, "≤ {}", round_for_display(*max)),
            Limit::AtLeast { min } => write!(f, "≥ {}", round_for_display(*min)),
            Limit::Within { min, max } => {
                write!(f, "{}–{}", round_for_display(*min), round_for_display(*max))
            }
        }
    }
}

/// Three significant decimals are enough for any measured value shown to people.
pub fn round_for_display(value: f32) -> f32 {
    const DISPLAY_SCALE: f32 = 1000.0;
    (value * DISPLAY_SCALE).round() / DISPLAY_SCALE
}

/// One measured rule: what was measured, against which limit, the outcome, and what to tell the student.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub code: CheckCode,
    pub status: CheckStatus,
    /// The measured value, in the unit of `code.unit()`.
    pub value: f32,
    pub limit: Limit,
    pub message_zh: String,
    pub message_en: String,
    /// What the student can do about it (empty when the check passed).
    pub hint_zh: String,
    pub hint_en: String,
}

impl CheckResult {
    /// A result with the catalogue's wording for `code` in the given status; `cue` picks the variant of
    /// the message (which edge, which direction) where a code has several.
    pub fn new(code: CheckCode, status: CheckStatus, value: f32, limit: Limit, cue: Cue) -> Self {
        let texts = messages::texts(code, status, cue);
        Self {
            code,
            status,
            value,
            limit,
            message_zh: texts.message_zh.to_owned(),
            message_en: texts.message_en.to_owned(),
            hint_zh: texts.hint_zh.to_owned(),
            hint_en: texts.hint_en.to_owned(),
        }
    }

    /// A result graded by `limit`: pass when allowed, else `otherwise`.
    pub fn graded(
        code: CheckCode,
        value: f32,
        limit: Limit,
        otherwise: CheckStatus,
        cue: Cue,
    ) -> Self {
        Self::new(code, limit.grade(value, otherwise), value, limit, cue)
    }
}

/// Whether the capture can become a compliant photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
        }
    }
}

/// Which checks ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckSet {
    /// The cheap subset for live frames: face count, framing, pose, eyes, mouth, exposure.
    Live,
    /// Every check, for a capture.
    #[default]
    Full,
}

/// Every check that could be measured on one image. Checks that need a face are left out when there is
/// none (`no_face` then explains the failure on its own).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    pub set: CheckSet,
    pub checks: Vec<CheckResult>,
}

impl QualityReport {
    /// `Fail` as soon as one check failed; warnings do not fail a capture.
    pub fn verdict(&self) -> Verdict {
        if self
            .checks
            .iter()
            .any(|check| check.status == CheckStatus::Fail)
        {
            Verdict::Fail
        } else {
            Verdict::Pass
        }
    }

    /// Codes of the failed checks, in report order.
    pub fn failures(&self) -> Vec<CheckCode> {
        self.codes_with(CheckStatus::Fail)
    }

    /// Codes of the checks that warned, in report order.
    pub fn warnings(&self) -> Vec<CheckCode> {
        self.codes_with(CheckStatus::Warn)
    }

    /// The result of `code`, when it ran.
    pub fn get(&self, code: CheckCode) -> Option<&CheckResult> {
        self.checks.iter().find(|check| check.code == code)
    }

    /// The first failed check (the one to tell the student about first), else the first warning.
    pub fn first_problem(&self) -> Option<&CheckResult> {
        self.checks
            .iter()
            .find(|check| check.status == CheckStatus::Fail)
            .or_else(|| {
                self.checks
                    .iter()
                    .find(|check| check.status == CheckStatus::Warn)
            })
    }

    fn codes_with(&self, status: CheckStatus) -> Vec<CheckCode> {
        self.checks
            .iter()
            .filter(|check| check.status == status)
            .map(|check| check.code)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_its_name() {
        for code in CheckCode::ALL {
            assert_eq!(CheckCode::parse(code.as_str()), Some(code));
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
        assert_eq!(CheckCode::parse("nonsense"), None);
    }

    #[test]
    fn limits_grade_and_display() {
        let roll = Limit::AtMost { max: 8.0 };
        assert_eq!(roll.grade(7.9, CheckStatus::Fail), CheckStatus::Pass);
        assert_eq!(roll.grade(8.1, CheckStatus::Fail), CheckStatus::Fail);
        assert_eq!(roll.to_string(), "≤ 8");
        let band = Limit::Within {
            min: 40.0,
            max: 215.0,
        };
        assert!(!band.allows(39.0) && band.allows(100.0) && !band.allows(216.0));
        assert_eq!(band.to_string(), "40–215");
        assert_eq!(Limit::AtLeast { min: 0.125 }.to_string(), "≥ 0.125");
    }

    #[test]
    fn verdict_fails_only_on_failures() {
        let pass = CheckResult::new(
            CheckCode::HeadTilted,
            CheckStatus::Pass,
            1.0,
            Limit::AtMost { max: 8.0 },
            Cue::None,
        );
        let warn = CheckResult::new(
            CheckCode::BusyBackground,
            CheckStatus::Warn,
            30.0,
            Limit::AtMost { max: 20.0 },
            Cue::None,
        );
        let mut report = QualityReport {
            set: CheckSet::Full,
            checks: vec![pass.clone(), warn],
        };
        assert_eq!(report.verdict(), Verdict::Pass);
        assert_eq!(report.warnings(), vec![CheckCode::BusyBackground]);
        assert!(report.failures().is_empty());
        assert_eq!(
            report.first_problem().map(|c| c.code),
            Some(CheckCode::BusyBackground)
        );
        report.checks.push(CheckResult::new(
            CheckCode::EyesClosed,
            CheckStatus::Fail,
            0.05,
            Limit::AtLeast { min: 0.15 },
            Cue::None,
        ));
        assert_eq!(report.verdict(), Verdict::Fail);
        assert_eq!(report.failures(), vec![CheckCode::EyesClosed]);
        assert_eq!(
            report.first_problem().map(|c| c.code),
            Some(CheckCode::EyesClosed)
        );
    }

    #[test]
    fn report_serializes_and_back() {
        let report = QualityReport {
            set: CheckSet::Live,
            checks: vec![CheckResult::new(
                CheckCode::HeadTurned,
                CheckStatus::Fail,
                14.0,
                Limit::AtMost { max: 10.0 },
                Cue::None,
            )],
        };
        let json = serde_json::to_string(&report).unwrap();
        assert!(
            json.contains("\"head_turned\"") && json.contains("\"at_most\""),
            "{json}"
        );
        let back: QualityReport = serde_json::from_str(&json).unwrap();
        assert_eq!(back, report);
    }
}
