//! Where idbooth finds its assets (models, fonts, demo frames) and keeps its data (database, photos, logs).
//! Owns path resolution only; opens nothing.

use std::path::{Path, PathBuf};

/// Environment variable that points at the assets folder (models/, fonts/, demo/).
pub const ASSETS_ENV: &str = "IDBOOTH_ASSETS";

/// The assets folder: `$IDBOOTH_ASSETS`, else `assets/` beside the executable or up to three levels above
/// it (a `target/release/idbooth` inside the repository), else the source checkout it was built from.
pub fn assets_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(ASSETS_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if let Ok(exe) = std::env::current_exe() {
        for ancestor in exe.ancestors().skip(1).take(4) {
            let candidate = ancestor.join("assets");
            if candidate.join("models").is_dir() {
                return candidate;
            }
        }
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets")
}

/// The data folder: `--data-dir`, else `storage.data_dir` from kiosk.toml, else the XDG data dir
/// (`~/.local/share/idbooth`), else `./idbooth-data`.
pub fn data_dir(cli: Option<&Path>, configured: Option<&Path>) -> PathBuf {
    if let Some(dir) = cli.or(configured) {
        return dir.to_path_buf();
    }
    directories::ProjectDirs::from("", "", "idbooth").map_or_else(
        || PathBuf::from("idbooth-data"),
        |dirs| dirs.data_dir().to_path_buf(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_dir_prefers_the_command_line() {
        let cli = Path::new("/tmp/a");
        let cfg = Path::new("/tmp/b");
        assert_eq!(data_dir(Some(cli), Some(cfg)), cli);
        assert_eq!(data_dir(None, Some(cfg)), cfg);
        assert!(
            data_dir(None, None).ends_with("idbooth")
                || data_dir(None, None).ends_with("idbooth-data")
        );
    }

    #[test]
    fn assets_hold_the_models() {
        assert!(assets_dir().join("models/face_landmark.onnx").is_file());
    }
}
