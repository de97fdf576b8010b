//! One decoder for every input: WAV, RF64 and BW64 natively (see `wav`), FLAC, MP3, Ogg Vorbis and
//! AAC/ALAC in MP4 through symphonia (see `codec`), from a file, standard input (`-`) or the
//! material built into the binary. Every command that reads audio goes through [`Decoder`].
//!
//! Frames come out as interleaved f64 in [-1, 1), block by block (memory stays bounded whatever
//! the length), with non-finite samples replaced by silence and counted (see `nonfinite`).

pub mod builtin;
mod codec;
mod ends;
mod flac_end;
mod input;
mod mp4_gapless;
mod mpeg_end;
pub mod nonfinite;
mod wav;

pub use nonfinite::NonFinite;

use crate::io::Tags;
use input::Input;
use serde::Serialize;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// An Ogg stream read through its page walk.
type OggTap = ends::OggTap<io::BufReader<Box<dyn Read + Send + Sync>>>;

/// Limits beyond which a header is treated as corrupt rather than exotic.
pub const MAX_CHANNELS: u16 = 8;
pub const MIN_RATE: u32 = 8_000;
pub const MAX_RATE: u32 = 192_000;

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("{path}: cannot open: {source}")]
    Open { path: PathBuf, source: io::Error },
    #[error("{path}: not an audio file iemsim can read ({detail})")]
    NotAudio { path: PathBuf, detail: String },
    #[error("{path}: truncated: {detail}")]
    Truncated { path: PathBuf, detail: String },
    #[error("{path}: corrupt: {detail}")]
    Corrupt { path: PathBuf, detail: String },
    #[error("{path}: unsupported: {detail} (iemsim reads WAV/RF64/BW64 8/16/24/32-bit integer or 32-bit float PCM, FLAC, MP3, Ogg Vorbis, AAC/ALAC in MP4; 1-8 channels, 8-192 kHz)")]
    Unsupported { path: PathBuf, detail: String },
    /// A format iemsim reads, holding what its decoder cannot decode (or would decode wrong).
    #[error("{path}: cannot decode: {detail}")]
    Undecodable { path: PathBuf, detail: String },
    #[error("{path}: no audio in it (zero frames)")]
    Empty { path: PathBuf },
    /// A FIFO that no program has open for writing: read now, it would be empty (and a writer
    /// started later would wait for ever); iemsim does not wait for one either.
    #[error("{path}: a pipe (FIFO) that nothing writes to, so no audio comes from it: start the writer first (`cat song.wav > {path} &`), or pipe the audio to standard input with `-` (`cat song.wav | iemsim export - …`)")]
    NoWriter { path: PathBuf },
    #[error("{path}: cannot seek in a stream (standard input or a pipe): {why}; save it to a file first")]
    NotSeekable { path: PathBuf, why: &'static str },
    #[error("{path}: read error: {source}")]
    Read { path: PathBuf, source: io::Error },
}

/// The refusals as the readers build them: the file, and what is wrong with it.
impl DecodeError {
    pub(crate) fn not_audio(path: &Path, detail: impl Into<String>) -> Self {
        let (path, detail) = (path.to_path_buf(), detail.into());
        Self::NotAudio { path, detail }
    }

    pub(crate) fn truncated(path: &Path, detail: impl Into<String>) -> Self {
        let (path, detail) = (path.to_path_buf(), detail.into());
        Self::Truncated { path, detail }
    }

    pub(crate) fn corrupt(path: &Path, detail: impl Into<String>) -> Self {
        let (path, detail) = (path.to_path_buf(), detail.into());
        Self::Corrupt { path, detail }
    }

    pub(crate) fn unsupported(path: &Path, detail: impl Into<String>) -> Self {
        let (path, detail) = (path.to_path_buf(), detail.into());
        Self::Unsupported { path, detail }
    }

    pub(crate) fn undecodable(path: &Path, detail: impl Into<String>) -> Self {
        let (path, detail) = (path.to_path_buf(), detail.into());
        Self::Undecodable { path, detail }
    }

    pub(crate) fn empty(path: &Path) -> Self {
        let path = path.to_path_buf();
        Self::Empty { path }
    }

    /// For `map_err`: an I/O error reading `path`.
    pub(crate) fn read(path: &Path) -> impl Fn(io::Error) -> Self + Copy + '_ {
        |source| Self::Read {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The user can fix it (another file, another command line): exit code 2. A read error of the
/// machine (I/O error) is exit code 1.
impl From<DecodeError> for crate::error::Error {
    fn from(e: DecodeError) -> Self {
        use crate::error::{Class, Subject};
        use DecodeError as D;
        let (class, path) = match &e {
            D::Read { path, .. } => (Class::Machine, path),
            D::Open { path, .. }
            | D::NotAudio { path, .. }
            | D::Truncated { path, .. }
            | D::Corrupt { path, .. }
            | D::Unsupported { path, .. }
            | D::Undecodable { path, .. }
            | D::Empty { path }
            | D::NoWriter { path }
            | D::NotSeekable { path, .. } => (Class::Input, path),
        };
        let subject = Subject::File(path.clone());
        Self::of(class, Some(subject), e)
    }
}

/// What an input holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Info {
    pub channels: u16,
    pub sample_rate: u32,
    /// Bits per sample (valid bits, e.g. 24 for 24-in-32); 0 for lossy codecs, which have none.
    pub bits: u16,
    pub float: bool,
    /// Frames (samples per channel); 0 when not known before the end (a stream).
    pub frames: u64,
    /// False for a stream whose length is only known at its end.
    pub length_known: bool,
    /// `PCM`, `FLAC`, `MP3`, `Vorbis`, `AAC`, `ALAC`.
    pub codec: &'static str,
    /// `WAV`, `RF64`, `BW64`, `flac`, `mp3`, `ogg`, `isomp4`...
    pub container: &'static str,
    pub lossless: bool,
    /// Which speaker each channel is, as a WAVE_FORMAT_EXTENSIBLE `dwChannelMask` (a WAV's header,
    /// a FLAC's `WAVEFORMATEXTENSIBLE_CHANNEL_MASK` comment or FLAC's layout for the count, an
    /// ALAC stream's layout); 0 when the file does not say (then Microsoft's default layout for
    /// the count is assumed: `dsp::channels`). The writers declare it (`SinkSpec::channel_mask`).
    pub channel_mask: u32,
}

impl Info {
    pub fn duration_s(&self) -> f64 {
        self.frames as f64 / f64::from(self.sample_rate.max(1))
    }

    /// e.g. `44100 Hz, 2 ch, 16-bit int, 0:25.0` (WAV), `FLAC, 48000 Hz, 2 ch, 24-bit, 3:10.2`.
    pub fn describe(&self) -> String {
        let secs = self.duration_s();
        let len = if self.length_known {
            format!("{}:{:04.1}", (secs / 60.0).floor() as u64, secs % 60.0)
        } else {
            "length unknown (stream)".into()
        };
        let (rate, ch) = (self.sample_rate, self.channels);
        match (self.codec, self.bits) {
            ("PCM", _) => {
                let kind = if self.float { "float" } else { "int" };
                format!("{rate} Hz, {ch} ch, {}-bit {kind}, {len}", self.bits)
            }
            (codec, 0) => format!("{codec}, {rate} Hz, {ch} ch, {len}"),
            (codec, bits) => format!("{codec}, {rate} Hz, {ch} ch, {bits}-bit, {len}"),
        }
    }
}

// One per open input: the size difference does not matter.
#[allow(clippy::large_enum_variant)]
enum Backend {
    Wav(wav::WavReader, Input),
    Codec(Box<codec::CodecReader>),
}

/// Reads any supported input block by block as f64 frames.
pub struct Decoder {
    backend: Backend,
    info: Info,
    path: PathBuf,
    seekable: bool,
    tags: Tags,
    position: u64,
    nonfinite: NonFinite,
    /// The pages of an Ogg stream (standard input, a pipe) as they are read: judged at its end
    /// (cut, damaged, chained).
    ogg_pages: Option<OggTap>,
    /// The last bytes of an MP3 or a FLAC from a pipe, judged at its end (cut inside a frame).
    tail_tap: Option<ends::Tail>,
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoder")
            .field("path", &self.path)
            .field("info", &self.info)
            .finish()
    }
}

/// A "not an audio file" refusal made precise by the file's first bytes: a FLAC or Ogg file
/// whose headers do not parse is a damaged one, and AIFF and CAF are formats iemsim does not
/// read (a single such file was called "not an audio file").
fn by_magic(e: DecodeError, magic: &[u8]) -> DecodeError {
    let DecodeError::NotAudio { path, detail } = e else {
        return e;
    };
    let path = &path;
    match magic {
        b"fLaC" => DecodeError::corrupt(
            path,
            "a FLAC file whose header (STREAMINFO or other metadata) does not parse",
        ),
        b"OggS" => DecodeError::corrupt(path, "an Ogg file whose pages do not parse"),
        b"FORM" => DecodeError::unsupported(path, "AIFF, which iemsim does not read"),
        b"caff" => DecodeError::unsupported(path, "CAF, which iemsim does not read"),
        _ => DecodeError::not_audio(path, detail),
    }
}

/// The refusal of an Ogg stream whose pages are damaged or that chains streams; None for one
/// whole or cut (a cut is told with the frames read).
///
/// Allocates nothing for a whole or cut stream: `read` asks after every block.
fn ogg_refusal(path: &Path, verdict: ends::Verdict) -> Option<DecodeError> {
    match verdict {
        ends::Verdict::Damaged(what) => Some(DecodeError::corrupt(path, what)),
        ends::Verdict::Chained(links) => Some(DecodeError::undecodable(
            path,
            format!(
                "a chained Ogg ({links} streams one after the other): iemsim decodes only \
                 single-stream Ogg; join them into one file first: {}",
                codec::convert_hint(path)
            ),
        )),
        ends::Verdict::Whole | ends::Verdict::Cut => None,
    }
}

/// [`ogg_refusal`] of what the pages of an Ogg stream from a pipe say so far.
fn pipe_refusal(pages: Option<&OggTap>, path: &Path) -> Option<DecodeError> {
    ogg_refusal(path, pages?.verdict())
}

/// The refusal of an Ogg stream that ends after `frames` frames at `rate` Hz without its last
/// page: symphonia reads it as a shorter stream.
fn ogg_cut(path: &Path, frames: u64, rate: u32) -> DecodeError {
    DecodeError::corrupt(
        path,
        format!(
            "damaged or truncated: the Ogg stream ends after {frames} frames ({}) without its \
             last page (the end-of-stream flag)",
            nonfinite::clock(frames, rate)
        ),
    )
}

/// What the bytes of a coded (non-WAV) input say before symphonia reads it, where symphonia
/// would not tell: an Ogg file cut short, damaged or chained; and the last bytes of an MP3 or a
/// FLAC whose header may lack their length, to tell whether it was cut inside a frame.
#[derive(Default)]
struct EndsSeen {
    ogg_cut: bool,
    /// An Ogg stream from a pipe, followed as it is read (judged at its end).
    ogg_pages: Option<OggTap>,
    /// A file's last bytes, read at open.
    tail: Option<Vec<u8>>,
    /// A pipe's last bytes, kept as it is read (judged at its end).
    tail_tap: Option<ends::Tail>,
    /// Where a FLAC file's audio ends, when tags or other bytes follow its last frame.
    end: Option<u64>,
}

impl EndsSeen {
    /// Looks at `input` (its first bytes `magic` read): refuses a FLAC of metadata alone (which
    /// symphonia fails to probe, "corrupt") and a damaged or chained Ogg file. A pipe's Ogg
    /// stream comes back wrapped in the tap that follows its pages, an MP3's or a FLAC's in one
    /// that keeps its last bytes.
    fn look(mut input: Input, magic: &[u8], path: &Path) -> Result<(Input, Self), DecodeError> {
        let read_err = DecodeError::read(path);
        let mut seen = Self::default();
        let seekable = input.is_seekable();
        if seekable
            && magic == b"fLaC"
            && ends::flac_without_frames(&mut input).map_err(read_err)?
        {
            return Err(DecodeError::empty(path));
        }
        let mpeg = magic.starts_with(b"ID3") || matches!(magic, [0xFF, b, ..] if b & 0xE0 == 0xE0);
        let keep = match magic {
            b"fLaC" => flac_end::TAIL_BYTES,
            _ if mpeg => mpeg_end::TAIL_BYTES,
            _ => 0,
        };
        if keep > 0 && seekable {
            let mut tail = ends::read_tail(&mut input, keep).map_err(read_err)?;
            if magic == b"fLaC" {
                seen.end = flac_audio_end(&mut input, &mut tail).map_err(read_err)?;
            }
            seen.tail = Some(tail);
        } else if keep > 0 {
            if let Input::Stream(s) = input {
                // A FLAC's tags after its last frame are kept from the reader as a file's are.
                let s: Box<dyn io::Read + Send + Sync> = match magic {
                    b"fLaC" => Box::new(ends::HoldBack::new(s, magic, keep, flac_tail_end)),
                    _ => Box::new(s),
                };
                let (tap, tail) = ends::TailTap::new(s, magic, keep);
                seen.tail_tap = Some(tail);
                input = Input::Stream(io::BufReader::new(Box::new(tap)));
            }
        }
        if magic == b"OggS" {
            if seekable {
                let pages = ends::ogg_pages_of(&mut input, path).map_err(read_err)?;
                if let Some(e) = ogg_refusal(path, pages.clone()) {
                    return Err(e);
                }
                seen.ogg_cut = pages == ends::Verdict::Cut;
            } else if let Input::Stream(s) = input {
                let tap = ends::OggTap::new(s, magic);
                seen.ogg_pages = Some(tap.clone());
                input = Input::Stream(io::BufReader::new(Box::new(tap)));
            }
        }
        Ok((input, seen))
    }
}

/// Where the audio of the seekable FLAC `input` ends when bytes that are not audio follow its
/// last frame (a byte offset: [`flac_end::audio_end`]); `tail`, its last bytes, is cut there.
fn flac_audio_end(input: &mut Input, tail: &mut Vec<u8>) -> io::Result<Option<u64>> {
    let Some(len) = input.len() else {
        return Ok(None);
    };
    let head = ends::flac_head(input)?;
    let Some(end) = flac_tail_end(&head, tail) else {
        return Ok(None);
    };
    let after = (tail.len() - end) as u64;
    tail.truncate(end);
    Ok(Some(len.saturating_sub(after)))
}

/// Where in `tail`, its last bytes, the audio of the FLAC that starts with `head`
/// ([`ends::flac_head`]) ends, when bytes that are not audio follow its last frame.
fn flac_tail_end(head: &[u8], tail: &[u8]) -> Option<usize> {
    let total = ends::flac_length(head);
    let decodes = codec::flac_frame_decodes(ends::flac_streaminfo(head));
    flac_end::audio_end(tail, total, decodes)
}

impl Decoder {
    /// Opens `path` (`-`: standard input; a bundled sample not on disk: the built-in copy).
    pub fn open(path: &Path) -> Result<Self, DecodeError> {
        Self::from_input(Input::open(path)?, path)
    }

    /// Decodes `bytes` held in memory as if they were the file `name` (which only names the input
    /// in messages). The same path as the bundled samples take; it lets the fuzz targets and
    /// tests feed any bytes without touching the disk.
    pub fn from_bytes(bytes: Vec<u8>, name: &Path) -> Result<Self, DecodeError> {
        let input = Input::Memory(std::io::Cursor::new(std::borrow::Cow::Owned(bytes)));
        Self::from_input(input, name)
    }

    fn from_input(mut input: Input, path: &Path) -> Result<Self, DecodeError> {
        let seekable = input.is_seekable();
        let mut magic = [0u8; 4];
        let got = read_full(&mut input, &mut magic).map_err(DecodeError::read(path))?;
        if got == 0 {
            return Err(DecodeError::empty(path));
        }
        let mut seen = EndsSeen::default();
        let (mut backend, info, tags) = if got == 4 && wav::container_of(&magic).is_some() {
            let (r, info, tags) = wav::WavReader::open(&mut input, magic, path)?;
            (Backend::Wav(r, input), info, tags)
        } else {
            (input, seen) = EndsSeen::look(input, &magic[..got], path)?;
            let prefix = if seekable {
                input.seek_to(0).map_err(DecodeError::read(path))?;
                Vec::new()
            } else {
                magic[..got].to_vec()
            };
            // Pages that fail from a pipe: they, not what symphonia made of them.
            let (r, info, tags) =
                codec::CodecReader::open(input, prefix, path, seen.end).map_err(|e| {
                    pipe_refusal(seen.ogg_pages.as_ref(), path)
                        .unwrap_or_else(|| by_magic(e, &magic[..got]))
                })?;
            (Backend::Codec(Box::new(r)), info, tags)
        };
        validate(path, &info)?;
        if info.length_known && info.frames == 0 {
            return Err(DecodeError::empty(path));
        }
        // symphonia reads a cut Ogg file as a shorter stream: its last page's flag tells.
        if seen.ogg_cut {
            let frames = match &mut backend {
                Backend::Codec(r) if !info.length_known => r.count_frames()?,
                _ => info.frames,
            };
            return Err(ogg_cut(path, frames, info.sample_rate));
        }
        let mut decoder = Self {
            backend,
            info,
            path: path.to_path_buf(),
            seekable,
            tags,
            position: 0,
            nonfinite: NonFinite::default(),
            ogg_pages: seen.ogg_pages,
            tail_tap: seen.tail_tap,
        };
        // A file whose length its header does not give (an MP3 without a LAME tag or raw AAC,
        // whose only length is an estimate from the bitrate; a FLAC written to a pipe) is counted
        // (demuxed, not decoded), so every file has its length known from the start.
        let counted = !decoder.info.length_known;
        decoder.measure_length()?;
        // Without a header's count, an MP3 or a FLAC cut inside a frame reads as a shorter
        // stream; the frame headers of its end tell. (With one, `read` finds the frames missing.)
        let cut = seen.tail.filter(|_| counted).and_then(|tail| {
            let frames = decoder.info.frames;
            decoder.cut_inside_a_frame(&tail, frames)
        });
        cut.map_or(Ok(decoder), Err)
    }

    /// The refusal of a stream whose last bytes `tail` show it cut inside a frame, the audio
    /// decoded ending after `frames` frames.
    fn cut_inside_a_frame(&self, tail: &[u8], frames: u64) -> Option<DecodeError> {
        let clock = nonfinite::clock(frames, self.info.sample_rate);
        let detail = match self.info.codec {
            "MP3" => mpeg_end::cut_frame(tail).map(|cut| {
                let have = match cut.need {
                    mpeg_end::HEADER_BYTES => format!("{} of its header's 4 bytes", cut.have),
                    need => format!("{} of its {need} bytes", cut.have),
                };
                format!("the MP3 ends inside a frame, after {frames} frames ({clock}), with {have}")
            }),
            "FLAC" => flac_end::cut_frame(tail, frames).map(|have| {
                format!(
                    "the FLAC's frame after {frames} frames ({clock}) is cut short or fails its \
                     checksum ({have} bytes of it are there)"
                )
            }),
            _ => None,
        }?;
        Some(DecodeError::corrupt(
            &self.path,
            format!("damaged or truncated: {detail}"),
        ))
    }

    pub fn info(&self) -> &Info {
        &self.info
    }

    /// The path as given (`-` for standard input).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The input as the user should read it: `standard input` for `-`, `NAME (built in)` for
    /// embedded material (`samples/music.wav (built in)`), else the path.
    pub fn name(&self) -> String {
        let path = &self.path;
        if path.as_os_str() == "-" {
            "standard input".into()
        } else if builtin::is_builtin(path) {
            format!("{} (built in)", path.display())
        } else {
            path.display().to_string()
        }
    }

    pub fn is_seekable(&self) -> bool {
        self.seekable
    }

    pub fn tags(&self) -> &Tags {
        &self.tags
    }

    /// Non-finite samples replaced so far.
    pub fn nonfinite(&self) -> NonFinite {
        self.nonfinite
    }

    /// One warning line's text (`song.wav: 3 non-finite samples ... first at 0:01.234`), if any.
    pub fn nonfinite_warning(&self) -> Option<String> {
        let damaged = match &self.backend {
            Backend::Codec(r) => r.damaged.first_ts.map(|ts| {
                let n = r.damaged.packets;
                format!(
                    "{n} damaged {} packet{} replaced by silence, first at {}",
                    self.info.codec,
                    if n == 1 { "" } else { "s" },
                    nonfinite::clock(ts.max(0) as u64, self.info.sample_rate)
                )
            }),
            Backend::Wav(r, _) => r.end_warning(),
        };
        let parts: Vec<String> = damaged
            .into_iter()
            .chain(self.nonfinite.describe(self.info.sample_rate))
            .collect();
        (!parts.is_empty()).then(|| format!("{}: {}", self.name(), parts.join("; ")))
    }

    /// Frame index of the next frame `read` returns.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Fills `buf` (interleaved; its length is rounded down to whole frames) and returns the number
    /// of frames read; 0 at the end. An input that ends before its first frame is an error.
    pub fn read(&mut self, buf: &mut [f64]) -> Result<usize, DecodeError> {
        let ch = usize::from(self.info.channels);
        let n = match &mut self.backend {
            Backend::Wav(r, input) => r.read(input, buf)?,
            // A pipe's damaged Ogg page: it, not what symphonia made of it.
            Backend::Codec(r) => r
                .read(buf)
                .map_err(|e| pipe_refusal(self.ogg_pages.as_ref(), &self.path).unwrap_or(e))?,
        };
        if n == 0 && self.position == 0 && !self.info.length_known {
            return Err(DecodeError::empty(&self.path));
        }
        // A codec that resynchronises past damaged frames ends early without an error: the
        // header's frame count (FLAC STREAMINFO, MP3 Xing/LAME) shows what was lost.
        if n == 0
            && self.info.length_known
            && self.position < self.info.frames
            && matches!(self.backend, Backend::Codec(_))
        {
            return Err(DecodeError::corrupt(
                &self.path,
                format!(
                    "damaged or truncated: the audio ends after {} of the {} frames its header announces",
                    self.position, self.info.frames
                ),
            ));
        }
        // A pipe's MP3 or FLAC without a header's count, cut inside a frame.
        if let (0, false, Some(tap)) = (n, self.info.length_known, &self.tail_tap) {
            if let Some(e) = tap.with(|tail| self.cut_inside_a_frame(tail, self.position)) {
                return Err(e);
            }
        }
        let ogg = match (&self.ogg_pages, n) {
            (Some(tap), 0) => tap.finish().map_err(DecodeError::read(&self.path))?,
            _ => ends::Verdict::Whole,
        };
        if let Some(e) = ogg_refusal(&self.path, ogg.clone()) {
            return Err(e);
        }
        if ogg == ends::Verdict::Cut {
            return Err(ogg_cut(&self.path, self.position, self.info.sample_rate));
        }
        self.nonfinite.clean(&mut buf[..n * ch], self.position, ch);
        self.position += n as u64;
        // Unknown, or an MP3 header's count that the stream went past (files joined by `cat`).
        self.info.frames = self.info.frames.max(self.position);
        Ok(n)
    }

    /// Reads up to `frames` frames (fewer at the end) into a new interleaved vector.
    /// For short material held whole in memory (demos, analysis); streaming code uses [`Self::read`].
    pub fn read_frames(&mut self, frames: u64) -> Result<Vec<f64>, DecodeError> {
        let ch = usize::from(self.info.channels);
        let mut out = Vec::new();
        let mut block = vec![0.0; 16_384 * ch];
        let mut left = frames;
        while left > 0 {
            let want = (left as usize).min(16_384) * ch;
            let n = self.read(&mut block[..want])?;
            if n == 0 {
                break;
            }
            out.extend_from_slice(&block[..n * ch]);
            left -= n as u64;
        }
        Ok(out)
    }

    /// Makes the length known for a seekable file whose header does not give it (a FLAC
    /// written to a pipe has 0 in STREAMINFO), by counting its packets
    /// without decoding them: what needs the length up front (`play`'s seek bar, `--start`) asks
    /// this. A no-op when the length is known or the input is a stream.
    pub fn measure_length(&mut self) -> Result<(), DecodeError> {
        if self.info.length_known || !self.seekable || self.position != 0 {
            return Ok(());
        }
        if let Backend::Codec(r) = &mut self.backend {
            let frames = r.count_frames()?;
            if frames == 0 {
                return Err(DecodeError::empty(&self.path));
            }
            self.info.frames = frames;
            self.info.length_known = true;
        }
        Ok(())
    }

    /// Moves to frame `frame` (clamped to the end). Refused for streams.
    pub fn seek(&mut self, frame: u64) -> Result<(), DecodeError> {
        if !self.seekable {
            return Err(DecodeError::NotSeekable {
                path: self.path.clone(),
                why: "seeking needs a file",
            });
        }
        let frame = if self.info.length_known {
            frame.min(self.info.frames)
        } else {
            frame
        };
        match &mut self.backend {
            Backend::Wav(r, input) => r.seek(input, frame)?,
            Backend::Codec(r) => r.seek(frame)?,
        }
        self.position = frame;
        Ok(())
    }
}

/// Refuses an input that several passes would need to read (play, abx, demo, loudness
/// analysis): standard input and pipes can be read once only.
pub fn require_seekable(path: &Path, why: &'static str) -> Result<(), DecodeError> {
    let stream = path.as_os_str() == "-"
        || (!builtin::is_builtin(path)
            && std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()));
    if stream {
        return Err(DecodeError::NotSeekable {
            path: path.to_path_buf(),
            why,
        });
    }
    Ok(())
}

fn validate(path: &Path, info: &Info) -> Result<(), DecodeError> {
    let bad = |detail: String| Err(DecodeError::unsupported(path, detail));
    if info.channels == 0 {
        return Err(DecodeError::corrupt(path, "the header says 0 channels"));
    }
    if info.channels > MAX_CHANNELS {
        return bad(format!("{} channels", info.channels));
    }
    if !(MIN_RATE..=MAX_RATE).contains(&info.sample_rate) {
        return bad(format!("sample rate {} Hz", info.sample_rate));
    }
    Ok(())
}

/// `read` until `buf` is full or the input ends (pipes return short reads).
pub fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}
