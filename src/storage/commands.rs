//! The `records` and `roster import` batch commands as library functions: the CLI parses arguments with
//! clap, calls [`run_records_command`] and prints [`RecordsOutput::text`], exiting non-zero when
//! `success` is false or an error comes back. Text is shown verbatim (names and notes are never
//! interpreted); only line breaks inside table cells are escaped so one row stays one line.

use std::fmt::Write as _;

use time::{OffsetDateTime, UtcOffset};

use super::roster::RosterImportReport;
use super::verify::{PhotoProblemKind, VerifyReport};
use super::{RecordFilter, StorageError, Store};
use crate::core::record::{
    Actor, AuditEntry, ReasonCatalog, ReasonCode, RecordDetail, RecordId, RecordStatus,
    RecordSummary, Rejection,
};

/// A parsed `records` subcommand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordsCommand {
    /// `records list [--status S] [--json]`
    List {
        status: Option<RecordStatus>,
        json: bool,
    },
    /// `records show ID [--json]`
    Show { id: RecordId, json: bool },
    /// `records approve ID`
    Approve { id: RecordId },
    /// `records reject ID --reason CODE [--reason CODE...] [--note TEXT]`
    Reject {
        id: RecordId,
        reasons: Vec<String>,
        note: String,
    },
    /// `records verify [--json]`
    Verify { json: bool },
}

/// What to print, and whether the command succeeded (the exit status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordsOutput {
    pub text: String,
    pub success: bool,
}

/// The local time zone used for the times shown.
pub type TimeZoneOffset = UtcOffset;

/// Runs one `records` subcommand as the command-line operator.
pub fn run_records_command(
    store: &mut Store,
    command: &RecordsCommand,
    catalog: &ReasonCatalog,
    zone: TimeZoneOffset,
    now_unix_s: i64,
) -> Result<RecordsOutput, StorageError> {
    let ok = |text: String| {
        Ok(RecordsOutput {
            text,
            success: true,
        })
    };
    match command {
        RecordsCommand::List { status, json } => {
            let records = store.list(&RecordFilter {
                status: *status,
                ..RecordFilter::default()
            })?;
            if *json {
                ok(serde_json::to_string_pretty(&records)?)
            } else {
                ok(render_summaries(&records, zone))
            }
        }
        RecordsCommand::Show { id, json } => {
            let detail = store.get(*id)?;
            if *json {
                ok(serde_json::to_string_pretty(&detail)?)
            } else {
                ok(render_detail(&detail, catalog, zone))
            }
        }
        RecordsCommand::Approve { id } => {
            let status = store.approve(*id, &Actor::Cli, now_unix_s)?;
            ok(format!(
                "record {id}: {} ({})",
                status.as_str(),
                status.label_zh()
            ))
        }
        RecordsCommand::Reject { id, reasons, note } => {
            let codes = reasons
                .iter()
                .map(|code| catalog.parse(code))
                .collect::<Result<Vec<_>, _>>()?;
            let rejection = Rejection::new(codes, note)?;
            let status = store.reject(*id, &Actor::Cli, &rejection, now_unix_s)?;
            ok(format!(
                "record {id}: {} ({}); {}",
                status.as_str(),
                status.label_zh(),
                reason_texts(rejection.reasons(), catalog)
            ))
        }
        RecordsCommand::Verify { json } => {
            let report = store.verify()?;
            let text = if *json {
                serde_json::to_string_pretty(&report)?
            } else {
                render_verify(&report)
            };
            Ok(RecordsOutput {
                text,
                success: report.is_ok(),
            })
        }
    }
}

fn format_time(unix_s: i64, zone: TimeZoneOffset) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    OffsetDateTime::from_unix_timestamp(unix_s)
        .ok()
        .and_then(|t| t.to_offset(zone).format(&format).ok())
        .unwrap_or_else(|| format!("@{unix_s}"))
}

/// Display columns of a character in a terminal: East Asian wide characters and emoji take two.
fn char_columns(c: char) -> usize {
    let wide = matches!(u32::from(c),
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1FAFF | 0x20000..=0x3FFFD);
    if wide { 2 } else { 1 }
}

fn columns(text: &str) -> usize {
    text.chars().map(char_columns).sum()
}

/// Escapes only what would break a table row.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
        .replace('\t', "\\t")
}

fn render_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| columns(h)).collect();
    for row in rows {
        for (width, value) in widths.iter_mut().zip(row) {
            *width = (*width).max(columns(value));
        }
    }
    let mut out = String::new();
    let header_row: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header_row).chain(rows) {
        let mut line = String::new();
        for (index, (value, width)) in row.iter().zip(&widths).enumerate() {
            line.push_str(value);
            if index + 1 < row.len() {
                line.push_str(&" ".repeat(width - columns(value) + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `records list` as an aligned table.
pub fn render_summaries(records: &[RecordSummary], zone: TimeZoneOffset) -> String {
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|s| {
            let r = &s.record;
            vec![
                r.id.to_string(),
                r.student_no.to_string(),
                cell(s.student_name.as_deref().unwrap_or("-")),
                cell(&r.profile),
                format!("{} {}", r.status.as_str(), r.status.label_zh()),
                r.retake_count.to_string(),
                format_time(r.updated_at_unix_s, zone),
            ]
        })
        .collect();
    let mut out = render_table(
        &[
            "ID", "STUDENT", "NAME", "PROFILE", "STATUS", "RETAKES", "UPDATED",
        ],
        &rows,
    );
    let _ = writeln!(out, "{} record(s)", records.len());
    out
}

fn reason_texts(reasons: &[ReasonCode], catalog: &ReasonCatalog) -> String {
    reasons
        .iter()
        .map(|code| match catalog.text(code) {
            Some(text) => format!("{code} ({} / {})", text.zh, text.en),
            None => code.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn history_line(entry: &AuditEntry, catalog: &ReasonCatalog, zone: TimeZoneOffset) -> String {
    let mut line = format!(
        "  {}  {}  {}",
        format_time(entry.at_unix_s, zone),
        entry.actor,
        entry.action
    );
    match (entry.from_status, entry.to_status) {
        (Some(from), Some(to)) => {
            let _ = write!(line, "  {from} -> {to}");
        }
        (None, Some(to)) => {
            let _ = write!(line, "  -> {to}");
        }
        _ => {}
    }
    if !entry.reasons.is_empty() {
        let _ = write!(line, "  reasons: {}", reason_texts(&entry.reasons, catalog));
    }
    if !entry.note.is_empty() {
        let _ = write!(line, "  note: {}", entry.note);
    }
    line
}

/// `records show ID`: the record, its captures and its history, in the operator's time zone.
pub fn render_detail(
    detail: &RecordDetail,
    catalog: &ReasonCatalog,
    zone: TimeZoneOffset,
) -> String {
    let record = &detail.summary.record;
    let mut lines = vec![
        format!(
            "record {}  {} ({} / {})",
            record.id,
            record.status.as_str(),
            record.status.label_zh(),
            record.status.label_en()
        ),
        format!(
            "student     {}  {}{}",
            record.student_no,
            detail
                .summary
                .student_name
                .as_deref()
                .unwrap_or("(not on the roster)"),
            detail
                .department
                .as_deref()
                .map(|d| format!("  {d}"))
                .unwrap_or_default()
        ),
        format!("profile     {}", record.profile),
        format!(
            "created     {}",
            format_time(record.created_at_unix_s, zone)
        ),
        format!(
            "updated     {}",
            format_time(record.updated_at_unix_s, zone)
        ),
        format!("retakes     {}", record.retake_count),
        format!(
            "consent     {} at {}",
            record.consent.version,
            format_time(record.consent.given_at_unix_s, zone)
        ),
        format!("printed     {} copies", detail.printed_copies),
    ];
    if let Some(rejection) = &detail.last_rejection {
        lines.push(format!(
            "rejected    {}",
            reason_texts(rejection.reasons(), catalog)
        ));
        if !rejection.note().is_empty() {
            lines.push(format!("note        {}", rejection.note()));
        }
    }
    lines.push("captures".to_owned());
    for capture in &detail.captures {
        let original = match capture.original_purged_at_unix_s {
            Some(at) => format!("original purged {}", format_time(at, zone)),
            None => format!("original {} B", capture.original_bytes),
        };
        lines.push(format!(
            "  #{}  {}  {}  photo {} B sha256 {}  {}",
            capture.attempt,
            format_time(capture.captured_at_unix_s, zone),
            capture.actor,
            capture.photo_bytes,
            capture.photo_sha256,
            original
        ));
    }
    lines.push("history".to_owned());
    lines.extend(
        detail
            .history
            .iter()
            .map(|entry| history_line(entry, catalog, zone)),
    );
    lines.join("\n") + "\n"
}

/// `records verify`: every problem on its own line, then a verdict line.
pub fn render_verify(report: &VerifyReport) -> String {
    let mut lines: Vec<String> = Vec::new();
    lines.extend(report.integrity.iter().map(|m| format!("integrity: {m}")));
    lines.extend(
        report
            .foreign_keys
            .iter()
            .map(|m| format!("foreign key: {m}")),
    );
    lines.extend(report.invariants.iter().cloned());
    for problem in &report.photo_problems {
        let what = match &problem.problem {
            PhotoProblemKind::PhotoHashMismatch => "photo does not match its SHA-256".to_owned(),
            PhotoProblemKind::PhotoUndecodable(error) => format!("photo does not decode: {error}"),
            PhotoProblemKind::OriginalHashMismatch => {
                "original does not match its SHA-256".to_owned()
            }
        };
        lines.push(format!(
            "record {} capture {}: {what}",
            problem.record_id, problem.capture_id
        ));
    }
    let problems = lines.len();
    let verdict = if report.is_ok() { "ok" } else { "FAILED" };
    lines.push(format!(
        "{verdict}: {} records, {} captures checked, {problems} problem(s)",
        report.records_checked, report.captures_checked
    ));
    lines.join("\n") + "\n"
}

/// `roster import`: the counts and every bad row.
pub fn render_roster_report(report: &RosterImportReport) -> String {
    let mut lines: Vec<String> = report
        .bad_rows
        .iter()
        .map(|p| format!("line {}: {}", p.line, p.message))
        .collect();
    if report.committed {
        lines.push(format!(
            "imported: {} rows read, {} new, {} updated, {} unchanged, {} bad rows skipped",
            report.rows_read,
            report.inserted,
            report.updated,
            report.unchanged,
            report.bad_rows.len()
        ));
    } else {
        lines.push(format!(
            "nothing imported: {} of {} rows are bad; fix them or pass --skip-bad",
            report.bad_rows.len(),
            report.rows_read
        ));
    }
    lines.join("\n") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_wide_characters() {
        let table = render_table(
            &["A", "B"],
            &[
                vec!["张三".into(), "x".into()],
                vec!["ab".into(), "y".into()],
            ],
        );
        assert_eq!(table, "A     B\n张三  x\nab    y\n");
    }

    #[test]
    fn cells_escape_only_row_breakers() {
        assert_eq!(cell("a\nb\t'c' 😀 ../x"), "a\\nb\\t'c' 😀 ../x");
    }

    #[test]
    fn times_show_in_the_given_zone() -> Result<(), time::error::ComponentRange> {
        let beijing = UtcOffset::from_hms(8, 0, 0)?;
        assert_eq!(format_time(1_756_834_200, beijing), "2025-09-03 01:30:00");
        assert_eq!(format_time(i64::MAX, beijing), format!("@{}", i64::MAX));
        Ok(())
    }
}
