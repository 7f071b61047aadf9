//! Photo specifications ("profiles") as data: pixel size, dpi, geometry bands, background and the file
//! window. Numbers and their sources are in shared/specs/photo-specs.md; kiosk.toml may override any of them.
//!
//! Owns the built-in profiles and the arithmetic on them (physical size, band midpoints). Knows nothing of
//! images, files or configuration syntax.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Millimetres in one inch.
pub const MM_PER_INCH: f32 = 25.4;

/// An sRGB colour with 8 bits per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rgb8 {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

impl Rgb8 {
    pub const WHITE: Rgb8 = Rgb8::new(255, 255, 255);
    /// 学信网 light blue (99号).
    pub const CHSI_BLUE: Rgb8 = Rgb8::new(100, 197, 255);
    /// 学信网 light grey (99号).
    pub const CHSI_GREY: Rgb8 = Rgb8::new(240, 240, 240);

    pub const fn new(r: u8, g: u8, b: u8) -> Self {
        Self { r, g, b }
    }

    /// Parses `#RRGGBB` (the `#` is optional).
    pub fn parse_hex(text: &str) -> Option<Rgb8> {
        let hex = text.trim().strip_prefix('#').unwrap_or(text.trim());
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Some(Rgb8::new(channel(0)?, channel(2)?, channel(4)?))
    }

    pub fn to_array(self) -> [u8; 3] {
        [self.r, self.g, self.b]
    }
}

impl fmt::Display for Rgb8 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02X}{:02X}{:02X}", self.r, self.g, self.b)
    }
}

/// An inclusive range of values (pixels, fractions).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Band {
    pub min: f32,
    pub max: f32,
}

impl Band {
    pub const fn new(min: f32, max: f32) -> Self {
        Self { min, max }
    }

    pub fn contains(&self, value: f32) -> bool {
        value >= self.min && value <= self.max
    }

    pub fn mid(&self) -> f32 {
        f32::midpoint(self.min, self.max)
    }

    pub fn width(&self) -> f32 {
        self.max - self.min
    }
}

impl fmt::Display for Band {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}–{}", self.min, self.max)
    }
}

/// A background colour an operator may pick for a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedColour {
    /// Short name used on the command line and in kiosk.toml (`white`, `blue`, `grey`).
    pub name: String,
    pub rgb: Rgb8,
}

/// Output file format of a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhotoFormat {
    Jpeg,
    Png,
}

/// The allowed encoded size of a photo, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByteWindow {
    pub min_bytes: u64,
    pub max_bytes: u64,
}

impl ByteWindow {
    pub fn contains(&self, bytes: u64) -> bool {
        bytes >= self.min_bytes && bytes <= self.max_bytes
    }
}

/// JPEG encoding limits of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct JpegRule {
    /// Lowest quality factor allowed (学信网: 60).
    pub quality_min: u8,
    /// Highest quality factor tried (GA 461 fixes 70: min = max = 70).
    pub quality_max: u8,
    /// Encoded size window, when the receiving system enforces one.
    pub bytes: Option<ByteWindow>,
}

/// Where the head must land in the photo. Every band is optional: a profile states only what its
/// standard states. Distances are in photo pixels from the named edge, or fractions of the photo height.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct HeadGeometry {
    /// Crown (top of the hair) to chin, as a fraction of the photo height.
    pub head_height_frac: Option<Band>,
    /// Crown (top of the hair) below the top edge, in pixels.
    pub crown_from_top_px: Option<Band>,
    /// Eye line below the top edge, in pixels.
    pub eye_line_from_top_px: Option<Band>,
    /// Eye line above the bottom edge, in pixels.
    pub eye_line_from_bottom_px: Option<Band>,
    /// Eye line above the bottom edge, as a fraction of the photo height.
    pub eye_line_from_bottom_frac: Option<Band>,
    /// Cheek-to-cheek face width, in pixels.
    pub face_width_px: Option<Band>,
    /// Largest allowed horizontal offset of the eye midpoint from the photo centre, as a fraction of the width.
    pub center_tolerance_frac: f32,
}

/// A named photo specification: everything needed to produce and verify one kind of photo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoSpec {
    /// Profile key (`campus_card`, `chsi`, ...).
    pub name: String,
    pub title_zh: String,
    pub title_en: String,
    pub width_px: u32,
    pub height_px: u32,
    pub dpi: u32,
    pub format: PhotoFormat,
    /// The background the photo gets by default.
    pub background: Rgb8,
    /// Backgrounds an operator may choose instead (the default is among them).
    pub background_choices: Vec<NamedColour>,
    /// Replace the capture's background with `background` (false keeps the original background).
    pub replace_background: bool,
    pub jpeg: JpegRule,
    pub geometry: HeadGeometry,
    /// Whether the standardizer may rotate the capture to level the eyes (学信网 forbids rotation).
    pub allow_rotation: bool,
    /// Pose limits stricter than the kiosk-wide defaults, in degrees.
    pub max_roll_deg: Option<f32>,
    pub max_yaw_deg: Option<f32>,
    pub max_pitch_deg: Option<f32>,
    /// Where the numbers come from (shown in staff diagnostics).
    pub source: String,
}

impl PhotoSpec {
    /// Physical width when printed at the profile's dpi.
    pub fn width_mm(&self) -> f32 {
        self.width_px as f32 / self.dpi as f32 * MM_PER_INCH
    }

    /// Physical height when printed at the profile's dpi.
    pub fn height_mm(&self) -> f32 {
        self.height_px as f32 / self.dpi as f32 * MM_PER_INCH
    }

    /// Finds a background choice by name (`white`, `blue`, `grey`) or parses `#RRGGBB`.
    pub fn background_by_name(&self, name: &str) -> Option<Rgb8> {
        self.background_choices
            .iter()
            .find(|choice| choice.name.eq_ignore_ascii_case(name.trim()))
            .map(|choice| choice.rgb)
            .or_else(|| Rgb8::parse_hex(name))
    }

    /// Checks the profile's own consistency; returns every problem found, as `key: message`.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut need = |ok: bool, key: &str, message: &str| {
            if !ok {
                problems.push(format!("{key}: {message}"));
            }
        };
        need(
            (16..=4096).contains(&self.width_px),
            "width_px",
            "must be between 16 and 4096",
        );
        need(
            (16..=4096).contains(&self.height_px),
            "height_px",
            "must be between 16 and 4096",
        );
        need(
            (72..=1200).contains(&self.dpi),
            "dpi",
            "must be between 72 and 1200",
        );
        need(
            (1..=100).contains(&self.jpeg.quality_min)
                && self.jpeg.quality_min <= self.jpeg.quality_max,
            "jpeg_quality_min",
            "must be 1–100 and not above jpeg_quality_max",
        );
        need(
            self.jpeg.quality_max <= 100,
            "jpeg_quality_max",
            "must be at most 100",
        );
        if let Some(window) = self.jpeg.bytes {
            need(
                window.min_bytes < window.max_bytes,
                "min_bytes",
                "must be below max_bytes",
            );
        }
        let height = self.height_px as f32;
        let width = self.width_px as f32;
        let bands = [
            ("head_height_frac", self.geometry.head_height_frac, 1.0),
            ("crown_from_top_px", self.geometry.crown_from_top_px, height),
            (
                "eye_line_from_top_px",
                self.geometry.eye_line_from_top_px,
                height,
            ),
            (
                "eye_line_from_bottom_px",
                self.geometry.eye_line_from_bottom_px,
                height,
            ),
            (
                "eye_line_from_bottom_frac",
                self.geometry.eye_line_from_bottom_frac,
                1.0,
            ),
            ("face_width_px", self.geometry.face_width_px, width),
        ];
        for (key, band, limit) in bands {
            if let Some(band) = band {
                need(
                    band.min >= 0.0 && band.min <= band.max && band.max <= limit,
                    key,
                    "must be an increasing pair inside the photo",
                );
            }
        }
        need(
            (0.0..=0.5).contains(&self.geometry.center_tolerance_frac),
            "center_tolerance_frac",
            "must be between 0 and 0.5",
        );
        need(
            self.geometry.head_height_frac.is_some()
                || self.geometry.face_width_px.is_some()
                || self.geometry.crown_from_top_px.is_some(),
            "geometry",
            "needs at least one of head_height_frac, face_width_px, crown_from_top_px to fix the scale",
        );
        problems
    }
}

/// Kilobytes as used by the photo rules (1 KB = 1024 bytes, as upload portals count).
const KIB: u64 = 1024;
/// Tolerance of "centred" where the standard gives none: eye midpoint within 0.45–0.55 of the width
/// (social-security-card rule derived from GA 461, 162–196 px of 358; checker convention [C]).
const CENTER_TOLERANCE_FRAC: f32 = 0.05;

fn chsi_backgrounds() -> Vec<NamedColour> {
    vec![
        NamedColour {
            name: "blue".into(),
            rgb: Rgb8::CHSI_BLUE,
        },
        NamedColour {
            name: "white".into(),
            rgb: Rgb8::WHITE,
        },
        NamedColour {
            name: "grey".into(),
            rgb: Rgb8::CHSI_GREY,
        },
    ]
}

fn print_size(
    name: &str,
    zh: &str,
    en: &str,
    width_px: u32,
    height_px: u32,
    source: &str,
) -> PhotoSpec {
    PhotoSpec {
        name: name.into(),
        title_zh: zh.into(),
        title_en: en.into(),
        width_px,
        height_px,
        dpi: 300,
        format: PhotoFormat::Jpeg,
        background: Rgb8::WHITE,
        background_choices: chsi_backgrounds(),
        replace_background: true,
        jpeg: JpegRule {
            quality_min: 85,
            quality_max: 95,
            bytes: None,
        },
        geometry: HeadGeometry {
            // "head about 2/3 of the height": 2/3 ± 0.05 (tolerance unsourced, operator choice).
            head_height_frac: Some(Band::new(0.62, 0.72)),
            center_tolerance_frac: CENTER_TOLERANCE_FRAC,
            ..HeadGeometry::default()
        },
        allow_rotation: true,
        max_roll_deg: None,
        max_yaw_deg: None,
        max_pitch_deg: None,
        source: source.into(),
    }
}

/// The built-in profiles, default first.
pub fn builtin_profiles() -> Vec<PhotoSpec> {
    let campus_card = PhotoSpec {
        name: "campus_card".into(),
        title_zh: "校园卡照片".into(),
        title_en: "Campus card photo".into(),
        width_px: 358,
        height_px: 441,
        dpi: 350,
        format: PhotoFormat::Jpeg,
        background: Rgb8::WHITE,
        background_choices: chsi_backgrounds(),
        replace_background: true,
        jpeg: JpegRule {
            quality_min: 80,
            quality_max: 100,
            bytes: Some(ByteWindow {
                min_bytes: 50 * KIB,
                max_bytes: 2048 * KIB,
            }),
        },
        geometry: HeadGeometry {
            head_height_frac: Some(Band::new(0.62, 0.75)),
            center_tolerance_frac: CENTER_TOLERANCE_FRAC,
            ..HeadGeometry::default()
        },
        allow_rotation: true,
        max_roll_deg: None,
        max_yaw_deg: None,
        max_pitch_deg: None,
        source: "campus-card vendor text (photo-specs.md §4): white, 50 KB–2 MB; 358x441 @ 350 dpi (GA 461 size)"
            .into(),
    };
    let chsi = PhotoSpec {
        name: "chsi".into(),
        title_zh: "学信网学历证书图像".into(),
        title_en: "CHSI graduation image".into(),
        width_px: 480,
        height_px: 640,
        dpi: 300,
        format: PhotoFormat::Jpeg,
        background: Rgb8::CHSI_BLUE,
        background_choices: chsi_backgrounds(),
        replace_background: true,
        jpeg: JpegRule {
            quality_min: 60,
            quality_max: 95,
            bytes: Some(ByteWindow {
                min_bytes: 20 * KIB,
                max_bytes: 40 * KIB,
            }),
        },
        geometry: HeadGeometry {
            crown_from_top_px: Some(Band::new(50.0, 110.0)),
            eye_line_from_top_px: Some(Band::new(200.0, 300.0)),
            face_width_px: Some(Band::new(180.0, 300.0)),
            center_tolerance_frac: CENTER_TOLERANCE_FRAC,
            ..HeadGeometry::default()
        },
        allow_rotation: false,
        max_roll_deg: None,
        max_yaw_deg: None,
        max_pitch_deg: None,
        source: "教毕指〔2017〕99号 (photo-specs.md §1)".into(),
    };
    let id_card = PhotoSpec {
        name: "id_card".into(),
        title_zh: "身份证规格照片".into(),
        title_en: "ID-card style photo".into(),
        width_px: 358,
        height_px: 441,
        dpi: 350,
        format: PhotoFormat::Jpeg,
        background: Rgb8::WHITE,
        background_choices: vec![NamedColour {
            name: "white".into(),
            rgb: Rgb8::WHITE,
        }],
        replace_background: true,
        jpeg: JpegRule {
            quality_min: 70,
            quality_max: 70,
            bytes: None,
        },
        geometry: HeadGeometry {
            crown_from_top_px: Some(Band::new(7.0, 21.0)),
            eye_line_from_bottom_px: Some(Band::new(207.0, 441.0)),
            face_width_px: Some(Band::new(193.0, 221.0)),
            center_tolerance_frac: CENTER_TOLERANCE_FRAC,
            ..HeadGeometry::default()
        },
        allow_rotation: true,
        max_roll_deg: None,
        max_yaw_deg: None,
        max_pitch_deg: None,
        source: "GA 461-2004 (photo-specs.md §2)".into(),
    };
    let mut us_visa = print_size(
        "us_visa",
        "美国签证照片",
        "US visa photo",
        600,
        600,
        "travel.state.gov DS-160 image rules (photo-specs.md §5b)",
    );
    us_visa.geometry.head_height_frac = Some(Band::new(0.50, 0.69));
    us_visa.geometry.eye_line_from_bottom_frac = Some(Band::new(0.56, 0.69));
    us_visa.background_choices.truncate(1);
    us_visa.background_choices[0] = NamedColour {
        name: "white".into(),
        rgb: Rgb8::WHITE,
    };
    us_visa.jpeg.bytes = Some(ByteWindow {
        min_bytes: 1,
        max_bytes: 240 * KIB,
    });
    vec![
        campus_card,
        chsi,
        id_card,
        print_size(
            "one_inch",
            "一寸照片",
            "1-inch photo",
            295,
            413,
            "25x35 mm @ 300 dpi (photo-specs.md §3)",
        ),
        print_size(
            "two_inch",
            "二寸照片",
            "2-inch photo",
            413,
            579,
            "35x49 mm @ 300 dpi (photo-specs.md §3)",
        ),
        print_size(
            "small_two_inch",
            "小二寸照片",
            "Small 2-inch photo",
            413,
            531,
            "35x45 mm @ 300 dpi (photo-specs.md §3)",
        ),
        us_visa,
    ]
}

/// Name of the profile used when none is chosen.
pub const DEFAULT_PROFILE: &str = "campus_card";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profiles_are_consistent() {
        for profile in builtin_profiles() {
            assert!(
                profile.problems().is_empty(),
                "{}: {:?}",
                profile.name,
                profile.problems()
            );
        }
    }

    #[test]
    fn physical_sizes_match_the_standards() {
        let profiles = builtin_profiles();
        let by_name = |name: &str| profiles.iter().find(|p| p.name == name).cloned();
        let id = by_name("id_card").unwrap();
        assert!((id.width_mm() - 25.98).abs() < 0.05, "{}", id.width_mm());
        assert!((id.height_mm() - 32.0).abs() < 0.05, "{}", id.height_mm());
        let one = by_name("one_inch").unwrap();
        assert!((one.width_mm() - 25.0).abs() < 0.05);
        assert!((one.height_mm() - 35.0).abs() < 0.05);
    }

    #[test]
    fn hex_colours_parse_and_reject_garbage() {
        assert_eq!(Rgb8::parse_hex("#64C5FF"), Some(Rgb8::CHSI_BLUE));
        assert_eq!(Rgb8::parse_hex("f0f0f0"), Some(Rgb8::CHSI_GREY));
        assert_eq!(Rgb8::parse_hex("#12345"), None);
        assert_eq!(Rgb8::parse_hex("#GGGGGG"), None);
        assert_eq!(Rgb8::CHSI_BLUE.to_string(), "#64C5FF");
    }

    #[test]
    fn chsi_backgrounds_by_name() {
        let chsi = builtin_profiles()
            .into_iter()
            .find(|p| p.name == "chsi")
            .unwrap();
        assert_eq!(chsi.background_by_name("grey"), Some(Rgb8::CHSI_GREY));
        assert_eq!(chsi.background_by_name("BLUE"), Some(Rgb8::CHSI_BLUE));
        assert_eq!(chsi.background_by_name("pink"), None);
    }

    #[test]
    fn inconsistent_profile_is_reported() {
        let mut spec = builtin_profiles().remove(0);
        spec.jpeg.quality_min = 90;
        spec.jpeg.quality_max = 80;
        spec.geometry.head_height_frac = Some(Band::new(0.8, 0.7));
        let problems = spec.problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
