//! The `file:` source: one image, or every JPEG/PNG in a folder (sorted by name), shown in turn as
//! live frames at the configured rate. For trying the booth with known photos and for staff demos.
//!
//! Owns listing and decoding those files (lazily: only the image on screen is held in memory) and
//! pacing. Unreadable files are skipped with a warning; a source without one readable image fails.
//! Frames are not flagged `demo`: whoever configures `file:` decides what the photos are.

use super::pacer::Pacer;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use image::RgbImage;

use super::CameraError;
use super::mode::{CameraMode, PixelFormat};
use super::source::{FrameSource, SourceInfo, SourceKind, StillImage, StillRequest};

/// How long each image of a folder stays on screen: long enough for the booth to analyse it.
pub const FILE_IMAGE_HOLD: Duration = Duration::from_secs(4);
const MAX_FILE_FPS: u32 = 60;
const IMAGE_EXTENSIONS: [&str; 3] = ["jpg", "jpeg", "png"];

/// Images under `path`: the file itself, or the folder's JPEG/PNG files sorted by name.
pub fn image_paths(path: &Path) -> Result<Vec<PathBuf>, CameraError> {
    let file_error = |e: std::io::Error| CameraError::File {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let metadata = std::fs::metadata(path).map_err(file_error)?;
    if metadata.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut paths: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(file_error)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|p| p.is_file() && has_image_extension(p))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(CameraError::NoImages(path.to_path_buf()));
    }
    Ok(paths)
}

fn has_image_extension(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        IMAGE_EXTENSIONS
            .iter()
            .any(|known| e.eq_ignore_ascii_case(known))
    })
}

fn load(path: &Path) -> Result<RgbImage, CameraError> {
    image::open(path)
        .map(image::DynamicImage::into_rgb8)
        .map_err(|e| CameraError::File {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
}

/// Frames from image files.
pub struct FileSource {
    root: PathBuf,
    fps: u32,
    paths: Vec<PathBuf>,
    /// Index into `paths` of the image on screen.
    position: usize,
    current: Option<RgbImage>,
    shown_since: Option<Instant>,
    pacer: Pacer,
}

impl FileSource {
    pub fn new(root: PathBuf, fps: u32) -> Self {
        Self {
            root,
            fps: fps.clamp(1, MAX_FILE_FPS),
            paths: Vec::new(),
            position: 0,
            current: None,
            shown_since: None,
            pacer: Pacer::default(),
        }
    }

    /// Loads the first readable image at or after `start` (wrapping), skipping unreadable ones.
    fn load_from(&mut self, start: usize) -> Result<(), CameraError> {
        for step in 0..self.paths.len() {
            let position = (start + step) % self.paths.len();
            match load(&self.paths[position]) {
                Ok(image) => {
                    self.position = position;
                    self.current = Some(image);
                    self.shown_since = Some(Instant::now());
                    return Ok(());
                }
                Err(e) => tracing::warn!(error = %e, "skipping unreadable camera image"),
            }
        }
        Err(CameraError::NoImages(self.root.clone()))
    }

    fn mode(&self) -> CameraMode {
        let (width, height) = self.current.as_ref().map_or((0, 0), RgbImage::dimensions);
        CameraMode::new(width, height, self.fps, PixelFormat::Rgb)
    }

    fn pace(&mut self) {
        self.pacer.wait(Duration::from_secs(1) / self.fps);
    }
}

impl FrameSource for FileSource {
    fn open(&mut self) -> Result<SourceInfo, CameraError> {
        self.paths = image_paths(&self.root)?;
        self.load_from(0)?;
        self.pacer.reset();
        tracing::info!(path = %self.root.display(), images = self.paths.len(), "camera shows image files");
        Ok(SourceInfo {
            kind: SourceKind::File,
            name: self.root.display().to_string(),
            mode: self.mode(),
            demo: false,
            negotiation: None,
            devices: Vec::new(),
        })
    }

    fn next_frame(&mut self) -> Result<RgbImage, CameraError> {
        self.pace();
        let held_long_enough = self
            .shown_since
            .is_some_and(|since| since.elapsed() >= FILE_IMAGE_HOLD);
        if self.paths.len() > 1 && held_long_enough {
            self.load_from(self.position + 1)?;
        }
        self.current
            .clone()
            .ok_or_else(|| CameraError::NoImages(self.root.clone()))
    }

    /// Keeps the pace only: the image stays loaded, nothing is cloned.
    fn skip_frame(&mut self) -> Result<(), CameraError> {
        self.pace();
        Ok(())
    }

    fn still(&mut self, _request: &StillRequest) -> Result<StillImage, CameraError> {
        let image = self
            .current
            .clone()
            .ok_or_else(|| CameraError::NoImages(self.root.clone()))?;
        Ok(StillImage {
            mode: self.mode(),
            image,
        })
    }

    fn close(&mut self) {
        self.current = None;
        self.pacer.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/faces")
            .join(name)
    }

    #[test]
    fn a_single_image_streams_at_its_own_size() {
        let mut source = FileSource::new(fixture("good_london_045_neutral.jpg"), 60);
        let info = source.open();
        let Ok(info) = info else { panic!("{info:?}") };
        assert_eq!((info.mode.width, info.mode.height), (1350, 1350));
        assert!(!info.demo);
        let frame = source.next_frame().map(|f| f.dimensions()).ok();
        assert_eq!(frame, Some((1350, 1350)));
        let still = source.still(&StillRequest {
            highest_mode: true,
            discard_frames: 0,
        });
        assert!(still.is_ok_and(|s| s.image.dimensions() == (1350, 1350)));
    }

    #[test]
    fn a_folder_lists_images_sorted_and_skips_other_files() {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/faces");
        let paths = image_paths(&folder).unwrap_or_default();
        assert!(paths.len() >= 60, "{} images", paths.len());
        assert!(paths.windows(2).all(|w| w[0] < w[1]));
        assert!(paths.iter().all(|p| has_image_extension(p)));
    }

    #[test]
    fn missing_or_empty_sources_fail_with_their_path() {
        let missing = FileSource::new(PathBuf::from("/nonexistent/booth.jpg"), 30).open();
        assert!(matches!(missing, Err(CameraError::File { .. })));
        assert!(missing.is_err_and(|e| e.is_permanent()));
        let empty = tempfile::tempdir();
        let Ok(empty) = empty else {
            panic!("no temp dir")
        };
        let result = FileSource::new(empty.path().to_path_buf(), 30).open();
        assert!(matches!(result, Err(CameraError::NoImages(_))));
    }

    #[test]
    fn unreadable_images_are_skipped() {
        let Ok(dir) = tempfile::tempdir() else {
            panic!("no temp dir")
        };
        let written =
            std::fs::write(dir.path().join("a_broken.jpg"), b"not a jpeg").and_then(|()| {
                std::fs::copy(
                    fixture("good_london_001_neutral.jpg"),
                    dir.path().join("b_good.jpg"),
                )
            });
        assert!(written.is_ok());
        let mut source = FileSource::new(dir.path().to_path_buf(), 30);
        assert!(source.open().is_ok());
        assert!(source.next_frame().is_ok());
    }
}
