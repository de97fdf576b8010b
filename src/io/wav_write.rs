//! Streaming WAV writing, as f64 frames in [-1, 1): the writer half of the WAV edge (the reader
//! lives in `wav.rs`).
//!
//! Memory stays bounded whatever the file length: callers push fixed-size blocks.

use super::atomic::TempFile;
use super::pcm::{self, Encoding};
use super::wav::WavError;
use crate::dsp::dither::{Dither, Quantizer};
use hound::{SampleFormat, WavSpec};
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
///
/// hound writes the header; the samples are encoded in bulk (see `pcm`) and the two size fields are
/// patched when finishing.
pub struct WavSink {
    out: Option<BufWriter<File>>,
    tmp: Option<TempFile>,
    dest: PathBuf,
    replace: bool,
    encoding: Encoding,
    channels: u16,
    header_len: u64,
    data_bytes: u64,
    quantizer: Quantizer,
    bytes: Vec<u8>,
    stats: SinkStats,
}

/// RIFF sizes are 32-bit: a WAV file cannot exceed 4 GiB.
const MAX_RIFF_BYTES: u64 = u32::MAX as u64;

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
        let werr = |source| WavError::Write { path: d(), source };
        let dir = super::atomic::parent_dir(dest);
        if !dir.is_dir() {
            return Err(WavError::NoFolder { path: d() });
        }
        if dest.is_dir() {
            return Err(werr(io::Error::other("is a folder")));
        }
        if !replace && dest.exists() {
            return Err(WavError::Exists { path: d() });
        }
        let (tmp, mut file) = TempFile::create(dest).map_err(werr)?;
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
        hound::WavWriter::new(&mut file, spec)
            .and_then(|w| w.finalize())
            .map_err(|e| werr(hound_io(e)))?;
        let header_len = file.seek(SeekFrom::End(0)).map_err(werr)?;
        let encoding = match format {
            OutFormat::I16 => Encoding::I16,
            OutFormat::I24 => Encoding::I24,
            OutFormat::I32 => Encoding::I32,
            OutFormat::F32 => Encoding::F32,
        };
        // A fixed seed: the same export twice gives identical files.
        let quantizer = Quantizer::new(format.bits(), dither, 0x1E45_1A00 ^ u64::from(sample_rate));
        Ok(Self {
            out: Some(BufWriter::with_capacity(1 << 20, file)),
            tmp: Some(tmp),
            dest: d(),
            replace,
            encoding,
            channels,
            header_len,
            data_bytes: 0,
            quantizer,
            bytes: Vec::new(),
            stats: SinkStats::default(),
        })
    }

    /// Appends interleaved frames.
    pub fn write(&mut self, block: &[f64]) -> Result<(), WavError> {
        let Some(out) = self.out.as_mut() else {
            return Ok(());
        };
        let st = pcm::encode(self.encoding, block, &mut self.quantizer, &mut self.bytes);
        let werr = |source| WavError::Write {
            path: self.dest.clone(),
            source,
        };
        if self.header_len + self.data_bytes + self.bytes.len() as u64 > MAX_RIFF_BYTES {
            return Err(werr(io::Error::other(
                "the output would exceed the 4 GiB limit of WAV files",
            )));
        }
        out.write_all(&self.bytes).map_err(werr)?;
        self.data_bytes += self.bytes.len() as u64;
        self.stats.peak = self.stats.peak.max(st.peak);
        self.stats.clipped += st.clipped;
        self.stats.frames += (block.len() / usize::from(self.channels)) as u64;
        Ok(())
    }

    /// Patches the header sizes, flushes to disk and moves the file to its final name.
    pub fn finish(mut self) -> Result<SinkStats, WavError> {
        let d = self.dest.clone();
        let werr = |source| WavError::Write {
            path: d.clone(),
            source,
        };
        if let Some(out) = self.out.take() {
            let mut file = out.into_inner().map_err(|e| werr(e.into_error()))?;
            let total = self.header_len + self.data_bytes;
            // Sizes fit in u32: `write` refuses to grow past MAX_RIFF_BYTES.
            file.seek(SeekFrom::Start(4)).map_err(werr)?;
            file.write_all(&((total - 8) as u32).to_le_bytes())
                .map_err(werr)?;
            file.seek(SeekFrom::Start(self.header_len - 4))
                .map_err(werr)?;
            file.write_all(&(self.data_bytes as u32).to_le_bytes())
                .map_err(werr)?;
            // Data on disk before the rename makes it visible: a crash never leaves a
            // complete-looking name over incomplete data.
            file.sync_all().map_err(werr)?;
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
