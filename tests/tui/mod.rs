//! The terminal UIs of `iemsim play` and `iemsim abx`, driven for real in a tmux pane on a private
//! PulseAudio stack.

mod abx;
mod live;
mod picker;
mod play;
