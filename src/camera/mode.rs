//! Camera modes and their negotiation, as pure code: device formats in, chosen mode out.
//!
//! Owns the ranking of offered modes against the configured request, the trial loop that walks that
//! ranking while the device refuses modes, and the choice of a still mode. Knows nothing of nokhwa:
//! `device` converts nokhwa's formats into [`CameraMode`] and supplies the "try this mode" closure.

use std::fmt;

use super::CameraError;

/// A preview is considered smooth from this frame rate on (below it, motion looks like a slideshow
/// and people over-correct their pose). A mode slower than `min(requested fps, this)` ranks last.
pub const MIN_SMOOTH_FPS: u32 = 15;

/// Two aspect ratios within this relative difference count as the same (1280x720 vs 1280x722).
const ASPECT_TOLERANCE: f64 = 0.01;

/// Resolution distance is |ln(area / requested area)|, compared in thousandths so the sort is total.
const SIZE_DISTANCE_SCALE: f64 = 1000.0;

/// A pixel format the booth can decode (every format nokhwa's V4L backend reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PixelFormat {
    /// Motion JPEG: one JPEG per frame (decoded with zune-jpeg through `image`).
    Mjpeg,
    /// Packed 4:2:2 YUV (Y0 U Y1 V).
    Yuyv,
    /// Planar Y followed by interleaved 4:2:0 UV.
    Nv12,
    /// 8-bit luminance.
    Gray,
    /// Packed 8-bit RGB (also the demo and file sources, which produce RGB directly).
    Rgb,
    /// Packed 8-bit BGR.
    Bgr,
}

impl PixelFormat {
    /// Parses a configuration name (`mjpeg`, `yuyv`, `nv12`, `gray`, `rgb`, `bgr`; case-insensitive).
    pub fn parse(name: &str) -> Result<Self, CameraError> {
        match name.trim().to_ascii_lowercase().as_str() {
            "mjpeg" | "mjpg" => Ok(Self::Mjpeg),
            "yuyv" | "yuy2" => Ok(Self::Yuyv),
            "nv12" => Ok(Self::Nv12),
            "gray" | "grey" => Ok(Self::Gray),
            "rgb" | "rgb3" => Ok(Self::Rgb),
            "bgr" | "bgr3" => Ok(Self::Bgr),
            _ => Err(CameraError::InvalidSettings(format!(
                "unknown pixel format {name:?} (expected mjpeg, yuyv, nv12, gray, rgb or bgr)"
            ))),
        }
    }

    /// Whether a frame of `width` x `height` can be decoded in this format (chroma subsampling needs
    /// even dimensions).
    pub fn fits(self, width: u32, height: u32) -> bool {
        match self {
            Self::Yuyv => width.is_multiple_of(2),
            Self::Nv12 => width.is_multiple_of(2) && height.is_multiple_of(2),
            Self::Mjpeg | Self::Gray | Self::Rgb | Self::Bgr => true,
        }
    }
}

impl fmt::Display for PixelFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Mjpeg => "MJPEG",
            Self::Yuyv => "YUYV",
            Self::Nv12 => "NV12",
            Self::Gray => "GRAY",
            Self::Rgb => "RGB",
            Self::Bgr => "BGR",
        };
        f.write_str(name)
    }
}

/// One streaming mode of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CameraMode {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub format: PixelFormat,
}

impl CameraMode {
    pub const fn new(width: u32, height: u32, fps: u32, format: PixelFormat) -> Self {
        Self {
            width,
            height,
            fps,
            format,
        }
    }

    /// Pixel count.
    pub fn area_px(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }

    fn is_valid(&self) -> bool {
        self.width > 0
            && self.height > 0
            && self.fps > 0
            && self.format.fits(self.width, self.height)
    }
}

impl fmt::Display for CameraMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}x{} {} @ {} fps",
            self.width, self.height, self.format, self.fps
        )
    }
}

/// What the configuration asks for: a size, a rate and formats in order of preference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModeRequest {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// Preferred formats, best first; formats not listed are still acceptable, after these.
    pub formats: Vec<PixelFormat>,
}

impl ModeRequest {
    fn format_rank(&self, format: PixelFormat) -> usize {
        self.formats
            .iter()
            .position(|f| *f == format)
            .unwrap_or(self.formats.len())
    }

    fn aspect(&self) -> f64 {
        f64::from(self.width) / f64::from(self.height.max(1))
    }

    fn area_px(&self) -> f64 {
        f64::from(self.width) * f64::from(self.height)
    }
}

/// A mode the device refused, and what it said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub mode: CameraMode,
    pub reason: String,
}

/// The outcome of negotiation, kept for staff diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiation {
    pub requested: ModeRequest,
    pub offered: Vec<CameraMode>,
    pub refused: Vec<Refusal>,
    pub chosen: CameraMode,
}

/// Sort key of a candidate: every field lower is better, compared in this order.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct RankKey {
    /// 0 when the mode is at least `min(requested fps, MIN_SMOOTH_FPS)`.
    too_slow: u8,
    /// 0 when the aspect ratio matches the request (no letterboxing of the preview).
    other_aspect: u8,
    /// |ln(area / requested area)| in thousandths.
    size_distance: u64,
    /// Position in the preference list.
    format_rank: usize,
    /// |fps - requested fps|.
    fps_distance: u32,
    /// Larger first among otherwise equal modes.
    smaller: std::cmp::Reverse<u64>,
}

fn rank_key(mode: &CameraMode, request: &ModeRequest) -> RankKey {
    let min_fps = request.fps.min(MIN_SMOOTH_FPS);
    let aspect = f64::from(mode.width) / f64::from(mode.height);
    let aspect_differs = (aspect / request.aspect() - 1.0).abs() > ASPECT_TOLERANCE;
    let size_ratio = mode.area_px() as f64 / request.area_px().max(1.0);
    RankKey {
        too_slow: u8::from(mode.fps < min_fps),
        other_aspect: u8::from(aspect_differs),
        size_distance: (size_ratio.ln().abs() * SIZE_DISTANCE_SCALE).round() as u64,
        format_rank: request.format_rank(mode.format),
        fps_distance: mode.fps.abs_diff(request.fps),
        smaller: std::cmp::Reverse(mode.area_px()),
    }
}

/// The offered modes worth trying, best first: valid, decodable, not yet refused, without duplicates.
pub fn rank_candidates(
    offered: &[CameraMode],
    request: &ModeRequest,
    refused: &[CameraMode],
) -> Vec<CameraMode> {
    let mut candidates: Vec<CameraMode> = Vec::with_capacity(offered.len());
    for mode in offered {
        if mode.is_valid() && !refused.contains(mode) && !candidates.contains(mode) {
            candidates.push(*mode);
        }
    }
    candidates.sort_by_cached_key(|mode| rank_key(mode, request));
    candidates
}

/// Walks the ranking, calling `try_mode` on each candidate until one is accepted. `try_mode` is where
/// the device may refuse (set format, start the stream, decode a first frame); its error text is kept.
pub fn negotiate<F>(
    offered: &[CameraMode],
    request: &ModeRequest,
    mut try_mode: F,
) -> Result<Negotiation, CameraError>
where
    F: FnMut(&CameraMode) -> Result<(), String>,
{
    let mut refused: Vec<Refusal> = Vec::new();
    for mode in rank_candidates(offered, request, &[]) {
        match try_mode(&mode) {
            Ok(()) => {
                return Ok(Negotiation {
                    requested: request.clone(),
                    offered: offered.to_vec(),
                    refused,
                    chosen: mode,
                });
            }
            Err(reason) => refused.push(Refusal { mode, reason }),
        }
    }
    Err(CameraError::NoUsableMode {
        offered: offered.len(),
        refused: describe_refusals(&refused),
    })
}

/// "1280x720 MJPEG @ 30 fps: busy; ..." for messages and diagnostics.
pub fn describe_refusals(refused: &[Refusal]) -> String {
    if refused.is_empty() {
        return "none".to_owned();
    }
    refused
        .iter()
        .map(|r| format!("{}: {}", r.mode, r.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The mode to switch to for a full-resolution still: the largest decodable mode, then the preferred
/// format, then the fastest. `None` when it would not be larger than `current`.
pub fn still_mode(
    offered: &[CameraMode],
    request: &ModeRequest,
    current: &CameraMode,
) -> Option<CameraMode> {
    offered
        .iter()
        .filter(|mode| mode.is_valid() && mode.area_px() > current.area_px())
        .min_by_key(|mode| {
            (
                std::cmp::Reverse(mode.area_px()),
                request.format_rank(mode.format),
                std::cmp::Reverse(mode.fps),
            )
        })
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use PixelFormat::{Mjpeg, Nv12, Yuyv};

    fn request() -> ModeRequest {
        ModeRequest {
            width: 1280,
            height: 720,
            fps: 30,
            formats: vec![Mjpeg, Yuyv, Nv12],
        }
    }

    /// A typical UVC webcam on USB 2: MJPEG up to 1080p30, YUYV fast only at small sizes.
    fn webcam() -> Vec<CameraMode> {
        vec![
            CameraMode::new(640, 480, 30, Yuyv),
            CameraMode::new(1280, 720, 10, Yuyv),
            CameraMode::new(1920, 1080, 5, Yuyv),
            CameraMode::new(640, 480, 30, Mjpeg),
            CameraMode::new(1280, 720, 30, Mjpeg),
            CameraMode::new(1920, 1080, 30, Mjpeg),
        ]
    }

    #[test]
    fn the_requested_mode_is_chosen_when_offered_and_accepted() {
        let result = negotiate(&webcam(), &request(), |_| Ok(()));
        let chosen = result.map(|n| n.chosen).ok();
        assert_eq!(chosen, Some(CameraMode::new(1280, 720, 30, Mjpeg)));
    }

    #[test]
    fn a_refused_mjpeg_falls_back_to_the_nearest_decodable_mode() {
        // The device refuses every MJPEG mode (e.g. a broken firmware): YUYV 720p is only 10 fps, so the
        // smooth 640x480 YUYV wins over the slideshow-speed 720p.
        let negotiation = negotiate(&webcam(), &request(), |mode| {
            if mode.format == Mjpeg {
                Err("VIDIOC_S_FMT: Invalid argument".to_owned())
            } else {
                Ok(())
            }
        });
        let Ok(negotiation) = negotiation else {
            panic!("negotiation failed: {negotiation:?}")
        };
        assert_eq!(negotiation.chosen, CameraMode::new(640, 480, 30, Yuyv));
        // The three MJPEG modes were tried first (16:9 ones before 4:3) and their refusals kept.
        let refused: Vec<CameraMode> = negotiation.refused.iter().map(|r| r.mode).collect();
        assert_eq!(
            refused,
            vec![
                CameraMode::new(1280, 720, 30, Mjpeg),
                CameraMode::new(1920, 1080, 30, Mjpeg),
                CameraMode::new(640, 480, 30, Mjpeg),
            ]
        );
        assert!(negotiation.refused[0].reason.contains("Invalid argument"));
    }

    #[test]
    fn a_device_without_the_requested_size_gets_the_nearest_size_same_aspect_first() {
        let offered = vec![
            CameraMode::new(640, 480, 30, Mjpeg),
            CameraMode::new(800, 600, 30, Mjpeg),
            CameraMode::new(960, 540, 30, Yuyv),
            CameraMode::new(1920, 1080, 30, Nv12),
        ];
        let ranked = rank_candidates(&offered, &request(), &[]);
        // 16:9 first (960x540 is nearer to 1280x720 in area than 1920x1080), then 4:3 by size.
        assert_eq!(
            ranked,
            vec![
                CameraMode::new(960, 540, 30, Yuyv),
                CameraMode::new(1920, 1080, 30, Nv12),
                CameraMode::new(800, 600, 30, Mjpeg),
                CameraMode::new(640, 480, 30, Mjpeg),
            ]
        );
    }

    #[test]
    fn format_preference_breaks_ties_between_equal_sizes() {
        let offered = vec![
            CameraMode::new(1280, 720, 30, Nv12),
            CameraMode::new(1280, 720, 30, Yuyv),
            CameraMode::new(1280, 720, 30, PixelFormat::Gray),
        ];
        let ranked = rank_candidates(&offered, &request(), &[]);
        assert_eq!(ranked.first().map(|m| m.format), Some(Yuyv));
        assert_eq!(ranked.last().map(|m| m.format), Some(PixelFormat::Gray));
    }

    #[test]
    fn undecodable_and_degenerate_modes_are_never_tried() {
        let offered = vec![
            CameraMode::new(1279, 720, 30, Yuyv), // odd width cannot hold 4:2:2 pairs
            CameraMode::new(1280, 719, 30, Nv12), // odd height cannot hold 4:2:0 rows
            CameraMode::new(0, 720, 30, Mjpeg),
            CameraMode::new(1280, 720, 0, Mjpeg),
        ];
        let mut tried = Vec::new();
        let result = negotiate(&offered, &request(), |mode| {
            tried.push(*mode);
            Ok(())
        });
        assert!(tried.is_empty());
        assert!(matches!(
            result,
            Err(CameraError::NoUsableMode { offered: 4, .. })
        ));
    }

    #[test]
    fn when_everything_is_refused_the_error_lists_each_refusal() {
        let offered = vec![
            CameraMode::new(640, 480, 30, Mjpeg),
            CameraMode::new(640, 480, 30, Yuyv),
        ];
        let result = negotiate(&offered, &request(), |_| {
            Err("Device or resource busy".to_owned())
        });
        let Err(CameraError::NoUsableMode {
            offered: 2,
            refused,
        }) = result
        else {
            panic!("expected NoUsableMode, got {result:?}")
        };
        assert_eq!(refused.matches("busy").count(), 2, "{refused}");
    }

    #[test]
    fn duplicates_are_tried_once() {
        let offered = vec![CameraMode::new(1280, 720, 30, Mjpeg); 3];
        let mut tries = 0;
        let _ = negotiate(&offered, &request(), |_| {
            tries += 1;
            Err("no".to_owned())
        });
        assert_eq!(tries, 1);
    }

    #[test]
    fn still_mode_is_the_largest_preferring_mjpeg_and_none_when_not_larger() {
        let current = CameraMode::new(1280, 720, 30, Mjpeg);
        assert_eq!(
            still_mode(&webcam(), &request(), &current),
            Some(CameraMode::new(1920, 1080, 30, Mjpeg))
        );
        let largest = CameraMode::new(1920, 1080, 30, Mjpeg);
        assert_eq!(still_mode(&webcam(), &request(), &largest), None);
    }

    #[test]
    fn pixel_format_names_parse_case_insensitively() {
        assert_eq!(PixelFormat::parse(" MJPG ").ok(), Some(Mjpeg));
        assert_eq!(PixelFormat::parse("yuy2").ok(), Some(Yuyv));
        assert!(PixelFormat::parse("h264").is_err());
    }
}
