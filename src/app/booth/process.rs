//! The "booth-pipeline" worker: checks and standardizes one still with `pipeline::process_capture` (the
//! active profile, the configured background, the full check set) and turns the result into the Review
//! screen's check list plus the photo the booth keeps for the session.
//!
//! Owns the translation from the pipeline's report to `CheckLine`s. Must not touch the store or the camera;
//! the pipeline itself belongs to `src/pipeline.rs`.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use crossbeam_channel::Receiver;
use image::RgbImage;

use crate::core::checks::messages::{self, Cue};
use crate::core::checks::{CheckCode, CheckStatus, CheckThresholds};
use crate::core::flow::{CheckLine, CheckMark, ProcessOutcome, SessionId};
use crate::core::spec::{PhotoSpec, Rgb8};
use crate::pipeline::{self, Processed};
use crate::vision::Vision;

use super::live::lock_vision;
use super::report::{ProcessedPhoto, Report, Reporter};
use super::worker::Envelope;
use crate::app::memory::release_freed_memory;

/// Captures waiting to be processed: one per session at a time; a retake may queue behind a late one.
pub(super) const PROCESS_COMMAND_CAPACITY: usize = 4;

/// One still to check and standardize.
pub(super) struct ProcessJob {
    pub session: SessionId,
    pub capture: Arc<RgbImage>,
    pub spec: PhotoSpec,
    pub background: Rgb8,
    pub thresholds: CheckThresholds,
}

pub(super) fn run(
    vision: &Mutex<Vision>,
    reporter: &Reporter,
    inbox: &Receiver<Envelope<ProcessJob>>,
) {
    while let Ok(Envelope::Run(job)) = inbox.recv() {
        let report = process(vision, &job);
        if !reporter.send(report) {
            return;
        }
        // The capture's buffers are spread over this thread's arena and its helper thread's.
        release_freed_memory();
    }
}

fn process(vision: &Mutex<Vision>, job: &ProcessJob) -> Report {
    let started = Instant::now();
    let result = {
        let mut vision = lock_vision(vision);
        pipeline::process_capture(
            &mut vision,
            &job.capture,
            &job.spec,
            job.background,
            &job.thresholds,
        )
    };
    let processed = match result {
        Ok(processed) => processed,
        Err(error) => {
            tracing::warn!(session = %job.session, "processing the capture failed: {error:#}");
            return Report::ProcessFailed {
                session: job.session,
            };
        }
    };
    let checks = check_lines(&processed);
    let photo = match photo_of(processed) {
        Ok(photo) => photo,
        Err(problem) => {
            tracing::warn!(session = %job.session, %problem, "no photo from the capture");
            return Report::ProcessFailed {
                session: job.session,
            };
        }
    };
    let outcome = ProcessOutcome {
        checks,
        elapsed: started.elapsed(),
    };
    tracing::debug!(
        session = %job.session,
        passed = outcome.passed(),
        elapsed_ms = outcome.elapsed.as_millis(),
        "capture processed"
    );
    Report::Processed {
        session: job.session,
        outcome,
        photo,
    }
}

/// The photo the booth keeps. `Ok(None)` when the standardizer rejected the capture (the check list says
/// why); `Err` when it failed for another reason (a bug or resource problem: the student retries).
fn photo_of(processed: Processed) -> Result<Option<ProcessedPhoto>, String> {
    let report_json = serde_json::to_string(&processed.report).map_err(|e| e.to_string())?;
    match processed.photo {
        Ok(photo) => {
            let params_json = serde_json::to_string(&photo.record).map_err(|e| e.to_string())?;
            Ok(Some(ProcessedPhoto {
                pixels: Arc::new(photo.pixels),
                encoded: photo.encoded.bytes,
                report_json,
                params_json,
            }))
        }
        Err(error) if !error.failures().is_empty() => Ok(None),
        Err(error) => Err(error.to_string()),
    }
}

/// The Review list: every check in report order, then the standardizer's own reasons; a standardizer
/// failure with a catalogue code turns that check's line into a cross.
fn check_lines(processed: &Processed) -> Vec<CheckLine> {
    let mut lines: Vec<CheckLine> = processed
        .report
        .checks
        .iter()
        .map(|check| CheckLine {
            code: check.code.as_str().to_owned(),
            mark: mark(check.status),
            message_zh: check.message_zh.clone(),
            message_en: check.message_en.clone(),
        })
        .collect();
    let failures = match &processed.photo {
        Ok(photo) => photo.record.check.failures.clone(),
        Err(error) => error.failures().to_vec(),
    };
    for failure in failures {
        let code = failure.code();
        let (zh, en) = match CheckCode::parse(code) {
            Some(catalogue) => {
                let texts = messages::texts(catalogue, CheckStatus::Fail, Cue::None);
                (texts.message_zh.to_owned(), texts.message_en.to_owned())
            }
            None => standardizer_texts(code),
        };
        if let Some(line) = lines.iter_mut().find(|line| line.code == code) {
            if line.mark != CheckMark::Fail {
                line.mark = CheckMark::Fail;
                line.message_zh = zh;
                line.message_en = en;
            }
        } else {
            lines.push(CheckLine {
                code: code.to_owned(),
                mark: CheckMark::Fail,
                message_zh: zh,
                message_en: en,
            });
        }
    }
    lines
}

fn mark(status: CheckStatus) -> CheckMark {
    match status {
        CheckStatus::Pass => CheckMark::Pass,
        CheckStatus::Warn => CheckMark::Warn,
        CheckStatus::Fail => CheckMark::Fail,
    }
}

/// Wording of the standardizer's reasons that have no check of their own.
fn standardizer_texts(code: &str) -> (String, String) {
    let (zh, en) = match code {
        "out_of_band" => (
            "头部大小或位置不符合照片规格",
            "Head size or position is outside the photo rules",
        ),
        "byte_window" => (
            "照片文件大小不符合要求",
            "The photo file size is outside the required range",
        ),
        "background_mismatch" => ("背景颜色不符合要求", "The background colour does not match"),
        _ => ("照片不符合要求", "The photo does not meet the rules"),
    };
    (zh.to_owned(), en.to_owned())
}
