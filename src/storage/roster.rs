//! The roster: import from the registrar's CSV (`roster import FILE [--map col=field...] [--skip-bad]`)
//! and lookups by student number. A file with any bad row imports nothing unless `skip_bad` is set; the
//! report lists every bad row by line so staff can fix the file.

use std::collections::HashMap;
use std::io::Read;

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::id_number::IdNumber;
use super::rows::{self, AuditLine};
use super::{StorageError, Store};
use crate::core::record::{Actor, AuditAction, RecordError, RosterEntry, StudentNo, StudentNoRule};

/// A roster column the import fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RosterField {
    StudentNo,
    Name,
    Department,
    Eligible,
    /// The national ID number (optional; checked per GB 11643).
    IdNumber,
}

impl RosterField {
    pub const ALL: [Self; 5] = [
        Self::StudentNo,
        Self::Name,
        Self::Department,
        Self::Eligible,
        Self::IdNumber,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::StudentNo => "student_no",
            Self::Name => "name",
            Self::Department => "department",
            Self::Eligible => "eligible",
            Self::IdNumber => "id_number",
        }
    }

    /// Header names recognised without a `--map` (compared trimmed and case-insensitively): the field
    /// name and the usual headers of registrar exports.
    fn default_headers(self) -> &'static [&'static str] {
        match self {
            Self::StudentNo => &["student_no", "学号", "student_id", "student number"],
            Self::Name => &["name", "姓名"],
            Self::Department => &["department", "院系", "学院", "dept"],
            Self::Eligible => &["eligible", "资格", "是否有效"],
            Self::IdNumber => &[
                "id_number",
                "身份证号",
                "身份证号码",
                "公民身份号码",
                "证件号码",
            ],
        }
    }
}

/// `--map COLUMN=FIELD`: read FIELD from the CSV column headed COLUMN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    pub column: String,
    pub field: RosterField,
}

impl ColumnMap {
    /// Parses `COLUMN=FIELD`, e.g. `学号=student_no`.
    pub fn parse(spec: &str) -> Result<Self, StorageError> {
        let fields = || RosterField::ALL.map(RosterField::as_str).join(", ");
        let Some((column, field)) = spec.rsplit_once('=') else {
            return Err(StorageError::RosterMapping(format!(
                "{spec:?} is not COLUMN=FIELD (fields: {})",
                fields()
            )));
        };
        let field = RosterField::ALL
            .into_iter()
            .find(|f| f.as_str() == field.trim())
            .ok_or_else(|| {
                StorageError::RosterMapping(format!(
                    "unknown field {field:?} (fields: {})",
                    fields()
                ))
            })?;
        Ok(Self {
            column: column.trim().to_owned(),
            field,
        })
    }
}

/// How to read the file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RosterImportOptions {
    pub mappings: Vec<ColumnMap>,
    /// Import the good rows of a file that has bad ones.
    pub skip_bad: bool,
    pub rule: StudentNoRule,
}

/// One row that cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterProblem {
    /// 1-based line in the file.
    pub line: u64,
    pub message: String,
}

/// What an import did (or would have done).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterImportReport {
    pub rows_read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub bad_rows: Vec<RosterProblem>,
    /// False when bad rows stopped the import: nothing was written.
    pub committed: bool,
}

/// Column index of each field in the file.
struct Columns {
    student_no: usize,
    name: usize,
    department: Option<usize>,
    eligible: Option<usize>,
    id_number: Option<usize>,
}

fn resolve_columns(
    headers: &csv::StringRecord,
    mappings: &[ColumnMap],
) -> Result<Columns, StorageError> {
    let normalized: Vec<String> = headers
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_lowercase())
        .collect();
    let find = |name: &str| {
        normalized
            .iter()
            .position(|h| *h == name.trim().to_lowercase())
    };
    let mut found: HashMap<RosterField, usize> = HashMap::new();
    for mapping in mappings {
        let index = find(&mapping.column).ok_or_else(|| {
            StorageError::RosterMapping(format!(
                "the file has no column {:?} (columns: {})",
                mapping.column,
                headers.iter().collect::<Vec<_>>().join(", ")
            ))
        })?;
        found.insert(mapping.field, index);
    }
    for field in RosterField::ALL {
        if !found.contains_key(&field)
            && let Some(index) = field.default_headers().iter().find_map(|name| find(name))
        {
            found.insert(field, index);
        }
    }
    let required = |field: RosterField| {
        found.get(&field).copied().ok_or_else(|| {
            StorageError::RosterMapping(format!(
                "no column for {}; map one with --map COLUMN={} (columns: {})",
                field.as_str(),
                field.as_str(),
                headers.iter().collect::<Vec<_>>().join(", ")
            ))
        })
    };
    Ok(Columns {
        student_no: required(RosterField::StudentNo)?,
        name: required(RosterField::Name)?,
        department: found.get(&RosterField::Department).copied(),
        eligible: found.get(&RosterField::Eligible).copied(),
        id_number: found.get(&RosterField::IdNumber).copied(),
    })
}

fn parse_eligible(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "1" | "true" | "yes" | "y" | "是" | "有效" => Some(true),
        "0" | "false" | "no" | "n" | "否" | "无效" => Some(false),
        _ => None,
    }
}

/// A roster row: the entry and the optional national ID number.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RosterRow {
    entry: RosterEntry,
    id_number: Option<IdNumber>,
}

fn parse_row(
    record: &csv::StringRecord,
    columns: &Columns,
    rule: StudentNoRule,
) -> Result<RosterRow, String> {
    let cell = |index: usize| record.get(index).unwrap_or("");
    let student_no = StudentNo::parse(cell(columns.student_no), rule).map_err(|e| e.to_string())?;
    let department = columns.department.map_or("", cell);
    let eligible = match columns.eligible {
        None => true,
        Some(index) => parse_eligible(cell(index)).ok_or_else(|| {
            format!(
                "eligible {:?} is not one of 1/0, true/false, yes/no, 是/否",
                cell(index)
            )
        })?,
    };
    let id_number = match columns.id_number.map(cell).map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(IdNumber::parse(text)?),
    };
    let entry = RosterEntry::new(student_no, cell(columns.name), department, eligible)
        .map_err(|e: RecordError| e.to_string())?;
    Ok(RosterRow { entry, id_number })
}

/// Parsed rows (with their lines) and problems, before anything is written.
struct ParsedRoster {
    rows_read: u64,
    entries: Vec<RosterRow>,
    problems: Vec<RosterProblem>,
}

fn parse_roster(
    reader: impl Read,
    options: &RosterImportOptions,
) -> Result<ParsedRoster, StorageError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(reader);
    let headers = csv.headers().map_err(|e| match e.kind() {
        csv::ErrorKind::Utf8 { .. } => StorageError::RosterMapping(
            "the header line is not UTF-8 text; save the file as \"CSV UTF-8\"".to_owned(),
        ),
        _ => StorageError::Csv(e),
    })?;
    let columns = resolve_columns(&headers.clone(), &options.mappings)?;
    let mut parsed = ParsedRoster {
        rows_read: 0,
        entries: Vec::new(),
        problems: Vec::new(),
    };
    let mut first_line: HashMap<StudentNo, u64> = HashMap::new();
    for result in csv.records() {
        parsed.rows_read += 1;
        let record = match result {
            Ok(record) => record,
            Err(error) => {
                let (line, message) = match error.kind() {
                    csv::ErrorKind::Utf8 { pos, .. } => (
                        pos.as_ref().map_or(0, csv::Position::line),
                        "not UTF-8 text; save the file as \"CSV UTF-8\"".to_owned(),
                    ),
                    csv::ErrorKind::UnequalLengths {
                        pos,
                        expected_len,
                        len,
                    } => (
                        pos.as_ref().map_or(0, csv::Position::line),
                        format!("{len} fields where the header has {expected_len}"),
                    ),
                    _ => return Err(StorageError::Csv(error)),
                };
                parsed.problems.push(RosterProblem { line, message });
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        match parse_row(&record, &columns, options.rule) {
            Err(message) => parsed.problems.push(RosterProblem { line, message }),
            Ok(row) => {
                if let Some(first) = first_line.get(&row.entry.student_no) {
                    let message = format!(
                        "student {} is already on line {first}",
                        row.entry.student_no
                    );
                    parsed.problems.push(RosterProblem { line, message });
                } else {
                    first_line.insert(row.entry.student_no.clone(), line);
                    parsed.entries.push(row);
                }
            }
        }
    }
    Ok(parsed)
}

impl Store {
    /// Imports (inserts or updates) roster rows from CSV with a header line. Students missing from the
    /// file are kept. With bad rows and without `skip_bad`, nothing is written and `committed` is false.
    pub fn import_roster(
        &mut self,
        reader: impl Read,
        options: &RosterImportOptions,
        actor: &Actor,
        now_unix_s: i64,
    ) -> Result<RosterImportReport, StorageError> {
        let parsed = parse_roster(reader, options)?;
        let mut report = RosterImportReport {
            rows_read: parsed.rows_read,
            inserted: 0,
            updated: 0,
            unchanged: 0,
            bad_rows: parsed.problems,
            committed: false,
        };
        if !report.bad_rows.is_empty() && !options.skip_bad {
            return Ok(report);
        }
        self.write(|tx| {
            let mut select = tx.prepare_cached("SELECT name, department, eligible, id_number FROM roster WHERE student_no = ?1")?;
            // A file without an ID number column keeps the numbers imported earlier.
            let mut upsert = tx.prepare_cached(
                "INSERT INTO roster (student_no, name, department, eligible, updated_at, id_number) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (student_no) DO UPDATE SET name = excluded.name, department = excluded.department,
                     eligible = excluded.eligible, updated_at = excluded.updated_at,
                     id_number = coalesce(excluded.id_number, roster.id_number)",
            )?;
            for RosterRow { entry, id_number } in &parsed.entries {
                let existing: Option<(String, String, bool, Option<String>)> = select
                    .query_row([entry.student_no.as_str()], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))
                    .optional()?;
                let id_text = id_number.as_ref().map(IdNumber::as_str);
                match existing {
                    Some((name, department, eligible, stored_id))
                        if name == entry.name && department == entry.department && eligible == entry.eligible
                            && (id_text.is_none() || stored_id.as_deref() == id_text) =>
                    {
                        report.unchanged += 1;
                        continue;
                    }
                    Some(_) => report.updated += 1,
                    None => report.inserted += 1,
                }
                upsert.execute(params![entry.student_no.as_str(), entry.name, entry.department, entry.eligible, now_unix_s, id_text])?;
            }
            let detail = serde_json::json!({
                "rows_read": report.rows_read, "inserted": report.inserted, "updated": report.updated,
                "unchanged": report.unchanged, "skipped_bad": report.bad_rows.len(),
            });
            rows::write_audit(tx, &AuditLine::general(now_unix_s, actor, AuditAction::RosterImported, detail))?;
            Ok(())
        })?;
        report.committed = true;
        Ok(report)
    }

    /// The roster entry of a student, if imported.
    pub fn roster_entry(
        &self,
        student_no: &StudentNo,
    ) -> Result<Option<RosterEntry>, StorageError> {
        let row = self
            .conn
            .prepare_cached("SELECT name, department, eligible FROM roster WHERE student_no = ?1")?
            .query_row([student_no.as_str()], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, bool>(2)?,
                ))
            })
            .optional()?;
        Ok(row.map(|(name, department, eligible)| RosterEntry {
            student_no: student_no.clone(),
            name,
            department,
            eligible,
        }))
    }

    /// The student's national ID number, if the roster has one.
    pub fn roster_id_number(
        &self,
        student_no: &StudentNo,
    ) -> Result<Option<IdNumber>, StorageError> {
        let value: Option<Option<String>> = self
            .conn
            .prepare_cached("SELECT id_number FROM roster WHERE student_no = ?1")?
            .query_row([student_no.as_str()], |row| row.get(0))
            .optional()?;
        Ok(value.flatten().map(IdNumber::from_stored))
    }

    pub fn roster_count(&self) -> Result<u64, StorageError> {
        let count: i64 = self
            .conn
            .query_row("SELECT count(*) FROM roster", [], |row| row.get(0))?;
        Ok(count.unsigned_abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_maps_parse_column_equals_field() -> Result<(), StorageError> {
        let map = ColumnMap::parse(" 学生编号 = student_no")?;
        assert_eq!(
            map,
            ColumnMap {
                column: "学生编号".into(),
                field: RosterField::StudentNo
            }
        );
        // The last '=' separates: a column header may itself contain one.
        assert_eq!(ColumnMap::parse("a=b=name")?.column, "a=b");
        assert!(ColumnMap::parse("学号").is_err());
        assert!(ColumnMap::parse("学号=number").is_err());
        Ok(())
    }

    #[test]
    fn eligibility_words_in_both_languages() {
        assert_eq!(parse_eligible(" 是 "), Some(true));
        assert_eq!(parse_eligible("N"), Some(false));
        assert_eq!(parse_eligible(""), None);
        assert_eq!(parse_eligible("maybe"), None);
    }
}
