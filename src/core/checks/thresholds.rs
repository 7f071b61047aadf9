//! The limits every check compares against, with the source of each default. kiosk.toml exposes this
//! struct as its `[checks]` section; a profile may only make the pose limits stricter (`PhotoSpec.max_*_deg`).
//!
//! Owns numbers and their provenance only; must not measure anything. "Tuned on fixtures" means the value
//! was chosen from the spread of the measure over tests/fixtures/faces (good vs bad rows; see
//! tests/checks_fixtures.rs and `idbooth eval`) where no standard gives a number.

use serde::{Deserialize, Serialize};

use crate::core::spec::PhotoSpec;

/// Every default threshold of the check catalogue. Ratios are plain fractions, angles degrees, pixels
/// pixels of the analysed capture, luma sRGB Rec. 601 code values (0–255).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CheckThresholds {
    /// Largest head roll (eye-line angle), degrees. ISO/IEC 19794-5 §7.2.2 allows ±8°
    /// (photo-specs.md §5a, VisionLabs LUNA ISO estimator).
    pub max_roll_deg: f32,
    /// Largest head yaw, degrees. ISO/IEC 19794-5 says ±5°; 10° is the kiosk default of issue 4, because
    /// the mesh-based estimate scatters by ±5° on the frontal good fixtures (photo-specs.md §5a, §8).
    pub max_yaw_deg: f32,
    /// Largest head pitch, degrees. ISO/IEC 19794-5 says ±5° and issue 4 proposed 10°; 12° because the
    /// mesh reads the good fixture London 140 (chin slightly raised, labelled compliant) at 11.6°. The
    /// bad fixtures between 10° and 12° (codait_bryan, interfaces_032, NASA, codait_luciano, 099) are
    /// rejected for their other defects either way; head-down interfaces_002 reads 14.0°, looking-up
    /// interfaces_055 31.1° (README "Evaluation"). A profile can set a stricter limit.
    pub max_pitch_deg: f32,
    /// Lowest detector score for a face to count at all. MediaPipe keeps detections scoring ≥ 0.5
    /// (models/MODELS.md).
    pub min_face_score: f32,
    /// Lowest face-mesh presence for the primary face to count as a face (MediaPipe FaceMesh's default
    /// minimum confidence is 0.5). The fox fixture's mesh scores 0.00; every real face 0.99–1.00.
    pub min_face_presence: f32,
    /// A second face fails `multiple_faces` when its box area is more than this fraction of the primary
    /// face's. OFIQ SingleFacePresent (0x4C) scores x = area₂/area₁ as Q = 100·(1 − x); 0.1 is Q 90: a
    /// second person about three times farther away than the student still fails (no other people in the
    /// photo, 99号), detector noise well below that does not.
    pub max_second_face_area_ratio: f32,
    /// Largest fraction of the profile's crop that may lie outside the capture before `face_cut_off`
    /// fails (per edge, as a fraction of the crop's size along that axis). Unsourced: covers the error of
    /// the crown estimate; the good fixtures need 0, the tight crops 0.09–0.30.
    pub max_crop_outside_frac: f32,
    /// Largest upscaling the photo may need. 1.0 forbids upscaling (photo-specs.md §8 "forbid upscaling",
    /// an unsourced rule; OFIQ InterEyeDistance 0x52 also penalises few pixels between the eyes).
    pub max_upscale: f32,
    /// Lowest eye openness (lid gap ÷ eye width, the less open eye). OFIQ EyesOpen (0x4D) measures lid gap
    /// ÷ eye-to-chin with Q 50 at 0.02 and gives no cut-off. Tuned on fixtures: open eyes measure
    /// 0.28–0.42 on the good photos, eyes squeezed shut 0.20.
    pub min_eye_openness: f32,
    /// Largest mouth openness (inner-lip gap ÷ eye-to-chin distance, OFIQ MouthClosed 0x4E's native
    /// score; OFIQ maps 0.08 to Q 88). Chinese rules ask for lips naturally closed (photo-specs.md §1).
    /// Tuned on fixtures: closed lips measure ≤ 0.061, smiles showing teeth ≥ 0.083.
    pub max_mouth_openness: f32,
    /// Lowest face sharpness (RMS second difference ÷ RMS luma deviation, face sampled at a fixed
    /// inter-eye distance). Unsourced (OFIQ 0x49 uses a trained forest). Tuned on fixtures: sharp faces
    /// 0.26–0.49, horizontal motion blur 0.15, Gaussian blur 0.04.
    pub min_sharpness: f32,
    /// Largest noise standard deviation on the cheeks (luma levels, Immerkær 1996 estimator at full
    /// resolution). Unsourced; the good fixtures measure ≤ 0.8, the high-ISO fixture 18.
    pub max_noise_sigma: f32,
    /// Largest JPEG blocking ratio over the face (mean luma step across 8-px block edges ÷ inside blocks;
    /// after Wang, Sheikh & Bovik 2002). Unsourced; the good fixtures measure 1.2–1.7, JPEG quality 7
    /// measures 5.3.
    pub max_blockiness: f32,
    /// Lowest 90th-percentile face luma: the lit parts of the face (forehead, nose, cheekbones) are what
    /// exposure sets, for every skin tone. Unsourced; tuned on fixtures: the darkest good face measures 85,
    /// a 3-EV underexposure of a pale face 54. (Yoti's mean-brightness floor of 40, photo-specs.md §7,
    /// misses that underexposure.)
    pub min_face_highlight_luma: f32,
    /// Highest mean face luma. Yoti calls a mean above 215 too bright (photo-specs.md §7).
    pub max_face_luma: f32,
    /// Largest fraction of face pixels at luma ≤ 25 (OFIQ UnderExposurePrevention 0x46 band [0, 25]; OFIQ
    /// scores fractions ≤ 0.5 as Q 100).
    pub max_dark_fraction: f32,
    /// Largest fraction of face pixels at luma ≥ 247 (OFIQ OverExposurePrevention 0x47 band [247, 255];
    /// Q = 1/(x + 0.01): 0.05 → Q 17). The good fixtures measure 0, the +1.8 EV fixture 0.51.
    pub max_bright_fraction: f32,
    /// Lowest ratio of the darker to the brighter cheek zone's mean linear luminance (OFIQ
    /// IlluminationUniformity 0x43 zones). OFIQ publishes no cut-off; 0.5 is one photographic stop. The
    /// good fixtures measure ≥ 0.77, the half-shadowed face 0.11.
    pub min_lighting_balance: f32,
    /// Lowest mean chroma (max − min of R, G, B) over the face, below which the photo counts as black and
    /// white. Yoti uses a greyscale threshold of 20 (photo-specs.md §7), which the darkest good face (17)
    /// would fail; a toned black-and-white photo measures 11, a grey one 0.
    pub min_face_chroma: f32,
    /// Upper b* of the natural-skin box. OFIQ NaturalColour (0x4B) allows b* up to 35, where a tungsten
    /// cast (b* 31) still passes; the good fixtures, dark skin included, stay at b* ≤ 23. Tuned on fixtures.
    pub max_skin_b: f32,
    /// Largest distance of the cheeks' CIELAB (a*, b*) from the natural-skin box a* ∈ [5, 25],
    /// b* ∈ [5, max_skin_b] (OFIQ NaturalColour's native score; OFIQ maps 3 to Q 85).
    pub max_skin_colour_distance: f32,
    /// Largest mean luminance gradient (Scharr magnitude of luma) over the background inside the photo's
    /// crop, at OFIQ's scale (OFIQ BackgroundUniformity 0x42's native score; 30 maps to Q 86). OFIQ gives
    /// no cut-off. Tuned on fixtures: plain studio walls 8–26, textured backgrounds ≥ 29.
    pub max_background_gradient: f32,
    /// Largest standard deviation of background luma inside the crop (a smooth but uneven background:
    /// sky, bokeh, gradients). Unsourced; tuned on fixtures: plain walls 3–10, blurred outdoor scenes ≥ 12.
    pub max_background_spread: f32,
    /// Smallest CIELAB ΔE76 between the clothing and the background colour. The 99号 rules ask for clothes
    /// that contrast clearly (photo-specs.md §1, §9) and publish no number; ΔE 20 is a clearly visible
    /// difference. Unsourced.
    pub min_clothing_contrast_de: f32,
    /// Lowest ratio of the eye zones' linear luminance to the cheeks' (99号: no tinted lenses).
    /// Unsourced; tuned on fixtures: bare eyes and clear glasses 0.25–1.8, dark sunglasses 0.03–0.04.
    pub min_eye_to_cheek_luminance: f32,
}

impl Default for CheckThresholds {
    fn default() -> Self {
        Self {
            max_roll_deg: 8.0,
            max_yaw_deg: 10.0,
            max_pitch_deg: 12.0,
            min_face_score: 0.5,
            min_face_presence: 0.5,
            max_second_face_area_ratio: 0.1,
            max_crop_outside_frac: 0.03,
            max_upscale: 1.0,
            min_eye_openness: 0.22,
            max_mouth_openness: 0.08,
            min_sharpness: 0.2,
            max_noise_sigma: 8.0,
            max_blockiness: 3.0,
            min_face_highlight_luma: 70.0,
            max_face_luma: 215.0,
            max_dark_fraction: 0.5,
            max_bright_fraction: 0.05,
            min_lighting_balance: 0.5,
            min_face_chroma: 12.0,
            max_skin_b: 27.0,
            max_skin_colour_distance: 3.0,
            max_background_gradient: 30.0,
            max_background_spread: 12.0,
            min_clothing_contrast_de: 20.0,
            min_eye_to_cheek_luminance: 0.15,
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
            ("min_face_presence", self.min_face_presence, 0.0, 1.0),
            (
                "max_second_face_area_ratio",
                self.max_second_face_area_ratio,
                0.0,
                1.0,
            ),
            (
                "max_crop_outside_frac",
                self.max_crop_outside_frac,
                0.0,
                1.0,
            ),
            ("max_upscale", self.max_upscale, 0.1, 10.0),
            ("min_eye_openness", self.min_eye_openness, 0.0, 1.0),
            ("max_mouth_openness", self.max_mouth_openness, 0.0, 1.0),
            ("min_sharpness", self.min_sharpness, 0.0, 10.0),
            ("max_noise_sigma", self.max_noise_sigma, 0.0, 255.0),
            ("max_blockiness", self.max_blockiness, 1.0, 100.0),
            (
                "min_face_highlight_luma",
                self.min_face_highlight_luma,
                0.0,
                255.0,
            ),
            ("max_face_luma", self.max_face_luma, 0.0, 255.0),
            ("max_dark_fraction", self.max_dark_fraction, 0.0, 1.0),
            ("max_bright_fraction", self.max_bright_fraction, 0.0, 1.0),
            ("min_lighting_balance", self.min_lighting_balance, 0.0, 1.0),
            ("min_face_chroma", self.min_face_chroma, 0.0, 255.0),
            ("max_skin_b", self.max_skin_b, 5.0, 100.0),
            (
                "max_skin_colour_distance",
                self.max_skin_colour_distance,
                0.0,
                200.0,
            ),
            (
                "max_background_gradient",
                self.max_background_gradient,
                0.0,
                1000.0,
            ),
            (
                "max_background_spread",
                self.max_background_spread,
                0.0,
                255.0,
            ),
            (
                "min_clothing_contrast_de",
                self.min_clothing_contrast_de,
                0.0,
                200.0,
            ),
            (
                "min_eye_to_cheek_luminance",
                self.min_eye_to_cheek_luminance,
                0.0,
                1.0,
            ),
        ];
        for (key, value, min, max) in fields {
            if !(value >= min && value <= max) {
                problems.push(format!(
                    "{key}: must be between {min} and {max}, got {value}"
                ));
            }
        }
        if self.min_face_highlight_luma >= self.max_face_luma {
            problems.push("min_face_highlight_luma: must be below max_face_luma".to_owned());
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
        assert!((limits.pitch_deg - 12.0).abs() < f32::EPSILON);
    }

    #[test]
    fn out_of_range_values_are_reported() {
        let thresholds = CheckThresholds {
            max_roll_deg: -1.0,
            min_face_highlight_luma: 220.0,
            ..CheckThresholds::default()
        };
        let problems = thresholds.problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
