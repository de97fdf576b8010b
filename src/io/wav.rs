//! Streaming WAV reading and writing with `hound`, as f64 frames in [-1, 1).
//!
//! Memory stays bounded whatever the file length: callers pull and push fixed-size blocks.
//! Every error names the file and says what is wrong in words a user can act on.

use super::atomic::TempFile;
use crate::dsp::dither::{Dither, Quantizer};
use hound::{SampleFormat, WavSpec};
use serde::Serialize;
use std::fs::File;
use std::io::{self, BufReader, BufWriter};
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
    /// Parses `16`, `24`, `32` or `32f`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "16" => Some(Self::I16),
            "24" => Some(Self::I24),
            "32" => Some(Self::I32),
            "32f" | "f32" | "float" => Some(Self::F32),
            _ => None,
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

/// Reads a WAV file block by block as f64 frames.
pub struct WavSource {
    reader: hound::WavReader<BufReader<File>>,
    info: WavInfo,
    path: PathBuf,
    scale: f64,
    position: u64,
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
        let reader = hound::WavReader::new(BufReader::with_capacity(1 << 16, file))
            .map_err(|e| header_error(path, e))?;
        let spec = reader.spec();
        validate_spec(path, &spec)?;
        let bytes_per_sample = u64::from(spec.bits_per_sample.div_ceil(8));
        let samples = u64::from(reader.len());
        let frames = samples / u64::from(spec.channels);
        // hound trusts the header's data length; a file cut short is caught here, before any work.
        let needed = samples * bytes_per_sample;
        if needed > file_len {
            let held = file_len / (bytes_per_sample * u64::from(spec.channels));
            return Err(WavError::Truncated {
                path: p(),
                part: "data",
                detail: format!(
                    "the header announces {frames} frames but the file holds at most {held}"
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
        let scale = if info.float {
            1.0
        } else {
            1.0 / 2f64.powi(i32::from(spec.bits_per_sample) - 1)
        };
        Ok(Self {
            reader,
            info,
            path: p(),
            scale,
            position: 0,
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

    /// Fills `buf` (interleaved; its length is rounded down to whole frames) and returns the number
    /// of frames read; 0 at the end of the file.
    pub fn read(&mut self, buf: &mut [f64]) -> Result<usize, WavError> {
        let ch = usize::from(self.info.channels);
        let want = (buf.len() / ch).min((self.info.frames - self.position) as usize);
        let out = &mut buf[..want * ch];
        if self.info.float {
            let mut it = self.reader.samples::<f32>();
            for v in out.iter_mut() {
                *v = f64::from(next_sample(&mut it, &self.path)?);
            }
        } else {
            let scale = self.scale;
            let mut it = self.reader.samples::<i32>();
            for v in out.iter_mut() {
                *v = f64::from(next_sample(&mut it, &self.path)?) * scale;
            }
        }
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
        let t = u32::try_from(frame).unwrap_or(u32::MAX);
        self.reader.seek(t).map_err(|source| WavError::Read {
            path: self.path.clone(),
            source,
        })?;
        self.position = frame;
        Ok(())
    }
}

fn next_sample<S: hound::Sample>(
    it: &mut impl Iterator<Item = hound::Result<S>>,
    path: &Path,
) -> Result<S, WavError> {
    match it.next() {
        Some(Ok(v)) => Ok(v),
        Some(Err(hound::Error::IoError(e))) if e.kind() == io::ErrorKind::UnexpectedEof => {
            Err(WavError::Truncated {
                path: path.to_path_buf(),
                part: "data",
                detail: "the file ends mid-sample".into(),
            })
        }
        Some(Err(hound::Error::IoError(source))) => Err(WavError::Read {
            path: path.to_path_buf(),
            source,
        }),
        Some(Err(e)) => Err(WavError::Unsupported {
            path: path.to_path_buf(),
            detail: e.to_string(),
        }),
        None => Err(WavError::Truncated {
            path: path.to_path_buf(),
            part: "data",
            detail: "fewer samples than the header announces".into(),
        }),
    }
}

fn header_error(path: &Path, e: hound::Error) -> WavError {
    let path = path.to_path_buf();
    match e {
        hound::Error::IoError(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            WavError::Truncated {
                path,
                part: "header",
                detail: "the file ends before the audio data starts".into(),
            }
        }
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

/// Level statistics of what was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct SinkStats {
    /// Largest |sample| before quantisation (1.0 = 0 dBFS).
    pub peak: f64,
    /// Samples that exceeded full scale (clipped for integer output; left over 0 dBFS in float).
    pub clipped: u64,
    pub frames: u64,
}

impl SinkStats {
    pub fn peak_dbfs(&self) -> f64 {
        20.0 * self.peak.log10()
    }
}

/// Writes a WAV file atomically: to a temporary file beside `dest`, renamed on [`finish`](Self::finish).
pub struct WavSink {
    writer: Option<hound::WavWriter<BufWriter<File>>>,
    tmp: Option<TempFile>,
    dest: PathBuf,
    replace: bool,
    format: OutFormat,
    channels: u16,
    quantizer: Quantizer,
    stats: SinkStats,
}

impl WavSink {
    /// Fails at once if `dest` exists (without `replace`) or its folder does not.
    pub fn create(
        dest: &Path,
        channels: u16,
        sample_rate: u32,
        format: OutFormat,
        dither: Dither,
        replace: bool,
    ) -> Result<Self, WavError> {
        let d = || dest.to_path_buf();
        let dir = super::atomic::parent_dir(dest);
        if !dir.is_dir() {
            return Err(WavError::NoFolder { path: d() });
        }
        if dest.is_dir() {
            return Err(WavError::Write {
                path: d(),
                source: io::Error::other("is a folder"),
            });
        }
        if !replace && dest.exists() {
            return Err(WavError::Exists { path: d() });
        }
        let (tmp, file) =
            TempFile::create(dest).map_err(|source| WavError::Write { path: d(), source })?;
        let spec = WavSpec {
            channels,
            sample_rate,
            bits_per_sample: format.bits(),
            sample_format: if format.is_float() {
                SampleFormat::Float
            } else {
                SampleFormat::Int
            },
        };
        let writer =
            hound::WavWriter::new(BufWriter::with_capacity(1 << 16, file), spec).map_err(|e| {
                WavError::Write {
                    path: d(),
                    source: hound_io(e),
                }
            })?;
        // A fixed seed: the same export twice gives identical files.
        let quantizer = Quantizer::new(format.bits(), dither, 0x1E45_1A00 ^ u64::from(sample_rate));
        Ok(Self {
            writer: Some(writer),
            tmp: Some(tmp),
            dest: d(),
            replace,
            format,
            channels,
            quantizer,
            stats: SinkStats::default(),
        })
    }

    /// Appends interleaved frames.
    pub fn write(&mut self, block: &[f64]) -> Result<(), WavError> {
        let Some(w) = self.writer.as_mut() else {
            return Ok(());
        };
        let mut peak = self.stats.peak;
        let mut clipped = 0u64;
        let res = if self.format.is_float() {
            block.iter().try_for_each(|&x| {
                let a = x.abs();
                peak = peak.max(a);
                clipped += u64::from(a > 1.0);
                w.write_sample(x as f32)
            })
        } else {
            let q = &mut self.quantizer;
            block.iter().try_for_each(|&x| {
                peak = peak.max(x.abs());
                let (v, c) = q.quantize(x);
                clipped += u64::from(c);
                w.write_sample(v)
            })
        };
        res.map_err(|e| WavError::Write {
            path: self.dest.clone(),
            source: hound_io(e),
        })?;
        self.stats.peak = peak;
        self.stats.clipped += clipped;
        self.stats.frames += (block.len() / usize::from(self.channels)) as u64;
        Ok(())
    }

    /// Finishes the header, flushes to disk and moves the file to its final name.
    pub fn finish(mut self) -> Result<SinkStats, WavError> {
        let d = self.dest.clone();
        let werr = |source| WavError::Write {
            path: d.clone(),
            source,
        };
        if let Some(w) = self.writer.take() {
            w.finalize().map_err(|e| werr(hound_io(e)))?;
            if let Some(tmp) = &self.tmp {
                // Data on disk before the rename makes it visible: a crash never leaves a
                // complete-looking name over incomplete data.
                File::open(tmp.path())
                    .and_then(|f| f.sync_all())
                    .map_err(werr)?;
            }
        }
        if let Some(tmp) = self.tmp.take() {
            tmp.commit(self.replace).map_err(|e| {
                if e.kind() == io::ErrorKind::AlreadyExists {
                    WavError::Exists { path: d.clone() }
                } else {
                    werr(e)
                }
            })?;
        }
        Ok(self.stats)
    }
}

fn hound_io(e: hound::Error) -> io::Error {
    match e {
        hound::Error::IoError(e) => e,
        other => io::Error::other(other.to_string()),
    }
}
