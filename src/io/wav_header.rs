//! The bytes of a WAV header, chosen so that every common reader takes the file without a warning.
//!
//! Which `fmt ` chunk (Microsoft, "WAVEFORMATEXTENSIBLE" and "Multiple channel audio data and WAVE
//! files"): integer PCM with more than 16 bits per sample or more than 2 channels gets
//! WAVE_FORMAT_EXTENSIBLE, as those rules require; integer PCM ≤ 16 bits and ≤ 2 channels the
//! 16-byte `WAVEFORMAT` (tag 1) that every reader, Python's `wave` included, understands. Float is
//! WAVE_FORMAT_IEEE_FLOAT (tag 3) in an 18-byte `WAVEFORMATEX` with `cbSize` 0 at any channel
//! count, plus the `fact` chunk the RIFF specification asks of non-PCM data: sox 14.4 warns
//! "missing extended part of fmt chunk" both for a float `fmt ` without `cbSize` and for every
//! EXTENSIBLE float file (ffmpeg's too), and writes multichannel float in this tag-3 form itself;
//! readers then assume the default channel order, which is what the mask would have said.
//!
//! The speakers (`dwChannelMask`) are the input's ([`HeaderSpec::channel_mask`]): a 2.1 input
//! (0xB) stays 2.1, a 5.1(side) one (0x60F) 5.1(side). A layout other than the default for the
//! count can only be said by WAVE_FORMAT_EXTENSIBLE, so such a file gets that form whatever its
//! format (sox's warning on EXTENSIBLE float is the lesser harm than an LFE read as a centre);
//! an input that names no layout gets the default, as before.
//!
//! Sizes: RIFF sizes are 32-bit. A file that may grow past 4 GiB gets a 28-byte `JUNK` chunk
//! right after `WAVE`, which [`Header::finish_patches`] turns into the `ds64` chunk of an RF64 file
//! (EBU Tech 3306, the layout sox and ffmpeg read) when the file did grow that large. A stream
//! (standard output) cannot be patched: when its length is known up front the sizes are written
//! at once, otherwise they say 0xFFFFFFFF, "read to the end", as ffmpeg writes to a pipe.

use super::Tags;

/// The largest RIFF file: its size fields are 32-bit.
pub const MAX_RIFF_BYTES: u64 = u32::MAX as u64;

/// What the header describes.
#[derive(Debug, Clone)]
pub struct HeaderSpec<'a> {
    pub channels: u16,
    pub sample_rate: u32,
    pub bits: u16,
    pub float: bool,
    /// The input's speakers (a `dwChannelMask`), 0 when it did not say: the header declares it
    /// when it names a standard speaker per channel, else the default for the count
    /// ([`crate::dsp::channels::output_mask`]).
    pub channel_mask: u32,
    pub tags: &'a Tags,
    /// Reserve room for a `ds64` chunk (the file may exceed 4 GiB).
    pub reserve_ds64: bool,
    /// Sizes are unknown and never patched (a pipe).
    pub streamed: bool,
}

/// A header and where its size fields sit.
#[derive(Debug, Clone)]
pub struct Header {
    pub bytes: Vec<u8>,
    junk_at: Option<usize>,
    fact_at: Option<usize>,
    data_size_at: usize,
    block_align: u64,
}

const UNKNOWN: u32 = u32::MAX;
/// `ds64` body without a table: RIFF size, data size, sample count (u64 each), table length.
const DS64_BODY: u32 = 28;

/// The KSDATAFORMAT_SUBTYPE GUID tail shared by PCM (1) and IEEE float (3) (ksmedia.h).
const GUID_TAIL: [u8; 14] = [
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
];

impl Header {
    pub fn new(spec: &HeaderSpec) -> Header {
        let mut b = Vec::with_capacity(128);
        b.extend_from_slice(b"RIFF");
        b.extend_from_slice(&UNKNOWN.to_le_bytes());
        b.extend_from_slice(b"WAVE");
        let junk_at = (spec.reserve_ds64 && !spec.streamed).then(|| {
            let at = b.len();
            b.extend_from_slice(b"JUNK");
            b.extend_from_slice(&DS64_BODY.to_le_bytes());
            b.extend_from_slice(&[0; DS64_BODY as usize]);
            at
        });
        let block_align = spec.channels * spec.bits.div_ceil(8);
        let mut fmt = Vec::with_capacity(40);
        // The speakers the header declares for an input that said `mask` (0: nothing): the input's
        // own layout when it names one for every channel, else Microsoft's default for 1-8 channels
        // (mono = front centre, 5.1 = 0x3F, 7.1 = 0x63F), the layout the player and the demos
        // assume when they downmix (`dsp::channels`).
        let channels = usize::from(spec.channels);
        let mask = crate::dsp::channels::output_mask(spec.channel_mask, channels);
        // Whether the header is WAVE_FORMAT_EXTENSIBLE (see the module comment for the rule).
        let extensible = (!spec.float && (spec.channels > 2 || spec.bits > 16))
            || mask != crate::dsp::channels::default_mask(channels);
        let tag: u16 = match (extensible, spec.float) {
            (true, _) => 0xFFFE,
            (false, true) => 3,
            (false, false) => 1,
        };
        fmt.extend_from_slice(&tag.to_le_bytes());
        fmt.extend_from_slice(&spec.channels.to_le_bytes());
        fmt.extend_from_slice(&spec.sample_rate.to_le_bytes());
        fmt.extend_from_slice(&(spec.sample_rate * u32::from(block_align)).to_le_bytes());
        fmt.extend_from_slice(&block_align.to_le_bytes());
        fmt.extend_from_slice(&spec.bits.to_le_bytes());
        if extensible {
            fmt.extend_from_slice(&22u16.to_le_bytes());
            fmt.extend_from_slice(&spec.bits.to_le_bytes()); // valid bits = container bits
            fmt.extend_from_slice(&mask.to_le_bytes());
            fmt.extend_from_slice(&[if spec.float { 3 } else { 1 }, 0]); // subformat GUID Data1
            fmt.extend_from_slice(&GUID_TAIL);
        } else if spec.float {
            fmt.extend_from_slice(&0u16.to_le_bytes());
        }
        chunk(&mut b, b"fmt ", &fmt);
        let fact_at = spec.float.then(|| {
            let at = b.len();
            chunk(&mut b, b"fact", &UNKNOWN.to_le_bytes());
            at
        });
        if !spec.tags.is_empty() {
            chunk(&mut b, b"LIST", &info_list(spec.tags));
        }
        b.extend_from_slice(b"data");
        let data_size_at = b.len();
        b.extend_from_slice(&UNKNOWN.to_le_bytes());
        Header {
            bytes: b,
            junk_at,
            fact_at,
            data_size_at,
            block_align: u64::from(block_align),
        }
    }

    /// Writes patches from [`Header::finish_patches`] into the header itself (for a stream whose
    /// length is known before the first sample).
    pub fn apply(&mut self, patches: &[(u64, Vec<u8>)]) {
        for (at, bytes) in patches {
            let at = *at as usize;
            self.bytes[at..at + bytes.len()].copy_from_slice(bytes);
        }
    }

    /// Whether room for `ds64` was reserved (the file may pass 4 GiB).
    pub fn can_grow_to_rf64(&self) -> bool {
        self.junk_at.is_some()
    }

    /// The `(offset, bytes)` writes that complete the header once `data_bytes` of samples (before
    /// the pad byte) are written. `None` if the file is too large for RIFF and no `ds64` was
    /// reserved; `limit` is [`MAX_RIFF_BYTES`] except in tests.
    pub fn finish_patches(&self, data_bytes: u64, limit: u64) -> Option<Vec<(u64, Vec<u8>)>> {
        let total = self.bytes.len() as u64 + data_bytes + (data_bytes & 1);
        let frames = data_bytes / self.block_align;
        let mut p = Vec::new();
        if total > limit {
            let junk = self.junk_at? as u64;
            p.push((0, b"RF64".to_vec()));
            p.push((4, UNKNOWN.to_le_bytes().to_vec()));
            let mut ds64 = b"ds64".to_vec();
            ds64.extend_from_slice(&DS64_BODY.to_le_bytes());
            ds64.extend_from_slice(&(total - 8).to_le_bytes());
            ds64.extend_from_slice(&data_bytes.to_le_bytes());
            ds64.extend_from_slice(&frames.to_le_bytes());
            ds64.extend_from_slice(&0u32.to_le_bytes());
            p.push((junk, ds64));
            // The 32-bit fields stay 0xFFFFFFFF: "see ds64" (EBU Tech 3306, section 3).
            return Some(p);
        }
        p.push((4, ((total - 8) as u32).to_le_bytes().to_vec()));
        p.push((
            self.data_size_at as u64,
            (data_bytes as u32).to_le_bytes().to_vec(),
        ));
        if let Some(at) = self.fact_at {
            p.push((at as u64 + 8, (frames as u32).to_le_bytes().to_vec()));
        }
        Some(p)
    }
}

/// Appends a chunk with its pad byte when the body's length is odd (RIFF: chunks are word-aligned).
fn chunk(out: &mut Vec<u8>, id: &[u8; 4], body: &[u8]) {
    out.extend_from_slice(id);
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(body);
    if body.len() % 2 == 1 {
        out.push(0);
    }
}

/// `INFO` followed by one NUL-terminated sub-chunk per tag (RIFF MCI spec, 1991; the ids ffmpeg,
/// sox/libsndfile and foobar2000 read: INAM title, IART artist, IPRD album, ICRD date, IGNR genre,
/// ICMT comment, ITRK track).
fn info_list(tags: &Tags) -> Vec<u8> {
    let mut b = b"INFO".to_vec();
    let fields = [
        (b"INAM", &tags.title),
        (b"IART", &tags.artist),
        (b"IPRD", &tags.album),
        (b"ICRD", &tags.date),
        (b"IGNR", &tags.genre),
        (b"ICMT", &tags.comment),
        (b"ITRK", &tags.track),
        (b"ISFT", &tags.software),
    ];
    for (id, value) in fields {
        if let Some(v) = value {
            let mut text: Vec<u8> = v.bytes().filter(|&c| c != 0).collect();
            text.push(0);
            chunk(&mut b, id, &text);
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(channels: u16, bits: u16, float: bool, tags: &Tags) -> HeaderSpec<'_> {
        HeaderSpec {
            channels,
            sample_rate: 48_000,
            bits,
            float,
            channel_mask: 0,
            tags,
            reserve_ds64: false,
            streamed: false,
        }
    }

    fn fmt_chunk(h: &Header) -> (u16, u32) {
        assert_eq!(&h.bytes[12..16], b"fmt ");
        let len = u32::from_le_bytes(h.bytes[16..20].try_into().unwrap());
        (u16::from_le_bytes([h.bytes[20], h.bytes[21]]), len)
    }

    /// The three `fmt ` forms, byte for byte against the structures in mmreg.h.
    #[test]
    fn fmt_form_follows_microsofts_rules() {
        let t = Tags::default();
        assert_eq!(fmt_chunk(&Header::new(&spec(2, 16, false, &t))), (1, 16));
        assert_eq!(fmt_chunk(&Header::new(&spec(1, 16, false, &t))), (1, 16));
        assert_eq!(fmt_chunk(&Header::new(&spec(2, 32, true, &t))), (3, 18));
        assert_eq!(
            fmt_chunk(&Header::new(&spec(2, 24, false, &t))),
            (0xFFFE, 40)
        );
        assert_eq!(
            fmt_chunk(&Header::new(&spec(6, 16, false, &t))),
            (0xFFFE, 40)
        );
        assert_eq!(fmt_chunk(&Header::new(&spec(6, 32, true, &t))), (3, 18));
        let h = Header::new(&spec(6, 24, false, &t));
        assert_eq!(fmt_chunk(&h), (0xFFFE, 40));
        // cbSize 22, valid bits 24, mask 5.1, KSDATAFORMAT_SUBTYPE_PCM
        assert_eq!(&h.bytes[36..44], &[22, 0, 24, 0, 0x3F, 0, 0, 0]);
        assert_eq!(
            &h.bytes[44..60],
            &[1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71]
        );
        let h = Header::new(&spec(2, 32, true, &t));
        assert_eq!(&h.bytes[38..42], b"fact");
    }

    /// The input's speakers are declared, in WAVE_FORMAT_EXTENSIBLE (the only form that can say
    /// them) when they are not the default for the count; a mask that does not name one speaker
    /// per channel, or none, gives the default as before.
    #[test]
    fn declares_the_inputs_speakers() {
        let t = Tags::default();
        let with = |channels, bits, float, mask| {
            let mut s = spec(channels, bits, float, &t);
            s.channel_mask = mask;
            Header::new(&s)
        };
        let mask_of = |h: &Header| u32::from_le_bytes(h.bytes[40..44].try_into().unwrap());
        // 2.1 (FL FR LFE) at 16 bits: extensible, LFE kept (it was declared a centre, 0x7).
        let h = with(3, 16, false, 0xB);
        assert_eq!((fmt_chunk(&h), mask_of(&h)), ((0xFFFE, 40), 0xB));
        // 5.1(side), 7.1(wide), LCRS
        for (ch, mask) in [(6, 0x60F), (8, 0xFF), (4, 0x107)] {
            assert_eq!(mask_of(&with(ch, 24, false, mask)), mask);
        }
        // Float: tag 3 for the default layout, extensible for another one.
        assert_eq!(fmt_chunk(&with(6, 32, true, 0x3F)), (3, 18));
        let h = with(6, 32, true, 0x60F);
        assert_eq!((fmt_chunk(&h), mask_of(&h)), ((0xFFFE, 40), 0x60F));
        assert_eq!(h.bytes[44], 3, "IEEE float sub-format");
        // No mask, or one that does not fit the count: the default.
        assert_eq!(mask_of(&with(6, 24, false, 0)), 0x3F);
        assert_eq!(mask_of(&with(6, 24, false, 0x7)), 0x3F);
        assert_eq!(mask_of(&with(3, 24, false, 0x4_0003)), 0x7);
        // Mono and stereo with their default speakers keep the plain header.
        assert_eq!(fmt_chunk(&with(2, 16, false, 0x3)), (1, 16));
        assert_eq!(fmt_chunk(&with(1, 16, false, 0x4)), (1, 16));
    }

    #[test]
    fn info_list_pads_odd_strings() {
        let tags = Tags {
            title: Some("Song".into()),   // 4 + NUL = 5: one pad byte
            artist: Some("Band!".into()), // 5 + NUL = 6: none
            ..Tags::default()
        };
        let b = info_list(&tags);
        assert_eq!(&b[..], b"INFOINAM\x05\0\0\0Song\0\0IART\x06\0\0\0Band!\0");
    }

    #[test]
    fn patches_plain_sizes_and_pad() {
        let t = Tags::default();
        let h = Header::new(&spec(1, 24, false, &t)); // 68-byte header
        let p = h.finish_patches(3 * 5, MAX_RIFF_BYTES).unwrap();
        let total = h.bytes.len() as u64 + 16; // 15 data bytes + 1 pad
        assert_eq!(p[0], (4, ((total - 8) as u32).to_le_bytes().to_vec()));
        assert_eq!(p[1].1, 15u32.to_le_bytes().to_vec());
    }

    #[test]
    fn upgrades_to_rf64_only_with_a_reserved_ds64() {
        let t = Tags::default();
        let plain = Header::new(&spec(2, 16, false, &t));
        assert!(plain.finish_patches(1000, 500).is_none());
        let mut s = spec(2, 16, false, &t);
        s.reserve_ds64 = true;
        let h = Header::new(&s);
        assert_eq!(&h.bytes[12..16], b"JUNK");
        let p = h.finish_patches(1000, 500).unwrap();
        assert_eq!(p[0], (0, b"RF64".to_vec()));
        let ds64 = &p[2].1;
        assert_eq!((p[2].0, &ds64[..8]), (12, &b"ds64\x1c\0\0\0"[..]));
        let riff = u64::from_le_bytes(ds64[8..16].try_into().unwrap());
        assert_eq!(riff, h.bytes.len() as u64 + 1000 - 8);
        assert_eq!(u64::from_le_bytes(ds64[16..24].try_into().unwrap()), 1000);
        assert_eq!(u64::from_le_bytes(ds64[24..32].try_into().unwrap()), 250);
    }
}
