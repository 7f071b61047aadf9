//! [`ExportSource`] over the SQLite store: approved records and their latest standardized photos in,
//! batches recorded (and records marked exported) out.
//!
//! Owns only the translation between the store's read models and export candidates; every SQL statement
//! stays in `storage`. The approval time comes from the record's audit history (the store keeps it in a
//! column but does not expose it on `Record` yet).

use super::{ExportCandidate, ExportQuery, ExportSource, ExportedBatch, SourceError};
use crate::core::record::{Actor, ExportBatchId, RecordId, RecordStatus, RecordSummary};
use crate::storage::{NewExportBatch, NewExportItem, RecordFilter, StorageError, Store};

/// The store as an export source, acting as `actor` at `now_unix_s` when it records a batch.
pub struct StoreExport<'a> {
    store: &'a mut Store,
    actor: Actor,
    now_unix_s: i64,
}

impl<'a> StoreExport<'a> {
    pub fn new(store: &'a mut Store, actor: Actor, now_unix_s: i64) -> Self {
        Self {
            store,
            actor,
            now_unix_s,
        }
    }
}

/// The storage error with its causes ("database error: database is locked").
fn source_error(error: &StorageError) -> SourceError {
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    SourceError(text)
}

impl StoreExport<'_> {
    fn candidate(&self, summary: RecordSummary) -> Result<ExportCandidate, SourceError> {
        let record = &summary.record;
        let approved_at_unix_s = record.approved_at_unix_s.ok_or_else(|| {
            SourceError(format!(
                "record {} is {} but has no approval time",
                record.id, record.status
            ))
        })?;
        let id_number = self
            .store
            .roster_id_number(&record.student_no)
            .map_err(|error| source_error(&error))?
            .map(|number| number.as_str().to_owned());
        Ok(ExportCandidate {
            record_id: record.id,
            approved_at_unix_s,
            student_no: record.student_no.as_str().to_owned(),
            name: summary.student_name,
            id_number,
            profile: summary.record.profile,
        })
    }
}

impl ExportSource for StoreExport<'_> {
    fn candidates(&self, query: &ExportQuery) -> Result<Vec<ExportCandidate>, SourceError> {
        let since = query.since_unix_s.unwrap_or(i64::MIN);
        let mut summaries = self
            .store
            .approved_not_exported(since)
            .map_err(|error| source_error(&error))?;
        if query.again {
            let exported = RecordFilter {
                status: Some(RecordStatus::Exported),
                ..RecordFilter::default()
            };
            summaries.extend(
                self.store
                    .list(&exported)
                    .map_err(|error| source_error(&error))?,
            );
        }
        let mut candidates = summaries
            .into_iter()
            .map(|summary| self.candidate(summary))
            .collect::<Result<Vec<_>, _>>()?;
        candidates.retain(|c| c.approved_at_unix_s >= since);
        candidates.sort_by_key(|c| (c.approved_at_unix_s, c.record_id));
        Ok(candidates)
    }

    fn photo(&self, record_id: RecordId) -> Result<Vec<u8>, SourceError> {
        self.store
            .photo(record_id)
            .map_err(|error| source_error(&error))
    }

    fn record_batch(&mut self, batch: &ExportedBatch) -> Result<ExportBatchId, SourceError> {
        let new_batch = NewExportBatch {
            destination: batch.destination.display().to_string(),
            manifest: format!(
                "manifest.csv sha256 {} ({} photos)",
                batch.manifest_sha256,
                batch.files.len()
            ),
            items: batch
                .files
                .iter()
                .map(|file| NewExportItem {
                    record_id: file.record_id,
                    file_name: file.entry.file.clone(),
                })
                .collect(),
        };
        self.store
            .mark_exported(&new_batch, &self.actor, self.now_unix_s)
            .map_err(|error| source_error(&error))
    }
}
