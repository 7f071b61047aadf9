//! Colours, sizes and fonts of the booth: the only place they are defined. Screens ask the theme; they
//! never write a colour or a point size themselves.

use std::path::Path;
use std::sync::Arc;

use egui::{Color32, FontData, FontDefinitions, FontFamily, FontId, Vec2};

/// Deep campus blue used for headings and primary buttons.
pub const PRIMARY: Color32 = Color32::from_rgb(0x0B, 0x4F, 0x9C);
pub const ON_PRIMARY: Color32 = Color32::WHITE;
pub const BACKGROUND: Color32 = Color32::from_rgb(0xF6, 0xF8, 0xFB);
pub const TEXT: Color32 = Color32::from_rgb(0x12, 0x1A, 0x26);
pub const TEXT_SECONDARY: Color32 = Color32::from_rgb(0x4A, 0x55, 0x66);
pub const GOOD: Color32 = Color32::from_rgb(0x1B, 0x7F, 0x3B);
pub const BAD: Color32 = Color32::from_rgb(0xB3, 0x26, 0x1E);
pub const WARN: Color32 = Color32::from_rgb(0xA8, 0x5F, 0x00);

/// Fraction of its column the live preview may fill.
pub const PREVIEW_FILL: f32 = 0.85;

/// Behind the full-screen preview (letterbox bars) and behind text drawn over it.
pub const PREVIEW_BACKDROP: Color32 = Color32::from_rgb(0x10, 0x14, 0x1A);
/// Translucent band behind hints and numbers drawn over the live preview, so they read on any picture.
pub const OVERLAY_SHADE: Color32 = Color32::from_rgba_premultiplied(0, 0, 0, 150);
/// The pose guide while something is still wrong / when every live check is green / with nobody there.
pub const GUIDE_ADJUST: Color32 = Color32::from_rgb(0xFF, 0xD5, 0x4F);
pub const GUIDE_OK: Color32 = Color32::from_rgb(0x4C, 0xD9, 0x64);
pub const GUIDE_IDLE: Color32 = Color32::from_rgba_premultiplied(200, 200, 200, 200);
/// Fill of the eye-line band (premultiplied, faint so the eyes stay visible).
pub const EYE_BAND_FILL: Color32 = Color32::from_rgba_premultiplied(40, 60, 20, 40);
/// The face the live checks found (thin, so it does not compete with the guide).
pub const FACE_MARK: Color32 = Color32::from_rgba_premultiplied(120, 200, 255, 200);
/// Text on the preview and on dark panels.
pub const ON_DARK: Color32 = Color32::WHITE;
/// The shutter flash.
pub const FLASH: Color32 = Color32::WHITE;
/// Card behind a group of content (receipt, check list, notice).
pub const CARD: Color32 = Color32::WHITE;
pub const CARD_BORDER: Color32 = Color32::from_rgb(0xD5, 0xDB, 0xE3);
/// Keypad keys.
pub const KEY_FILL: Color32 = Color32::from_rgb(0xE4, 0xEA, 0xF2);
/// Disabled buttons.
pub const DISABLED_FILL: Color32 = Color32::from_rgb(0xC9, 0xCF, 0xD8);

/// Physical size of the smallest touch target (WCAG / kiosk guidance: ≥ 15 mm).
pub const MIN_TOUCH_MM: f32 = 15.0;
/// Logical points per millimetre at egui's 96-dpi reference.
const POINTS_PER_MM: f32 = 96.0 / 25.4;

/// Sizes derived from the screen, so nothing is cut off from 1280x800 to 3840x2160.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metrics {
    /// Base unit: 1/100 of the shorter screen side, in points.
    pub unit: f32,
}

impl Metrics {
    pub fn for_screen(size: Vec2, scale: f32) -> Metrics {
        Metrics {
            unit: size.x.min(size.y) / 100.0 * scale,
        }
    }

    pub fn title(&self) -> FontId {
        FontId::proportional(self.unit * 7.0)
    }

    pub fn heading(&self) -> FontId {
        FontId::proportional(self.unit * 4.5)
    }

    pub fn body(&self) -> FontId {
        FontId::proportional(self.unit * 3.0)
    }

    pub fn secondary(&self) -> FontId {
        FontId::proportional(self.unit * 2.2)
    }

    /// A big touch button: at least 15 mm high, larger on big screens.
    pub fn button_size(&self) -> Vec2 {
        let min_points = MIN_TOUCH_MM * POINTS_PER_MM;
        Vec2::new(
            (self.unit * 36.0).max(min_points * 3.0),
            (self.unit * 11.0).max(min_points),
        )
    }

    pub fn small_button_size(&self) -> Vec2 {
        let min_points = MIN_TOUCH_MM * POINTS_PER_MM;
        Vec2::new(
            (self.unit * 18.0).max(min_points * 2.0),
            (self.unit * 8.0).max(min_points),
        )
    }

    pub fn spacing(&self) -> f32 {
        self.unit * 3.0
    }

    /// The 3-2-1 countdown digit.
    pub fn countdown(&self) -> FontId {
        FontId::proportional(self.unit * 40.0)
    }

    /// A live pose hint over the preview: big enough to read from a step back.
    pub fn hint(&self) -> FontId {
        FontId::proportional(self.unit * 6.0)
    }

    /// The typed student number.
    pub fn typed(&self) -> FontId {
        FontId::monospace(self.unit * 6.0)
    }

    /// One keypad key (square), never below the touch minimum.
    pub fn key_size(&self) -> Vec2 {
        let side = (self.unit * 10.0).max(MIN_TOUCH_MM * POINTS_PER_MM);
        Vec2::splat(side)
    }

    /// A letter key (the A–Z page has more keys per row).
    pub fn letter_key_size(&self) -> Vec2 {
        let side = (self.unit * 8.0).max(MIN_TOUCH_MM * POINTS_PER_MM);
        Vec2::splat(side)
    }

    /// Gap between keypad keys.
    pub fn key_gap(&self) -> f32 {
        self.unit * 1.2
    }

    /// Stroke width of the pose guide and arrows.
    pub fn guide_stroke(&self) -> f32 {
        (self.unit * 0.6).max(2.0)
    }

    /// Length of a hint arrow.
    pub fn arrow_len(&self) -> f32 {
        self.unit * 12.0
    }

    /// The hidden staff corner (top-left): small enough that students do not lean on it.
    pub fn corner_size(&self) -> Vec2 {
        Vec2::splat(self.unit * 8.0)
    }

    /// Height of a check-list mark (✓ ✗ !).
    pub fn mark_size(&self) -> f32 {
        self.unit * 3.0
    }

    /// Share of the screen height the standardized photo takes on Review.
    pub fn review_photo_height(&self) -> f32 {
        self.unit * 62.0
    }

    /// The small preview on the Identify screen (QR code hint).
    pub fn small_preview_width(&self) -> f32 {
        self.unit * 45.0
    }

    /// Corner rounding of cards and buttons.
    pub fn rounding(&self) -> f32 {
        self.unit * 1.2
    }
}

/// Sizes of the staff station: a desk PC with mouse and keyboard, so ordinary desktop sizes rather than
/// the booth's touch targets.
pub mod staff {
    /// Width of the record list; wide enough for number, name and profile of a typical row.
    pub const LIST_WIDTH_PT: f32 = 380.0;
    /// Width of the decision column (approve, reasons, note) on the right of the review pane.
    pub const DECISION_WIDTH_PT: f32 = 340.0;
    /// Tallest a review image is drawn: a 35:45 photo then reads at about passport-print size x3.
    pub const IMAGE_MAX_HEIGHT_PT: f32 = 460.0;
    /// Width of the login form (label column + field), used to centre it.
    pub const LOGIN_FORM_WIDTH_PT: f32 = 360.0;
    /// Width of a single-line form field.
    pub const FIELD_WIDTH_PT: f32 = 260.0;
    /// The search field fits beside its label and button in the record list.
    pub const SEARCH_FIELD_WIDTH_PT: f32 = 160.0;
    /// A file path field: long enough for a USB-stick path.
    pub const PATH_FIELD_WIDTH_PT: f32 = 520.0;
    /// Space above the login title.
    pub const LOGIN_TOP_GAP_PT: f32 = 48.0;
    pub const SECTION_GAP_PT: f32 = 16.0;
    pub const ROW_GAP_PT: f32 = 6.0;
    /// Text sizes (egui's defaults are 12.5 pt body; reviewers read names and reports all day).
    pub const BODY_PT: f32 = 16.0;
    pub const HEADING_PT: f32 = 22.0;
    pub const SMALL_PT: f32 = 13.0;
}

/// Staff station text sizes; the booth keeps its screen-relative `Metrics`.
pub fn apply_staff_text_sizes(ctx: &egui::Context) {
    use egui::TextStyle;
    ctx.all_styles_mut(|style| {
        for (text_style, font) in &mut style.text_styles {
            font.size = match text_style {
                TextStyle::Heading => staff::HEADING_PT,
                TextStyle::Small => staff::SMALL_PT,
                _ => staff::BODY_PT,
            };
        }
    });
}

/// Name under which the bundled CJK font is registered.
const CJK_FONT: &str = "idbooth-cjk";

/// Loads the first .otf/.ttf in `fonts_dir` as the first choice for proportional and monospace text, so
/// Chinese renders; egui's own fonts stay as fallbacks. Returns the file used.
pub fn install_fonts(ctx: &egui::Context, fonts_dir: &Path) -> Option<std::path::PathBuf> {
    let mut candidates: Vec<_> = std::fs::read_dir(fonts_dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension().is_some_and(|ext| {
                ext.eq_ignore_ascii_case("otf") || ext.eq_ignore_ascii_case("ttf")
            })
        })
        .collect();
    candidates.sort();
    let path = candidates.into_iter().next()?;
    let bytes = std::fs::read(&path).ok()?;
    let mut fonts = FontDefinitions::default();
    fonts
        .font_data
        .insert(CJK_FONT.to_owned(), Arc::new(FontData::from_owned(bytes)));
    for family in [FontFamily::Proportional, FontFamily::Monospace] {
        fonts
            .families
            .entry(family)
            .or_default()
            .insert(0, CJK_FONT.to_owned());
    }
    ctx.set_fonts(fonts);
    Some(path)
}

/// Light, high-contrast visuals for a public touch screen.
pub fn apply_visuals(ctx: &egui::Context) {
    let mut visuals = egui::Visuals::light();
    visuals.panel_fill = BACKGROUND;
    visuals.override_text_color = Some(TEXT);
    ctx.set_visuals(visuals);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touch_targets_are_at_least_15mm_on_the_smallest_screen() {
        let metrics = Metrics::for_screen(Vec2::new(1280.0, 800.0), 1.0);
        let min_points = MIN_TOUCH_MM * POINTS_PER_MM;
        assert!(metrics.button_size().y >= min_points);
        assert!(metrics.small_button_size().y >= min_points);
    }

    #[test]
    fn keypad_keys_are_touch_sized_everywhere() {
        let min_points = MIN_TOUCH_MM * POINTS_PER_MM;
        for size in [Vec2::new(1280.0, 800.0), Vec2::new(3840.0, 2160.0)] {
            let metrics = Metrics::for_screen(size, 1.0);
            assert!(metrics.key_size().y >= min_points);
            assert!(metrics.letter_key_size().y >= min_points);
        }
    }

    #[test]
    fn text_grows_with_the_screen() {
        let small = Metrics::for_screen(Vec2::new(1280.0, 800.0), 1.0);
        let big = Metrics::for_screen(Vec2::new(3840.0, 2160.0), 1.0);
        assert!(big.title().size > small.title().size * 2.0);
    }
}
