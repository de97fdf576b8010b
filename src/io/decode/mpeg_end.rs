//! Whether an MP3 file ends inside a frame, read from its last bytes.
//!
//! An MP3 without a Xing/LAME frame count has no length of its own; symphonia stops at the first
//! frame it cannot read whole and reports a shorter stream, so a file cut mid-frame lost its last
//! frame without a word. Each frame's header gives its length (ISO/IEC 11172-3 and 13818-3:
//! bitrate, sample rate, padding), so the frames of the tail are followed from one header to the
//! next: when the last one runs past the end of the file (before an ID3v1 tag), the file was cut.

/// Enough of a file's end to hold three frames of the longest kind (2,881 bytes: Layer II,
/// 160 kbit/s at 8 kHz) and an ID3v1 tag.
pub const TAIL_BYTES: usize = 16 * 1024;

/// Frames that must follow each other, each starting where the previous one ends, before a
/// header is believed: a random 4 bytes of compressed data pass as a header about once in 2^17.
const LINKED_FRAMES: usize = 3;

/// The last frame of a file that ends inside it: the bytes it has, and the bytes its header gives
/// ([`HEADER_BYTES`] when the header itself is cut).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CutFrame {
    pub have: usize,
    pub need: usize,
}

/// The frame `tail` (a file's last bytes) ends inside, if it does: the first run of
/// [`LINKED_FRAMES`] linked frames of one kind is followed to its last frame. None when the
/// frames end with the file, are followed by other bytes (a tag, padding), or no run is found.
pub fn cut_frame(tail: &[u8]) -> Option<CutFrame> {
    let tail = &tail[tail.len().saturating_sub(TAIL_BYTES)..];
    // An ID3v1 tag is the file's last 128 bytes: the audio ends before it.
    let end = match tail.len().checked_sub(128) {
        Some(at) if tail[at..].starts_with(b"TAG") => at,
        _ => tail.len(),
    };
    let tail = &tail[..end];
    let start = (0..tail.len())
        .find(|&at| frames(tail, at).take(LINKED_FRAMES).count() == LINKED_FRAMES)?;
    let mut at = start;
    for (from, h) in frames(tail, start) {
        if from + h.len > tail.len() {
            return Some(CutFrame {
                have: tail.len() - from,
                need: h.len,
            });
        }
        at = from + h.len;
    }
    // Cut inside the next frame's header: the start of a sync word after the last frame.
    let rest = &tail[at.min(tail.len())..];
    let partial_sync = match rest {
        [0xFF] => true,
        [0xFF, b, ..] => b & 0xE0 == 0xE0,
        _ => false,
    };
    (rest.len() < 4 && partial_sync).then_some(CutFrame {
        have: rest.len(),
        need: HEADER_BYTES,
    })
}

/// A frame header's length; no frame is this short, so a [`CutFrame`] needing this many bytes
/// was cut inside its header.
pub const HEADER_BYTES: usize = 4;

/// The frames of one kind that follow each other from `at` (the last perhaps not whole): where
/// each starts, and its header.
fn frames(tail: &[u8], at: usize) -> impl Iterator<Item = (usize, Header)> + '_ {
    let kind = header(tail, at).map(|h| h.kind);
    let mut next = Some(at);
    std::iter::from_fn(move || {
        let from = next?;
        let h = header(tail, from).filter(|h| Some(h.kind) == kind)?;
        next = Some(from + h.len);
        Some((from, h))
    })
}

/// One frame header's facts: its length in bytes, and what every frame of the stream shares
/// (version, layer and sample-rate bits).
#[derive(Debug, Clone, Copy)]
struct Header {
    len: usize,
    kind: u8,
}

/// The MPEG audio frame header at `at`, if those 4 bytes are one with a length (not free format).
fn header(b: &[u8], at: usize) -> Option<Header> {
    let h = b.get(at..at + 4)?;
    if h[0] != 0xFF || h[1] & 0xE0 != 0xE0 {
        return None;
    }
    let version = (h[1] >> 3) & 3; // 0: MPEG 2.5, 1: reserved, 2: MPEG 2, 3: MPEG 1
    let layer = (h[1] >> 1) & 3; // 0: reserved, 1: III, 2: II, 3: I
    let bitrate_index = usize::from(h[2] >> 4);
    let rate_index = usize::from((h[2] >> 2) & 3);
    if version == 1 || layer == 0 || bitrate_index == 0 || bitrate_index == 15 || rate_index == 3 {
        return None;
    }
    let mpeg1 = version == 3;
    let kbps: u32 = match (mpeg1, layer) {
        (true, 3) => [
            32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448,
        ],
        (true, 2) => [
            32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
        ],
        (true, _) => [
            32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
        ],
        (false, 3) => [
            32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256,
        ],
        (false, _) => [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    }[bitrate_index - 1];
    let rate: u32 = [44_100, 48_000, 32_000][rate_index] >> [2, 0, 1, 0][usize::from(version)];
    let padding = u32::from((h[2] >> 1) & 1);
    let bits = kbps * 1000;
    let len = match layer {
        3 => (12 * bits / rate + padding) * 4,
        // Layer III of MPEG 2 and 2.5 has half the samples per frame.
        1 if !mpeg1 => 72 * bits / rate + padding,
        _ => 144 * bits / rate + padding,
    };
    Some(Header {
        len: len as usize,
        kind: (h[1] & 0x1E) | ((h[2] & 0x0C) << 3),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame of `len` bytes: the header `h`, then bytes that never start a header.
    fn frame(h: [u8; 4], len: usize) -> Vec<u8> {
        let mut f = h.to_vec();
        f.resize(len, 0x55);
        f
    }

    /// Frame lengths from the standard's formulas, by hand: 128 kbit/s MPEG-1 Layer III at
    /// 44.1 kHz is 144 · 128000 / 44100 = 417 bytes (418 padded); at 48 kHz, 384. MPEG-2 Layer
    /// III 64 kbit/s at 22.05 kHz: 72 · 64000 / 22050 = 208. MPEG-2.5 Layer III 8 kbit/s at
    /// 8 kHz: 72 bytes. MPEG-1 Layer I 448 kbit/s at 32 kHz: (12 · 448000 / 32000) · 4 = 672.
    /// MPEG-1 Layer II 384 kbit/s at 32 kHz: 1728.
    #[test]
    fn frame_lengths_are_the_standards() {
        let len = |h: [u8; 4]| header(&h, 0).map(|h| h.len);
        assert_eq!(len([0xFF, 0xFB, 0x90, 0x00]), Some(417));
        assert_eq!(len([0xFF, 0xFB, 0x92, 0x00]), Some(418));
        assert_eq!(len([0xFF, 0xFB, 0x94, 0x00]), Some(384));
        assert_eq!(len([0xFF, 0xF3, 0x80, 0x00]), Some(208));
        assert_eq!(len([0xFF, 0xE3, 0x18, 0x00]), Some(72));
        assert_eq!(len([0xFF, 0xFF, 0xE8, 0x00]), Some(672));
        assert_eq!(len([0xFF, 0xFD, 0xE8, 0x00]), Some(1728));
        // Free format, a bad bitrate, a reserved rate, version or layer; ADTS (layer bits 00).
        for h in [
            [0xFF, 0xFB, 0x00, 0x00],
            [0xFF, 0xFB, 0xF0, 0x00],
            [0xFF, 0xFB, 0x9C, 0x00],
            [0xFF, 0xEB, 0x90, 0x00],
            [0xFF, 0xF9, 0x90, 0x00],
            [0xFF, 0xF1, 0x50, 0x80],
        ] {
            assert_eq!(len(h), None, "{h:02X?}");
        }
    }

    #[test]
    fn a_frame_running_past_the_end_is_cut_and_whole_ones_are_not() {
        let h = [0xFF, 0xFB, 0x90, 0x64];
        let whole: Vec<u8> = (0..10).flat_map(|_| frame(h, 417)).collect();
        assert_eq!(cut_frame(&whole), None);
        let cut = &whole[..whole.len() - 100];
        assert_eq!(
            cut_frame(cut),
            Some(CutFrame {
                have: 317,
                need: 417
            })
        );
        // Cut inside the last header itself: 1 to 3 bytes of it.
        for have in 1..4 {
            let cut = &whole[..whole.len() - 417 + have];
            let want = CutFrame { have, need: 4 };
            assert_eq!(cut_frame(cut), Some(want), "{have}");
        }
        // At a frame's end: whole frames, nothing to tell.
        assert_eq!(cut_frame(&whole[..whole.len() - 417]), None);
        // A tail that starts mid-frame finds its way to the frames.
        assert!(cut_frame(&cut[200..]).is_some());
        // An ID3v1 tag after whole frames, or after a cut one.
        let mut tagged = whole.clone();
        tagged.extend(b"TAG".iter().copied().chain(std::iter::repeat_n(b' ', 125)));
        assert_eq!(cut_frame(&tagged), None);
        let mut cut_tagged = cut.to_vec();
        cut_tagged.extend_from_slice(&tagged[whole.len()..]);
        assert_eq!(cut_frame(&cut_tagged).map(|c| c.have), Some(317));
        // Other bytes after the last frame (an APE tag, padding) are not a cut.
        let mut padded = whole.clone();
        padded.extend(std::iter::repeat_n(0u8, 300));
        assert_eq!(cut_frame(&padded), None);
    }

    /// One header-like 4 bytes in the data whose "frame" runs past the end is no cut: nothing
    /// links to it. Fewer linked frames than needed judge nothing.
    #[test]
    fn a_lone_header_in_the_data_is_not_believed() {
        let mut b = vec![0x55u8; 3000];
        b[2500..2504].copy_from_slice(&[0xFF, 0xFB, 0x90, 0x64]);
        assert_eq!(cut_frame(&b), None);
        let two: Vec<u8> = (0..2)
            .flat_map(|_| frame([0xFF, 0xFB, 0x90, 0x64], 417))
            .collect();
        assert_eq!(cut_frame(&two[..600]), None);
    }
}
