//! Real-time output: the thin layer between the renderer and the sound card.
//!
//! `device` picks a device and a stream format and runs a render closure on the audio thread;
//! everything above it (mixing, A/B switching, loudness matching) only ever sees `&mut [f32]`.

pub mod device;

pub use device::{DeviceError, DeviceInfo, DeviceStats, Output, Realtime, Running};

pub mod control;
pub mod engine;
pub mod feeder;
pub mod live;
pub mod live_pump;
pub mod loudness_jobs;
pub mod player;
pub mod reconnect;
pub mod routing;
