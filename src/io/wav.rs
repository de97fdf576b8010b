//! Streaming WAV reading with `hound`, as f64 frames in [-1, 1).
//!
//! Memory stays bounded whatever the file length: callers pull fixed-size blocks.
//! Every error names the file and says what is wrong in words a user can act on.

use super::pcm::{self, Encoding};
use super::wav_write::OutFormat;
use hound::{SampleFormat, WavSpec};
use serde::Serialize;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Limits beyond which a header is treated as corrupt rather than exotic.
pub const MAX_CHANNELS: u16 = 8;
pub const MIN_RATE: u32 = 8_000;
pub const MAX_RATE: u32 = 192_000;

#[derive(Debug, thiserror::Error)]
pub enum WavError {
    #[error("{path}: cannot open: {source}")]
    Open { path: PathBuf, source: io::Error },
    #[error("{path}: not a WAV file ({detail})")]
    NotWav { path: PathBuf, detail: String },
    #[error("{path}: truncated {part}: {detail}")]
    Truncated {
        path: PathBuf,
        part: &'static str,
        detail: String,
    },
    #[error("{path}: unsupported WAV: {detail} (iemsim reads 8/16/24/32-bit integer or 32-bit float PCM, 1-8 channels, 8-192 kHz)")]
    Unsupported { path: PathBuf, detail: String },
    #[error("{path}: read error: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("{path}: already exists (use --force to replace it)")]
    Exists { path: PathBuf },
    #[error("{path}: the output folder does not exist")]
    NoFolder { path: PathBuf },
    #[error("{path}: is a folder; name an output file (or use --out-dir for a folder)")]
    IsFolder { path: PathBuf },
    #[error("{path}: is {what}, not a regular file: iemsim only replaces regular files, even with --force")]
    NotRegular { path: PathBuf, what: &'static str },
    #[error("{path}: the output folder is not writable")]
    ReadOnlyFolder { path: PathBuf },
    #[error("{path}: refusing to write the output over the input file")]
    SameAsInput { path: PathBuf },
    #[error("{path}: cannot write: {source}")]
    Write { path: PathBuf, source: io::Error },
}

impl WavError {
    /// True when the user can fix it by changing the input or the command line (exit code 2);
    /// false for failures of the machine (disk full, I/O error: exit code 1).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, Self::Write { .. } | Self::Read { .. })
    }
}

/// What a WAV file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WavInfo {
    pub channels: u16,
    pub sample_rate: u32,
    pub bits: u16,
    pub float: bool,
    /// Frames (samples per channel).
    pub frames: u64,
}

impl WavInfo {
    pub fn duration_s(&self) -> f64 {
        self.frames as f64 / f64::from(self.sample_rate)
    }

    /// The output format that keeps this input's format (the export default).
    pub fn out_format(&self) -> OutFormat {
        match (self.float, self.bits) {
            (true, _) => OutFormat::F32,
            (false, 0..=16) => OutFormat::I16,
            (false, 17..=24) => OutFormat::I24,
            _ => OutFormat::I32,
        }
    }

    /// e.g. `44100 Hz, 2 ch, 16-bit int, 0:25.0`
    pub fn describe(&self) -> String {
        let kind = if self.float { "float" } else { "int" };
        let secs = self.duration_s();
        format!(
            "{} Hz, {} ch, {}-bit {kind}, {}:{:04.1}",
            self.sample_rate,
            self.channels,
            self.bits,
            (secs / 60.0).floor() as u64,
            secs % 60.0
        )
    }
}

/// Reads a WAV file block by block as f64 frames.
pub struct WavSource {
    reader: BufReader<File>,
    info: WavInfo,
    path: PathBuf,
    encoding: Encoding,
    data_start: u64,
    position: u64,
    bytes: Vec<u8>,
}

impl std::fmt::Debug for WavSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavSource")
            .field("path", &self.path)
            .field("info", &self.info)
            .finish()
    }
}

impl WavSource {
    pub fn open(path: &Path) -> Result<Self, WavError> {
        let p = || path.to_path_buf();
        let file = File::open(path).map_err(|source| WavError::Open { path: p(), source })?;
        let file_len = file.metadata().map(|m| m.len()).unwrap_or(u64::MAX);
        if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
            return Err(WavError::Open {
                path: p(),
                source: io::Error::other("is a folder, not a file"),
            });
        }
        let reader = hound::WavReader::new(BufReader::with_capacity(1 << 20, file))
            .map_err(|e| header_error(path, e))?;
        let spec = reader.spec();
        validate_spec(path, &spec)?;
        let samples = u64::from(reader.len());
        let frames = samples / u64::from(spec.channels);
        // hound has parsed the header and stopped at the start of the sample data; from here on the
        // bytes are read in bulk (see `pcm`). The data chunk's length field sits just before it.
        let mut inner = reader.into_inner();
        let rerr = |source| WavError::Read { path: p(), source };
        let data_start = inner.stream_position().map_err(rerr)?;
        let mut len_field = [0u8; 4];
        inner
            .seek(SeekFrom::Start(data_start.saturating_sub(4)))
            .map_err(rerr)?;
        inner.read_exact(&mut len_field).map_err(rerr)?;
        let data_len = u64::from(u32::from_le_bytes(len_field));
        let container = data_len
            .checked_div(samples)
            .unwrap_or(u64::from(spec.bits_per_sample.div_ceil(8)));
        let encoding = match (spec.sample_format, spec.bits_per_sample, container) {
            (SampleFormat::Float, 32, 4) => Encoding::F32,
            (SampleFormat::Int, 8, 1) => Encoding::U8,
            (SampleFormat::Int, 16, 2) => Encoding::I16,
            (SampleFormat::Int, 24, 3) => Encoding::I24,
            (SampleFormat::Int, 24, 4) => Encoding::I24In4,
            (SampleFormat::Int, 32, 4) => Encoding::I32,
            (_, bits, c) => {
                return Err(WavError::Unsupported {
                    path: p(),
                    detail: format!("{bits}-bit samples in {c}-byte containers"),
                })
            }
        };
        // hound trusts the header's data length; a file cut short is caught here, before any work.
        let needed = samples * container;
        let held = file_len.saturating_sub(data_start);
        if needed > held {
            return Err(WavError::Truncated {
                path: p(),
                part: "data",
                detail: format!(
                    "the header announces {frames} frames but the file holds {}",
                    held / (container * u64::from(spec.channels))
                ),
            });
        }
        let info = WavInfo {
            channels: spec.channels,
            sample_rate: spec.sample_rate,
            bits: spec.bits_per_sample,
            float: spec.sample_format == SampleFormat::Float,
            frames,
        };
        Ok(Self {
            reader: inner,
            info,
            path: p(),
            encoding,
            data_start,
            position: 0,
            bytes: Vec::new(),
        })
    }

    pub fn info(&self) -> &WavInfo {
        &self.info
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Frame index of the next frame `read` returns.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Reads up to `frames` frames (fewer at the end of the file) into a new interleaved vector.
    /// For short material held whole in memory (demos, analysis); streaming code uses [`Self::read`].
    pub fn read_frames(&mut self, frames: u64) -> Result<Vec<f64>, WavError> {
        let ch = usize::from(self.info().channels);
        let mut out = vec![0.0; frames as usize * ch];
        let mut done = 0;
        while done < out.len() {
            let n = self.read(&mut out[done..])?;
            if n == 0 {
                break;
            }
            done += n * ch;
        }
        out.truncate(done);
        Ok(out)
    }

    /// Fills `buf` (interleaved; its length is rounded down to whole frames) and returns the number
    /// of frames read; 0 at the end of the file.
    pub fn read(&mut self, buf: &mut [f64]) -> Result<usize, WavError> {
        let ch = usize::from(self.info.channels);
        let want = (buf.len() / ch).min((self.info.frames - self.position) as usize);
        let n_bytes = want * ch * self.encoding.bytes();
        self.bytes.resize(n_bytes, 0);
        self.reader.read_exact(&mut self.bytes).map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                WavError::Truncated {
                    path: self.path.clone(),
                    part: "data",
                    detail: "the file ends mid-sample".into(),
                }
            } else {
                WavError::Read {
                    path: self.path.clone(),
                    source: e,
                }
            }
        })?;
        pcm::decode(self.encoding, &self.bytes, &mut buf[..want * ch]);
        self.position += want as u64;
        Ok(want)
    }

    /// Like [`read`](Self::read) but into f32 (for playback buffers).
    pub fn read_f32(&mut self, buf: &mut [f32], scratch: &mut Vec<f64>) -> Result<usize, WavError> {
        scratch.resize(buf.len(), 0.0);
        let n = self.read(scratch)?;
        let ch = usize::from(self.info.channels);
        for (o, i) in buf[..n * ch].iter_mut().zip(scratch.iter()) {
            *o = *i as f32;
        }
        Ok(n)
    }

    /// Moves to frame `frame` (clamped to the end).
    pub fn seek(&mut self, frame: u64) -> Result<(), WavError> {
        let frame = frame.min(self.info.frames);
        let offset =
            self.data_start + frame * u64::from(self.info.channels) * self.encoding.bytes() as u64;
        self.reader
            .seek(SeekFrom::Start(offset))
            .map_err(|source| WavError::Read {
                path: self.path.clone(),
                source,
            })?;
        self.position = frame;
        Ok(())
    }
}

/// hound reports a short read either as `UnexpectedEof` or as a plain error "Failed to read enough bytes".
fn is_eof(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::UnexpectedEof || e.to_string().contains("enough bytes")
}

fn header_error(path: &Path, e: hound::Error) -> WavError {
    let path = path.to_path_buf();
    match e {
        hound::Error::IoError(e) if is_eof(&e) => WavError::Truncated {
            path,
            part: "header",
            detail: "the file ends before the audio data starts".into(),
        },
        hound::Error::IoError(source) => WavError::Read { path, source },
        hound::Error::FormatError(m) if m.contains("RIFF") || m.contains("WAVE") => {
            WavError::NotWav {
                path,
                detail: format!("{m}; is it another format renamed to .wav?"),
            }
        }
        hound::Error::FormatError(m) if m.contains("zero channels") => WavError::Unsupported {
            path,
            detail: "the header says 0 channels".into(),
        },
        hound::Error::FormatError(m) => WavError::Unsupported {
            path,
            detail: format!("malformed header: {m}"),
        },
        hound::Error::Unsupported => WavError::Unsupported {
            path,
            detail: "compressed or unknown encoding (e.g. ADPCM, mu-law, A-law)".into(),
        },
        other => WavError::Unsupported {
            path,
            detail: other.to_string(),
        },
    }
}

fn validate_spec(path: &Path, spec: &WavSpec) -> Result<(), WavError> {
    let bad = |detail: String| {
        Err(WavError::Unsupported {
            path: path.to_path_buf(),
            detail,
        })
    };
    if spec.channels == 0 {
        return bad("the header says 0 channels".into());
    }
    if spec.channels > MAX_CHANNELS {
        return bad(format!("{} channels", spec.channels));
    }
    if !(MIN_RATE..=MAX_RATE).contains(&spec.sample_rate) {
        return bad(format!("sample rate {} Hz", spec.sample_rate));
    }
    match (spec.sample_format, spec.bits_per_sample) {
        (SampleFormat::Int, 8 | 16 | 24 | 32) | (SampleFormat::Float, 32) => Ok(()),
        (SampleFormat::Float, b) => bad(format!("{b}-bit float")),
        (SampleFormat::Int, b) => bad(format!("{b}-bit integer")),
    }
}
