//! Photo profiles.
