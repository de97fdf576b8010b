//! Terminal output: progress bars (and, later, the A/B terminal UI and plots).

pub mod fmt;
pub mod plot;
pub mod progress;
pub mod tui;
