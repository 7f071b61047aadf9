//! The production [`Spooler`]: a CUPS queue reached over IPP (the `ipp` crate's blocking client), no `lp`
//! process and no libcups.
//!
//! Owns the IPP requests (Print-Job, Get-Printer-Attributes, Get-Job-Attributes, Cancel-Job), the job
//! attributes that keep a sheet at its exact size (media, `print-scaling=none`) and the mapping of IPP
//! answers and transport failures to [`SpoolError`]. Blocking calls: run it off the UI thread.

use std::io::Cursor;
use std::time::Duration;

use ipp::model::StatusCode;
use ipp::prelude::{
    DelimiterTag, IppAttribute, IppClient, IppOperationBuilder, IppPayload, IppRequestResponse,
    IppValue, Uri,
};

use crate::print::layout::{A4_PAPER, FIVE_INCH_PAPER, SIX_INCH_PAPER, SizeMm};
use crate::print::spool::{
    JobState, JobStatus, PrinterState, PrinterStatus, SpoolError, SpoolJob, SpoolJobId, Spooler,
    printer_state_from_ipp,
};

/// Where a local cupsd listens (CUPS' default `Listen localhost:631`).
pub const DEFAULT_CUPS_SERVER: &str = "localhost:631";
/// Environment variable naming the print server (`host:port`) when it is not the local cupsd.
pub const CUPS_SERVER_ENV: &str = "IDBOOTH_CUPS_SERVER";

/// The print server: `$IDBOOTH_CUPS_SERVER` or the local cupsd.
pub fn cups_server() -> String {
    std::env::var(CUPS_SERVER_ENV)
        .ok()
        .filter(|server| !server.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_CUPS_SERVER.to_owned())
}
/// The requesting-user-name idbooth's jobs carry (shown in the queue; cups-pdf files them under it).
pub const DEFAULT_JOB_USER: &str = "idbooth";
/// Longest wait for one IPP answer: a local cupsd answers in milliseconds; a hung one must not hang the booth.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Printer attributes read for [`PrinterStatus`] (RFC 8011 §5.4).
const STATUS_ATTRIBUTES: [&str; 5] = [
    "printer-state",
    "printer-state-reasons",
    "printer-state-message",
    "printer-is-accepting-jobs",
    "queued-job-count",
];

/// A CUPS queue on a print server.
#[derive(Debug, Clone)]
pub struct CupsSpooler {
    server: String,
    printer: String,
    printer_uri: Uri,
    user: String,
    timeout: Duration,
}

impl CupsSpooler {
    /// A spooler for queue `printer` on `server` (`host:port`, e.g. [`DEFAULT_CUPS_SERVER`]).
    pub fn new(server: &str, printer: &str) -> Result<Self, SpoolError> {
        let valid_name = !printer.is_empty()
            && printer.len() <= 127
            && printer
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid_name {
            return Err(SpoolError::Refused(format!(
                "{printer:?} is not a CUPS queue name (letters, digits, '-', '_', '.')"
            )));
        }
        let printer_uri: Uri = format!("ipp://{server}/printers/{printer}")
            .parse()
            .map_err(|error| SpoolError::Refused(format!("print server {server:?}: {error}")))?;
        Ok(Self {
            server: server.to_owned(),
            printer: printer.to_owned(),
            printer_uri,
            user: DEFAULT_JOB_USER.to_owned(),
            timeout: DEFAULT_REQUEST_TIMEOUT,
        })
    }

    /// Sets the requesting-user-name of submitted jobs.
    #[must_use]
    pub fn with_user(mut self, user: &str) -> Self {
        user.clone_into(&mut self.user);
        self
    }

    /// Sets the longest wait for one IPP answer.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn client(&self) -> IppClient {
        IppClient::builder(self.printer_uri.clone())
            .request_timeout(self.timeout)
            .build()
    }

    fn send(
        &self,
        request: impl Into<IppRequestResponse>,
    ) -> Result<IppRequestResponse, SpoolError> {
        let response = self
            .client()
            .send(request)
            .map_err(|error| SpoolError::Unreachable {
                server: self.server.clone(),
                detail: error.to_string(),
            })?;
        let status = response.header().status_code();
        match status {
            status if status.is_success() => Ok(response),
            StatusCode::ClientErrorNotFound => {
                Err(SpoolError::PrinterMissing(self.printer.clone()))
            }
            StatusCode::ServerErrorServiceUnavailable
            | StatusCode::ServerErrorBusy
            | StatusCode::ServerErrorTemporaryError => Err(SpoolError::Unreachable {
                server: self.server.clone(),
                detail: format!("{status:?}"),
            }),
            other => Err(SpoolError::Refused(status_message(&response, other))),
        }
    }
}

/// The server's status-message, or the status code's name.
fn status_message(response: &IppRequestResponse, status: StatusCode) -> String {
    response
        .attributes()
        .groups_of(DelimiterTag::OperationAttributes)
        .find_map(|group| group.get("status-message"))
        .map_or_else(
            || format!("{status:?}"),
            |attribute| format!("{status:?}: {}", attribute.value()),
        )
}

/// The IPP `media` keyword (PWG 5101.1 self-describing name) of a paper size. Sizes are written short
/// edge first, as PWG names are; CUPS turns a landscape page to fit without scaling.
pub fn media_keyword(paper_mm: SizeMm) -> String {
    let named = [
        (SIX_INCH_PAPER, "na_index-4x6_4x6in"),
        (FIVE_INCH_PAPER, "oe_photo-l_3.5x5in"),
        (A4_PAPER, "iso_a4_210x297mm"),
    ];
    let short_mm = paper_mm.width_mm.min(paper_mm.height_mm);
    let long_mm = paper_mm.width_mm.max(paper_mm.height_mm);
    let portrait = SizeMm::new(short_mm, long_mm);
    for (paper, keyword) in named {
        let paper_portrait = SizeMm::new(
            paper.width_mm.min(paper.height_mm),
            paper.width_mm.max(paper.height_mm),
        );
        if paper_portrait.same_as(portrait) {
            return keyword.to_owned();
        }
    }
    format!("custom_{short_mm:.1}x{long_mm:.1}mm")
}

fn keyword(value: &str) -> Result<IppValue, SpoolError> {
    IppValue::new_keyword(value).map_err(|error| SpoolError::Protocol(error.to_string()))
}

fn attribute(name: &str, value: IppValue) -> Result<IppAttribute, SpoolError> {
    IppAttribute::with_name(name, value).map_err(|error| SpoolError::Protocol(error.to_string()))
}

fn strings(value: Option<&IppAttribute>) -> Vec<String> {
    value
        .map(|attribute| {
            attribute
                .value()
                .into_iter()
                .map(ToString::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn integer(value: Option<&IppAttribute>) -> Option<i32> {
    match value.map(IppAttribute::value) {
        Some(IppValue::Integer(number) | IppValue::Enum(number)) => Some(*number),
        _ => None,
    }
}

impl Spooler for CupsSpooler {
    fn printer(&self) -> &str {
        &self.printer
    }

    fn printer_status(&self) -> Result<PrinterStatus, SpoolError> {
        let operation = IppOperationBuilder::get_printer_attributes(self.printer_uri.clone())
            .attributes(STATUS_ATTRIBUTES)
            .build()
            .map_err(|error| SpoolError::Protocol(error.to_string()))?;
        let response = match self.send(operation) {
            Err(SpoolError::PrinterMissing(name)) => {
                return Ok(PrinterStatus {
                    state: PrinterState::Missing,
                    reasons: Vec::new(),
                    message: format!("no printer named {name}"),
                    queued_jobs: 0,
                });
            }
            other => other?,
        };
        let group = response
            .attributes()
            .groups_of(DelimiterTag::PrinterAttributes)
            .next()
            .ok_or_else(|| SpoolError::Protocol("no printer attributes in the answer".into()))?;
        let state_value = integer(group.get("printer-state"))
            .ok_or_else(|| SpoolError::Protocol("printer-state missing".into()))?;
        let reasons: Vec<String> = strings(group.get("printer-state-reasons"))
            .into_iter()
            .filter(|reason| reason != "none")
            .collect();
        let accepting = !matches!(
            group
                .get("printer-is-accepting-jobs")
                .map(IppAttribute::value),
            Some(IppValue::Boolean(false))
        );
        Ok(PrinterStatus {
            state: printer_state_from_ipp(state_value, &reasons, accepting),
            message: strings(group.get("printer-state-message")).join(" "),
            queued_jobs: integer(group.get("queued-job-count"))
                .map_or(0, |count| count.max(0) as u32),
            reasons,
        })
    }

    fn submit(&self, job: &SpoolJob) -> Result<SpoolJobId, SpoolError> {
        let copies = i32::try_from(job.copies)
            .map_err(|_| SpoolError::Refused(format!("{} copies", job.copies)))?;
        let payload = IppPayload::new(Cursor::new(job.pdf.clone()));
        let operation = IppOperationBuilder::print_job(self.printer_uri.clone(), payload)
            .user_name(&self.user)
            .job_title(&job.title)
            .document_format("application/pdf")
            .attribute(attribute("copies", IppValue::Integer(copies))?)
            .attribute(attribute("media", keyword(&media_keyword(job.paper_mm))?)?)
            .attribute(attribute("print-scaling", keyword("none")?)?)
            .build()
            .map_err(|error| SpoolError::Protocol(error.to_string()))?;
        let response = self.send(operation)?;
        response
            .attributes()
            .groups_of(DelimiterTag::JobAttributes)
            .find_map(|group| integer(group.get("job-id")))
            .map(SpoolJobId)
            .ok_or_else(|| SpoolError::Protocol("the print server returned no job-id".into()))
    }

    fn job_status(&self, job: SpoolJobId) -> Result<JobStatus, SpoolError> {
        let operation = IppOperationBuilder::get_job_attributes(self.printer_uri.clone(), job.0)
            .user_name(&self.user)
            .build()
            .map_err(|error| SpoolError::Protocol(error.to_string()))?;
        let response = match self.send(operation) {
            Err(SpoolError::PrinterMissing(_)) => return Err(SpoolError::JobMissing(job)),
            other => other?,
        };
        let group = response
            .attributes()
            .groups_of(DelimiterTag::JobAttributes)
            .next()
            .ok_or(SpoolError::JobMissing(job))?;
        let state = integer(group.get("job-state"))
            .and_then(JobState::from_ipp)
            .ok_or_else(|| SpoolError::Protocol(format!("job {job} has no valid job-state")))?;
        Ok(JobStatus {
            state,
            reasons: strings(group.get("job-state-reasons")),
        })
    }

    fn cancel(&self, job: SpoolJobId) -> Result<(), SpoolError> {
        let operation = IppOperationBuilder::cancel_job(self.printer_uri.clone(), job.0)
            .user_name(&self.user)
            .build()
            .map_err(|error| SpoolError::Protocol(error.to_string()))?;
        self.send(operation).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheets_ask_for_their_pwg_media_in_either_orientation() {
        assert_eq!(media_keyword(SIX_INCH_PAPER), "na_index-4x6_4x6in");
        assert_eq!(
            media_keyword(SizeMm::new(101.6, 152.4)),
            "na_index-4x6_4x6in"
        );
        assert_eq!(media_keyword(FIVE_INCH_PAPER), "oe_photo-l_3.5x5in");
        assert_eq!(media_keyword(A4_PAPER), "iso_a4_210x297mm");
        assert_eq!(media_keyword(SizeMm::new(60.6, 51.0)), "custom_51.0x60.6mm");
    }

    #[test]
    fn queue_names_are_checked_before_any_request() {
        assert!(CupsSpooler::new(DEFAULT_CUPS_SERVER, "idbooth-pdf").is_ok());
        for bad in ["", "a b", "../x", "打印机"] {
            assert!(
                CupsSpooler::new(DEFAULT_CUPS_SERVER, bad).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_server_nobody_listens_on_is_unreachable_and_transient() {
        // Port 9 (discard) is closed on any test machine; the connection is refused at once.
        let spooler = CupsSpooler::new("127.0.0.1:9", "idbooth-pdf").unwrap();
        let error = spooler.printer_status().unwrap_err();
        assert!(error.is_transient(), "{error}");
        assert!(error.to_string().contains("127.0.0.1:9"), "{error}");
    }
}
