//! Streaming WAV writing, as f64 frames in [-1, 1): the writer half of the WAV edge (the reader
//! lives in `wav.rs`).
//!
//! Memory stays bounded whatever the file length: callers push fixed-size blocks.

use super::pcm::{self, Encoding};
use super::sink_types::{check_finite, Dest, OutFormat, SinkSpec, SinkStats, Target};
use super::wav::WavError;
use super::wav_header::{Header, HeaderSpec, MAX_RIFF_BYTES};
use super::Tags;
use crate::dsp::dither::{Dither, Quantizer};
use std::io;
use std::path::Path;

/// Why a WAV file cannot take more.
const TOO_BIG: &str = "the output would exceed the 4 GiB limit of WAV files";

/// Writes a WAV file atomically (to a temporary file, given its name on [`finish`](Self::finish)),
/// or a streamed WAV to standard output. The header is ours (see `wav_header`: the `fmt ` form
/// each format calls for, `fact`, LIST/INFO tags, RF64 past 4 GiB); samples are encoded in bulk
/// (see `pcm`).
pub struct WavSink {
    dest: Dest,
    header: Header,
    encoding: Encoding,
    channels: u16,
    data_bytes: u64,
    /// [`MAX_RIFF_BYTES`]; smaller in tests, to exercise RF64 without writing 4 GiB.
    riff_limit: u64,
    quantizer: Quantizer,
    bytes: Vec<u8>,
    stats: SinkStats,
}

impl WavSink {
    /// A WAV file without tags and of unknown length (room for RF64 is reserved). Fails at once if
    /// `dest` exists (without `replace`), is not a regular file, or its folder does not exist.
    pub fn create(
        dest: &Path,
        channels: u16,
        sample_rate: u32,
        format: OutFormat,
        dither: Dither,
        replace: bool,
    ) -> Result<Self, WavError> {
        let target = Target::File {
            path: dest.to_path_buf(),
            replace,
        };
        let spec = SinkSpec {
            channels,
            sample_rate,
            format,
            dither,
            channel_mask: 0,
            tags: Tags::default(),
            frames: None,
        };
        Self::open(&target, &spec)
    }

    /// Any target, with tags; `spec.frames` (when known) decides whether RF64 room is reserved.
    pub fn open(target: &Target, spec: &SinkSpec) -> Result<Self, WavError> {
        Self::open_with_limit(target, spec, MAX_RIFF_BYTES)
    }

    pub(crate) fn open_with_limit(
        target: &Target,
        spec: &SinkSpec,
        riff_limit: u64,
    ) -> Result<Self, WavError> {
        let format = spec.format;
        let encoding = match format {
            OutFormat::I16 => Encoding::I16,
            OutFormat::I24 => Encoding::I24,
            OutFormat::I32 => Encoding::I32,
            OutFormat::F32 => Encoding::F32,
        };
        let mut hspec = HeaderSpec {
            channels: spec.channels,
            sample_rate: spec.sample_rate,
            bits: format.bits(),
            float: format.is_float(),
            channel_mask: spec.channel_mask,
            tags: &spec.tags,
            reserve_ds64: false,
            streamed: *target == Target::Stdout,
        };
        let plain_len = Header::new(&hspec).bytes.len() as u64;
        let data = spec
            .frames
            .map(|f| f * u64::from(spec.channels) * encoding.bytes() as u64);
        hspec.reserve_ds64 = data.is_none_or(|d| plain_len + d + (d & 1) > riff_limit);
        let mut header = Header::new(&hspec);
        if let (true, Some(data)) = (hspec.streamed, data) {
            // A pipe cannot be patched, but the length is known: announce it exactly, which
            // readers take without the "premature EOF" / "corrupt packet" warnings that
            // 0xFFFFFFFF ("read to the end") draws from sox and ffmpeg.
            if let Some(patches) = header.finish_patches(data, riff_limit) {
                header.apply(&patches);
            }
        }
        let mut dest = Dest::open(target)?;
        dest.write_all(&header.bytes)?;
        // A fixed seed: the same export twice gives identical files.
        let quantizer = Quantizer::new(
            format.bits(),
            spec.dither,
            0x1E45_1A00 ^ u64::from(spec.sample_rate),
        );
        Ok(Self {
            dest,
            header,
            encoding,
            channels: spec.channels,
            data_bytes: 0,
            riff_limit,
            quantizer,
            bytes: Vec::new(),
            stats: SinkStats::default(),
        })
    }

    /// Appends interleaved frames.
    pub fn write(&mut self, block: &[f64]) -> Result<(), WavError> {
        check_finite(block, self.dest.path())?;
        let st = pcm::encode(self.encoding, block, &mut self.quantizer, &mut self.bytes);
        let total = self.header.bytes.len() as u64 + self.data_bytes + self.bytes.len() as u64;
        if total > self.riff_limit && !self.dest.is_stream() && !self.header.can_grow_to_rf64() {
            return Err(self.dest.err(io::Error::other(TOO_BIG)));
        }
        self.dest.write_all(&self.bytes)?;
        self.data_bytes += self.bytes.len() as u64;
        self.stats.peak = self.stats.peak.max(st.peak);
        self.stats.stored_peak = self.stats.stored_peak.max(st.stored);
        self.stats.clipped += st.clipped;
        self.stats.frames += (block.len() / usize::from(self.channels)) as u64;
        Ok(())
    }

    /// [`Self::write`], and appends to `echo` what a reader of the file gets back: the samples after
    /// dither and quantisation, decoded by the same code the WAV reader uses. Work that goes on
    /// from a written file (the demo filters its material) then needs no second decode of it.
    pub fn write_echo(&mut self, block: &[f64], echo: &mut Vec<f64>) -> Result<(), WavError> {
        self.write(block)?;
        let start = echo.len();
        echo.resize(start + block.len(), 0.0);
        pcm::decode(self.encoding, &self.bytes, &mut echo[start..]);
        Ok(())
    }

    /// Writes the pad byte, patches the sizes (RF64 if the file grew past 4 GiB), flushes to disk
    /// and gives the file its final name.
    pub fn finish(mut self) -> Result<SinkStats, WavError> {
        if self.data_bytes % 2 == 1 {
            self.dest.write_all(&[0])?;
        }
        let patches = if self.dest.is_stream() {
            Vec::new()
        } else {
            self.header
                .finish_patches(self.data_bytes, self.riff_limit)
                .ok_or_else(|| self.dest.err(io::Error::other(TOO_BIG)))?
        };
        self.dest.finish(&patches)?;
        Ok(self.stats)
    }
}

#[cfg(test)]
#[path = "wav_write_tests.rs"]
mod tests;
