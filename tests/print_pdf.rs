//! Sheet PDFs measured the way a printer would see them: rendered with poppler's pdftoppm at 300 dpi, each
//! photo must be its profile's physical size within ±0.2 mm and every cut mark must be dark exactly where
//! the layout puts it (and nowhere near the photo). Embedded JPEGs must be the original bytes; captions
//! must be real, extractable CJK text.
//!
//! Needs poppler-utils (pdftoppm, pdfimages, pdftotext, pdffonts); a missing tool fails the test.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on broken fixtures (house style)

mod print_support;

use std::path::{Path, PathBuf};

use idbooth::print::font::CaptionFonts;
use idbooth::print::layout::{CutMark, SheetKind, SheetLayout, layout_for_profile};
use idbooth::print::pdf::{Caption, Fill, SheetPhoto, SheetRequest, render_pdf};
use idbooth::print::photo::{Embedding, PrintPhoto};
use image::{DynamicImage, GenericImageView};
use print_support::{
    assert_photo_size, is_ink, is_paper, jpeg_bytes, png_bytes, profile, profile_photo, px,
    render_page, run,
};

fn assert_photo_sizes(
    page: &DynamicImage,
    layout: &SheetLayout,
    spec: &idbooth::core::spec::PhotoSpec,
) {
    for (index, slot) in layout.slots.iter().enumerate() {
        assert_photo_size(
            page,
            slot.photo_mm,
            spec.width_mm(),
            spec.height_mm(),
            &format!("slot {index}"),
        );
    }
}

/// Every mark is ink along its length, paper 0.6 mm to either side, and paper in the gap to the photo.
fn assert_cut_marks(page: &DynamicImage, layout: &SheetLayout) {
    assert!(!layout.cut_marks.is_empty());
    for mark in &layout.cut_marks {
        let CutMark { start, end } = *mark;
        let along = |t: f32| {
            (
                start.x_mm + (end.x_mm - start.x_mm) * t,
                start.y_mm + (end.y_mm - start.y_mm) * t,
            )
        };
        let horizontal = (start.y_mm - end.y_mm).abs() < 1e-3;
        for t in [0.2, 0.5, 0.8] {
            let (x, y) = along(t);
            assert!(
                is_ink(page, x, y),
                "mark {mark:?} not inked at {x:.2},{y:.2} mm"
            );
            let (dx, dy) = if horizontal { (0.0, 0.6) } else { (0.6, 0.0) };
            for sign in [-1.0, 1.0] {
                let (sx, sy) = (x + sign * dx, y + sign * dy);
                assert!(
                    is_paper(page, px(sx) as u32, px(sy) as u32),
                    "ink beside mark {mark:?} at {sx:.2},{sy:.2} mm"
                );
            }
        }
        // Halfway between the photo edge and the mark's start: bare paper.
        let (gap_x, gap_y) = along(-0.5 / mark.length_mm());
        assert!(
            is_paper(page, px(gap_x) as u32, px(gap_y) as u32),
            "mark {mark:?} runs into its photo at {gap_x:.2},{gap_y:.2} mm"
        );
    }
}

struct Rendered {
    _dir: tempfile::TempDir,
    pdf: PathBuf,
    page: DynamicImage,
}

fn render(layout: &SheetLayout, photos: &[SheetPhoto], fill: Fill) -> Rendered {
    let fonts = CaptionFonts::bundled().unwrap();
    let request = SheetRequest {
        layout,
        photos,
        fill,
        copies: 1,
        title: "idbooth test sheet",
    };
    let bytes = render_pdf(&request, &fonts).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("sheet.pdf");
    std::fs::write(&pdf, bytes).unwrap();
    let page = render_page(&pdf);
    if let Ok(keep) = std::env::var("IDBOOTH_KEEP_SHEETS") {
        let name = format!("{}-{}.png", layout.kind, layout.photo_mm.width_mm as u32);
        page.save(Path::new(&keep).join(name)).unwrap();
    }
    Rendered {
        _dir: dir,
        pdf,
        page,
    }
}

#[test]
fn six_inch_sheet_of_one_inch_photos_prints_exact_sizes_marks_and_captions() {
    let spec = profile("one_inch");
    let jpeg = jpeg_bytes(&profile_photo("bad_interfaces_066_foliage_bg.jpg", &spec));
    let photo = PrintPhoto::for_profile(jpeg.clone(), &spec).unwrap();
    assert_eq!(
        photo.embedding(),
        &Embedding::JpegPassThrough { grey: false }
    );
    let layout = layout_for_profile(SheetKind::SixInch, &spec, true).unwrap();
    assert_eq!(layout.slots.len(), 8);
    let sheet = SheetPhoto {
        photo,
        caption: Some(Caption {
            name: "张伟".into(),
            student_no: "2024010001".into(),
        }),
    };
    let rendered = render(&layout, &[sheet], Fill::Repeat);

    let (width_px, height_px) = rendered.page.dimensions();
    assert!(
        (width_px as f32 - px(152.4)).abs() <= 1.0 && (height_px as f32 - px(101.6)).abs() <= 1.0
    );
    assert_photo_sizes(&rendered.page, &layout, &spec);
    assert_cut_marks(&rendered.page, &layout);

    // The photo is embedded once, as the very JPEG we gave it (no re-encoding).
    let pdf = rendered.pdf.to_str().unwrap();
    let listing = String::from_utf8(run("pdfimages", &["-list", pdf]).stdout).unwrap();
    let image_rows: Vec<&str> = listing.lines().skip(2).collect();
    assert_eq!(image_rows.len(), 8, "{listing}");
    assert!(
        image_rows
            .iter()
            .all(|row| row.contains(" 295 ") && row.contains(" 413 ") && row.contains("jpeg"))
    );
    let extracted = rendered.pdf.with_file_name("img");
    run(
        "pdfimages",
        &["-j", "-f", "1", "-l", "1", pdf, extracted.to_str().unwrap()],
    );
    assert_eq!(
        std::fs::read(extracted.with_file_name("img-000.jpg")).unwrap(),
        jpeg
    );

    // Captions are real text in the subset CJK font, and the file stays small.
    let text = String::from_utf8(run("pdftotext", &["-layout", pdf, "-"]).stdout).unwrap();
    assert_eq!(text.matches("张伟").count(), 8, "{text}");
    assert_eq!(text.matches("2024010001").count(), 8, "{text}");
    let fonts = String::from_utf8(run("pdffonts", &[pdf]).stdout).unwrap();
    let font_row = fonts
        .lines()
        .find(|line| line.contains("Noto"))
        .unwrap_or_else(|| panic!("{fonts}"));
    assert!(
        font_row.contains("yes yes"),
        "font must be embedded and subset: {fonts}"
    );
    let pdf_bytes = std::fs::metadata(&rendered.pdf).unwrap().len();
    assert!(
        pdf_bytes < jpeg.len() as u64 + 200_000,
        "PDF is {pdf_bytes} bytes"
    );
}

#[test]
fn campus_card_photos_at_350_dpi_keep_their_size_on_a4() {
    let spec = profile("campus_card");
    assert_eq!(spec.dpi, 350);
    let photo = PrintPhoto::for_profile(
        jpeg_bytes(&profile_photo("bad_interfaces_064_low_key_dark.jpg", &spec)),
        &spec,
    )
    .unwrap();
    let layout = layout_for_profile(SheetKind::A4, &spec, false).unwrap();
    let rendered = render(
        &layout,
        &[SheetPhoto {
            photo,
            caption: None,
        }],
        Fill::Repeat,
    );
    assert_photo_sizes(&rendered.page, &layout, &spec);
    assert_cut_marks(&rendered.page, &layout);
}

#[test]
fn png_photos_are_embedded_losslessly_one_per_slot() {
    let spec = profile("two_inch");
    let images = [
        profile_photo("bad_interfaces_066_foliage_bg.jpg", &spec),
        profile_photo("bad_interfaces_064_low_key_dark.jpg", &spec),
    ];
    let photos: Vec<SheetPhoto> = images
        .iter()
        .enumerate()
        .map(|(i, image)| SheetPhoto {
            photo: PrintPhoto::for_profile(png_bytes(image), &spec).unwrap(),
            caption: Some(Caption {
                name: format!("学生{i}"),
                student_no: format!("20240100{i:02}"),
            }),
        })
        .collect();
    let layout = layout_for_profile(SheetKind::SixInch, &spec, true).unwrap();
    assert_eq!(layout.slots.len(), 3);
    let rendered = render(&layout, &photos, Fill::OnePerSlot);
    // Two photos in three slots: the third slot stays blank paper.
    let third = layout.slots[2].photo_mm;
    assert!(is_paper(
        &rendered.page,
        px(third.x_mm + third.width_mm / 2.0) as u32,
        px(third.y_mm + third.height_mm / 2.0) as u32
    ));
    let filled = SheetLayout {
        slots: layout.slots[..2].to_vec(),
        ..layout.clone()
    };
    assert_photo_sizes(&rendered.page, &filled, &spec);
    let pdf = rendered.pdf.to_str().unwrap();
    let extracted = rendered.pdf.with_file_name("img");
    run("pdfimages", &["-png", pdf, extracted.to_str().unwrap()]);
    for (index, image) in images.iter().enumerate() {
        let decoded = image::open(extracted.with_file_name(format!("img-{index:03}.png")))
            .unwrap()
            .to_rgb8();
        assert_eq!(&decoded, image, "photo {index} changed inside the PDF");
    }
}

#[test]
fn a_photo_of_the_wrong_size_for_the_layout_is_refused() {
    let one_inch = profile("one_inch");
    let two_inch = profile("two_inch");
    let photo = PrintPhoto::for_profile(
        jpeg_bytes(&profile_photo(
            "bad_interfaces_066_foliage_bg.jpg",
            &two_inch,
        )),
        &two_inch,
    )
    .unwrap();
    let layout = layout_for_profile(SheetKind::SixInch, &one_inch, false).unwrap();
    let request = SheetRequest {
        layout: &layout,
        photos: &[SheetPhoto {
            photo,
            caption: None,
        }],
        fill: Fill::Repeat,
        copies: 1,
        title: "wrong",
    };
    let error = render_pdf(&request, &CaptionFonts::bundled().unwrap()).unwrap_err();
    assert!(error.to_string().contains("laid out for"), "{error}");
}

#[test]
fn names_outside_gb2312_fall_back_to_the_system_font_or_to_the_student_number() {
    let spec = profile("one_inch");
    let photo = PrintPhoto::for_profile(
        jpeg_bytes(&profile_photo("bad_interfaces_066_foliage_bg.jpg", &spec)),
        &spec,
    )
    .unwrap();
    let layout = layout_for_profile(SheetKind::Single, &spec, true).unwrap();
    // 喆 is a common given-name character that GB 2312 (and so the bundled subset) lacks.
    let photos = [SheetPhoto {
        photo,
        caption: Some(Caption {
            name: "王喆".into(),
            student_no: "2024010002".into(),
        }),
    }];
    let text_with = |fonts: &CaptionFonts| {
        let request = SheetRequest {
            layout: &layout,
            photos: &photos,
            fill: Fill::Repeat,
            copies: 1,
            title: "fallback",
        };
        let dir = tempfile::tempdir().unwrap();
        let pdf = dir.path().join("sheet.pdf");
        std::fs::write(&pdf, render_pdf(&request, fonts).unwrap()).unwrap();
        String::from_utf8(run("pdftotext", &[pdf.to_str().unwrap(), "-"]).stdout).unwrap()
    };
    let bundled_only = text_with(&CaptionFonts::bundled().unwrap());
    assert!(bundled_only.contains("2024010002"), "{bundled_only}");
    assert!(
        !bundled_only.contains('王'),
        "no half names: {bundled_only}"
    );

    let system = Path::new(idbooth::print::font::SYSTEM_CJK_FONT_PATH);
    if system.exists() {
        let fonts = CaptionFonts::bundled()
            .unwrap()
            .with_fallback_file(system, idbooth::print::font::SYSTEM_CJK_FONT_INDEX)
            .unwrap();
        let with_fallback = text_with(&fonts);
        assert!(
            with_fallback.contains("王喆") && with_fallback.contains("2024010002"),
            "{with_fallback}"
        );
    } else {
        eprintln!(
            "note: {} not installed; only the bundled-font half of this test ran",
            system.display()
        );
    }
}
