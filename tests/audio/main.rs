//! The playback path: the engine driven offline as the callback drives it, the device layer and
//! `iemsim play` on a real (PulseAudio null sink) audio stack, and loudness matching as heard.

#[path = "../common/mod.rs"]
mod common;

mod device;
mod engine;
mod engine_underrun;
mod live;
mod matching_heard;
mod play;
mod render_meter;
