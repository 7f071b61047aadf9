//! Colour arithmetic for the self-check: sRGB (8 bit) to CIELAB (D65) and the CIE 1976 colour difference.
//!
//! Owns only conversions; thresholds live with the code that uses them.

use crate::core::spec::Rgb8;

/// CIELAB coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lab {
    pub l: f32,
    pub a: f32,
    pub b: f32,
}

/// D65 reference white in XYZ (IEC 61966-2-1 sRGB white point).
const WHITE_X: f32 = 0.950_47;
const WHITE_Y: f32 = 1.0;
const WHITE_Z: f32 = 1.088_83;
/// CIE constants: ε = (6/29)³ and κ-based linear segment of f(t).
const LAB_EPSILON: f32 = 216.0 / 24_389.0;
const LAB_KAPPA: f32 = 24_389.0 / 27.0;

/// sRGB channel (0..=255) to linear light (IEC 61966-2-1).
pub fn srgb_to_linear(channel: u8) -> f32 {
    let c = f32::from(channel) / 255.0;
    if c <= 0.040_45 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

#[allow(clippy::many_single_char_names)] // r, g, b, x, y, z, f: the names of the CIE formulas
pub fn srgb_to_lab(rgb: Rgb8) -> Lab {
    let (r, g, b) = (
        srgb_to_linear(rgb.r),
        srgb_to_linear(rgb.g),
        srgb_to_linear(rgb.b),
    );
    // sRGB → XYZ (D65), IEC 61966-2-1 matrix.
    let x = 0.412_456_4 * r + 0.357_576_1 * g + 0.180_437_5 * b;
    let y = 0.212_672_9 * r + 0.715_152_2 * g + 0.072_175 * b;
    let z = 0.019_333_9 * r + 0.119_192 * g + 0.950_304_1 * b;
    let f = |t: f32| {
        if t > LAB_EPSILON {
            t.cbrt()
        } else {
            (LAB_KAPPA * t + 16.0) / 116.0
        }
    };
    let (fx, fy, fz) = (f(x / WHITE_X), f(y / WHITE_Y), f(z / WHITE_Z));
    Lab {
        l: 116.0 * fy - 16.0,
        a: 500.0 * (fx - fy),
        b: 200.0 * (fy - fz),
    }
}

/// CIE 1976 ΔE*ab.
pub fn delta_e76(p: Lab, q: Lab) -> f32 {
    ((p.l - q.l).powi(2) + (p.a - q.a).powi(2) + (p.b - q.b).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_and_black_have_the_textbook_lab() {
        let white = srgb_to_lab(Rgb8::WHITE);
        assert!(
            (white.l - 100.0).abs() < 0.01 && white.a.abs() < 0.01 && white.b.abs() < 0.01,
            "{white:?}"
        );
        let black = srgb_to_lab(Rgb8::new(0, 0, 0));
        assert!(black.l.abs() < 0.01);
    }

    #[test]
    fn chsi_blue_matches_a_reference_conversion() {
        // #64C5FF → L* 75.98, a* −11.85, b* −37.06 (the IEC 61966-2-1 / CIE formulas evaluated
        // independently in double precision).
        let lab = srgb_to_lab(Rgb8::CHSI_BLUE);
        assert!((lab.l - 75.98).abs() < 0.05, "{lab:?}");
        assert!((lab.a + 11.85).abs() < 0.05, "{lab:?}");
        assert!((lab.b + 37.06).abs() < 0.05, "{lab:?}");
        assert!(delta_e76(lab, lab).abs() < 1e-6);
    }
}
