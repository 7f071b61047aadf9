//! Camera settings as the worker consumes them, and the parsing of `camera.source`.
//!
//! Owns [`CameraSettings`] (a plain struct: the config module maps kiosk.toml into it), its defaults
//! (the issue's: 1280x720 MJPEG at 30 fps, 2 s watchdog) and [`SourceSpec::parse`]. Must not read files
//! or devices: whether a path or camera exists is found out by the source when it opens.

use std::fmt;
use std::path::PathBuf;

use super::CameraError;
use super::mode::{ModeRequest, PixelFormat};

/// Default preview size and rate: 720p is enough for a 295x413 px photo crop with margin, and every
/// UVC webcam offers it in MJPEG at 30 fps on USB 2.
pub const DEFAULT_WIDTH: u32 = 1280;
pub const DEFAULT_HEIGHT: u32 = 720;
pub const DEFAULT_FPS: u32 = 30;
/// No frame for this long means the camera is lost (issue 6).
pub const DEFAULT_WATCHDOG_MS: u64 = 2000;
/// First reconnect attempt after a loss; doubles per failed attempt up to the maximum.
pub const DEFAULT_RECONNECT_INITIAL_MS: u64 = 250;
pub const DEFAULT_RECONNECT_MAX_MS: u64 = 5000;
/// Auto-exposure of UVC webcams settles within a few frames after a change; 300 ms (9 frames at
/// 30 fps) also lets the person's blink or movement at the end of the countdown pass.
pub const DEFAULT_SETTLE_MS: u64 = 300;
/// Frames to throw away after a mode switch (the first ones are often dark or half-written).
pub const DEFAULT_DISCARD_FRAMES: u32 = 3;
/// Format order when nothing in particular is preferred: MJPEG first (720p at 30 fps fits USB 2 only
/// compressed), then the raw formats.
pub const DEFAULT_FORMAT_ORDER: [PixelFormat; 3] =
    [PixelFormat::Mjpeg, PixelFormat::Yuyv, PixelFormat::Nv12];

/// The preference list for kiosk.toml's `camera.format`: `"any"` gives the default order, a format
/// name puts that format first and keeps the others as fallbacks.
pub fn format_preference(name: &str) -> Result<Vec<PixelFormat>, CameraError> {
    if name.trim().eq_ignore_ascii_case("any") {
        return Ok(DEFAULT_FORMAT_ORDER.to_vec());
    }
    let preferred = PixelFormat::parse(name)?;
    let mut order = vec![preferred];
    order.extend(
        DEFAULT_FORMAT_ORDER
            .iter()
            .copied()
            .filter(|f| *f != preferred),
    );
    Ok(order)
}

/// Everything the camera worker needs. The lead's config maps kiosk.toml into this struct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CameraSettings {
    pub source: SourceSpec,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// Formats in order of preference; others are still used when these are refused.
    pub format_preference: Vec<PixelFormat>,
    /// Mirror the preview (people expect a mirror); stills and frames given to vision are never mirrored.
    pub mirror: bool,
    pub watchdog_ms: u64,
    pub reconnect_initial_ms: u64,
    pub reconnect_max_ms: u64,
    /// Switch to the device's largest mode for a still, then back.
    pub still_highest_mode: bool,
    /// Wait this long after a still is requested before taking it (exposure settles after the person
    /// stops moving / the countdown ends).
    pub settle_ms: u64,
    /// Frames discarded after a mode switch.
    pub discard_frames: u32,
}

impl Default for CameraSettings {
    fn default() -> Self {
        Self {
            source: SourceSpec::Auto,
            width: DEFAULT_WIDTH,
            height: DEFAULT_HEIGHT,
            fps: DEFAULT_FPS,
            format_preference: DEFAULT_FORMAT_ORDER.to_vec(),
            mirror: true,
            watchdog_ms: DEFAULT_WATCHDOG_MS,
            reconnect_initial_ms: DEFAULT_RECONNECT_INITIAL_MS,
            reconnect_max_ms: DEFAULT_RECONNECT_MAX_MS,
            still_highest_mode: false,
            settle_ms: DEFAULT_SETTLE_MS,
            discard_frames: DEFAULT_DISCARD_FRAMES,
        }
    }
}

impl CameraSettings {
    /// Checks ranges that would make the worker misbehave (zero sizes, a zero watchdog, back-off limits
    /// in the wrong order).
    pub fn validate(&self) -> Result<(), CameraError> {
        let problem = if self.width == 0 || self.height == 0 {
            Some(format!(
                "size {}x{} must be positive",
                self.width, self.height
            ))
        } else if self.fps == 0 {
            Some("fps must be positive".to_owned())
        } else if self.watchdog_ms == 0 {
            Some("watchdog_ms must be positive".to_owned())
        } else if self.reconnect_initial_ms == 0
            || self.reconnect_max_ms < self.reconnect_initial_ms
        {
            Some(format!(
                "reconnect back-off {}..{} ms must be positive and increasing",
                self.reconnect_initial_ms, self.reconnect_max_ms
            ))
        } else {
            None
        };
        problem.map_or(Ok(()), |p| Err(CameraError::InvalidSettings(p)))
    }

    /// The preview mode request handed to negotiation.
    pub fn mode_request(&self) -> ModeRequest {
        ModeRequest {
            width: self.width,
            height: self.height,
            fps: self.fps,
            formats: self.format_preference.clone(),
        }
    }
}

/// Which camera: `auto`, `device:<index|name|path>`, `file:<image or folder>` or `demo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// The first connected camera; the demo (with its banner flag) when none exists at start-up.
    Auto,
    Device(DeviceSelector),
    /// One image, or every JPEG/PNG in a folder, shown in turn.
    File(PathBuf),
    /// Animated frames of a consenting subject from assets/demo/.
    Demo,
}

/// How a `device:` source names its camera.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceSelector {
    /// The V4L index (`/dev/video<index>`).
    Index(u32),
    /// A case-insensitive (sub)string of the camera's name, e.g. `Logitech C920`.
    Name(String),
    /// A device path: `/dev/video2` or a stable `/dev/v4l/by-id/...` link (survives re-plugging).
    Path(PathBuf),
}

impl SourceSpec {
    pub fn parse(text: &str) -> Result<Self, CameraError> {
        let trimmed = text.trim();
        let invalid = |reason: &str| CameraError::InvalidSource {
            given: text.to_owned(),
            reason: reason.to_owned(),
        };
        let (kind, rest) = match trimmed.split_once(':') {
            Some((kind, rest)) => (kind.trim().to_ascii_lowercase(), Some(rest.trim())),
            None => (trimmed.to_ascii_lowercase(), None),
        };
        match (kind.as_str(), rest) {
            ("auto", None) => Ok(Self::Auto),
            ("demo", None) => Ok(Self::Demo),
            ("device", Some(selector)) => DeviceSelector::parse(selector).map(Self::Device).map_err(|_| {
                invalid("device: needs an index, a camera name or a path, e.g. device:0 or device:/dev/video0")
            }),
            ("file", Some(path)) if !path.is_empty() => Ok(Self::File(PathBuf::from(path))),
            ("file", _) => Err(invalid("file: needs an image or folder path, e.g. file:/srv/booth/test.jpg")),
            _ => Err(invalid(
                "expected \"auto\", \"demo\", \"device:<index|name|path>\" or \"file:<image or folder>\"",
            )),
        }
    }

    /// Short name of the kind, for logs and diagnostics.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Device(_) => "device",
            Self::File(_) => "file",
            Self::Demo => "demo",
        }
    }
}

impl fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Auto => f.write_str("auto"),
            Self::Demo => f.write_str("demo"),
            Self::Device(selector) => write!(f, "device:{selector}"),
            Self::File(path) => write!(f, "file:{}", path.display()),
        }
    }
}

impl DeviceSelector {
    /// Digits are an index, a leading `/` a path, anything else a name.
    pub fn parse(text: &str) -> Result<Self, CameraError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(CameraError::InvalidSource {
                given: text.to_owned(),
                reason: "empty device selector".to_owned(),
            });
        }
        if text.bytes().all(|b| b.is_ascii_digit()) {
            return text
                .parse::<u32>()
                .map(Self::Index)
                .map_err(|e| CameraError::InvalidSource {
                    given: text.to_owned(),
                    reason: e.to_string(),
                });
        }
        if text.starts_with('/') {
            return Ok(Self::Path(PathBuf::from(text)));
        }
        Ok(Self::Name(text.to_owned()))
    }
}

impl fmt::Display for DeviceSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Index(index) => write!(f, "{index}"),
            Self::Name(name) => f.write_str(name),
            Self::Path(path) => write!(f, "{}", path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_source_form_parses() {
        assert_eq!(SourceSpec::parse("auto").ok(), Some(SourceSpec::Auto));
        assert_eq!(SourceSpec::parse(" Demo ").ok(), Some(SourceSpec::Demo));
        assert_eq!(
            SourceSpec::parse("device:2").ok(),
            Some(SourceSpec::Device(DeviceSelector::Index(2)))
        );
        assert_eq!(
            SourceSpec::parse("device:/dev/v4l/by-id/usb-046d_C920-video-index0").ok(),
            Some(SourceSpec::Device(DeviceSelector::Path(PathBuf::from(
                "/dev/v4l/by-id/usb-046d_C920-video-index0"
            ))))
        );
        assert_eq!(
            SourceSpec::parse("device: HD Pro Webcam C920").ok(),
            Some(SourceSpec::Device(DeviceSelector::Name(
                "HD Pro Webcam C920".to_owned()
            )))
        );
        assert_eq!(
            SourceSpec::parse("file:tests/fixtures/faces").ok(),
            Some(SourceSpec::File(PathBuf::from("tests/fixtures/faces")))
        );
    }

    #[test]
    fn bad_sources_are_rejected_with_the_accepted_forms() {
        for bad in [
            "", "camera", "device:", "file:", "file:  ", "auto:1", "demo:x", "usb:0",
        ] {
            let result = SourceSpec::parse(bad);
            assert!(
                matches!(result, Err(CameraError::InvalidSource { .. })),
                "{bad:?} gave {result:?}"
            );
        }
        let message = SourceSpec::parse("webcam")
            .map_err(|e| e.to_string())
            .err()
            .unwrap_or_default();
        assert!(message.contains("device:<index|name|path>"), "{message}");
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "auto",
            "demo",
            "device:0",
            "device:/dev/video1",
            "device:C920",
            "file:/tmp/a.jpg",
        ] {
            let parsed = SourceSpec::parse(text).map(|s| s.to_string()).ok();
            assert_eq!(parsed.as_deref(), Some(text));
        }
    }

    #[test]
    fn defaults_match_the_issue_and_validate() {
        let settings = CameraSettings::default();
        assert_eq!(
            (settings.width, settings.height, settings.fps),
            (1280, 720, 30)
        );
        assert_eq!(
            settings.format_preference.first(),
            Some(&PixelFormat::Mjpeg)
        );
        assert_eq!(settings.watchdog_ms, 2000);
        assert!(settings.mirror);
        assert!(settings.validate().is_ok());
    }

    #[test]
    fn the_configured_format_goes_first_and_the_others_stay_as_fallbacks() {
        assert_eq!(
            format_preference("any").ok(),
            Some(DEFAULT_FORMAT_ORDER.to_vec())
        );
        assert_eq!(
            format_preference("yuyv").ok(),
            Some(vec![
                PixelFormat::Yuyv,
                PixelFormat::Mjpeg,
                PixelFormat::Nv12
            ])
        );
        assert_eq!(
            format_preference("GRAY").ok(),
            Some(vec![
                PixelFormat::Gray,
                PixelFormat::Mjpeg,
                PixelFormat::Yuyv,
                PixelFormat::Nv12
            ])
        );
        assert!(format_preference("h264").is_err());
    }

    #[test]
    fn out_of_range_settings_are_rejected() {
        let zero_size = CameraSettings {
            width: 0,
            ..CameraSettings::default()
        };
        assert!(zero_size.validate().is_err());
        let backwards = CameraSettings {
            reconnect_initial_ms: 1000,
            reconnect_max_ms: 10,
            ..CameraSettings::default()
        };
        assert!(backwards.validate().is_err());
        let no_watchdog = CameraSettings {
            watchdog_ms: 0,
            ..CameraSettings::default()
        };
        assert!(no_watchdog.validate().is_err());
    }
}

impl CameraSettings {
    /// The worker's settings from the validated `[camera]` section of kiosk.toml.
    pub fn from_config(
        section: &crate::config::CameraSection,
    ) -> Result<CameraSettings, CameraError> {
        let ms = |d: std::time::Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        let settings = CameraSettings {
            source: SourceSpec::parse(&section.source)?,
            width: section.width,
            height: section.height,
            fps: section.fps,
            format_preference: format_preference(&section.format)?,
            mirror: section.mirror_preview,
            watchdog_ms: ms(section.watchdog),
            reconnect_initial_ms: ms(section.reconnect_initial),
            reconnect_max_ms: ms(section.reconnect_max),
            still_highest_mode: section.still_highest_mode,
            settle_ms: ms(section.settle),
            discard_frames: section.discard_frames,
        };
        settings.validate()?;
        Ok(settings)
    }
}

#[cfg(test)]
mod config_tests {
    use super::*;

    #[test]
    fn shipped_config_maps_to_the_worker_defaults() {
        let config = crate::config::KioskConfig::default();
        assert_eq!(
            CameraSettings::from_config(&config.camera).unwrap(),
            CameraSettings::default()
        );
    }
}
