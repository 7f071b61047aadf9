//! The Review screen's check list: one line per check with a painted ✓ (pass), ! (warning) or ✗ (fail)
//! and its reason in the current language, failures first. The marks are drawn as shapes so they never
//! depend on a font having the glyph.

use egui::{Painter, Pos2, Rect, RichText, Sense, Stroke, Vec2, pos2};

use crate::app::text::Lang;
use crate::app::theme::{self, Metrics};
use crate::core::flow::{CheckLine, CheckMark};

/// Draws the lines, failures first, then warnings, then passes.
pub fn show(ui: &mut egui::Ui, metrics: Metrics, lang: Lang, checks: &[CheckLine]) {
    let mut sorted: Vec<&CheckLine> = checks.iter().collect();
    sorted.sort_by_key(|line| match line.mark {
        CheckMark::Fail => 0,
        CheckMark::Warn => 1,
        CheckMark::Pass => 2,
    });
    for line in sorted {
        ui.horizontal(|ui| {
            let side = metrics.mark_size();
            let (rect, _) = ui.allocate_exact_size(Vec2::splat(side), Sense::hover());
            paint_mark(ui.painter(), rect, line.mark, metrics);
            let message = match lang {
                Lang::Zh => &line.message_zh,
                Lang::En => &line.message_en,
            };
            let colour = match line.mark {
                CheckMark::Fail => theme::BAD,
                CheckMark::Warn => theme::WARN,
                CheckMark::Pass => theme::TEXT,
            };
            ui.label(
                RichText::new(message)
                    .font(metrics.secondary())
                    .color(colour),
            );
        });
    }
}

/// Paints ✓, ! or ✗ inside `rect`.
pub fn paint_mark(painter: &Painter, rect: Rect, mark: CheckMark, metrics: Metrics) {
    let width = metrics.guide_stroke();
    let at = |x: f32, y: f32| -> Pos2 {
        pos2(
            rect.min.x + x * rect.width(),
            rect.min.y + y * rect.height(),
        )
    };
    match mark {
        CheckMark::Pass => {
            let stroke = Stroke::new(width, theme::GOOD);
            painter.line_segment([at(0.15, 0.55), at(0.4, 0.8)], stroke);
            painter.line_segment([at(0.4, 0.8), at(0.85, 0.2)], stroke);
        }
        CheckMark::Fail => {
            let stroke = Stroke::new(width, theme::BAD);
            painter.line_segment([at(0.2, 0.2), at(0.8, 0.8)], stroke);
            painter.line_segment([at(0.8, 0.2), at(0.2, 0.8)], stroke);
        }
        CheckMark::Warn => {
            let stroke = Stroke::new(width, theme::WARN);
            painter.line_segment([at(0.5, 0.1), at(0.5, 0.62)], stroke);
            painter.circle_filled(at(0.5, 0.85), width * 0.7, theme::WARN);
        }
    }
}
