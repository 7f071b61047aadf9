//! Plain geometry shared by every layer: points, rectangles and sizes in image pixels.
//!
//! Owns only arithmetic on coordinates. Coordinate spaces are named by the variable that holds them
//! (`eye_in_capture`, `crown_in_photo`); every value here is in pixels with y pointing down.

use serde::{Deserialize, Serialize};

/// A point in image pixels (x right, y down).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

impl Point {
    pub const fn new(x: f32, y: f32) -> Self {
        Self { x, y }
    }

    /// Euclidean distance to `other`.
    pub fn distance(self, other: Point) -> f32 {
        (self.x - other.x).hypot(self.y - other.y)
    }

    /// The point halfway between `self` and `other`.
    pub fn midpoint(self, other: Point) -> Point {
        Point::new(
            f32::midpoint(self.x, other.x),
            f32::midpoint(self.y, other.y),
        )
    }
}

/// A point with relative depth, as the face mesh returns it (z in the same scale as x).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Point3 {
    pub x: f32,
    pub y: f32,
    pub z: f32,
}

impl Point3 {
    pub const fn new(x: f32, y: f32, z: f32) -> Self {
        Self { x, y, z }
    }

    /// Drops the depth.
    pub fn xy(self) -> Point {
        Point::new(self.x, self.y)
    }
}

/// An axis-aligned rectangle in image pixels: top-left corner plus size.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl Rect {
    pub const fn new(x: f32, y: f32, width: f32, height: f32) -> Self {
        Self {
            x,
            y,
            width,
            height,
        }
    }

    /// The rectangle with the given centre and size.
    pub fn from_center(center: Point, width: f32, height: f32) -> Self {
        Self::new(
            center.x - width / 2.0,
            center.y - height / 2.0,
            width,
            height,
        )
    }

    pub fn center(&self) -> Point {
        Point::new(self.x + self.width / 2.0, self.y + self.height / 2.0)
    }

    pub fn right(&self) -> f32 {
        self.x + self.width
    }

    pub fn bottom(&self) -> f32 {
        self.y + self.height
    }

    pub fn area(&self) -> f32 {
        self.width.max(0.0) * self.height.max(0.0)
    }

    /// The overlap of two rectangles (zero-sized when they do not overlap).
    pub fn intersection(&self, other: &Rect) -> Rect {
        let x = self.x.max(other.x);
        let y = self.y.max(other.y);
        let right = self.right().min(other.right());
        let bottom = self.bottom().min(other.bottom());
        Rect::new(x, y, (right - x).max(0.0), (bottom - y).max(0.0))
    }

    /// Intersection over union, 0 when either rectangle is empty.
    pub fn iou(&self, other: &Rect) -> f32 {
        let inter = self.intersection(other).area();
        let union = self.area() + other.area() - inter;
        if union <= 0.0 { 0.0 } else { inter / union }
    }

    /// Whether the rectangle lies completely inside `width` x `height` pixels.
    pub fn inside(&self, width: f32, height: f32) -> bool {
        self.x >= 0.0 && self.y >= 0.0 && self.right() <= width && self.bottom() <= height
    }
}

/// A size in whole pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SizePx {
    pub width: u32,
    pub height: u32,
}

impl SizePx {
    pub const fn new(width: u32, height: u32) -> Self {
        Self { width, height }
    }

    pub fn pixels(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iou_of_identical_rects_is_one_and_disjoint_zero() {
        let a = Rect::new(0.0, 0.0, 10.0, 10.0);
        assert!((a.iou(&a) - 1.0).abs() < 1e-6);
        let b = Rect::new(20.0, 20.0, 5.0, 5.0);
        assert!(a.iou(&b).abs() < 1e-6);
        let c = Rect::new(5.0, 0.0, 10.0, 10.0);
        assert!((a.iou(&c) - 50.0 / 150.0).abs() < 1e-6);
    }

    #[test]
    fn inside_checks_every_edge() {
        assert!(Rect::new(0.0, 0.0, 10.0, 10.0).inside(10.0, 10.0));
        assert!(!Rect::new(-1.0, 0.0, 10.0, 10.0).inside(10.0, 10.0));
        assert!(!Rect::new(0.0, 1.0, 10.0, 10.0).inside(10.0, 10.0));
    }
}
