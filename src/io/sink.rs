//! Where rendered audio goes: a WAV or FLAC file (written atomically) or standard output.
//!
//! The container follows the output's extension (`.wav`, `.flac`, any case) or `--format`; a name
//! iemsim cannot write (`x.mp3`) is refused before any work instead of being written as WAV under
//! that name. The checks here run when a sink is created, i.e. before the first sample is read.

use super::atomic::{self, TempFile};
use super::flac_write::FlacSink;
use super::wav::WavError;
use super::wav_write::{OutFormat, SinkStats, WavSink};
use super::Tags;
use crate::dsp::dither::Dither;
use serde::Serialize;
use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

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

    /// Refuses a sample format the container cannot hold.
    pub fn check_format(self, format: OutFormat) -> Result<(), String> {
        match (self, format) {
            (Self::Flac, OutFormat::I32 | OutFormat::F32) => Err(format!(
                "FLAC output is 16- or 24-bit: {} needs a .wav output (or use --bits 24)",
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

/// Where an output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A file, replaced only if `replace` (and only if it is a regular file).
    File { path: PathBuf, replace: bool },
    /// Standard output (`-o -`): sizes cannot be patched, so they say "unknown".
    Stdout,
}

impl Target {
    /// `-` is standard output; any other name a file (replaced only if `replace`).
    pub fn new(path: &Path, replace: bool) -> Self {
        if Self::is_stdout_name(path) {
            Self::Stdout
        } else {
            Self::File {
                path: path.to_path_buf(),
                replace,
            }
        }
    }

    /// `-o -`: the audio goes to standard output.
    pub fn is_stdout_name(path: &Path) -> bool {
        path.as_os_str() == "-"
    }

    /// The name used in messages and reports.
    pub fn display_path(&self) -> PathBuf {
        match self {
            Self::File { path, .. } => path.clone(),
            Self::Stdout => PathBuf::from("-"),
        }
    }
}

/// What to write.
#[derive(Debug, Clone)]
pub struct SinkSpec {
    pub channels: u16,
    pub sample_rate: u32,
    pub format: OutFormat,
    pub dither: Dither,
    pub tags: Tags,
    /// Frames that will be written, when known: decides RF64 up front.
    pub frames: Option<u64>,
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
            Self::Flac(s) => s.write(block),
        }
    }

    /// [`Self::write`], and appends to `echo` the samples as stored: what a reader of the file
    /// gets back (after dither and quantisation).
    pub fn write_echo(&mut self, block: &[f64], echo: &mut Vec<f64>) -> Result<(), WavError> {
        match self {
            Self::Wav(s) => s.write_echo(block, echo),
            Self::Flac(s) => s.write_echo(block, echo),
        }
    }

    /// The output's path (or `-` for standard output).
    pub fn path(&self) -> &Path {
        match self {
            Self::Wav(s) => s.path(),
            Self::Flac(s) => s.path(),
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

/// Every writer's guard: a NaN or infinite sample (a cascade that overflowed) is never written.
/// It fails the whole output, and the temporary file goes with the dropped writer, so nothing
/// is left behind. One pass of compares per block, beside the filtering that produced it.
pub(crate) fn check_finite(block: &[f64], path: &Path) -> Result<(), WavError> {
    if block.iter().all(|x| x.is_finite()) {
        return Ok(());
    }
    Err(WavError::NonFinite {
        path: path.to_path_buf(),
    })
}

/// Refuses, before any work, a destination the user can fix: a missing or read-only folder, a
/// folder as the output, an existing file without `replace`, or anything but a regular file
/// (a device such as `/dev/null`, a FIFO, a socket, or a symlink to one) even with `replace`.
pub fn check_destination(dest: &Path, replace: bool) -> Result<(), WavError> {
    let d = || dest.to_path_buf();
    let dir = atomic::parent_dir(dest);
    if !dir.is_dir() {
        return Err(WavError::NoFolder { path: d() });
    }
    if dest.is_dir() {
        return Err(WavError::IsFolder { path: d() });
    }
    match std::fs::symlink_metadata(dest) {
        Ok(_) => {
            atomic::check_replaceable(dest)
                .map_err(|what| WavError::NotRegular { path: d(), what })?;
            if !replace {
                return Err(WavError::Exists { path: d() });
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(source) => return Err(WavError::Write { path: d(), source }),
    }
    if !atomic::dir_writable(&dir) {
        return Err(WavError::ReadOnlyFolder { path: d() });
    }
    Ok(())
}

/// The byte stream under a writer: a temporary file committed on success, or standard output.
pub(crate) struct Dest {
    out: Out,
    tmp: Option<TempFile>,
    path: PathBuf,
    replace: bool,
}

enum Out {
    File(BufWriter<File>),
    Stdout(BufWriter<io::Stdout>),
}

impl Dest {
    pub(crate) fn open(target: &Target) -> Result<Self, WavError> {
        match target {
            Target::File { path, replace } => {
                check_destination(path, *replace)?;
                let (tmp, file) = TempFile::create(path).map_err(|source| WavError::Write {
                    path: path.clone(),
                    source,
                })?;
                Ok(Self {
                    out: Out::File(BufWriter::with_capacity(1 << 20, file)),
                    tmp: Some(tmp),
                    path: path.clone(),
                    replace: *replace,
                })
            }
            Target::Stdout => Ok(Self {
                out: Out::Stdout(BufWriter::with_capacity(1 << 16, io::stdout())),
                tmp: None,
                path: target.display_path(),
                replace: false,
            }),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn is_stream(&self) -> bool {
        matches!(self.out, Out::Stdout(_))
    }

    pub(crate) fn err(&self, source: io::Error) -> WavError {
        WavError::Write {
            path: self.path.clone(),
            source,
        }
    }

    pub(crate) fn write_all(&mut self, bytes: &[u8]) -> Result<(), WavError> {
        let r = match &mut self.out {
            Out::File(w) => w.write_all(bytes),
            Out::Stdout(w) => w.write_all(bytes),
        };
        r.map_err(|e| self.err(e))
    }

    /// Applies `(offset, bytes)` patches (files only), flushes, syncs and commits the file.
    pub(crate) fn finish(self, patches: &[(u64, Vec<u8>)]) -> Result<(), WavError> {
        let werr = |source| WavError::Write {
            path: self.path.clone(),
            source,
        };
        match self.out {
            Out::Stdout(mut w) => w.flush().map_err(werr),
            Out::File(w) => {
                let mut file = w.into_inner().map_err(|e| werr(e.into_error()))?;
                for (at, bytes) in patches {
                    file.seek(SeekFrom::Start(*at)).map_err(werr)?;
                    file.write_all(bytes).map_err(werr)?;
                }
                // Data on disk before the name appears: a crash never leaves a complete-looking
                // name over incomplete data.
                file.sync_all().map_err(werr)?;
                if let Some(tmp) = self.tmp {
                    tmp.commit(self.replace).map_err(|e| {
                        if e.kind() == io::ErrorKind::AlreadyExists {
                            WavError::Exists {
                                path: self.path.clone(),
                            }
                        } else {
                            werr(e)
                        }
                    })?;
                }
                Ok(())
            }
        }
    }
}
