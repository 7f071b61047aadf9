//! Finds the crown (top of the hair) of the head: walk up each column near the head's midline, in the
//! levelled frame, from the eye line through the person mask until the mask ends.
//!
//! Owns the crown search over a mask or over the photo's own pixels (after background replacement). It
//! does not segment: the mask comes from `vision`.

use image::RgbImage;

use crate::core::face::PersonMask;
use crate::core::geometry::{Point, Rect, SizePx};

use super::color::{delta_e76, srgb_to_lab};
use super::failure::{CaptureEdge, StandardizeFailure};
use super::transform::Rotation;
use crate::core::spec::Rgb8;

/// Columns searched on each side of the midline, as a fraction of the face width: the top of the skull
/// spans roughly the middle 60 % of the cheek-to-cheek width (anthropometric head breadth vs bizygomatic
/// breadth; operator-tunable constant, unsourced).
pub const CROWN_COLUMN_HALF_SPAN_FRAC: f32 = 0.3;
/// Background run (fraction of the face width) that ends a column's walk; shorter gaps are holes in
/// the mask between strands of hair.
pub const CROWN_GAP_FRAC: f32 = 0.04;
/// The crown is this quantile of the column tops (lowest first) so a few stray-hair columns do not
/// decide it.
pub const CROWN_QUANTILE: f32 = 0.05;
/// Mask alpha at or above which a pixel is person (half of 255).
pub const PERSON_ALPHA: f32 = 127.5;
/// Colour difference (ΔE76) from the background colour at which a photo pixel counts as person: a
/// clearly visible share of the person, about a fifth of dark hair on white (ΔE ≈ 75), well above JPEG
/// noise on a flat background (< 2) but below the contrast of any hair on the profile backgrounds.
/// Fainter single wisps do not move the crown (operator-tunable, unsourced).
pub const PERSON_DELTA_E: f32 = 15.0;

/// Where and how to look for the crown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrownQuery {
    /// Size of the image the coordinates refer to.
    pub image: SizePx,
    /// Eye midpoint (the walk starts on the eye line).
    pub eye_mid: Point,
    /// Head roll to level before walking up, degrees (0 in a photo that was levelled already).
    pub roll_deg: f32,
    pub face_width_px: f32,
}

/// Finds the crown in a person mask covering `mask_region` of the image.
pub fn crown_from_mask(
    mask: &PersonMask,
    mask_region: Rect,
    query: &CrownQuery,
) -> Result<Point, StandardizeFailure> {
    let walk = MaskWalk::new(mask, mask_region, query)?;
    walk.crown(&[walk.tops(0..walk.columns())])
}

/// The crown walk over a person mask, column by column, so that a caller can walk disjoint ranges of
/// columns at once (a capture's walk visits about 100 000 mask samples). The crown of all the ranges'
/// tops is exactly the one [`crown_from_mask`] finds.
#[derive(Debug, Clone, Copy)]
pub struct MaskWalk<'a> {
    mask: &'a PersonMask,
    region: Rect,
    query: &'a CrownQuery,
    scale_x: f32,
    scale_y: f32,
}

/// The tops of a range of columns of a [`MaskWalk`].
#[derive(Debug, Clone, Default)]
pub struct ColumnTops(Vec<ColumnTop>);

impl<'a> MaskWalk<'a> {
    /// A walk over `mask`, which covers `mask_region` of the image; no person when the mask is empty
    /// or malformed.
    pub fn new(
        mask: &'a PersonMask,
        mask_region: Rect,
        query: &'a CrownQuery,
    ) -> Result<Self, StandardizeFailure> {
        let malformed = mask.alpha.len() != mask.width as usize * mask.height as usize;
        if malformed
            || mask.width == 0
            || mask.height == 0
            || mask_region.width <= 0.0
            || mask_region.height <= 0.0
        {
            return Err(StandardizeFailure::NoPerson);
        }
        Ok(Self {
            mask,
            region: mask_region,
            query,
            scale_x: mask.width as f32 / mask_region.width,
            scale_y: mask.height as f32 / mask_region.height,
        })
    }

    /// How many columns the walk visits.
    pub fn columns(&self) -> usize {
        walked_columns(self.query)
    }

    /// The tops of the columns in `range` (indices below [`MaskWalk::columns`]).
    pub fn tops(&self, range: std::ops::Range<usize>) -> ColumnTops {
        ColumnTops(column_tops(self.query, range, |p| self.is_person(p)))
    }

    /// The crown from the tops of every column, in any grouping and order.
    pub fn crown(&self, tops: &[ColumnTops]) -> Result<Point, StandardizeFailure> {
        let all = tops
            .iter()
            .flat_map(|part| part.0.iter().copied())
            .collect();
        crown_of_tops(self.query, all)
    }

    fn is_person(&self, p: Point) -> Option<bool> {
        let (mask, region, query) = (self.mask, self.region, self.query);
        if p.x < 0.0
            || p.y < 0.0
            || p.x >= query.image.width as f32
            || p.y >= query.image.height as f32
        {
            return None;
        }
        let mx = (p.x - region.x) * self.scale_x - 0.5;
        let my = (p.y - region.y) * self.scale_y - 0.5;
        if mx < -0.5 || my < -0.5 || mx > mask.width as f32 - 0.5 || my > mask.height as f32 - 0.5 {
            return None;
        }
        Some(sample_bilinear(mask, mx, my) >= PERSON_ALPHA)
    }
}

/// Finds the crown in a photo whose background is a flat `background` colour.
pub fn crown_from_pixels(
    photo: &RgbImage,
    background: Rgb8,
    query: &CrownQuery,
) -> Result<Point, StandardizeFailure> {
    let background_lab = srgb_to_lab(background);
    let is_person = |p: Point| -> Option<bool> {
        if p.x < 0.0 || p.y < 0.0 || p.x >= photo.width() as f32 || p.y >= photo.height() as f32 {
            return None;
        }
        let pixel = photo.get_pixel(p.x as u32, p.y as u32);
        let lab = srgb_to_lab(Rgb8::new(pixel[0], pixel[1], pixel[2]));
        Some(delta_e76(lab, background_lab) >= PERSON_DELTA_E)
    };
    find_crown(query, is_person)
}

/// Walks every column up from the eye line; `is_person` is `None` outside the image.
fn find_crown(
    query: &CrownQuery,
    is_person: impl Fn(Point) -> Option<bool>,
) -> Result<Point, StandardizeFailure> {
    let tops = column_tops(query, 0..walked_columns(query), is_person);
    crown_of_tops(query, tops)
}

/// Half the width of the walked band of columns, image px.
fn half_span(query: &CrownQuery) -> f32 {
    (query.face_width_px * CROWN_COLUMN_HALF_SPAN_FRAC).max(1.0)
}

/// The number of columns walked: one per pixel across the band, both ends included.
fn walked_columns(query: &CrownQuery) -> usize {
    (2.0 * half_span(query)).ceil() as usize + 1
}

/// The tops of the columns in `range`, in column order.
fn column_tops(
    query: &CrownQuery,
    range: std::ops::Range<usize>,
    is_person: impl Fn(Point) -> Option<bool>,
) -> Vec<ColumnTop> {
    let half_span = half_span(query);
    let gap_px = (query.face_width_px * CROWN_GAP_FRAC).max(1.0);
    let pivot = query.eye_mid;
    let rotation = Rotation::about(pivot, query.roll_deg);
    let to_image = |upright: Point| rotation.apply(upright);
    range
        .filter_map(|column| {
            let x = pivot.x - half_span + column as f32;
            walk_column(x, pivot.y, gap_px, &to_image, &is_person)
        })
        .collect()
}

/// The crown from the column tops: their [`CROWN_QUANTILE`] from the top.
fn crown_of_tops(
    query: &CrownQuery,
    mut tops: Vec<ColumnTop>,
) -> Result<Point, StandardizeFailure> {
    let pivot = query.eye_mid;
    let rotation = Rotation::about(pivot, query.roll_deg);
    let to_image = |upright: Point| rotation.apply(upright);
    if tops.is_empty() {
        return Err(StandardizeFailure::NoPerson);
    }
    tops.sort_by(|a, b| a.y().total_cmp(&b.y()));
    let index = ((tops.len() - 1) as f32 * CROWN_QUANTILE).floor() as usize;
    match tops[index] {
        ColumnTop::Found(y) => Ok(to_image(Point::new(pivot.x, y))),
        ColumnTop::LeftImage => Err(StandardizeFailure::FaceCutOff {
            edge: CaptureEdge::Top,
            overshoot_px: 0.0,
        }),
    }
}

#[derive(Debug, Clone, Copy)]
enum ColumnTop {
    /// Topmost person row (levelled frame).
    Found(f32),
    /// The person continues past the image edge: the crown is not in the image.
    LeftImage,
}

impl ColumnTop {
    fn y(self) -> f32 {
        match self {
            Self::Found(y) => y,
            Self::LeftImage => f32::NEG_INFINITY,
        }
    }
}

/// The top of one column, or `None` when the column does not start on the person.
fn walk_column(
    x: f32,
    start_y: f32,
    gap_px: f32,
    to_image: &impl Fn(Point) -> Point,
    is_person: &impl Fn(Point) -> Option<bool>,
) -> Option<ColumnTop> {
    if is_person(to_image(Point::new(x, start_y))) != Some(true) {
        return None;
    }
    let mut top = start_y;
    let mut y = start_y - 1.0;
    loop {
        match is_person(to_image(Point::new(x, y))) {
            // Leaving the image on the person: the head goes on beyond it. Leaving it in a gap: the
            // top was the last person pixel.
            None if top - y <= 1.0 => return Some(ColumnTop::LeftImage),
            None => return Some(ColumnTop::Found(top)),
            Some(true) => top = y,
            Some(false) if top - y > gap_px => return Some(ColumnTop::Found(top)),
            Some(false) => {}
        }
        y -= 1.0;
    }
}

/// Bilinear alpha at continuous mask coordinates (pixel centres at integers), clamped at the borders.
pub fn sample_bilinear(mask: &PersonMask, x: f32, y: f32) -> f32 {
    let max_x = mask.width.saturating_sub(1) as f32;
    let max_y = mask.height.saturating_sub(1) as f32;
    let x = x.clamp(0.0, max_x);
    let y = y.clamp(0.0, max_y);
    // Truncation is the floor of these clamped non-negative values, without a call to `floorf`
    // (the baseline x86-64 target has no rounding instruction).
    let (x0, y0) = (x as u32, y as u32);
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let (x1, y1) = ((x0 + 1).min(mask.width - 1), (y0 + 1).min(mask.height - 1));
    let at = |x: u32, y: u32| f32::from(mask.alpha[y as usize * mask.width as usize + x as usize]);
    let top = at(x0, y0) * (1.0 - fx) + at(x1, y0) * fx;
    let bottom = at(x0, y1) * (1.0 - fx) + at(x1, y1) * fx;
    top * (1.0 - fy) + bottom * fy
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mask with a filled disc ("head") and a body below it.
    fn head_mask(size: u32, head_center: Point, radius: f32) -> PersonMask {
        let mut mask = PersonMask::filled(size, size, 0);
        for y in 0..size {
            for x in 0..size {
                let p = Point::new(x as f32 + 0.5, y as f32 + 0.5);
                let in_head = p.distance(head_center) <= radius;
                let in_body = p.y > head_center.y + radius * 0.8
                    && (p.x - head_center.x).abs() < radius * 1.8;
                if in_head || in_body {
                    mask.alpha[(y * size + x) as usize] = 255;
                }
            }
        }
        mask
    }

    #[test]
    fn columns_walked_in_parts_give_the_crown_of_the_whole_walk() {
        let mask = head_mask(200, Point::new(100.0, 90.0), 40.0);
        let region = Rect::new(0.0, 0.0, 400.0, 400.0);
        for roll in [0.0, 7.5, -12.0] {
            let q = query(400, Point::new(195.0, 185.0), 120.0, roll);
            let whole = crown_from_mask(&mask, region, &q).unwrap();
            let walk = MaskWalk::new(&mask, region, &q).unwrap();
            let n = walk.columns();
            assert_eq!(n, 73, "72 px of band, both ends");
            for cuts in [[0, n / 2, n], [0, 1, n], [0, n - 5, n]] {
                let parts = [walk.tops(cuts[0]..cuts[1]), walk.tops(cuts[1]..cuts[2])];
                assert_eq!(
                    walk.crown(&parts).unwrap(),
                    whole,
                    "roll {roll}, cuts {cuts:?}"
                );
                // The order of the parts does not matter either.
                let swapped = [parts[1].clone(), parts[0].clone()];
                assert_eq!(walk.crown(&swapped).unwrap(), whole);
            }
        }
        let empty = PersonMask::filled(0, 0, 0);
        assert!(
            MaskWalk::new(&empty, region, &query(400, Point::new(1.0, 1.0), 10.0, 0.0)).is_err()
        );
    }

    fn query(size: u32, eye: Point, face: f32, roll: f32) -> CrownQuery {
        CrownQuery {
            image: SizePx::new(size, size),
            eye_mid: eye,
            roll_deg: roll,
            face_width_px: face,
        }
    }

    #[test]
    fn crown_is_the_top_of_the_head_disc() {
        let mask = head_mask(400, Point::new(200.0, 200.0), 100.0);
        let region = Rect::new(0.0, 0.0, 400.0, 400.0);
        let crown = crown_from_mask(
            &mask,
            region,
            &query(400, Point::new(200.0, 210.0), 180.0, 0.0),
        )
        .unwrap();
        // Top of a disc of radius 100 at y=200 is y=100; the 5 % quantile of columns within ±54 px sits
        // at the very top.
        assert!((crown.y - 100.0).abs() < 2.0, "{crown:?}");
        assert!((crown.x - 200.0).abs() < 1e-3);
    }

    #[test]
    fn low_resolution_mask_gives_the_same_crown() {
        let full = head_mask(400, Point::new(200.0, 200.0), 100.0);
        // Downsample 4x by taking every 4th pixel.
        let mut small = PersonMask::filled(100, 100, 0);
        for y in 0..100 {
            for x in 0..100 {
                small.alpha[(y * 100 + x) as usize] = full.get(x * 4 + 2, y * 4 + 2);
            }
        }
        let region = Rect::new(0.0, 0.0, 400.0, 400.0);
        let crown = crown_from_mask(
            &small,
            region,
            &query(400, Point::new(200.0, 210.0), 180.0, 0.0),
        )
        .unwrap();
        assert!((crown.y - 100.0).abs() < 4.0, "{crown:?}");
    }

    #[test]
    fn head_through_the_top_edge_is_cut_off() {
        let mask = head_mask(400, Point::new(200.0, 60.0), 100.0);
        let region = Rect::new(0.0, 0.0, 400.0, 400.0);
        let result = crown_from_mask(
            &mask,
            region,
            &query(400, Point::new(200.0, 70.0), 180.0, 0.0),
        );
        assert!(
            matches!(
                result,
                Err(StandardizeFailure::FaceCutOff {
                    edge: CaptureEdge::Top,
                    ..
                })
            ),
            "{result:?}"
        );
    }

    #[test]
    fn empty_mask_means_no_person() {
        let mask = PersonMask::filled(50, 50, 0);
        let region = Rect::new(0.0, 0.0, 400.0, 400.0);
        let result = crown_from_mask(
            &mask,
            region,
            &query(400, Point::new(200.0, 200.0), 180.0, 0.0),
        );
        assert_eq!(result, Err(StandardizeFailure::NoPerson));
    }

    #[test]
    fn rolled_head_crown_lies_on_the_rolled_midline() {
        let mask = head_mask(400, Point::new(200.0, 200.0), 100.0);
        let region = Rect::new(0.0, 0.0, 400.0, 400.0);
        let crown = crown_from_mask(
            &mask,
            region,
            &query(400, Point::new(200.0, 200.0), 180.0, 20.0),
        )
        .unwrap();
        // Walking "up" a head rolled by 20° from its centre reaches the disc edge 100 px away.
        assert!(
            (crown.distance(Point::new(200.0, 200.0)) - 100.0).abs() < 2.0,
            "{crown:?}"
        );
        assert!(
            crown.x > 200.0,
            "rolled clockwise, the midline leans right at the top: {crown:?}"
        );
    }

    #[test]
    fn crown_from_flat_background_pixels() {
        let mut photo = RgbImage::from_pixel(200, 200, image::Rgb([255, 255, 255]));
        for y in 40..200 {
            for x in 50..150 {
                photo.put_pixel(x, y, image::Rgb([60, 40, 30]));
            }
        }
        let crown = crown_from_pixels(
            &photo,
            Rgb8::WHITE,
            &query(200, Point::new(100.0, 100.0), 100.0, 0.0),
        )
        .unwrap();
        assert!((crown.y - 40.0).abs() < 1.0, "{crown:?}");
    }
}
