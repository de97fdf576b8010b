//! Files: WAV in and out. Everything that touches the filesystem lives here or in `commands`.

pub mod abx_log;
pub mod atomic;
pub mod fr_csv;
pub mod pcm;
pub mod tags;
pub mod wav;
pub mod whole;

pub use tags::Tags;
pub use wav::{OutFormat, SinkStats, WavError, WavInfo, WavSink, WavSource};
