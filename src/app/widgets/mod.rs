//! Reusable pieces of the booth screens: big touch buttons, the numeric keypad, the pose overlay drawn
//! over the live preview, the ✓/✗/! check list and image fitting. Widgets draw and report clicks; they
//! never hold flow state, touch the camera, the store or the clock.

pub mod buttons;
pub mod checklist;
pub mod keypad;
pub mod pose_overlay;

use egui::{Rect, Vec2};

/// The largest rectangle of `content` aspect ratio that fits inside `area`, centred in it.
pub fn fit_centered(area: Rect, content: Vec2) -> Rect {
    if content.x <= 0.0 || content.y <= 0.0 {
        return area;
    }
    let scale = (area.width() / content.x).min(area.height() / content.y);
    Rect::from_center_size(area.center(), content * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_the_aspect_and_stays_inside() {
        let area = Rect::from_min_size(egui::pos2(0.0, 0.0), Vec2::new(1920.0, 1080.0));
        let fitted = fit_centered(area, Vec2::new(1280.0, 720.0));
        assert!((fitted.width() - 1920.0).abs() < 0.01);
        let tall = fit_centered(area, Vec2::new(480.0, 640.0));
        assert!((tall.height() - 1080.0).abs() < 0.01);
        assert!((tall.width() / tall.height() - 0.75).abs() < 0.001);
        assert!((tall.center().x - 960.0).abs() < 0.01);
    }
}
