//! idbooth: an on-device ID-photo booth.
//!
//! Data flows one way: `main -> app/cli -> {camera, pipeline, storage, print, export} -> vision -> core`.
//!
//! - [`core`]: pure domain (photo specs, face data, checks, standardization geometry, booth flow, records);
//!   no IO, threads, clock, UI or inference.
//! - [`config`]: kiosk.toml parsed once into validated, typed configuration.
//! - [`vision`]: the three ONNX models (face detection, face mesh, person segmentation) on tract.
//! - [`camera`]: nokhwa worker thread, format negotiation, watchdog; demo, file and fake sources.
//! - [`storage`]: the SQLite store (records, captures, audit, staff, roster, print jobs, batches).
//! - [`print`]: sheet layouts in millimetres, PDF output and the CUPS spooler.
//! - [`split`]: two-way fork-join on a named helper thread for the image arithmetic of one capture.
//! - [`standardizer`]: vision around `core::standardize` for one photo (crown mask, crop mask, re-analysis).
//! - [`export`]: approved photos to the campus-card import folder with manifests.
//! - [`app`]: the eframe shell (booth and staff station).
//! - [`cli`]: batch commands sharing the same core.
//! - [`paths`]: where assets and data live.

pub mod app;
pub mod camera;
pub mod cli;
pub mod config;
pub mod core;
pub mod export;
pub mod paths;
pub mod pipeline;
pub mod print;
pub mod split;
pub mod standardizer;
pub mod storage;
pub mod vision;
