//! Printing: sheet layouts in millimetres (pure), PDF output (printpdf) and the CUPS spooler behind a trait.
//!
//! Owns how photos land on paper and how a sheet reaches a printer. Must not touch the camera, the
//! vision models or the UI; it reads photos as encoded bytes and records print jobs through a small trait.

pub mod font;
