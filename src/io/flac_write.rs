//! Streaming FLAC writing with `flacenc` (pure Rust, Apache-2.0), 16- or 24-bit.
//!
//! Why `flacenc` and why frame by frame: its top-level `encode_with_fixed_block_size` builds the
//! whole stream in memory, which a 2-hour export cannot afford; its `encode_fixed_size_frame`
//! encodes one block, so this writer keeps a single 4096-frame block buffered and writes each
//! encoded frame as it comes (memory stays constant whatever the length). The metadata is ours
//! (FLAC format specification, RFC 9639): `fLaC`, STREAMINFO (patched at the end with the
//! total length, frame sizes and the MD5 of the samples; left "unknown" on a pipe, as the
//! specification allows) and a VORBIS_COMMENT block with the input's tags.

use super::sink::{Dest, SinkSpec, Target};
use super::wav::WavError;
use super::wav_write::{OutFormat, SinkStats};
use super::Tags;
use crate::dsp::dither::Quantizer;
use flacenc::bitsink::ByteSink;
use flacenc::component::{BitRepr, StreamInfo};
use flacenc::error::Verify;
use flacenc::source::{Context, Fill, FrameBuf};
use std::io;
use std::path::Path;

/// Frames per FLAC block: the reference encoder's default at its standard levels.
const BLOCK: usize = 4096;
/// Offset of the STREAMINFO body: after `fLaC` and the 4-byte block header.
const STREAMINFO_AT: u64 = 8;

pub struct FlacSink {
    dest: Dest,
    config: flacenc::error::Verified<flacenc::config::Encoder>,
    /// Verbatim-only settings, for the frames the predictive coders make larger than raw.
    verbatim: flacenc::error::Verified<flacenc::config::Encoder>,
    info: StreamInfo,
    framebuf: FrameBuf,
    context: Context,
    quantizer: Quantizer,
    channels: usize,
    sample_rate: u32,
    bits: u16,
    pending: Vec<i32>,
    frame_bytes: ByteSink,
    frame_sizes: (usize, usize),
    stats: SinkStats,
}

impl FlacSink {
    pub fn open(target: &Target, spec: &SinkSpec) -> Result<Self, WavError> {
        let bad = |detail: String| WavError::Unsupported {
            path: target.display_path(),
            detail,
        };
        let bits = match spec.format {
            OutFormat::I16 => 16,
            OutFormat::I24 => 24,
            other => return Err(bad(format!("FLAC output cannot hold {}", other.label()))),
        };
        let ch = usize::from(spec.channels);
        let info = StreamInfo::new(spec.sample_rate as usize, ch, usize::from(bits))
            .map_err(|e| bad(format!("FLAC cannot hold this stream: {e}")))?;
        let config = flacenc::config::Encoder::default()
            .into_verified()
            .map_err(|(_, e)| bad(format!("FLAC encoder settings: {e}")))?;
        let mut raw = flacenc::config::Encoder::default();
        raw.subframe_coding.use_fixed = false;
        raw.subframe_coding.use_lpc = false;
        let verbatim = raw
            .into_verified()
            .map_err(|(_, e)| bad(format!("FLAC encoder settings: {e}")))?;
        let framebuf =
            FrameBuf::with_size(ch, BLOCK).map_err(|e| bad(format!("FLAC encoder buffer: {e}")))?;
        let mut dest = Dest::open(target)?;
        // The length, when known, is announced at once: a pipe never gets the patched version.
        let announced = Streaminfo {
            total_frames: spec.frames.unwrap_or(0),
            ..Streaminfo::default()
        };
        dest.write_all(&metadata(spec, bits, &announced))?;
        Ok(Self {
            dest,
            config,
            verbatim,
            info,
            framebuf,
            context: Context::new(usize::from(bits), ch),
            quantizer: Quantizer::new(bits, spec.dither, 0x1E45_1A00 ^ u64::from(spec.sample_rate)),
            channels: ch,
            sample_rate: spec.sample_rate,
            bits,
            pending: Vec::with_capacity(BLOCK * ch),
            frame_bytes: ByteSink::new(),
            frame_sizes: (usize::MAX, 0),
            stats: SinkStats::default(),
        })
    }

    /// Appends interleaved frames (quantised and dithered like the WAV writer's integer output).
    pub fn write(&mut self, block: &[f64]) -> Result<(), WavError> {
        self.write_inner(block, None)
    }

    /// [`Self::write`], and appends to `echo` the samples as stored (after dither and
    /// quantisation, as a decoder returns them).
    pub fn write_echo(&mut self, block: &[f64], echo: &mut Vec<f64>) -> Result<(), WavError> {
        self.write_inner(block, Some(echo))
    }

    fn write_inner(
        &mut self,
        block: &[f64],
        mut echo: Option<&mut Vec<f64>>,
    ) -> Result<(), WavError> {
        super::sink::check_finite(block, self.dest.path())?;
        let mut peak = self.stats.peak;
        let scale = 1.0 / f64::from(1u32 << (self.bits - 1));
        for &x in block {
            peak = peak.max(x.abs());
            let (v, clipped) = self.quantizer.quantize(x);
            if let Some(e) = echo.as_deref_mut() {
                e.push(f64::from(v) * scale);
            }
            self.stats.clipped += u64::from(clipped);
            self.pending.push(v);
            if self.pending.len() == BLOCK * self.channels {
                self.encode_pending()?;
            }
        }
        self.stats.peak = peak;
        self.stats.frames += (block.len() / self.channels) as u64;
        Ok(())
    }

    fn encode_pending(&mut self) -> Result<(), WavError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let fail = |e: String| io::Error::other(format!("FLAC encoder: {e}"));
        (&mut self.framebuf, &mut self.context)
            .fill_interleaved(&self.pending)
            .map_err(|e| self.dest.err(fail(e.to_string())))?;
        let n = self.context.current_frame_number().unwrap_or(0);
        self.encode_frame(n, false)?;
        // flacenc 0.5 limits Rice parameters to 14 (no RICE2 partitions), and its size estimate
        // misses what that costs on loud, noisy 24-bit blocks: such a frame came out 7x larger
        // than the raw samples, and ffmpeg refused the file. Never let a frame exceed raw PCM.
        let raw_bytes = self.pending.len() * usize::from(self.bits) / 8 + 64;
        if self.frame_bytes.as_slice().len() > raw_bytes {
            self.encode_frame(n, true)?;
        }
        let bytes = self.frame_bytes.as_slice();
        self.frame_sizes.0 = self.frame_sizes.0.min(bytes.len());
        self.frame_sizes.1 = self.frame_sizes.1.max(bytes.len());
        self.dest.write_all(bytes)?;
        self.pending.clear();
        Ok(())
    }

    /// Encodes the filled frame buffer as frame `n` into `frame_bytes`.
    fn encode_frame(&mut self, n: usize, verbatim: bool) -> Result<(), WavError> {
        let fail = |e: String| io::Error::other(format!("FLAC encoder: {e}"));
        let config = if verbatim {
            &self.verbatim
        } else {
            &self.config
        };
        let frame = flacenc::encode_fixed_size_frame(config, &self.framebuf, n, &self.info)
            .map_err(|e| self.dest.err(fail(e.to_string())))?;
        self.frame_bytes.clear();
        frame
            .write(&mut self.frame_bytes)
            .map_err(|e| self.dest.err(fail(e.to_string())))?;
        Ok(())
    }

    /// Encodes the last (short) block, completes STREAMINFO and gives the file its final name.
    pub fn finish(mut self) -> Result<SinkStats, WavError> {
        self.encode_pending()?;
        let si = Streaminfo {
            frame_sizes: if self.frame_sizes.1 == 0 {
                (0, 0)
            } else {
                self.frame_sizes
            },
            total_frames: self.stats.frames,
            md5: self.context.md5_digest(),
        };
        let body = streaminfo(self.sample_rate, self.channels, self.bits, &si);
        self.dest.finish(&[(STREAMINFO_AT, body.to_vec())])?;
        Ok(self.stats)
    }

    pub fn path(&self) -> &Path {
        self.dest.path()
    }
}

/// The STREAMINFO fields known only at the end; all zero means "unknown" (a pipe).
#[derive(Default)]
struct Streaminfo {
    frame_sizes: (usize, usize),
    total_frames: u64,
    md5: [u8; 16],
}

/// The 34-byte STREAMINFO body (RFC 9639 section 8.2).
fn streaminfo(rate: u32, channels: usize, bits: u16, si: &Streaminfo) -> [u8; 34] {
    let mut b = [0u8; 34];
    b[0..2].copy_from_slice(&(BLOCK as u16).to_be_bytes());
    b[2..4].copy_from_slice(&(BLOCK as u16).to_be_bytes());
    b[4..7].copy_from_slice(&(si.frame_sizes.0 as u32).to_be_bytes()[1..]);
    b[7..10].copy_from_slice(&(si.frame_sizes.1 as u32).to_be_bytes()[1..]);
    // 20 bits rate, 3 bits channels - 1, 5 bits bits - 1, 36 bits total samples.
    let packed: u64 = (u64::from(rate) << 44)
        | (((channels as u64) - 1) << 41)
        | ((u64::from(bits) - 1) << 36)
        | (si.total_frames & ((1 << 36) - 1));
    b[10..18].copy_from_slice(&packed.to_be_bytes());
    b[18..34].copy_from_slice(&si.md5);
    b
}

/// `fLaC`, STREAMINFO and VORBIS_COMMENT (the last metadata block).
fn metadata(spec: &SinkSpec, bits: u16, si: &Streaminfo) -> Vec<u8> {
    let mut b = b"fLaC".to_vec();
    b.extend_from_slice(&[0, 0, 0, 34]); // STREAMINFO, not last
    b.extend_from_slice(&streaminfo(
        spec.sample_rate,
        usize::from(spec.channels),
        bits,
        si,
    ));
    let vc = vorbis_comment(&spec.tags);
    let len = (vc.len() as u32).to_be_bytes();
    b.extend_from_slice(&[0x80 | 4, len[1], len[2], len[3]]); // VORBIS_COMMENT, last
    b.extend_from_slice(&vc);
    b
}

/// A Vorbis comment block (Vorbis I specification section 5; little-endian lengths), with the
/// field names players read: TITLE, ARTIST, ALBUM, DATE, GENRE, COMMENT, TRACKNUMBER.
fn vorbis_comment(tags: &Tags) -> Vec<u8> {
    let vendor = concat!("iemsim ", env!("CARGO_PKG_VERSION"));
    let fields: Vec<String> = [
        ("TITLE", &tags.title),
        ("ARTIST", &tags.artist),
        ("ALBUM", &tags.album),
        ("DATE", &tags.date),
        ("GENRE", &tags.genre),
        ("COMMENT", &tags.comment),
        ("TRACKNUMBER", &tags.track),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
    .collect();
    let mut b = Vec::new();
    b.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
    b.extend_from_slice(vendor.as_bytes());
    b.extend_from_slice(&(fields.len() as u32).to_le_bytes());
    for f in fields {
        b.extend_from_slice(&(f.len() as u32).to_le_bytes());
        b.extend_from_slice(f.as_bytes());
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-packed from RFC 9639's bit layout: 44100 Hz, 2 ch, 16 bits, 1000 frames.
    #[test]
    fn streaminfo_bit_layout() {
        let si = Streaminfo {
            frame_sizes: (10, 0x01_0203),
            total_frames: 1000,
            md5: [7; 16],
        };
        let b = streaminfo(44_100, 2, 16, &si);
        assert_eq!(&b[..10], &[0x10, 0, 0x10, 0, 0, 0, 10, 1, 2, 3]);
        // 44100 = 0x0AC44 -> 0A C4 4|0 then ch-1 = 1 (3 bits), bps-1 = 15 (5 bits): 0010 1111 ...
        assert_eq!(&b[10..18], &[0x0A, 0xC4, 0x42, 0xF0, 0, 0, 0x03, 0xE8]);
        assert_eq!(&b[18..], &[7; 16]);
    }
}
