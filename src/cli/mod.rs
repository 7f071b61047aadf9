//! Command-line interface: the clap definitions and the dispatch of batch commands. Each command's logic
//! lives in its own file and shares the same core as the booth. Output to stdout is allowed here only.

pub mod analysis;
pub mod check;
pub mod config_cmd;
pub mod enroll;
pub mod eval;
pub mod export;
pub mod print;
pub mod process;
pub mod records;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// idbooth — 自助证件照 / on-device ID-photo booth.
#[derive(Debug, Parser)]
#[command(name = "idbooth", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (else $IDBOOTH_CONFIG, else ./kiosk.toml, else built-in defaults).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Data directory for the database, photos and logs (else storage.data_dir, else the XDG data dir).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// More log output on stderr (-v debug, -vv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The self-service booth, full screen (the default command).
    Kiosk(KioskArgs),
    /// Check photos against a profile: a readable table, or --json lines.
    Check(analysis::CheckArgs),
    /// Run the checks over a labelled manifest and print how many were flagged, missed or wrongly rejected.
    Eval(analysis::EvalArgs),
    /// Import an uploaded photo for a student: checks, standardization, a record pending review.
    Enroll(enroll::EnrollArgs),
    /// Standardize captures into photos of a profile: DIR/<stem>.jpg, a table or --json lines.
    Process(analysis::ProcessCliArgs),
    /// Export approved photos for the campus-card system (atomic batch with manifests).
    Export(export::ExportArgs),
    /// Print a sheet (or write it as PDF) for a record or a photo file.
    Print(print::PrintArgs),
    /// Records in the database: list, show, approve, reject, reasons, verify.
    #[command(subcommand)]
    Records(records::RecordsArgs),
    /// The student roster: import a CSV file.
    #[command(subcommand)]
    Roster(records::RosterArgs),
    /// The staff station: PIN login, review queue, search, statistics, roster import, retention purge.
    Staff(records::StaffArgs),
    /// Configuration commands.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Clone, Default, clap::Args)]
pub struct KioskArgs {
    /// Run in a window instead of full screen (for development).
    #[arg(long)]
    pub windowed: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check a kiosk.toml (default: the one in use) and report the first problem with file:line:column.
    Validate {
        /// The file to check.
        path: Option<PathBuf>,
    },
}
