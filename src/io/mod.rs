//! Files: audio in and out (WAV, FLAC). Everything that touches the filesystem lives here or in
//! `commands`.

pub mod abx_log;
pub mod atomic;
pub mod flac_write;
pub mod pcm;
pub mod sink;
pub mod tags;
pub mod wav;
pub mod wav_header;
pub mod wav_write;

pub use sink::{Container, Sink, SinkSpec, Target};
pub use tags::Tags;
pub use wav::{WavError, WavInfo, WavSource};
pub use wav_write::{OutFormat, SinkStats, WavSink};
