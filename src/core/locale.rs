//! Shared plain types that configuration hands to the pure core: the interface language and the
//! student-number format. Defined here so `core` never depends on the `config` module above it.

/// Interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Zh,
    En,
}

/// A student-number format: length bounds and allowed characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StudentNoFormat {
    pub min_len: usize,
    pub max_len: usize,
    pub digits_only: bool,
}
