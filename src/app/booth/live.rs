//! The "booth-live" worker: at `capture.live_check_hz` it takes the newest preview frame, runs the cheap
//! live checks (vision in `AnalyzeMode::Frame` + `CheckSet::Live`) and reports hints and the face; while the
//! Identify screen shows it scans frames for QR codes (rqrr). Frames arrive through a capacity-1 channel:
//! the newest is processed, older ones are dropped, nothing queues.
//!
//! Owns the live rates and the frame loop. Shares the models with the pipeline worker through a mutex and
//! only ever `try_lock`s them: while a capture is processed, live frames are skipped, never waited for.

use std::sync::{Arc, Mutex, PoisonError, TryLockError};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, select};

use crate::camera::Frame;
use crate::core::checks::{self, CheckSet, CheckThresholds};
use crate::core::flow::SessionId;
use crate::core::geometry::SizePx;
use crate::core::spec::PhotoSpec;
use crate::vision::{AnalyzeMode, Vision};

use super::guide::pose_guide;
use super::hints::live_result;
use super::report::{Report, Reporter};
use super::worker::Envelope;
use crate::app::memory::release_freed_memory;

/// QR scans per second: the code is held up for seconds, and rqrr on a full frame is the costliest step.
const QR_SCAN_HZ: u32 = 5;
/// Commands waiting for the live worker (start/stop pairs; a person cannot outrun it).
pub(super) const LIVE_COMMAND_CAPACITY: usize = 16;

/// What the live worker is asked to do.
pub(super) enum LiveCommand {
    /// Run the live checks for this session (`None` stops them).
    Checks(Option<Box<LiveJob>>),
    /// Scan for QR codes for this session (`None` stops).
    Qr(Option<SessionId>),
}

/// The live checks of one session.
pub(super) struct LiveJob {
    pub session: SessionId,
    pub spec: PhotoSpec,
    pub thresholds: CheckThresholds,
}

/// The worker's loop state.
pub(super) struct LiveWorker {
    pub vision: Arc<Mutex<Vision>>,
    pub frames: Receiver<Frame>,
    pub reporter: Reporter,
    pub check_period: Duration,
    pub checks: Option<Box<LiveJob>>,
    pub qr: Option<SessionId>,
    pub last_check: Option<Instant>,
    pub last_qr: Option<Instant>,
}

impl LiveWorker {
    pub(super) fn new(
        vision: Arc<Mutex<Vision>>,
        frames: Receiver<Frame>,
        reporter: Reporter,
        live_check_hz: u32,
    ) -> Self {
        Self {
            vision,
            frames,
            reporter,
            check_period: Duration::from_secs(1) / live_check_hz.max(1),
            checks: None,
            qr: None,
            last_check: None,
            last_qr: None,
        }
    }

    pub(super) fn run(mut self, inbox: &Receiver<Envelope<LiveCommand>>) {
        let frames = self.frames.clone();
        loop {
            select! {
                recv(inbox) -> message => match message {
                    Ok(Envelope::Run(LiveCommand::Checks(job))) => {
                        let stopped = self.checks.is_some() && job.is_none();
                        self.checks = job;
                        self.last_check = None;
                        if stopped {
                            // The student left Pose: the checked frames' buffers are free now.
                            release_freed_memory();
                        }
                    }
                    Ok(Envelope::Run(LiveCommand::Qr(session))) => {
                        self.qr = session;
                        self.last_qr = None;
                    }
                    Ok(Envelope::Stop) | Err(_) => return,
                },
                recv(frames) -> frame => match frame {
                    Ok(frame) => {
                        if !self.on_frame(&frame) {
                            return;
                        }
                    }
                    Err(_) => return,
                },
            }
        }
    }

    /// Processes a frame if a rate allows; false when the booth has gone.
    fn on_frame(&mut self, frame: &Frame) -> bool {
        let now = Instant::now();
        let due = |last: Option<Instant>, period: Duration| {
            last.is_none_or(|last| now.duration_since(last) >= period)
        };
        if self.checks.is_some() && due(self.last_check, self.check_period) {
            self.last_check = Some(now);
            if let Some(report) = self.check_frame(frame)
                && !self.reporter.offer(report)
            {
                return false;
            }
        }
        let qr_period = Duration::from_secs(1) / QR_SCAN_HZ;
        if let Some(session) = self.qr
            && due(self.last_qr, qr_period)
        {
            self.last_qr = Some(now);
            if let Some(text) = scan_qr(&frame.image) {
                tracing::debug!(%session, "QR code seen");
                return self.reporter.send(Report::Qr { session, text });
            }
        }
        true
    }

    fn check_frame(&self, frame: &Frame) -> Option<Report> {
        let job = self.checks.as_ref()?;
        let mut vision = match self.vision.try_lock() {
            Ok(vision) => vision,
            Err(TryLockError::WouldBlock) => return None,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
        };
        let analysis = match vision.analyze(&frame.image, AnalyzeMode::Frame) {
            Ok(analysis) => analysis,
            Err(error) => {
                tracing::debug!(%error, "live analysis failed; frame skipped");
                return None;
            }
        };
        drop(vision);
        let report = checks::run(
            &frame.image,
            &analysis,
            None,
            &job.spec,
            &job.thresholds,
            CheckSet::Live,
        );
        let size = SizePx::new(frame.image.width(), frame.image.height());
        let guide = pose_guide(&job.spec, size);
        let result = live_result(&report, &analysis, &guide, frame.seq);
        tracing::trace!(session = %job.session, green = result.summary.all_green, "live checks");
        Some(Report::Live {
            session: job.session,
            summary: result.summary,
            face: result.face,
        })
    }
}

/// The text of the first decodable QR code in `image`, if any.
pub(super) fn scan_qr(image: &image::RgbImage) -> Option<String> {
    let gray = image::imageops::grayscale(image);
    let mut prepared = rqrr::PreparedImage::prepare(gray);
    prepared
        .detect_grids()
        .into_iter()
        .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
}

/// Keeps a poisoned models mutex usable (the models hold no invariants a panic could break).
pub(super) fn lock_vision(vision: &Mutex<Vision>) -> std::sync::MutexGuard<'_, Vision> {
    vision.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_kits_qr_code_decodes() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/booth_support/qr_2026123456.png");
        let image = image::open(&path).expect("qr png").into_rgb8();
        assert_eq!(scan_qr(&image).as_deref(), Some("2026123456"));
    }

    #[test]
    fn a_face_photo_has_no_qr_code() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/faces/good_london_001_neutral.jpg");
        let image = image::open(&path).expect("photo").into_rgb8();
        assert_eq!(scan_qr(&image), None);
    }
}
