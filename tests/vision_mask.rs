//! Person masks: agreement with MediaPipe's own segmentation (reference/*.mask.png and the person
//! fraction in reference/*.json), sharper edges than the plain upsampled mask, and the crop variant
//! matching the full-resolution mask.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on broken fixtures (house style)

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
    sums.iter()
        .zip(&counts)
        .map(|(s, c)| s / c.max(1.0))
        .collect()
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
        eprintln!(
            "{file}: agreement {agreement:.4}, fraction {fraction:.4} vs {reference_fraction:.4}"
        );
        assert!(
            agreement >= 0.97,
            "{file}: only {agreement:.3} of pixels agree"
        );
        assert!(
            (fraction - reference_fraction).abs() <= 0.02,
            "{file}: fraction {fraction}"
        );
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
    let band: Vec<bool> = coarse
        .alpha
        .iter()
        .map(|a| (13..=242).contains(a))
        .collect();
    let before = soft_edge_fraction(&coarse, &band);
    let after = soft_edge_fraction(&refined, &band);
    eprintln!("soft edge: coarse {before:.3}, refined {after:.3}");
    // Not all the way to a hard edge: flyaway strands outside the coarse mask stay partly
    // transparent by design (the refiner's gain ceiling).
    assert!(
        after < before * 0.8,
        "refined soft edge {after:.3} vs coarse {before:.3}"
    );
    // Far from the silhouette both agree.
    let far_disagree = coarse
        .alpha
        .iter()
        .zip(&refined.alpha)
        .zip(&band)
        .filter(|((c, r), in_band)| !**in_band && (**c > 127) != (**r > 127))
        .count();
    assert!(
        far_disagree < (width * height / 500) as usize,
        "{far_disagree} pixels flipped"
    );
}

/// Rows above the brows of a London-set photo (a quarter of the inter-pupil distance above the
/// pupils): only hair, forehead and the plain grey backdrop, no ears or enclosed gaps.
fn rows_above_brows(file: &str) -> u32 {
    let text = std::fs::read_to_string(fixtures().join("faces/landmarks.tsv")).unwrap();
    let line = text.lines().find(|line| line.starts_with(file)).unwrap();
    let p: Vec<f32> = line
        .split('\t')
        .skip(1)
        .map(|v| v.parse().unwrap())
        .collect();
    let inter_pupil = (p[2] - p[0]).hypot(p[3] - p[1]);
    (p[1].min(p[3]) - inter_pupil / 4.0) as u32
}

#[test]
fn refined_mask_keeps_hair_and_drops_the_backdrop_halo() {
    let mut vision = vision();
    for file in ["good_london_001_neutral.jpg", "good_london_069_neutral.jpg"] {
        let img = load(file);
        let segmentation = vision.segment(&img).unwrap();
        let mask = vision.person_mask(&img).unwrap();
        let (mut backdrop, mut coarse_halo, mut refined_halo) = (0, 0, 0);
        let (mut dark, mut dark_lost) = (0, 0);
        for y in 0..rows_above_brows(file) {
            // The backdrop's colour on this row, from the image's left margin.
            let reference = img.get_pixel(20, y).0;
            for x in 0..img.width() {
                let pixel = img.get_pixel(x, y).0;
                let coarse = segmentation.probability_at(x as f32 + 0.5, y as f32 + 0.5);
                let refined = mask.get(x, y);
                let distance: i32 = pixel
                    .iter()
                    .zip(reference)
                    .map(|(&a, b)| (i32::from(a) - i32::from(b)).abs())
                    .sum();
                if distance <= 15 && coarse > 0.02 {
                    backdrop += 1;
                    coarse_halo += usize::from(coarse > 0.5);
                    refined_halo += usize::from(refined > 127);
                }
                let luma: i32 = pixel.iter().map(|&v| i32::from(v)).sum();
                if luma < 200 && coarse > 0.05 {
                    dark += 1;
                    dark_lost += usize::from(refined <= 127);
                }
            }
        }
        eprintln!(
            "{file}: backdrop pixels kept as person {coarse_halo} -> {refined_halo} of {backdrop}; \
             dark hair pixels lost {dark_lost} of {dark}"
        );
        assert!(
            refined_halo * 4 < coarse_halo,
            "{file}: halo {coarse_halo} -> {refined_halo}"
        );
        assert!(
            (refined_halo as f32) < 0.03 * backdrop as f32,
            "{file}: halo {refined_halo}"
        );
        assert!(
            (dark_lost as f32) < 0.005 * dark as f32,
            "{file}: lost {dark_lost} of {dark}"
        );
    }
}

#[test]
fn busy_background_does_not_change_the_person() {
    // These fixtures are London-set photos with the backdrop replaced by a forest and a road.
    let mut vision = vision();
    for (busy, plain) in [
        (
            "derived/bad_busy_bg_forest_london_045.jpg",
            "good_london_045_neutral.jpg",
        ),
        (
            "derived/bad_busy_bg_autumn_road_london_129.jpg",
            "good_london_129_neutral.jpg",
        ),
    ] {
        let on_busy = vision.person_mask(&load(busy)).unwrap();
        let on_plain = vision.person_mask(&load(plain)).unwrap();
        let agree = on_busy
            .alpha
            .iter()
            .zip(&on_plain.alpha)
            .filter(|(a, b)| (**a > 127) == (**b > 127))
            .count();
        let agreement = agree as f32 / on_busy.alpha.len() as f32;
        eprintln!("{busy}: agreement with the plain original {agreement:.4}");
        assert!(agreement >= 0.985, "{busy}: {agreement:.4}");
    }
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
    assert!(
        fraction < 0.01,
        "{fraction:.4} of the crop disagrees with the full mask"
    );
    // A crop reaching past the bottom edge repeats the last rows (shoulders continue).
    let beyond = vision
        .person_mask_in(
            &img,
            Rect::new(300.0, 900.0, 760.0, 900.0),
            SizePx::new(190, 225),
        )
        .unwrap();
    let last_inside_row = (450.0 / 900.0 * 225.0) as u32 - 2;
    assert_eq!(
        beyond.get(95, last_inside_row) > 127,
        beyond.get(95, 224) > 127
    );
}

#[test]
fn mask_requests_are_validated() {
    let img = load("good_london_045_neutral.jpg");
    let mut vision = vision();
    assert!(
        vision
            .person_mask_in(&img, Rect::new(0.0, 0.0, 0.0, 10.0), SizePx::new(10, 10))
            .is_err()
    );
    assert!(
        vision
            .person_mask_in(&img, Rect::new(0.0, 0.0, 10.0, 10.0), SizePx::new(0, 10))
            .is_err()
    );
    assert!(
        vision
            .person_mask_in(
                &img,
                Rect::new(f32::NAN, 0.0, 10.0, 10.0),
                SizePx::new(10, 10)
            )
            .is_err()
    );
    let segmentation = vision.segment(&img).unwrap();
    let other = load("good_london_001_neutral.jpg");
    let small = image::imageops::thumbnail(&other, 100, 100);
    assert!(
        vision
            .refine_mask(
                &small,
                &segmentation,
                Rect::new(0.0, 0.0, 50.0, 50.0),
                SizePx::new(50, 50)
            )
            .is_err()
    );
}
