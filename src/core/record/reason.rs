//! Rejection reason codes and their zh/en texts. The catalog comes from config (the quality-check codes
//! plus `other`); this module only validates it and parses codes against it.

use serde::{Deserialize, Serialize};

use super::RecordError;

/// The catch-all reason; a rejection that uses it must carry a note.
pub const OTHER_REASON_CODE: &str = "other";

/// Longest reason code; check codes are short `snake_case` words.
const MAX_CODE_LEN: usize = 64;

/// A reason code known to the catalog when it was given (or read back from the audit log).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ReasonCode(String);

impl ReasonCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Wraps a code read back from the store; it may have left the catalog since.
    pub(crate) fn from_stored(stored: String) -> Self {
        Self(stored)
    }
}

impl std::fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One reason as configured: its code and what staff and students read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonText {
    pub code: String,
    pub zh: String,
    pub en: String,
}

/// The configured reasons, in display order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonCatalog {
    reasons: Vec<ReasonText>,
}

impl ReasonCatalog {
    /// Validates the list: `snake_case` codes (a-z, 0-9, '_'), no duplicates, both texts present, and
    /// `other` among them.
    pub fn new(reasons: Vec<ReasonText>) -> Result<Self, RecordError> {
        for (index, reason) in reasons.iter().enumerate() {
            let code = reason.code.as_str();
            let well_formed = !code.is_empty()
                && code.len() <= MAX_CODE_LEN
                && code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !well_formed {
                return Err(RecordError::Catalog(format!(
                    "code {code:?} is not snake_case"
                )));
            }
            if reasons[..index].iter().any(|earlier| earlier.code == code) {
                return Err(RecordError::Catalog(format!(
                    "code {code:?} is listed twice"
                )));
            }
            if reason.zh.trim().is_empty() || reason.en.trim().is_empty() {
                return Err(RecordError::Catalog(format!(
                    "code {code:?} needs both a zh and an en text"
                )));
            }
        }
        if !reasons.iter().any(|r| r.code == OTHER_REASON_CODE) {
            return Err(RecordError::Catalog(format!(
                "the code {OTHER_REASON_CODE:?} is required"
            )));
        }
        Ok(Self { reasons })
    }

    /// Parses a code typed by staff or sent by the UI.
    pub fn parse(&self, code: &str) -> Result<ReasonCode, RecordError> {
        let code = code.trim();
        match self.reasons.iter().find(|r| r.code == code) {
            Some(reason) => Ok(ReasonCode(reason.code.clone())),
            None => Err(RecordError::UnknownReason {
                code: code.to_owned(),
                known: self.codes().join(", "),
            }),
        }
    }

    /// The texts of a code, if it is (still) configured.
    pub fn text(&self, code: &ReasonCode) -> Option<&ReasonText> {
        self.reasons.iter().find(|r| r.code == code.as_str())
    }

    pub fn codes(&self) -> Vec<&str> {
        self.reasons.iter().map(|r| r.code.as_str()).collect()
    }

    pub fn reasons(&self) -> &[ReasonText] {
        &self.reasons
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(code: &str) -> ReasonText {
        ReasonText {
            code: code.to_owned(),
            zh: "闭眼".to_owned(),
            en: "eyes closed".to_owned(),
        }
    }

    #[test]
    fn catalog_requires_other_and_well_formed_unique_codes() {
        assert!(ReasonCatalog::new(vec![text("eyes_closed")]).is_err());
        assert!(ReasonCatalog::new(vec![text("Eyes"), text("other")]).is_err());
        assert!(ReasonCatalog::new(vec![text("a b"), text("other")]).is_err());
        assert!(ReasonCatalog::new(vec![text("other"), text("other")]).is_err());
        let mut no_zh = text("blur");
        no_zh.zh = " ".to_owned();
        assert!(ReasonCatalog::new(vec![no_zh, text("other")]).is_err());
        assert!(ReasonCatalog::new(vec![text("eyes_closed"), text("other")]).is_ok());
    }

    #[test]
    fn codes_parse_only_when_configured() {
        let Ok(catalog) = ReasonCatalog::new(vec![text("eyes_closed"), text("other")]) else {
            panic!("valid")
        };
        let code = catalog.parse(" eyes_closed ");
        assert_eq!(code.as_ref().map(ReasonCode::as_str), Ok("eyes_closed"));
        let Ok(code) = code else { return };
        assert_eq!(
            catalog.text(&code).map(|t| t.en.as_str()),
            Some("eyes closed")
        );
        let err = catalog.parse("blurry").map_err(|e| e.to_string());
        assert_eq!(
            err,
            Err("unknown rejection reason \"blurry\" (known: eyes_closed, other)".to_owned())
        );
        assert_eq!(catalog.codes(), ["eyes_closed", "other"]);
    }
}
