//! Person masks: agreement with MediaPipe's own segmentation (reference/*.mask.png and the person
//! fraction in reference/*.json), sharper edges than the plain upsampled mask, and the crop variant
//! matching the full-resolution mask.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use idbooth::core::face::PersonMask;
use idbooth::core::geometry::{Rect, SizePx};
use idbooth::vision::{self, Vision};
use image::{GrayImage, RgbImage};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn vision() -> MutexGuard<'static, Vision> {
    static VISION: OnceLock<Mutex<Vision>> = OnceLock::new();
    VISION
        .get_or_init(|| Mutex::new(Vision::load_default().expect("models load")))
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

fn load(name: &str) -> RgbImage {
    vision::load_image(&fixtures().join("faces").join(name)).unwrap()
}

/// The mask shrunk to `width` x `height` by averaging (box filter), as probabilities in [0, 1].
fn shrink(mask: &PersonMask, width: u32, height: u32) -> Vec<f32> {
    let mut sums = vec![0.0f32; (width * height) as usize];
    let mut counts = vec![0.0f32; (width * height) as usize];
    for y in 0..mask.height {
        for x in 0..mask.width {
            let cell = ((y * height / mask.height) * width + x * width / mask.width) as usize;
            sums[cell] += f32::from(mask.get(x, y)) / 255.0;
            counts[cell] += 1.0;
        }
    }
    sums.iter().zip(&counts).map(|(s, c)| s / c.max(1.0)).collect()
}

#[test]
fn masks_agree_with_mediapipe_reference() {
    for entry in std::fs::read_dir(fixtures().join("reference")).unwrap() {
        let path = entry.unwrap().path();
        if !path.to_string_lossy().ends_with(".mask.png") {
            continue;
        }
        let json_path = PathBuf::from(path.to_string_lossy().replace(".mask.png", ".json"));
        let reference: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(json_path).unwrap()).unwrap();
        let file = reference["file"].as_str().unwrap();
        let expected: GrayImage = image::open(&path).unwrap().into_luma8();
        let img = load(file);
        let mask = vision().person_mask(&img).unwrap();
        assert_eq!((mask.width, mask.height), img.dimensions());
        let ours = shrink(&mask, expected.width(), expected.height());
        let agree = ours
            .iter()
            .zip(expected.pixels())
            .filter(|(ours, theirs)| (**ours > 0.5) == (theirs[0] > 127))
            .count();
        let agreement = agree as f32 / ours.len() as f32;
        let fraction = mask.person_fraction();
        let reference_fraction = reference["person_fraction"].as_f64().unwrap() as f32;
        eprintln!("{file}: agreement {agreement:.4}, fraction {fraction:.4} vs {reference_fraction:.4}");
        assert!(agreement >= 0.97, "{file}: only {agreement:.3} of pixels agree");
        assert!((fraction - reference_fraction).abs() <= 0.02, "{file}: fraction {fraction}");
    }
}

/// Fraction of the pixels near the silhouette whose alpha is neither clearly person nor clearly
/// background: the width of the soft edge.
fn soft_edge_fraction(mask: &PersonMask, band: &[bool]) -> f32 {
    let soft = mask
        .alpha
        .iter()
        .zip(band)
        .filter(|(alpha, in_band)| **in_band && (26..=229).contains(*alpha))
        .count();
    soft as f32 / band.iter().filter(|b| **b).count().max(1) as f32
}

#[test]
fn refinement_sharpens_the_silhouette_on_a_plain_background() {
    let img = load("good_london_001_neutral.jpg");
    let mut vision = vision();
    let segmentation = vision.segment(&img).unwrap();
    // The coarse mask, merely upsampled.
    let (width, height) = img.dimensions();
    let coarse = PersonMask {
        width,
        height,
        alpha: (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .map(|(x, y)| {
                let p = segmentation.probability_at(x as f32 + 0.5, y as f32 + 0.5);
                (p.clamp(0.0, 1.0) * 255.0).round() as u8
            })
            .collect(),
    };
    let refined = vision.person_mask(&img).unwrap();
    // The band where the coarse mask is uncertain.
    let band: Vec<bool> = coarse.alpha.iter().map(|a| (13..=242).contains(a)).collect();
    let before = soft_edge_fraction(&coarse, &band);
    let after = soft_edge_fraction(&refined, &band);
    eprintln!("soft edge: coarse {before:.3}, refined {after:.3}");
    assert!(after < before * 0.6, "refined soft edge {after:.3} vs coarse {before:.3}");
    // Far from the silhouette both agree.
    let far_disagree = coarse
        .alpha
        .iter()
        .zip(&refined.alpha)
        .zip(&band)
        .filter(|((c, r), in_band)| !**in_band && (**c > 127) != (**r > 127))
        .count();
    assert!(far_disagree < (width * height / 500) as usize, "{far_disagree} pixels flipped");
}

#[test]
fn refined_mask_leaves_no_halo_of_background_colour() {
    // The backdrop is plain light grey: pixels of that colour must not be counted as person.
    let img = load("good_london_001_neutral.jpg");
    let mask = vision().person_mask(&img).unwrap();
    let backdrop = img.get_pixel(40, 40).0;
    let mut near_backdrop_person = 0;
    let mut near_backdrop = 0;
    for (pixel, alpha) in img.pixels().zip(&mask.alpha) {
        let distance: i32 = pixel.0.iter().zip(backdrop).map(|(&a, b)| (i32::from(a) - i32::from(b)).abs()).sum();
        if distance <= 12 {
            near_backdrop += 1;
            if *alpha > 127 {
                near_backdrop_person += 1;
            }
        }
    }
    let fraction = near_backdrop_person as f32 / near_backdrop as f32;
    eprintln!("backdrop-coloured pixels kept as person: {fraction:.4}");
    assert!(fraction < 0.01, "{fraction:.4} of backdrop-coloured pixels are in the mask");
}

#[test]
fn crop_mask_matches_the_full_mask_inside_the_crop() {
    let img = load("good_london_045_neutral.jpg");
    let mut vision = vision();
    let full = vision.person_mask(&img).unwrap();
    // The standardizer's kind of request: a portrait crop around the head, at half resolution.
    let crop = Rect::new(300.0, 250.0, 760.0, 1000.0);
    let out = SizePx::new(380, 500);
    let cropped = vision.person_mask_in(&img, crop, out).unwrap();
    assert_eq!((cropped.width, cropped.height), (380, 500));
    let mut disagree = 0;
    for y in 0..out.height {
        for x in 0..out.width {
            let full_alpha = full.get(300 + x * 2, 250 + y * 2);
            if (full_alpha > 127) != (cropped.get(x, y) > 127) {
                disagree += 1;
            }
        }
    }
    let fraction = disagree as f32 / out.pixels() as f32;
    assert!(fraction < 0.01, "{fraction:.4} of the crop disagrees with the full mask");
    // A crop reaching past the bottom edge repeats the last rows (shoulders continue).
    let beyond = vision
        .person_mask_in(&img, Rect::new(300.0, 900.0, 760.0, 900.0), SizePx::new(190, 225))
        .unwrap();
    let last_inside_row = (450.0 / 900.0 * 225.0) as u32 - 2;
    assert_eq!(beyond.get(95, last_inside_row) > 127, beyond.get(95, 224) > 127);
}

#[test]
fn mask_requests_are_validated() {
    let img = load("good_london_045_neutral.jpg");
    let mut vision = vision();
    assert!(vision.person_mask_in(&img, Rect::new(0.0, 0.0, 0.0, 10.0), SizePx::new(10, 10)).is_err());
    assert!(vision.person_mask_in(&img, Rect::new(0.0, 0.0, 10.0, 10.0), SizePx::new(0, 10)).is_err());
    assert!(vision
        .person_mask_in(&img, Rect::new(f32::NAN, 0.0, 10.0, 10.0), SizePx::new(10, 10))
        .is_err());
    let segmentation = vision.segment(&img).unwrap();
    let other = load("good_london_001_neutral.jpg");
    let small = image::imageops::thumbnail(&other, 100, 100);
    assert!(vision
        .refine_mask(&small, &segmentation, Rect::new(0.0, 0.0, 50.0, 50.0), SizePx::new(50, 50))
        .is_err());
}
