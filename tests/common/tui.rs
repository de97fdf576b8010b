//! Test helper: what a terminal UI test needs before it starts, a tmux and a PulseAudio stack.
//!
//! Use it as `crate::common::tui`.
#![allow(dead_code)]

use super::{pulse, tmux};

/// The audio stack for a test that drives iemsim in tmux, or `None` when tmux or the stack is
/// missing: the test then returns, having printed SKIPPED (or failed, with IEMSIM_REQUIRE_AUDIO=1).
pub fn stack() -> Option<pulse::PulseStack> {
    if !tmux::available() {
        return None;
    }
    pulse::PulseStack::start()
}
