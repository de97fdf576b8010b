//! The terminal UIs of `iemsim play` and `iemsim abx`, driven for real in a tmux pane on a private
//! PulseAudio stack.

#[path = "../common/mod.rs"]
mod common;

mod abx;
mod live;
mod picker;
mod play;
