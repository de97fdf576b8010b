//! Files: WAV in and out. Everything that touches the filesystem lives here or in `commands`.

pub mod abx_log;
pub mod atomic;
pub mod pcm;
pub mod tags;
pub mod wav;
pub mod wav_write;

pub use tags::Tags;
pub use wav::{WavError, WavInfo, WavSource};
pub use wav_write::{OutFormat, SinkStats, WavSink};
