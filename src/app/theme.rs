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
    fn text_grows_with_the_screen() {
        let small = Metrics::for_screen(Vec2::new(1280.0, 800.0), 1.0);
        let big = Metrics::for_screen(Vec2::new(3840.0, 2160.0), 1.0);
        assert!(big.title().size > small.title().size * 2.0);
    }
}
