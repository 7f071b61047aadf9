//! Why a capture could not become a compliant photo: typed reasons the pipeline maps to check codes
//! (`no_face`, `face_cut_off`, `low_resolution`, ...), plus the module's error enum.
//!
//! Owns only the vocabulary of failure. Deciding *when* to fail lives in `solve`, `crown`, `encode` and
//! `selfcheck`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::core::spec::{Band, ByteWindow};

/// A measured quantity of the photo that a profile may constrain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeometryMeasure {
    /// Crown (top of the hair) below the top edge, px.
    CrownFromTopPx,
    /// Eye line below the top edge, px.
    EyeLineFromTopPx,
    /// Eye line above the bottom edge, px.
    EyeLineFromBottomPx,
    /// Eye line above the bottom edge, fraction of the height.
    EyeLineFromBottomFrac,
    /// Cheek-to-cheek width, px.
    FaceWidthPx,
    /// Crown to chin, fraction of the height.
    HeadHeightFrac,
    /// Eye midpoint minus the photo's centre column, fraction of the width.
    CenterOffsetFrac,
}

impl GeometryMeasure {
    /// The profile key of the band (as in kiosk.toml and `PhotoSpec::problems`).
    pub fn key(self) -> &'static str {
        match self {
            Self::CrownFromTopPx => "crown_from_top_px",
            Self::EyeLineFromTopPx => "eye_line_from_top_px",
            Self::EyeLineFromBottomPx => "eye_line_from_bottom_px",
            Self::EyeLineFromBottomFrac => "eye_line_from_bottom_frac",
            Self::FaceWidthPx => "face_width_px",
            Self::HeadHeightFrac => "head_height_frac",
            Self::CenterOffsetFrac => "center_offset_frac",
        }
    }
}

impl fmt::Display for GeometryMeasure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// An edge of the capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureEdge {
    Top,
    Bottom,
    Left,
    Right,
}

impl fmt::Display for CaptureEdge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Top => "top",
            Self::Bottom => "bottom",
            Self::Left => "left",
            Self::Right => "right",
        })
    }
}

/// Why a capture does not give a compliant photo. Each variant maps to one reason code (`code()`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StandardizeFailure {
    #[error("no face found")]
    NoFace,
    #[error(
        "the person segmentation does not cover the face, so the top of the head cannot be found"
    )]
    NoPerson,
    #[error(
        "the photo would need pixels beyond the {edge} edge of the capture ({overshoot_px:.0} px)"
    )]
    FaceCutOff {
        edge: CaptureEdge,
        overshoot_px: f32,
    },
    #[error("the face is too small: the photo would need {required_upscale:.2}x upscaling")]
    LowResolution { required_upscale: f32 },
    #[error("{measure} is {value:.2}, outside {band}")]
    OutOfBand {
        measure: GeometryMeasure,
        value: f32,
        band: Band,
    },
    #[error(
        "no quality in {quality_min}–{quality_max} gives a file of {min_bytes}–{max_bytes} bytes \
         (closest: {closest_bytes} bytes at quality {closest_quality})",
        min_bytes = window.min_bytes,
        max_bytes = window.max_bytes
    )]
    ByteWindow {
        window: ByteWindow,
        quality_min: u8,
        quality_max: u8,
        closest_quality: u8,
        closest_bytes: u64,
    },
    #[error("the background differs from the chosen colour by ΔE {delta_e:.1} (limit {limit:.1})")]
    BackgroundMismatch { delta_e: f32, limit: f32 },
}

impl StandardizeFailure {
    /// The reason code (shared with the check catalogue where the meaning is the same).
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoFace | Self::NoPerson => "no_face",
            Self::FaceCutOff { .. } => "face_cut_off",
            Self::LowResolution { .. } => "low_resolution",
            Self::OutOfBand { .. } => "out_of_band",
            Self::ByteWindow { .. } => "byte_window",
            Self::BackgroundMismatch { .. } => "background_mismatch",
        }
    }
}

/// Errors of the standardize module.
#[derive(Debug, thiserror::Error)]
pub enum StandardizeError {
    /// The capture cannot become a compliant photo; every reason found is listed.
    #[error("{}", join_failures(.0))]
    Rejected(Vec<StandardizeFailure>),
    /// Inputs that do not fit together (mask of the wrong size, empty image).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    #[error("resampling failed: {0}")]
    Resize(String),
    #[error("encoding failed: {0}")]
    Encode(String),
    #[error("decoding the encoded photo failed: {0}")]
    Decode(String),
}

impl StandardizeError {
    /// The typed failures when the error is a rejection, else an empty slice.
    pub fn failures(&self) -> &[StandardizeFailure] {
        match self {
            Self::Rejected(failures) => failures,
            _ => &[],
        }
    }
}

impl From<StandardizeFailure> for StandardizeError {
    fn from(failure: StandardizeFailure) -> Self {
        Self::Rejected(vec![failure])
    }
}

fn join_failures(failures: &[StandardizeFailure]) -> String {
    failures
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
