//! app (filled in by its issue).
