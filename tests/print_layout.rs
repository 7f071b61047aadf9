//! Sheet layouts in millimetres: what fits on each paper, photos at exact size and apart, cut marks
//! inside the printable area and never on a photo or caption, grids centred.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on broken fixtures (house style)

use idbooth::core::spec::{PhotoSpec, builtin_profiles};
use idbooth::print::layout::{
    CUT_MARK_MAX_LENGTH_MM, CUT_MARK_MIN_LENGTH_MM, CutMark, FIVE_INCH_PAPER, GUTTER_MM,
    LayoutError, PRINTER_MARGIN_MM, PointMm, RectMm, SheetKind, SizeMm, layout_for_profile,
    layout_sheet,
};

fn profile(name: &str) -> PhotoSpec {
    builtin_profiles()
        .into_iter()
        .find(|spec| spec.name == name)
        .unwrap()
}

fn inside_printable(point: PointMm, paper: SizeMm) -> bool {
    let min = PRINTER_MARGIN_MM - 1e-3;
    point.x_mm >= min
        && point.y_mm >= min
        && point.x_mm <= paper.width_mm - min
        && point.y_mm <= paper.height_mm - min
}

fn touches(mark: &CutMark, rect: &RectMm) -> bool {
    let (x0, x1) = (
        mark.start.x_mm.min(mark.end.x_mm),
        mark.start.x_mm.max(mark.end.x_mm),
    );
    let (y0, y1) = (
        mark.start.y_mm.min(mark.end.y_mm),
        mark.start.y_mm.max(mark.end.y_mm),
    );
    x1 >= rect.x_mm && x0 <= rect.right_mm() && y1 >= rect.y_mm && y0 <= rect.bottom_mm()
}

#[test]
fn six_inch_sheet_holds_eight_one_inch_photos_with_or_without_captions() {
    for captions in [false, true] {
        let sheet = layout_for_profile(SheetKind::SixInch, &profile("one_inch"), captions).unwrap();
        assert_eq!((sheet.columns, sheet.rows), (4, 2), "captions {captions}");
        assert_eq!(sheet.slots.len(), 8);
        assert_eq!(sheet.cut_marks.len(), 8 * 8);
    }
}

#[test]
fn counts_for_every_profile_and_sheet_are_what_fits() {
    let expected = [
        ("one_inch", SheetKind::FiveInch, 8),
        ("campus_card", SheetKind::SixInch, 8),
        ("two_inch", SheetKind::SixInch, 3),
        ("us_visa", SheetKind::SixInch, 2),
        ("one_inch", SheetKind::A4, 42),
        ("chsi", SheetKind::Single, 1),
    ];
    for (name, kind, count) in expected {
        let sheet = layout_for_profile(kind, &profile(name), false).unwrap();
        assert_eq!(sheet.slots.len(), count, "{name} on {kind}");
    }
}

#[test]
fn photos_keep_their_size_stay_apart_and_inside_the_printable_area() {
    for spec in builtin_profiles() {
        for kind in SheetKind::ALL {
            for captions in [false, true] {
                let Ok(sheet) = layout_for_profile(kind, &spec, captions) else {
                    continue;
                };
                let slots = &sheet.slots;
                for (i, slot) in slots.iter().enumerate() {
                    let photo = slot.photo_mm;
                    assert!((photo.width_mm - spec.width_mm()).abs() < 1e-4);
                    assert!((photo.height_mm - spec.height_mm()).abs() < 1e-4);
                    for corner in [
                        PointMm::new(photo.x_mm, photo.y_mm),
                        PointMm::new(photo.right_mm(), photo.bottom_mm()),
                    ] {
                        assert!(
                            inside_printable(corner, sheet.paper_mm),
                            "{} {kind}",
                            spec.name
                        );
                    }
                    for other in &slots[i + 1..] {
                        let gap_x = (other.photo_mm.x_mm - photo.right_mm())
                            .max(photo.x_mm - other.photo_mm.right_mm());
                        let gap_y = (other.photo_mm.y_mm - photo.bottom_mm())
                            .max(photo.y_mm - other.photo_mm.bottom_mm());
                        assert!(gap_x >= GUTTER_MM - 1e-3 || gap_y >= GUTTER_MM - 1e-3);
                    }
                }
                for mark in &sheet.cut_marks {
                    assert!(
                        mark.length_mm() >= CUT_MARK_MIN_LENGTH_MM - 1e-3,
                        "{mark:?}"
                    );
                    assert!(mark.length_mm() <= CUT_MARK_MAX_LENGTH_MM + 1e-3);
                    assert!(
                        inside_printable(mark.end, sheet.paper_mm),
                        "{} {kind} {mark:?}",
                        spec.name
                    );
                    for slot in slots {
                        assert!(!touches(mark, &slot.photo_mm), "mark on a photo: {mark:?}");
                        if let Some(caption) = slot.caption_mm {
                            let text_area = RectMm::new(
                                caption.x_mm + 0.5,
                                caption.y_mm,
                                caption.width_mm - 1.0,
                                caption.height_mm,
                            );
                            assert!(!touches(mark, &text_area), "mark on a caption: {mark:?}");
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn grid_is_centred_on_the_page() {
    let sheet = layout_for_profile(SheetKind::SixInch, &profile("one_inch"), false).unwrap();
    let first = sheet.slots.first().unwrap().photo_mm;
    let last = sheet.slots.last().unwrap().photo_mm;
    assert!((first.x_mm - (sheet.paper_mm.width_mm - last.right_mm())).abs() < 1e-3);
    assert!((first.y_mm - (sheet.paper_mm.height_mm - last.bottom_mm())).abs() < 1e-3);
}

#[test]
fn marks_in_a_gutter_meet_their_neighbours_marks() {
    let sheet = layout_for_profile(SheetKind::SixInch, &profile("one_inch"), false).unwrap();
    let a = sheet.slots[0].photo_mm;
    let right_of_a = sheet
        .cut_marks
        .iter()
        .find(|m| {
            (m.start.y_mm - a.y_mm).abs() < 1e-4
                && m.start.x_mm > a.right_mm()
                && m.start.x_mm < a.right_mm() + GUTTER_MM / 2.0
        })
        .unwrap();
    assert!((right_of_a.end.x_mm - (a.right_mm() + GUTTER_MM / 2.0)).abs() < 1e-3);
}

#[test]
fn single_page_wraps_one_photo_and_too_large_photos_are_refused() {
    let chsi = profile("chsi");
    let single = layout_for_profile(SheetKind::Single, &chsi, true).unwrap();
    assert!(single.paper_mm.width_mm > chsi.width_mm() + 2.0 * PRINTER_MARGIN_MM);
    let poster = SizeMm::new(120.0, 160.0);
    assert_eq!(
        layout_sheet(SheetKind::FiveInch, poster, false),
        Err(LayoutError::PhotoDoesNotFit {
            sheet: SheetKind::FiveInch,
            photo: poster,
            paper: FIVE_INCH_PAPER
        })
    );
    assert!(matches!(
        layout_sheet(SheetKind::A4, SizeMm::new(0.0, f32::NAN), false),
        Err(LayoutError::BadPhotoSize(_))
    ));
}

#[test]
fn sheet_names_parse_and_round_trip() {
    for kind in SheetKind::ALL {
        assert_eq!(kind.key().parse::<SheetKind>(), Ok(kind));
    }
    assert_eq!("Six-Inch".parse::<SheetKind>(), Ok(SheetKind::SixInch));
    assert!("7inch".parse::<SheetKind>().is_err());
}
