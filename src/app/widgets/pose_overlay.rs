//! The pose guide drawn over the live mirrored preview: head outline, eye-line band and shoulder line
//! from the active profile's geometry, the face the live checks found, and arrows for the current hint.
//!
//! Everything arrives in normalised camera-frame coordinates (0..1, x to the right of the UNMIRRORED
//! frame, y down) and is mapped here into the rectangle where the preview image is drawn, mirrored when
//! the preview is. Owns only the drawing; the geometry comes from the booth runtime.

use egui::{Painter, Pos2, Rect, Shape, Stroke, Vec2, pos2, vec2};

use crate::app::theme::{self, Metrics};
use crate::core::flow::Hint;

/// The guide in normalised camera-frame coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GuideShape {
    /// Centre of the head outline (an ellipse).
    pub head_center: Pos2,
    /// Half-width and half-height of the head outline.
    pub head_radius: Vec2,
    /// Top and bottom of the band the eyes should be in.
    pub eye_band_top: f32,
    pub eye_band_bottom: f32,
    /// Height of the shoulder line.
    pub shoulder_y: f32,
}

/// The face the live checks found, normalised like the guide.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceMarks {
    pub face: Rect,
    pub eyes: [Pos2; 2],
}

/// Colour of the guide: how things stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Nobody in front of the camera.
    Idle,
    /// Someone is there and something is still wrong.
    Adjust,
    /// Every live check is green.
    Ready,
}

/// Width of the shoulder line relative to the head outline's half-width.
const SHOULDER_HALF_WIDTH_HEADS: f32 = 2.4;
/// How far the shoulder line drops at its ends (normalised frame heights), for a shoulder-like slope.
const SHOULDER_DROP: f32 = 0.08;
/// Where the eye band starts and ends relative to the head's half-width.
const EYE_BAND_HALF_WIDTH_HEADS: f32 = 1.5;

/// Maps normalised camera-frame points into the drawn preview rectangle.
#[derive(Debug, Clone, Copy)]
pub struct FrameToScreen {
    pub image_rect: Rect,
    pub mirrored: bool,
}

impl FrameToScreen {
    pub fn point(&self, p: Pos2) -> Pos2 {
        let x = if self.mirrored { 1.0 - p.x } else { p.x };
        pos2(
            self.image_rect.min.x + x * self.image_rect.width(),
            self.image_rect.min.y + p.y * self.image_rect.height(),
        )
    }

    pub fn size(&self, v: Vec2) -> Vec2 {
        vec2(
            v.x * self.image_rect.width(),
            v.y * self.image_rect.height(),
        )
    }
}

/// Draws the guide (and the found face) over the preview.
pub fn paint_guide(
    painter: &Painter,
    map: FrameToScreen,
    guide: &GuideShape,
    face: Option<&FaceMarks>,
    tone: Tone,
    metrics: Metrics,
) {
    let colour = match tone {
        Tone::Idle => theme::GUIDE_IDLE,
        Tone::Adjust => theme::GUIDE_ADJUST,
        Tone::Ready => theme::GUIDE_OK,
    };
    let stroke = Stroke::new(metrics.guide_stroke(), colour);
    let centre = map.point(guide.head_center);
    let radius = map.size(guide.head_radius);
    // Eye band: a faint strip with lines at its edges.
    let band_half = radius.x * EYE_BAND_HALF_WIDTH_HEADS;
    let top = map.point(pos2(guide.head_center.x, guide.eye_band_top)).y;
    let bottom = map
        .point(pos2(guide.head_center.x, guide.eye_band_bottom))
        .y;
    let band = Rect::from_x_y_ranges(centre.x - band_half..=centre.x + band_half, top..=bottom);
    painter.rect_filled(band, 0.0, theme::EYE_BAND_FILL);
    let thin = Stroke::new(metrics.guide_stroke() * 0.5, colour);
    painter.line_segment([band.left_top(), band.right_top()], thin);
    painter.line_segment([band.left_bottom(), band.right_bottom()], thin);
    painter.add(Shape::ellipse_stroke(centre, radius, stroke));
    // Shoulders: a level line that slopes down at its ends.
    let shoulder_y = map.point(pos2(guide.head_center.x, guide.shoulder_y)).y;
    let half = radius.x * SHOULDER_HALF_WIDTH_HEADS;
    let drop = map.size(vec2(0.0, SHOULDER_DROP)).y;
    let points = vec![
        pos2(centre.x - half, shoulder_y + drop),
        pos2(centre.x - radius.x * 1.1, shoulder_y),
        pos2(centre.x + radius.x * 1.1, shoulder_y),
        pos2(centre.x + half, shoulder_y + drop),
    ];
    painter.add(Shape::line(points, stroke));
    if let Some(face) = face {
        let a = map.point(face.face.min);
        let b = map.point(face.face.max);
        let face_stroke = Stroke::new(metrics.guide_stroke() * 0.4, theme::FACE_MARK);
        painter.rect_stroke(
            Rect::from_two_pos(a, b),
            0.0,
            face_stroke,
            egui::StrokeKind::Middle,
        );
        for eye in face.eyes {
            painter.circle_filled(map.point(eye), metrics.guide_stroke(), theme::FACE_MARK);
        }
    }
}

/// One hint arrow: the side of the head outline it sits on (a unit vector on screen) and whether it
/// points towards the head instead of away from it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArrowSpec {
    pub side: Vec2,
    pub inward: bool,
}

impl ArrowSpec {
    /// The direction the arrow points on screen.
    pub fn direction(self) -> Vec2 {
        if self.inward { -self.side } else { self.side }
    }
}

/// Arrows for a hint, as the student sees the (mirrored) preview: `MoveLeft` asks them to move towards
/// their own left, which a mirror shows on the screen's left.
pub fn hint_arrows(hint: Hint, mirrored: bool) -> Vec<ArrowSpec> {
    let towards_own_left = if mirrored { -1.0 } else { 1.0 };
    let straight = |side: Vec2| {
        vec![ArrowSpec {
            side,
            inward: false,
        }]
    };
    match hint {
        Hint::MoveLeft => straight(vec2(towards_own_left, 0.0)),
        Hint::MoveRight => straight(vec2(-towards_own_left, 0.0)),
        Hint::MoveUp => straight(vec2(0.0, -1.0)),
        Hint::MoveDown => straight(vec2(0.0, 1.0)),
        // Closer: arrows pointing outwards from the corners (the head should grow); back: inwards.
        Hint::MoveCloser => diagonals(false),
        Hint::MoveBack => diagonals(true),
        _ => Vec::new(),
    }
}

fn diagonals(inward: bool) -> Vec<ArrowSpec> {
    [(-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0), (1.0, 1.0)]
        .into_iter()
        .map(|(x, y)| ArrowSpec {
            side: vec2(x, y).normalized(),
            inward,
        })
        .collect()
}

/// Draws the hint's arrows around the head outline.
pub fn paint_arrows(
    painter: &Painter,
    map: FrameToScreen,
    guide: &GuideShape,
    hint: Hint,
    metrics: Metrics,
) {
    let centre = map.point(guide.head_center);
    let radius = map.size(guide.head_radius);
    let stroke = Stroke::new(metrics.guide_stroke() * 2.0, theme::GUIDE_ADJUST);
    let length = metrics.arrow_len();
    let gap = metrics.spacing() * 0.5;
    for arrow in hint_arrows(hint, map.mirrored) {
        // The point of the outline on this side (an ellipse, so scale the unit side by the radii).
        let edge = centre + vec2(arrow.side.x * radius.x, arrow.side.y * radius.y);
        let origin = if arrow.inward {
            edge + arrow.side * (gap + length)
        } else {
            edge + arrow.side * gap
        };
        painter.arrow(origin, arrow.direction() * length, stroke);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirroring_flips_x_only() {
        let rect = Rect::from_min_size(pos2(100.0, 50.0), vec2(400.0, 300.0));
        let mirrored = FrameToScreen {
            image_rect: rect,
            mirrored: true,
        };
        let plain = FrameToScreen {
            image_rect: rect,
            mirrored: false,
        };
        let p = pos2(0.25, 0.5);
        assert_eq!(plain.point(p), pos2(200.0, 200.0));
        assert_eq!(mirrored.point(p), pos2(400.0, 200.0));
    }

    #[test]
    fn move_left_points_to_the_screen_left_in_a_mirror() {
        assert!(hint_arrows(Hint::MoveLeft, true)[0].direction().x < 0.0);
        assert!(hint_arrows(Hint::MoveLeft, false)[0].direction().x > 0.0);
        assert!(hint_arrows(Hint::MoveUp, true)[0].direction().y < 0.0);
        let closer = hint_arrows(Hint::MoveCloser, true);
        let back = hint_arrows(Hint::MoveBack, true);
        assert_eq!(closer.len(), 4);
        // Closer points away from the head (same way as its side), back towards it.
        assert!(closer.iter().all(|a| a.direction().dot(a.side) > 0.0));
        assert!(back.iter().all(|a| a.direction().dot(a.side) < 0.0));
        assert!(hint_arrows(Hint::OpenEyes, true).is_empty());
    }
}
