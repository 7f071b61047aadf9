//! Background and clothing: `busy_background` (texture and unevenness of the background inside the
//! photo's crop) and `low_contrast_clothing` (clothes too close to the background colour).
//!
//! Owns the split of the crop into background and clothing by the person mask, and these two decisions.
//! Without a mask (live frames) neither check runs: a guessed silhouette flagged plain studio walls as
//! busy on the fixtures. Must not judge the face.

use image::RgbImage;

use super::colour::Lab;
use super::context::Subject;
use super::crop::PhotoCrop;
use super::messages::Cue;
use super::report::{CheckCode, CheckResult, CheckStatus, Limit};
use super::sampling::{MaskView, RgbGrid, Stats, luma};
use super::thresholds::CheckThresholds;
use crate::core::spec::PhotoSpec;

/// Inter-eye distance of OFIQ's background crop (aligned IED 113 px in a 616 px face, 492 px of it resized
/// to 354 px: 113 × 354 / 492 ≈ 81), so gradients are measured at OFIQ's scale.
const OFIQ_BACKGROUND_IED_PX: f32 = 81.0;
/// Mask alpha below which a pixel is surely background.
const BACKGROUND_ALPHA: u8 = 64;
/// Mask alpha above which a pixel is surely person.
const PERSON_ALPHA: u8 = 192;
/// Erosion of the background away from the person, per inter-eye distance (OFIQ erodes its background
/// mask by 4 px at IED 81, ≈ 0.05 IED; doubled for the segmenter's soft 256-px edges).
const ERODE_PER_IED: f32 = 0.1;
/// Clothing starts this many eye-to-chin distances below the chin (below the neck).
const CLOTHING_DROP_PER_EYE_TO_CHIN: f32 = 0.3;
/// Columns within this many face widths of the eye midpoint are neck, not clothing.
const NECK_HALF_WIDTH_PER_FACE_WIDTH: f32 = 0.45;
/// Fewest cells for a background or clothing measure to mean anything.
const MIN_CELLS: usize = 50;
/// Scharr kernel weights (OpenCV `Sobel` with `ksize = -1`): centre 10, corners 3.
const SCHARR_CENTRE: f32 = 10.0;
const SCHARR_CORNER: f32 = 3.0;

/// What the crop holds besides the face.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Surroundings {
    pub background: Option<BackgroundMeasure>,
    /// Mean sRGB colour of the clothing (shoulders) inside the crop.
    pub clothing_rgb: Option<[f32; 3]>,
}

/// Texture and unevenness of the background.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BackgroundMeasure {
    /// Mean Scharr gradient magnitude of luma (0–255 scale, OFIQ's native BackgroundUniformity score).
    pub mean_gradient: f32,
    /// Standard deviation of luma over the background.
    pub luma_spread: f32,
    pub mean_rgb: [f32; 3],
    pub cells: usize,
}

/// Who owns a grid cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Background,
    Person,
    Unsure,
}

/// Measures background and clothing inside the crop, at OFIQ's scale, split by the person mask.
pub fn measure_surroundings(
    image: &RgbImage,
    subject: &Subject<'_>,
    crop: &PhotoCrop,
    mask: &MaskView<'_>,
) -> Surroundings {
    let cell_px = (subject.frame.ied_px / OFIQ_BACKGROUND_IED_PX)
        .round()
        .max(1.0) as u32;
    let grid = RgbGrid::box_average(image, crop.rect, cell_px);
    let owners = owners(&grid, subject, mask);
    Surroundings {
        background: background_measure(&grid, &owners),
        clothing_rgb: clothing_colour(&grid, &owners, subject),
    }
}

/// Who owns each cell of `grid` (row by row): background only where the mask is background at the
/// cell's centre and one erosion radius left, right, above and below it; person where the centre is
/// person; unsure otherwise. A cell's probes share their columns with its column and their rows with
/// its row, so the mask columns and rows are found once per grid column and row (a 720p capture framed
/// at an inter-eye distance of about 100 px has cells of one pixel: some 400 000 of them).
fn owners(grid: &RgbGrid, subject: &Subject<'_>, mask: &MaskView<'_>) -> Vec<Owner> {
    let erode = ERODE_PER_IED * subject.frame.ied_px;
    // [at the centre, one radius before, one radius after]
    let columns: Vec<[Option<u32>; 3]> = (0..grid.width)
        .map(|col| {
            let x = grid.centre(col, 0).x;
            [x, x - erode, x + erode].map(|x| mask.column_of(x))
        })
        .collect();
    let rows: Vec<[Option<u32>; 3]> = (0..grid.height)
        .map(|row| {
            let y = grid.centre(0, row).y;
            [y, y - erode, y + erode].map(|y| mask.row_of(y))
        })
        .collect();
    let mut owners = Vec::with_capacity(grid.width * grid.height);
    for [row, above, below] in &rows {
        for [col, left, right] in &columns {
            let centre = mask.alpha_at(*col, *row);
            let probes = [
                centre,
                mask.alpha_at(*left, *row),
                mask.alpha_at(*right, *row),
                mask.alpha_at(*col, *above),
                mask.alpha_at(*col, *below),
            ];
            owners.push(if probes.iter().all(|&alpha| alpha < BACKGROUND_ALPHA) {
                Owner::Background
            } else if centre > PERSON_ALPHA {
                Owner::Person
            } else {
                Owner::Unsure
            });
        }
    }
    owners
}

fn background_measure(grid: &RgbGrid, owners: &[Owner]) -> Option<BackgroundMeasure> {
    let width = grid.width;
    let is_bg: Vec<bool> = owners
        .iter()
        .map(|&owner| owner == Owner::Background)
        .collect();
    let lumas: Vec<f32> = grid.cells.iter().map(|&rgb| luma(rgb)).collect();
    // Background cells whose left and right neighbours are background too (never at a side).
    let across: Vec<bool> = (0..is_bg.len())
        .map(|index| {
            let col = index % width;
            col > 0 && col + 1 < width && is_bg[index - 1] && is_bg[index] && is_bg[index + 1]
        })
        .collect();
    let mut luma_stats = Stats::default();
    let mut gradient = Stats::default();
    let mut rgb_sum = [0.0_f32; 3];
    for row in 0..grid.height {
        for col in 0..width {
            let index = row * width + col;
            if !is_bg[index] {
                continue;
            }
            luma_stats.push(lumas[index]);
            for (s, c) in rgb_sum.iter_mut().zip(grid.cells[index]) {
                *s += c;
            }
            // The 3x3 neighbourhood is background: the gradient there is the background's own.
            let interior = row > 0
                && row + 1 < grid.height
                && across[index - width]
                && across[index]
                && across[index + width];
            if interior {
                gradient.push(scharr_magnitude(&lumas, width, index));
            }
        }
    }
    (luma_stats.count >= MIN_CELLS && gradient.count > 0).then(|| BackgroundMeasure {
        mean_gradient: gradient.mean(),
        luma_spread: luma_stats.std_dev(),
        mean_rgb: rgb_sum.map(|s| s / luma_stats.count as f32),
        cells: luma_stats.count,
    })
}

/// Scharr gradient magnitude of `luma` (rows of `width`) at an interior `index`.
fn scharr_magnitude(luma: &[f32], width: usize, index: usize) -> f32 {
    let l = |dc: isize, dr: isize| {
        luma[index
            .wrapping_add_signed(dr * width as isize)
            .wrapping_add_signed(dc)]
    };
    let gx = SCHARR_CORNER * (l(1, -1) - l(-1, -1) + l(1, 1) - l(-1, 1))
        + SCHARR_CENTRE * (l(1, 0) - l(-1, 0));
    let gy = SCHARR_CORNER * (l(-1, 1) - l(-1, -1) + l(1, 1) - l(1, -1))
        + SCHARR_CENTRE * (l(0, 1) - l(0, -1));
    // The magnitude in double precision, rounded once: what glibc's `hypotf` returns, without the call.
    (f64::from(gx) * f64::from(gx) + f64::from(gy) * f64::from(gy)).sqrt() as f32
}

fn clothing_colour(grid: &RgbGrid, owners: &[Owner], subject: &Subject<'_>) -> Option<[f32; 3]> {
    let head = &subject.head;
    let top = head.chin_y + CLOTHING_DROP_PER_EYE_TO_CHIN * subject.frame.eye_to_chin_px;
    let neck = NECK_HALF_WIDTH_PER_FACE_WIDTH * head.face_width_px;
    let mut sum = [0.0_f32; 3];
    let mut count = 0_usize;
    for row in 0..grid.height {
        for col in 0..grid.width {
            let p = grid.centre(col, row);
            if p.y < top
                || (p.x - head.eye_mid.x).abs() < neck
                || owners[row * grid.width + col] != Owner::Person
            {
                continue;
            }
            for (s, c) in sum.iter_mut().zip(grid.get(col, row)) {
                *s += c;
            }
            count += 1;
        }
    }
    (count >= MIN_CELLS).then(|| sum.map(|s| s / count as f32))
}

/// `busy_background`: fails on a textured background (gradient) or an uneven one (spread); a warning
/// instead when the profile replaces the background anyway. The value is the measure that decided.
pub fn busy_background(
    measure: &BackgroundMeasure,
    spec: &PhotoSpec,
    thresholds: &CheckThresholds,
) -> CheckResult {
    let otherwise = if spec.replace_background {
        CheckStatus::Warn
    } else {
        CheckStatus::Fail
    };
    let spread = Limit::AtMost {
        max: thresholds.max_background_spread,
    };
    let gradient = Limit::AtMost {
        max: thresholds.max_background_gradient,
    };
    if gradient.allows(measure.mean_gradient) && !spread.allows(measure.luma_spread) {
        return CheckResult::new(
            CheckCode::BusyBackground,
            otherwise,
            measure.luma_spread,
            spread,
            Cue::None,
        );
    }
    CheckResult::graded(
        CheckCode::BusyBackground,
        measure.mean_gradient,
        gradient,
        otherwise,
        Cue::None,
    )
}

/// `low_contrast_clothing`: ΔE between the clothing and the background the photo will have (the profile's
/// colour when it replaces the background, the measured one otherwise). When the profile offers another
/// background colour that contrasts enough, this is a warning with that suggestion instead of a failure.
pub fn low_contrast_clothing(
    clothing_rgb: [f32; 3],
    measured_background_rgb: Option<[f32; 3]>,
    spec: &PhotoSpec,
    thresholds: &CheckThresholds,
) -> Option<CheckResult> {
    let clothing = Lab::from_srgb(clothing_rgb);
    let background = if spec.replace_background {
        Lab::from_rgb8(spec.background)
    } else {
        Lab::from_srgb(measured_background_rgb?)
    };
    let limit = Limit::AtLeast {
        min: thresholds.min_clothing_contrast_de,
    };
    let contrast = clothing.delta_e(background);
    let another_colour_works = spec.replace_background
        && spec
            .background_choices
            .iter()
            .any(|choice| limit.allows(clothing.delta_e(Lab::from_rgb8(choice.rgb))));
    let otherwise = if another_colour_works {
        CheckStatus::Warn
    } else {
        CheckStatus::Fail
    };
    Some(CheckResult::graded(
        CheckCode::LowContrastClothing,
        contrast,
        limit,
        otherwise,
        Cue::None,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::checks::crop::estimate_photo_crop;
    use crate::core::checks::regions::tests::synthetic_mesh;
    use crate::core::face::{FaceAnalysis, PersonMask};
    use crate::core::geometry::SizePx;
    use crate::core::spec::{NamedColour, Rgb8, builtin_profiles};
    use image::Rgb;

    /// A person (head ellipse plus shoulders, dark blue top) on a background drawn by `wall`.
    fn scene(wall: impl Fn(u32, u32) -> [u8; 3]) -> (RgbImage, PersonMask) {
        let mut mask = PersonMask::filled(800, 600, 0);
        let image = RgbImage::from_fn(800, 600, |x, y| {
            let (dx, dy) = ((x as f32 - 400.0) / 130.0, (y as f32 - 320.0) / 190.0);
            let head = dx * dx + dy * dy < 1.0;
            let shoulders = y > 480 && (x as f32 - 400.0).abs() < 330.0;
            if head || shoulders {
                mask.alpha[(y * 800 + x) as usize] = 255;
                Rgb(if shoulders {
                    [30, 40, 90]
                } else {
                    [200, 160, 140]
                })
            } else {
                Rgb(wall(x, y))
            }
        });
        (image, mask)
    }

    fn surroundings(image: &RgbImage, mask: &PersonMask) -> Surroundings {
        let mut analysis = FaceAnalysis::empty(SizePx::new(800, 600));
        analysis.mesh = Some(synthetic_mesh());
        let view = MaskView::new(mask, 800, 600).unwrap();
        let subject = Subject::new(&analysis, Some(&view)).unwrap();
        let crop = estimate_photo_crop(&subject.head, &profile("campus_card"));
        measure_surroundings(image, &subject, &crop, &view)
    }

    #[test]
    fn plain_walls_are_smooth_and_textured_ones_are_not() {
        let (plain, mask) = scene(|_, _| [235, 235, 235]);
        let plain = surroundings(&plain, &mask).background.unwrap();
        assert!(
            plain.mean_gradient < 1.0 && plain.luma_spread < 1.0,
            "{plain:?}"
        );
        let (bricks, mask) = scene(|x, y| {
            if (x / 6 + y / 4) % 2 == 0 {
                [150, 80, 60]
            } else {
                [90, 50, 40]
            }
        });
        let bricks = surroundings(&bricks, &mask).background.unwrap();
        let thresholds = CheckThresholds::default();
        assert!(
            bricks.mean_gradient > 10.0 * thresholds.max_background_gradient,
            "{bricks:?}"
        );
        let (sky, mask) = scene(|_, y| {
            let v = (60 + y * 190 / 600) as u8;
            [v, v, 255]
        });
        let sky = surroundings(&sky, &mask).background.unwrap();
        assert!(
            sky.luma_spread > thresholds.max_background_spread,
            "{sky:?}"
        );
    }

    #[test]
    fn clothing_is_read_from_the_shoulders_not_the_wall() {
        let (image, mask) = scene(|_, _| [235, 235, 235]);
        let clothing = surroundings(&image, &mask).clothing_rgb.unwrap();
        let expected = [30.0, 40.0, 90.0];
        assert!(
            clothing
                .iter()
                .zip(expected)
                .all(|(c, e)| (c - e).abs() < 0.5),
            "{clothing:?}"
        );
    }

    fn profile(name: &str) -> PhotoSpec {
        builtin_profiles()
            .into_iter()
            .find(|p| p.name == name)
            .unwrap()
    }

    #[test]
    fn busy_background_warns_when_replaced_and_fails_when_kept() {
        let thresholds = CheckThresholds::default();
        let busy = BackgroundMeasure {
            mean_gradient: 80.0,
            luma_spread: 10.0,
            mean_rgb: [100.0; 3],
            cells: 1000,
        };
        let mut spec = profile("campus_card");
        assert_eq!(
            busy_background(&busy, &spec, &thresholds).status,
            CheckStatus::Warn
        );
        spec.replace_background = false;
        assert_eq!(
            busy_background(&busy, &spec, &thresholds).status,
            CheckStatus::Fail
        );
        let uneven = BackgroundMeasure {
            mean_gradient: 2.0,
            luma_spread: 60.0,
            ..busy
        };
        let result = busy_background(&uneven, &spec, &thresholds);
        assert_eq!(result.status, CheckStatus::Fail);
        assert!((result.value - 60.0).abs() < f32::EPSILON);
        let plain = BackgroundMeasure {
            mean_gradient: 2.0,
            luma_spread: 3.0,
            ..busy
        };
        assert_eq!(
            busy_background(&plain, &spec, &thresholds).status,
            CheckStatus::Pass
        );
    }

    #[test]
    fn white_top_on_white_warns_when_blue_is_offered_and_fails_when_not() {
        let thresholds = CheckThresholds::default();
        let white_top = [245.0, 245.0, 240.0];
        let campus = profile("campus_card");
        let result = low_contrast_clothing(white_top, None, &campus, &thresholds).unwrap();
        assert_eq!(result.status, CheckStatus::Warn, "{result:?}");
        let id_card = profile("id_card");
        let result = low_contrast_clothing(white_top, None, &id_card, &thresholds).unwrap();
        assert_eq!(result.status, CheckStatus::Fail, "{result:?}");
        let dark_top = [40.0, 40.0, 60.0];
        let result = low_contrast_clothing(dark_top, None, &id_card, &thresholds).unwrap();
        assert_eq!(result.status, CheckStatus::Pass);
    }

    #[test]
    fn kept_background_is_compared_with_the_measured_colour() {
        let thresholds = CheckThresholds::default();
        let mut spec = profile("campus_card");
        spec.replace_background = false;
        spec.background_choices = vec![NamedColour {
            name: "white".into(),
            rgb: Rgb8::WHITE,
        }];
        let grey_top = [128.0, 128.0, 128.0];
        let grey_wall = Some([130.0, 129.0, 128.0]);
        let result = low_contrast_clothing(grey_top, grey_wall, &spec, &thresholds).unwrap();
        assert_eq!(result.status, CheckStatus::Fail);
        assert!(low_contrast_clothing(grey_top, None, &spec, &thresholds).is_none());
    }
}
