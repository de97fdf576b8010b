//! Every compressed format through symphonia: FLAC, MP3, Ogg Vorbis, AAC and ALAC in MP4.
//!
//! Gapless: symphonia's demuxers put the encoder delay and padding into each packet's
//! `trim_start`/`trim_end` (MP3 from the LAME/Xing header, Vorbis from its granule positions) and
//! its decoders cut them from the decoded buffers. An MP3 made from a WAV by LAME (ffmpeg's
//! libmp3lame) then lines up with its source sample for sample (tested). symphonia 0.6 parses but
//! does not apply MP4's edit list, so for MP4 the frames to present come from [`super::mp4_gapless`]
//! (the edit list, else iTunes' `iTunSMPB`) and are cut here by timestamp: an AAC .m4a made by
//! ffmpeg then has its source's length and lines up with it at lag 0 (tested). A stream (standard
//! input) cannot be searched for them and decodes untrimmed.
//!
//! Seeking: symphonia seeks to a packet at or before the target ([`SeekMode::Accurate`]); the frames
//! from there to the target are decoded and dropped, so a seek lands on the exact frame of a
//! straight decode for FLAC. Lossy decoders need what comes before (MP3's bit reservoir and
//! overlapping granules, Vorbis's overlap-add), so their seeks start 4 MP3 frames earlier and drop
//! the pre-roll; measured against a straight decode, MP3 and Vorbis seeks are then sample-exact too
//! (tests/formats/decoders.rs).

use super::input::Input;
use super::mp4_gapless::{Mp4Timing, Trim};
use super::{DecodeError, Info};
use crate::io::Tags;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use symphonia::core::codecs::audio::well_known::*;
use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, SeekMode, SeekTo, TrackType};
use symphonia::core::io::{MediaSourceStream, ReadOnlySource};
use symphonia::core::meta::{MetadataOptions, StandardTag};
use symphonia::core::units::Timestamp;

pub struct CodecReader {
    channels: usize,
    lossless: bool,
    format: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    path: PathBuf,
    /// Decoded, trimmed frames not yet handed out (interleaved) and how far they are consumed.
    pending: Vec<f64>,
    pending_at: usize,
    scratch: Vec<f64>,
    /// Frames before this timestamp are dropped (after a seek).
    skip_until: i64,
    /// Timestamps presented: [start, end) (the whole stream without gapless information).
    start_ts: i64,
    end_ts: i64,
}

/// Frames decoded and dropped before a seek target in lossy formats (4 MP3 frames).
const PREROLL_FRAMES: u64 = 4 * 1152;

/// A prefix already read (the format sniff) in front of the rest of a stream.
type Chained = io::Chain<Cursor<Vec<u8>>, Input>;

impl CodecReader {
    /// The reader, what the stream holds (as far as symphonia tells) and its tags. `prefix` holds
    /// the bytes already read from a stream (empty when `input` was rewound).
    pub fn open(
        mut input: Input,
        prefix: Vec<u8>,
        path: &Path,
    ) -> Result<(Self, Info, Tags), DecodeError> {
        let p = || path.to_path_buf();
        let timing =
            mp4_timing(&mut input).map_err(|source| DecodeError::Read { path: p(), source })?;
        let mut format = probe(input, prefix, path, timing.is_some())?;
        let container = format.format_info().short_name;
        let track =
            format
                .default_track(TrackType::Audio)
                .ok_or_else(|| DecodeError::NotAudio {
                    path: p(),
                    detail: format!("a {container} file without an audio track"),
                })?;
        let track_id = track.id;
        let frames = track.num_frames;
        let params = track
            .codec_params
            .as_ref()
            .and_then(|c| c.audio())
            .cloned()
            .ok_or_else(|| DecodeError::Unsupported {
                path: p(),
                detail: format!("the {container} audio track's codec is not one iemsim decodes"),
            })?;
        let (codec, lossless) = codec_name(params.codec);
        let decoder = symphonia::default::get_codecs()
            .make_audio_decoder(&params, &AudioDecoderOptions::default())
            .map_err(|_| {
                beyond_decoder(&params, path).unwrap_or_else(|| DecodeError::Unsupported {
                    path: p(),
                    // `codec_name` knows only the codecs that decode; anything else (Opus, AC-3,
                    // ...) is named by what iemsim does read.
                    detail: format!(
                        "the audio in this {container} file uses a codec iemsim does not decode"
                    ),
                })
            })?;
        let channels = params.channels.as_ref().map_or(0, |c| c.count()) as u16;
        refuse_wrong_decodes(codec, channels, path)?;
        let sample_rate = params.sample_rate.unwrap_or(0);
        let bits = if lossless {
            params
                .bits_per_sample
                .or_else(|| alac_bits(&params))
                .unwrap_or(16) as u16
        } else {
            0
        };
        let trim = match (container, &timing) {
            ("isomp4", Some(t)) => t.trim(track_id, sample_rate),
            _ => None,
        };
        let (start_ts, end_ts, frames) = match trim {
            Some(Trim { skip, keep }) => (skip as i64, (skip + keep) as i64, Some(keep)),
            None => (0, i64::MAX, frames),
        };
        let tags = latest_tags(format.as_mut());
        let info = Info {
            channels,
            sample_rate,
            bits,
            float: false,
            frames: frames.unwrap_or(0),
            length_known: frames.is_some(),
            codec,
            container,
            lossless,
            channel_mask: 0,
        };
        let reader = Self {
            channels: usize::from(channels).max(1),
            lossless,
            format,
            decoder,
            track_id,
            path: p(),
            pending: Vec::new(),
            pending_at: 0,
            scratch: Vec::new(),
            skip_until: if trim.is_some() { start_ts } else { i64::MIN },
            start_ts,
            end_ts,
        };
        Ok((reader, info, tags))
    }

    /// Reads up to `buf.len() / channels` frames; 0 at the end.
    pub fn read(&mut self, buf: &mut [f64]) -> Result<usize, DecodeError> {
        let ch = self.channels;
        let want = buf.len() / ch * ch;
        let mut done = 0;
        while done < want {
            if self.pending_at < self.pending.len() {
                let n = (self.pending.len() - self.pending_at).min(want - done);
                buf[done..done + n]
                    .copy_from_slice(&self.pending[self.pending_at..self.pending_at + n]);
                self.pending_at += n;
                done += n;
                continue;
            }
            if !self.decode_next()? {
                break;
            }
        }
        Ok(done / ch)
    }

    /// Decodes the next packet into `pending`; false at the end of the stream.
    fn decode_next(&mut self) -> Result<bool, DecodeError> {
        let ch = self.channels;
        loop {
            let packet = match self.format.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) => return Ok(false),
                Err(SymError::ResetRequired) => return Ok(false),
                Err(SymError::IoError(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    return Ok(false)
                }
                Err(e) => return Err(self.error(e, "reading")),
            };
            if packet.track_id != self.track_id {
                continue;
            }
            let buf = self
                .decoder
                .decode(&packet)
                .map_err(|e| Self::error_at(&self.path, e, "decoding"))?;
            let frames = buf.frames();
            buf.copy_to_vec_interleaved::<f64>(&mut self.scratch);
            // The decoder has already cut `trim_start`/`trim_end` (the delay and padding) from
            // the buffer, so its first frame has the timestamp pts + trim_start.
            let first_ts = packet.pts.get() + packet.trim_start.get() as i64;
            if first_ts >= self.end_ts {
                return Ok(false);
            }
            let drop = (self.skip_until.saturating_sub(first_ts)).clamp(0, frames as i64) as usize;
            let keep = (self.end_ts.saturating_sub(first_ts)).clamp(0, frames as i64) as usize;
            self.pending.clear();
            if drop < keep {
                self.pending
                    .extend_from_slice(&self.scratch[drop * ch..keep * ch]);
            }
            self.pending_at = 0;
            if !self.pending.is_empty() {
                self.skip_until = i64::MIN;
                return Ok(true);
            }
        }
    }

    /// The number of frames, counted from the packets' durations (demuxing only, no decoding),
    /// for a file whose header does not say (a FLAC written to a pipe, a cut Ogg); then back to
    /// the start. Only for seekable input.
    pub fn count_frames(&mut self) -> Result<u64, DecodeError> {
        let mut frames: u64 = 0;
        loop {
            let packet = match self.format.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) | Err(SymError::ResetRequired) => break,
                Err(SymError::IoError(e)) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(self.error(e, "reading")),
            };
            // `dur` counts the frames presented (the decoder's delay and padding trimmed).
            if packet.track_id == self.track_id {
                frames += packet.dur.get();
            }
        }
        self.seek(0)?;
        Ok(frames)
    }

    pub fn seek(&mut self, frame: u64) -> Result<(), DecodeError> {
        // Lossy decoders need the frames before the target (MP3's bit reservoir and overlapping
        // granules, Vorbis's overlap-add): start this far earlier and drop the rest.
        let preroll = if self.lossless { 0 } else { PREROLL_FRAMES };
        // Frame 0 is the first one presented (after an MP4's priming frames).
        let target = (frame as i64).saturating_add(self.start_ts);
        let ts = Timestamp::new(target.saturating_sub(preroll as i64).max(0));
        self.format
            .seek(
                SeekMode::Accurate,
                SeekTo::Timestamp {
                    ts,
                    track_id: self.track_id,
                },
            )
            .map_err(|e| self.error(e, "seeking"))?;
        self.decoder.reset();
        self.pending.clear();
        self.pending_at = 0;
        self.skip_until = target;
        Ok(())
    }

    fn error(&self, e: SymError, doing: &str) -> DecodeError {
        Self::error_at(&self.path, e, doing)
    }

    fn error_at(path: &Path, e: SymError, doing: &str) -> DecodeError {
        let path = path.to_path_buf();
        match e {
            SymError::IoError(source) if is_machine(&source) => DecodeError::Read { path, source },
            // The demuxer's or codec's own "unexpected end of bitstream", a box size past the
            // end: the file's bytes are damaged (14 of 200 AAC and 81 of 200 ALAC mutants
            // exited 1, a machine failure, for this).
            SymError::IoError(source) => DecodeError::Corrupt {
                path,
                detail: format!("{doing}: {source}"),
            },
            SymError::DecodeError(m) => DecodeError::Corrupt {
                path,
                detail: format!("{doing}: {m}"),
            },
            SymError::Unsupported(m) => DecodeError::Unsupported {
                path,
                detail: m.to_string(),
            },
            other => DecodeError::Corrupt {
                path,
                detail: format!("{doing}: {other}"),
            },
        }
    }
}

/// The container of `input` as symphonia recognises it (by its bytes, the extension a hint);
/// `is_mp4`: it starts as an MP4 does, so a failure is a damaged MP4, not another format.
fn probe(
    input: Input,
    prefix: Vec<u8>,
    path: &Path,
    is_mp4: bool,
) -> Result<Box<dyn FormatReader>, DecodeError> {
    let streamed = matches!(input, Input::Stream(_));
    let mss = match input {
        Input::File(f) => MediaSourceStream::new(Box::new(f.into_inner()), Default::default()),
        Input::Memory(c) => MediaSourceStream::new(Box::new(c), Default::default()),
        s @ Input::Stream(_) => {
            let chained: Chained = Cursor::new(prefix).chain(s);
            MediaSourceStream::new(Box::new(ReadOnlySource::new(chained)), Default::default())
        }
    };
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| match e {
            SymError::IoError(source) if is_machine(&source) => {
                DecodeError::Read { path: path.to_path_buf(), source }
            }
            // It starts as an MP4 does (`ftyp`), so it is one whose boxes are damaged.
            e if is_mp4 => DecodeError::Corrupt {
                path: path.to_path_buf(),
                detail: format!("an MP4 file whose boxes do not parse ({e})"),
            },
            _ => DecodeError::NotAudio {
                path: path.to_path_buf(),
                detail: format!(
                    "no format iemsim reads (WAV, FLAC, MP3, Ogg Vorbis, AAC/ALAC in MP4) was recognised{}",
                    if streamed {
                        "; a stream of MP4 (.m4a) needs its index first (ffmpeg -movflags \
                         +faststart), else save it to a file"
                    } else {
                        ""
                    }
                ),
            },
        })
}

/// The newest tags the container holds.
fn latest_tags(format: &mut dyn FormatReader) -> Tags {
    let mut tags = Tags::default();
    if let Some(rev) = format.metadata().skip_to_latest() {
        for t in rev.media.tags.iter().filter_map(|t| t.std.as_ref()) {
            let (slot, v) = match t {
                StandardTag::TrackTitle(v) => (&mut tags.title, v.to_string()),
                StandardTag::Artist(v) => (&mut tags.artist, v.to_string()),
                StandardTag::Album(v) => (&mut tags.album, v.to_string()),
                StandardTag::RecordingDate(v) | StandardTag::ReleaseDate(v) => {
                    (&mut tags.date, v.to_string())
                }
                StandardTag::Genre(v) => (&mut tags.genre, v.to_string()),
                StandardTag::Comment(v) => (&mut tags.comment, v.to_string()),
                StandardTag::TrackNumber(n) => (&mut tags.track, n.to_string()),
                StandardTag::Encoder(v) => (&mut tags.software, v.to_string()),
                _ => continue,
            };
            slot.get_or_insert(v);
        }
    }
    tags
}

/// An I/O error the operating system reported (EIO, ENOSPC…) is the machine's failure; one a
/// parser made up (it has no OS error code) describes the bytes it was reading.
fn is_machine(e: &io::Error) -> bool {
    e.raw_os_error().is_some()
}

/// The MP4 timing boxes of a file or of bytes in memory (any input that starts with an `ftyp`
/// box), read before symphonia takes the input; the input is left at its start.
fn mp4_timing(input: &mut Input) -> io::Result<Option<Mp4Timing>> {
    let len = match (input.is_seekable(), input.len()) {
        (true, Some(len)) => len,
        _ => return Ok(None),
    };
    let mut head = [0u8; 8];
    let n = input.read(&mut head)?;
    let timing = (n == 8 && &head[4..] == b"ftyp").then(|| Mp4Timing::read(input, len));
    input.seek(SeekFrom::Start(0))?;
    Ok(timing)
}

/// Why symphonia's decoder refused a codec iemsim reads, when it is a limit of that decoder:
/// its AAC decoder takes AAC-LC in 1024-frame packets, mono or stereo (`AacDecoder::try_new`).
/// A 5.1 AAC .m4a was said to use "a codec iemsim does not decode".
fn beyond_decoder(
    params: &symphonia::core::codecs::audio::AudioCodecParameters,
    path: &Path,
) -> Option<DecodeError> {
    if params.codec != CODEC_ID_AAC {
        return None;
    }
    let channels = params.channels.as_ref().map_or(0, |c| c.count());
    // AudioSpecificConfig: the object type is its first 5 bits (2 = AAC-LC, 5 = SBR, 29 = PS).
    let object_type = params
        .extra_data
        .as_deref()
        .and_then(|b| b.first())
        .map(|b| b >> 3);
    let what = if channels > 2 {
        format!("AAC with {channels} channels: iemsim's AAC decoder reads mono and stereo only")
    } else if matches!(object_type, Some(5 | 29)) {
        "HE-AAC (SBR/PS): iemsim's AAC decoder reads AAC-LC only".into()
    } else {
        "AAC other than AAC-LC with 1024-frame packets: iemsim's AAC decoder reads that only".into()
    };
    Some(DecodeError::Undecodable {
        path: path.to_path_buf(),
        detail: format!("{what}; convert it first: {}", convert_hint(path)),
    })
}

/// Refuses what symphonia decodes without an error but wrongly. Its Vorbis decoder (0.6.1)
/// writes the partition classes of a multi-channel residue of type 0/1 past each channel's slice
/// (`decode_classes` in residue.rs is handed the rest of the array), overwriting the next
/// channel's: libvorbis codes 3 or more channels that way, and every channel of a 5.1 file came
/// out with the others leaking in (signal-to-error 24 to -3 dB where ffmpeg's decode gives 35
/// to 40), with exit 0. Mono and stereo (libvorbis couples those into one type 2 residue)
/// decode right.
fn refuse_wrong_decodes(codec: &str, channels: u16, path: &Path) -> Result<(), DecodeError> {
    if codec == "Vorbis" && channels > 2 {
        return Err(DecodeError::Undecodable {
            path: path.to_path_buf(),
            detail: format!(
                "Ogg Vorbis with {channels} channels: iemsim's Vorbis decoder mixes the channels \
                 of streams with more than 2 into each other, so it does not read them; convert \
                 it first: {}",
                convert_hint(path)
            ),
        });
    }
    Ok(())
}

/// `ffmpeg -i IN IN.flac`, quoted for a shell where needed (`-`: standard input).
fn convert_hint(path: &Path) -> String {
    let quote = |p: &Path| {
        let s = p.display().to_string();
        if s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/+,:@%".contains(c))
        {
            s
        } else {
            format!("'{}'", s.replace('\'', r"'\''"))
        }
    };
    if path.as_os_str() == "-" {
        "ffmpeg -i - out.flac".into()
    } else {
        format!(
            "ffmpeg -i {} {}",
            quote(path),
            quote(&path.with_extension("flac"))
        )
    }
}

fn codec_name(id: symphonia::core::codecs::audio::AudioCodecId) -> (&'static str, bool) {
    match id {
        CODEC_ID_FLAC => ("FLAC", true),
        CODEC_ID_ALAC => ("ALAC", true),
        CODEC_ID_MP3 => ("MP3", false),
        CODEC_ID_VORBIS => ("Vorbis", false),
        CODEC_ID_AAC => ("AAC", false),
        _ => ("PCM", true),
    }
}

/// ALAC's bit depth from its magic cookie: symphonia's MP4 reader leaves `bits_per_sample` unset
/// for ALAC, and 24-bit files were then written as 16-bit when `--bits` kept "the input's".
fn alac_bits(params: &symphonia::core::codecs::audio::AudioCodecParameters) -> Option<u32> {
    if params.codec != CODEC_ID_ALAC {
        return None;
    }
    let cookie = params.extra_data.as_deref()?;
    symphonia_common::apple::audio::alac::MagicCookie::read(cookie)
        .ok()
        .map(|c| u32::from(c.bit_depth))
}
