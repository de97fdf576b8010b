//! Files: every audio format in (`decode`), WAV out. Everything that touches the filesystem lives
//! here or in `commands`.

pub mod abx_log;
pub mod atomic;
pub mod decode;
pub mod pcm;
pub mod tags;
pub mod wav;

pub use decode::{DecodeError, Decoder, Info};
pub use tags::Tags;
pub use wav::{OutFormat, SinkStats, WavError, WavSink};

/// The reader's name before every format went through [`Decoder`]; kept for code written then.
pub type WavSource = Decoder;
/// See [`WavSource`].
pub type WavInfo = Info;
