//! One capture session: a named thread that creates a source with the factory, opens it, reads frames
//! and takes stills, reporting everything to the worker over a small channel.
//!
//! Owns only that thread's loop. It may block for ever inside a stalled device read; the worker never
//! waits for it: it abandons the session (stop flag, dropped channels) and the thread ends, closing
//! its source, whenever the read returns. Knows nothing of the watchdog, statuses or the UI.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TryRecvError, TrySendError, bounded};
use image::RgbImage;

use super::CameraError;
use super::demand::{Demand, SharedDemand};
use super::source::{FrameSource, SourceFactory, SourceInfo, StillImage, StillRequest};

/// Frames waiting for the worker: two absorb scheduling jitter; more would only add latency.
const EVENT_CAPACITY: usize = 2;
const COMMAND_CAPACITY: usize = 4;

/// What a session reports.
pub(super) enum SessionEvent {
    Opened(SourceInfo),
    Frame {
        image: RgbImage,
        captured_at: Instant,
    },
    Still {
        result: Result<StillImage, CameraError>,
        captured_at: Instant,
    },
    /// A frame was read but not decoded (demand is idle): the watchdog counts it, nobody sees it.
    Skipped {
        captured_at: Instant,
    },
    /// The session is over (open failed, read failed, or the source asked to be replaced).
    Ended(CameraError),
}

enum SessionCommand {
    Still {
        request: StillRequest,
        settle: Duration,
    },
}

/// The worker's end of a running session.
pub(super) struct Session {
    pub(super) id: u64,
    commands: Sender<SessionCommand>,
    events: Receiver<SessionEvent>,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl Session {
    pub(super) fn start(
        id: u64,
        factory: Arc<Mutex<SourceFactory>>,
        demand: SharedDemand,
    ) -> Result<Self, CameraError> {
        let (command_tx, command_rx) = bounded(COMMAND_CAPACITY);
        let (event_tx, event_rx) = bounded(EVENT_CAPACITY);
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name(format!("idbooth-camera-capture-{id}"))
            .spawn(move || capture_loop(&factory, &demand, &event_tx, &command_rx, &thread_stop))
            .map_err(CameraError::Spawn)?;
        Ok(Self {
            id,
            commands: command_tx,
            events: event_rx,
            stop,
            thread,
        })
    }

    /// A handle on the event channel for `select!`.
    pub(super) fn events(&self) -> Receiver<SessionEvent> {
        self.events.clone()
    }

    /// Asks for a still after `settle`; false when the session is gone or its queue is full.
    pub(super) fn request_still(&self, request: StillRequest, settle: Duration) -> bool {
        self.commands
            .try_send(SessionCommand::Still { request, settle })
            .is_ok()
    }

    /// Tells the thread to stop and lets go of it. Returns its handle so the worker can reap it later;
    /// the thread may stay blocked in a device read for a while.
    pub(super) fn abandon(self) -> JoinHandle<()> {
        self.stop.store(true, Ordering::Release);
        self.thread
    }
}

fn capture_loop(
    factory: &Mutex<SourceFactory>,
    demand: &SharedDemand,
    events: &Sender<SessionEvent>,
    commands: &Receiver<SessionCommand>,
    stop: &AtomicBool,
) {
    let created = {
        let mut make = factory.lock().unwrap_or_else(PoisonError::into_inner);
        make()
    };
    let mut source = match created {
        Ok(source) => source,
        Err(e) => {
            let _ = events.send(SessionEvent::Ended(e));
            return;
        }
    };
    match source.open() {
        Ok(info) => {
            if events.send(SessionEvent::Opened(info)).is_err() {
                source.close();
                return;
            }
        }
        Err(e) => {
            let _ = events.send(SessionEvent::Ended(e));
            return;
        }
    }
    stream(source.as_mut(), demand, events, commands, stop);
    source.close();
}

/// Reads frames until stopped, the worker goes away or the source fails.
fn stream(
    source: &mut dyn FrameSource,
    demand: &SharedDemand,
    events: &Sender<SessionEvent>,
    commands: &Receiver<SessionCommand>,
    stop: &AtomicBool,
) {
    let mut pending_still: Option<(StillRequest, Instant)> = None;
    while !stop.load(Ordering::Acquire) {
        match commands.try_recv() {
            Ok(SessionCommand::Still { request, settle }) => {
                pending_still = Some((request, Instant::now() + settle));
            }
            Err(TryRecvError::Disconnected) => return,
            Err(TryRecvError::Empty) => {}
        }
        if let Some((request, due)) = pending_still
            && Instant::now() >= due
        {
            pending_still = None;
            let result = source.still(&request);
            let event = SessionEvent::Still {
                result,
                captured_at: Instant::now(),
            };
            if events.send(event).is_err() {
                return;
            }
            continue;
        }
        let read = match demand.get() {
            Demand::Live => source.next_frame().map(|image| SessionEvent::Frame {
                image,
                captured_at: Instant::now(),
            }),
            Demand::Idle => source.skip_frame().map(|()| SessionEvent::Skipped {
                captured_at: Instant::now(),
            }),
        };
        match read {
            Ok(event) => {
                // A busy worker misses a frame rather than queueing stale ones.
                if let Err(TrySendError::Disconnected(_)) = events.try_send(event) {
                    return;
                }
            }
            Err(e) => {
                let _ = events.send(SessionEvent::Ended(e));
                return;
            }
        }
    }
}
