//! Printing: sheet layouts in millimetres (pure), PDF output (printpdf) and the CUPS spooler behind a trait.
//!
//! Owns how photos land on paper and how a sheet reaches a printer. Must not touch the camera, the
//! vision models or the UI; it reads photos as encoded bytes and records print jobs through a small trait.
//!
//! - [`layout`]: pure geometry: slots, caption bands and cut marks for 6-inch, 5-inch, A4 and single sheets.
//! - [`photo`]: an encoded photo checked for printing (pixel size, dpi, how it is embedded).
//! - [`font`]: the bundled CJK font (also used by the UI) and caption font fallback.
//! - [`pdf`]: layout + photos -> PDF bytes.
//! - [`job`]: one job end to end: copy limit, retries, polling, print log, progress.
//! - [`record`]: a record from the store to a printed sheet, logged in `print_jobs`.
//! - [`settle`]: the print log brought up to date after a restart.
//! - [`monitor`]: the printer's state read off the UI thread ([`printer_state`], [`PrinterMonitor`]).
//! - [`spool`]: the `Spooler` trait and typed printer/job states; [`cups`] implements it over IPP,
//!   [`fake`] in memory.

pub mod cups;
pub mod fake;
pub mod font;
pub mod job;
pub mod layout;
pub mod monitor;
pub mod pdf;
pub mod photo;
pub mod record;
pub mod settle;
pub mod spool;

pub use monitor::{PrinterMonitor, PrinterReading, printer_state};
pub use settle::{settle_after_restart, settle_unfinished_jobs};
pub use spool::PrinterState;
