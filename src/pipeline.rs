//! Capture pipeline worker (filled in by its issue).
