//! The bundled CJK font: Noto Sans CJK SC Regular, subset to GB 2312 + ASCII + the punctuation we use
//! (assets/fonts/README.md says how it was made). Used by the sheet captions here and by the egui UI.
//!
//! Owns the font bytes and the coverage question "can this text be drawn?". Knows nothing of PDF pages or
//! egui contexts; callers hand the bytes to printpdf or egui themselves.

/// The bundled font file (CFF-flavoured OpenType; egui 0.37 reads it through skrifa, printpdf through allsorts).
pub const BUNDLED_CJK_FONT_OTF: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/fonts/NotoSansSC-Regular-GB2312.otf"
));

/// Family name inside the bundled font (what egui and PDF viewers report).
pub const BUNDLED_CJK_FONT_FAMILY: &str = "Noto Sans CJK SC";

/// Key under which the app registers the bundled font with egui (`FontDefinitions::font_data`).
pub const BUNDLED_CJK_FONT_KEY: &str = "noto_sans_sc_gb2312";
