//! The limits every check compares against, with the source of each default. kiosk.toml exposes this
//! struct as its `[checks]` section; a profile may only make the pose limits stricter (`PhotoSpec.max_*_deg`).
//!
//! Owns numbers and their provenance only; must not measure anything. "Tuned on fixtures" means the value
//! was chosen from the spread of the measure over tests/fixtures/faces (good vs bad rows; see
//! tests/checks_fixtures.rs and `idbooth eval`) where no standard gives a number.

use serde::{Deserialize, Serialize};

use crate::core::spec::PhotoSpec;

/// Every default threshold of the check catalogue. Ratios are plain fractions, angles degrees, pixels
/// pixels of the analysed capture.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CheckThresholds {
    /// Largest head roll (eye-line angle), degrees. ISO/IEC 19794-5 §7.2.2 allows ±8°
    /// (photo-specs.md §5a, VisionLabs LUNA ISO estimator).
    pub max_roll_deg: f32,
    /// Largest head yaw, degrees. ISO/IEC 19794-5 says ±5°; 10° is the kiosk default, because the
    /// mesh-based estimate scatters by a few degrees on frontal faces (photo-specs.md §5a, §8).
    pub max_yaw_deg: f32,
    /// Largest head pitch, degrees. ISO/IEC 19794-5 says ±5°; 10° as for yaw (issue default).
    pub max_pitch_deg: f32,
    /// Lowest detector score for a face to count at all. MediaPipe keeps detections scoring ≥ 0.5
    /// (models/MODELS.md).
    pub min_face_score: f32,
    /// A second face fails `multiple_faces` when its box area is at least this fraction of the primary
    /// face's. OFIQ SingleFacePresent (0x4C) scores x = area₂/area₁ as Q = 100·(1 − x); 0.2 (Q 80) lets a
    /// distant face in the queue behind pass and fails any second person near the booth. Operator choice.
    pub max_second_face_area_ratio: f32,
    /// Largest fraction of the profile's crop that may lie outside the capture before `face_cut_off`
    /// fails (per edge, as a fraction of the crop's size along that axis). Unsourced: covers the
    /// error of the crown estimate; tuned on fixtures.
    pub max_crop_outside_frac: f32,
    /// Largest upscaling the photo may need. 1.0 forbids upscaling (photo-specs.md §8 "forbid upscaling",
    /// an unsourced rule; OFIQ InterEyeDistance 0x52 also penalises few pixels between the eyes).
    pub max_upscale: f32,
    /// Lowest eye openness (lid gap ÷ eye width, smaller eye). Tuned on fixtures; OFIQ EyesOpen (0x4D)
    /// uses lid gap ÷ eye-to-chin with Q 50 at 0.02, which is about 0.12 of the eye width.
    pub min_eye_openness: f32,
    /// Largest mouth openness (inner-lip gap ÷ eye-to-chin distance, the OFIQ MouthClosed 0x4E measure).
    /// OFIQ maps 0.1 to Q 84 and 0.2 to Q 50; a smile showing teeth parts the inner lips by about 0.05, and
    /// Chinese rules ask for lips naturally closed (photo-specs.md §1), so the limit is stricter. Tuned on
    /// fixtures.
    pub max_mouth_openness: f32,
    /// Lowest face sharpness (RMS second difference ÷ RMS luminance deviation, face sampled at a fixed
    /// inter-eye distance). Unsourced (OFIQ 0x49 uses a trained forest); tuned on fixtures.
    pub min_sharpness: f32,
    /// Lowest mean face luma (sRGB Rec. 601, 0–255). Yoti's image requirements call a mean RGB
    /// brightness under 40 too dark (photo-specs.md §7).
    pub min_face_luma: f32,
    /// Highest mean face luma. Yoti calls a mean above 215 too bright (photo-specs.md §7).
    pub max_face_luma: f32,
    /// Largest fraction of face pixels at luma ≤ `DARK_CLIP_LUMA` (OFIQ UnderExposurePrevention 0x46 band
    /// [0, 25]). OFIQ scores 0.8 as Q 90 and 0.9 as Q 52; 0.5 (Q 100 boundary) on gamma-encoded luma.
    pub max_dark_fraction: f32,
    /// Largest fraction of face pixels at luma ≥ `BRIGHT_CLIP_LUMA` (OFIQ OverExposurePrevention 0x47 band
    /// [247, 255]; Q = 1/(x + 0.01): 0.05 → Q 17). Tuned on fixtures.
    pub max_bright_fraction: f32,
    /// Lowest ratio of the darker to the brighter cheek zone's mean linear luminance (OFIQ
    /// IlluminationUniformity 0x43 zones). OFIQ publishes no cut-off; 0.5 is one photographic stop.
    /// Tuned on fixtures.
    pub min_lighting_balance: f32,
    /// Lowest mean chroma (max − min of R, G, B) over the face, below which the photo counts as black
    /// and white. Yoti uses a greyscale threshold of 20 (photo-specs.md §7); JPEG chroma noise on a grey
    /// picture stays under 5. Tuned on fixtures.
    pub min_face_chroma: f32,
    /// Largest distance of the cheeks' CIELAB (a*, b*) from the natural-skin box a* ∈ [5, 25],
    /// b* ∈ [5, 35] (OFIQ NaturalColour 0x4B; x = 10 maps to Q 54).
    pub max_skin_colour_distance: f32,
    /// Largest mean luminance gradient (Scharr magnitude, 0–255 scale) over the background within the
    /// photo's crop, sampled at OFIQ's scale. OFIQ BackgroundUniformity 0x42 maps 10 to Q 95 and 50 to
    /// Q 76 and gives no cut-off; tuned on fixtures.
    pub max_background_gradient: f32,
    /// Largest standard deviation of background luma within the crop (a smooth but non-uniform
    /// background: sky, bokeh, gradients). Unsourced; tuned on fixtures.
    pub max_background_spread: f32,
    /// Smallest CIELAB ΔE76 between the clothing and the background colour. The 99号 rules ask for clothes
    /// that contrast clearly (photo-specs.md §1, §9); no number is published. ΔE 20 is a clearly visible
    /// difference. Unsourced.
    pub min_clothing_contrast_de: f32,
    /// Highest ratio of the eye zones' luminance to the cheeks' above which no tinted lens is assumed
    /// (99号: no tinted lenses). Unsourced; tuned on fixtures.
    pub min_eye_to_cheek_luminance: f32,
}

impl Default for CheckThresholds {
    fn default() -> Self {
        Self {
            max_roll_deg: 8.0,
            max_yaw_deg: 10.0,
            max_pitch_deg: 10.0,
            min_face_score: 0.5,
            max_second_face_area_ratio: 0.2,
            max_crop_outside_frac: 0.03,
            max_upscale: 1.0,
            min_eye_openness: 0.15,
            max_mouth_openness: 0.05,
            min_sharpness: 0.1,
            min_face_luma: 40.0,
            max_face_luma: 215.0,
            max_dark_fraction: 0.5,
            max_bright_fraction: 0.05,
            min_lighting_balance: 0.5,
            min_face_chroma: 10.0,
            max_skin_colour_distance: 10.0,
            max_background_gradient: 20.0,
            max_background_spread: 25.0,
            min_clothing_contrast_de: 20.0,
            min_eye_to_cheek_luminance: 0.3,
        }
    }
}

/// The pose limits in force for one profile: the kiosk-wide limit unless the profile is stricter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PoseLimits {
    pub roll_deg: f32,
    pub yaw_deg: f32,
    pub pitch_deg: f32,
}

impl CheckThresholds {
    /// The pose limits for `spec`: a profile can tighten a limit, never loosen it.
    pub fn pose_limits(&self, spec: &PhotoSpec) -> PoseLimits {
        let stricter = |kiosk: f32, profile: Option<f32>| profile.map_or(kiosk, |p| p.min(kiosk));
        PoseLimits {
            roll_deg: stricter(self.max_roll_deg, spec.max_roll_deg),
            yaw_deg: stricter(self.max_yaw_deg, spec.max_yaw_deg),
            pitch_deg: stricter(self.max_pitch_deg, spec.max_pitch_deg),
        }
    }

    /// Every inconsistency, as `key: message` (for the config loader).
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let fields = [
            ("max_roll_deg", self.max_roll_deg, 0.0, 90.0),
            ("max_yaw_deg", self.max_yaw_deg, 0.0, 90.0),
            ("max_pitch_deg", self.max_pitch_deg, 0.0, 90.0),
            ("min_face_score", self.min_face_score, 0.0, 1.0),
            ("max_second_face_area_ratio", self.max_second_face_area_ratio, 0.0, 1.0),
            ("max_crop_outside_frac", self.max_crop_outside_frac, 0.0, 1.0),
            ("max_upscale", self.max_upscale, 0.1, 10.0),
            ("min_eye_openness", self.min_eye_openness, 0.0, 1.0),
            ("max_mouth_openness", self.max_mouth_openness, 0.0, 1.0),
            ("min_sharpness", self.min_sharpness, 0.0, 10.0),
            ("min_face_luma", self.min_face_luma, 0.0, 255.0),
            ("max_face_luma", self.max_face_luma, 0.0, 255.0),
            ("max_dark_fraction", self.max_dark_fraction, 0.0, 1.0),
            ("max_bright_fraction", self.max_bright_fraction, 0.0, 1.0),
            ("min_lighting_balance", self.min_lighting_balance, 0.0, 1.0),
            ("min_face_chroma", self.min_face_chroma, 0.0, 255.0),
            ("max_skin_colour_distance", self.max_skin_colour_distance, 0.0, 200.0),
            ("max_background_gradient", self.max_background_gradient, 0.0, 1000.0),
            ("max_background_spread", self.max_background_spread, 0.0, 255.0),
            ("min_clothing_contrast_de", self.min_clothing_contrast_de, 0.0, 200.0),
            ("min_eye_to_cheek_luminance", self.min_eye_to_cheek_luminance, 0.0, 1.0),
        ];
        for (key, value, min, max) in fields {
            if !(value >= min && value <= max) {
                problems.push(format!("{key}: must be between {min} and {max}, got {value}"));
            }
        }
        if self.min_face_luma >= self.max_face_luma {
            problems.push("min_face_luma: must be below max_face_luma".to_owned());
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::spec::builtin_profiles;

    #[test]
    fn defaults_are_consistent_and_round_trip_through_toml() {
        let defaults = CheckThresholds::default();
        assert!(defaults.problems().is_empty(), "{:?}", defaults.problems());
        let text = toml::to_string(&defaults).unwrap();
        let back: CheckThresholds = toml::from_str(&text).unwrap();
        assert_eq!(back, defaults);
        let partial: CheckThresholds = toml::from_str("max_roll_deg = 5.0").unwrap();
        assert!((partial.max_roll_deg - 5.0).abs() < f32::EPSILON);
        assert!((partial.max_yaw_deg - defaults.max_yaw_deg).abs() < f32::EPSILON);
        assert!(toml::from_str::<CheckThresholds>("max_rol_deg = 5.0").is_err());
    }

    #[test]
    fn a_profile_can_only_tighten_pose_limits() {
        let mut spec = builtin_profiles().remove(0);
        let thresholds = CheckThresholds::default();
        spec.max_yaw_deg = Some(5.0);
        spec.max_roll_deg = Some(20.0);
        let limits = thresholds.pose_limits(&spec);
        assert!((limits.yaw_deg - 5.0).abs() < f32::EPSILON);
        assert!((limits.roll_deg - 8.0).abs() < f32::EPSILON);
        assert!((limits.pitch_deg - 10.0).abs() < f32::EPSILON);
    }

    #[test]
    fn out_of_range_values_are_reported() {
        let thresholds = CheckThresholds {
            max_roll_deg: -1.0,
            min_face_luma: 220.0,
            ..CheckThresholds::default()
        };
        let problems = thresholds.problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
