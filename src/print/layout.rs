//! Sheet layouts in millimetres: where each photo, its caption and its cut marks go on a page.
//!
//! Pure arithmetic: no PDF, no files, no printer. Coordinates are millimetres from the page's top-left
//! corner with y pointing down (the PDF writer flips them to PDF's bottom-left origin). Photos are never
//! rotated or scaled: a slot is exactly the photo's physical size.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::core::spec::{MM_PER_INCH, PhotoSpec};

/// 6-inch photo paper ("6寸", 4R): 6 x 4 in, landscape.
pub const SIX_INCH_PAPER: SizeMm = SizeMm::new(6.0 * MM_PER_INCH, 4.0 * MM_PER_INCH);
/// 5-inch photo paper ("5寸", 3R): 5 x 3.5 in, landscape.
pub const FIVE_INCH_PAPER: SizeMm = SizeMm::new(5.0 * MM_PER_INCH, 3.5 * MM_PER_INCH);
/// ISO 216 A4, portrait.
pub const A4_PAPER: SizeMm = SizeMm::new(210.0, 297.0);

/// Border of the page kept free of ink: the unprintable margin of non-borderless photo and office printers
/// is 3–5 mm (Canon SELPHY/PIXMA, Epson SureColor datasheets); 3 mm plus the cut-mark clearance below.
pub const PRINTER_MARGIN_MM: f32 = 3.0;
/// Space between neighbouring photos: room for both photos' cut marks and a trimmer blade.
/// 5 mm is also what makes the studio-standard "8 one-inch photos on a 6-inch sheet" come out.
pub const GUTTER_MM: f32 = 5.0;
/// Gap between a photo's edge and the start of its cut marks, so a mark never prints on the photo.
pub const CUT_MARK_OFFSET_MM: f32 = 1.0;
/// Longest cut mark.
pub const CUT_MARK_MAX_LENGTH_MM: f32 = 3.0;
/// Shortest cut mark still easy to see and to align a trimmer on.
pub const CUT_MARK_MIN_LENGTH_MM: f32 = 1.5;
/// Stroke width of the cut marks (a hairline that survives 300 dpi dye-sub printing).
pub const CUT_MARK_STROKE_MM: f32 = 0.2;
/// Space between a photo's bottom edge and its caption band.
pub const CAPTION_GAP_MM: f32 = 1.0;
/// Height of the caption band (one line of 7 pt text is 2.5 mm tall; 3 mm leaves room for descenders).
pub const CAPTION_HEIGHT_MM: f32 = 3.0;
/// Margin around a photo on the `single` layout's page (besides the printer margin).
pub const SINGLE_PAGE_MARGIN_MM: f32 = 5.0;
/// Two physical sizes closer than this are the same (a tenth of the ±0.2 mm print tolerance).
pub const SIZE_TOLERANCE_MM: f32 = 0.02;

/// A physical size in millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SizeMm {
    pub width_mm: f32,
    pub height_mm: f32,
}

impl SizeMm {
    pub const fn new(width_mm: f32, height_mm: f32) -> Self {
        Self {
            width_mm,
            height_mm,
        }
    }

    /// The size a profile's photo prints at (its pixels at its dpi).
    pub fn of_photo(spec: &PhotoSpec) -> Self {
        Self::new(spec.width_mm(), spec.height_mm())
    }

    /// Whether two sizes agree within [`SIZE_TOLERANCE_MM`].
    pub fn same_as(&self, other: SizeMm) -> bool {
        (self.width_mm - other.width_mm).abs() <= SIZE_TOLERANCE_MM
            && (self.height_mm - other.height_mm).abs() <= SIZE_TOLERANCE_MM
    }
}

impl fmt::Display for SizeMm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1} x {:.1} mm", self.width_mm, self.height_mm)
    }
}

/// A point on the page, millimetres from the top-left corner (y down).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PointMm {
    pub x_mm: f32,
    pub y_mm: f32,
}

impl PointMm {
    pub const fn new(x_mm: f32, y_mm: f32) -> Self {
        Self { x_mm, y_mm }
    }
}

/// A rectangle on the page: top-left corner plus size, in millimetres (y down).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RectMm {
    pub x_mm: f32,
    pub y_mm: f32,
    pub width_mm: f32,
    pub height_mm: f32,
}

impl RectMm {
    pub const fn new(x_mm: f32, y_mm: f32, width_mm: f32, height_mm: f32) -> Self {
        Self {
            x_mm,
            y_mm,
            width_mm,
            height_mm,
        }
    }

    pub fn right_mm(&self) -> f32 {
        self.x_mm + self.width_mm
    }

    pub fn bottom_mm(&self) -> f32 {
        self.y_mm + self.height_mm
    }
}

/// The sheet formats the booth prints on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetKind {
    /// 6-inch photo paper, as many photos as fit.
    SixInch,
    /// 5-inch photo paper, as many photos as fit.
    FiveInch,
    /// A4 office paper, as many photos as fit.
    A4,
    /// One photo on a page just large enough for it and its cut marks.
    Single,
}

impl SheetKind {
    pub const ALL: [SheetKind; 4] = [
        SheetKind::SixInch,
        SheetKind::FiveInch,
        SheetKind::A4,
        SheetKind::Single,
    ];

    /// The name used on the command line and in kiosk.toml.
    pub fn key(self) -> &'static str {
        match self {
            SheetKind::SixInch => "six_inch",
            SheetKind::FiveInch => "five_inch",
            SheetKind::A4 => "a4",
            SheetKind::Single => "single",
        }
    }

    /// Fixed paper size, or `None` for [`SheetKind::Single`] whose page follows the photo.
    pub fn paper(self) -> Option<SizeMm> {
        match self {
            SheetKind::SixInch => Some(SIX_INCH_PAPER),
            SheetKind::FiveInch => Some(FIVE_INCH_PAPER),
            SheetKind::A4 => Some(A4_PAPER),
            SheetKind::Single => None,
        }
    }
}

impl fmt::Display for SheetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for SheetKind {
    type Err = LayoutError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().replace('-', "_").to_ascii_lowercase();
        SheetKind::ALL
            .into_iter()
            .find(|kind| kind.key() == wanted)
            .ok_or_else(|| LayoutError::UnknownSheet(text.to_owned()))
    }
}

/// Errors of layout computation.
#[derive(Debug, Error, PartialEq)]
pub enum LayoutError {
    #[error("unknown sheet layout '{0}' (expected six_inch, five_inch, a4 or single)")]
    UnknownSheet(String),
    #[error("a {photo} photo does not fit on {sheet} paper ({paper}) with margins and cut marks")]
    PhotoDoesNotFit {
        sheet: SheetKind,
        photo: SizeMm,
        paper: SizeMm,
    },
    #[error("photo size {0} is not a positive physical size")]
    BadPhotoSize(SizeMm),
}

/// One photo position on a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Slot {
    /// Where the photo prints, exactly its physical size.
    pub photo_mm: RectMm,
    /// The band under the photo for the name and student number, when captions are on.
    pub caption_mm: Option<RectMm>,
}

/// A straight cut mark from `start` to `end` (axis-aligned; `start` is the end nearer the photo).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CutMark {
    pub start: PointMm,
    pub end: PointMm,
}

impl CutMark {
    pub fn length_mm(&self) -> f32 {
        (self.end.x_mm - self.start.x_mm).hypot(self.end.y_mm - self.start.y_mm)
    }
}

/// A complete sheet: paper, photo slots (row by row, left to right) and cut marks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SheetLayout {
    pub kind: SheetKind,
    pub paper_mm: SizeMm,
    pub photo_mm: SizeMm,
    pub columns: u32,
    pub rows: u32,
    pub slots: Vec<Slot>,
    pub cut_marks: Vec<CutMark>,
}

/// Clearance from the page edge to the nearest photo: margin, mark offset and the shortest mark.
fn edge_clearance_mm() -> f32 {
    PRINTER_MARGIN_MM + CUT_MARK_OFFSET_MM + CUT_MARK_MIN_LENGTH_MM
}

/// How many cells of `cell_mm` with `GUTTER_MM` between them fit in `available_mm`.
fn cells_that_fit(available_mm: f32, cell_mm: f32) -> u32 {
    if available_mm < cell_mm {
        return 0;
    }
    ((available_mm + GUTTER_MM) / (cell_mm + GUTTER_MM)).floor() as u32
}

/// Lays out photos of `photo_mm` on a sheet of `kind`, captions optional.
pub fn layout_sheet(
    kind: SheetKind,
    photo_mm: SizeMm,
    captions: bool,
) -> Result<SheetLayout, LayoutError> {
    let positive = |value: f32| value.is_finite() && value > 0.0;
    if !positive(photo_mm.width_mm) || !positive(photo_mm.height_mm) {
        return Err(LayoutError::BadPhotoSize(photo_mm));
    }
    let caption_band_mm = if captions {
        CAPTION_GAP_MM + CAPTION_HEIGHT_MM
    } else {
        0.0
    };
    let cell = SizeMm::new(photo_mm.width_mm, photo_mm.height_mm + caption_band_mm);
    let clearance_mm = edge_clearance_mm();
    let paper_mm = kind.paper().unwrap_or_else(|| {
        let border_mm = 2.0 * (clearance_mm + SINGLE_PAGE_MARGIN_MM);
        SizeMm::new(cell.width_mm + border_mm, cell.height_mm + border_mm)
    });
    let (columns, rows) = if kind == SheetKind::Single {
        (1, 1)
    } else {
        (
            cells_that_fit(paper_mm.width_mm - 2.0 * clearance_mm, cell.width_mm),
            cells_that_fit(paper_mm.height_mm - 2.0 * clearance_mm, cell.height_mm),
        )
    };
    if columns == 0 || rows == 0 {
        return Err(LayoutError::PhotoDoesNotFit {
            sheet: kind,
            photo: photo_mm,
            paper: paper_mm,
        });
    }
    let grid_width_mm = columns as f32 * cell.width_mm + (columns - 1) as f32 * GUTTER_MM;
    let grid_height_mm = rows as f32 * cell.height_mm + (rows - 1) as f32 * GUTTER_MM;
    let origin = PointMm::new(
        (paper_mm.width_mm - grid_width_mm) / 2.0,
        (paper_mm.height_mm - grid_height_mm) / 2.0,
    );
    let mut slots = Vec::with_capacity((columns * rows) as usize);
    let mut cut_marks = Vec::with_capacity(slots.capacity() * 8);
    for row in 0..rows {
        for column in 0..columns {
            let x_mm = origin.x_mm + column as f32 * (cell.width_mm + GUTTER_MM);
            let y_mm = origin.y_mm + row as f32 * (cell.height_mm + GUTTER_MM);
            let photo = RectMm::new(x_mm, y_mm, photo_mm.width_mm, photo_mm.height_mm);
            let caption = captions.then(|| {
                RectMm::new(
                    x_mm,
                    photo.bottom_mm() + CAPTION_GAP_MM,
                    photo_mm.width_mm,
                    CAPTION_HEIGHT_MM,
                )
            });
            let at = GridPosition {
                column,
                row,
                columns,
                rows,
            };
            cut_marks.extend(marks_around(photo, paper_mm, caption_band_mm, &at));
            slots.push(Slot {
                photo_mm: photo,
                caption_mm: caption,
            });
        }
    }
    Ok(SheetLayout {
        kind,
        paper_mm,
        photo_mm,
        columns,
        rows,
        slots,
        cut_marks,
    })
}

/// Lays out photos of a profile on a sheet.
pub fn layout_for_profile(
    kind: SheetKind,
    spec: &PhotoSpec,
    captions: bool,
) -> Result<SheetLayout, LayoutError> {
    layout_sheet(kind, SizeMm::of_photo(spec), captions)
}

/// Length of a mark running outward from a photo edge into `space_mm` (half the gap to the neighbouring
/// photo, whose mark takes the other half, or the distance to the page's printable border).
fn mark_length_mm(space_mm: f32) -> f32 {
    (space_mm - CUT_MARK_OFFSET_MM).clamp(0.0, CUT_MARK_MAX_LENGTH_MM)
}

/// Where a slot sits in its grid, which decides how far its marks may run.
struct GridPosition {
    column: u32,
    row: u32,
    columns: u32,
    rows: u32,
}

/// The eight marks around one photo: at each corner, one mark extending each edge line outward.
fn marks_around(
    photo: RectMm,
    paper_mm: SizeMm,
    caption_band_mm: f32,
    at: &GridPosition,
) -> Vec<CutMark> {
    let to_border = |distance_to_edge_mm: f32| distance_to_edge_mm - PRINTER_MARGIN_MM;
    // Half of the space between rows (gutter plus the caption band above it).
    let half_row_gap_mm = GUTTER_MM.midpoint(caption_band_mm);
    let left = if at.column > 0 {
        GUTTER_MM / 2.0
    } else {
        to_border(photo.x_mm)
    };
    let right = if at.column + 1 < at.columns {
        GUTTER_MM / 2.0
    } else {
        to_border(paper_mm.width_mm - photo.right_mm())
    };
    let top = if at.row > 0 {
        half_row_gap_mm
    } else {
        to_border(photo.y_mm)
    };
    let bottom = if at.row + 1 < at.rows {
        half_row_gap_mm
    } else {
        to_border(paper_mm.height_mm - photo.bottom_mm())
    };
    corner_marks(
        photo,
        &MarkLengths {
            left: mark_length_mm(left),
            right: mark_length_mm(right),
            top: mark_length_mm(top),
            bottom: mark_length_mm(bottom),
        },
    )
}

/// Length of the marks leaving a photo on each side.
struct MarkLengths {
    left: f32,
    right: f32,
    top: f32,
    bottom: f32,
}

fn corner_marks(photo: RectMm, lengths: &MarkLengths) -> Vec<CutMark> {
    let offset = CUT_MARK_OFFSET_MM;
    let (left, right, top, bottom) = (photo.x_mm, photo.right_mm(), photo.y_mm, photo.bottom_mm());
    let horizontal = |y: f32, x_from: f32, direction: f32, length: f32| CutMark {
        start: PointMm::new(x_from + direction * offset, y),
        end: PointMm::new(x_from + direction * (offset + length), y),
    };
    let vertical = |x: f32, y_from: f32, direction: f32, length: f32| CutMark {
        start: PointMm::new(x, y_from + direction * offset),
        end: PointMm::new(x, y_from + direction * (offset + length)),
    };
    let marks = [
        horizontal(top, left, -1.0, lengths.left),
        horizontal(bottom, left, -1.0, lengths.left),
        horizontal(top, right, 1.0, lengths.right),
        horizontal(bottom, right, 1.0, lengths.right),
        vertical(left, top, -1.0, lengths.top),
        vertical(right, top, -1.0, lengths.top),
        vertical(left, bottom, 1.0, lengths.bottom),
        vertical(right, bottom, 1.0, lengths.bottom),
    ];
    marks
        .into_iter()
        .filter(|mark| mark.length_mm() > 0.0)
        .collect()
}
