//! vision (filled in by its issue).
