//! The terminal UI of `iemsim play`, driven for real in a tmux pane on a private PulseAudio stack.

#[path = "../common/mod.rs"]
mod common;

mod picker;
mod play;
