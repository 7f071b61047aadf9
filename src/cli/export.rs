//! `idbooth export [--profile P] --to DIR [--since DATE] [--status approved] [--again] [--zip]`: approved
//! photos from the store into a new campus-card import folder. The work is in [`crate::export`]; this
//! file parses the arguments and reports the batch.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::cli::records::open_store;
use crate::config::KioskConfig;
use crate::core::record::Actor;
use crate::export::{ExportOptions, ExportQuery, NameTemplate, StoreExport, export};

#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// The batch folder to create (it must not exist, or be empty).
    #[arg(long, value_name = "DIR")]
    pub to: PathBuf,
    /// Only photos of this profile.
    #[arg(long, value_name = "P")]
    pub profile: Option<String>,
    /// Only photos approved on or after this day (YYYY-MM-DD, local time) or instant (RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Which photos: only `approved` ones are ever exported (the default; kept for scripts that say so).
    #[arg(long, value_name = "STATUS", default_value = "approved")]
    pub status: String,
    /// Export photos again that an earlier batch already exported.
    #[arg(long)]
    pub again: bool,
    /// Also pack the batch into DIR/<DIR name>.zip (default: export.zip in kiosk.toml).
    #[arg(long)]
    pub zip: bool,
}

/// Parses `--since`: a calendar day at local midnight, or an RFC 3339 instant.
pub fn parse_since(text: &str, local_offset: UtcOffset) -> anyhow::Result<i64> {
    let text = text.trim();
    if let Ok(instant) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(instant.unix_timestamp());
    }
    let day = Date::parse(text, format_description!("[year]-[month]-[day]"))
        .with_context(|| format!("--since {text:?}: use YYYY-MM-DD or an RFC 3339 time"))?;
    Ok(PrimitiveDateTime::new(day, Time::MIDNIGHT)
        .assume_offset(local_offset)
        .unix_timestamp())
}

/// Runs `idbooth export`; returns whether a batch was written (false: nothing to export).
pub fn run_export(
    args: &ExportArgs,
    config: &KioskConfig,
    data_dir: &Path,
    out: &mut dyn Write,
) -> anyhow::Result<bool> {
    if args.status.trim() != "approved" {
        bail!(
            "--status {:?}: only approved photos are exported (use --again to re-export exported ones)",
            args.status
        );
    }
    if let Some(profile) = &args.profile
        && !config.profiles.iter().any(|spec| &spec.name == profile)
    {
        bail!("unknown profile {profile:?}");
    }
    let local_offset = UtcOffset::current_local_offset().unwrap_or(UtcOffset::UTC);
    let since_unix_s = args
        .since
        .as_deref()
        .map(|text| parse_since(text, local_offset))
        .transpose()?;
    let template = NameTemplate::parse(&config.export.file_name)
        .context("export.file_name in the configuration")?;
    let options = ExportOptions {
        destination: args.to.clone(),
        template,
        query: ExportQuery {
            profile: args.profile.clone(),
            since_unix_s,
            again: args.again,
        },
        zip: args.zip || config.export.zip,
        durable: true,
    };
    let mut store = open_store(config, data_dir)?;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let mut source = StoreExport::new(&mut store, Actor::Cli, now);
    let summary = export(&mut source, &options, &mut |_| {})?;
    for skipped in &summary.skipped {
        writeln!(
            out,
            "skipped {} (record {}): the file name template needs {{{}}}, which the roster does not have",
            skipped.student_no,
            skipped.record_id,
            skipped.missing.key()
        )?;
    }
    let Some(batch) = summary.batch_id else {
        writeln!(
            out,
            "nothing to export: no approved photos match (exported ones need --again)"
        )?;
        return Ok(false);
    };
    writeln!(
        out,
        "batch {batch}: {} photos in {} (manifest.csv, manifest.json)",
        summary.files.len(),
        summary.destination.display()
    )?;
    if let Some(zip) = &summary.zip {
        writeln!(out, "zip: {}", zip.display())?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_local_days_and_rfc3339_instants() {
        let china = UtcOffset::from_hms(8, 0, 0).unwrap();
        // 2025-09-01 00:00 +08:00 is 2025-08-31 16:00 UTC.
        assert_eq!(parse_since("2025-09-01", china).unwrap(), 1_756_656_000);
        assert_eq!(
            parse_since("2025-09-01T00:00:00Z", china).unwrap(),
            1_756_684_800
        );
        assert!(parse_since("01/09/2025", china).is_err());
    }
}
