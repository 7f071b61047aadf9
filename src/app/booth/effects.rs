//! How `Booth` carries out the flow's effects (commands to the workers and the camera) and turns the
//! workers' reports and the camera's stills back into flow events.
//!
//! Owns the effect-to-command mapping, including the rule that a demo capture never becomes a record.
//! A command a worker cannot take is answered at once with the matching failure event, so the flow never
//! waits for an answer that cannot come.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::camera::{CameraError, Capture};
use crate::core::flow::{
    Effect, Event, Fault, LookupResult, PinOutcome, PrintJobState, SaveRequest, SessionId,
};

use super::Booth;
use super::io::{IoCommand, SaveJob};
use super::live::{LiveCommand, LiveJob};
use super::process::ProcessJob;
use super::report::Report;

impl Booth {
    pub(super) fn execute(&mut self, effect: Effect) {
        match effect {
            Effect::StartLiveChecks { session } => {
                self.live_running = true;
                let job = LiveJob {
                    session,
                    spec: self.spec.clone(),
                    thresholds: self.config.check_thresholds(),
                };
                self.live.send(LiveCommand::Checks(Some(Box::new(job))));
            }
            Effect::StopLiveChecks => {
                self.live_running = false;
                self.live_face = None;
                self.live.send(LiveCommand::Checks(None));
                self.drop_unread_live_frame();
            }
            Effect::StartQrScan { session } => {
                self.qr_running = true;
                self.live.send(LiveCommand::Qr(Some(session)));
            }
            Effect::StopQrScan => {
                self.qr_running = false;
                self.live.send(LiveCommand::Qr(None));
                self.drop_unread_live_frame();
            }
            Effect::CaptureStill { session } => self.capture_still(session),
            Effect::ProcessCapture { session } => self.process_capture(session),
            Effect::SaveRecord(request) => self.save_record(request),
            Effect::Print { session, record } => {
                if !self
                    .printing_worker()
                    .send(IoCommand::Print { session, record })
                {
                    self.queued.push_back(Event::PrintStatus {
                        session,
                        state: PrintJobState::Failed,
                    });
                }
            }
            Effect::LookupStudent { session, key } => {
                if !self.io.send(IoCommand::Lookup {
                    session,
                    key: key.clone(),
                }) {
                    self.queued.push_back(Event::StudentLookup {
                        session,
                        key,
                        result: LookupResult::Failed,
                    });
                }
            }
            Effect::VerifyPin(pin) => {
                if !self.io.send(IoCommand::VerifyPin(pin)) {
                    self.queued.push_back(Event::PinResult(PinOutcome::Wrong {
                        attempts_left: self.config.staff.pin_attempts,
                    }));
                }
            }
            Effect::DiscardSession { session } => {
                self.sessions.discard(session);
                self.live_face = None;
            }
            Effect::SetOutOfService(on) => {
                // kiosk.toml is the staff's file; the switch lasts until the booth restarts.
                tracing::info!(out_of_service = on, "out-of-service switched by staff");
            }
            Effect::SelectProfile(name) => self.select_profile(&name),
            Effect::Flash => self.flash = true,
            Effect::RequestRepaintAt(_) => {} // `next_deadline` reads the flow directly
        }
    }

    /// Once the live worker has nothing to do, a frame it has not read yet would stay in its channel
    /// (megabytes) until the next student reaches Pose: drop it.
    fn drop_unread_live_frame(&mut self) {
        if !self.live_running && !self.qr_running {
            while self.frames_unread.try_recv().is_ok() {}
        }
    }

    fn capture_still(&mut self, session: SessionId) {
        match self.camera.request_still() {
            Ok(()) => self.stills_pending.push_back(session),
            Err(error) => {
                tracing::warn!(%session, "cannot ask the camera for a still: {error:#}");
                self.queued.push_back(Event::StillFailed { session });
            }
        }
    }

    pub(super) fn on_still(&mut self, session: SessionId, result: Result<Capture, CameraError>) {
        if self.flow.session().map(crate::core::flow::Session::id) != Some(session) {
            tracing::debug!(%session, "a still for a visit that has ended; dropped");
            return;
        }
        match result {
            Ok(capture) => {
                let demo = capture.demo || self.camera_demo;
                self.sessions.set_capture(session, capture.image, demo);
                self.queued.push_back(Event::StillCaptured { session });
            }
            Err(error) => {
                tracing::warn!(%session, "still failed: {error:#}");
                self.queued.push_back(Event::StillFailed { session });
            }
        }
    }

    fn process_capture(&mut self, session: SessionId) {
        let capture = self
            .sessions
            .get(session)
            .and_then(|data| data.capture.clone());
        let sent = capture.is_some_and(|capture| {
            self.pipeline.send(ProcessJob {
                session,
                capture,
                spec: self.spec.clone(),
                background: self.background,
                thresholds: self.config.check_thresholds(),
            })
        });
        if !sent {
            self.queued.push_back(Event::ProcessFailed { session });
        }
    }

    /// Sends the record to the store, unless the capture is a demo frame (never anyone's photo) or there
    /// is no photo to store.
    fn save_record(&mut self, request: SaveRequest) {
        let session = request.session;
        let refuse = |booth: &mut Booth, why: &str| {
            tracing::warn!(%session, "record not saved: {why}");
            booth.queued.push_back(Event::SaveFailed {
                session,
                disk_full: false,
            });
        };
        let Some(data) = self.sessions.get(session) else {
            return refuse(self, "the session has no capture");
        };
        if data.demo {
            self.demo_saves_refused += 1;
            return refuse(self, "the capture came from the demo camera");
        }
        let (Some(original), Some(photo)) = (data.capture.clone(), data.processed.clone()) else {
            return refuse(self, "no standardized photo could be made from the capture");
        };
        let accepted_ago = self.now.saturating_sub(request.consent.accepted_at);
        let consent_unix_s = unix_now_s() - i64::try_from(accepted_ago.as_secs()).unwrap_or(0);
        let job = SaveJob {
            request,
            profile: self.spec.name.clone(),
            original,
            photo,
            consent_unix_s,
        };
        if !self.io.send(IoCommand::Save(Box::new(job))) {
            refuse(self, "the storage worker does not take commands");
        }
    }

    fn select_profile(&mut self, name: &str) {
        let spec = if name == self.config.capture.profile {
            Some(self.config.capture_profile())
        } else {
            self.config.profile(name).cloned()
        };
        if let Some(spec) = spec {
            tracing::info!(profile = %spec.name, "profile selected by staff");
            self.background = spec.background;
            self.spec = spec;
        } else {
            tracing::warn!(
                profile = name,
                "unknown profile selected; kept the current one"
            );
        }
    }

    pub(super) fn on_report(&mut self, report: Report) {
        let event = match report {
            Report::Live {
                session,
                summary,
                face,
            } => {
                self.live_results += 1;
                self.live_face = face.map(|face| (face, std::time::Instant::now()));
                Event::LiveChecks { session, summary }
            }
            Report::Qr { session, text } => Event::QrDecoded { session, text },
            Report::Processed {
                session,
                outcome,
                photo,
            } => {
                self.last_processing_ms =
                    Some(u64::try_from(outcome.elapsed.as_millis()).unwrap_or(u64::MAX));
                if !self.sessions.set_processed(session, photo) {
                    return; // the visit ended while it was processed
                }
                Event::Processed { session, outcome }
            }
            Report::ProcessFailed { session } => Event::ProcessFailed { session },
            Report::Saved { session, record } => {
                self.records_saved += 1;
                Event::Saved { session, record }
            }
            Report::SaveFailed { session, disk_full } => Event::SaveFailed { session, disk_full },
            Report::WriteSucceeded => {
                if !self.flow.faults().contains(&Fault::DiskFull) {
                    return;
                }
                tracing::info!("a write succeeded again: disk-full fault cleared");
                Event::FaultCleared(Fault::DiskFull)
            }
            Report::Lookup {
                session,
                key,
                result,
            } => Event::StudentLookup {
                session,
                key,
                result,
            },
            Report::Pin(outcome) => Event::PinResult(outcome),
            Report::Print { session, state } => Event::PrintStatus { session, state },
            Report::Printer(view) => {
                self.printer = view;
                return;
            }
        };
        self.queued.push_back(event);
    }
}

fn unix_now_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
