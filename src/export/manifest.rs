//! The batch manifests: `manifest.csv` (what campus-card import tools read) and `manifest.json`, one row per
//! exported photo with its SHA-256 so the receiving side can verify every file.
//!
//! Owns the columns and their formats. Pure: returns bytes, writes nothing.

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::ExportError;

/// One exported photo as the manifests list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestEntry {
    pub student_no: String,
    /// Roster name; empty when the student is not on the roster.
    pub name: String,
    /// File name inside the batch folder.
    pub file: String,
    /// SHA-256 of the file, lowercase hex.
    pub sha256: String,
    pub profile: String,
    /// When staff approved the photo, RFC 3339 in UTC.
    pub approved_at: String,
}

/// RFC 3339 UTC text of a unix time.
pub fn rfc3339_utc(unix_s: i64) -> Result<String, ExportError> {
    OffsetDateTime::from_unix_timestamp(unix_s)
        .ok()
        .and_then(|time| time.format(&Rfc3339).ok())
        .ok_or(ExportError::BadTimestamp(unix_s))
}

/// Spreadsheet programs run cells starting with these as formulas (OWASP "CSV injection").
pub(super) const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Neutralises a CSV cell that a spreadsheet would evaluate, by prefixing an apostrophe.
fn inert_cell(value: &str) -> String {
    if value.starts_with(FORMULA_TRIGGERS) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

/// `manifest.csv`: UTF-8, header row, RFC 4180 quoting, formula-looking cells neutralised.
pub fn manifest_csv(entries: &[ManifestEntry]) -> Result<Vec<u8>, ExportError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            "student_no",
            "name",
            "file",
            "sha256",
            "profile",
            "approved_at",
        ])
        .map_err(|error| ExportError::Manifest(error.to_string()))?;
    for entry in entries {
        let row = [
            &entry.student_no,
            &entry.name,
            &entry.file,
            &entry.sha256,
            &entry.profile,
            &entry.approved_at,
        ]
        .map(|cell| inert_cell(cell));
        writer
            .write_record(&row)
            .map_err(|error| ExportError::Manifest(error.to_string()))?;
    }
    writer
        .into_inner()
        .map_err(|error| ExportError::Manifest(error.to_string()))
}

/// `manifest.json`: `{"count": n, "photos": [...]}`, values exactly as stored (no spreadsheet escaping).
pub fn manifest_json(entries: &[ManifestEntry]) -> Result<Vec<u8>, ExportError> {
    #[derive(Serialize)]
    struct Manifest<'a> {
        count: usize,
        photos: &'a [ManifestEntry],
    }
    let mut bytes = serde_json::to_vec_pretty(&Manifest {
        count: entries.len(),
        photos: entries,
    })
    .map_err(|error| ExportError::Manifest(error.to_string()))?;
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(student_no: &str, name: &str) -> ManifestEntry {
        ManifestEntry {
            student_no: student_no.into(),
            name: name.into(),
            file: format!("{student_no}.jpg"),
            sha256: "ab".repeat(32),
            profile: "campus_card".into(),
            approved_at: rfc3339_utc(1_725_000_000).unwrap(),
        }
    }

    #[test]
    fn csv_quotes_commas_and_defuses_formulas() {
        let csv = String::from_utf8(manifest_csv(&[entry("=1+1", "王, 小明")]).unwrap()).unwrap();
        let mut lines = csv.lines();
        assert_eq!(
            lines.next(),
            Some("student_no,name,file,sha256,profile,approved_at")
        );
        let row = lines.next().unwrap();
        assert!(row.starts_with("'=1+1,\"王, 小明\",'=1+1.jpg,"), "{row}");
        assert!(row.ends_with(",campus_card,2024-08-30T06:40:00Z"), "{row}");
    }

    #[test]
    fn json_keeps_values_verbatim() {
        let json: serde_json::Value =
            serde_json::from_slice(&manifest_json(&[entry("=1", "李")]).unwrap()).unwrap();
        assert_eq!(json["count"], 1);
        assert_eq!(json["photos"][0]["student_no"], "=1");
        assert_eq!(json["photos"][0]["approved_at"], "2024-08-30T06:40:00Z");
    }
}
