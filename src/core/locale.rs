//! Shared plain types that configuration hands to the pure core: the interface language and the
//! student-number format. Defined here so `core` never depends on the `config` module above it.

/// Interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Zh,
    En,
}

/// A student-number format: length bounds and allowed characters (one type shared by the booth flow
/// and the store).
pub type StudentNoFormat = super::record::StudentNoRule;
