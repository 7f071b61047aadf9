//! A capture analysed on both cores: what the standardizer needs first comes first, and the tiled
//! search for small second faces (about two thirds of the detector's work on a capture) runs beside
//! the caller's own work instead of before it.
//!
//! 1. One scoped second thread (`idbooth-segment`) segments the capture and hands the segmentation
//!    back together with the segmenter, while this thread makes the whole-image detector pass,
//!    publishes the tiles it calls for (sized from the face it found: [`detector::capture_tiles`])
//!    and meshes the primary face (twice: the second time on the first mesh's own region, so the
//!    measures do not depend on the detector's box).
//! 2. The second thread then searches tiles with a second detector while this thread runs the
//!    caller's work (the standardizer) on the faces found so far; when that is done this thread takes
//!    the tiles that are left. Tiles are handed out one at a time from a shared counter.
//! 3. All detections are merged in a fixed order (whole pass, then tiles by index), so the faces are
//!    those [`super::Vision::analyze`] finds on one thread ([`analyze_alone`]), whichever thread
//!    searched which tile.
//!
//! Without work ([`super::Vision::analyze_and_segment`]) this thread takes tiles right after its
//! whole-image pass instead of idling until the segmentation is back. When only the photo is wanted
//! ([`Vision::primary_face_work`], `idbooth process`), the tiles are skipped once the whole-image pass
//! has settled the primary face: they can only add other faces, which the photo never uses.
//!
//! Only when the whole-image pass finds exactly one face does the work start before the tiles are done.
//! With none (a small face may be the only one) or several (the primary face is chosen among all of
//! them), the tiles are searched on both threads first and the mesh taken after. The primary face is
//! always the face the mesh was taken from. One extra thread per capture, as for the segmenter alone:
//! a thread per stage would give the allocator more arenas to spread the capture's buffers over.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{OnceLock, mpsc};

use image::RgbImage;

use super::blazeface::RawDetection;
use super::detector::{self, FaceDetector};
use super::imaging::Region;
use super::mesh::FaceMesher;
use super::{
    AnalyzeMode, ImageVision, SEGMENT_THREAD_NAME, Vision, VisionError, measures, primary_face,
};
use crate::core::face::{FaceAnalysis, FaceDetection, FaceMesh};
use crate::core::geometry::{Rect, SizePx};

/// How a capture's tiled search for small second faces is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TileSearch {
    /// Every tile, this thread taking tiles until the segmentation is ready, then running `work`,
    /// then taking its share of what is left.
    Beside,
    /// Every tile, this thread starting as soon as its whole-image pass is done (no work to wait for).
    First,
    /// Only when the whole-image pass did not settle the primary face: the caller wants the photo of
    /// the primary face, not the other faces.
    OnlyToFindThePrimary,
}

/// Tiles handed out one at a time to whichever detector is free. The tiles depend on the whole-image
/// pass (see [`detector::capture_tiles`]), so none are handed out until they are published.
struct TileQueue {
    tiles: OnceLock<Vec<Region>>,
    next: AtomicUsize,
}

/// Detections of one tile, with the tile's index (to merge in a fixed order).
type TileFound = (usize, Vec<RawDetection>);

impl TileQueue {
    fn new() -> Self {
        Self {
            tiles: OnceLock::new(),
            next: AtomicUsize::new(0),
        }
    }

    /// Sets the tiles to search (only the first call counts).
    fn publish(&self, tiles: Vec<Region>) {
        // A second call would be a bug in this module; the first list stays.
        let _ = self.tiles.set(tiles);
    }

    /// Publishes the tiles of `img` for the whole-image pass's `faces` ([`detector::capture_tiles`]).
    fn publish_for(&self, img: &RgbImage, faces: &[FaceDetection], second_face_area_ratio: f32) {
        let (width, height) = (f64::from(img.width()), f64::from(img.height()));
        self.publish(detector::capture_tiles(
            width,
            height,
            faces,
            second_face_area_ratio,
        ));
    }

    /// Hands out no more tiles (a tile being searched is finished).
    fn close(&self) {
        self.next.fetch_max(usize::MAX / 2, Ordering::Relaxed);
    }

    /// The next tile nobody has taken, if any (with its index); none before the tiles are published.
    fn next_tile(&self) -> Option<(usize, Region)> {
        let tiles = self.tiles.get()?;
        let index = self.next.fetch_add(1, Ordering::Relaxed);
        tiles.get(index).map(|tile| (index, *tile))
    }

    /// Searches tiles with `detector` until none are left.
    fn drain(
        &self,
        detector: &mut FaceDetector,
        img: &RgbImage,
    ) -> Result<Vec<TileFound>, VisionError> {
        self.drain_while(detector, img, || true)
    }

    /// Searches tiles with `detector` while `go_on()` says so before each tile, until none are left.
    fn drain_while(
        &self,
        detector: &mut FaceDetector,
        img: &RgbImage,
        mut go_on: impl FnMut() -> bool,
    ) -> Result<Vec<TileFound>, VisionError> {
        let mut found = Vec::new();
        while go_on() {
            let Some((index, tile)) = self.next_tile() else {
                break;
            };
            found.push((index, detector.detect_tile(img, tile)?));
        }
        Ok(found)
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
        self.analyze_capture_with(img, work, TileSearch::Beside)
    }

    /// Runs `work` on a capture's analysis when only the primary face matters (a photo without the
    /// checks): the tiled search for small second faces runs only when the whole-image pass did not
    /// settle the primary face, so the second core is free once the segmentation is done. The photo
    /// is the one [`Vision::analyze_capture_and`] makes; the analysis, whose other faces may be
    /// incomplete, is not returned.
    pub fn primary_face_work<R>(
        &mut self,
        img: &RgbImage,
        work: impl FnOnce(&mut Vision, &ImageVision) -> R,
    ) -> Result<R, VisionError> {
        self.analyze_capture_with(img, work, TileSearch::OnlyToFindThePrimary)
            .map(|(_, result)| result)
    }

    /// The analysis and segmentation of a capture with no work beside the tiles: this thread takes
    /// tiles as soon as its whole-image pass is done instead of waiting for the segmentation.
    pub(super) fn analyze_capture(&mut self, img: &RgbImage) -> Result<ImageVision, VisionError> {
        self.analyze_capture_with(img, |_, _| (), TileSearch::First)
            .map(|(seen, ())| seen)
    }

    fn analyze_capture_with<R>(
        &mut self,
        img: &RgbImage,
        work: impl FnOnce(&mut Vision, &ImageVision) -> R,
        search: TileSearch,
    ) -> Result<(ImageVision, R), VisionError> {
        super::check_dimensions(img.width(), img.height())?;
        let image_size = SizePx::new(img.width(), img.height());
        let queue = TileQueue::new();
        let second_face_area_ratio = self.second_face_area_ratio;
        let mut segmenter = self.segmenter.take().ok_or_else(super::segmenter_lost)?;
        let helper = self.tile_detector.take();
        let (hand_back, handed_back) = mpsc::sync_channel(1);
        std::thread::scope(|scope| {
            // Told when the tiles are published; dropped (which also wakes the receiver) when this
            // closure returns early.
            let (tiles_ready, tiles_published) = mpsc::sync_channel::<()>(1);
            // The second thread: the segmentation, handed back with the segmenter as soon as it is
            // done, then tiles until none are left.
            let queue = &queue;
            let second = std::thread::Builder::new()
                .name(SEGMENT_THREAD_NAME.to_owned())
                .spawn_scoped(scope, move || {
                    let segmentation = segmenter.segment(img);
                    // The receiver lives until this thread is joined.
                    let _ = hand_back.send((segmentation, segmenter));
                    helper.map(|mut detector| {
                        // An error means the whole pass failed: nothing was published, no tiles.
                        let _ = tiles_published.recv();
                        // The photo's arithmetic must not split onto this core meanwhile.
                        let busy = crate::split::OtherCoreBusy::mark();
                        let found = queue.drain(&mut detector, img);
                        drop(busy);
                        (detector, found)
                    })
                })
                .map_err(|error| thread_failed("person segmenter", &error.to_string()))?;
            let whole = whole_pass(
                &mut self.detector,
                &mut self.mesher,
                img,
                |faces: &[FaceDetection]| {
                    if search == TileSearch::OnlyToFindThePrimary && faces.len() == 1 {
                        // This pass settled the primary face: no tiles for either thread. Closed
                        // now, not once the segmentation is back, or the second thread would start
                        // a tile in between and hold the other core while the photo is made.
                        queue.close();
                    }
                    queue.publish_for(img, faces, second_face_area_ratio);
                    // The second thread may already have finished (no helper detector).
                    let _ = tiles_ready.send(());
                },
            );
            // Until the segmentation the work cannot start: this thread takes tiles meanwhile.
            let mut handed = None;
            let mine_first = match search {
                TileSearch::First => queue.drain(&mut self.detector, img),
                TileSearch::Beside => queue.drain_while(&mut self.detector, img, || {
                    handed = handed_back.try_recv().ok();
                    handed.is_none()
                }),
                TileSearch::OnlyToFindThePrimary => Ok(Vec::new()),
            };
            let (segmentation, segmenter) = match handed {
                Some(handed) => handed,
                None => handed_back
                    .recv()
                    .map_err(|_| thread_failed("person segmenter", "it stopped"))?,
            };
            self.segmenter = Some(segmenter);
            let (whole, segmentation) = (whole?, segmentation?);
            let settled = whole.faces.len() == 1;
            let whole_faces = WholeFaces::new(whole.raw, &whole.faces);
            let mut seen = ImageVision {
                analysis: FaceAnalysis {
                    image_size,
                    faces: whole.faces,
                    primary: whole.primary,
                    mesh: whole.mesh,
                },
                segmentation,
            };
            // With exactly one face the work starts now, beside the tiles. With none (a small face
            // may be the only one) or several (the primary face is chosen among all), the tiles come
            // first and the mesh after.
            let mut work = Some(work);
            let early = match (settled, work.take()) {
                (true, Some(run)) => Some(run(self, &seen)),
                (_, unused) => {
                    work = unused;
                    None
                }
            };
            let mine = queue.drain(&mut self.detector, img);
            let helper_found = match second.join() {
                Ok(Some((detector, found))) => {
                    self.tile_detector = Some(detector);
                    found
                }
                Ok(None) => Ok(Vec::new()),
                Err(_) => Err(thread_failed("face detector", "it panicked")),
            };
            let mut found = helper_found?;
            found.extend(mine_first?);
            found.extend(mine?);
            let result = match (early, work) {
                (Some(result), _) => {
                    let settled = settle(&whole_faces, found, image_size);
                    seen.analysis.primary = settled.primary;
                    seen.analysis.faces = settled.faces;
                    result
                }
                (None, Some(run)) => {
                    let settled = settle(&whole_faces, found, image_size);
                    seen.analysis.mesh =
                        capture_mesh(&mut self.mesher, img, &settled.faces, settled.primary)?;
                    seen.analysis.primary = settled.primary;
                    seen.analysis.faces = settled.faces;
                    run(self, &seen)
                }
                (None, None) => return Err(thread_failed("face detector", "work went missing")),
            };
            Ok((seen, result))
        })
    }
}

/// The whole-image pass and the mesh of its primary face; `found` is told the pass's faces before
/// the mesh is taken (to publish the tiles).
fn whole_pass(
    detector: &mut FaceDetector,
    mesher: &mut FaceMesher,
    img: &RgbImage,
    found: impl FnOnce(&[FaceDetection]),
) -> Result<WholePass, VisionError> {
    let raw = detector.detect_whole(img, AnalyzeMode::Capture)?;
    let faces = detector::merge(raw.clone());
    found(&faces);
    let primary = primary_face(&faces, SizePx::new(img.width(), img.height()));
    let mesh = capture_mesh(mesher, img, &faces, primary)?;
    Ok(WholePass {
        raw,
        faces,
        primary,
        mesh,
    })
}

/// The whole-image pass's raw detections (to merge with the tiles') and the box of its face when it
/// found exactly one (that face's mesh is taken before the tiles are searched).
struct WholeFaces {
    raw: Vec<RawDetection>,
    meshed: Option<Rect>,
}

impl WholeFaces {
    fn new(raw: Vec<RawDetection>, faces: &[FaceDetection]) -> Self {
        let meshed = match faces {
            [only] => Some(only.bbox),
            _ => None,
        };
        Self { raw, meshed }
    }
}

/// Every face of a capture and the primary one, once the tiles are searched.
struct Settled {
    faces: Vec<FaceDetection>,
    primary: Option<usize>,
}

/// Merges the whole pass's detections with the tiles' (in tile order, whichever thread searched
/// which tile). When the whole pass found exactly one face, its mesh was taken already and that face
/// stays the primary face; otherwise the primary face is chosen among all faces (and meshed by the
/// caller).
fn settle(whole: &WholeFaces, mut found: Vec<TileFound>, image_size: SizePx) -> Settled {
    found.sort_by_key(|(index, _)| *index);
    let faces = detector::merge(with_tiles(whole.raw.clone(), found));
    let primary = match whole.meshed {
        Some(bbox) => best_overlap(&faces, bbox).or_else(|| primary_face(&faces, image_size)),
        None => primary_face(&faces, image_size),
    };
    Settled { faces, primary }
}

/// [`super::Vision::analyze`] of a capture: the analysis of [`Vision::analyze_capture_and`] with
/// every tile searched on this thread.
pub(super) fn analyze_alone(
    detector: &mut FaceDetector,
    mesher: &mut FaceMesher,
    img: &RgbImage,
    second_face_area_ratio: f32,
) -> Result<FaceAnalysis, VisionError> {
    let image_size = SizePx::new(img.width(), img.height());
    let queue = TileQueue::new();
    let whole = whole_pass(detector, mesher, img, |faces: &[FaceDetection]| {
        queue.publish_for(img, faces, second_face_area_ratio);
    })?;
    let found = queue.drain(detector, img)?;
    let whole_faces = WholeFaces::new(whole.raw, &whole.faces);
    let settled = settle(&whole_faces, found, image_size);
    let mesh = if whole_faces.meshed.is_some() {
        whole.mesh
    } else {
        capture_mesh(mesher, img, &settled.faces, settled.primary)?
    };
    Ok(FaceAnalysis {
        image_size,
        faces: settled.faces,
        primary: settled.primary,
        mesh,
    })
}

/// The mesh measures of `faces[primary]` ([`FaceMesher::run_refined`]), if there is such a face.
fn capture_mesh(
    mesher: &mut FaceMesher,
    img: &RgbImage,
    faces: &[FaceDetection],
    primary: Option<usize>,
) -> Result<Option<FaceMesh>, VisionError> {
    let Some(face) = primary.and_then(|index| faces.get(index)) else {
        return Ok(None);
    };
    let output = mesher.run_refined(img, face)?;
    Ok(measures::face_mesh(output.landmarks, output.presence))
}

/// The whole pass's detections followed by the tiles' in tile order.
fn with_tiles(mut raw: Vec<RawDetection>, found: Vec<TileFound>) -> Vec<RawDetection> {
    raw.extend(found.into_iter().flat_map(|(_, detections)| detections));
    raw
}

/// The face whose box overlaps `bbox` most, if any does.
fn best_overlap(faces: &[FaceDetection], bbox: Rect) -> Option<usize> {
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
    fn every_tile_is_handed_out_once_after_they_are_published() {
        let tiles: Vec<Region> = (0..9).map(|i| region(f64::from(i))).collect();
        let queue = TileQueue::new();
        assert!(
            queue.next_tile().is_none(),
            "nothing before the tiles are published"
        );
        queue.publish(tiles);
        queue.publish(vec![region(99.0)]);
        let mut taken = Vec::new();
        while let Some((index, tile)) = queue.next_tile() {
            taken.push((index, tile.x));
        }
        let expected: Vec<(usize, f64)> = (0..9).map(f64::from).enumerate().collect();
        assert_eq!(taken, expected);
        assert!(queue.next_tile().is_none());
    }

    #[test]
    fn a_closed_queue_hands_out_no_more_tiles() {
        let tiles: Vec<Region> = (0..9).map(|i| region(f64::from(i))).collect();
        let queue = TileQueue::new();
        queue.publish(tiles.clone());
        let first: Vec<usize> = (0..2)
            .filter_map(|_| queue.next_tile())
            .map(|(i, _)| i)
            .collect();
        assert_eq!(first, vec![0, 1]);
        queue.close();
        assert!(queue.next_tile().is_none());
        assert!(queue.next_tile().is_none());
        let closed_first = TileQueue::new();
        closed_first.close();
        closed_first.publish(tiles);
        assert!(closed_first.next_tile().is_none());
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
