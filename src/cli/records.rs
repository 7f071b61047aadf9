//! `idbooth records …` and `idbooth roster import`: clap arguments turned into store calls. The store
//! does the work ([`crate::storage::commands`]); this file only parses and prints.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Subcommand;

use crate::config::KioskConfig;
use crate::core::record::{
    Actor, ReasonCatalog, ReasonText, RecordId, RecordStatus, StaffAccount, StaffPin,
};
use crate::storage::Store;
use crate::storage::{self as commands, RecordsCommand};
use crate::storage::{ColumnMap, RosterImportOptions};

#[derive(Debug, Subcommand)]
pub enum RecordsArgs {
    /// List records, newest first.
    List {
        /// Only this status: pending_review, approved, rejected, exported, printed.
        #[arg(long)]
        status: Option<String>,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Show one record with its captures and history.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Approve a record (审核通过).
    Approve { id: i64 },
    /// Reject a record (被驳回) with one or more reason codes and an optional note.
    Reject {
        id: i64,
        /// A reason code (see `records reasons`); repeat for several.
        #[arg(long = "reason", required = true)]
        reasons: Vec<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// List the rejection reason codes with their texts.
    Reasons,
    /// Check the database: integrity, and every stored photo decodes and matches its hash.
    Verify {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RosterArgs {
    /// Import students from a CSV file with a header line.
    Import {
        file: PathBuf,
        /// Map a CSV column to a field: COLUMN=student_no|name|department|eligible (repeatable).
        #[arg(long = "map")]
        maps: Vec<String>,
        /// Import the good rows even when some rows are bad.
        #[arg(long)]
        skip_bad: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct StaffArgs {
    #[command(subcommand)]
    pub command: Option<StaffCommand>,
}

/// Staff accounts (without a subcommand, `idbooth staff` opens the staff station).
#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Create a staff account; the PIN (4–12 digits) is read from the first line of standard input.
    Add {
        account: String,
        /// Name shown in the audit log and the station.
        #[arg(long)]
        name: String,
    },
}

/// The database file for a configuration and data dir.
pub fn database_path(config: &KioskConfig, data_dir: &Path) -> PathBuf {
    data_dir.join(&config.storage.database_file)
}

/// Opens (creating if needed) the store in the data dir.
pub fn open_store(config: &KioskConfig, data_dir: &Path) -> anyhow::Result<Store> {
    let path = database_path(config, data_dir);
    Store::open(&path).with_context(|| format!("cannot open the database {}", path.display()))
}

/// The configured rejection reasons.
pub fn reason_catalog(config: &KioskConfig) -> anyhow::Result<ReasonCatalog> {
    let reasons = config
        .staff
        .reasons
        .iter()
        .map(|r| ReasonText {
            code: r.code.clone(),
            zh: r.zh.clone(),
            en: r.en.clone(),
        })
        .collect();
    ReasonCatalog::new(reasons).context("staff.reasons in the configuration")
}

pub fn now_unix_s() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn local_offset() -> time::UtcOffset {
    time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC)
}

/// Runs a `records` subcommand; returns whether it succeeded (the exit status).
pub fn run_records(
    args: &RecordsArgs,
    config: &KioskConfig,
    data_dir: &Path,
    out: &mut dyn Write,
) -> anyhow::Result<bool> {
    let catalog = reason_catalog(config)?;
    let command = match args {
        RecordsArgs::Reasons => {
            for reason in catalog.reasons() {
                writeln!(out, "{:<24} {} / {}", reason.code, reason.zh, reason.en)?;
            }
            return Ok(true);
        }
        RecordsArgs::List { status, json } => RecordsCommand::List {
            status: status.as_deref().map(RecordStatus::parse).transpose()?,
            json: *json,
        },
        RecordsArgs::Show { id, json } => RecordsCommand::Show {
            id: RecordId(*id),
            json: *json,
        },
        RecordsArgs::Approve { id } => RecordsCommand::Approve { id: RecordId(*id) },
        RecordsArgs::Reject { id, reasons, note } => RecordsCommand::Reject {
            id: RecordId(*id),
            reasons: reasons.clone(),
            note: note.clone(),
        },
        RecordsArgs::Verify { json } => RecordsCommand::Verify { json: *json },
    };
    let mut store = open_store(config, data_dir)?;
    let output = commands::run_records_command(
        &mut store,
        &command,
        &catalog,
        local_offset(),
        now_unix_s(),
    )?;
    write!(out, "{}", output.text)?;
    if !output.text.ends_with('\n') && !output.text.is_empty() {
        writeln!(out)?;
    }
    Ok(output.success)
}

/// Runs `roster import`; returns whether the file was imported.
pub fn run_roster(
    args: &RosterArgs,
    config: &KioskConfig,
    data_dir: &Path,
    out: &mut dyn Write,
) -> anyhow::Result<bool> {
    let RosterArgs::Import {
        file,
        maps,
        skip_bad,
    } = args;
    let mappings = maps
        .iter()
        .map(|m| ColumnMap::parse(m))
        .collect::<Result<Vec<_>, _>>()?;
    let options = RosterImportOptions {
        mappings,
        skip_bad: *skip_bad,
        rule: config.staff.student_no,
    };
    let reader =
        std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let mut store = open_store(config, data_dir)?;
    let report = store.import_roster(
        std::io::BufReader::new(reader),
        &options,
        &Actor::Cli,
        now_unix_s(),
    )?;
    write!(out, "{}", commands::render_roster_report(&report))?;
    Ok(report.committed)
}

/// Runs `staff add`: the PIN comes from the first line of `input` so it never appears in the process
/// list or the shell history.
pub fn run_staff_command(
    command: &StaffCommand,
    config: &KioskConfig,
    data_dir: &Path,
    input: &mut dyn std::io::BufRead,
    out: &mut dyn Write,
) -> anyhow::Result<bool> {
    let StaffCommand::Add { account, name } = command;
    let account = StaffAccount::parse(account)?;
    let mut line = String::new();
    input
        .read_line(&mut line)
        .context("cannot read the PIN from standard input")?;
    let pin = StaffPin::parse(line.trim_end_matches(['\r', '\n']))?;
    let mut store = open_store(config, data_dir)?;
    store.create_staff(&account, name, &pin, &Actor::Cli, now_unix_s())?;
    writeln!(out, "staff account {} created", account.as_str())?;
    Ok(true)
}
