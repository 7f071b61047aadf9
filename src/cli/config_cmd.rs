//! `idbooth config validate [PATH]`: parses a configuration file and reports its first problem.

use std::io::Write;
use std::path::Path;

use crate::config::{ConfigError, KioskConfig};

/// Validates `path`; writes a one-line summary to `out` on success and returns the error otherwise.
pub fn validate(path: &Path, out: &mut dyn Write) -> Result<KioskConfig, ConfigError> {
    let config = KioskConfig::load(path)?;
    let summary = format!(
        "{}: ok — booth {}, profile {} ({}x{} px, {} dpi), {} profiles, camera {}",
        path.display(),
        config.kiosk.booth_id,
        config.capture.profile,
        config.capture_profile().width_px,
        config.capture_profile().height_px,
        config.capture_profile().dpi,
        config.profiles.len(),
        config.camera.source,
    );
    // A closed stdout is not a configuration problem.
    let _ = writeln!(out, "{summary}");
    Ok(config)
}
