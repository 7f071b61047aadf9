//! What every face-dependent check shares: the primary face's mesh, its frame, its outline and the head's
//! extent, computed once per image.
//!
//! Owns the preparation only; no limits, no verdicts. Also maps an analysis made on a differently sized
//! image onto the pixels being checked.

use std::borrow::Cow;

use super::crop::HeadExtent;
use super::regions::{FaceFrame, face_outline};
use super::sampling::MaskView;
use crate::core::face::{FaceAnalysis, FaceMesh};
use crate::core::geometry::{Point, Point3, Rect, SizePx};

/// The primary face, ready for measuring.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    pub mesh: &'a FaceMesh,
    pub frame: FaceFrame,
    pub head: HeadExtent,
    /// Face outline polygon, image pixels.
    pub outline: Vec<Point>,
}

impl<'a> Subject<'a> {
    /// `None` when the analysis has no usable mesh.
    pub fn new(analysis: &'a FaceAnalysis, mask: Option<&MaskView<'_>>) -> Option<Self> {
        let mesh = analysis.mesh.as_ref()?;
        let frame = FaceFrame::from_mesh(mesh)?;
        let head = HeadExtent::measure(&frame, mesh, mask);
        Some(Self {
            mesh,
            frame,
            head,
            outline: face_outline(mesh),
        })
    }
}

/// The analysis in the coordinates of an image of `size` (borrowed unchanged when the sizes agree).
pub fn analysis_for_image(analysis: &FaceAnalysis, size: SizePx) -> Cow<'_, FaceAnalysis> {
    if analysis.image_size == size
        || analysis.image_size.width == 0
        || analysis.image_size.height == 0
    {
        return Cow::Borrowed(analysis);
    }
    let sx = size.width as f32 / analysis.image_size.width as f32;
    let sy = size.height as f32 / analysis.image_size.height as f32;
    let point = |p: Point| Point::new(p.x * sx, p.y * sy);
    let mut scaled = analysis.clone();
    scaled.image_size = size;
    for face in &mut scaled.faces {
        let b = face.bbox;
        face.bbox = Rect::new(b.x * sx, b.y * sy, b.width * sx, b.height * sy);
        let k = &mut face.keypoints;
        for p in [
            &mut k.right_eye,
            &mut k.left_eye,
            &mut k.nose_tip,
            &mut k.mouth_center,
            &mut k.right_ear,
            &mut k.left_ear,
        ] {
            *p = point(*p);
        }
    }
    if let Some(mesh) = &mut scaled.mesh {
        for p in &mut mesh.landmarks {
            *p = Point3::new(p.x * sx, p.y * sy, p.z * sx);
        }
        for p in [
            &mut mesh.right_eye,
            &mut mesh.left_eye,
            &mut mesh.chin,
            &mut mesh.forehead,
            &mut mesh.right_cheek,
            &mut mesh.left_cheek,
        ] {
            *p = point(*p);
        }
        mesh.ied_px = mesh.right_eye.distance(mesh.left_eye);
    }
    Cow::Owned(scaled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::checks::regions::tests::synthetic_mesh;

    #[test]
    fn analysis_scales_to_the_checked_image() {
        let mut analysis = FaceAnalysis::empty(SizePx::new(400, 300));
        analysis.mesh = Some(synthetic_mesh());
        let same = analysis_for_image(&analysis, SizePx::new(400, 300));
        assert!(matches!(same, Cow::Borrowed(_)));
        let double = analysis_for_image(&analysis, SizePx::new(800, 600));
        let mesh = double.mesh.as_ref().unwrap();
        assert!((mesh.ied_px - 200.0).abs() < 1e-3);
        assert!((mesh.chin.y - 920.0).abs() < 1e-3);
    }
}
