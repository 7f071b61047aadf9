//! The staff station's io worker: a named thread (`staff-io`) that owns the [`Store`], executes one
//! [`Command`] at a time from a bounded channel and answers each with exactly one [`Reply`]. It also
//! decodes the photos it reads into `egui::ColorImage`s, so the UI thread never touches the database or a
//! JPEG decoder. Must not draw or hold UI state; it only wakes the UI (`request_repaint`).

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, TrySendError};

use crate::core::record::{
    Actor, RecordDetail, RecordId, RecordStatus, RecordSummary, Rejection, ReviewPage,
    StaffAccount, StaffPin, Stats,
};
use crate::storage::{
    LockoutPolicy, PurgeReport, RosterImportOptions, RosterImportReport, StaffSummary,
    StorageError, Store,
};

use super::StaffError;
use super::rerender::{RenderSettings, Renderer, RerenderDone};
use crate::print::settle_after_restart;
use crate::print::spool::Spooler;

/// Commands waiting for the worker; a reviewer cannot outrun this by hand, a stuck store shows as "busy".
const COMMAND_CAPACITY: usize = 32;
/// How long `Drop` waits to hand Stop to a worker whose queue is full before giving up on joining it.
const STOP_SEND_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest side of an image uploaded as a texture: 2048 is the texture size every OpenGL ES 3 / GL 3
/// renderer must support, and a full-HD original fits without resampling. Larger stills (4 K) are
/// shrunk on the worker; the review pane never draws them larger than this.
const MAX_TEXTURE_SIDE_PX: u32 = 2048;
/// Search results shown at once.
pub const SEARCH_LIMIT: u32 = 200;

/// Reads the time as unix seconds; a manual clock in tests.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// What the UI asks the worker to do.
#[derive(Debug)]
pub enum Command {
    Login {
        account: String,
        pin: String,
    },
    Logout,
    /// Opens the desk for an account the booth already checked the PIN of (staff mode from the booth's
    /// maintenance screen): refused if the account is unknown, disabled or locked.
    Resume {
        account: String,
    },
    LoadQueue {
        page_size: u32,
    },
    LoadRecord(RecordId),
    Approve(RecordId),
    Reject(RecordId, Rejection),
    Search(String),
    LoadStats {
        utc_offset_s: i32,
    },
    ImportRoster {
        path: PathBuf,
        /// Import the good rows of a file that has bad ones.
        skip_bad: bool,
    },
    PurgeOriginals {
        retention_days: u32,
    },
    Rerender {
        record: RecordId,
        profile: String,
    },
    Export(super::export_tab::ExportRequest),
    /// Settles print jobs a crash left unfinished (start-up; needs no login).
    SettlePrintJobs(SharedSpooler),
    Stop,
}

/// The station's spooler, shared with its printer monitor.
#[derive(Clone)]
pub struct SharedSpooler(pub Arc<dyn Spooler>);

impl std::fmt::Debug for SharedSpooler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SharedSpooler")
            .field(&self.0.printer())
            .finish()
    }
}

/// Who settles print jobs at the station's start-up, in the audit log (no one is logged in yet).
pub const STATION_ACTOR_NAME: &str = "staff-station";

/// A record ready to show: its detail and its images decoded for upload.
pub struct LoadedRecord {
    pub detail: RecordDetail,
    pub photo: Result<egui::ColorImage, String>,
    /// `None` once the retention purge removed the original.
    pub original: Option<Result<egui::ColorImage, String>>,
}

/// The worker's answer to one command.
pub enum Reply {
    LoggedIn(StaffSummary),
    LoggedOut,
    Queue(ReviewPage),
    Record(Box<LoadedRecord>),
    Reviewed {
        record: RecordId,
        status: RecordStatus,
    },
    SearchResults {
        query: String,
        items: Vec<RecordSummary>,
    },
    Stats(Box<Stats>),
    RosterImported(RosterImportReport),
    Purged(PurgeReport),
    Rerendered(Box<RerenderDone>),
    Exported(super::export_tab::ExportResult),
    /// Print jobs settled at start-up: how many changed state.
    PrintJobsSettled(usize),
    /// The command failed; the message is shown as is (`{:#}`).
    Failed {
        command: &'static str,
        error: StaffError,
    },
}

/// Settings the worker needs from config.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    pub lockout: LockoutPolicy,
    pub roster: RosterImportOptions,
    pub render: RenderSettings,
    pub export: ExportSettings,
}

/// How batches are named and packed (from `[export]` in kiosk.toml).
#[derive(Debug, Clone)]
pub struct ExportSettings {
    pub template: crate::export::NameTemplate,
    pub zip: bool,
}

/// Owns the worker thread: commands go in, replies come out; `Drop` stops and joins it.
pub struct StaffWorker {
    commands: Sender<Command>,
    replies: Receiver<Reply>,
    repaint: Arc<OnceLock<egui::Context>>,
    handle: Option<JoinHandle<()>>,
}

impl StaffWorker {
    pub fn spawn(store: Store, settings: WorkerSettings, clock: Clock) -> Result<Self, StaffError> {
        let (commands, command_rx) = crossbeam_channel::bounded(COMMAND_CAPACITY);
        // Unbounded: replies are one per command, so at most COMMAND_CAPACITY + 1 wait; a bounded reply
        // channel could block the worker while `Drop` waits to join it.
        let (reply_tx, replies) = crossbeam_channel::unbounded();
        let repaint: Arc<OnceLock<egui::Context>> = Arc::new(OnceLock::new());
        let worker_repaint = Arc::clone(&repaint);
        let handle = std::thread::Builder::new()
            .name("staff-io".to_owned())
            .spawn(move || {
                let mut state = WorkerState {
                    store,
                    settings,
                    clock,
                    actor: None,
                    renderer: Renderer::default(),
                };
                for command in command_rx {
                    if matches!(command, Command::Stop) {
                        break;
                    }
                    let reply = state.execute(command);
                    if reply_tx.send(reply).is_err() {
                        break;
                    }
                    if let Some(ctx) = worker_repaint.get() {
                        ctx.request_repaint();
                    }
                }
                tracing::debug!("staff-io worker stopped");
            })
            .map_err(StaffError::Spawn)?;
        Ok(Self {
            commands,
            replies,
            repaint,
            handle: Some(handle),
        })
    }

    /// Lets the worker wake the UI when a reply arrives. Only the first context counts.
    pub fn attach(&self, ctx: &egui::Context) {
        if self.repaint.get().is_none() {
            let _ = self.repaint.set(ctx.clone());
        }
    }

    /// Queues a command without blocking.
    pub fn send(&self, command: Command) -> Result<(), StaffError> {
        self.commands.try_send(command).map_err(|e| match e {
            TrySendError::Full(_) => StaffError::Busy,
            TrySendError::Disconnected(_) => StaffError::WorkerGone,
        })
    }

    /// Replies that have arrived, without blocking.
    pub fn drain(&self) -> Vec<Reply> {
        self.replies.try_iter().collect()
    }
}

impl Drop for StaffWorker {
    fn drop(&mut self) {
        if self
            .commands
            .send_timeout(Command::Stop, STOP_SEND_TIMEOUT)
            .is_err()
        {
            tracing::warn!("staff-io worker did not take Stop; leaving it detached");
            return;
        }
        if let Some(handle) = self.handle.take()
            && handle.join().is_err()
        {
            tracing::error!("staff-io worker panicked");
        }
    }
}

struct WorkerState {
    store: Store,
    settings: WorkerSettings,
    clock: Clock,
    /// The logged-in staff member; every command but login needs one.
    actor: Option<Actor>,
    renderer: Renderer,
}

impl WorkerState {
    fn execute(&mut self, command: Command) -> Reply {
        let name = command_name(&command);
        match self.try_execute(command) {
            Ok(reply) => reply,
            Err(error) => {
                tracing::warn!(command = name, error = %format!("{error:#}"), "staff command failed");
                Reply::Failed {
                    command: name,
                    error,
                }
            }
        }
    }

    fn try_execute(&mut self, command: Command) -> Result<Reply, StaffError> {
        let now_unix_s = (self.clock)();
        if let Command::Login { account, pin } = command {
            let account = StaffAccount::parse(&account)?;
            let pin = StaffPin::parse(&pin)?;
            let summary = self
                .store
                .login(&account, &pin, self.settings.lockout, now_unix_s)?;
            tracing::info!(account = %account, "staff logged in");
            self.actor = Some(Actor::Staff(account.to_string()));
            return Ok(Reply::LoggedIn(summary));
        }
        if let Command::Resume { account } = command {
            let account = StaffAccount::parse(&account)?;
            let summary = self.store.staff(&account, now_unix_s)?;
            if summary.disabled {
                return Err(StorageError::StaffDisabled(account.to_string()).into());
            }
            if let Some(until) = summary.locked_until_unix_s {
                return Err(StorageError::LockedOut {
                    account: account.to_string(),
                    remaining_s: until - now_unix_s,
                }
                .into());
            }
            tracing::info!(account = %account, "staff desk opened from the booth");
            self.actor = Some(Actor::Staff(account.to_string()));
            return Ok(Reply::LoggedIn(summary));
        }
        if let Command::SettlePrintJobs(spooler) = command {
            let actor = Actor::Staff(STATION_ACTOR_NAME.to_owned());
            let settled = settle_after_restart(&mut self.store, &*spooler.0, &actor, now_unix_s)
                .map_err(|error| StaffError::Settle(format!("{error:#}")))?;
            return Ok(Reply::PrintJobsSettled(
                settled.iter().filter(|job| job.now.is_some()).count(),
            ));
        }
        if let Command::Logout = command {
            self.actor = None;
            return Ok(Reply::LoggedOut);
        }
        let actor = self.actor.clone().ok_or(StaffError::NotLoggedIn)?;
        Ok(match command {
            Command::LoadQueue { page_size } => {
                Reply::Queue(self.store.review_queue(0, page_size)?)
            }
            Command::LoadRecord(id) => Reply::Record(Box::new(self.load_record(id)?)),
            Command::Approve(record) => Reply::Reviewed {
                record,
                status: self.store.approve(record, &actor, now_unix_s)?,
            },
            Command::Reject(record, rejection) => Reply::Reviewed {
                record,
                status: self.store.reject(record, &actor, &rejection, now_unix_s)?,
            },
            Command::Search(query) => Reply::SearchResults {
                items: self.store.search(query.trim(), SEARCH_LIMIT)?,
                query,
            },
            Command::LoadStats { utc_offset_s } => {
                Reply::Stats(Box::new(self.store.stats(now_unix_s, utc_offset_s)?))
            }
            Command::ImportRoster { path, skip_bad } => {
                let file = std::fs::File::open(&path)
                    .map_err(|source| StaffError::RosterFile { path, source })?;
                let reader = std::io::BufReader::new(file);
                let options = RosterImportOptions {
                    skip_bad,
                    ..self.settings.roster.clone()
                };
                Reply::RosterImported(
                    self.store
                        .import_roster(reader, &options, &actor, now_unix_s)?,
                )
            }
            Command::PurgeOriginals { retention_days } => Reply::Purged(
                self.store
                    .purge_originals(retention_days, &actor, now_unix_s)?,
            ),
            Command::Rerender { record, profile } => {
                Reply::Rerendered(Box::new(self.renderer.rerender(
                    &mut self.store,
                    &self.settings.render,
                    record,
                    &profile,
                    &actor,
                    now_unix_s,
                )?))
            }
            Command::Export(request) => Reply::Exported(self.export(request, &actor, now_unix_s)?),
            Command::Login { .. }
            | Command::Logout
            | Command::Resume { .. }
            | Command::SettlePrintJobs(_)
            | Command::Stop => {
                return Err(StaffError::WorkerGone);
            }
        })
    }

    fn export(
        &mut self,
        request: super::export_tab::ExportRequest,
        actor: &Actor,
        now_unix_s: i64,
    ) -> Result<super::export_tab::ExportResult, StaffError> {
        let options = crate::export::ExportOptions {
            destination: request.destination,
            template: self.settings.export.template.clone(),
            query: crate::export::ExportQuery {
                profile: request.profile,
                since_unix_s: request.since_unix_s,
                again: request.again,
            },
            zip: self.settings.export.zip,
            durable: true,
        };
        let mut source =
            crate::export::StoreExport::new(&mut self.store, actor.clone(), now_unix_s);
        let summary = crate::export::export(&mut source, &options, &mut |_| {})
            .map_err(|error| StaffError::Export(format!("{error:#}")))?;
        Ok(super::export_tab::ExportResult {
            batch: summary.batch_id,
            photos: summary.files.len(),
            folder: summary.destination,
            skipped: summary.skipped,
        })
    }

    fn load_record(&self, id: RecordId) -> Result<LoadedRecord, StaffError> {
        let detail = self.store.get(id)?;
        let photo = decode_for_texture(&self.store.photo(id)?);
        let original = self
            .store
            .original(id)?
            .map(|bytes| decode_for_texture(&bytes));
        Ok(LoadedRecord {
            detail,
            photo,
            original,
        })
    }
}

fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Login { .. } => "login",
        Command::Logout => "logout",
        Command::Resume { .. } => "resume",
        Command::LoadQueue { .. } => "load queue",
        Command::LoadRecord(_) => "load record",
        Command::Approve(_) => APPROVE_NAME,
        Command::Reject(..) => REJECT_NAME,
        Command::Search(_) => "search",
        Command::LoadStats { .. } => "load statistics",
        Command::ImportRoster { .. } => "import roster",
        Command::PurgeOriginals { .. } => "purge originals",
        Command::Rerender { .. } => "re-render",
        Command::SettlePrintJobs(_) => "settle print jobs",
        Command::Export(_) => "export",
        Command::Stop => "stop",
    }
}

/// Whether a failed command was a review decision (approve or reject).
pub fn is_review_command(name: &str) -> bool {
    matches!(name, APPROVE_NAME | REJECT_NAME)
}

const APPROVE_NAME: &str = "approve";
const REJECT_NAME: &str = "reject";

/// Decodes JPEG/PNG bytes into an RGBA image no larger than [`MAX_TEXTURE_SIDE_PX`]; a damaged image
/// becomes a message shown in its place.
pub fn decode_for_texture(bytes: &[u8]) -> Result<egui::ColorImage, String> {
    let decoded = image::load_from_memory(bytes).map_err(|e| e.to_string())?;
    let fitted = if decoded.width().max(decoded.height()) > MAX_TEXTURE_SIDE_PX {
        // `thumbnail` averages whole source pixels: several times faster than a filtered resize and
        // indistinguishable on screen at this reduction.
        decoded.thumbnail(MAX_TEXTURE_SIDE_PX, MAX_TEXTURE_SIDE_PX)
    } else {
        decoded
    };
    let rgb = fitted.to_rgb8();
    let size = [rgb.width() as usize, rgb.height() as usize];
    Ok(egui::ColorImage::from_rgb(size, rgb.as_raw()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_bytes_become_a_message_and_big_images_shrink() {
        assert!(decode_for_texture(b"not an image").is_err());
        let big = image::RgbImage::new(4096, 2304);
        let mut png = Vec::new();
        let encoded = image::DynamicImage::ImageRgb8(big)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png);
        assert!(encoded.is_ok());
        let Ok(decoded) = decode_for_texture(&png) else {
            panic!("a valid PNG decodes")
        };
        assert_eq!(decoded.size, [2048, 1152]);
    }
}
