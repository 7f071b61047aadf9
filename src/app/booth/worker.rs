//! The thread handle every booth worker uses: a NAMED thread, a bounded command channel, a panic caught
//! and recorded (so the booth can show Failsafe instead of dying), and a `Drop` that sends Stop and joins.
//!
//! Owns only thread lifetime. The loop body belongs to each worker (`live`, `process`, `io`); it must end
//! when its command channel says Stop or disconnects.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, bounded};

use crate::core::flow::Worker;

use super::BoothError;

/// How long `Drop` waits to hand Stop to a worker whose queue is full before it gives up joining it
/// (a worker wedged that long inside a model or a database call is left to end by itself).
const STOP_SEND_TIMEOUT: Duration = Duration::from_secs(2);

/// A worker's command, or the request to end.
pub(super) enum Envelope<C> {
    Run(C),
    Stop,
}

/// A running worker thread.
pub(super) struct WorkerThread<C: Send + 'static> {
    worker: Worker,
    commands: Sender<Envelope<C>>,
    failed: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl<C: Send + 'static> WorkerThread<C> {
    /// Starts `body` on a thread called `name`; `body` receives the command channel and returns when it
    /// reads `Stop` or the channel disconnects.
    pub(super) fn spawn(
        worker: Worker,
        name: &str,
        capacity: usize,
        body: impl FnOnce(Receiver<Envelope<C>>) + Send + 'static,
    ) -> Result<Self, BoothError> {
        let (commands, inbox) = bounded(capacity);
        let failed = Arc::new(AtomicBool::new(false));
        let thread_failed = Arc::clone(&failed);
        let thread_name = name.to_owned();
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                if catch_unwind(AssertUnwindSafe(move || body(inbox))).is_err() {
                    tracing::error!(worker = %thread_name, "booth worker panicked; the booth shows Failsafe");
                    thread_failed.store(true, Ordering::Release);
                }
            })
            .map_err(|source| BoothError::Spawn {
                worker: name.to_owned(),
                source,
            })?;
        Ok(Self {
            worker,
            commands,
            failed,
            thread: Some(thread),
        })
    }

    pub(super) fn worker(&self) -> Worker {
        self.worker
    }

    /// Queues a command without waiting. False when the worker is gone or its queue is full (the caller
    /// reports the matching failure event, so the flow never waits for an answer that cannot come).
    pub(super) fn send(&self, command: C) -> bool {
        match self.commands.try_send(Envelope::Run(command)) {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(
                    worker = self.worker.as_str(),
                    full = error.is_full(),
                    "booth worker refused a command"
                );
                false
            }
        }
    }

    /// Whether the thread has ended (a panic, or a body that returned early).
    pub(super) fn is_dead(&self) -> bool {
        self.failed.load(Ordering::Acquire)
            || self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }
}

impl<C: Send + 'static> Drop for WorkerThread<C> {
    fn drop(&mut self) {
        let stopped = self
            .commands
            .send_timeout(Envelope::Stop, STOP_SEND_TIMEOUT)
            .is_ok();
        if let Some(thread) = self.thread.take() {
            if stopped || thread.is_finished() {
                if thread.join().is_err() {
                    tracing::error!(
                        worker = self.worker.as_str(),
                        "booth worker panicked on stop"
                    );
                }
            } else {
                tracing::warn!(
                    worker = self.worker.as_str(),
                    "booth worker did not take Stop; left to end by itself"
                );
            }
        }
    }
}
