//! The bundled CJK font must be usable by both consumers: egui (skrifa rasterizes its CFF outlines) and
//! printpdf (parses it and embeds a subset). These tests draw real text and look at the result.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic on broken fixtures (house style)

use std::collections::BTreeMap;
use std::sync::Arc;

use egui::Color32;
use egui::epaint::text::{FontData, FontDefinitions, FontFamily, FontId, Fonts, TextOptions};
use idbooth::print::font::{BUNDLED_CJK_FONT_KEY, BUNDLED_CJK_FONT_OTF};

/// Booth and caption text: common hanzi, a name, digits, full-width punctuation.
const SAMPLE: &str = "校园卡照片 张伟 学号 2024010001，请看镜头。（学信网）";

fn only_bundled_font() -> FontDefinitions {
    let mut font_data = BTreeMap::new();
    font_data.insert(
        BUNDLED_CJK_FONT_KEY.to_owned(),
        Arc::new(FontData::from_static(BUNDLED_CJK_FONT_OTF)),
    );
    let mut families = BTreeMap::new();
    families.insert(
        FontFamily::Proportional,
        vec![BUNDLED_CJK_FONT_KEY.to_owned()],
    );
    let mut definitions = FontDefinitions::empty();
    definitions.font_data = font_data;
    definitions.families = families;
    definitions
}

fn inked_atlas_pixels(fonts: &Fonts) -> usize {
    fonts
        .image()
        .pixels
        .iter()
        .filter(|pixel| pixel.a() > 0 && **pixel != Color32::TRANSPARENT)
        .count()
}

#[test]
fn egui_rasterizes_cjk_text_with_the_bundled_font() {
    let mut fonts = Fonts::new(TextOptions::default(), only_bundled_font());
    let font_id = FontId::proportional(32.0);
    assert!(
        fonts.has_glyphs(&font_id, SAMPLE),
        "bundled font lacks glyphs of {SAMPLE}"
    );
    let before = inked_atlas_pixels(&fonts);
    let galley =
        fonts
            .with_pixels_per_point(1.0)
            .layout_no_wrap(SAMPLE.to_owned(), font_id, Color32::BLACK);
    let after = inked_atlas_pixels(&fonts);
    // 30 glyphs at 32 px: each CJK glyph inks well over 100 atlas pixels when its outline is drawn.
    assert!(
        after - before > 30 * 100,
        "atlas gained only {} inked pixels",
        after - before
    );
    assert!(
        galley.size().x > 20.0 * 32.0 * 0.8,
        "text too narrow: {:?}",
        galley.size()
    );
}

#[test]
fn gb2312_covers_common_chars_but_not_rare_name_chars() {
    let mut fonts = Fonts::new(TextOptions::default(), only_bundled_font());
    let font_id = FontId::proportional(16.0);
    assert!(fonts.has_glyphs(&font_id, "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"));
    // 喆 is outside GB 2312: callers must be told (captions fall back, see print::pdf).
    assert!(!fonts.has_glyph(&font_id, '喆'));
}
