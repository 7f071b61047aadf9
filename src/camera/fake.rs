//! `FakeCamera`: a scriptable frame source for tests (and UI tests) that behaves like a USB camera:
//! it streams real image frames at a steady rate, can stall (the read blocks, as V4L does), be
//! unplugged and re-plugged, refuse to open, and is exclusive (a session that is still blocked keeps the
//! device busy, so a reopen fails until it lets go).
//!
//! Owns only the script and its bookkeeping. Cloning a `FakeCamera` shares the script, so a test keeps
//! a clone to add steps and read [`FakeStats`] while the worker drives the sources the factory makes.

use super::pacer::Pacer;
use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use image::RgbImage;

use super::CameraError;
use super::mode::{CameraMode, PixelFormat};
use super::source::{FrameSource, SourceFactory, SourceInfo, SourceKind, StillImage, StillRequest};

/// 30 fps, a webcam's usual rate.
pub const DEFAULT_FAKE_FRAME_INTERVAL: Duration = Duration::from_millis(33);

/// One step of the script, consumed in order. When the script is empty the camera streams for ever.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FakeStep {
    /// Deliver this many frames.
    Frames(u32),
    /// The next read blocks this long, then streaming continues with the following step.
    Stall(Duration),
    /// The next read fails: the camera is unplugged and cannot be opened until a `Reconnect` step.
    Disconnect,
    /// Re-plugged this long after the preceding `Disconnect` (a no-op while plugged in).
    Reconnect { after: Duration },
    /// The next this-many opens fail as "busy".
    FailOpen(u32),
}

/// What happened to the fake so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FakeStats {
    pub opens: u32,
    pub failed_opens: u32,
    pub closes: u32,
    pub frames: u64,
    pub stills: u32,
    pub stalls: u32,
    pub disconnects: u32,
}

#[derive(Debug, Default)]
struct FakeState {
    script: VecDeque<FakeStep>,
    unplugged_since: Option<Instant>,
    failing_opens: u32,
    sessions_open: u32,
    next_image: usize,
    stats: FakeStats,
}

impl FakeState {
    /// Moves a leading `FailOpen` into the counter so it does not block streaming steps.
    fn absorb_fail_open(&mut self) {
        while let Some(FakeStep::FailOpen(n)) = self.script.front() {
            self.failing_opens += n;
            self.script.pop_front();
        }
    }
}

/// A scripted camera. Clones share the same script and statistics.
#[derive(Clone)]
pub struct FakeCamera {
    state: Arc<Mutex<FakeState>>,
    frames: Arc<Vec<RgbImage>>,
    frame_interval: Duration,
}

impl FakeCamera {
    /// A fake streaming `frames` in a loop (at least one) and following `script`.
    pub fn new(frames: Vec<RgbImage>, script: Vec<FakeStep>) -> Result<Self, CameraError> {
        let Some(first) = frames.first() else {
            return Err(CameraError::InvalidSettings(
                "a FakeCamera needs at least one frame".to_owned(),
            ));
        };
        if frames.iter().any(|f| f.dimensions() != first.dimensions()) {
            return Err(CameraError::InvalidSettings(
                "FakeCamera frames must share one size".to_owned(),
            ));
        }
        let state = FakeState {
            script: script.into(),
            ..FakeState::default()
        };
        Ok(Self {
            state: Arc::new(Mutex::new(state)),
            frames: Arc::new(frames),
            frame_interval: DEFAULT_FAKE_FRAME_INTERVAL,
        })
    }

    /// A fake streaming real photos (e.g. tests/fixtures/faces/*.jpg), so vision downstream sees faces.
    pub fn from_files<P: AsRef<Path>>(
        paths: &[P],
        script: Vec<FakeStep>,
    ) -> Result<Self, CameraError> {
        let frames = paths
            .iter()
            .map(|p| {
                let path = p.as_ref();
                image::open(path)
                    .map(image::DynamicImage::into_rgb8)
                    .map_err(|e| CameraError::File {
                        path: path.to_path_buf(),
                        reason: e.to_string(),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(frames, script)
    }

    /// Streams at this interval instead of 33 ms.
    #[must_use]
    pub fn with_frame_interval(mut self, interval: Duration) -> Self {
        self.frame_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// Appends steps to the script (e.g. "now unplug it" in the middle of a test).
    pub fn script_more(&self, steps: impl IntoIterator<Item = FakeStep>) {
        self.lock().script.extend(steps);
    }

    pub fn stats(&self) -> FakeStats {
        self.lock().stats.clone()
    }

    /// A factory for the worker; every source it makes shares this fake's script.
    pub fn factory(&self) -> SourceFactory {
        let camera = self.clone();
        Box::new(move || Ok(Box::new(FakeSource::new(camera.clone())) as Box<dyn FrameSource>))
    }

    /// The streaming mode the fake reports.
    pub fn mode(&self) -> CameraMode {
        let (width, height) = self.frames.first().map_or((0, 0), RgbImage::dimensions);
        let interval_ms = u32::try_from(self.frame_interval.as_millis())
            .unwrap_or(u32::MAX)
            .max(1);
        CameraMode::new(width, height, (1000 / interval_ms).max(1), PixelFormat::Rgb)
    }

    fn lock(&self) -> MutexGuard<'_, FakeState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn image(&self, index: usize) -> RgbImage {
        self.frames[index % self.frames.len()].clone()
    }
}

/// What the next read does, decided under the lock and carried out without it.
enum Read {
    Frame(usize),
    Stall(Duration),
    Unplugged,
}

/// One open session on the fake device.
pub struct FakeSource {
    camera: FakeCamera,
    open: bool,
    pacer: Pacer,
}

impl FakeSource {
    pub fn new(camera: FakeCamera) -> Self {
        Self {
            camera,
            open: false,
            pacer: Pacer::default(),
        }
    }

    fn next_read(&self) -> Read {
        let mut state = self.camera.lock();
        if state.unplugged_since.is_some() {
            return Read::Unplugged;
        }
        loop {
            state.absorb_fail_open();
            match state.script.front().cloned() {
                None => break,
                Some(FakeStep::Frames(0) | FakeStep::Reconnect { .. }) => {
                    state.script.pop_front();
                }
                Some(FakeStep::Frames(n)) => {
                    state.script[0] = FakeStep::Frames(n - 1);
                    break;
                }
                Some(FakeStep::Stall(duration)) => {
                    state.script.pop_front();
                    state.stats.stalls += 1;
                    return Read::Stall(duration);
                }
                Some(FakeStep::Disconnect) => {
                    state.script.pop_front();
                    state.unplugged_since = Some(Instant::now());
                    state.stats.disconnects += 1;
                    return Read::Unplugged;
                }
                Some(FakeStep::FailOpen(_)) => {} // absorbed at the top of the loop
            }
        }
        let index = state.next_image;
        state.next_image += 1;
        state.stats.frames += 1;
        Read::Frame(index)
    }

    fn pace(&mut self) {
        self.pacer.wait(self.camera.frame_interval);
    }
}

impl FrameSource for FakeSource {
    fn open(&mut self) -> Result<SourceInfo, CameraError> {
        let mut state = self.camera.lock();
        state.absorb_fail_open();
        if state.failing_opens > 0 {
            state.failing_opens -= 1;
            state.stats.failed_opens += 1;
            return Err(CameraError::Busy("scripted open failure".to_owned()));
        }
        if let Some(since) = state.unplugged_since {
            let replugged = match state.script.front() {
                Some(FakeStep::Reconnect { after }) => since.elapsed() >= *after,
                _ => false,
            };
            if !replugged {
                state.stats.failed_opens += 1;
                return Err(CameraError::NoDevice);
            }
            state.script.pop_front();
            state.unplugged_since = None;
        }
        if state.sessions_open > 0 {
            state.stats.failed_opens += 1;
            return Err(CameraError::Busy("held by an earlier session".to_owned()));
        }
        state.sessions_open += 1;
        state.stats.opens += 1;
        drop(state);
        self.open = true;
        self.pacer.reset();
        Ok(SourceInfo {
            kind: SourceKind::Fake,
            name: "fake camera".to_owned(),
            mode: self.camera.mode(),
            demo: false,
            negotiation: None,
            devices: Vec::new(),
        })
    }

    fn next_frame(&mut self) -> Result<RgbImage, CameraError> {
        loop {
            match self.next_read() {
                Read::Frame(index) => {
                    self.pace();
                    return Ok(self.camera.image(index));
                }
                Read::Stall(duration) => {
                    std::thread::sleep(duration);
                    self.pacer.reset();
                }
                Read::Unplugged => {
                    return Err(CameraError::Disconnected(
                        "fake camera unplugged".to_owned(),
                    ));
                }
            }
        }
    }

    fn still(&mut self, _request: &StillRequest) -> Result<StillImage, CameraError> {
        let index = {
            let mut state = self.camera.lock();
            if state.unplugged_since.is_some() {
                return Err(CameraError::Disconnected(
                    "fake camera unplugged".to_owned(),
                ));
            }
            state.stats.stills += 1;
            state.next_image
        };
        Ok(StillImage {
            image: self.camera.image(index),
            mode: self.camera.mode(),
        })
    }

    fn close(&mut self) {
        if self.open {
            self.open = false;
            let mut state = self.camera.lock();
            state.sessions_open = state.sessions_open.saturating_sub(1);
            state.stats.closes += 1;
        }
    }
}

impl Drop for FakeSource {
    fn drop(&mut self) {
        self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake(script: Vec<FakeStep>) -> FakeCamera {
        let frames = vec![
            RgbImage::from_pixel(4, 2, image::Rgb([1, 2, 3])),
            RgbImage::new(4, 2),
        ];
        match FakeCamera::new(frames, script) {
            Ok(camera) => camera.with_frame_interval(Duration::from_millis(1)),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn frames_cycle_and_the_script_ends_in_endless_streaming() {
        let camera = fake(vec![FakeStep::Frames(3)]);
        let mut source = FakeSource::new(camera.clone());
        assert!(source.open().is_ok());
        let pixels: Vec<u8> = (0..5)
            .filter_map(|_| source.next_frame().ok())
            .map(|f| f.get_pixel(0, 0)[0])
            .collect();
        assert_eq!(pixels, vec![1, 0, 1, 0, 1]);
        assert_eq!(camera.stats().frames, 5);
    }

    #[test]
    fn unplugged_cameras_cannot_open_until_replugged() {
        let camera = fake(vec![
            FakeStep::Frames(1),
            FakeStep::Disconnect,
            FakeStep::Reconnect {
                after: Duration::ZERO,
            },
        ]);
        let mut source = FakeSource::new(camera.clone());
        assert!(source.open().is_ok());
        assert!(source.next_frame().is_ok());
        assert!(matches!(
            source.next_frame(),
            Err(CameraError::Disconnected(_))
        ));
        // The first session still holds the device, and the device is gone anyway.
        source.close();
        let mut second = FakeSource::new(camera.clone());
        assert!(second.open().is_ok(), "reconnect after zero delay");
        assert_eq!(camera.stats().disconnects, 1);
    }

    #[test]
    fn a_held_device_is_busy_and_scripted_open_failures_count_down() {
        let camera = fake(vec![FakeStep::FailOpen(2)]);
        let mut first = FakeSource::new(camera.clone());
        assert!(matches!(first.open(), Err(CameraError::Busy(_))));
        assert!(matches!(first.open(), Err(CameraError::Busy(_))));
        assert!(first.open().is_ok());
        let mut second = FakeSource::new(camera.clone());
        assert!(
            matches!(second.open(), Err(CameraError::Busy(_))),
            "exclusive like V4L"
        );
        drop(first);
        assert!(second.open().is_ok());
        assert_eq!(camera.stats().failed_opens, 3);
    }

    #[test]
    fn a_stall_blocks_the_read() {
        let camera = fake(vec![FakeStep::Stall(Duration::from_millis(120))]);
        let mut source = FakeSource::new(camera);
        assert!(source.open().is_ok());
        let started = Instant::now();
        assert!(source.next_frame().is_ok());
        assert!(started.elapsed() >= Duration::from_millis(120));
    }

    #[test]
    fn frames_must_exist_and_share_a_size() {
        assert!(FakeCamera::new(Vec::new(), Vec::new()).is_err());
        assert!(
            FakeCamera::new(vec![RgbImage::new(2, 2), RgbImage::new(3, 2)], Vec::new()).is_err()
        );
    }
}
