//! Where a FLAC or Ogg file ends, read from its bytes, for what symphonia does not tell:
//! a FLAC with no frame after its metadata (a valid empty file, which symphonia fails to probe)
//! and an Ogg stream cut short (symphonia reads up to the cut and reports a shorter stream).
//!
//! An Ogg stream's last page carries the end-of-stream flag (RFC 3533: `header_type` bit 0x04),
//! so a file whose last whole page lacks it was cut. Every page has a checksum and a sequence
//! number, which symphonia does not hold against the reader: a damaged page was dropped without
//! a word. And symphonia decodes only the first of chained streams. A seekable file has its
//! pages walked at open ([`ogg_pages`]); a stream is followed page by page as it is read
//! ([`OggTap`]) and judged at its end.

use super::input::Input;
use super::nonfinite::clock;
use super::read_full;
use crate::io::lock;
use std::collections::HashMap;
use std::io::{self, Read};
use std::sync::{Arc, Mutex};
use symphonia::core::checksum::Crc32;
use symphonia::core::io::Monitor;

/// True when the FLAC file in `input` (its marker at 0) ends right after its metadata blocks:
/// no audio frame at all. False when the metadata is cut (that is for the parser to report).
pub fn flac_without_frames(input: &mut Input) -> io::Result<bool> {
    let Some(len) = input.len() else {
        return Ok(false);
    };
    let mut at = 4u64;
    loop {
        input.seek_to(at)?;
        let mut head = [0u8; 4];
        if read_full(input, &mut head)? < 4 {
            return Ok(false);
        }
        let size = u64::from(u32::from_be_bytes([0, head[1], head[2], head[3]]));
        at += 4 + size;
        if head[0] & 0x80 != 0 {
            return Ok(at == len);
        }
        if at >= len {
            return Ok(false);
        }
    }
}

/// The length of the page at the start of `b` when all of it is there (None: more bytes needed).
fn page_len(b: &[u8]) -> Option<usize> {
    let head = 27 + usize::from(*b.get(26)?);
    let body: usize = b.get(27..head)?.iter().map(|&l| usize::from(l)).sum();
    (b.len() >= head + body).then_some(head + body)
}

/// A whole page (`page_len` long) is one when its version is 0 and its checksum is right.
/// Ogg's CRC-32 (polynomial 0x04C11DB7, initial value 0, no reflection, no final xor) is
/// symphonia's `Crc32`, eight bytes a step by slicing tables: a byte at a time, the page walk
/// made opening a 75-minute Ogg take 0.2 s, paid at every open.
fn sound(page: &[u8]) -> bool {
    let mut crc = Crc32::new(0);
    // The checksum field itself counts as zeros.
    for part in [&page[..22], &[0; 4], &page[26..]] {
        crc.process_buf_bytes(part);
    }
    page[4] == 0 && crc.crc() == u32::from_le_bytes([page[22], page[23], page[24], page[25]])
}

/// What the pages of an Ogg stream say of it, once read to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Whole,
    /// Its last whole page does not end the stream (no end-of-stream flag): it was cut.
    Cut,
    /// Logical streams one after the other (a new beginning-of-stream page after pages of
    /// data): this many of them. symphonia decodes the first only.
    Chained(u32),
    /// A page fails its checksum, pages are missing, or bytes that are not pages sit between
    /// pages: what and where.
    Damaged(String),
}

/// The pages of an Ogg stream followed as its bytes pass, in order: each page is checked
/// (capture pattern, version, checksum) and so is the sequence numbering of each logical
/// stream. Bytes that are not a page after the last one (an ID3 tag, padding) are let be;
/// followed by a page again, they are damage.
#[derive(Debug, Default)]
pub struct PageWalk {
    /// Bytes not walked yet: the start of a page, or of bytes searched for one.
    buf: Vec<u8>,
    /// The offset of `buf[0]` in the stream.
    at: u64,
    /// Whole pages read.
    pages: u64,
    /// Where bytes that are not a page began, since the last page.
    junk: Option<u64>,
    last_flags: Option<u8>,
    /// The last sequence number of each logical stream of the current link.
    sequence: HashMap<u32, u32>,
    /// Groups of beginning-of-stream pages: chained streams.
    links: u32,
    /// A page that does not begin a stream came in the current link.
    data_in_link: bool,
    /// The audio stream (serial number) and its sample rate, from its first header.
    audio: Option<(u32, u32)>,
    /// The granule position (frames) of the audio stream's last page that had one.
    granule: Option<u64>,
    damage: Option<String>,
    at_end: bool,
}

impl PageWalk {
    fn feed(&mut self, b: &[u8]) {
        if self.damage.is_some() {
            return;
        }
        self.buf.extend_from_slice(b);
        let mut pos = 0;
        while self.damage.is_none() {
            let rest = &self.buf[pos..];
            let Some(junk) = self.junk else {
                let n = rest.len().min(4);
                if rest[..n] != b"OggS"[..n] {
                    self.junk = Some(self.at + pos as u64);
                    continue;
                }
                let Some(len) = page_len(rest) else { break };
                let at = self.at + pos as u64;
                if !sound(&rest[..len]) {
                    let near = self.near();
                    self.damage = Some(format!(
                        "Ogg page {} (byte offset {at}) fails its checksum{near}",
                        self.pages + 1
                    ));
                    break;
                }
                self.page(pos, len);
                pos += len;
                continue;
            };
            // Past bytes that are not a page: is a page next?
            let Some(i) = rest.windows(4).position(|w| w == b"OggS") else {
                pos = self.buf.len().saturating_sub(3).max(pos);
                break;
            };
            pos += i;
            let rest = &self.buf[pos..];
            let Some(len) = page_len(rest) else { break };
            if sound(&rest[..len]) {
                let near = self.near();
                let at = self.at + pos as u64;
                self.damage = Some(format!(
                    "{} bytes at byte offset {junk} are not an Ogg page (a damaged page header, \
                     or bytes lost), before page {} (byte offset {at}){near}",
                    at - junk,
                    self.pages + 1
                ));
                break;
            }
            pos += 1;
        }
        self.buf.drain(..pos.min(self.buf.len()));
        self.at += pos as u64;
    }

    /// Takes the sound page `buf[pos..pos + len]`.
    fn page(&mut self, pos: usize, len: usize) {
        let p = &self.buf[pos..pos + len];
        let u32_at = |i: usize| u32::from_le_bytes([p[i], p[i + 1], p[i + 2], p[i + 3]]);
        let (flags, serial, seq) = (p[5], u32_at(14), u32_at(18));
        let granule = u64::from(u32_at(6)) | u64::from(u32_at(10)) << 32;
        self.pages += 1;
        if flags & 0x02 != 0 {
            if self.links == 0 || self.data_in_link {
                self.links += 1;
                self.sequence.clear();
                self.data_in_link = false;
            }
            let body = &p[27 + usize::from(p[26])..];
            if self.audio.is_none() && body.len() >= 16 && body.starts_with(b"\x01vorbis") {
                self.audio = Some((
                    serial,
                    u32::from_le_bytes([body[12], body[13], body[14], body[15]]),
                ));
            } else if self.audio.is_none() && body.starts_with(b"OpusHead") {
                self.audio = Some((serial, 48_000));
            }
        } else {
            self.data_in_link = true;
        }
        if let Some(before) = self.sequence.insert(serial, seq) {
            if seq != before.wrapping_add(1) {
                let near = self.near();
                self.damage = Some(format!(
                    "pages are missing before Ogg page {} (byte offset {}): its sequence number \
                     is {seq} where {} was due{near}",
                    self.pages,
                    self.at + pos as u64,
                    before.wrapping_add(1)
                ));
            }
        }
        if self.audio.is_some_and(|(s, _)| s == serial) && granule != u64::MAX {
            self.granule = Some(granule);
        }
        self.last_flags = Some(flags);
        self.junk = None;
    }

    /// `, near 0:02.612`: the end of the audio's last sound page, when known.
    fn near(&self) -> String {
        match (self.audio, self.granule) {
            (Some((_, rate)), Some(g)) if rate > 0 => format!(", near {}", clock(g, rate)),
            _ => String::new(),
        }
    }

    /// What the pages said; that the stream was cut only once it was read to its end (the
    /// last whole page lacks the end-of-stream flag, whatever bytes that are not pages follow).
    pub fn verdict(&self) -> Verdict {
        if let Some(d) = &self.damage {
            Verdict::Damaged(d.clone())
        } else if self.links > 1 {
            Verdict::Chained(self.links)
        } else if self.at_end && self.last_flags.is_none_or(|f| f & 0x04 == 0) {
            Verdict::Cut
        } else {
            Verdict::Whole
        }
    }

    /// Reads the rest of `input` through the walk, unless damage was found already (or is found
    /// on the way); the verdict.
    fn read_to_end(&mut self, input: &mut impl Read) -> io::Result<Verdict> {
        let mut buf = vec![0u8; 1 << 16];
        while !self.at_end && self.damage.is_none() {
            match input.read(&mut buf) {
                Ok(0) => self.at_end = true,
                Ok(n) => self.feed(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(self.verdict())
    }
}

/// Walks the pages of the seekable Ogg `input` from its start to its end (linear in its size).
pub fn ogg_pages(input: &mut Input) -> io::Result<Verdict> {
    input.seek_to(0)?;
    PageWalk::default().read_to_end(input)
}

/// The verdicts of the last files walked, by path, length and modification time: `play` opens
/// its file four times (estimate, feeder, exact pass, analysis), and each walk of a 75-minute
/// Ogg read all of its 50 MB again before the first sound.
static WALKED: Mutex<Vec<(WalkKey, Verdict)>> = Mutex::new(Vec::new());
/// How many verdicts are kept (a folder export opens each file twice or so, in turn).
const WALKED_KEPT: usize = 8;

type WalkKey = (std::path::PathBuf, u64, Option<std::time::SystemTime>);

/// [`ogg_pages`] of the file `path`, walked once while it stays the same file (same length and
/// modification time).
pub fn ogg_pages_of(input: &mut Input, path: &std::path::Path) -> io::Result<Verdict> {
    let Input::File(f) = input else {
        return ogg_pages(input);
    };
    let Ok(m) = f.get_ref().metadata() else {
        return ogg_pages(input);
    };
    let key = (path.to_path_buf(), m.len(), m.modified().ok());
    let walked =
        |w: &Vec<(WalkKey, Verdict)>| w.iter().find(|(k, _)| *k == key).map(|e| e.1.clone());
    if let Some(v) = walked(&lock(&WALKED)) {
        return Ok(v);
    }
    let verdict = ogg_pages(input)?;
    let mut w = lock(&WALKED);
    if walked(&w).is_none() {
        if w.len() == WALKED_KEPT {
            w.remove(0);
        }
        w.push((key, verdict.clone()));
    }
    Ok(verdict)
}

/// A stream of Ogg pages read through, its pages followed as they pass. Clones share the
/// stream: one reads for the decoder, another ([`Self::finish`]) reads what the decoder left.
pub struct OggTap<R> {
    shared: Arc<Mutex<(R, PageWalk)>>,
}

impl<R> Clone for OggTap<R> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<R: Read> OggTap<R> {
    /// `already`: the bytes of the stream read before (its first ones).
    pub fn new(inner: R, already: &[u8]) -> Self {
        let mut walk = PageWalk::default();
        walk.feed(already);
        Self {
            shared: Arc::new(Mutex::new((inner, walk))),
        }
    }

    /// What the pages read so far say (a cut is told only at the end).
    pub fn verdict(&self) -> Verdict {
        lock(&self.shared).1.verdict()
    }

    /// Reads the rest of the stream through the walk (the decoder stops at the end of the first
    /// logical stream: what follows is judged too), unless damage was found already; the verdict.
    pub fn finish(&self) -> io::Result<Verdict> {
        let mut shared = lock(&self.shared);
        let (inner, walk) = &mut *shared;
        walk.read_to_end(inner)
    }
}

impl<R: Read> Read for OggTap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut shared = lock(&self.shared);
        let (inner, walk) = &mut *shared;
        let n = inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            walk.at_end = true;
        }
        walk.feed(&buf[..n]);
        Ok(n)
    }
}

/// The first bytes of the FLAC file in `input`: its marker and, when the block right after it
/// is one, the STREAMINFO ([`FLAC_HEAD`] bytes; fewer in a file too short to hold them).
pub fn flac_head(input: &mut Input) -> io::Result<Vec<u8>> {
    input.seek_to(0)?;
    let mut head = vec![0u8; FLAC_HEAD];
    let got = read_full(input, &mut head)?;
    head.truncate(got);
    Ok(head)
}

/// A FLAC's marker (4 bytes), its first block's header (4) and a STREAMINFO's 34 bytes.
pub const FLAC_HEAD: usize = 42;

/// The total samples a FLAC's first bytes `head` give in its STREAMINFO (RFC 9639 §8.2: 36 bits
/// from byte 18); 0 is "unknown", as a FLAC written to a pipe has it, and so is a head too short
/// to hold it.
pub fn flac_length(head: &[u8]) -> u64 {
    head.get(18..26)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map_or(0, |b| u64::from_be_bytes(b) & 0xF_FFFF_FFFF)
}

/// The STREAMINFO block in a FLAC's first bytes `head` (the block first after the marker; RFC
/// 9639 §8.2: 34 bytes after the marker and the block's 4-byte header); None when there is none.
pub fn flac_streaminfo(head: &[u8]) -> Option<&[u8]> {
    head.get(8..FLAC_HEAD).filter(|_| head[4] & 0x7F == 0)
}

/// Reads the last `bytes` of the seekable `input` (all of it when shorter).
pub fn read_tail(input: &mut Input, bytes: usize) -> io::Result<Vec<u8>> {
    let Some(len) = input.len() else {
        return Ok(Vec::new());
    };
    let from = len.saturating_sub(bytes as u64);
    input.seek_to(from)?;
    let mut tail = vec![0u8; usize::try_from(len - from).unwrap_or(0)];
    let got = read_full(input, &mut tail)?;
    tail.truncate(got);
    Ok(tail)
}

/// The last bytes read of a stream (standard input, a pipe) that [`TailTap`] passes on, judged at
/// its end. Clones share them.
#[derive(Clone)]
pub struct Tail {
    bytes: Arc<Mutex<Vec<u8>>>,
    keep: usize,
}

impl Tail {
    /// `judge` of the last bytes kept (at least `keep` of them once the stream was that long).
    pub fn with<T>(&self, judge: impl FnOnce(&[u8]) -> T) -> T {
        judge(&lock(&self.bytes))
    }

    fn push(&self, bytes: &[u8]) {
        let mut t = lock(&self.bytes);
        t.extend_from_slice(bytes);
        // Dropped in steps of at least `keep` bytes, so each byte is moved about once.
        if t.len() >= 2 * self.keep {
            let drop = t.len() - self.keep;
            t.drain(..drop);
        }
    }
}

/// A stream read through, its last bytes kept in a [`Tail`].
pub struct TailTap<R> {
    inner: R,
    tail: Tail,
}

impl<R: Read> TailTap<R> {
    /// Keeps the last `keep` bytes; `already`: the bytes of the stream read before (its first).
    pub fn new(inner: R, already: &[u8], keep: usize) -> (Self, Tail) {
        let tail = Tail {
            bytes: Arc::default(),
            keep,
        };
        tail.push(already);
        let tap = Self {
            inner,
            tail: tail.clone(),
        };
        (tap, tail)
    }
}

impl<R: Read> Read for TailTap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.tail.push(&buf[..n]);
        Ok(n)
    }
}

/// A stream (standard input, a pipe) passed on `keep` bytes behind what was read, so that its
/// last bytes can be kept from the reader, as a file's are by its length: at its end, `cut` is
/// given the stream's first bytes (up to [`FLAC_HEAD`] of them, `already` read before included)
/// and its last ones not passed on (at least `keep` once it was that long), and says where in
/// these the stream is to end. Holds up to about twice `keep` bytes.
pub struct HoldBack<R> {
    inner: R,
    held: Vec<u8>,
    /// Bytes of `held` passed on already.
    out: usize,
    keep: usize,
    head: Vec<u8>,
    cut: Cut,
    ended: bool,
}

/// Where in the bytes it is given (the stream's first, its last) a held-back stream ends.
type Cut = fn(&[u8], &[u8]) -> Option<usize>;

impl<R: Read> HoldBack<R> {
    pub fn new(inner: R, already: &[u8], keep: usize, cut: Cut) -> Self {
        let head = already[..already.len().min(FLAC_HEAD)].to_vec();
        let (held, out, ended) = (Vec::new(), 0, false);
        Self {
            inner,
            held,
            out,
            keep,
            head,
            cut,
            ended,
        }
    }

    /// Reads more of the stream into `held`; at its end, lets `cut` end it.
    fn fill(&mut self) -> io::Result<()> {
        let at = self.held.len();
        self.held.resize(at + (1 << 16), 0);
        let got = self.inner.read(&mut self.held[at..]);
        self.held.truncate(at + *got.as_ref().unwrap_or(&0));
        let n = got?;
        let more = FLAC_HEAD.saturating_sub(self.head.len()).min(n);
        self.head.extend_from_slice(&self.held[at..at + more]);
        if n == 0 {
            self.ended = true;
            if let Some(end) = (self.cut)(&self.head, &self.held[self.out..]) {
                self.held.truncate(self.out + end);
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for HoldBack<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let ready = match self.ended {
                true => self.held.len(),
                false => self.held.len().saturating_sub(self.keep),
            };
            if ready > self.out || self.ended || buf.is_empty() {
                let n = buf.len().min(ready.saturating_sub(self.out));
                buf[..n].copy_from_slice(&self.held[self.out..self.out + n]);
                self.out += n;
                // Dropped in steps of at least `keep` bytes, so each byte is moved about once.
                if self.out >= self.keep {
                    self.held.drain(..self.out);
                    self.out = 0;
                }
                return Ok(n);
            }
            self.fill()?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream's tail is its last bytes, however it was read (here 1000 bytes at a time), and
    /// no more than twice what it keeps.
    #[test]
    fn a_streams_tail_is_its_last_bytes() {
        let stream: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let (mut tap, tail) = TailTap::new(&stream[4..], &stream[..4], 4096);
        let mut buf = vec![0u8; 1000];
        while tap.read(&mut buf).unwrap() > 0 {
            assert!(tail.with(<[u8]>::len) < 2 * 4096);
        }
        let kept = tail.with(<[u8]>::to_vec);
        assert!(kept.len() >= 4096 && stream.ends_with(&kept));
        let (mut tap, tail) = TailTap::new(&stream[4..100], &stream[..4], 4096);
        while tap.read(&mut buf).unwrap() > 0 {}
        assert_eq!(tail.with(<[u8]>::to_vec), &stream[..100]);
    }

    /// A held-back stream passes on every byte in order, however it is read, up to where `cut`
    /// ends it, which sees the stream's first bytes and at least its last `keep` ones.
    #[test]
    fn a_held_back_stream_ends_where_its_cut_says() {
        let stream: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        fn cut(head: &[u8], tail: &[u8]) -> Option<usize> {
            assert_eq!(head, &(0..42u8).collect::<Vec<_>>()[..]);
            assert!(tail.len() >= 4096);
            Some(tail.len() - 1000)
        }
        for step in [1000, 70_000] {
            let mut held = HoldBack::new(&stream[4..], &stream[..4], 4096, cut);
            let (mut got, mut buf) = (stream[..4].to_vec(), vec![0u8; step]);
            loop {
                let n = held.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            assert!(got == stream[..stream.len() - 1000], "{step}");
        }
    }

    #[test]
    fn the_crc_is_oggs() {
        // The published check value: CRC-32/CKSUM of "123456789" is 0x765E7680 with its final
        // xor; Ogg's has none.
        let mut crc = Crc32::new(0);
        crc.process_buf_bytes(b"123456789");
        assert_eq!(crc.crc(), !0x765E_7680);
    }

    /// One Ogg page with a right checksum: its stream, sequence number and granule position.
    fn page_of(serial: u32, seq: u32, granule: u64, flags: u8, body: &[u8]) -> Vec<u8> {
        let mut p = b"OggS\0".to_vec();
        p.push(flags);
        p.extend_from_slice(&granule.to_le_bytes());
        p.extend_from_slice(&serial.to_le_bytes());
        p.extend_from_slice(&seq.to_le_bytes());
        p.extend_from_slice(&[0; 4]);
        let mut lacing = vec![255u8; body.len() / 255];
        lacing.push((body.len() % 255) as u8);
        p.push(lacing.len() as u8);
        p.extend_from_slice(&lacing);
        p.extend_from_slice(body);
        let mut crc = Crc32::new(0);
        crc.process_buf_bytes(&p);
        p[22..26].copy_from_slice(&crc.crc().to_le_bytes());
        p
    }

    /// A Vorbis identification header's start: 2 channels, 44100 Hz.
    fn vorbis_id() -> Vec<u8> {
        let mut id = b"\x01vorbis\0\0\0\0\x02".to_vec();
        id.extend_from_slice(&44_100u32.to_le_bytes());
        id
    }

    /// A logical stream `serial` of pages (flags, body), a second of audio each.
    fn stream(serial: u32, pages: &[(u8, &[u8])]) -> Vec<u8> {
        let pages = pages.iter().enumerate();
        pages
            .flat_map(|(i, &(flags, body))| {
                page_of(serial, i as u32, i as u64 * 44_100, flags, body)
            })
            .collect()
    }

    /// The verdict on `bytes` from a pipe read `chunk` bytes at a time (the decoder reading
    /// `upto` bytes of it only), and from a file; both must agree.
    fn judge(bytes: &[u8], chunk: usize, upto: usize) -> Verdict {
        let mut tap = OggTap::new(&bytes[4..], &bytes[..4]);
        let mut buf = vec![0u8; chunk];
        let mut read = 4;
        while read < upto {
            let n = tap.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            read += n;
        }
        let piped = tap.finish().unwrap();
        let mut input = Input::Memory(std::io::Cursor::new(bytes.to_vec().into()));
        assert_eq!(
            piped,
            ogg_pages(&mut input).unwrap(),
            "pipe and file differ"
        );
        piped
    }

    fn judge_all(bytes: &[u8]) -> Verdict {
        let verdict = judge(bytes, 4096, usize::MAX);
        for chunk in [1, 7] {
            assert_eq!(judge(bytes, chunk, usize::MAX), verdict, "{chunk}");
        }
        assert_eq!(judge(bytes, 4096, 30), verdict, "the rest read by finish");
        verdict
    }

    #[test]
    fn a_file_walked_before_is_walked_again_once_it_changed() {
        // The verdicts are kept by path, length and modification time: a file cut since its
        // last walk must not keep the verdict of its whole self.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.ogg");
        let id = vorbis_id();
        let whole = stream(7, &[(0x02, &id), (0, &[1; 300]), (0x04, &[2; 300])]);
        let verdict = |path: &std::path::Path| {
            let mut input = Input::open(path).unwrap();
            ogg_pages_of(&mut input, path).unwrap()
        };
        std::fs::write(&path, &whole).unwrap();
        assert_eq!(verdict(&path), Verdict::Whole);
        assert_eq!(verdict(&path), Verdict::Whole, "kept");
        let last = page_of(7, 2, 2 * 44_100, 0x04, &[2; 300]).len();
        std::fs::write(&path, &whole[..whole.len() - last]).unwrap();
        assert_eq!(verdict(&path), Verdict::Cut);
    }

    fn damaged(v: Verdict) -> String {
        match v {
            Verdict::Damaged(d) => d,
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn a_stream_without_its_last_page_is_cut_short() {
        let body = vec![0x4F; 600];
        let whole = stream(7, &[(2, b"head"), (0, &body), (4, &body)]);
        let cut_between = stream(7, &[(2, b"head"), (0, &body)]);
        assert_eq!(judge_all(&whole), Verdict::Whole);
        assert_eq!(judge_all(&cut_between), Verdict::Cut);
        assert_eq!(judge_all(&whole[..whole.len() - 10]), Verdict::Cut);
    }

    /// Bytes that are not pages after the last page (a newline, padding, an ID3v1 tag) hide
    /// neither a cut nor a whole stream: the last whole page tells.
    #[test]
    fn bytes_after_the_last_page_do_not_hide_a_cut() {
        let body = vec![0x4F; 600];
        let whole = stream(7, &[(2, b"head"), (0, &body), (4, &body)]);
        let cut_between = stream(7, &[(2, b"head"), (0, &body)]);
        let mut id3 = b"TAG".to_vec();
        id3.extend_from_slice(&[b' '; 125]);
        for trailer in [
            b"\n".to_vec(),
            vec![0; 3000],
            id3,
            b"OggS and more".to_vec(),
        ] {
            assert_eq!(judge_all(&[&whole[..], &trailer].concat()), Verdict::Whole);
            assert_eq!(
                judge_all(&[&cut_between[..], &trailer].concat()),
                Verdict::Cut
            );
        }
    }

    #[test]
    fn a_damaged_or_missing_page_is_named_with_its_place() {
        let body = vec![0x4F; 600];
        let id = vorbis_id();
        let pages = [(2, &id[..]), (0, &body[..]), (0, &body[..]), (4, &body[..])];
        let whole = stream(7, &pages);
        assert_eq!(judge_all(&whole), Verdict::Whole);
        let third = whole.len() - 2 * (27 + 3 + 600);
        assert!(third > 0);
        // A flipped bit in the body of the third page.
        let mut flipped = whole.clone();
        flipped[third + 100] ^= 0x04;
        let d = damaged(judge_all(&flipped));
        assert!(
            d.contains(&format!("page 3 (byte offset {third}) fails its checksum"))
                && d.contains("near 0:01.000"),
            "{d}"
        );
        // Its capture pattern damaged: bytes that are not a page, then a page.
        let mut header = whole.clone();
        header[third + 1] ^= 0x01;
        let d = damaged(judge_all(&header));
        assert!(
            d.contains(&format!("at byte offset {third} are not an Ogg page")),
            "{d}"
        );
        // The third page gone.
        let missing = [&whole[..third], &whole[third + 27 + 3 + 600..]].concat();
        let d = damaged(judge_all(&missing));
        assert!(d.contains("sequence number is 3 where 2 was due"), "{d}");
        // The last page damaged: not "cut".
        let mut last = whole.clone();
        let end = last.len() - 1;
        last[end] ^= 0x80;
        assert!(damaged(judge_all(&last)).contains("page 4"));
    }

    #[test]
    fn chained_streams_are_told_from_multiplexed_ones() {
        let body = vec![0x4F; 600];
        let link = |serial| stream(serial, &[(2, b"head"), (0, &body), (4, &body)]);
        assert_eq!(judge_all(&[link(1), link(2)].concat()), Verdict::Chained(2));
        assert_eq!(judge_all(&[link(1), link(1)].concat()), Verdict::Chained(2));
        assert_eq!(
            judge_all(&[link(1), link(2), link(3)].concat()),
            Verdict::Chained(3)
        );
        // Two streams side by side (video and audio): their beginning pages come first.
        let muxed = [
            page_of(1, 0, 0, 2, b"video"),
            page_of(2, 0, 0, 2, b"audio"),
            page_of(1, 1, 5, 0, &body),
            page_of(2, 1, 5, 0, &body),
            page_of(1, 2, 9, 4, &body),
            page_of(2, 2, 9, 4, &body),
        ]
        .concat();
        assert_eq!(judge_all(&muxed), Verdict::Whole);
    }

    #[test]
    fn a_flac_of_metadata_only_has_no_frames() {
        let mut flac = b"fLaC".to_vec();
        flac.extend_from_slice(&[0x00, 0, 0, 34]);
        flac.extend_from_slice(&[0; 34]);
        flac.extend_from_slice(&[0x81, 0, 0, 8]);
        flac.extend_from_slice(&[0; 8]);
        let no_frames = |bytes: &[u8]| {
            let mut input = Input::Memory(std::io::Cursor::new(bytes.to_vec().into()));
            flac_without_frames(&mut input).unwrap()
        };
        assert!(no_frames(&flac));
        assert!(!no_frames(&flac[..flac.len() - 1]));
        flac.extend_from_slice(&[0xFF, 0xF8, 0, 0]);
        assert!(!no_frames(&flac));
    }
}
