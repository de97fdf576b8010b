//! A small native WAV / RF64 / BW64 reader behind [`Decoder`](super::Decoder).
//!
//! Why not symphonia's WAV reader (which the other formats use): tried on the cases of issue 11,
//! symphonia 0.6.1 rejects RF64 (EBU Tech 3306) outright, returns zero frames for a data chunk
//! whose size is 0 but which is followed by audio (a streamed writer that never patched its
//! header), and refuses `WAVE_FORMAT_EXTENSIBLE` `fmt ` chunks whose `cbSize` is not exactly 22.
//! WAV is also the one format where a few lines do everything: sample-accurate seeks are one
//! multiplication, and the bulk converters of `io::pcm` decode ~10x faster than a per-sample path.
//!
//! Layout rules followed (Microsoft "Multimedia Programming Interface and Data Specifications 1.0"
//! and the WAVEFORMATEXTENSIBLE documentation; EBU Tech 3306 for RF64, ITU-R BS.2088 for BW64):
//! - chunks of odd length are followed by a pad byte, which is not counted in their size;
//! - any chunk other than `fmt `, `data`, `LIST`/`INFO` and `ds64` is skipped, whatever its size
//!   (`fact` of 4 or 8 bytes, `bext`, `JUNK`...);
//! - `fmt ` may be 14, 16, 18 or 40+ bytes; `cbSize` is read only when present and only trusted
//!   as far as the chunk goes;
//! - PCM and IEEE float (format tags 1 and 3, plain or `WAVE_FORMAT_EXTENSIBLE`) of 8, 16, 24 or
//!   32 bits hold each sample in `wBitsPerSample` / 8 bytes whatever `nBlockAlign` says, as sox
//!   and ffmpeg read them (for `WAVE_FORMAT_EXTENSIBLE` that is the container: 24 valid bits in 32);
//! - integer samples are left-justified in their container: `wValidBitsPerSample` 24 in a 4-byte
//!   container is the top 24 bits, so every 4-byte integer sample is `i32 / 2^31`;
//! - a data size of `0xFFFFFFFF` (ffmpeg writing to a pipe), `0x7FFFF000` (sox writing to a pipe;
//!   sox rounds either down to whole frames: `0x7FFFEFFC` for 24-bit stereo) or 0 (a header never
//!   patched) means "unknown": the audio runs to the end of the file; so does `0x80000000`
//!   (arecord writing to standard output) when the input is a stream;
//! - in RF64 the real sizes are in `ds64`, the 32-bit fields hold `0xFFFFFFFF`; BW64 (ITU-R
//!   BS.2088, broadcast audio) is RF64 with `BW64` in place of `RF64`, and is read the same;
//! - tags (`LIST`/`INFO`) may come before or after the `data` chunk (libsndfile writes them
//!   after): in a file of known data size, the chunks after the audio (and its pad byte) are
//!   read by seeking past it, and a trailing chunk cut short or not a chunk is ignored; a stream
//!   cannot seek back to the audio, so there they are not read (its end warns when they were
//!   there). A data size the file does not hold (streamed, unfinished) has nothing after it.

use super::input::Input;
use super::{read_full, DecodeError, Info};
use crate::io::pcm::{self, Encoding};
use crate::io::Tags;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// The sizes streamed writers put where they cannot know the real one.
const UNKNOWN_SIZES: [u32; 3] = [0xFFFF_FFFF, 0x7FFF_F000, 0];

/// Whether the data size `size` is a placeholder for one a streamed writer could not know: one
/// of [`UNKNOWN_SIZES`], or one rounded down to whole frames of `frame_bytes`, as sox writes
/// them (0x7FFFEFFC for 24-bit stereo; 0xFFFFFFFC when its own input's length is unknown).
fn unknown_size(size: u32, frame_bytes: u64) -> bool {
    UNKNOWN_SIZES.iter().any(|&u| {
        let u = u64::from(u);
        u64::from(size) == u || u64::from(size) == u - u % frame_bytes.max(1)
    })
}
/// The data size arecord writes when it records to standard output (RIFF size 0x80000024); a
/// placeholder only on a stream: a file may really hold that much.
const ARECORD_SIZE: u32 = 0x8000_0000;
/// Chunks read into memory (fmt, ds64, LIST) are small; anything larger is skipped past this.
const MAX_SMALL_CHUNK: u32 = 1 << 16;
/// Chunks looked at after the audio data: a writer puts a few there (`LIST`, `id3 `, `cue `...).
const MAX_TRAILING_CHUNKS: usize = 32;

/// The name of the container whose first four bytes are `magic`, when this reader reads it:
/// RIFF WAVE, RF64 (EBU Tech 3306) or BW64 (ITU-R BS.2088: RF64's layout under another name).
pub fn container_of(magic: &[u8]) -> Option<&'static str> {
    match magic {
        b"RIFF" => Some("WAV"),
        b"RF64" => Some("RF64"),
        b"BW64" => Some("BW64"),
        _ => None,
    }
}

/// Reads samples after the header.
pub struct WavReader {
    channels: usize,
    encoding: Encoding,
    /// Byte offset of the first sample.
    data_start: u64,
    /// Frames, when the header or the file length tells.
    frames: Option<u64>,
    path: PathBuf,
    bytes: Vec<u8>,
    /// Leftover bytes of a partial frame read from a stream.
    carry: Vec<u8>,
    position: u64,
    /// Bytes of a partial last frame, of a file whose header gives no length (the length of a
    /// stream written to a pipe): it was cut mid-frame, so cut short.
    partial_end: Option<usize>,
    /// A stream of known length, its end not looked at yet: the bytes from the first sample to
    /// the chunk after the audio (the data size and its pad byte).
    stream_tail: Option<u64>,
    /// The stream's audio was followed by tags (`LIST`/`INFO`), which came too late to be read.
    tags_unread: bool,
}

struct Cursor<'a> {
    input: &'a mut Input,
    offset: u64,
    path: &'a Path,
}

impl Cursor<'_> {
    fn bytes<const N: usize>(&mut self, part: &'static str) -> Result<[u8; N], DecodeError> {
        let mut b = [0u8; N];
        self.fill(&mut b, part)?;
        Ok(b)
    }

    fn vec(&mut self, n: u32, part: &'static str) -> Result<Vec<u8>, DecodeError> {
        let mut v = vec![0u8; n as usize];
        self.fill(&mut v, part)?;
        Ok(v)
    }

    /// Reads `buf` full (the file ending first is a `part` cut short).
    fn fill(&mut self, buf: &mut [u8], part: &'static str) -> Result<(), DecodeError> {
        self.input.read_exact(buf).map_err(|e| self.err(e, part))?;
        self.offset += buf.len() as u64;
        Ok(())
    }

    fn skip(&mut self, n: u64, part: &'static str) -> Result<(), DecodeError> {
        let copied = io::copy(&mut (&mut *self.input).take(n), &mut io::sink())
            .map_err(|e| self.err(e, part))?;
        self.offset += copied;
        if copied < n {
            return Err(self.err(io::ErrorKind::UnexpectedEof.into(), part));
        }
        Ok(())
    }

    fn err(&self, e: io::Error, part: &'static str) -> DecodeError {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            DecodeError::truncated(self.path, format!("the file ends inside the {part}"))
        } else {
            DecodeError::read(self.path)(e)
        }
    }
}

fn u16le(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}
fn u32le(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
fn u64le(b: &[u8], at: usize) -> u64 {
    u64::from(u32le(b, at)) | (u64::from(u32le(b, at + 4)) << 32)
}

struct Fmt {
    tag: u16,
    channels: u16,
    rate: u32,
    block_align: u16,
    bits: u16,
    valid_bits: u16,
    channel_mask: u32,
}

impl WavReader {
    /// Parses the header (`magic`, its first 4 bytes, already read: `RIFF`, `RF64` or `BW64`): the reader,
    /// what the header says and its tags.
    pub fn open(
        input: &mut Input,
        magic: [u8; 4],
        path: &Path,
    ) -> Result<(Self, Info, Tags), DecodeError> {
        let kind = container_of(&magic).unwrap_or("WAV");
        // BW64 keeps its sizes where RF64 does (`ds64`).
        let rf64 = kind != "WAV";
        let mut c = Cursor {
            input,
            offset: 4,
            path,
        };
        let _riff_size = c.bytes::<4>("RIFF header")?;
        if &c.bytes::<4>("RIFF header")? != b"WAVE" {
            return Err(DecodeError::not_audio(path, "a RIFF file, but not WAVE"));
        }
        let (fmt, ds64_data, mut tags, data_size) = read_chunks(&mut c)?;
        let data_start = c.offset;
        let (encoding, container) = encoding_of(&fmt, path)?;
        let float = fmt.tag == 3;
        let bits = if fmt.valid_bits > 0 && fmt.valid_bits <= fmt.bits {
            fmt.valid_bits
        } else {
            (container * 8) as u16
        };
        let frame_bytes = (container * usize::from(fmt.channels)) as u64;
        let data_len = match (rf64, ds64_data) {
            (true, Some(n)) if data_size == u32::MAX => Some(n),
            _ if unknown_size(data_size, frame_bytes) => None,
            // arecord writing to standard output: a stream cannot hold its 2 GiB.
            _ if data_size == ARECORD_SIZE && !c.input.is_seekable() => None,
            _ => Some(u64::from(data_size)),
        };
        let held = c.input.len().map(|l| l.saturating_sub(data_start));
        let frames = match (data_len, held) {
            // A data size past the end by less than a frame (a pad byte counted, a writer's
            // rounding) loses no frame: read what is there.
            (Some(n), Some(h)) if n / frame_bytes > h / frame_bytes => {
                return Err(DecodeError::truncated(
                    path,
                    format!(
                        "the header announces {} frames but the file holds {}",
                        n / frame_bytes,
                        h / frame_bytes
                    ),
                ))
            }
            (Some(n), _) => Some(n / frame_bytes),
            (None, Some(h)) => Some(h / frame_bytes),
            (None, None) => None,
        };
        // Tags a writer put after the audio (libsndfile does): a file seeks past the audio to
        // them and back; a stream cannot (`read` looks at its end whether some were there).
        let after = data_len.filter(|_| frames.is_some()).map(|n| {
            let pad = n & 1;
            data_start.saturating_add(n).saturating_add(pad)
        });
        let stream_tail = match (after, c.input.len()) {
            (Some(from), Some(end)) => {
                tags_after_data(c.input, from, end, &mut tags);
                c.input
                    .seek_to(data_start)
                    .map_err(DecodeError::read(path))?;
                None
            }
            (Some(from), None) => Some(from - data_start),
            (None, _) => None,
        };
        let partial_end = match (data_len, held) {
            (None, Some(h)) if h % frame_bytes != 0 => Some((h % frame_bytes) as usize),
            _ => None,
        };
        let info = Info {
            channels: fmt.channels,
            sample_rate: fmt.rate,
            bits,
            float,
            frames: frames.unwrap_or(0),
            length_known: frames.is_some(),
            codec: "PCM",
            container: kind,
            lossless: true,
            channel_mask: fmt.channel_mask,
        };
        let reader = Self {
            channels: usize::from(fmt.channels),
            encoding,
            data_start,
            frames,
            path: path.to_path_buf(),
            bytes: Vec::new(),
            carry: Vec::new(),
            position: 0,
            partial_end,
            stream_tail,
            tags_unread: false,
        };
        Ok((reader, info, tags))
    }

    /// What the end of a WAV says: without a length in its header, that it stopped mid-frame;
    /// from a stream, that tags after the audio were not read.
    pub fn end_warning(&self) -> Option<String> {
        let cut = self.partial_end.map(|b| {
            let fb = self.encoding.bytes() * self.channels;
            let s = if b == 1 { "" } else { "s" };
            format!(
                "it ends {b} byte{s} into a {fb}-byte frame, so it was cut short (its header gives no length; the partial frame was left out)"
            )
        });
        let tags = self.tags_unread.then(|| {
            "its tags (LIST/INFO) come after the audio, which a stream cannot seek to, so the \
             output has none of them; read the file itself (not standard input or a pipe) to \
             keep them"
                .to_string()
        });
        cut.or(tags)
    }

    /// Reads up to `buf.len() / channels` frames; 0 at the end.
    pub fn read(&mut self, input: &mut Input, buf: &mut [f64]) -> Result<usize, DecodeError> {
        let ch = self.channels;
        let fb = self.encoding.bytes() * ch;
        let mut want = buf.len() / ch;
        if let Some(total) = self.frames {
            want = want.min(total.saturating_sub(self.position) as usize);
        }
        if want == 0 {
            if self.frames.is_some_and(|total| self.position >= total) {
                if let Some(skip) = self.stream_tail.take() {
                    let past_audio = skip.saturating_sub(self.position * fb as u64);
                    self.tags_unread = list_info_follows(input, past_audio);
                }
            }
            return Ok(0);
        }
        self.bytes.clear();
        self.bytes.append(&mut self.carry);
        let need = want * fb;
        let mut have = self.bytes.len();
        self.bytes.resize(need, 0);
        // Fill as much as the source gives (a pipe returns short reads); stop at its end.
        have += read_full(input, &mut self.bytes[have..]).map_err(DecodeError::read(&self.path))?;
        let n = have / fb;
        if let Some(total) = self.frames.filter(|_| n < want && have < need) {
            return Err(DecodeError::truncated(
                &self.path,
                format!(
                    "the audio ends after {} of the {total} frames its header announces",
                    self.position + n as u64
                ),
            ));
        }
        // A streamed input may end with a partial frame: keep it for the next call (which will
        // find the end, drop it and remember it was there).
        if n == 0 && have > 0 && self.frames.is_none() {
            self.partial_end = Some(have);
        }
        self.carry.extend_from_slice(&self.bytes[n * fb..have]);
        pcm::decode(self.encoding, &self.bytes[..n * fb], &mut buf[..n * ch]);
        self.position += n as u64;
        Ok(n)
    }

    pub fn seek(&mut self, input: &mut Input, frame: u64) -> Result<(), DecodeError> {
        let frame = self.frames.map_or(frame, |f| frame.min(f));
        let fb = (self.encoding.bytes() * self.channels) as u64;
        input
            .seek_to(self.data_start + frame * fb)
            .map_err(DecodeError::read(&self.path))?;
        self.carry.clear();
        self.position = frame;
        Ok(())
    }
}

/// The chunks up to the audio data: its `fmt `, the 64-bit data size of an RF64 (`ds64`), the
/// tags (`LIST`/`INFO`) before it and the 32-bit size of the `data` chunk, where the cursor
/// stops (the tags after it: [`tags_after_data`]).
fn read_chunks(c: &mut Cursor<'_>) -> Result<(Fmt, Option<u64>, Tags, u32), DecodeError> {
    let path = c.path;
    let corrupt = |detail: String| DecodeError::corrupt(path, detail);
    let mut fmt: Option<Fmt> = None;
    let mut ds64_data: Option<u64> = None;
    let mut tags = Tags::default();
    let data_size = loop {
        let id = c.bytes::<4>("header")?;
        let size = u32::from_le_bytes(c.bytes::<4>("header")?);
        let pad = u64::from(size & 1);
        match &id {
            b"data" => break size,
            b"fmt " | b"ds64" | b"LIST" if size <= MAX_SMALL_CHUNK => {
                let body = c.vec(size, "header")?;
                c.skip(pad, "header")?;
                match &id {
                    // Which one would be right? Readers differ (ffmpeg takes the first).
                    b"fmt " if fmt.is_some() => {
                        return Err(corrupt("two `fmt ` chunks: the format is ambiguous".into()))
                    }
                    b"fmt " => fmt = Some(parse_fmt(&body).map_err(corrupt)?),
                    b"ds64" if body.len() >= 16 => ds64_data = Some(u64le(&body, 8)),
                    b"LIST" => parse_info(&body, &mut tags),
                    _ => {}
                }
            }
            _ => c.skip(u64::from(size) + pad, "header")?,
        }
    };
    let fmt = fmt.ok_or_else(|| corrupt("no `fmt ` chunk before the audio data".into()))?;
    Ok((fmt, ds64_data, tags, data_size))
}

/// The `LIST`/`INFO` tags of the chunks after the audio data, from byte `from` to `end` (the
/// file's length), put into `tags` (a later chunk's tag replaces an earlier one's, as before the
/// data). Seeks from chunk to chunk, so the audio is never read for them. A chunk cut short or
/// one that is no chunk (its id not four ASCII characters) ends the walk quietly: the audio reads
/// the same either way.
fn tags_after_data(input: &mut Input, from: u64, end: u64, tags: &mut Tags) {
    let mut at = from;
    for _ in 0..MAX_TRAILING_CHUNKS {
        let Some((id, size)) = chunk_head(input, at, end) else {
            return;
        };
        let body_end = at + 8 + u64::from(size);
        if body_end > end {
            return;
        }
        if &id == b"LIST" && size <= MAX_SMALL_CHUNK {
            let mut body = vec![0u8; size as usize];
            if input.read_exact(&mut body).is_err() {
                return;
            }
            parse_info(&body, tags);
        }
        at = body_end + u64::from(size & 1);
    }
}

/// The id and size of the chunk at byte `at` (the input left after them), if a whole chunk
/// header is there before `end` and its id is one (four printable ASCII characters).
fn chunk_head(input: &mut Input, at: u64, end: u64) -> Option<([u8; 4], u32)> {
    if at.checked_add(8)? > end {
        return None;
    }
    input.seek_to(at).ok()?;
    let mut head = [0u8; 8];
    input.read_exact(&mut head).ok()?;
    let id = [head[0], head[1], head[2], head[3]];
    id.iter()
        .all(|b| (b' '..=b'~').contains(b))
        .then_some((id, u32le(&head, 4)))
}

/// Whether a `LIST`/`INFO` chunk follows the audio of a stream, `skip` bytes after its last
/// frame (the rest of the data and its pad byte). Reads on through a few small chunks; anything
/// else (the end, a read error, a large chunk) says no.
fn list_info_follows(input: &mut Input, skip: u64) -> bool {
    let mut skip = skip;
    for _ in 0..MAX_TRAILING_CHUNKS {
        let skipped = io::copy(&mut (&mut *input).take(skip), &mut io::sink());
        let mut head = [0u8; 8];
        if skipped.ok() != Some(skip) || read_full(input, &mut head).ok() != Some(8) {
            return false;
        }
        let size = u32le(&head, 4);
        if &head[..4] == b"LIST" && size >= 4 {
            let mut kind = [0u8; 4];
            if read_full(input, &mut kind).ok() != Some(4) {
                return false;
            }
            if &kind == b"INFO" {
                return true;
            }
            skip = u64::from(size) + u64::from(size & 1) - 4;
        } else {
            skip = u64::from(size) + u64::from(size & 1);
        }
        if skip > u64::from(MAX_SMALL_CHUNK) {
            return false;
        }
    }
    false
}

/// How the samples are stored, and the bytes of one sample: refused when the header
/// contradicts itself or holds an encoding iemsim does not read.
fn encoding_of(fmt: &Fmt, path: &Path) -> Result<(Encoding, usize), DecodeError> {
    let corrupt = |detail: String| DecodeError::corrupt(path, detail);
    if fmt.channels == 0 {
        return Err(corrupt("the header says 0 channels".into()));
    }
    let float = fmt.tag == 3;
    // PCM and float store each sample in the whole bytes `wBitsPerSample` says (for
    // WAVE_FORMAT_EXTENSIBLE that is the container: 24 valid bits in 32), so the block is channels
    // x that: sox and ffmpeg read it so whatever nBlockAlign says (a 16-bit stereo file saying 6
    // was read as 24-bit: noise, exit 0).
    if (fmt.tag == 1 || float) && matches!(fmt.bits, 8 | 16 | 24 | 32) {
        return encoding(fmt, usize::from(fmt.bits / 8), path);
    }
    let container = usize::from(fmt.block_align / fmt.channels.max(1));
    if container == 0 || usize::from(fmt.block_align) != container * usize::from(fmt.channels) {
        return Err(corrupt(format!(
            "block size {} does not fit {} channels",
            fmt.block_align, fmt.channels
        )));
    }
    // Otherwise (WAVE_FORMAT_EXTENSIBLE, or a size not in whole bytes) the block says the
    // container, and the header's sample size must fit it: 17 bits in 2 bytes is a damaged
    // header, and 16 bits in a 4-byte mono block says the blocks are not what the samples are
    // (it read two samples as one). 24 in 4 bytes is the one padded layout writers use.
    let bits = usize::from(fmt.bits);
    if (fmt.tag == 1 || float) && (bits > 8 * container || bits + 16 <= 8 * container) {
        return Err(corrupt(format!(
            "{bits}-bit samples do not fit its {container}-byte blocks per channel"
        )));
    }
    encoding(fmt, container, path)
}

/// The encoding of samples of `container` bytes (refused when iemsim does not read it).
fn encoding(fmt: &Fmt, container: usize, path: &Path) -> Result<(Encoding, usize), DecodeError> {
    let bad = |detail: String| DecodeError::unsupported(path, detail);
    let float = fmt.tag == 3;
    let encoding = match (fmt.tag, container) {
        (1, 1) => Encoding::U8,
        (1, 2) => Encoding::I16,
        (1, 3) => Encoding::I24,
        // Valid bits are the top of the container (WAVEFORMATEXTENSIBLE): any 4-byte integer
        // sample is i32 / 2^31, whether 24 or 32 of its bits are valid.
        (1, 4) => Encoding::I32,
        (3, 4) => Encoding::F32,
        (1 | 3, n) => {
            return Err(bad(format!(
                "{}-bit {} samples in {n}-byte containers",
                fmt.bits,
                if float { "float" } else { "integer" }
            )))
        }
        (tag, _) => {
            return Err(bad(format!(
            "compressed or unknown WAV encoding (format tag {tag:#06x}, e.g. ADPCM, mu-law, A-law)"
        )))
        }
    };
    Ok((encoding, container))
}

/// `fmt `: WAVEFORMAT (14), PCMWAVEFORMAT (16), WAVEFORMATEX (18 + cbSize) or
/// WAVEFORMATEXTENSIBLE (40+); the sub-format GUID's first two bytes are the real format tag.
fn parse_fmt(b: &[u8]) -> Result<Fmt, String> {
    if b.len() < 14 {
        return Err(format!(
            "`fmt ` chunk of {} bytes (at least 14 needed)",
            b.len()
        ));
    }
    let mut tag = u16le(b, 0);
    let channels = u16le(b, 2);
    let rate = u32le(b, 4);
    let block_align = u16le(b, 12);
    let bits = if b.len() >= 16 {
        u16le(b, 14)
    } else {
        block_align / channels.max(1) * 8
    };
    let mut valid_bits = 0;
    let mut channel_mask = 0;
    if tag == 0xFFFE {
        if b.len() < 40 {
            return Err(format!(
                "WAVE_FORMAT_EXTENSIBLE `fmt ` chunk of {} bytes (40 needed)",
                b.len()
            ));
        }
        valid_bits = u16le(b, 18);
        channel_mask = u32le(b, 20);
        tag = u16le(b, 24);
    }
    Ok(Fmt {
        tag,
        channels,
        rate,
        block_align,
        bits,
        valid_bits,
        channel_mask,
    })
}

/// `LIST` of type `INFO`: the tags a listener cares about (RIFF INFO ids: INAM title, IART
/// artist, IPRD album/product, ICRD date, IGNR genre, ICMT comment, ITRK/IPRT track).
fn parse_info(b: &[u8], tags: &mut Tags) {
    if b.len() < 4 || &b[..4] != b"INFO" {
        return;
    }
    let mut at = 4;
    while at + 8 <= b.len() {
        let id = &b[at..at + 4];
        let size = u32le(b, at + 4) as usize;
        let start = at + 8;
        let end = start.saturating_add(size).min(b.len());
        let text = String::from_utf8_lossy(&b[start..end])
            .trim_end_matches('\0')
            .trim()
            .to_string();
        let slot = match id {
            b"INAM" => Some(&mut tags.title),
            b"IART" => Some(&mut tags.artist),
            b"IPRD" => Some(&mut tags.album),
            b"ICRD" => Some(&mut tags.date),
            b"IGNR" => Some(&mut tags.genre),
            b"ICMT" => Some(&mut tags.comment),
            b"ITRK" | b"IPRT" => Some(&mut tags.track),
            b"ISFT" => Some(&mut tags.software),
            _ => None,
        };
        if let Some(slot) = slot {
            if !text.is_empty() {
                *slot = Some(text);
            }
        }
        at = start.saturating_add(size).saturating_add(size & 1);
    }
}
