//! Export of approved photos (filled in by its issue).
