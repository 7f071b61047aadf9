//! All-or-nothing batch folders: files are written into a hidden staging folder beside the destination,
//! flushed to disk, and the folder is renamed into place in one step. A kill at any moment leaves either
//! no destination folder or a complete one; staging folders of dead exports are removed by the next run.
//!
//! Owns the file-system steps of an export and nothing else (no names, no records).

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::ExportError;

/// Marker in staging folder names: `.<dest name>.idbooth-staging-<pid>`.
const STAGING_MARKER: &str = ".idbooth-staging-";

/// A staging folder being filled; dropped without [`Staging::commit`] it is removed.
#[derive(Debug)]
pub struct Staging {
    path: PathBuf,
    destination: PathBuf,
    durable: bool,
    committed: bool,
}

fn io_error(path: &Path, source: std::io::Error) -> ExportError {
    ExportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Whether process `pid` is alive (Linux `/proc`; elsewhere every process counts as alive, so staging
/// folders are only ever removed when their owner is certainly gone).
fn process_alive(pid: u32) -> bool {
    let proc_root = Path::new("/proc");
    !proc_root.is_dir() || proc_root.join(pid.to_string()).exists()
}

/// The destination's parent folder and its last component.
fn split_destination(destination: &Path) -> Result<(PathBuf, String), ExportError> {
    let name = destination
        .file_name()
        .and_then(|name| name.to_str())
        .filter(|name| !name.is_empty() && *name != "..")
        .ok_or_else(|| ExportError::Destination {
            path: destination.to_path_buf(),
            problem: "must name a folder (its last part cannot be empty, '.' or '..')".into(),
        })?;
    let parent = destination
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    Ok((parent, name.to_owned()))
}

/// Removes staging folders for `name` in `parent` whose exporting process has died.
fn remove_stale_staging(parent: &Path, name: &str) -> Result<(), ExportError> {
    let prefix = format!(".{name}{STAGING_MARKER}");
    let entries = fs::read_dir(parent).map_err(|error| io_error(parent, error))?;
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name
            .to_str()
            .and_then(|text| text.strip_prefix(&prefix))
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !process_alive(pid) {
            tracing::warn!(path = %entry.path().display(), "removing the staging folder of an interrupted export");
            fs::remove_dir_all(entry.path()).map_err(|error| io_error(&entry.path(), error))?;
        }
    }
    Ok(())
}

impl Staging {
    /// Prepares a staging folder for `destination`, which must not exist yet (or be an empty folder).
    pub fn begin(destination: &Path, durable: bool) -> Result<Self, ExportError> {
        let (parent, name) = split_destination(destination)?;
        if !parent.is_dir() {
            return Err(ExportError::Destination {
                path: destination.to_path_buf(),
                problem: format!("its parent folder {} does not exist", parent.display()),
            });
        }
        if destination.exists() {
            let empty_dir = destination.is_dir()
                && fs::read_dir(destination)
                    .map_err(|error| io_error(destination, error))?
                    .next()
                    .is_none();
            if !empty_dir {
                return Err(ExportError::Destination {
                    path: destination.to_path_buf(),
                    problem: "already exists and is not empty; export each batch into a new folder"
                        .into(),
                });
            }
        }
        remove_stale_staging(&parent, &name)?;
        let path = parent.join(format!(".{name}{STAGING_MARKER}{}", std::process::id()));
        if path.exists() {
            fs::remove_dir_all(&path).map_err(|error| io_error(&path, error))?;
        }
        fs::create_dir(&path).map_err(|error| io_error(&path, error))?;
        Ok(Self {
            path,
            destination: destination.to_path_buf(),
            durable,
            committed: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one file into the staging folder (new file; an existing name is a bug upstream).
    pub fn write(&self, file_name: &str, bytes: &[u8]) -> Result<(), ExportError> {
        let mut file = self.create(file_name)?;
        file.write_all(bytes)
            .map_err(|error| io_error(&self.path.join(file_name), error))?;
        self.finish(&file, file_name)
    }

    /// Creates an empty file in the staging folder for the caller to fill; hand it to [`Staging::finish`].
    pub fn create(&self, file_name: &str) -> Result<File, ExportError> {
        let path = self.path.join(file_name);
        File::options()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|error| io_error(&path, error))
    }

    /// Flushes a file made with [`Staging::create`].
    pub fn finish(&self, file: &File, file_name: &str) -> Result<(), ExportError> {
        if self.durable {
            file.sync_all()
                .map_err(|error| io_error(&self.path.join(file_name), error))?;
        }
        Ok(())
    }

    /// Renames the staging folder into place. After this the batch is visible and complete.
    pub fn commit(mut self) -> Result<PathBuf, ExportError> {
        if self.durable {
            sync_dir(&self.path)?;
        }
        if self.destination.is_dir() {
            // Checked empty in `begin`; remove_dir refuses if something appeared since.
            fs::remove_dir(&self.destination)
                .map_err(|error| io_error(&self.destination, error))?;
        }
        fs::rename(&self.path, &self.destination)
            .map_err(|error| io_error(&self.destination, error))?;
        self.committed = true;
        if self.durable {
            let (parent, _) = split_destination(&self.destination)?;
            sync_dir(&parent)?;
        }
        Ok(self.destination.clone())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed
            && let Err(error) = fs::remove_dir_all(&self.path)
        {
            tracing::warn!(%error, path = %self.path.display(), "could not remove an export staging folder");
        }
    }
}

/// Flushes a folder's entries (new names, renames) to disk.
fn sync_dir(path: &Path) -> Result<(), ExportError> {
    File::open(path)
        .and_then(|dir| dir.sync_all())
        .map_err(|error| io_error(path, error))
}

/// Removes a committed batch folder again (when the database refused to record it).
pub fn remove_committed(destination: &Path) -> Result<(), ExportError> {
    fs::remove_dir_all(destination).map_err(|error| io_error(destination, error))
}
