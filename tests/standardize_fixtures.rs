//! Standardization of real photos (tests/fixtures/faces, see MANIFEST.tsv) with the real models: for
//! chsi, id_card and campus_card every photo must have the exact size and dpi, every band inside (as
//! re-measured by a fresh analysis of the encoded photo), a file inside the byte window and a uniform
//! background — or fail with the reason its capture really has. Also: the big-hair hard case, no halo
//! after replacing a busy background, and byte-for-byte determinism.

use std::path::{Path, PathBuf};

use idbooth::core::checks::{CheckCode, CheckThresholds};
use idbooth::core::spec::{PhotoSpec, Rgb8, builtin_profiles};
use idbooth::core::standardize::{
    self, StandardizeFailure, StandardizeSettings, StandardizedPhoto, band_values, delta_e76,
    srgb_to_lab,
};
use idbooth::pipeline;
use idbooth::standardizer;
use idbooth::vision::{self, Vision};
use sha2::{Digest, Sha256};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/faces").join(name)
}

fn load_vision() -> Vision {
    Vision::load(&root().join("assets/models"))
        .unwrap_or_else(|error| panic!("models load: {error}"))
}

fn profile(name: &str) -> PhotoSpec {
    builtin_profiles()
        .into_iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no profile {name}"))
}

/// Every `good_id_photo` row of MANIFEST.tsv.
fn good_fixtures() -> Vec<String> {
    let manifest = std::fs::read_to_string(fixture("MANIFEST.tsv"))
        .unwrap_or_else(|error| panic!("manifest: {error}"));
    manifest
        .lines()
        .skip(1)
        .filter_map(|line| {
            let columns: Vec<&str> = line.split('\t').collect();
            (columns.last() == Some(&"good_id_photo")).then(|| columns[0].to_owned())
        })
        .collect()
}

/// Photos with a busy background whose pose allows a compliant photo once the background is replaced.
const BUSY_BACKGROUND: [&str; 4] = [
    "derived/bad_busy_bg_forest_london_045.jpg",
    "derived/bad_busy_bg_autumn_road_london_129.jpg",
    "bad_zoom_60cm_door_bg.jpg",
    "bad_interfaces_001_outdoor_bg.jpg",
];

/// What a capture must give for a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A compliant photo.
    Pass,
    /// No compliant photo, for this reason (the capture really has it).
    Fail(&'static str),
    /// Either: the outcome hinges on a segmentation error, and the self-check must catch it.
    PassOrFail(&'static str),
}

/// The captures that cannot give a compliant photo for a profile, and why:
/// - good_london_001 (chsi, id_card): the hair bun reaches (almost) to the capture's top edge, so the
///   crown band's headroom is not in the frame.
/// - good_london_025 (chsi): tall hair puts 495 px between crown and eyes; the crown and eye-line bands
///   then need a scale ≤ 0.505, at which the 3:4 frame reaches 20 px below the capture.
/// - bad_interfaces_001 (chsi): the head is so near the top that 50 px of headroom is not there.
fn expectation(profile: &str, file: &str) -> Expect {
    match (profile, file) {
        // The crop leaves the capture, or (when the mask finds the bun's top just inside the frame) the
        // photo's crown cannot get its headroom.
        // campus_card has no crown band (only a soft headroom target), so the bun may sit near the top.
        ("campus_card", "good_london_001_neutral.jpg") => Expect::PassOrFail("face_cut_off"),
        (_, "good_london_001_neutral.jpg") => Expect::Fail("face_cut_off|out_of_band"),
        ("chsi", "good_london_025_neutral.jpg" | "bad_interfaces_001_outdoor_bg.jpg") => {
            Expect::Fail("face_cut_off")
        }
        _ => Expect::Pass,
    }
}

/// Mean and 99th-percentile ΔE76 to `target` over the background pixels (alpha 0) of the left and
/// right 12-px strips of the top third.
fn border_delta_e(photo: &StandardizedPhoto, target: Rgb8) -> (f32, f32) {
    let target = srgb_to_lab(target);
    let (w, h) = photo.pixels.dimensions();
    let mut values: Vec<f32> = (0..h / 3)
        .flat_map(|y| (0..12).chain(w - 12..w).map(move |x| (x, y)))
        .filter(|&(x, y)| photo.mask.get(x, y) == 0)
        .map(|(x, y)| {
            let p = photo.pixels.get_pixel(x, y);
            delta_e76(srgb_to_lab(Rgb8::new(p[0], p[1], p[2])), target)
        })
        .collect();
    assert!(
        values.len() > 100,
        "background strips of {} px",
        values.len()
    );
    values.sort_by(f32::total_cmp);
    let mean = values.iter().sum::<f32>() / values.len() as f32;
    (mean, values[values.len() * 99 / 100])
}

/// Size, dpi, bands (from the re-analysis), byte window and background of a finished photo.
fn assert_compliant(file: &str, photo: &StandardizedPhoto, spec: &PhotoSpec, background: Rgb8) {
    let check = &photo.record.check;
    assert!(
        check.failures.is_empty(),
        "{file} {}: {:?}",
        spec.name,
        check.failures
    );
    assert_eq!(
        photo.pixels.dimensions(),
        (spec.width_px, spec.height_px),
        "{file}"
    );
    for (measure, band, value) in band_values(&check.geometry, spec) {
        assert!(
            band.contains(value),
            "{file} {}: {measure} {value} outside {band}",
            spec.name
        );
    }
    let bytes = &photo.encoded.bytes;
    assert_eq!(&bytes[..2], [0xFF, 0xD8], "{file}: JPEG");
    assert_eq!(&bytes[6..11], b"JFIF\0", "{file}: JFIF");
    assert_eq!(bytes[13], 1, "{file}: dpi unit");
    assert_eq!(
        u32::from(u16::from_be_bytes([bytes[14], bytes[15]])),
        spec.dpi,
        "{file}: x density"
    );
    assert_eq!(
        u32::from(u16::from_be_bytes([bytes[16], bytes[17]])),
        spec.dpi,
        "{file}: y density"
    );
    let quality = photo.encoded.jpeg_quality.unwrap_or(0);
    assert!(
        (spec.jpeg.quality_min..=spec.jpeg.quality_max).contains(&quality),
        "{file}: q{quality}"
    );
    if let Some(window) = spec.jpeg.bytes {
        assert!(
            window.contains(bytes.len() as u64),
            "{file} {}: {} bytes",
            spec.name,
            bytes.len()
        );
    }
    let (mean, p99) = border_delta_e(photo, background);
    assert!(
        mean < 1.0 && p99 < 3.0,
        "{file} {}: background ΔE mean {mean} p99 {p99}",
        spec.name
    );
    let delta = check.background_delta_e.unwrap_or(f32::MAX);
    assert!(
        delta < StandardizeSettings::default().background_delta_e_max,
        "{file}: {delta}"
    );
    assert_flat_background(file, photo, spec, background);
}

/// Largest ΔE76 from the chosen colour any pixel of a replaced flat background may show: JPEG keeps
/// a flat colour within about 1 (the mean is 0.0–0.2 on these photos), while a speck or a streak of
/// the old background or of hair is tens of units away.
const FLAT_BACKGROUND_MAX_DELTA_E: f32 = 4.0;
/// Rows this far (fraction of the face width) above the crown are background across the whole width:
/// the crown is the 5th percentile of the hair-top columns, so a few strands may reach a little higher.
const ABOVE_CROWN_MARGIN_FRAC: f32 = 0.15;
/// Left and right of the head, from the top down to the eye line, pixels farther than this (face
/// widths) from the eye midpoint are background too: loose curls reach about 0.95 face widths from
/// the midline (London 001). On tight profiles (id_card) no such strip exists.
const SIDE_CLEAR_FACE_WIDTHS: f32 = 1.1;

/// No specks, streaks or blotches on the replaced background: every pixel of the band above the
/// crown and of the strips beside the head (above the eye line) is the chosen colour, whatever the
/// mask says.
fn assert_flat_background(file: &str, photo: &StandardizedPhoto, spec: &PhotoSpec, bg: Rgb8) {
    let geometry = &photo.record.check.geometry;
    let target = srgb_to_lab(bg);
    let (w, h) = photo.pixels.dimensions();
    let top_rows = (geometry.crown_px - ABOVE_CROWN_MARGIN_FRAC * geometry.face_width_px).max(0.0);
    let clear = SIDE_CLEAR_FACE_WIDTHS * geometry.face_width_px;
    let left_strip = (geometry.eye_mid_x_px - clear).max(0.0);
    let right_strip = geometry.eye_mid_x_px + clear;
    let eye_line = geometry.eye_line_px.clamp(0.0, h as f32) as u32;
    let mut worst = (0.0_f32, 0, 0);
    for y in 0..eye_line {
        for x in 0..w {
            let column = x as f32 + 0.5;
            let in_band = (y as f32) < top_rows || column < left_strip || column > right_strip;
            if !in_band {
                continue;
            }
            let p = photo.pixels.get_pixel(x, y);
            let delta = delta_e76(srgb_to_lab(Rgb8::new(p[0], p[1], p[2])), target);
            if delta > worst.0 {
                worst = (delta, x, y);
            }
        }
    }
    assert!(
        worst.0 <= FLAT_BACKGROUND_MAX_DELTA_E,
        "{file} {}: background pixel ({}, {}) is ΔE {} from the chosen colour (speck or streak)",
        spec.name,
        worst.1,
        worst.2,
        worst.0
    );
}

#[test]
fn good_and_busy_background_photos_meet_chsi_id_card_and_campus_card() {
    let mut vision = load_vision();
    let settings = StandardizeSettings::default();
    let profiles = [profile("chsi"), profile("id_card"), profile("campus_card")];
    let mut files = good_fixtures();
    assert_eq!(files.len(), 18, "manifest lists 18 good photos");
    files.extend(BUSY_BACKGROUND.iter().map(|f| (*f).to_owned()));
    let mut compliant = 0;
    for file in &files {
        let capture = vision::load_image(&fixture(file)).expect("fixture decodes");
        let seen = standardizer::analyze_capture(&mut vision, &capture).expect("analysis");
        for spec in &profiles {
            let result = standardizer::standardize_analyzed(
                &mut vision,
                &capture,
                &seen,
                spec,
                spec.background,
                &settings,
            );
            let name = Path::new(file)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or(file);
            let expect = expectation(&spec.name, name);
            let codes: Vec<&str> = match &result {
                Ok(photo) => photo
                    .record
                    .check
                    .failures
                    .iter()
                    .map(StandardizeFailure::code)
                    .collect(),
                Err(error) => error
                    .failures()
                    .iter()
                    .map(StandardizeFailure::code)
                    .collect(),
            };
            if let Err(error) = &result {
                assert!(
                    !codes.is_empty(),
                    "{file} {}: internal error {error}",
                    spec.name
                );
            }
            match (expect, &result) {
                (Expect::Pass | Expect::PassOrFail(_), Ok(photo)) if codes.is_empty() => {
                    assert_compliant(file, photo, spec, spec.background);
                    compliant += 1;
                }
                (Expect::Fail(code) | Expect::PassOrFail(code), _) => {
                    assert!(
                        code.split('|').any(|c| codes.contains(&c)),
                        "{file} {}: expected {code}, got {codes:?}",
                        spec.name
                    );
                }
                (Expect::Pass, Ok(photo)) => panic!(
                    "{file} {}: expected a compliant photo, got {:?}",
                    spec.name, photo.record.check
                ),
                (Expect::Pass, Err(error)) => panic!(
                    "{file} {}: expected a compliant photo, got {error}",
                    spec.name
                ),
            }
        }
    }
    assert!(
        compliant >= 60,
        "{compliant} compliant photos of {}",
        files.len() * 3
    );
}

#[test]
fn other_background_choices_are_uniform_too() {
    let mut vision = load_vision();
    let settings = StandardizeSettings::default();
    let spec = profile("chsi");
    let capture =
        vision::load_image(&fixture("derived/bad_busy_bg_forest_london_045.jpg")).expect("fixture");
    let seen = standardizer::analyze_capture(&mut vision, &capture).expect("analysis");
    for background in [Rgb8::WHITE, Rgb8::CHSI_GREY, Rgb8::new(0xD7, 0x45, 0x32)] {
        let photo = standardizer::standardize_analyzed(
            &mut vision,
            &capture,
            &seen,
            &spec,
            background,
            &settings,
        )
        .expect("photo");
        assert_compliant("forest_045", &photo, &spec, background);
    }
}

#[test]
fn big_hair_pulls_the_bands_and_the_photo_still_complies() {
    // good_london_092: voluminous hair, crown-to-eyes about 1.1 face widths. Aiming every band at its
    // middle is impossible; the solver trades face width against the crown and eye-line bands.
    let mut vision = load_vision();
    let spec = profile("chsi");
    let capture = vision::load_image(&fixture("good_london_092_neutral.jpg")).expect("fixture");
    let photo = standardizer::standardize_capture(
        &mut vision,
        &capture,
        &spec,
        Rgb8::CHSI_BLUE,
        &StandardizeSettings::default(),
    )
    .expect("photo");
    assert_compliant("092", &photo, &spec, Rgb8::CHSI_BLUE);
    let geometry = photo.record.check.geometry;
    // Far from the middles (crown 80, eyes 250): both pushed towards their limits.
    assert!(
        geometry.crown_px < 65.0 && geometry.eye_line_px > 285.0,
        "{geometry:?}"
    );
}

#[test]
fn unusable_captures_fail_with_their_reason() {
    let mut vision = load_vision();
    let settings = StandardizeSettings::default();
    let chsi = profile("chsi");
    let cases = [
        ("bad_canada_010f_tight_crop.jpg", "face_cut_off"),
        ("derived/bad_low_res_120px_london_140.jpg", "low_resolution"),
        ("bad_pixabay_autumn_road_no_face.jpg", "no_face"),
        // Only part of the face is in the frame: no detector finds it, or the crop leaves the capture.
        (
            "derived/bad_face_cut_by_edge_london_137.jpg",
            "face_cut_off|no_face",
        ),
    ];
    for (file, code) in cases {
        let capture = vision::load_image(&fixture(file)).expect("fixture");
        let error = standardizer::standardize_capture(
            &mut vision,
            &capture,
            &chsi,
            Rgb8::CHSI_BLUE,
            &settings,
        )
        .expect_err(file);
        let codes: Vec<_> = error
            .failures()
            .iter()
            .map(StandardizeFailure::code)
            .collect();
        assert!(
            code.split('|').any(|c| codes.contains(&c)),
            "{file}: {codes:?} ({error})"
        );
    }
}

/// Alpha range (of 255) over which the foreground colour implied by a composite is well defined.
const UNMIX_ALPHA: std::ops::RangeInclusive<u8> = 77..=242;

/// Mean CIELAB colour of the person along the soft edge, as the composite implies it: each edge pixel
/// (alpha 0.3–0.95) unmixed from the background, `F = (O − (1 − α)·background) / α`. Leftover old
/// background (halo, colour spill) shows up as a shift of this colour.
fn edge_colour(
    pixels: &image::RgbImage,
    mask: &idbooth::core::face::PersonMask,
    background: Rgb8,
) -> [f32; 3] {
    let background = background.to_array().map(f32::from);
    let mut sum = [0.0_f32; 3];
    let mut count = 0.0_f32;
    for (pixel, &alpha) in pixels.pixels().zip(&mask.alpha) {
        if UNMIX_ALPHA.contains(&alpha) {
            let a = f32::from(alpha) / 255.0;
            let unmix = |c: usize| {
                ((f32::from(pixel[c]) - (1.0 - a) * background[c]) / a)
                    .round()
                    .clamp(0.0, 255.0) as u8
            };
            let lab = srgb_to_lab(Rgb8::new(unmix(0), unmix(1), unmix(2)));
            sum[0] += lab.l;
            sum[1] += lab.a;
            sum[2] += lab.b;
            count += 1.0;
        }
    }
    assert!(count > 300.0, "edge band of {count} px");
    sum.map(|s| s / count)
}

/// The same photo composited naively (`αI + (1 − α)·background`, no decontamination).
fn naive_composite(capture: &image::RgbImage, photo: &StandardizedPhoto) -> image::RgbImage {
    let mut out = standardize::render_photo(capture, &photo.record.plan)
        .unwrap_or_else(|error| panic!("render: {error}"));
    let background = photo.record.background.to_array();
    for (pixel, &alpha) in out.pixels_mut().zip(&photo.mask.alpha) {
        let a = f32::from(alpha) / 255.0;
        for c in 0..3 {
            pixel[c] =
                (a * f32::from(pixel[c]) + (1.0 - a) * f32::from(background[c])).round() as u8;
        }
    }
    out
}

#[test]
fn busy_background_leaves_no_halo_or_spill() {
    // The derived busy photos are good_london_045 and _129 pasted on a forest and an autumn road. The
    // edge of the person, composited on blue, must have the colour it has when the same person is
    // composited from the clean grey-background capture: leftover forest green or road orange in the
    // soft edge is a halo or spill. Naive blending (no decontamination) keeps them, and must do worse.
    let mut vision = load_vision();
    let settings = StandardizeSettings::default();
    let spec = profile("chsi");
    for (clean_file, busy_file) in [
        (
            "good_london_045_neutral.jpg",
            "derived/bad_busy_bg_forest_london_045.jpg",
        ),
        (
            "good_london_129_neutral.jpg",
            "derived/bad_busy_bg_autumn_road_london_129.jpg",
        ),
    ] {
        let clean = vision::load_image(&fixture(clean_file)).expect("fixture");
        let busy = vision::load_image(&fixture(busy_file)).expect("fixture");
        let from_clean = standardizer::standardize_capture(
            &mut vision,
            &clean,
            &spec,
            Rgb8::CHSI_BLUE,
            &settings,
        )
        .expect("clean photo");
        let from_busy = standardizer::standardize_capture(
            &mut vision,
            &busy,
            &spec,
            Rgb8::CHSI_BLUE,
            &settings,
        )
        .expect("busy photo");
        let reference = edge_colour(&from_clean.pixels, &from_clean.mask, Rgb8::CHSI_BLUE);
        let ours = edge_colour(&from_busy.pixels, &from_busy.mask, Rgb8::CHSI_BLUE);
        let naive = edge_colour(
            &naive_composite(&busy, &from_busy),
            &from_busy.mask,
            Rgb8::CHSI_BLUE,
        );
        let chroma_gap = |lab: [f32; 3]| (lab[1] - reference[1]).hypot(lab[2] - reference[2]);
        eprintln!(
            "{busy_file}: edge Lab clean {reference:?}, decontaminated {ours:?} (gap {:.2}), naive {naive:?} (gap {:.2})",
            chroma_gap(ours),
            chroma_gap(naive)
        );
        // Measured: forest 0.7–2.5 (naive 1.8–4.2, depending on how tight the mask is), autumn road
        // 5.8 (naive 19.7). Either the edge colour is already close, or decontamination must at
        // least halve what naive blending leaves.
        let (gap, naive_gap) = (chroma_gap(ours), chroma_gap(naive));
        assert!(gap < 7.0, "{busy_file}: edge colour off by {gap}");
        assert!(
            gap < 3.0 || gap < 0.5 * naive_gap,
            "{busy_file}: decontamination ({gap}) does not halve naive blending's spill ({naive_gap})"
        );
    }
}

#[test]
fn same_capture_gives_the_same_bytes() {
    let spec = profile("chsi");
    let settings = StandardizeSettings::default();
    let capture = vision::load_image(&fixture("good_london_045_neutral.jpg")).expect("fixture");
    let mut first_vision = load_vision();
    let first = standardizer::standardize_capture(
        &mut first_vision,
        &capture,
        &spec,
        Rgb8::CHSI_BLUE,
        &settings,
    )
    .expect("photo");
    let again = standardizer::standardize_capture(
        &mut first_vision,
        &capture,
        &spec,
        Rgb8::CHSI_BLUE,
        &settings,
    )
    .expect("photo");
    let mut fresh_vision = load_vision();
    let fresh = standardizer::standardize_capture(
        &mut fresh_vision,
        &capture,
        &spec,
        Rgb8::CHSI_BLUE,
        &settings,
    )
    .expect("photo");
    let digest = |p: &StandardizedPhoto| hex::encode(Sha256::digest(&p.encoded.bytes));
    assert_eq!(digest(&first), digest(&again), "same Vision, second run");
    assert_eq!(digest(&first), digest(&fresh), "fresh Vision");
    assert_eq!(first.record, fresh.record);
    // The booth's path also runs the fine pass for second faces and the checks; the photo is
    // the same.
    let thresholds = CheckThresholds::default();
    let processed = pipeline::process_capture(
        &mut fresh_vision,
        &capture,
        &spec,
        Rgb8::CHSI_BLUE,
        &thresholds,
    )
    .expect("analysis");
    let with_tiles = processed.photo.expect("photo with the full analysis");
    assert_eq!(
        digest(&first),
        digest(&with_tiles),
        "photo without the tiles"
    );
    assert_eq!(first.record, with_tiles.record);
    let multiple = processed
        .report
        .checks
        .iter()
        .find(|check| check.code == CheckCode::MultipleFaces)
        .expect("multiple_faces judged");
    assert!(multiple.value.abs() < f32::EPSILON, "{multiple:?}");
}
