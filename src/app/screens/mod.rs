//! One file per booth screen. A screen draws itself and returns what the person asked for; it never
//! touches the camera, the store or the clock.

pub mod attract;
