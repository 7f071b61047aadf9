//! Pure BlazeFace (short-range) post-processing: the 896 SSD anchors, decoding raw regressors and
//! logits into detections in the unit square of the model input, and MediaPipe's weighted
//! non-maximum suppression. No tract, no images (source: models/MODELS.md, MediaPipe
//! `face_detection_short_range.pbtxt`).

/// Side of the detector input in pixels; regressors are in these units.
pub const INPUT_SIDE_PX: usize = 128;
/// Values per anchor: box (dx, dy, w, h) then six keypoints (x, y).
pub const REGRESSOR_VALUES: usize = 16;
/// MediaPipe keeps detections whose score is at least this.
pub const MIN_SCORE: f32 = 0.5;
/// Logits are clamped to this magnitude before the sigmoid (MediaPipe `score_clipping_thresh`).
const SCORE_CLIP: f32 = 100.0;
/// Boxes overlapping more than this (intersection over union) are merged.
pub const NMS_MIN_IOU: f32 = 0.3;
/// Grid strides and anchors per cell of the two feature maps.
const FEATURE_MAPS: [(usize, usize); 2] = [(8, 2), (16, 6)];
pub const KEYPOINT_COUNT: usize = 6;

/// An anchor centre in the unit square of the model input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Anchor {
    pub x: f32,
    pub y: f32,
}

/// The anchors in the order the model lists them: row by row, cell by cell.
pub fn anchors() -> Vec<Anchor> {
    anchors_for(INPUT_SIDE_PX, INPUT_SIDE_PX)
}

/// The anchors of the model run on a larger input (`width` x `height` pixels, multiples of the
/// coarsest stride, 16): the same grids, extended. The convolutions and the `[1, -1, 16]` reshapes of
/// the model take any such size, and list the anchors in the same order. Positions stay in units of
/// [`INPUT_SIDE_PX`], so [`decode`] reads them unchanged: the input spans `width / 128` units across.
pub fn anchors_for(width: usize, height: usize) -> Vec<Anchor> {
    let unit = INPUT_SIDE_PX as f32;
    let mut anchors = Vec::new();
    for (stride, per_cell) in FEATURE_MAPS {
        for row in 0..height / stride {
            for col in 0..width / stride {
                let anchor = Anchor {
                    x: (col as f32 + 0.5) * stride as f32 / unit,
                    y: (row as f32 + 0.5) * stride as f32 / unit,
                };
                anchors.extend(std::iter::repeat_n(anchor, per_cell));
            }
        }
    }
    anchors
}

/// The coarsest stride of the model: larger inputs must be a multiple of it on both sides.
pub const COARSEST_STRIDE_PX: usize = 16;

/// A detection: in the unit square of the model input after [`decode`], in image pixels once mapped
/// (x right, y down).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RawDetection {
    pub score: f32,
    pub center_x: f32,
    pub center_y: f32,
    pub width: f32,
    pub height: f32,
    /// Subject's right eye, left eye, nose tip, mouth centre, right ear, left ear.
    pub keypoints: [[f32; 2]; KEYPOINT_COUNT],
}

impl RawDetection {
    fn iou(&self, other: &RawDetection) -> f32 {
        let half = |d: &RawDetection| {
            (
                d.center_x - d.width / 2.0,
                d.center_y - d.height / 2.0,
                d.center_x + d.width / 2.0,
                d.center_y + d.height / 2.0,
            )
        };
        let (ax0, ay0, ax1, ay1) = half(self);
        let (bx0, by0, bx1, by1) = half(other);
        let inter_w = (ax1.min(bx1) - ax0.max(bx0)).max(0.0);
        let inter_h = (ay1.min(by1) - ay0.max(by0)).max(0.0);
        let inter = inter_w * inter_h;
        let union = self.width * self.height + other.width * other.height - inter;
        if union <= 0.0 { 0.0 } else { inter / union }
    }
}

fn sigmoid(logit: f32) -> f32 {
    1.0 / (1.0 + (-logit.clamp(-SCORE_CLIP, SCORE_CLIP)).exp())
}

/// Decodes every anchor whose score reaches `min_score`.
pub fn decode(
    regressors: &[f32],
    logits: &[f32],
    anchors: &[Anchor],
    min_score: f32,
) -> Vec<RawDetection> {
    let scale = INPUT_SIDE_PX as f32;
    let mut detections = Vec::new();
    for ((anchor, values), &logit) in anchors
        .iter()
        .zip(regressors.chunks_exact(REGRESSOR_VALUES))
        .zip(logits)
    {
        let score = sigmoid(logit);
        if score < min_score || !score.is_finite() {
            continue;
        }
        let mut keypoints = [[0.0; 2]; KEYPOINT_COUNT];
        for (index, keypoint) in keypoints.iter_mut().enumerate() {
            *keypoint = [
                values[4 + 2 * index] / scale + anchor.x,
                values[5 + 2 * index] / scale + anchor.y,
            ];
        }
        let detection = RawDetection {
            score,
            center_x: values[0] / scale + anchor.x,
            center_y: values[1] / scale + anchor.y,
            width: values[2] / scale,
            height: values[3] / scale,
            keypoints,
        };
        if detection.width > 0.0 && detection.height > 0.0 && detection.center_x.is_finite() {
            detections.push(detection);
        }
    }
    detections
}

/// MediaPipe's weighted non-maximum suppression: the best remaining detection absorbs every
/// detection overlapping it by more than `min_iou`; the box and keypoints become the
/// score-weighted mean of the cluster, the score stays the best one's.
pub fn weighted_nms(mut detections: Vec<RawDetection>, min_iou: f32) -> Vec<RawDetection> {
    detections.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept = Vec::new();
    while let Some(best) = detections.first().copied() {
        let (cluster, rest): (Vec<RawDetection>, Vec<RawDetection>) = detections
            .into_iter()
            .partition(|candidate| best.iou(candidate) > min_iou);
        detections = rest;
        kept.push(weighted_mean(&best, &cluster));
    }
    kept
}

/// Drops every detection whose centre lies inside the box of a better one: two real faces never
/// nest, but one face seen at two scales (letterbox and tile) can overlap by less than the NMS
/// threshold. `detections` must be sorted best first, as [`weighted_nms`] returns them.
pub fn suppress_nested(detections: Vec<RawDetection>) -> Vec<RawDetection> {
    let mut kept: Vec<RawDetection> = Vec::with_capacity(detections.len());
    for detection in detections {
        let nested = kept.iter().any(|better| {
            (detection.center_x - better.center_x).abs() < better.width / 2.0
                && (detection.center_y - better.center_y).abs() < better.height / 2.0
        });
        if !nested {
            kept.push(detection);
        }
    }
    kept
}

fn weighted_mean(best: &RawDetection, cluster: &[RawDetection]) -> RawDetection {
    let total: f32 = cluster.iter().map(|d| d.score).sum();
    if cluster.len() < 2 || total <= 0.0 {
        return *best;
    }
    let mut merged = RawDetection {
        score: best.score,
        center_x: 0.0,
        center_y: 0.0,
        width: 0.0,
        height: 0.0,
        keypoints: [[0.0; 2]; KEYPOINT_COUNT],
    };
    for detection in cluster {
        let weight = detection.score / total;
        // MediaPipe averages the corners; averaging centre and size is the same linear combination.
        merged.center_x += detection.center_x * weight;
        merged.center_y += detection.center_y * weight;
        merged.width += detection.width * weight;
        merged.height += detection.height * weight;
        for (out, keypoint) in merged.keypoints.iter_mut().zip(detection.keypoints) {
            out[0] += keypoint[0] * weight;
            out[1] += keypoint[1] * weight;
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn larger_inputs_extend_the_anchor_grids_in_the_model_order() {
        assert_eq!(anchors_for(128, 128), anchors());
        // 16x16 cells x 2 (stride 8) + 8x8 cells x 6 (stride 16).
        assert_eq!(anchors().len(), 896);
        let wide = anchors_for(256, 128);
        assert_eq!(wide.len(), 32 * 16 * 2 + 16 * 8 * 6);
        // Stride 8, second row starts after 32 cells of 2 anchors; units are 128 input pixels.
        assert_eq!(
            wide[64],
            Anchor {
                x: 4.0 / 128.0,
                y: 12.0 / 128.0
            }
        );
        // The last anchor sits in the last stride-16 cell.
        let last = wide[wide.len() - 1];
        assert_eq!(
            last,
            Anchor {
                x: 248.0 / 128.0,
                y: 120.0 / 128.0
            }
        );
    }

    #[test]
    fn anchors_follow_the_documented_layout() {
        let anchors = anchors();
        assert_eq!(anchors.len(), 896);
        // First cell of the 16x16 grid, twice.
        assert_eq!(
            anchors[0],
            Anchor {
                x: 0.5 / 16.0,
                y: 0.5 / 16.0
            }
        );
        assert_eq!(anchors[1], anchors[0]);
        // Second cell of the first row.
        assert_eq!(
            anchors[2],
            Anchor {
                x: 1.5 / 16.0,
                y: 0.5 / 16.0
            }
        );
        // The 8x8 grid starts at index 512 with six anchors per cell.
        assert_eq!(
            anchors[512],
            Anchor {
                x: 0.5 / 8.0,
                y: 0.5 / 8.0
            }
        );
        assert_eq!(anchors[517], anchors[512]);
        assert_eq!(
            anchors[518],
            Anchor {
                x: 1.5 / 8.0,
                y: 0.5 / 8.0
            }
        );
        assert_eq!(
            anchors[895],
            Anchor {
                x: 7.5 / 8.0,
                y: 7.5 / 8.0
            }
        );
    }

    fn raw(dx: f32, dy: f32, size: f32) -> [f32; REGRESSOR_VALUES] {
        let mut values = [0.0; REGRESSOR_VALUES];
        values[0] = dx;
        values[1] = dy;
        values[2] = size;
        values[3] = size;
        values[4] = -10.0; // right eye 10 px left of the anchor
        values
    }

    #[test]
    fn decode_offsets_from_the_anchor_and_thresholds_scores() {
        let anchors = [Anchor { x: 0.5, y: 0.25 }, Anchor { x: 0.1, y: 0.1 }];
        let mut regressors = raw(12.8, -6.4, 64.0).to_vec();
        regressors.extend(raw(0.0, 0.0, 10.0));
        let logits = [3.0, -3.0];
        let detections = decode(&regressors, &logits, &anchors, MIN_SCORE);
        assert_eq!(detections.len(), 1);
        let detection = detections[0];
        assert!((detection.center_x - 0.6).abs() < 1e-6);
        assert!((detection.center_y - 0.2).abs() < 1e-6);
        assert!((detection.width - 0.5).abs() < 1e-6);
        assert!((detection.keypoints[0][0] - (0.5 - 10.0 / 128.0)).abs() < 1e-6);
        assert!((detection.score - sigmoid(3.0)).abs() < 1e-6);
    }

    fn unit(score: f32, center_x: f32, width: f32) -> RawDetection {
        RawDetection {
            score,
            center_x,
            center_y: 0.5,
            width,
            height: width,
            keypoints: [[center_x, 0.5]; KEYPOINT_COUNT],
        }
    }

    #[test]
    fn weighted_nms_merges_overlaps_and_keeps_separate_faces() {
        let detections = vec![
            unit(0.6, 0.22, 0.2),
            unit(0.9, 0.2, 0.2),
            unit(0.8, 0.8, 0.2),
        ];
        let kept = weighted_nms(detections, NMS_MIN_IOU);
        assert_eq!(kept.len(), 2);
        assert!((kept[0].score - 0.9).abs() < 1e-6);
        let expected_x = (0.9 * 0.2 + 0.6 * 0.22) / 1.5;
        assert!((kept[0].center_x - expected_x).abs() < 1e-6);
        assert!((kept[0].keypoints[0][0] - expected_x).abs() < 1e-6);
        assert!((kept[1].center_x - 0.8).abs() < 1e-6);
    }

    #[test]
    fn nested_detections_are_dropped_and_neighbours_kept() {
        // A big box, a small one inside it (IoU far below the NMS threshold), a separate face.
        let detections = vec![
            unit(0.9, 0.3, 0.4),
            unit(0.8, 0.35, 0.1),
            unit(0.7, 0.8, 0.2),
        ];
        let kept = suppress_nested(detections);
        assert_eq!(kept.len(), 2);
        assert!((kept[0].center_x - 0.3).abs() < 1e-6);
        assert!((kept[1].center_x - 0.8).abs() < 1e-6);
    }
}
