//! What the writers share (`sink` chooses one, `wav_write` and `flac_write` are two): the sample
//! format asked for, where the bytes go, the level statistics of what was written, and the byte
//! stream under every writer. A leaf: it imports no writer, so no writer imports another.

use super::atomic::{self, TempFile};
use super::wav::WavError;
use super::Tags;
use crate::dsp::dither::Dither;
use serde::Serialize;
use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Output sample formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutFormat {
    I16,
    I24,
    I32,
    F32,
}

impl OutFormat {
    /// The format that keeps an input's (the export default): integer `bits` to the next size up
    /// (lossy inputs, which have no bit depth, become 16-bit), any float as 32-bit float.
    pub fn keeping(float: bool, bits: u16) -> Self {
        match (float, bits) {
            (true, _) => Self::F32,
            (false, 0..=16) => Self::I16,
            (false, 17..=24) => Self::I24,
            _ => Self::I32,
        }
    }

    pub fn bits(self) -> u16 {
        match self {
            Self::I16 => 16,
            Self::I24 => 24,
            Self::I32 | Self::F32 => 32,
        }
    }

    pub fn is_float(self) -> bool {
        self == Self::F32
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::I16 => "16-bit int",
            Self::I24 => "24-bit int",
            Self::I32 => "32-bit int",
            Self::F32 => "32-bit float",
        }
    }
}

/// Level statistics of what was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct SinkStats {
    /// Largest |sample| before quantisation (1.0 = 0 dBFS).
    pub peak: f64,
    /// Largest |sample| as written, after dither and rounding (what a reader of the file finds).
    pub stored_peak: f64,
    /// Samples that exceeded full scale (clipped for integer output; left over 0 dBFS in float).
    pub clipped: u64,
    pub frames: u64,
}

impl SinkStats {
    /// The peak to report: the file's own, except where samples clipped, where the peak before
    /// clipping says how far over it went (and which preamp would have kept it below).
    pub fn peak_dbfs(&self) -> f64 {
        let peak = if self.clipped > 0 {
            self.peak
        } else {
            self.stored_peak
        };
        20.0 * peak.log10()
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

    /// Refuses, before any work, what opening this target would refuse ([`check_destination`]):
    /// the one check of every output, run again when it is opened. Standard output passes.
    pub fn check(&self) -> Result<(), WavError> {
        match self {
            Self::File { path, replace } => check_destination(path, *replace),
            Self::Stdout => Ok(()),
        }
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
    /// The input's speakers (a `dwChannelMask`; 0 when it did not say): both writers declare
    /// them (WAV in its header, FLAC in a `WAVEFORMATEXTENSIBLE_CHANNEL_MASK` comment).
    pub channel_mask: u32,
    pub tags: Tags,
    /// Frames that will be written, when known: decides RF64 up front.
    pub frames: Option<u64>,
}

/// Every writer's guard: a NaN or infinite sample (a cascade that overflowed) is never written,
/// nor one beyond the 32-bit float range (3.4e38), which a float output would store as infinity
/// (float input near that range with a boost). It fails the whole output, and the temporary file
/// goes with the dropped writer, so nothing is left behind. One pass of compares per block,
/// beside the filtering that produced it.
pub(crate) fn check_finite(block: &[f64], path: &Path) -> Result<(), WavError> {
    if block.iter().all(|x| x.abs() <= f64::from(f32::MAX)) {
        return Ok(());
    }
    Err(WavError::NonFinite {
        path: path.to_path_buf(),
    })
}

/// Refuses an output that is one of the files the command reads (a measurement, a profile file,
/// the audio), whatever `--force` says: `fit m.csv -o m.csv --force` replaced the measurement.
/// Names that are not files (built-in profiles) never match.
pub fn check_not_input<'a>(
    out: &Path,
    inputs: impl IntoIterator<Item = &'a Path>,
) -> Result<(), WavError> {
    if inputs.into_iter().any(|i| super::atomic::same_file(out, i)) {
        return Err(WavError::SameAsInput {
            path: out.to_path_buf(),
        });
    }
    Ok(())
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
    path: PathBuf,
    replace: bool,
}

enum Out {
    /// The writer, then its temporary file (dropped in that order: the file closes first).
    File(BufWriter<File>, TempFile),
    Stdout(BufWriter<io::Stdout>),
}

impl Dest {
    pub(crate) fn open(target: &Target) -> Result<Self, WavError> {
        match target {
            Target::File { path, replace } => {
                target.check()?;
                let (tmp, file) = TempFile::create(path).map_err(|source| WavError::Write {
                    path: path.clone(),
                    source,
                })?;
                Ok(Self {
                    out: Out::File(BufWriter::with_capacity(1 << 20, file), tmp),
                    path: path.clone(),
                    replace: *replace,
                })
            }
            Target::Stdout => Ok(Self {
                out: Out::Stdout(BufWriter::with_capacity(1 << 16, io::stdout())),
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
            Out::File(w, _) => w.write_all(bytes),
            // The buffer filled before it goes: a header (78 bytes) sent alone ahead of a large
            // block made sox's format detection on a pipe fail now and then ("RIFF header not
            // found", 2 runs in 20 of the README's `export … -o - | sox - …`).
            Out::Stdout(w) => {
                let room = w.capacity() - w.buffer().len();
                let (head, rest) = bytes.split_at(room.min(bytes.len()));
                w.write_all(head).and_then(|()| w.write_all(rest))
            }
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
            Out::File(w, tmp) => {
                let mut file = w.into_inner().map_err(|e| werr(e.into_error()))?;
                for (at, bytes) in patches {
                    file.seek(SeekFrom::Start(*at)).map_err(werr)?;
                    file.write_all(bytes).map_err(werr)?;
                }
                // Data on disk before the name appears: a crash never leaves a complete-looking
                // name over incomplete data.
                file.sync_all().map_err(werr)?;
                tmp.commit(self.replace).map_err(|e| {
                    if e.kind() == io::ErrorKind::AlreadyExists {
                        WavError::Exists {
                            path: self.path.clone(),
                        }
                    } else {
                        werr(e)
                    }
                })
            }
        }
    }
}
