//! Where a FLAC or Ogg file ends, read from its bytes, for what symphonia does not tell:
//! a FLAC with no frame after its metadata (a valid empty file, which symphonia fails to probe)
//! and an Ogg stream cut short (symphonia reads up to the cut and reports a shorter stream).
//!
//! An Ogg stream's last page carries the end-of-stream flag (RFC 3533: `header_type` bit 0x04),
//! so a file whose last whole page lacks it was cut. A seekable file is checked at its tail
//! ([`ogg_cut_short`]); a stream is followed page by page as it is read ([`OggTap`]).

use super::input::Input;
use super::read_full;
use std::io::{self, Read};
use std::sync::{Arc, Mutex};

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

/// The largest Ogg page: 27 header bytes, 255 lacing values, 255 x 255 body bytes.
const MAX_PAGE: u64 = 27 + 255 + 255 * 255;

/// True when the last whole page of the seekable Ogg `input` does not end the stream (no
/// end-of-stream flag): the file was cut. Pages are told from the bytes of packets by their
/// checksum. False when no whole page is found in the tail (nothing to go by).
pub fn ogg_cut_short(input: &mut Input) -> io::Result<bool> {
    let Some(len) = input.len() else {
        return Ok(false);
    };
    let start = len.saturating_sub(2 * MAX_PAGE);
    input.seek_to(start)?;
    let mut tail = vec![0u8; (len - start) as usize];
    let got = read_full(input, &mut tail)?;
    tail.truncate(got);
    let mut end = tail.len();
    while let Some(at) = tail[..end].windows(4).rposition(|w| w == b"OggS") {
        if let Some(flags) = whole_page(&tail[at..]) {
            return Ok(flags & 0x04 == 0);
        }
        end = at + 3;
    }
    Ok(false)
}

/// The `header_type` of the page at the start of `b` when all of it is there and its checksum
/// is right.
fn whole_page(b: &[u8]) -> Option<u8> {
    if b.len() < 27 || b[4] != 0 {
        return None;
    }
    let segments = usize::from(b[26]);
    let head = 27 + segments;
    let body: usize = b.get(27..head)?.iter().map(|&l| usize::from(l)).sum();
    let page = b.get(..head + body)?;
    let stored = u32::from_le_bytes([page[22], page[23], page[24], page[25]]);
    let mut crc = 0u32;
    for (i, &byte) in page.iter().enumerate() {
        let byte = if (22..26).contains(&i) { 0 } else { byte };
        crc = crc_step(crc, byte);
    }
    (crc == stored).then_some(page[5])
}

/// Ogg's CRC-32: polynomial 0x04C11DB7, initial value 0, no reflection, no final xor.
fn crc_step(crc: u32, byte: u8) -> u32 {
    let mut c = crc ^ (u32::from(byte) << 24);
    for _ in 0..8 {
        c = if c & 0x8000_0000 != 0 {
            (c << 1) ^ 0x04C1_1DB7
        } else {
            c << 1
        };
    }
    c
}

/// What [`OggTap`] has seen of the pages that went past.
#[derive(Debug, Default)]
pub struct PageWalk {
    /// The header of the page being read (27 bytes and its lacing values).
    head: Vec<u8>,
    body_left: usize,
    last_flags: Option<u8>,
    /// A page did not start where the previous one ended: no judgement then.
    lost: bool,
    at_end: bool,
}

impl PageWalk {
    fn feed(&mut self, mut b: &[u8]) {
        while !b.is_empty() && !self.lost {
            if self.body_left > 0 {
                let n = self.body_left.min(b.len());
                self.body_left -= n;
                b = &b[n..];
                continue;
            }
            let need = if self.head.len() < 27 {
                27
            } else {
                27 + usize::from(self.head[26])
            };
            let n = (need - self.head.len()).min(b.len());
            self.head.extend_from_slice(&b[..n]);
            b = &b[n..];
            let have = self.head.len().min(4);
            if self.head[..have] != b"OggS"[..have] {
                self.lost = true;
            } else if self.head.len() >= 27 && self.head.len() == 27 + usize::from(self.head[26]) {
                self.body_left = self.head[27..].iter().map(|&l| usize::from(l)).sum();
                self.last_flags = Some(self.head[5]);
                self.head.clear();
            }
        }
    }

    /// The stream was read to its end and that end is not the end-of-stream page's: it ended
    /// inside a page, or after a page without the flag.
    pub fn cut_short(&self) -> bool {
        self.at_end
            && !self.lost
            && (!self.head.is_empty()
                || self.body_left > 0
                || self.last_flags.is_some_and(|f| f & 0x04 == 0))
    }
}

/// A stream of Ogg pages read through, its pages followed as they pass (header bytes only: the
/// bodies are counted, not looked at).
pub struct OggTap<R> {
    inner: R,
    walk: Arc<Mutex<PageWalk>>,
}

impl<R> OggTap<R> {
    /// `already`: the bytes of the stream read before (its first ones).
    pub fn new(inner: R, already: &[u8]) -> (Self, Arc<Mutex<PageWalk>>) {
        let walk = Arc::new(Mutex::new(PageWalk::default()));
        walk.lock().unwrap_or_else(|e| e.into_inner()).feed(already);
        let tap = Self {
            inner,
            walk: Arc::clone(&walk),
        };
        (tap, walk)
    }
}

impl<R: Read> Read for OggTap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut walk = self.walk.lock().unwrap_or_else(|e| e.into_inner());
        if n == 0 && !buf.is_empty() {
            walk.at_end = true;
        }
        walk.feed(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One Ogg page with a right checksum.
    fn page(flags: u8, body: &[u8]) -> Vec<u8> {
        let mut p = b"OggS\0".to_vec();
        p.push(flags);
        p.extend_from_slice(&[0; 20]);
        let mut lacing = vec![255u8; body.len() / 255];
        lacing.push((body.len() % 255) as u8);
        p.push(lacing.len() as u8);
        p.extend_from_slice(&lacing);
        p.extend_from_slice(body);
        let crc = p.iter().fold(0, |c, &b| crc_step(c, b));
        p[22..26].copy_from_slice(&crc.to_le_bytes());
        p
    }

    fn walk(bytes: &[u8], chunk: usize) -> PageWalk {
        let (mut tap, walk) = OggTap::new(&bytes[4..], &bytes[..4]);
        let mut buf = vec![0u8; chunk];
        while tap.read(&mut buf).unwrap() > 0 {}
        drop(tap);
        Arc::into_inner(walk).unwrap().into_inner().unwrap()
    }

    #[test]
    fn a_stream_without_its_last_page_is_cut_short() {
        let body = vec![0x4F; 600];
        let whole = [page(2, b"head"), page(0, &body), page(4, &body)].concat();
        let cut_between = [page(2, b"head"), page(0, &body)].concat();
        for chunk in [1, 7, 4096] {
            assert!(!walk(&whole, chunk).cut_short(), "{chunk}");
            assert!(walk(&cut_between, chunk).cut_short(), "{chunk}");
            assert!(
                walk(&whole[..whole.len() - 10], chunk).cut_short(),
                "{chunk}"
            );
        }
        // Not Ogg pages all through: no judgement.
        let garbage = [page(2, b"head"), b"xxxxxx".to_vec(), page(0, &body)].concat();
        assert!(!walk(&garbage, 64).cut_short());

        let tail = |bytes: &[u8]| {
            let mut input = Input::Memory(std::io::Cursor::new(bytes.to_vec().into()));
            ogg_cut_short(&mut input).unwrap()
        };
        assert!(!tail(&whole));
        assert!(tail(&cut_between));
        assert!(tail(&whole[..whole.len() - 10]));
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
