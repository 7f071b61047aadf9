//! PDF output of sheets with printpdf 0.12: photos at exact physical size, cut marks, CJK captions.
//!
//! Owns the translation from a [`SheetLayout`] (millimetres, y down) to PDF pages (points, y up). Photos are
//! embedded once per distinct image and drawn at their pixel size and dpi, never resampled; captions use the
//! bundled font, subset into the file. Must not decide layouts or talk to printers.

use std::collections::BTreeMap;

use printpdf::{
    Color, DictItem, ExternalStream, ExternalXObject, Greyscale, ImageCompression,
    ImageOptimizationOptions, Line, LinePoint, Mm, Op, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, Px, RawImage, RawImageData, RawImageFormat, TextItem, XObjectId,
    XObjectTransform,
};
use thiserror::Error;

use crate::print::font::{CaptionFonts, ChosenFace};
use crate::print::layout::{CAPTION_HEIGHT_MM, CUT_MARK_STROKE_MM, RectMm, SheetLayout, SizeMm};
use crate::print::photo::{Embedding, PrintPhoto};

/// Largest caption size; 7 pt CJK is legible on a 25 mm wide photo and fits the 3 mm band.
pub const CAPTION_MAX_PT: f32 = 7.0;
/// Smallest caption size still readable by staff sorting sheets (4.5 pt ≈ 1.6 mm glyphs).
pub const CAPTION_MIN_PT: f32 = 4.5;
/// Top of the ideographic em box above the baseline, in ems (Source Han / Noto CJK: 880 of 1000 units).
const IDEOGRAPHIC_TOP_EM: f32 = 0.88;
/// Millimetres per PostScript point.
const MM_PER_PT: f32 = 25.4 / 72.0;
/// Space between the name and the student number in a caption.
const CAPTION_SEPARATOR: &str = "  ";
/// Side clearance inside the caption band, so text never meets the vertical cut marks.
const CAPTION_SIDE_CLEARANCE_MM: f32 = 0.5;

/// Errors producing a sheet PDF.
#[derive(Debug, Error)]
pub enum PdfError {
    #[error("no photo to print")]
    NoPhotos,
    #[error("photo {index} prints at {actual} but the sheet was laid out for {expected}")]
    SizeMismatch {
        index: usize,
        expected: SizeMm,
        actual: SizeMm,
    },
    #[error("copies must be between 1 and {max}, not {requested}")]
    BadCopies { requested: u32, max: u32 },
}

/// Most sheets one PDF may repeat (a kiosk printing more is a typo, not a job).
pub const MAX_PDF_COPIES: u32 = 50;

/// Text under a photo, so staff can tell whose sheet it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caption {
    pub name: String,
    pub student_no: String,
}

/// One photo for a sheet, with its caption (shown only when the layout has caption bands).
#[derive(Debug, Clone)]
pub struct SheetPhoto {
    pub photo: PrintPhoto,
    pub caption: Option<Caption>,
}

/// How photos fill a sheet's slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// One photo in every slot (one student's sheet); exactly one photo expected.
    Repeat,
    /// One photo per slot in order, as many pages as needed (staff batch printing).
    OnePerSlot,
}

/// What to render.
#[derive(Debug, Clone)]
pub struct SheetRequest<'a> {
    pub layout: &'a SheetLayout,
    pub photos: &'a [SheetPhoto],
    pub fill: Fill,
    /// Times the page set is repeated in the file (1 for printers, which take copies as a job attribute).
    pub copies: u32,
    /// Document title (shown by viewers and in the CUPS queue).
    pub title: &'a str,
}

/// Renders the sheet(s) to PDF bytes.
pub fn render_pdf(request: &SheetRequest<'_>, fonts: &CaptionFonts) -> Result<Vec<u8>, PdfError> {
    validate(request)?;
    let layout = request.layout;
    let mut doc = PdfDocument::new(request.title);
    let images = embed_images(&mut doc, request.photos);
    let mut font_ids = BTreeMap::new();
    let slot_count = layout.slots.len();
    let page_photos: Vec<Vec<usize>> = match request.fill {
        Fill::Repeat => vec![vec![0; slot_count]],
        Fill::OnePerSlot => (0..request.photos.len())
            .collect::<Vec<_>>()
            .chunks(slot_count)
            .map(<[usize]>::to_vec)
            .collect(),
    };
    let mut pages = Vec::with_capacity(page_photos.len());
    for photo_indices in &page_photos {
        let mut ops = cut_mark_ops(layout);
        for (slot, &photo_index) in layout.slots.iter().zip(photo_indices) {
            let sheet_photo = &request.photos[photo_index];
            ops.push(place_image(
                &images[photo_index],
                &sheet_photo.photo,
                slot.photo_mm,
                layout.paper_mm,
            ));
            if let (Some(band), Some(caption)) = (slot.caption_mm, &sheet_photo.caption) {
                ops.extend(caption_ops(
                    &mut doc,
                    &mut font_ids,
                    fonts,
                    caption,
                    band,
                    layout.paper_mm,
                ));
            }
        }
        pages.push(PdfPage::new(
            Mm(layout.paper_mm.width_mm),
            Mm(layout.paper_mm.height_mm),
            ops,
        ));
    }
    let all_pages: Vec<PdfPage> = (0..request.copies)
        .flat_map(|_| pages.iter().cloned())
        .collect();
    let mut warnings = Vec::new();
    let bytes = doc
        .with_pages(all_pages)
        .save(&save_options(), &mut warnings);
    for warning in warnings
        .iter()
        .filter(|w| matches!(w.severity, printpdf::PdfParseErrorSeverity::Error))
    {
        tracing::warn!(message = %warning.msg, "printpdf reported a problem while saving a sheet");
    }
    Ok(bytes)
}

fn validate(request: &SheetRequest<'_>) -> Result<(), PdfError> {
    if request.photos.is_empty() {
        return Err(PdfError::NoPhotos);
    }
    if !(1..=MAX_PDF_COPIES).contains(&request.copies) {
        return Err(PdfError::BadCopies {
            requested: request.copies,
            max: MAX_PDF_COPIES,
        });
    }
    for (index, sheet_photo) in request.photos.iter().enumerate() {
        let actual = sheet_photo.photo.size_mm();
        if !actual.same_as(request.layout.photo_mm) {
            return Err(PdfError::SizeMismatch {
                index,
                expected: request.layout.photo_mm,
                actual,
            });
        }
    }
    Ok(())
}

/// Lossless storage for decoded images; JPEG pass-through streams are never touched by these options.
fn save_options() -> PdfSaveOptions {
    PdfSaveOptions {
        optimize: true,
        subset_fonts: true,
        secure: true,
        image_optimization: Some(ImageOptimizationOptions {
            quality: None,
            max_image_size: None,
            dither_greyscale: Some(false),
            convert_to_greyscale: Some(false),
            auto_optimize: Some(false),
            format: Some(ImageCompression::Flate),
        }),
    }
}

/// Adds each distinct image once; returns the XObject of every photo, by index.
fn embed_images(doc: &mut PdfDocument, photos: &[SheetPhoto]) -> Vec<XObjectId> {
    let mut ids: Vec<XObjectId> = Vec::with_capacity(photos.len());
    for (index, sheet_photo) in photos.iter().enumerate() {
        let earlier = photos[..index]
            .iter()
            .position(|other| other.photo.same_image(&sheet_photo.photo));
        let id = match earlier {
            Some(earlier) => ids[earlier].clone(),
            None => embed_image(doc, &sheet_photo.photo),
        };
        ids.push(id);
    }
    ids
}

fn embed_image(doc: &mut PdfDocument, photo: &PrintPhoto) -> XObjectId {
    let (width, height) = (photo.width_px() as usize, photo.height_px() as usize);
    match photo.embedding() {
        Embedding::JpegPassThrough { grey } => {
            let name = |text: &str| DictItem::Name(text.as_bytes().to_vec());
            let mut dict = BTreeMap::new();
            dict.insert("Type".to_owned(), name("XObject"));
            dict.insert("Subtype".to_owned(), name("Image"));
            dict.insert("Width".to_owned(), DictItem::Int(width as i64));
            dict.insert("Height".to_owned(), DictItem::Int(height as i64));
            dict.insert(
                "ColorSpace".to_owned(),
                name(if *grey { "DeviceGray" } else { "DeviceRGB" }),
            );
            dict.insert("BitsPerComponent".to_owned(), DictItem::Int(8));
            dict.insert("Filter".to_owned(), name("DCTDecode"));
            doc.add_xobject(&ExternalXObject {
                stream: ExternalStream {
                    dict,
                    content: photo.bytes().to_vec(),
                    compress: false,
                },
                width: Some(Px(width)),
                height: Some(Px(height)),
                dpi: Some(photo.dpi() as f32),
            })
        }
        Embedding::Rgb8 { pixels } => doc.add_image(&RawImage {
            pixels: RawImageData::U8(pixels.as_ref().clone()),
            width,
            height,
            data_format: RawImageFormat::RGB8,
            tag: Vec::new(),
        }),
    }
}

/// PDF y (from the bottom) of a layout y (from the top).
fn pdf_y_mm(y_mm: f32, paper_mm: SizeMm) -> f32 {
    paper_mm.height_mm - y_mm
}

fn place_image(id: &XObjectId, photo: &PrintPhoto, rect: RectMm, paper_mm: SizeMm) -> Op {
    Op::UseXobject {
        id: id.clone(),
        transform: XObjectTransform {
            translate_x: Some(Mm(rect.x_mm).into()),
            translate_y: Some(Mm(pdf_y_mm(rect.bottom_mm(), paper_mm)).into()),
            dpi: Some(photo.dpi() as f32),
            ..XObjectTransform::default()
        },
    }
}

fn cut_mark_ops(layout: &SheetLayout) -> Vec<Op> {
    let point = |x_mm: f32, y_mm: f32| LinePoint {
        p: Point::new(Mm(x_mm), Mm(pdf_y_mm(y_mm, layout.paper_mm))),
        bezier: false,
    };
    let mut ops = vec![
        Op::SaveGraphicsState,
        Op::SetOutlineColor {
            col: Color::Greyscale(Greyscale::new(0.0, None)),
        },
        Op::SetOutlineThickness {
            pt: Pt(CUT_MARK_STROKE_MM / MM_PER_PT),
        },
    ];
    ops.extend(layout.cut_marks.iter().map(|mark| Op::DrawLine {
        line: Line {
            points: vec![
                point(mark.start.x_mm, mark.start.y_mm),
                point(mark.end.x_mm, mark.end.y_mm),
            ],
            is_closed: false,
        },
    }));
    ops.push(Op::RestoreGraphicsState);
    ops
}

/// The caption text actually printed and the face it is set in.
struct CaptionText<'f> {
    text: String,
    face: ChosenFace<'f>,
    size_pt: f32,
}

/// Picks the text, face and size: name and number if some face has every glyph and it fits at the
/// minimum size, otherwise the student number alone.
fn fit_caption<'f>(
    fonts: &'f CaptionFonts,
    caption: &Caption,
    width_mm: f32,
) -> Option<CaptionText<'f>> {
    let full = format!(
        "{}{CAPTION_SEPARATOR}{}",
        caption.name.trim(),
        caption.student_no.trim()
    );
    let candidates = [full.trim().to_owned(), caption.student_no.trim().to_owned()];
    for text in candidates.into_iter().filter(|text| !text.is_empty()) {
        let Some(face) = fonts.face_for(&text) else {
            tracing::warn!(text = %text, "caption has characters no installed font can draw; shortening it");
            continue;
        };
        let width_em = face.face.width_em(&text).max(f32::EPSILON);
        let size_pt = (width_mm / MM_PER_PT / width_em).min(CAPTION_MAX_PT);
        if size_pt >= CAPTION_MIN_PT {
            return Some(CaptionText {
                text,
                face,
                size_pt,
            });
        }
    }
    None
}

fn caption_ops(
    doc: &mut PdfDocument,
    font_ids: &mut BTreeMap<usize, printpdf::FontId>,
    fonts: &CaptionFonts,
    caption: &Caption,
    band: RectMm,
    paper_mm: SizeMm,
) -> Vec<Op> {
    let usable_mm = band.width_mm - 2.0 * CAPTION_SIDE_CLEARANCE_MM;
    let Some(fitted) = fit_caption(fonts, caption, usable_mm) else {
        return Vec::new();
    };
    let font_id = font_ids
        .entry(fitted.face.index)
        .or_insert_with(|| doc.add_font(fitted.face.face.parsed()))
        .clone();
    let size_mm = fitted.size_pt * MM_PER_PT;
    let text_width_mm = fitted.face.face.width_em(&fitted.text) * size_mm;
    let x_mm = band.x_mm + (band.width_mm - text_width_mm) / 2.0;
    let glyph_top_mm = band.y_mm + (CAPTION_HEIGHT_MM - size_mm).max(0.0) / 2.0;
    let baseline_mm = glyph_top_mm + IDEOGRAPHIC_TOP_EM * size_mm;
    vec![
        Op::SaveGraphicsState,
        Op::StartTextSection,
        Op::SetFillColor {
            col: Color::Greyscale(Greyscale::new(0.0, None)),
        },
        Op::SetFont {
            font: PdfFontHandle::External(font_id),
            size: Pt(fitted.size_pt),
        },
        Op::SetTextCursor {
            pos: Point::new(Mm(x_mm), Mm(pdf_y_mm(baseline_mm, paper_mm))),
        },
        Op::ShowText {
            items: vec![TextItem::Text(fitted.text)],
        },
        Op::EndTextSection,
        Op::RestoreGraphicsState,
    ]
}
