//! The bundled CJK font: Noto Sans CJK SC Regular, subset to GB 2312 + ASCII + the punctuation we use
//! (assets/fonts/README.md says how it was made). Used by the sheet captions here and by the egui UI.
//!
//! Owns the font bytes, the caption faces parsed for printpdf (bundled subset plus an optional system
//! fallback) and the question "can this text be drawn, and how wide is it?". Knows nothing of PDF pages or
//! egui contexts: the UI registers [`BUNDLED_CJK_FONT_OTF`] with egui itself.

/// The bundled font file (CFF-flavoured OpenType; egui 0.37 reads it through skrifa, printpdf through allsorts).
pub const BUNDLED_CJK_FONT_OTF: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/fonts/NotoSansSC-Regular-GB2312.otf"
));

/// Family name inside the bundled font (what egui and PDF viewers report).
pub const BUNDLED_CJK_FONT_FAMILY: &str = "Noto Sans CJK SC";

/// Key under which the app registers the bundled font with egui (`FontDefinitions::font_data`).
pub const BUNDLED_CJK_FONT_KEY: &str = "noto_sans_sc_gb2312";

/// Where Debian's `fonts-noto-cjk` installs the full face; used when a caption needs a glyph outside GB 2312.
pub const SYSTEM_CJK_FONT_PATH: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
/// Index of "Noto Sans CJK SC" inside [`SYSTEM_CJK_FONT_PATH`] (0 JP, 1 KR, 2 SC, 3 TC, 4 HK).
pub const SYSTEM_CJK_FONT_INDEX: usize = 2;

/// Errors loading caption fonts.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error("the bundled CJK font cannot be parsed")]
    BundledUnreadable,
    #[error("cannot read font {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("font {path} (face {index}) cannot be parsed")]
    Unreadable { path: String, index: usize },
}

/// A parsed font face with the metrics captions need.
#[derive(Debug, Clone)]
pub struct CaptionFace {
    parsed: printpdf::ParsedFont,
    units_per_em: f32,
}

impl CaptionFace {
    /// Parses face `index` of an OpenType/TrueType file or collection.
    pub fn parse(bytes: &[u8], index: usize) -> Option<Self> {
        let mut warnings = Vec::new();
        let parsed = printpdf::ParsedFont::from_bytes(bytes, index, &mut warnings)?;
        let units_per_em = f32::from(parsed.pdf_font_metrics.units_per_em.max(1));
        Some(Self {
            parsed,
            units_per_em,
        })
    }

    pub fn parsed(&self) -> &printpdf::ParsedFont {
        &self.parsed
    }

    /// Whether every character of `text` has a real glyph (not .notdef).
    pub fn covers(&self, text: &str) -> bool {
        text.chars()
            .all(|c| matches!(self.parsed.lookup_glyph_index(u32::from(c)), Some(gid) if gid != 0))
    }

    /// Advance width of `text` in ems (no kerning: captions are short and centred).
    pub fn width_em(&self, text: &str) -> f32 {
        text.chars()
            .filter_map(|c| self.parsed.lookup_glyph_index(u32::from(c)))
            .map(|gid| f32::from(self.parsed.get_horizontal_advance(gid)) / self.units_per_em)
            .sum()
    }
}

/// The faces captions are set in: the bundled subset, and optionally a full system face for rare characters.
#[derive(Debug, Clone)]
pub struct CaptionFonts {
    pub primary: CaptionFace,
    pub fallback: Option<CaptionFace>,
}

impl CaptionFonts {
    /// The bundled font alone.
    pub fn bundled() -> Result<Self, FontError> {
        let primary =
            CaptionFace::parse(BUNDLED_CJK_FONT_OTF, 0).ok_or(FontError::BundledUnreadable)?;
        Ok(Self {
            primary,
            fallback: None,
        })
    }

    /// The bundled font plus the system face at `path` (`index` in a collection) for characters it lacks.
    pub fn with_fallback_file(
        mut self,
        path: &std::path::Path,
        index: usize,
    ) -> Result<Self, FontError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| FontError::Read {
            path: shown.clone(),
            source,
        })?;
        self.fallback = Some(
            CaptionFace::parse(&bytes, index)
                .ok_or(FontError::Unreadable { path: shown, index })?,
        );
        Ok(self)
    }

    /// The bundled font plus Debian's full Noto Sans CJK SC when it is installed (a missing file is not an
    /// error: captions then fall back to the student number for names outside GB 2312).
    pub fn bundled_with_system_fallback() -> Result<Self, FontError> {
        let fonts = Self::bundled()?;
        let path = std::path::Path::new(SYSTEM_CJK_FONT_PATH);
        if !path.exists() {
            return Ok(fonts);
        }
        match fonts
            .clone()
            .with_fallback_file(path, SYSTEM_CJK_FONT_INDEX)
        {
            Ok(with_fallback) => Ok(with_fallback),
            Err(error) => {
                tracing::warn!(%error, "system CJK font unusable; rare name characters will not print");
                Ok(fonts)
            }
        }
    }

    /// The first face that has every glyph of `text`.
    pub fn face_for(&self, text: &str) -> Option<ChosenFace<'_>> {
        std::iter::once(&self.primary)
            .chain(self.fallback.as_ref())
            .enumerate()
            .find(|(_, face)| face.covers(text))
            .map(|(index, face)| ChosenFace { index, face })
    }
}

/// A face picked for some text, with its position in the chain (0 = bundled, 1 = system fallback).
#[derive(Debug, Clone, Copy)]
pub struct ChosenFace<'a> {
    pub index: usize,
    pub face: &'a CaptionFace,
}
