//! Background replacement: everything that is not the person becomes the chosen colour, with soft edges
//! from the refined mask and edge colours decontaminated so hair and shoulders carry no spill of the old
//! background.
//!
//! Owns compositing and mask statistics in photo pixels. The mask itself comes from `vision`.
//!
//! Decontamination (foreground colours along the soft edge) is [`super::fusion`].

use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::core::face::PersonMask;
use crate::core::spec::Rgb8;

use super::failure::StandardizeError;
use super::fusion::{Coverage, coverage, soft_edge_foreground};

/// Statistics of the photo-space mask, kept with the record.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MaskStats {
    /// Fraction of photo pixels that are person (alpha ≥ 128).
    pub person_fraction: f32,
    /// Fraction of photo pixels on a soft edge (0 < alpha < 255).
    pub soft_fraction: f32,
    /// Mean alpha, 0..1.
    pub mean_alpha: f32,
}

impl MaskStats {
    pub fn of(mask: &PersonMask) -> Self {
        let total = mask.alpha.len().max(1) as f32;
        let person = mask.alpha.iter().filter(|&&a| a >= 128).count() as f32;
        let soft = mask.alpha.iter().filter(|&&a| a > 0 && a < 255).count() as f32;
        let sum: u64 = mask.alpha.iter().map(|&a| u64::from(a)).sum();
        Self {
            person_fraction: person / total,
            soft_fraction: soft / total,
            mean_alpha: sum as f32 / 255.0 / total,
        }
    }
}

/// Removes one-pixel outliers from a mask: isolated specks and one-pixel-wide lines whose alpha lies
/// outside the range of both its neighbours along a row or a column. A guided filter leaves such
/// outliers where its guide is flat (its local variance cancels to ~0). A pixel on a real edge lies
/// between its neighbours along both axes and passes unchanged; an outlier is clamped into the range of
/// the axis along which it is the stronger outlier.
pub fn despeckle_mask(mask: &PersonMask) -> PersonMask {
    let (w, h) = (mask.width as usize, mask.height as usize);
    let mut out = mask.clone();
    if w < 3 || h < 3 || mask.alpha.len() != w * h {
        return out;
    }
    let a = &mask.alpha;
    let outside = |value: u8, p: u8, q: u8| {
        let (low, high) = (p.min(q), p.max(q));
        (
            low.saturating_sub(value).max(value.saturating_sub(high)),
            low,
            high,
        )
    };
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let i = y * w + x;
            let value = a[i];
            let (vertical, v_low, v_high) = outside(value, a[i - w], a[i + w]);
            let (horizontal, h_low, h_high) = outside(value, a[i - 1], a[i + 1]);
            if vertical == 0 && horizontal == 0 {
                continue;
            }
            out.alpha[i] = if vertical >= horizontal {
                value.clamp(v_low, v_high)
            } else {
                value.clamp(h_low, h_high)
            };
        }
    }
    out
}

/// The photo with everything outside the person replaced by `background`.
pub fn replace_background(
    photo: &RgbImage,
    mask: &PersonMask,
    background: Rgb8,
) -> Result<RgbImage, StandardizeError> {
    let (width, height) = photo.dimensions();
    if mask.width != width || mask.height != height || mask.alpha.len() != (width * height) as usize
    {
        return Err(StandardizeError::InvalidInput(format!(
            "mask {}x{} does not match photo {width}x{height}",
            mask.width, mask.height
        )));
    }
    let foreground =
        soft_edge_foreground(photo.as_raw(), &mask.alpha, width as usize, height as usize);
    let target = background.to_array().map(|c| f32::from(c) / 255.0);
    let mut out = RgbImage::new(width, height);
    for (i, (pixel, source)) in out.pixels_mut().zip(photo.pixels()).enumerate() {
        let alpha = mask.alpha[i];
        pixel.0 = match coverage(alpha) {
            Coverage::Opaque => source.0,
            Coverage::Clear => background.to_array(),
            Coverage::Soft => {
                let a = f32::from(alpha) / 255.0;
                let f = foreground.get(i).unwrap_or([0.0; 3]);
                [0, 1, 2].map(|c| to_byte(a * f[c] + (1.0 - a) * target[c]))
            }
        };
    }
    Ok(out)
}

/// A 0..1 value as a byte, rounded half away from zero.
fn to_byte(value: f32) -> u8 {
    (value * 255.0 + 0.5).clamp(0.0, 255.0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A person (dark red square) over a green background, with a soft 8-px ramp of alpha at the edge
    /// whose pixels mix the two colours exactly as a camera would.
    fn mixed_edge_scene() -> (RgbImage, PersonMask) {
        let (w, h) = (120_u32, 80_u32);
        let person = [150.0_f32, 40.0, 40.0];
        let old_background = [40.0_f32, 200.0, 60.0];
        let mut mask = PersonMask::filled(w, h, 0);
        let photo = RgbImage::from_fn(w, h, |x, _| {
            let a = ((x as f32 - 56.0) / 8.0).clamp(0.0, 1.0);
            let mix = |c: usize| (a * person[c] + (1.0 - a) * old_background[c]).round() as u8;
            image::Rgb([mix(0), mix(1), mix(2)])
        });
        for y in 0..h {
            for x in 0..w {
                let a = ((x as f32 - 56.0) / 8.0).clamp(0.0, 1.0);
                mask.alpha[(y * w + x) as usize] = (a * 255.0).round() as u8;
            }
        }
        (photo, mask)
    }

    #[test]
    fn background_becomes_the_chosen_colour_and_person_is_untouched() {
        let (photo, mask) = mixed_edge_scene();
        let out = replace_background(&photo, &mask, Rgb8::WHITE).unwrap();
        assert_eq!(out.get_pixel(5, 40).0, [255, 255, 255]);
        assert_eq!(out.get_pixel(110, 40).0, photo.get_pixel(110, 40).0);
    }

    #[test]
    fn edge_pixels_carry_no_green_spill() {
        let (photo, mask) = mixed_edge_scene();
        let out = replace_background(&photo, &mask, Rgb8::WHITE).unwrap();
        // At alpha ≈ 0.5 the ideal result is half person red, half white: (202, 147, 147). Naive blending
        // of the observed pixel would keep the green of the old background: G > R.
        let p = out.get_pixel(60, 40);
        let ideal = [202.0_f32, 147.0, 147.0];
        for c in 0..3 {
            assert!(
                (f32::from(p[c]) - ideal[c]).abs() < 12.0,
                "{p:?} vs {ideal:?}"
            );
        }
        let naive_green = 0.5 * 120.0 + 0.5 * 255.0;
        assert!(
            f32::from(p[1]) < naive_green - 20.0,
            "green spill remains: {p:?}"
        );
    }

    #[test]
    fn despeckle_removes_specks_and_one_pixel_lines_but_keeps_edges() {
        let mut mask = PersonMask::filled(20, 20, 0);
        for y in 0..20 {
            for x in 10..20 {
                mask.alpha[y * 20 + x] = 255;
            }
        }
        mask.alpha[5 * 20 + 3] = 200; // speck in the background
        for x in 12..18 {
            mask.alpha[8 * 20 + x] = 0; // one-pixel dark line inside the person
        }
        let clean = despeckle_mask(&mask);
        assert_eq!(clean.get(3, 5), 0);
        for x in 12..18 {
            assert_eq!(clean.get(x, 8), 255);
        }
        // The vertical edge between x = 9 and x = 10 is untouched.
        for y in 1..19 {
            assert_eq!(clean.get(9, y), 0);
            assert_eq!(clean.get(10, y), 255);
        }
    }

    #[test]
    fn mask_of_the_wrong_size_is_rejected() {
        let photo = RgbImage::new(10, 10);
        let mask = PersonMask::filled(5, 5, 0);
        assert!(replace_background(&photo, &mask, Rgb8::WHITE).is_err());
    }

    #[test]
    fn mask_statistics_count_person_and_edge() {
        let (_, mask) = mixed_edge_scene();
        let stats = MaskStats::of(&mask);
        // Columns 60..120 are person (alpha ≥ 128 from x = 60 on), 57..63 are soft.
        assert!(
            (stats.person_fraction - 60.0 / 120.0).abs() < 0.02,
            "{stats:?}"
        );
        assert!(
            (stats.soft_fraction - 7.0 / 120.0).abs() < 0.02,
            "{stats:?}"
        );
    }
}
