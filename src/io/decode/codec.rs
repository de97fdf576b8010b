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
//! MP3 length: symphonia trims packets to the length the header gives, which without a LAME tag
//! is a bitrate estimate, and for files joined by `cat` the first part's. Such packets are kept
//! whole once the stream proves the header wrong (see [`Mp3Length`]); `Decoder` counts the length
//! of an MP3 without a LAME tag when it opens one. A lossy packet that does not decode is replaced
//! by silence ([`Damaged`]).
//!
//! Seeking: symphonia seeks to a packet at or before the target ([`SeekMode::Accurate`]); the frames
//! from there to the target are decoded and dropped, so a seek lands on the exact frame of a
//! straight decode for FLAC. Lossy decoders need what comes before (MP3's bit reservoir and
//! overlapping granules, Vorbis's overlap-add), so their seeks start 4 MP3 frames earlier and drop
//! the pre-roll; measured against a straight decode, MP3 and Vorbis seeks are then sample-exact too
//! (tests/formats/decoders.rs).

use super::input::{Bounded, Input};
use super::mp4_gapless::{Mp4Timing, Trim};
use super::{DecodeError, Info};
use crate::io::Tags;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use symphonia::core::codecs::audio::well_known::*;
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, SeekMode, SeekTo, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream, ReadOnlySource};
use symphonia::core::meta::{MetadataOptions, StandardTag};
use symphonia::core::packet::Packet;
use symphonia::core::units::{Duration, Timestamp};

pub struct CodecReader {
    channels: usize,
    /// The stream's rate (0: not given); a frame at another is not read as this one.
    rate: u32,
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
    /// MP3 only: the stream's length as symphonia took it (the Xing/LAME frame count, or an
    /// estimate from the bitrate), which it trims packets to and refuses to seek past.
    mp3: Option<Mp3Length>,
    /// The next packet of the track, read ahead (MP3: whether the stream goes on decides a trim).
    ahead: Option<Packet>,
    /// MP3 only: the padding of the packet that ends the header's length, not cut yet because
    /// packets follow it: whether the next one decodes decides ([`Self::judge_continuation`]).
    held_padding: Option<u64>,
    /// MP3 only: what followed the header's length was not audio; the stream ended there.
    ended: bool,
    /// Lossy packets that did not decode and were replaced by silence.
    pub damaged: Damaged,
    /// What the decoder was made from (a damaged frame gets a fresh one).
    params: AudioCodecParameters,
    container: &'static str,
    /// Packets decoded (or replaced) so far.
    packets: u64,
    /// FLAC only: the timestamp the next frame must have (None: anything, after a seek).
    flac_next: Option<i64>,
}

/// Packets of a lossy stream that the decoder refused (a damaged MP3 frame: a flipped bit, a
/// header that changes the channel count), each replaced by silence of its length, as ffmpeg
/// conceals them; more than [`DAMAGED_ALLOWED`] and one in twenty of the stream's packets is a
/// file too damaged to play.
#[derive(Debug, Clone, Default)]
pub struct Damaged {
    pub packets: u64,
    /// Timestamp (frames) of the first.
    pub first_ts: Option<i64>,
    /// What the decoder said of the last one.
    pub last_error: String,
    /// The decoder refused the last one (false: it decoded, to another layout than the stream's).
    pub last_refused: bool,
}

/// A lossless track's bit depth: as its parameters say, else the ALAC cookie's, else 16.
fn lossless_bits(params: &AudioCodecParameters) -> u16 {
    params
        .bits_per_sample
        .or_else(|| alac_bits(params))
        .unwrap_or(16) as u16
}

/// Tracks of formats iemsim reads that its reader still cannot, named for what they are:
/// - a track that does not say its channel count (MP3 in an MP4, as ffmpeg writes it) was called
///   corrupt ("the header says 0 channels"), which it is not;
/// - a fragmented MP4 (ffmpeg's `frag_keyframe+empty_moov`, browser recordings, CMAF) has empty
///   sample tables in its `moov` and its audio in `moof` fragments, which symphonia 0.6.1 does
///   not read: it was called empty ("no audio in it"). From a pipe (`fragmented` None: the
///   boxes were not walked) it cannot be told from an empty MP4, so both are named.
fn refuse_unreadable(
    codec: &str,
    channels: u16,
    container: &str,
    frames: Option<u64>,
    fragmented: Option<bool>,
    path: &Path,
) -> Result<(), DecodeError> {
    let what = if channels == 0 {
        format!(
            "its {codec} track does not say how many channels it has, so iemsim does not read it"
        )
    } else if container == "isomp4" && frames == Some(0) && fragmented != Some(false) {
        match fragmented {
            Some(_) => "a fragmented MP4 (its audio in fragments after the header)",
            None => "an MP4 whose header lists no audio (empty, or fragmented)",
        }
        .to_string()
            + ", which iemsim's MP4 reader does not read"
    } else {
        return Ok(());
    };
    Err(DecodeError::unsupported(path, convert_first(path, what)))
}

/// Why a decoded frame does not fit the stream (None: it does): another channel count, or
/// another sample rate (`rate` 0: the stream did not say), which would play at the wrong speed.
fn layout_fault(
    buf: &symphonia::core::audio::GenericAudioBufferRef<'_>,
    channels: usize,
    rate: u32,
) -> Option<String> {
    let (got_ch, got_rate) = (buf.num_planes(), buf.spec().rate());
    if got_ch != channels {
        Some(format!(
            "a frame of {got_ch} channels in a stream of {channels}"
        ))
    } else if rate != 0 && got_rate != rate {
        Some(format!(
            "a frame at {got_rate} Hz in a stream at {rate} Hz: files at two rates joined into one?"
        ))
    } else {
        None
    }
}

/// Damaged packets tolerated before a file counts as corrupt: this many, or one in twenty.
const DAMAGED_ALLOWED: u64 = 16;

/// The most silence one damaged packet becomes: twice the largest packet of any lossy codec
/// iemsim decodes (Vorbis's 8192-sample long block; AAC has 1024 or 2048, MP3 1152, Opus 5760).
const MAX_CONCEALED_FRAMES: usize = 16_384;

/// What an MP3's header said of its length, and whether the stream proved it wrong.
#[derive(Clone, Copy)]
struct Mp3Length {
    /// Frames symphonia believes the track has (None: it does not know).
    header_frames: Option<u64>,
    /// Keep every decoded frame: the header's count was an estimate (no LAME tag, so no padding
    /// to cut), or packets came after the end it announced (files joined with `cat`).
    untrim: bool,
}

/// Refuses an MP3 whose Xing/LAME header announces more audio than its bytes can hold at MP3's
/// lowest bitrate (8 kbit/s), with twice that as margin: the header is damaged. It was found
/// only after the whole file was decoded ("the audio ends after 89856 of the 1746283092480
/// frames its header announces"), an hour's export spent before the refusal.
fn check_mp3_length(
    frames: Option<u64>,
    rate: u32,
    file_len: Option<u64>,
    path: &Path,
) -> Result<(), DecodeError> {
    let (Some(frames), Some(len)) = (frames, file_len) else {
        return Ok(());
    };
    let announced_s = frames as f64 / f64::from(rate.max(1));
    let most_s = 2.0 * len as f64 / 1000.0;
    if announced_s <= most_s {
        return Ok(());
    }
    Err(DecodeError::corrupt(
        path,
        format!(
            "its Xing/LAME header is damaged: it announces {frames} frames ({}) in {len} bytes, more than MP3's lowest bitrate fits; convert it with a tool that ignores the header (e.g. ffmpeg -i IN.mp3 OUT.wav)",
            if announced_s < 3600.0 { format!("{announced_s:.0} s") } else { format!("{:.0} h", announced_s / 3600.0) }
        ),
    ))
}

/// Frames decoded and dropped before a seek target in lossy formats (4 MP3 frames).
const PREROLL_FRAMES: u64 = 4 * 1152;

/// A prefix already read (the format sniff) in front of the rest of a stream.
type Chained = io::Chain<Cursor<Vec<u8>>, Input>;

impl CodecReader {
    /// The reader, what the stream holds (as far as symphonia tells) and its tags. `prefix` holds
    /// the bytes already read from a stream (empty when `input` was rewound).
    /// `end`: where the audio of a seekable input ends, when bytes that are not audio follow it.
    pub fn open(
        mut input: Input,
        prefix: Vec<u8>,
        path: &Path,
        end: Option<u64>,
    ) -> Result<(Self, Info, Tags), DecodeError> {
        let timing = mp4_timing(&mut input).map_err(DecodeError::read(path))?;
        let file_len = input.len();
        let mut format = probe(input, prefix, path, timing.is_some(), end)?;
        let container = format.format_info().short_name;
        let track = format.default_track(TrackType::Audio).ok_or_else(|| {
            DecodeError::not_audio(
                path,
                format!("{} file without an audio track", container_words(container)),
            )
        })?;
        let track_id = track.id;
        let frames = track.num_frames;
        // Without a LAME tag there is no padding to cut: symphonia's count is then a bitrate
        // estimate (or a bare Xing/VBRI count), and trimming to it cut 11 % off a VBR file.
        let lame = track.delay.is_some() || track.padding.is_some();
        let params = track
            .codec_params
            .as_ref()
            .and_then(|c| c.audio())
            .cloned()
            .ok_or_else(|| {
                DecodeError::unsupported(
                    path,
                    format!("the {container} audio track's codec is not one iemsim decodes"),
                )
            })
            .map(with_aac_config_rate)?;
        let (codec, lossless) = codec_name(params.codec);
        let decoder = make_decoder(&params, container, path)?;
        let channels = params.channels.as_ref().map_or(0, |c| c.count()) as u16;
        refuse_wrong_decodes(codec, channels, path)?;
        let sample_rate = params.sample_rate.unwrap_or(0);
        let bits = if lossless { lossless_bits(&params) } else { 0 };
        let trim = match (container, &timing) {
            ("isomp4", Some(t)) => t.trim(track_id, sample_rate),
            _ => None,
        };
        let (start_ts, end_ts, frames) = match trim {
            Some(Trim { skip, keep }) => (skip as i64, (skip + keep) as i64, Some(keep)),
            None => (0, i64::MAX, frames),
        };
        let (tags, mask_comment) = latest_tags(format.as_mut());
        let channel_mask = speakers(&params, channels, mask_comment);
        if params.codec == CODEC_ID_MP3 {
            check_mp3_length(frames, sample_rate, file_len, path)?;
        }
        let mp3 = (params.codec == CODEC_ID_MP3).then_some(Mp3Length {
            header_frames: frames,
            untrim: !lame,
        });
        // An MP3 without a LAME tag, and raw AAC (ADTS), whose lengths symphonia estimates from
        // the bitrate, have them counted (`Decoder::measure_length`).
        let frames = frames.filter(|_| mp3.is_none_or(|m| !m.untrim) && container != "aac");
        let fragmented = timing.as_ref().map(|t| t.fragmented);
        refuse_unreadable(codec, channels, container, frames, fragmented, path)?;
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
            channel_mask,
        };
        let reader = Self {
            channels: usize::from(channels).max(1),
            rate: sample_rate,
            lossless,
            format,
            decoder,
            track_id,
            path: path.to_path_buf(),
            pending: Vec::new(),
            pending_at: 0,
            scratch: Vec::new(),
            skip_until: if trim.is_some() { start_ts } else { i64::MIN },
            start_ts,
            end_ts,
            mp3,
            ahead: None,
            held_padding: None,
            ended: false,
            damaged: Damaged::default(),
            packets: 0,
            flac_next: Some(0),
            params,
            container,
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
            let Some(packet) = self.next_packet()? else {
                self.judge_damage()?;
                return Ok(false);
            };
            self.packets += 1;
            let frames = self.decode_packet(&packet)?;
            let frames = self.judge_continuation(frames)?;
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

    /// After the MP3 packet that ends the header's length (`frames` decoded, its padding held,
    /// in `scratch`) when packets follow it: the next one decides. Decoded, the stream goes on
    /// (files joined with `cat`: the header's count was the first file's), and both packets are
    /// kept whole. Refused by the decoder (bytes that are not audio after the last frame, read as
    /// a frame), the stream ends where the header says: the padding is cut and the damage,
    /// being no part of the audio, is not counted (ffmpeg ignores it too). It came out as
    /// silence and the padding after the end, and a warning of a damaged packet.
    fn judge_continuation(&mut self, frames: usize) -> Result<usize, DecodeError> {
        let Some(padding) = self.held_padding.take() else {
            return Ok(frames);
        };
        let Some(mut next) = self.ahead.take() else {
            return Ok(frames);
        };
        let held = std::mem::take(&mut self.scratch);
        let damaged = self.damaged.clone();
        next.trim_end = Duration::from(0_u64);
        let more = self.decode_packet(&next)?;
        // A frame at another rate or channel count is audio (files joined with `cat`), as a
        // frame that decodes is: only one the decoder refuses is not.
        if self.damaged.packets > damaged.packets && self.damaged.last_refused {
            self.damaged = damaged;
            self.ended = true;
            let keep = frames.saturating_sub(usize::try_from(padding).unwrap_or(usize::MAX));
            self.scratch = held;
            self.scratch.truncate(keep * self.channels);
            return Ok(keep);
        }
        if let Some(mp3) = self.mp3.as_mut() {
            mp3.untrim = true;
        }
        self.packets += 1;
        let mut both = held;
        both.extend_from_slice(&self.scratch);
        self.scratch = both;
        Ok(frames + more)
    }

    /// Silence for a lossy packet that did not decode: the frames it would have presented (its
    /// delay and padding cut), counted (judged at the end of the stream).
    /// Decodes `packet` into `scratch` and returns its frames. A lossy packet that does not
    /// decode (whatever the decoder calls the fault: the file's reading is the format reader's),
    /// or decodes to another channel count or rate than the stream's (a damaged header saying
    /// mono; MP3s or ADTS files at two rates joined with `cat`, once read at the wrong speed), is
    /// a damaged frame: a fresh decoder tries it once more (one that took a damaged frame's
    /// layout refused every good frame after it), then it becomes silence ([`Self::conceal`]).
    fn decode_packet(&mut self, packet: &Packet) -> Result<usize, DecodeError> {
        let (ch, rate) = (self.channels, self.rate);
        let fault = match self.decoder.decode(packet) {
            Ok(buf) => match layout_fault(&buf, ch, rate) {
                None => {
                    buf.copy_to_vec_interleaved::<f64>(&mut self.scratch);
                    return Ok(buf.frames());
                }
                Some(fault) => fault,
            },
            Err(e) if self.lossless || matches!(e, SymError::ResetRequired) => {
                return Err(Self::error_at(&self.path, e, "decoding"))
            }
            Err(e) => e.to_string(),
        };
        if self.lossless {
            return Err(DecodeError::corrupt(
                &self.path,
                format!("decoding: {fault}"),
            ));
        }
        self.decoder = make_decoder(&self.params, self.container, &self.path)?;
        let retried = self.decoder.decode(packet);
        let refused = retried.is_err();
        if let Ok(buf) = retried {
            if layout_fault(&buf, ch, rate).is_none() {
                buf.copy_to_vec_interleaved::<f64>(&mut self.scratch);
                return Ok(buf.frames());
            }
        }
        self.damaged.last_refused = refused;
        Ok(self.conceal(packet, fault))
    }

    /// A damaged packet becomes its duration of silence, as the container gives it.
    fn conceal(&mut self, packet: &Packet, fault: String) -> usize {
        self.damaged.packets += 1;
        self.damaged.first_ts.get_or_insert(packet.pts.get());
        self.damaged.last_error = fault;
        let frames = packet
            .dur
            .get()
            .saturating_sub(packet.trim_start.get())
            .saturating_sub(packet.trim_end.get());
        // At most what any lossy codec puts in one packet: a damaged file's timing can claim
        // 2^32 frames for one packet, and that much silence once took 64 GB (an abort).
        let frames = usize::try_from(frames)
            .unwrap_or(0)
            .min(MAX_CONCEALED_FRAMES);
        self.scratch.clear();
        self.scratch.resize(frames * self.channels, 0.0);
        frames
    }

    /// At the end of the stream: refuses it when more than [`DAMAGED_ALLOWED`] of its packets,
    /// and more than one in twenty, were damaged.
    fn judge_damage(&self) -> Result<(), DecodeError> {
        let d = &self.damaged;
        if d.packets > DAMAGED_ALLOWED && d.packets * 20 > self.packets {
            return Err(DecodeError::corrupt(
                &self.path,
                format!(
                    "too damaged to decode: {} of {} packets do not decode ({})",
                    d.packets, self.packets, d.last_error
                ),
            ));
        }
        Ok(())
    }

    /// The number of frames, counted from the packets' durations (demuxing only, no decoding),
    /// for a file whose header does not say (a FLAC written to a pipe, a cut Ogg); then back to
    /// the start. Only for seekable input.
    pub fn count_frames(&mut self) -> Result<u64, DecodeError> {
        let mut frames: u64 = 0;
        // `dur` counts the frames presented (the decoder's delay and padding trimmed).
        while let Some(packet) = self.next_packet()? {
            frames += packet.dur.get();
        }
        self.seek(0)?;
        Ok(frames)
    }

    /// The next packet of the track; None at the end. An MP3 packet that the header's length
    /// trims is kept whole when the stream goes on after it: the header was wrong.
    fn next_packet(&mut self) -> Result<Option<Packet>, DecodeError> {
        if self.ended {
            return Ok(None);
        }
        let next = match self.ahead.take() {
            Some(p) => Some(p),
            None => self.next_of_track()?,
        };
        let Some(mut packet) = next else {
            return Ok(None);
        };
        let Some(mp3) = self.mp3 else {
            return Ok(Some(packet));
        };
        if !mp3.untrim && packet.trim_end.get() > 0 {
            self.ahead = self.next_of_track()?;
            if self.ahead.is_some() {
                self.held_padding = Some(packet.trim_end.get());
                packet.trim_end = Duration::from(0_u64);
            }
        }
        if mp3.untrim {
            // symphonia 0.6.1 leaves `dur` untrimmed (its `trimmed_dur` subtracts the trims it
            // had before computing them), so only the decoder's cut is undone; `trim_end` is not
            // even capped to the packet there. The frame counts are checked against ffmpeg's.
            packet.trim_end = Duration::from(0_u64);
        }
        Ok(Some(packet))
    }

    /// The format's next packet of this track; None at the end of the stream.
    fn next_of_track(&mut self) -> Result<Option<Packet>, DecodeError> {
        loop {
            let packet = match self.format.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) | Err(SymError::ResetRequired) => return Ok(None),
                Err(SymError::IoError(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    return Ok(None)
                }
                // An MP4 whose data (mdat) does not hold what its index (moov) lists: cut short
                // (its index first), or damaged.
                Err(SymError::DecodeError(m)) if self.container == "isomp4" => {
                    return Err(DecodeError::corrupt(
                        &self.path,
                        plain(format!(
                            "damaged or truncated: its audio data does not hold what its index \
                             lists ({m})"
                        )),
                    ))
                }
                Err(e) => return Err(Self::error_at(&self.path, e, "reading")),
            };
            if packet.track_id == self.track_id {
                self.check_flac_gap(&packet)?;
                return Ok(Some(packet));
            }
        }
    }

    /// symphonia skips a FLAC frame that fails its checksum without a word: the next frame's
    /// timestamp (from its frame or sample number) shows the gap. Refused, as lossless damage is.
    fn check_flac_gap(&mut self, packet: &Packet) -> Result<(), DecodeError> {
        if self.params.codec != CODEC_ID_FLAC {
            return Ok(());
        }
        let ts = packet.pts.get();
        if let Some(next) = self.flac_next.filter(|&next| ts > next) {
            let clock = |ts: i64| super::nonfinite::clock(ts.max(0) as u64, self.rate);
            return Err(DecodeError::corrupt(
                &self.path,
                format!(
                    "damaged: its FLAC frames from {} to {} fail their checksums ({} frames of \
                     audio lost)",
                    clock(next),
                    clock(ts),
                    ts - next
                ),
            ));
        }
        let dur = i64::try_from(packet.dur.get()).unwrap_or(i64::MAX);
        self.flac_next = Some(ts.saturating_add(dur));
        Ok(())
    }

    pub fn seek(&mut self, frame: u64) -> Result<(), DecodeError> {
        // Lossy decoders need the frames before the target (MP3's bit reservoir and overlapping
        // granules, Vorbis's overlap-add): start this far earlier and drop the rest.
        let preroll = if self.lossless { 0 } else { PREROLL_FRAMES };
        // Frame 0 is the first one presented (after an MP4's priming frames).
        let target = (frame as i64).saturating_add(self.start_ts);
        let mut from = target.saturating_sub(preroll as i64).max(0);
        if let Some(n) = self.mp3.and_then(|m| m.header_frames) {
            // symphonia refuses a seek past the length it took from the header; from its last
            // frames on, the frames up to the target are decoded and dropped.
            from = from.min(
                i64::try_from(n)
                    .unwrap_or(i64::MAX)
                    .saturating_sub(preroll as i64)
                    .max(0),
            );
        }
        let ts = Timestamp::new(from);
        self.format
            .seek(
                SeekMode::Accurate,
                SeekTo::Timestamp {
                    ts,
                    track_id: self.track_id,
                },
            )
            .map_err(|e| match e {
                // Past the end of a cut file (an MP3 whose header promises more): as a read
                // through it says, not symphonia's "unexpected end of file".
                SymError::IoError(err) if err.kind() == io::ErrorKind::UnexpectedEof => {
                    DecodeError::corrupt(
                        &self.path,
                        format!(
                            "damaged or truncated: the file ends before {}, which its header \
                             says it reaches",
                            super::nonfinite::clock(frame, self.rate)
                        ),
                    )
                }
                e => Self::error_at(&self.path, e, "seeking"),
            })?;
        self.decoder.reset();
        self.flac_next = None;
        self.ahead = None;
        self.held_padding = None;
        self.ended = false;
        self.pending.clear();
        self.pending_at = 0;
        self.skip_until = target;
        Ok(())
    }

    fn error_at(path: &Path, e: SymError, doing: &str) -> DecodeError {
        match e {
            SymError::IoError(source) if is_machine(&source) => DecodeError::read(path)(source),
            // The demuxer's or codec's own "unexpected end of bitstream", a box size past the
            // end: the file's bytes are damaged (14 of 200 AAC and 81 of 200 ALAC mutants
            // exited 1, a machine failure, for this).
            SymError::IoError(source) => {
                DecodeError::corrupt(path, plain(format!("{doing}: {source}")))
            }
            SymError::DecodeError(m) => DecodeError::corrupt(path, plain(format!("{doing}: {m}"))),
            SymError::Unsupported(m) => DecodeError::unsupported(path, m),
            other => DecodeError::corrupt(path, plain(format!("{doing}: {other}"))),
        }
    }
}

/// Whether bytes are one whole frame of the FLAC stream whose STREAMINFO block is `streaminfo`:
/// symphonia's FLAC decoder reads them (a frame short of its end does not decode; bytes after
/// its end it leaves unread). Without a STREAMINFO, nothing is.
/// The decoder is made at the first call: nearly every file ends with its last frame and never
/// asks.
pub(super) fn flac_frame_decodes(streaminfo: Option<&[u8]>) -> impl FnMut(&[u8]) -> bool + '_ {
    let make = move || {
        let mut params = AudioCodecParameters::new();
        params.for_codec(CODEC_ID_FLAC);
        params.with_extra_data(streaminfo?.into());
        let options = AudioDecoderOptions::default();
        symphonia::default::get_codecs()
            .make_audio_decoder(&params, &options)
            .ok()
    };
    let mut decoder = None;
    move |frame| {
        let Some(decoder) = decoder.get_or_insert_with(make).as_mut() else {
            return false;
        };
        let packet = Packet::new(0, Timestamp::new(0), Duration::from(0_u64), frame);
        decoder.decode(&packet).is_ok_and(|buf| buf.frames() > 0)
    }
}

/// A container as a user names it, with its article: symphonia's short names are its own
/// (`a isomp4 file` was what a damaged M4A's message said).
fn container_words(short: &str) -> String {
    let name = match short {
        "isomp4" => "MP4",
        "ogg" => "Ogg",
        "flac" => "FLAC",
        "wav" | "riff" => "WAV",
        "aiff" => "AIFF",
        "caf" => "CAF",
        "mkv" | "matroska" => "Matroska",
        "adts" => "AAC (ADTS)",
        "mp3" | "mpa" => "MP3",
        other => other,
    };
    let spoken_vowel = matches!(name, "MP4" | "MP3" | "Ogg" | "AIFF" | "AAC (ADTS)");
    let article = if spoken_vowel || name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name}")
}

/// A decoder's message with symphonia's own name of the MP4 reader (`isomp4: missing stco
/// entry`) said as a user would (`MP4: …`).
fn plain(message: String) -> String {
    message.replace("isomp4:", "MP4:")
}

/// The container of `input` as symphonia recognises it (by its bytes, the extension a hint);
/// `is_mp4`: it starts as an MP4 does, so a failure is a damaged MP4, not another format. A
/// seekable input ends at `end` for it, when given.
fn probe(
    input: Input,
    prefix: Vec<u8>,
    path: &Path,
    is_mp4: bool,
    end: Option<u64>,
) -> Result<Box<dyn FormatReader>, DecodeError> {
    let streamed = matches!(input, Input::Stream(_));
    let bounded = |source: Box<dyn MediaSource>| -> Result<Box<dyn MediaSource>, DecodeError> {
        match end {
            Some(end) => Ok(Box::new(
                Bounded::new(source, end).map_err(DecodeError::read(path))?,
            )),
            None => Ok(source),
        }
    };
    let source: Box<dyn MediaSource> = match input {
        Input::File(f) => bounded(Box::new(f.into_inner()))?,
        Input::Memory(c) => bounded(Box::new(c))?,
        s @ Input::Stream(_) => {
            let chained: Chained = Cursor::new(prefix).chain(s);
            Box::new(ReadOnlySource::new(chained))
        }
    };
    let mss = MediaSourceStream::new(source, Default::default());
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
            SymError::IoError(source) if is_machine(&source) => DecodeError::read(path)(source),
            // It starts as an MP4 does (`ftyp`), so it is one whose boxes are damaged.
            e if is_mp4 => {
                DecodeError::corrupt(path, format!("an MP4 file whose boxes do not parse ({e})"))
            }
            _ => DecodeError::not_audio(
                path,
                format!(
                    "no format iemsim reads (WAV, FLAC, MP3, Ogg Vorbis, AAC/ALAC in MP4) was recognised{}",
                    if streamed {
                        "; a stream of MP4 (.m4a) needs its index first (ffmpeg -movflags \
                         +faststart), else save it to a file"
                    } else {
                        ""
                    }
                ),
            ),
        })
}

/// The newest tags the container holds.
/// The input's tags, and the value of a `WAVEFORMATEXTENSIBLE_CHANNEL_MASK` comment (FLAC's way
/// of naming speakers other than its default layout; see [`speakers`]).
fn latest_tags(format: &mut dyn FormatReader) -> (Tags, Option<String>) {
    let mut tags = Tags::default();
    let mut mask = None;
    if let Some(rev) = format.metadata().skip_to_latest() {
        for tag in rev.media.tags.iter() {
            if tag
                .raw
                .key
                .eq_ignore_ascii_case("WAVEFORMATEXTENSIBLE_CHANNEL_MASK")
            {
                mask.get_or_insert_with(|| tag.raw.value.to_string());
            }
            let Some(t) = tag.std.as_ref() else {
                continue;
            };
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
    (tags, mask)
}

/// Which speakers the channels are, as a `dwChannelMask` (0: the file does not say; see
/// [`Info::channel_mask`]). FLAC: its `WAVEFORMATEXTENSIBLE_CHANNEL_MASK` comment (`0x60F`, as
/// `flac` and ffmpeg write it for a layout other than FLAC's own) when it names one speaker per
/// channel, else FLAC's layout for the count (side surrounds for 5.0 and 5.1, as `flac -d` and
/// ffmpeg read it; symphonia says back). ALAC: the layout of its count that symphonia takes from
/// the stream and orders the channels by (2.1 is not one of ALAC's). Nothing for mono and stereo
/// (the defaults) and the other codecs, which iemsim reads in mono and stereo only.
fn speakers(params: &AudioCodecParameters, channels: u16, mask_comment: Option<String>) -> u32 {
    use symphonia::core::audio::Channels;
    let ch = usize::from(channels);
    let fits = |m: u32| m.count_ones() as usize == ch && m & !0x3_FFFF == 0;
    if ch <= 2 {
        return 0;
    }
    if params.codec == CODEC_ID_FLAC {
        let said = mask_comment.and_then(|v| {
            let v = v.trim();
            let hex = v.strip_prefix("0x").or_else(|| v.strip_prefix("0X"))?;
            u32::from_str_radix(hex, 16).ok()
        });
        return said
            .filter(|&m| fits(m))
            .unwrap_or_else(|| crate::dsp::channels::flac_default_mask(ch));
    }
    match (&params.channels, params.codec == CODEC_ID_ALAC) {
        (Some(Channels::Positioned(p)), true) => u32::try_from(p.bits()).ok().filter(|&m| fits(m)),
        _ => None,
    }
    .unwrap_or(0)
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
fn beyond_decoder(params: &AudioCodecParameters, path: &Path) -> Option<DecodeError> {
    if params.codec != CODEC_ID_AAC {
        return None;
    }
    // AudioSpecificConfig: the object type is its first 5 bits (2 = AAC-LC, 5 = SBR, 29 = PS),
    // the channel configuration 4 bits after the 4 of the rate index (7 means 8 channels); it
    // says the count where symphonia's parameters do not (3 channels, 2.1).
    let asc = params.extra_data.as_deref().unwrap_or_default();
    let object_type = asc.first().map(|b| b >> 3);
    let configured = asc.get(1).map_or(0, |b| match (b >> 3) & 0x0F {
        7 => 8,
        c => usize::from(c),
    });
    let channels = params
        .channels
        .as_ref()
        .map_or(0, |c| c.count())
        .max(configured);
    // Configuration 0: the layout is in a program config element, which encoders write for
    // layouts the configurations lack (3 channels, 2.1).
    let pce = asc.len() >= 2 && (asc[1] >> 3) & 0x0F == 0;
    let what = if channels > 2 {
        format!("AAC with {channels} channels: iemsim's AAC decoder reads mono and stereo only")
    } else if pce {
        "AAC whose channel layout is a program config element (as encoders write for 3 channels \
         and other layouts beyond stereo): iemsim's AAC decoder reads mono and stereo only"
            .into()
    } else if matches!(object_type, Some(5 | 29)) {
        "HE-AAC (SBR/PS): iemsim's AAC decoder reads AAC-LC only".into()
    } else {
        "AAC other than AAC-LC with 1024-frame packets: iemsim's AAC decoder reads that only".into()
    };
    Some(DecodeError::undecodable(path, convert_first(path, what)))
}

/// Refuses what symphonia decodes without an error but wrongly. Its Vorbis decoder (0.6.1)
/// writes the partition classes of a multi-channel residue of type 0/1 past each channel's slice
/// (`decode_classes` in residue.rs is handed the rest of the array), overwriting the next
/// channel's: libvorbis codes 3 or more channels that way, and every channel of a 5.1 file came
/// out with the others leaking in (signal-to-error 24 to -3 dB where ffmpeg's decode gives 35
/// to 40), with exit 0. Mono and stereo (libvorbis couples those into one type 2 residue)
/// decode right.
fn refuse_wrong_decodes(codec: &str, channels: u16, path: &Path) -> Result<(), DecodeError> {
    let (name, max, verb, wrong) = match codec {
        "Vorbis" => ("Ogg Vorbis", 2, "mixes", "into each other"),
        // Its ALAC decoder (symphonia-codec-alac 0.6.1) hands 7 and 8 channels over in an order
        // of its own, not the speaker order it declares: a 6.1 file's back centre came out as its
        // back left (and 7.1's back pair swapped with its front-centre pair), with exit 0. 3 to 6
        // are right.
        "ALAC" => ("ALAC", 6, "puts", "on the wrong speakers"),
        _ => return Ok(()),
    };
    if channels <= max {
        return Ok(());
    }
    let what = format_args!(
        "{name} with {channels} channels: iemsim's {codec} decoder {verb} the channels of streams \
         with more than {max} {wrong}, so it does not read them"
    );
    Err(DecodeError::undecodable(path, convert_first(path, what)))
}

/// `what`, then how to make it a file iemsim reads.
fn convert_first(path: &Path, what: impl std::fmt::Display) -> String {
    format!("{what}; convert it first: {}", convert_hint(path))
}

/// `ffmpeg -i IN IN.flac`, quoted for a shell where needed (`-`: standard input).
pub(super) fn convert_hint(path: &Path) -> String {
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

/// symphonia's decoder for `params`, or why there is none.
fn make_decoder(
    params: &AudioCodecParameters,
    container: &str,
    path: &Path,
) -> Result<Box<dyn AudioDecoder>, DecodeError> {
    symphonia::default::get_codecs()
        .make_audio_decoder(params, &AudioDecoderOptions::default())
        .map_err(|_| {
            // `codec_name` knows only the codecs that decode; anything else (Opus, AC-3, ...) is
            // named by what iemsim does read.
            beyond_decoder(params, path).unwrap_or_else(|| {
                DecodeError::unsupported(
                    path,
                    format!(
                        "the audio in this {container} file uses a codec iemsim does not decode"
                    ),
                )
            })
        })
}

/// An MP4's sample entry holds the rate as 16.16 fixed point, so 88.2 and 96 kHz AAC have 0
/// there (ffmpeg writes 0) and symphonia took that: the AudioSpecificConfig (ISO/IEC 14496-3
/// §1.6.2.1) has the true rate. Other codecs, and a rate given, are left as they are.
fn with_aac_config_rate(mut params: AudioCodecParameters) -> AudioCodecParameters {
    if params.codec == CODEC_ID_AAC && params.sample_rate.is_none_or(|r| r == 0) {
        if let Some(rate) = params.extra_data.as_deref().and_then(aac_config_rate) {
            params.sample_rate = Some(rate);
        }
    }
    params
}

/// The sampling rate an AudioSpecificConfig gives: after the 5-bit object type (6 more bits when
/// it is 31), a 4-bit index into the standard's table, or 15 and the rate in 24 bits.
fn aac_config_rate(config: &[u8]) -> Option<u32> {
    const RATES: [u32; 13] = [
        96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025,
        8_000, 7_350,
    ];
    let mut first = [0u8; 8];
    let n = config.len().min(8);
    first[..n].copy_from_slice(&config[..n]);
    let bits = u64::from_be_bytes(first);
    let take = |at: u32, n: u32| (bits >> (64 - at - n)) & ((1 << n) - 1);
    let at = if take(0, 5) == 31 { 11 } else { 5 };
    match take(at, 4) as usize {
        15 if config.len() * 8 >= (at + 28) as usize => u32::try_from(take(at + 4, 24)).ok(),
        i if config.len() * 8 >= (at + 4) as usize => RATES.get(i).copied(),
        _ => None,
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
fn alac_bits(params: &AudioCodecParameters) -> Option<u32> {
    if params.codec != CODEC_ID_ALAC {
        return None;
    }
    let cookie = params.extra_data.as_deref()?;
    symphonia_common::apple::audio::alac::MagicCookie::read(cookie)
        .ok()
        .map(|c| u32::from(c.bit_depth))
}

#[cfg(test)]
mod tests {
    use super::aac_config_rate;

    /// AudioSpecificConfigs by hand: AAC-LC (object type 2) at index 0 (96 kHz) is 0x10 0x10
    /// (00010 0000 0010 000: stereo); at index 1 (88.2 kHz) 0x10 0x90; 44.1 kHz (index 4)
    /// 0x12 0x10; an escaped object type (31, then 6 bits) before index 3 (48 kHz); index 15
    /// and 24 bits of rate (7,350 × 2 = 14,700 Hz).
    #[test]
    fn the_rate_is_read_from_the_audio_specific_config() {
        assert_eq!(aac_config_rate(&[0x10, 0x10]), Some(96_000));
        assert_eq!(aac_config_rate(&[0x10, 0x90]), Some(88_200));
        assert_eq!(aac_config_rate(&[0x12, 0x10]), Some(44_100));
        // 11111 000001 0011 ...: type 32, index 3.
        assert_eq!(aac_config_rate(&[0xF8, 0x26, 0x00]), Some(48_000));
        // 00010 1111 then 14,700 in 24 bits (0x00396C), then channels.
        let explicit = ((0b0_0010_1111u64 << 24) | 14_700) << 7;
        let bytes = explicit.to_be_bytes();
        assert_eq!(aac_config_rate(&bytes[3..]), Some(14_700));
        // Reserved indexes 13 and 14, and configs too short to hold the index.
        assert_eq!(aac_config_rate(&[0x16, 0x80]), None);
        assert_eq!(aac_config_rate(&[0x10]), None);
        assert_eq!(aac_config_rate(&[]), None);
    }
}
