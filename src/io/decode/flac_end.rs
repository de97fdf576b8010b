//! Whether a FLAC stream without a length in its header ends inside a frame.
//!
//! A FLAC written to a pipe (ffmpeg's) has total samples 0 ("unknown") in its STREAMINFO;
//! symphonia drops a last frame it cannot read whole, so such a file cut short read as a shorter
//! whole one. Every frame header carries the frame's place (RFC 9639 §9.1: its frame number, or
//! its first sample's number) and a CRC-8 of itself, so a header in the file's last bytes whose
//! frame starts exactly where the decoded audio ends is a frame that was not decoded: cut, or
//! failing its checksum. Both a CRC-8 and that exact place must match: a header-like run of
//! bytes in the audio passes neither.
//!
//! Whether a FLAC file has bytes after its last frame ([`audio_end`]): an ID3v1 tag (128 bytes,
//! `TAG`…), an APEv2 tag, or anything else. symphonia's FLAC reader takes a frame to run to the
//! next frame header, the last one to the end of the stream: with bytes after it, that frame
//! failed its CRC-16 and was dropped without a word, and a whole file read as a truncated one.

use crate::io::flac_encode::crc8;
use symphonia::core::checksum::Crc16Ansi;
use symphonia::core::io::Monitor;

/// Enough of a file's end to hold the header of a cut frame: 24-bit stereo frames of 4096
/// samples are 25 kB, 8 channels of 32 bits twice that of 16384 samples.
pub const TAIL_BYTES: usize = 1024 * 1024;

/// The bytes of the frame in `tail` (a stream's last bytes) that starts at frame `end`, where
/// the decoded audio ends; None when there is none (the stream ended with its last frame).
pub fn cut_frame(tail: &[u8], end: u64) -> Option<usize> {
    let headers: Vec<(usize, Header)> = (0..tail.len())
        .filter_map(|at| header(tail, at).map(|h| (at, h)))
        .collect();
    // A fixed-blocksize stream numbers its frames; each but the last is the nominal size.
    let nominal = headers.iter().map(|(_, h)| h.block).max()?;
    headers
        .iter()
        .find(|(_, h)| h.first_sample(nominal) == Some(end))
        .map(|&(at, _)| tail.len() - at)
}

/// Where the audio of a FLAC whose last bytes are `tail` ends, when bytes that are not audio
/// follow its last frame: the offset in `tail` to read up to. None when the frames end with the
/// file, or where they end cannot be told (a file cut short, which the reader then reports).
///
/// An ID3v1 and an APEv2 tag at the end are tags, whatever the audio before them. Other bytes
/// after the frames are found from the last frame (its header's place plus its size makes
/// `total`, the STREAMINFO's count; 0: unknown): its end is where its CRC-16 holds, the first
/// such place whose bytes `decodes` (a CRC-16 matches by chance about once in 65,536 places, and
/// a frame short of its end does not decode).
pub fn audio_end(tail: &[u8], total: u64, decodes: impl FnMut(&[u8]) -> bool) -> Option<usize> {
    if ends_with_a_frame(tail) {
        return None;
    }
    let end = before_tags(tail);
    let found = (total > 0)
        .then(|| last_frame_end(&tail[..end], total, decodes))
        .flatten();
    match found {
        Some(at) => (at < tail.len()).then_some(at),
        None => (end < tail.len()).then_some(end),
    }
}

/// Whether `tail` ends with a whole frame, as a file does that has nothing after its audio: the
/// last frame header in it starts bytes whose CRC-16 holds. Looked for from the end, this costs
/// the last frame's bytes; listing every header of the tail first cost a 2 s file's export about
/// 1.6 ms (a fifth more CPU on a folder of them).
fn ends_with_a_frame(tail: &[u8]) -> bool {
    (0..tail.len())
        .rev()
        .find(|&at| header(tail, at).is_some())
        .is_some_and(|at| crc_holds(&tail[at..]))
}

/// Where the frame of `bytes` that ends a stream of `total` frames ends (see [`audio_end`]).
fn last_frame_end(
    bytes: &[u8],
    total: u64,
    mut decodes: impl FnMut(&[u8]) -> bool,
) -> Option<usize> {
    let headers: Vec<(usize, Header)> = (0..bytes.len())
        .filter_map(|at| header(bytes, at).map(|h| (at, h)))
        .collect();
    let nominal = headers.iter().map(|(_, h)| h.block).max()?;
    let (at, _) = headers.iter().rev().find(|(_, h)| {
        let first = h.first_sample(nominal);
        first.and_then(|f| f.checked_add(h.block)) == Some(total)
    })?;
    let frame = &bytes[*at..];
    if crc_holds(frame) {
        return Some(bytes.len());
    }
    // The places where the CRC-16 of the bytes before them is their last two bytes.
    let mut crc = Crc16Ansi::new(0);
    let mut ends = Vec::new();
    for (i, pair) in frame.windows(2).enumerate() {
        if i >= 6 && crc.crc() == u16::from_be_bytes([pair[0], pair[1]]) {
            ends.push(i + 2);
        }
        crc.process_byte(pair[0]);
    }
    let len = ends.into_iter().find(|&n| decodes(&frame[..n]))?;
    Some(at + len)
}

/// Whether the CRC-16 of `frame` (a frame header's bytes to the end) is its last two bytes.
fn crc_holds(frame: &[u8]) -> bool {
    let Some(body) = frame.len().checked_sub(2) else {
        return false;
    };
    let mut crc = Crc16Ansi::new(0);
    crc.process_buf_bytes(&frame[..body]);
    crc.crc() == u16::from_be_bytes([frame[body], frame[body + 1]])
}

/// Where the tags at the end of `tail` begin (its length when there are none): an ID3v1 tag
/// (the last 128 bytes, `TAG`…), and before it or at the end an APEv2 tag, found by its
/// 32-byte footer (`APETAGEX`, then the version, the size of the items and footer, the item
/// count and flags whose bit 31 says a 32-byte header comes first).
pub fn before_tags(tail: &[u8]) -> usize {
    let mut end = tail.len();
    if let Some(at) = end.checked_sub(128) {
        if tail[at..].starts_with(b"TAG") {
            end = at;
        }
    }
    let Some(footer) = end.checked_sub(32).map(|at| &tail[at..end]) else {
        return end;
    };
    if !footer.starts_with(b"APETAGEX") {
        return end;
    }
    let le =
        |i: usize| u32::from_le_bytes([footer[i], footer[i + 1], footer[i + 2], footer[i + 3]]);
    let header = if le(20) & 0x8000_0000 != 0 { 32 } else { 0 };
    let size = usize::try_from(le(12)).unwrap_or(usize::MAX);
    match size.checked_add(header) {
        Some(len) if len >= 32 && len <= end => end - len,
        _ => end,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Header {
    /// Variable blocksize: `number` is the first sample's; else the frame's.
    variable: bool,
    number: u64,
    block: u64,
}

impl Header {
    fn first_sample(&self, nominal: u64) -> Option<u64> {
        if self.variable {
            Some(self.number)
        } else {
            self.number.checked_mul(nominal)
        }
    }
}

/// The frame header at `at`, if the bytes there are one whose CRC-8 holds.
fn header(b: &[u8], at: usize) -> Option<Header> {
    let h = b.get(at..)?;
    if h.len() < 6 || h[0] != 0xFF || h[1] & 0xFE != 0xF8 {
        return None;
    }
    let (block_code, rate_code) = (h[2] >> 4, h[2] & 0x0F);
    let (channels_code, size_code) = (h[3] >> 4, (h[3] >> 1) & 7);
    if block_code == 0 || rate_code == 15 || channels_code > 10 || size_code == 3 || h[3] & 1 != 0 {
        return None;
    }
    // The coded number: UTF-8's scheme, up to 7 bytes.
    let extra = match h[4].leading_ones() {
        0 => 0,
        n @ 2..=7 => n as usize - 1,
        _ => return None,
    };
    let first_bits = if extra == 0 { 7 } else { 6 - extra };
    let mut number = u64::from(h[4]) & ((1 << first_bits) - 1);
    for &c in h.get(5..5 + extra)? {
        if c & 0xC0 != 0x80 {
            return None;
        }
        number = (number << 6) | u64::from(c & 0x3F);
    }
    let mut i = 5 + extra;
    let mut field = |bytes: usize| {
        let v = h
            .get(i..i + bytes)?
            .iter()
            .fold(0u64, |v, &b| (v << 8) | u64::from(b));
        i += bytes;
        Some(v)
    };
    let block = match block_code {
        1 => 192,
        2..=5 => 576 << (block_code - 2),
        6 => field(1)? + 1,
        7 => field(2)? + 1,
        _ => 256 << (block_code - 8),
    };
    match rate_code {
        12 => _ = field(1)?,
        13 | 14 => _ = field(2)?,
        _ => {}
    }
    (crc8(&h[..i]) == *h.get(i)?).then_some(Header {
        variable: h[1] & 1 == 1,
        number,
        block,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame header as the standard lays it out, with its CRC-8; then `body` bytes of 0x55.
    fn frame(variable: bool, number: &[u8], block_code: u8, extra: &[u8], body: usize) -> Vec<u8> {
        let mut f = vec![
            0xFF,
            0xF8 | u8::from(variable),
            (block_code << 4) | 0x09,
            0x18,
        ];
        f.extend_from_slice(number);
        f.extend_from_slice(extra);
        f.push(crc8(&f));
        f.resize(f.len() + body, 0x55);
        f
    }

    /// `frame`, then its CRC-16, as a whole frame ends.
    fn sealed(mut f: Vec<u8>) -> Vec<u8> {
        let mut crc = Crc16Ansi::new(0);
        crc.process_buf_bytes(&f);
        f.extend_from_slice(&crc.crc().to_be_bytes());
        f
    }

    /// Frames 0-2 of 4096 samples and a last one of 1000 (a file of 13,288 frames), then an
    /// ID3v1 tag, an APEv2 tag (with and without its header, before an ID3v1 tag or not) or other
    /// bytes: the audio ends after the last frame. Tags are found without decoding; other bytes
    /// by the first place the last frame's CRC-16 holds and it decodes (here: all of it is there).
    /// Cut inside its last frame, or with no frame ending the stream's count, a file has no end
    /// to tell.
    #[test]
    fn the_audio_ends_before_tags_and_other_bytes() {
        let mut whole = Vec::new();
        for n in 0..3u8 {
            whole.extend(sealed(frame(false, &[n], 12, &[], 300)));
        }
        let last = whole.len();
        whole.extend(sealed(frame(false, &[3], 7, &[0x03, 0xE7], 100)));
        let total = 3 * 4096 + 1000;
        let whole_last = whole.len() - last;
        let tried = std::cell::RefCell::new(Vec::new());
        let mut decodes = |f: &[u8]| {
            tried.borrow_mut().push(f.len());
            f.len() >= whole_last
        };
        assert_eq!(audio_end(&whole, total, &mut decodes), None);
        let mut id3 = b"TAG".to_vec();
        id3.resize(128, 0);
        let ape = |header: bool| {
            let items = b"\x05\0\0\0\0\0\0\0Title\0hello";
            let part = |flags: u32| {
                let mut p = b"APETAGEX".to_vec();
                for v in [2000, items.len() as u32 + 32, 1, flags] {
                    p.extend_from_slice(&v.to_le_bytes());
                }
                p.extend_from_slice(&[0; 8]);
                p
            };
            let head = if header {
                part(0xA000_0000)
            } else {
                Vec::new()
            };
            [head, items.to_vec(), part(0x8000_0000 * u32::from(header))].concat()
        };
        for trailer in [
            id3.clone(),
            [ape(true), id3.clone()].concat(),
            ape(false),
            ape(true),
        ] {
            let file = [&whole[..], &trailer].concat();
            assert_eq!(audio_end(&file, total, &mut decodes), Some(whole.len()));
            assert_eq!(audio_end(&file, 0, &mut decodes), Some(whole.len()));
        }
        assert!(tried.borrow().is_empty(), "{tried:?}");
        let junk: Vec<u8> = (0..5000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let file = [&whole[..], &junk].concat();
        assert_eq!(audio_end(&file, total, &mut decodes), Some(whole.len()));
        assert_eq!(tried.borrow().last(), Some(&whole_last));
        // Unknown length: other bytes cannot be told from the audio.
        assert_eq!(audio_end(&file, 0, &mut decodes), None);
        // Cut inside the last frame, with or without a tag after it; a count no frame ends.
        let cut = &whole[..whole.len() - 20];
        assert_eq!(audio_end(cut, total, &mut decodes), None);
        assert_eq!(
            audio_end(&[cut, &id3].concat(), total, &mut decodes),
            Some(cut.len())
        );
        assert_eq!(audio_end(&file, total + 1, &mut decodes), None);
    }

    /// CRC-8 check value of the ASCII digits 1-9 for this polynomial (CRC-8/SMBUS): 0xF4.
    #[test]
    fn the_crc_is_flacs() {
        assert_eq!(crc8(b"123456789"), 0xF4);
    }

    #[test]
    fn headers_give_their_place_and_size() {
        // Frame 5 of 4096 samples (code 12), 44.1 kHz (code 9), stereo 16-bit.
        let f = frame(false, &[5], 12, &[], 10);
        let h = header(&f, 0).unwrap();
        assert_eq!((h.variable, h.number, h.block), (false, 5, 4096));
        // A two-byte number (0xC4 0x80 = 256) and an 8-bit block size (code 6: 99 + 1).
        let f = frame(false, &[0xC4, 0x80], 6, &[99], 10);
        assert_eq!(header(&f, 0).map(|h| (h.number, h.block)), Some((256, 100)));
        // A variable-blocksize stream numbers samples: 1,000,000 in 4 bytes (0xF3 0xB4 0x89 0x80).
        let f = frame(true, &[0xF3, 0xB4, 0x89, 0x80], 8, &[], 10);
        assert_eq!(header(&f, 0).map(|h| h.number), Some(1_000_000));
        // A wrong CRC, a continuation byte out of place, a reserved sample size: none.
        let mut bad = frame(false, &[5], 12, &[], 10);
        bad[5] ^= 1;
        assert_eq!(header(&bad, 0), None);
        assert_eq!(header(&frame(false, &[0x85], 12, &[], 10), 0), None);
        let mut reserved = frame(false, &[5], 12, &[], 0);
        reserved[3] = 0x16;
        reserved[5] = crc8(&reserved[..5]);
        assert_eq!(header(&reserved, 0), None);
    }

    /// Frames 0-9 of 4096 samples, the last 1000 (the short last frame): whole, it holds no frame
    /// starting at 40,960 + 1000; cut inside the last, the tail holds the one starting at 36,864.
    #[test]
    fn the_frame_at_the_decoded_end_is_found_only_when_cut() {
        let mut whole = Vec::new();
        for n in 0..10u8 {
            whole.extend(frame(false, &[n], 12, &[], 300));
        }
        let last = whole.len();
        whole.extend(frame(false, &[10], 7, &[0x03, 0xE7], 100));
        assert_eq!(cut_frame(&whole, 40_960 + 1000), None);
        assert_eq!(cut_frame(&whole, 40_960), Some(whole.len() - last));
        let cut = &whole[..last + 20];
        assert_eq!(cut_frame(cut, 40_960), Some(20));
        // Decoded to another place (the count is off, or this is not that stream): no claim.
        assert_eq!(cut_frame(cut, 40_000), None);
        // Variable blocksize: sample numbers.
        let mut v = frame(true, &[0], 12, &[], 300);
        v.extend(frame(true, &[0xE1, 0x80, 0x80], 12, &[], 30));
        assert_eq!(cut_frame(&v, 4096), Some(v.len() - 306));
    }
}
