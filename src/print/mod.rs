//! print (filled in by its issue).
