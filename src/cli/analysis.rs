//! `idbooth check` and `idbooth eval` arguments and their glue: choose the profile, load the models once
//! from the assets folder, and hand everything to [`super::check`] / [`super::eval`].

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;

use super::check::{self, CheckOptions};
use super::eval::{self, EvalOptions};
use crate::config::KioskConfig;
use crate::core::spec::PhotoSpec;
use crate::vision::Vision;

#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// Photo profile to check against (default: capture.profile in kiosk.toml).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// One JSON object per line and file.
    #[arg(long)]
    pub json: bool,
    /// Image files (JPEG or PNG).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct EvalArgs {
    /// Photo profile to check against (default: capture.profile in kiosk.toml).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// A manifest in the format of tests/fixtures/faces/MANIFEST.tsv (paths relative to it).
    #[arg(value_name = "MANIFEST.tsv")]
    pub manifest: PathBuf,
}

/// The named profile, or the capture profile.
pub fn profile(config: &KioskConfig, name: Option<&str>) -> anyhow::Result<PhotoSpec> {
    match name {
        None => Ok(config.capture_profile()),
        Some(name) => config.profile(name).cloned().with_context(|| {
            format!(
                "unknown profile {name:?} (known: {})",
                config.profile_names().join(", ")
            )
        }),
    }
}

fn load_vision() -> anyhow::Result<Vision> {
    let dir = crate::paths::assets_dir().join("models");
    Vision::load(&dir).with_context(|| format!("cannot load the models from {}", dir.display()))
}

/// Runs `idbooth check`; the exit code is 2 when a file could not be read, else 0.
pub fn run_check(
    args: &CheckArgs,
    config: &KioskConfig,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let options = CheckOptions {
        spec: profile(config, args.profile.as_deref())?,
        thresholds: config.check_thresholds(),
        json: args.json,
    };
    let mut vision = load_vision()?;
    vision.set_second_face_area_ratio(options.thresholds.max_second_face_area_ratio);
    let summary = check::run(&mut vision, &options, &args.files, out)?;
    Ok(summary.exit_code())
}

/// Runs `idbooth eval`.
pub fn run_eval(args: &EvalArgs, config: &KioskConfig, out: &mut dyn Write) -> anyhow::Result<()> {
    let options = EvalOptions {
        spec: profile(config, args.profile.as_deref())?,
        thresholds: config.check_thresholds(),
    };
    let mut vision = load_vision()?;
    vision.set_second_face_area_ratio(options.thresholds.max_second_face_area_ratio);
    eval::run(&mut vision, &options, &args.manifest, out)?;
    Ok(())
}

#[derive(Debug, Clone, clap::Args)]
pub struct ProcessCliArgs {
    /// Photo profile (default: capture.profile in kiosk.toml).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Background: white, blue, grey (the profile's choices) or #RRGGBB.
    #[arg(long, value_name = "COLOUR")]
    pub background: Option<String>,
    /// One JSON object per line and file.
    #[arg(long)]
    pub json: bool,
    /// Output folder for DIR/<stem>.jpg.
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out_dir: PathBuf,
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Runs `idbooth process`; the exit code is 2 when a file could not be processed, else 0.
pub fn run_process(
    args: &ProcessCliArgs,
    config: &KioskConfig,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let process_args = super::process::ProcessArgs {
        profile: args.profile.clone(),
        background: args.background.clone(),
        json: args.json,
        out_dir: args.out_dir.clone(),
        files: args.files.clone(),
    };
    let mut vision = load_vision()?;
    let code = super::process::run(
        &process_args,
        &config.profiles,
        &config.capture.profile,
        &mut vision,
        out,
    )?;
    Ok(u8::try_from(code).unwrap_or(2))
}
