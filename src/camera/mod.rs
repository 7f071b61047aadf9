//! camera (filled in by its issue).
