//! A capture analysed on both cores: what the standardizer needs first comes first, and the fine
//! pass that searches for small second faces runs beside the caller's own work instead of before it.
//!
//! 1. One scoped second thread (`idbooth-segment`) segments the capture and hands the segmentation
//!    back together with the segmenter, while this thread makes the whole-image detector pass,
//!    publishes the fine pass it calls for (its scale set from the face it found:
//!    [`detector::capture_canvas`]) and meshes the primary face (twice: the second time on the first
//!    mesh's own region, so the measures do not depend on the detector's box).
//! 2. Whichever thread is free first runs the fine pass: this thread while it waits for the
//!    segmentation, or the second thread (with a second detector) while this thread runs the caller's
//!    work (the checks, or the standardizer) on the faces found so far.
//! 3. All detections are merged in a fixed order (whole pass, then the fine pass), so the faces are
//!    those [`super::Vision::analyze`] finds on one thread ([`analyze_alone`]), whichever thread ran
//!    the fine pass.
//!
//! When only the photo is wanted ([`Vision::primary_face_work`], `idbooth process`), the fine pass is
//! skipped once the whole-image pass has settled the primary face: it can only add other faces, which
//! the photo never uses.
//!
//! Only when the whole-image pass finds exactly one face does the work start before the fine pass is
//! done. With none (a small face may be the only one) or several (the primary face is chosen among
//! all of them), the fine pass comes first and the mesh after. The primary face is always the face
//! the mesh was taken from. One extra thread per capture, as for the segmenter alone: a thread per
//! stage would give the allocator more arenas to spread the capture's buffers over.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{OnceLock, mpsc};

use image::RgbImage;

use super::blazeface::RawDetection;
use super::detector::{self, Canvas, FaceDetector};
use super::mesh::FaceMesher;
use super::{
    AnalyzeMode, ImageVision, SEGMENT_THREAD_NAME, Vision, VisionError, measures, primary_face,
};
use crate::core::face::{FaceAnalysis, FaceDetection, FaceMesh};
use crate::core::geometry::{Rect, SizePx};

/// How a capture's fine pass for small second faces is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FineSearch {
    /// Always; this thread takes it if it is still waiting for the segmentation, otherwise the second
    /// thread does while this one runs `work`.
    Beside,
    /// Always, by whichever thread is free first (no work to wait for).
    First,
    /// Only when the whole-image pass did not settle the primary face: the caller wants the photo of
    /// the primary face, not the other faces.
    OnlyToFindThePrimary,
}

/// The fine pass (at most one; a list so the queue does not care) handed to whichever detector is
/// free first. It depends on the whole-image pass (see [`detector::capture_canvas`]), so nothing is
/// handed out until it is published.
struct FineQueue {
    passes: OnceLock<Vec<Canvas>>,
    next: AtomicUsize,
}

/// Detections of one pass, with the pass's index (to merge in a fixed order).
type FineFound = (usize, Vec<RawDetection>);

impl FineQueue {
    fn new() -> Self {
        Self {
            passes: OnceLock::new(),
            next: AtomicUsize::new(0),
        }
    }

    /// Sets the passes to run (only the first call counts).
    fn publish(&self, passes: Vec<Canvas>) {
        // A second call would be a bug in this module; the first list stays.
        let _ = self.passes.set(passes);
    }

    /// Publishes the fine pass of `img` for the whole-image pass's `faces`
    /// ([`detector::capture_canvas`]).
    fn publish_for(&self, img: &RgbImage, faces: &[FaceDetection], second_face_area_ratio: f32) {
        let (width, height) = (f64::from(img.width()), f64::from(img.height()));
        let canvas = detector::capture_canvas(width, height, faces, second_face_area_ratio);
        self.publish(canvas.into_iter().collect());
    }

    /// Hands out nothing more (a pass being run is finished).
    fn close(&self) {
        self.next.fetch_max(usize::MAX / 2, Ordering::Relaxed);
    }

    /// The next pass nobody has taken, if any (with its index); none before they are published.
    fn next_pass(&self) -> Option<(usize, Canvas)> {
        let passes = self.passes.get()?;
        let index = self.next.fetch_add(1, Ordering::Relaxed);
        passes.get(index).map(|canvas| (index, *canvas))
    }

    /// Runs passes with `detector` until none are left.
    fn drain(
        &self,
        detector: &mut FaceDetector,
        img: &RgbImage,
    ) -> Result<Vec<FineFound>, VisionError> {
        self.drain_while(detector, img, || true)
    }

    /// Runs passes with `detector` while `go_on()` says so before each, until none are left.
    fn drain_while(
        &self,
        detector: &mut FaceDetector,
        img: &RgbImage,
        mut go_on: impl FnMut() -> bool,
    ) -> Result<Vec<FineFound>, VisionError> {
        let mut found = Vec::new();
        while go_on() {
            let Some((index, canvas)) = self.next_pass() else {
                break;
            };
            found.push((index, detector.detect_canvas(img, canvas)?));
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
    /// analysis (with the fine pass's faces) together with what `work` returned. The faces `work` sees are
    /// those of the whole-image pass; the primary face and its mesh are final.
    pub fn analyze_capture_and<R>(
        &mut self,
        img: &RgbImage,
        work: impl FnOnce(&mut Vision, &ImageVision) -> R,
    ) -> Result<(ImageVision, R), VisionError> {
        self.analyze_capture_with(img, work, FineSearch::Beside)
    }

    /// Runs `work` on a capture's analysis when only the primary face matters (a photo without the
    /// checks): the fine pass for small second faces runs only when the whole-image pass did not
    /// settle the primary face, so the second core is free once the segmentation is done. The photo
    /// is the one [`Vision::analyze_capture_and`] makes; the analysis, whose other faces may be
    /// incomplete, is not returned.
    pub fn primary_face_work<R>(
        &mut self,
        img: &RgbImage,
        work: impl FnOnce(&mut Vision, &ImageVision) -> R,
    ) -> Result<R, VisionError> {
        self.analyze_capture_with(img, work, FineSearch::OnlyToFindThePrimary)
            .map(|(_, result)| result)
    }

    /// The analysis and segmentation of a capture with no work beside the fine pass: this thread runs
    /// it as soon as its whole-image pass is done, unless the second thread got there first.
    pub(super) fn analyze_capture(&mut self, img: &RgbImage) -> Result<ImageVision, VisionError> {
        self.analyze_capture_with(img, |_, _| (), FineSearch::First)
            .map(|(seen, ())| seen)
    }

    fn analyze_capture_with<R>(
        &mut self,
        img: &RgbImage,
        work: impl FnOnce(&mut Vision, &ImageVision) -> R,
        search: FineSearch,
    ) -> Result<(ImageVision, R), VisionError> {
        super::check_dimensions(img.width(), img.height())?;
        let image_size = SizePx::new(img.width(), img.height());
        let queue = FineQueue::new();
        let second_face_area_ratio = self.second_face_area_ratio;
        let mut segmenter = self.segmenter.take().ok_or_else(super::segmenter_lost)?;
        let helper = self.fine_detector.take();
        let (hand_back, handed_back) = mpsc::sync_channel(1);
        std::thread::scope(|scope| {
            // Told when the fine pass is published; dropped (which also wakes the receiver) when this
            // closure returns early.
            let (pass_ready, pass_published) = mpsc::sync_channel::<()>(1);
            // The second thread: the segmentation, handed back with the segmenter as soon as it is
            // done, then the fine pass if this thread has not taken it.
            let queue = &queue;
            let second = std::thread::Builder::new()
                .name(SEGMENT_THREAD_NAME.to_owned())
                .spawn_scoped(scope, move || {
                    let segmentation = segmenter.segment(img);
                    // The receiver lives until this thread is joined.
                    let _ = hand_back.send((segmentation, segmenter));
                    helper.map(|mut detector| {
                        // An error means the whole pass failed: nothing was published, no pass.
                        let _ = pass_published.recv();
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
                    if search == FineSearch::OnlyToFindThePrimary && faces.len() == 1 {
                        // This pass settled the primary face: no fine pass for either thread. Closed
                        // now, not once the segmentation is back, or the second thread would start
                        // it in between and hold the other core while the photo is made.
                        queue.close();
                    }
                    queue.publish_for(img, faces, second_face_area_ratio);
                    // The second thread may already have finished (no helper detector).
                    let _ = pass_ready.send(());
                },
            );
            // Until the segmentation the work cannot start: this thread runs the fine pass meanwhile.
            let mut handed = None;
            let mine_first = match search {
                FineSearch::First => queue.drain(&mut self.detector, img),
                FineSearch::Beside => queue.drain_while(&mut self.detector, img, || {
                    handed = handed_back.try_recv().ok();
                    handed.is_none()
                }),
                FineSearch::OnlyToFindThePrimary => Ok(Vec::new()),
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
            // With exactly one face the work starts now, beside the fine pass. With none (a small
            // face may be the only one) or several (the primary face is chosen among all), the fine
            // pass comes first and the mesh after.
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
                    self.fine_detector = Some(detector);
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
/// the mesh is taken (to publish the fine pass).
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

/// The whole-image pass's raw detections (to merge with the fine pass's) and the box of its face when
/// it found exactly one (that face's mesh is taken before the fine pass is done).
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

/// Every face of a capture and the primary one, once the fine pass is done.
struct Settled {
    faces: Vec<FaceDetection>,
    primary: Option<usize>,
}

/// Merges the whole pass's detections with the fine pass's (in a fixed order, whichever thread ran
/// it). When the whole pass found exactly one face, its mesh was taken already and that face
/// stays the primary face; otherwise the primary face is chosen among all faces (and meshed by the
/// caller).
fn settle(whole: &WholeFaces, mut found: Vec<FineFound>, image_size: SizePx) -> Settled {
    found.sort_by_key(|(index, _)| *index);
    let faces = detector::merge(with_fine(whole.raw.clone(), found));
    let primary = match whole.meshed {
        Some(bbox) => best_overlap(&faces, bbox).or_else(|| primary_face(&faces, image_size)),
        None => primary_face(&faces, image_size),
    };
    Settled { faces, primary }
}

/// [`super::Vision::analyze`] of a capture: the analysis of [`Vision::analyze_capture_and`] with
/// the fine pass run on this thread.
pub(super) fn analyze_alone(
    detector: &mut FaceDetector,
    mesher: &mut FaceMesher,
    img: &RgbImage,
    second_face_area_ratio: f32,
) -> Result<FaceAnalysis, VisionError> {
    let image_size = SizePx::new(img.width(), img.height());
    let queue = FineQueue::new();
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

/// The whole pass's detections followed by the fine pass's, in pass order.
fn with_fine(mut raw: Vec<RawDetection>, found: Vec<FineFound>) -> Vec<RawDetection> {
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

    fn canvas(scale: f64) -> Canvas {
        Canvas {
            scale,
            width: 16,
            height: 16,
        }
    }

    #[test]
    fn every_pass_is_handed_out_once_after_they_are_published() {
        let passes: Vec<Canvas> = (0..9).map(|i| canvas(f64::from(i))).collect();
        let queue = FineQueue::new();
        assert!(
            queue.next_pass().is_none(),
            "nothing before the passes are published"
        );
        queue.publish(passes);
        queue.publish(vec![canvas(99.0)]);
        let mut taken = Vec::new();
        while let Some((index, pass)) = queue.next_pass() {
            taken.push((index, pass.scale));
        }
        let expected: Vec<(usize, f64)> = (0..9).map(f64::from).enumerate().collect();
        assert_eq!(taken, expected);
        assert!(queue.next_pass().is_none());
    }

    #[test]
    fn a_closed_queue_hands_out_nothing_more() {
        let passes: Vec<Canvas> = (0..9).map(|i| canvas(f64::from(i))).collect();
        let queue = FineQueue::new();
        queue.publish(passes.clone());
        let first: Vec<usize> = (0..2)
            .filter_map(|_| queue.next_pass())
            .map(|(i, _)| i)
            .collect();
        assert_eq!(first, vec![0, 1]);
        queue.close();
        assert!(queue.next_pass().is_none());
        assert!(queue.next_pass().is_none());
        let closed_first = FineQueue::new();
        closed_first.close();
        closed_first.publish(passes);
        assert!(closed_first.next_pass().is_none());
    }

    #[test]
    fn fine_detections_follow_the_whole_pass_in_pass_order() {
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
        let all = with_fine(vec![detection(0.9)], found);
        let scores: Vec<f32> = all.iter().map(|d| d.score).collect();
        assert_eq!(scores, vec![0.9, 0.1, 0.3]);
    }
}
