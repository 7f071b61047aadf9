//! The idbooth binary: parse the command line, start logging, load the configuration and dispatch to
//! the booth, the staff station or a batch command. Holds no logic of its own.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use idbooth::cli::{Cli, Command, ConfigCommand, KioskArgs};
use idbooth::config::{self, KioskConfig};
use idbooth::{app, cli, paths};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Exit code for bad input (configuration, arguments, unreadable files).
const EXIT_BAD_INPUT: u8 = 2;
/// Daily log files kept in the data dir.
const LOG_FILES_KEPT: usize = 14;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Kiosk(KioskArgs::default()));
    // Every command that runs the models reuses the same large buffers per image.
    app::memory::keep_freed_buffers();
    if matches!(command, Command::Kiosk(_) | Command::Staff(_)) {
        // Before any worker thread exists: booth and station run for days, see `app::memory`.
        app::memory::use_one_malloc_arena();
    }

    if let Command::Config(ConfigCommand::Validate { path }) = &command {
        let _guard = init_logging(cli.verbose, None);
        let Some(path) = path.clone().or_else(|| config_path(cli.config.as_deref())) else {
            eprintln!(
                "no configuration file: pass a PATH, --config, IDBOOTH_CONFIG or ./kiosk.toml"
            );
            return ExitCode::from(EXIT_BAD_INPUT);
        };
        let mut stdout = std::io::stdout();
        return match idbooth::cli::config_cmd::validate(&path, &mut stdout) {
            Ok(_) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("{error}");
                ExitCode::from(EXIT_BAD_INPUT)
            }
        };
    }

    let config = match load_config(cli.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let data_dir = paths::data_dir(cli.data_dir.as_deref(), config.storage.data_dir.as_deref());
    let _guard = init_logging(cli.verbose, Some(&data_dir.join("logs")));
    tracing::info!(
        config = %config.source.as_ref().map_or("<built-in>".into(), |p| p.display().to_string()),
        data_dir = %data_dir.display(),
        "idbooth starting"
    );

    let result = match command {
        Command::Kiosk(args) => app::run_kiosk(config, &data_dir, args.windowed),
        Command::Records(args) => exit_from(cli::records::run_records(
            &args,
            &config,
            &data_dir,
            &mut std::io::stdout(),
        )),
        Command::Roster(args) => exit_from(cli::records::run_roster(
            &args,
            &config,
            &data_dir,
            &mut std::io::stdout(),
        )),
        Command::Check(args) => {
            match cli::analysis::run_check(&args, &config, &mut std::io::stdout()) {
                Ok(0) => Ok(()),
                Ok(code) => return ExitCode::from(code),
                Err(error) => Err(error),
            }
        }
        Command::Process(args) => {
            match cli::analysis::run_process(&args, &config, &mut std::io::stdout()) {
                Ok(0) => Ok(()),
                Ok(code) => return ExitCode::from(code),
                Err(error) => Err(error),
            }
        }
        Command::Eval(args) => cli::analysis::run_eval(&args, &config, &mut std::io::stdout()),
        Command::Enroll(args) => exit_from(cli::enroll::run_enroll(
            &args,
            &config,
            &data_dir,
            &mut std::io::stdout(),
        )),
        Command::Export(args) => exit_from(cli::export::run_export(
            &args,
            &config,
            &data_dir,
            &mut std::io::stdout(),
        )),
        Command::Print(args) => exit_from(cli::print::run_print(
            &args,
            &config,
            &data_dir,
            &mut std::io::stdout(),
        )),
        Command::Staff(args) => match args.command {
            None => app::staff::run_staff(config, &data_dir),
            Some(command) => exit_from(cli::records::run_staff_command(
                &command,
                &config,
                &data_dir,
                &mut std::io::stdin().lock(),
                &mut std::io::stdout(),
            )),
        },
        Command::Config(_) => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is::<CommandFailed>() => ExitCode::FAILURE,
        Err(error) => {
            tracing::warn!("{error:#}");
            eprintln!("idbooth: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// A command that reports success as a bool: `false` becomes a failure exit without another message.
fn exit_from(result: anyhow::Result<bool>) -> anyhow::Result<()> {
    match result {
        Ok(true) => Ok(()),
        Ok(false) => Err(anyhow::Error::new(CommandFailed)),
        Err(error) => Err(error),
    }
}

/// The command already said what went wrong on stdout; exit non-zero.
#[derive(Debug, thiserror::Error)]
#[error("the command reported problems")]
struct CommandFailed;

fn config_path(cli: Option<&std::path::Path>) -> Option<PathBuf> {
    let env = std::env::var("IDBOOTH_CONFIG").ok();
    let cwd = std::env::current_dir().unwrap_or_default();
    config::resolve_path(cli, env.as_deref(), &cwd)
}

fn load_config(cli: Option<&std::path::Path>) -> Result<KioskConfig, config::ConfigError> {
    match config_path(cli) {
        Some(path) => KioskConfig::load(&path),
        None => Ok(KioskConfig::default()),
    }
}

/// Logs to stderr (warn by default, -v debug, -vv trace, or `RUST_LOG`) and, when a log dir is given and
/// writable, to a daily-rotated file there at info level.
fn init_logging(verbose: u8, log_dir: Option<&std::path::Path>) -> Option<WorkerGuard> {
    let stderr_level = match verbose {
        0 => "warn",
        1 => "debug",
        _ => "trace",
    };
    let stderr_filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(stderr_level));
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(stderr_filter);
    let file = log_dir.and_then(|dir| {
        std::fs::create_dir_all(dir).ok()?;
        tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix("idbooth")
            .filename_suffix("log")
            .max_log_files(LOG_FILES_KEPT)
            .build(dir)
            .ok()
    });
    if let Some(appender) = file {
        let (writer, guard) = tracing_appender::non_blocking(appender);
        let file_layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(writer)
            .with_filter(EnvFilter::new("info"));
        let _ = tracing_subscriber::registry()
            .with(stderr)
            .with(file_layer)
            .try_init();
        Some(guard)
    } else {
        let _ = tracing_subscriber::registry().with(stderr).try_init();
        None
    }
}
