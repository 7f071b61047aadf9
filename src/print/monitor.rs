//! The printer's state, read off the UI thread: [`printer_state`] asks a spooler once (a blocking IPP
//! request of up to the spooler's timeout), and [`PrinterMonitor`] asks on its own named thread
//! (`printer-monitor`) every poll interval and keeps the latest answer for a UI to read without waiting.
//! The staff station shows it in its top bar; the booth runtime may hold one for its Done screen.
//!
//! Owns the polling thread only; knows nothing of records, sheets or the UI (a repaint callback wakes it).

use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{RecvTimeoutError, Sender};

use super::spool::{PrinterState, PrinterStatus, SpoolError, Spooler};

/// How often the staff station and the booth ask CUPS about the printer: a paper tray emptied by the
/// last sheet shows within this time, and an IPP Get-Printer-Attributes every few seconds costs CUPS
/// nothing.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);

/// The printer's state as one word for the UI: an unreachable print server or printer reads as
/// `Offline`, an unknown queue as `Missing`. Blocks for one IPP request: call it off the UI thread
/// (the booth runtime's print worker, or a [`PrinterMonitor`]).
pub fn printer_state(spooler: &dyn Spooler) -> PrinterState {
    reading_of(spooler.printer_status(), spooler.printer()).state
}

/// One answer from the spooler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterReading {
    pub state: PrinterState,
    /// The raw status when the spooler answered; `None` when it could not be asked.
    pub status: Option<PrinterStatus>,
    /// Why the spooler could not be asked, for diagnostics.
    pub error: Option<String>,
}

fn reading_of(result: Result<PrinterStatus, SpoolError>, printer: &str) -> PrinterReading {
    match result {
        Ok(status) => PrinterReading {
            state: status.state,
            status: Some(status),
            error: None,
        },
        Err(error) => {
            let state = match error {
                SpoolError::PrinterMissing(_) => PrinterState::Missing,
                SpoolError::Unreachable { .. }
                | SpoolError::JobMissing(_)
                | SpoolError::Refused(_)
                | SpoolError::Protocol(_) => PrinterState::Offline,
            };
            tracing::debug!(printer, %error, "cannot read the printer state");
            PrinterReading {
                state,
                status: None,
                error: Some(error.to_string()),
            }
        }
    }
}

/// Called after each reading that differs from the one before (e.g. `egui::Context::request_repaint`).
pub type OnChange = Box<dyn Fn() + Send>;

/// Polls a spooler on a named thread; `Drop` stops and joins it (waiting at most for one IPP request).
pub struct PrinterMonitor {
    latest: Arc<Mutex<Option<PrinterReading>>>,
    stop: Sender<()>,
    handle: Option<JoinHandle<()>>,
}

impl PrinterMonitor {
    /// Starts polling now and then every `interval`.
    pub fn spawn(
        spooler: Arc<dyn Spooler>,
        interval: Duration,
        on_change: OnChange,
    ) -> std::io::Result<Self> {
        let latest: Arc<Mutex<Option<PrinterReading>>> = Arc::new(Mutex::new(None));
        let shared = Arc::clone(&latest);
        let (stop, stop_rx) = crossbeam_channel::bounded::<()>(1);
        let handle = std::thread::Builder::new()
            .name("printer-monitor".to_owned())
            .spawn(move || {
                loop {
                    let reading = reading_of(spooler.printer_status(), spooler.printer());
                    let changed = {
                        let mut slot = shared.lock().unwrap_or_else(PoisonError::into_inner);
                        let changed = slot.as_ref() != Some(&reading);
                        if changed && slot.as_ref().map(|r| r.state) != Some(reading.state) {
                            tracing::info!(printer = spooler.printer(), state = %reading.state, "printer state");
                        }
                        *slot = Some(reading);
                        changed
                    };
                    if changed {
                        on_change();
                    }
                    match stop_rx.recv_timeout(interval) {
                        Err(RecvTimeoutError::Timeout) => {}
                        Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
                    }
                }
            })?;
        Ok(Self {
            latest,
            stop,
            handle: Some(handle),
        })
    }

    /// The latest reading; `None` until the first answer (or timeout) arrives.
    pub fn latest(&self) -> Option<PrinterReading> {
        self.latest
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The latest state; `None` until the first answer arrives.
    pub fn state(&self) -> Option<PrinterState> {
        self.latest().map(|reading| reading.state)
    }

    /// Time-limited wait for the first reading (tests and start-up diagnostics).
    pub fn wait_first(&self, timeout: Duration) -> Option<PrinterReading> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(reading) = self.latest() {
                return Some(reading);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for PrinterMonitor {
    fn drop(&mut self) {
        let _ = self.stop.try_send(());
        if let Some(handle) = self.handle.take()
            && handle.join().is_err()
        {
            tracing::error!("printer-monitor thread panicked");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::fake::FakeSpooler;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn a_stopped_or_missing_printer_reads_as_what_staff_must_do() {
        let spooler = FakeSpooler::new("Booth");
        assert_eq!(printer_state(&spooler), PrinterState::Ready);
        spooler.set_printer_state(PrinterState::OutOfPaper);
        assert_eq!(printer_state(&spooler), PrinterState::OutOfPaper);
        let missing = reading_of(Err(SpoolError::PrinterMissing("X".into())), "X");
        assert_eq!(missing.state, PrinterState::Missing);
        let down = reading_of(
            Err(SpoolError::Unreachable {
                server: "localhost:631".into(),
                detail: "refused".into(),
            }),
            "X",
        );
        assert_eq!(down.state, PrinterState::Offline);
        assert!(down.error.is_some_and(|e| e.contains("does not answer")));
    }

    #[test]
    fn the_monitor_follows_the_printer_and_wakes_the_ui_on_change() {
        let spooler = Arc::new(FakeSpooler::new("Booth"));
        let wakes = Arc::new(AtomicU32::new(0));
        let counter = Arc::clone(&wakes);
        let shared: Arc<dyn Spooler> = spooler.clone();
        let Ok(monitor) = PrinterMonitor::spawn(
            shared,
            Duration::from_millis(20),
            Box::new(move || {
                counter.fetch_add(1, Ordering::SeqCst);
            }),
        ) else {
            panic!("spawn")
        };
        let first = monitor.wait_first(Duration::from_secs(30));
        assert_eq!(first.map(|r| r.state), Some(PrinterState::Ready));
        spooler.set_printer_state(PrinterState::Paused);
        let deadline = Instant::now() + Duration::from_secs(30);
        while monitor.state() != Some(PrinterState::Paused) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(monitor.state(), Some(PrinterState::Paused));
        assert!(wakes.load(Ordering::SeqCst) >= 2);
        drop(monitor);
    }
}
