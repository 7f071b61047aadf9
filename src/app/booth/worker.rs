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
    name: &'static str,
    commands: Sender<Envelope<C>>,
    failed: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl<C: Send + 'static> WorkerThread<C> {
    /// Starts `body` on a thread called `name`; `body` receives the command channel and returns when it
    /// reads `Stop` or the channel disconnects.
    pub(super) fn spawn(
        worker: Worker,
        name: &'static str,
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
            name,
            commands,
            failed,
            thread: Some(thread),
        })
    }

    pub(super) fn worker(&self) -> Worker {
        self.worker
    }

    /// The thread's name (`booth-io`).
    pub(super) fn name(&self) -> &'static str {
        self.name
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_worker_is_reported_dead_and_drop_does_not_hang() {
        let worker = WorkerThread::<u32>::spawn(Worker::Pipeline, "booth-test-panic", 2, |inbox| {
            if let Ok(Envelope::Run(_)) = inbox.recv() {
                panic!("scripted failure");
            }
        })
        .expect("spawn");
        assert!(!worker.is_dead());
        assert!(worker.send(1));
        let started = std::time::Instant::now();
        while !worker.is_dead() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "worker never ended"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(!worker.send(2), "a dead worker takes no command");
        drop(worker);
    }

    #[test]
    fn drop_stops_and_joins_a_running_worker() {
        let ended = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&ended);
        let worker =
            WorkerThread::<u32>::spawn(Worker::Storage, "booth-test-stop", 2, move |inbox| {
                while let Ok(Envelope::Run(_)) = inbox.recv() {}
                flag.store(true, Ordering::Release);
            })
            .expect("spawn");
        assert_eq!(worker.name(), "booth-test-stop");
        drop(worker);
        assert!(ended.load(Ordering::Acquire), "joined after Stop");
    }
}
