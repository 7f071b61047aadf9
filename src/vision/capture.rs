//! A capture analysed on both cores: what the standardizer needs first comes first, and the tiled
//! search for small second faces (about two thirds of the detector's work on a capture) runs beside
//! the caller's own work instead of before it.
//!
//! 1. The segmenter runs on a second thread (`idbooth-segment`) while this thread makes the
//!    whole-image detector pass and meshes the primary face.
//! 2. The tiles go to a second detector on another thread (`idbooth-tiles`) while this thread runs
//!    the caller's work (the standardizer) on the faces found so far; when that is done this thread
//!    takes the tiles that are left. Tiles are handed out one at a time from a shared counter.
//! 3. All detections are merged in a fixed order (whole pass, then tiles by index), so the faces are
//!    those [`super::Vision::analyze`] finds, whichever thread searched which tile.
//!
//! Only when the whole-image pass finds exactly one face does the work start before the tiles are done.
//! With none (a small face may be the only one) or several (the primary face is chosen among all of
//! them), the tiles are searched on both threads first and the mesh taken after. The primary face is
//! always the face the mesh was taken from.

use std::sync::atomic::{AtomicUsize, Ordering};

use image::RgbImage;

use super::blazeface::RawDetection;
use super::detector::{self, FaceDetector};
use super::imaging::Region;
use super::mesh::{self, FaceMesher};
use super::{
    AnalyzeMode, ImageVision, SEGMENT_THREAD_NAME, Segmentation, Vision, VisionError, measures,
    primary_face,
};
use crate::core::face::{FaceAnalysis, FaceDetection, FaceMesh};
use crate::core::geometry::SizePx;

/// Name of the thread the second detector searches tiles on.
pub const TILE_THREAD_NAME: &str = "idbooth-tiles";

/// Tiles handed out one at a time to whichever detector is free.
struct TileQueue<'a> {
    tiles: &'a [Region],
    next: AtomicUsize,
}

/// Detections of one tile, with the tile's index (to merge in a fixed order).
type TileFound = (usize, Vec<RawDetection>);

impl<'a> TileQueue<'a> {
    fn new(tiles: &'a [Region]) -> Self {
        Self {
            tiles,
            next: AtomicUsize::new(0),
        }
    }

    /// Searches tiles with `detector` until none are left.
    fn drain(
        &self,
        detector: &mut FaceDetector,
        img: &RgbImage,
    ) -> Result<Vec<TileFound>, VisionError> {
        let mut found = Vec::new();
        loop {
            let index = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(tile) = self.tiles.get(index) else {
                return Ok(found);
            };
            found.push((index, detector.detect_tile(img, *tile)?));
        }
    }
}

/// The faces of the whole-image pass, the primary one and its mesh.
struct WholePass {
    raw: Vec<RawDetection>,
    faces: Vec<FaceDetection>,
    primary: Option<usize>,
    mesh: Option<FaceMesh>,
}

impl Vision {
    /// Analyses a capture and segments it, runs `work` on the result, and returns the complete
    /// analysis (with the tiles' faces) together with what `work` returned. The faces `work` sees are
    /// those of the whole-image pass; the primary face and its mesh are final.
    pub fn analyze_capture_and<R>(
        &mut self,
        img: &RgbImage,
        work: impl FnOnce(&mut Vision, &ImageVision) -> R,
    ) -> Result<(ImageVision, R), VisionError> {
        super::check_dimensions(img.width(), img.height())?;
        let image_size = SizePx::new(img.width(), img.height());
        let tiles = detector::tiles(f64::from(img.width()), f64::from(img.height()));
        let queue = TileQueue::new(&tiles);
        let (whole, segmentation) = self.whole_pass_and_segment(img)?;
        if whole.faces.len() != 1 {
            // No face at the whole-image scale (a small face may be the only one), or several (the
            // primary face must be chosen among all of them): the tiles come first, then the mesh.
            let found = self.drain_on_both_threads(&queue, img, |_| ())?.0;
            let faces = detector::merge(with_tiles(whole.raw, found));
            let primary = primary_face(&faces, image_size);
            let mesh = match primary {
                Some(index) => self.mesh_face(img, &faces[index])?,
                None => None,
            };
            let seen = ImageVision {
                analysis: FaceAnalysis {
                    image_size,
                    faces,
                    primary,
                    mesh,
                },
                segmentation,
            };
            let result = work(self, &seen);
            return Ok((seen, result));
        }
        let mut seen = ImageVision {
            analysis: FaceAnalysis {
                image_size,
                faces: whole.faces,
                primary: whole.primary,
                mesh: whole.mesh,
            },
            segmentation,
        };
        let (found, result) =
            self.drain_on_both_threads(&queue, img, |vision| work(vision, &seen))?;
        let meshed = seen
            .analysis
            .primary
            .and_then(|index| seen.analysis.faces.get(index))
            .map(|face| face.bbox);
        let faces = detector::merge(with_tiles(whole.raw, found));
        seen.analysis.primary = match meshed {
            // The face the mesh was taken from stays the primary face.
            Some(bbox) => best_overlap(&faces, bbox).or_else(|| primary_face(&faces, image_size)),
            None => primary_face(&faces, image_size),
        };
        seen.analysis.faces = faces;
        Ok((seen, result))
    }

    /// Step 1: the segmenter on a second thread, the whole-image pass and the mesh here.
    fn whole_pass_and_segment(
        &mut self,
        img: &RgbImage,
    ) -> Result<(WholePass, Segmentation), VisionError> {
        let Self {
            detector,
            mesher,
            segmenter,
            ..
        } = self;
        std::thread::scope(|scope| {
            let segmenting = std::thread::Builder::new()
                .name(SEGMENT_THREAD_NAME.to_owned())
                .spawn_scoped(scope, || segmenter.segment(img));
            let whole = whole_pass(detector, mesher, img);
            let segmentation = match segmenting {
                Ok(handle) => handle
                    .join()
                    .unwrap_or_else(|_| Err(thread_failed("person segmenter", "panicked"))),
                Err(error) => Err(thread_failed("person segmenter", &error.to_string())),
            };
            Ok((whole?, segmentation?))
        })
    }

    /// Step 2: the second detector drains `queue` on its own thread while this thread runs `work`
    /// and then drains what is left with the main detector.
    fn drain_on_both_threads<R>(
        &mut self,
        queue: &TileQueue<'_>,
        img: &RgbImage,
        work: impl FnOnce(&mut Vision) -> R,
    ) -> Result<(Vec<TileFound>, R), VisionError> {
        let helper = self.tile_detector.take();
        let (helper, helper_found, mine, result) = std::thread::scope(|scope| {
            let searching = helper.map(|mut detector| {
                std::thread::Builder::new()
                    .name(TILE_THREAD_NAME.to_owned())
                    .spawn_scoped(scope, move || {
                        let found = queue.drain(&mut detector, img);
                        (detector, found)
                    })
            });
            let result = work(self);
            let mine = queue.drain(&mut self.detector, img);
            let (helper, helper_found) = match searching {
                Some(Ok(handle)) => match handle.join() {
                    Ok((detector, found)) => (Some(detector), found),
                    Err(_) => (None, Err(thread_failed("face detector", "panicked"))),
                },
                Some(Err(error)) => (
                    None,
                    Err(thread_failed("face detector", &error.to_string())),
                ),
                None => (None, Ok(Vec::new())),
            };
            (helper, helper_found, mine, result)
        });
        // A lost helper is reloaded by the next `Vision::load`; until then this thread searches alone.
        self.tile_detector = helper;
        let mut found = helper_found?;
        found.extend(mine?);
        found.sort_by_key(|(index, _)| *index);
        Ok((found, result))
    }
}

/// The whole-image pass and the mesh of its primary face.
fn whole_pass(
    detector: &mut FaceDetector,
    mesher: &mut FaceMesher,
    img: &RgbImage,
) -> Result<WholePass, VisionError> {
    let raw = detector.detect_whole(img, AnalyzeMode::Capture)?;
    let faces = detector::merge(raw.clone());
    let primary = primary_face(&faces, SizePx::new(img.width(), img.height()));
    let mesh = match primary {
        Some(index) => {
            let output = mesher.run(img, &mesh::roi_from_detection(&faces[index]))?;
            measures::face_mesh(output.landmarks, output.presence)
        }
        None => None,
    };
    Ok(WholePass {
        raw,
        faces,
        primary,
        mesh,
    })
}

/// The whole pass's detections followed by the tiles' in tile order.
fn with_tiles(mut raw: Vec<RawDetection>, found: Vec<TileFound>) -> Vec<RawDetection> {
    raw.extend(found.into_iter().flat_map(|(_, detections)| detections));
    raw
}

/// The face whose box overlaps `bbox` most, if any does.
fn best_overlap(faces: &[FaceDetection], bbox: crate::core::geometry::Rect) -> Option<usize> {
    faces
        .iter()
        .enumerate()
        .map(|(index, face)| (index, face.bbox.iou(&bbox)))
        .filter(|(_, iou)| *iou > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(index, _)| index)
}

fn thread_failed(model: &'static str, reason: &str) -> VisionError {
    VisionError::Inference {
        model,
        reason: format!("its thread failed: {reason}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(x: f64) -> Region {
        Region {
            x,
            y: 0.0,
            width: 10.0,
            height: 10.0,
        }
    }

    #[test]
    fn every_tile_is_handed_out_once() {
        let tiles: Vec<Region> = (0..9).map(|i| region(f64::from(i))).collect();
        let queue = TileQueue::new(&tiles);
        let mut taken = Vec::new();
        while let Some(tile) = queue.tiles.get(queue.next.fetch_add(1, Ordering::Relaxed)) {
            taken.push(tile.x);
        }
        assert_eq!(taken, (0..9).map(f64::from).collect::<Vec<_>>());
        assert!(
            queue
                .tiles
                .get(queue.next.load(Ordering::Relaxed))
                .is_none()
        );
    }

    #[test]
    fn tile_detections_follow_the_whole_pass_in_tile_order() {
        let detection = |score: f32| RawDetection {
            score,
            center_x: 0.0,
            center_y: 0.0,
            width: 1.0,
            height: 1.0,
            keypoints: [[0.0; 2]; super::super::blazeface::KEYPOINT_COUNT],
        };
        let mut found = vec![(2, vec![detection(0.3)]), (0, vec![detection(0.1)])];
        found.sort_by_key(|(index, _)| *index);
        let all = with_tiles(vec![detection(0.9)], found);
        let scores: Vec<f32> = all.iter().map(|d| d.score).collect();
        assert_eq!(scores, vec![0.9, 0.1, 0.3]);
    }
}
