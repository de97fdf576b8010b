//! Where rendered audio goes: a WAV or FLAC file (written atomically) or standard output.
//!
//! The container follows the output's extension (`.wav`, `.flac`, any case) or `--format`; a name
//! iemsim cannot write (`x.mp3`) is refused before any work instead of being written as WAV under
//! that name. The checks here run when a sink is created, i.e. before the first sample is read.

use super::atomic;
use super::flac_write::FlacSink;
use super::sink_types::{OutFormat, SinkSpec, SinkStats, Target};
use super::wav::WavError;
use super::wav_write::WavSink;
use serde::Serialize;
use std::io;
use std::path::Path;

/// The file formats iemsim writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Container {
    Wav,
    Flac,
}

impl Container {
    /// From a file name's extension, case-insensitive; `None` for anything else (or none).
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "wav" | "wave" => Some(Self::Wav),
            "flac" => Some(Self::Flac),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Wav => "wav",
            Self::Flac => "flac",
        }
    }

    /// The sample format this container stores for a requested one. FLAC (as written here, and
    /// as most players decode it) holds integers up to 24 bits: a 32-bit or float format that the
    /// user did not ask for (it was inherited from the input) becomes 24-bit, which keeps 144 dB
    /// of range; an explicit request is refused by [`Container::check_format`].
    pub fn fit_format(self, format: OutFormat) -> OutFormat {
        match (self, format) {
            (Self::Flac, OutFormat::I32 | OutFormat::F32) => OutFormat::I24,
            (_, f) => f,
        }
    }

    /// Refuses a sample format the container cannot hold, saying how to get it: a .wav name,
    /// or `--format wav` for standard output (`to_stdout`), which has no name to change.
    pub fn check_format(self, format: OutFormat, to_stdout: bool) -> Result<(), String> {
        let wav = if to_stdout {
            "--format wav"
        } else {
            "a .wav output"
        };
        match (self, format) {
            (Self::Flac, OutFormat::I32 | OutFormat::F32) => Err(format!(
                "FLAC output is 16- or 24-bit: {} needs {wav} (or use --bits 24)",
                format.label()
            )),
            _ => Ok(()),
        }
    }
}

/// The output rule of every command that writes audio (`export`, `generate`), checked before any
/// work: `-` is standard output (refused when it is a terminal; WAV unless `format` says FLAC);
/// a file's extension picks the container, and `format`, when given, must agree with it. Any other
/// name (`x.mp3`, no extension) is refused rather than written as WAV under a name that says
/// otherwise, as are a folder and anything but a regular file. Whether the file may be replaced
/// (`--force`) is checked when its [`Target`] is opened.
pub fn check_output(path: &Path, format: Option<Container>) -> Result<Container, WavError> {
    if Target::is_stdout_name(path) {
        use std::io::IsTerminal;
        if io::stdout().is_terminal() {
            return Err(WavError::StdoutIsTerminal);
        }
        return Ok(format.unwrap_or(Container::Wav));
    }
    let p = || path.to_path_buf();
    if path.is_dir() {
        return Err(WavError::IsFolder { path: p() });
    }
    atomic::check_replaceable(path).map_err(|what| WavError::NotRegular { path: p(), what })?;
    match (Container::from_path(path), format) {
        (None, _) => Err(WavError::UnknownExtension { path: p() }),
        (Some(c), Some(f)) if c != f => Err(WavError::FormatMismatch {
            path: p(),
            named: c.extension(),
            asked: f.extension(),
        }),
        (Some(c), _) => Ok(c),
    }
}

/// A WAV or FLAC writer behind one interface, for the render loop.
// One per output and a handful per run: their size does not matter, an extra box would.
#[allow(clippy::large_enum_variant)]
pub enum Sink {
    Wav(WavSink),
    Flac(FlacSink),
}

impl Sink {
    /// Checks the destination and creates the writer (nothing is read before this succeeds).
    pub fn create(
        target: &Target,
        container: Container,
        spec: &SinkSpec,
    ) -> Result<Self, WavError> {
        Ok(match container {
            Container::Wav => Self::Wav(WavSink::open(target, spec)?),
            Container::Flac => Self::Flac(FlacSink::open(target, spec)?),
        })
    }

    /// Appends interleaved frames.
    pub fn write(&mut self, block: &[f64]) -> Result<(), WavError> {
        match self {
            Self::Wav(s) => s.write(block),
            Self::Flac(s) => s.write(block, None),
        }
    }

    /// [`Self::write`], and appends to `echo` the samples as stored: what a reader of the file
    /// gets back (after dither and quantisation).
    pub fn write_echo(&mut self, block: &[f64], echo: &mut Vec<f64>) -> Result<(), WavError> {
        match self {
            Self::Wav(s) => s.write_echo(block, echo),
            Self::Flac(s) => s.write(block, Some(echo)),
        }
    }

    /// Completes the file and gives it its final name.
    pub fn finish(self) -> Result<SinkStats, WavError> {
        match self {
            Self::Wav(s) => s.finish(),
            Self::Flac(s) => s.finish(),
        }
    }
}

impl From<WavSink> for Sink {
    fn from(s: WavSink) -> Self {
        Self::Wav(s)
    }
}
