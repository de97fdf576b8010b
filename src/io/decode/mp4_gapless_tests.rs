//! The box walker on hand-made boxes (ISO/IEC 14496-12 layouts): the values a file states come
//! out, and damaged, truncated or absurd boxes are ignored without a panic.

use super::*;
use std::io::Cursor;

fn bx(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut v = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
    v.extend_from_slice(kind);
    v.extend_from_slice(payload);
    v
}

fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

/// `mvhd`/`mdhd` version 0: version+flags, creation, modification, timescale, duration.
fn timing(kind: &[u8; 4], timescale: u32, duration: u32) -> Vec<u8> {
    let mut p = vec![0u8; 12];
    p.extend_from_slice(&timescale.to_be_bytes());
    p.extend_from_slice(&duration.to_be_bytes());
    p.extend_from_slice(&[0u8; 8]);
    bx(kind, &p)
}

fn tkhd(id: u32) -> Vec<u8> {
    let mut p = vec![0u8; 12];
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&[0u8; 64]);
    bx(b"tkhd", &p)
}

/// `elst` version 0 with (segment_duration, media_time) entries at rate 1.0.
fn elst(entries: &[(u32, i32)]) -> Vec<u8> {
    let mut p = vec![0u8; 4];
    p.extend_from_slice(&(entries.len() as u32).to_be_bytes());
    for &(s, m) in entries {
        p.extend_from_slice(&s.to_be_bytes());
        p.extend_from_slice(&m.to_be_bytes());
        p.extend_from_slice(&[0, 1, 0, 0]);
    }
    bx(b"elst", &p)
}

fn trak(id: u32, elst: Option<Vec<u8>>, rate: u32, duration: u32) -> Vec<u8> {
    let mdia = bx(b"mdia", &timing(b"mdhd", rate, duration));
    let edts = elst.map(|e| bx(b"edts", &e)).unwrap_or_default();
    bx(b"trak", &cat(&[tkhd(id), edts, mdia]))
}

fn smpb_udta(value: &str) -> Vec<u8> {
    let mean = bx(b"mean", &cat(&[vec![0; 4], b"com.apple.iTunes".to_vec()]));
    let name = bx(b"name", &cat(&[vec![0; 4], b"iTunSMPB".to_vec()]));
    let data = bx(b"data", &cat(&[vec![0, 0, 0, 1, 0, 0, 0, 0], value.into()]));
    let item = bx(b"----", &cat(&[mean, name, data]));
    let ilst = bx(b"ilst", &item);
    let meta = bx(b"meta", &cat(&[vec![0; 4], bx(b"hdlr", &[0; 25]), ilst]));
    bx(b"udta", &meta)
}

/// A file laid out as ffmpeg writes an AAC .m4a of 100 003 frames at 44.1 kHz: movie timescale
/// 1000, edit (2267 ms, from frame 1024), media 1024 + 100 003 frames.
fn ffmpeg_like(elst_box: Option<Vec<u8>>, udta: Vec<u8>) -> Vec<u8> {
    let moov = bx(
        b"moov",
        &cat(&[
            timing(b"mvhd", 1000, 2268),
            trak(1, elst_box, 44_100, 101_027),
            udta,
        ]),
    );
    cat(&[bx(b"ftyp", b"M4A \0\0\x02\0"), bx(b"mdat", &[0; 64]), moov])
}

fn timing_of(bytes: &[u8]) -> Mp4Timing {
    Mp4Timing::read(&mut Cursor::new(bytes), bytes.len() as u64)
}

fn trim_of(bytes: &[u8]) -> Option<Trim> {
    timing_of(bytes).trim(1, 44_100)
}

#[test]
fn an_ffmpeg_edit_list_skips_the_priming_and_keeps_the_exact_length() {
    let f = ffmpeg_like(Some(elst(&[(2267, 1024)])), vec![]);
    // 2267 ms is 99 974.7 frames: within one tick (44.1 frames) of the media's end, so the
    // media's exact end is taken: 101 027 − 1024.
    assert_eq!(
        trim_of(&f),
        Some(Trim {
            skip: 1024,
            keep: 100_003
        })
    );
}

#[test]
fn an_edit_ending_well_before_the_end_is_kept_to_the_nearest_frame() {
    let f = ffmpeg_like(Some(elst(&[(1000, 1024)])), vec![]);
    assert_eq!(
        trim_of(&f),
        Some(Trim {
            skip: 1024,
            keep: 44_100
        })
    );
}

#[test]
fn no_edit_list_or_one_that_changes_nothing_means_no_trim() {
    assert_eq!(trim_of(&ffmpeg_like(None, vec![])), None);
    assert_eq!(trim_of(&ffmpeg_like(Some(elst(&[(0, 0)])), vec![])), None);
    assert_eq!(
        trim_of(&ffmpeg_like(Some(elst(&[(2291, 0)])), vec![])),
        None
    );
    // Only an empty edit (a presentation delay): nothing to cut.
    assert_eq!(
        trim_of(&ffmpeg_like(Some(elst(&[(500, -1)])), vec![])),
        None
    );
}

#[test]
fn an_empty_edit_before_the_real_one_is_passed_over() {
    let f = ffmpeg_like(Some(elst(&[(500, -1), (2267, 1024)])), vec![]);
    assert_eq!(trim_of(&f).map(|t| t.skip), Some(1024));
}

#[test]
fn implausible_edits_are_ignored() {
    for e in [
        elst(&[(2267, 1024), (100, 5000)]), // two segments
        elst(&[(2267, 101_027)]),           // starts at the end
        elst(&[(2267, i32::MAX)]),          // far past it
        elst(&[(2267, -7)]),                // negative
    ] {
        assert_eq!(trim_of(&ffmpeg_like(Some(e), vec![])), None);
    }
    // A rate other than 1.0.
    let mut e = elst(&[(2267, 1024)]);
    let n = e.len();
    e[n - 4..].copy_from_slice(&[0, 2, 0, 0]);
    assert_eq!(trim_of(&ffmpeg_like(Some(e), vec![])), None);
}

#[test]
fn a_huge_entry_count_is_refused_without_allocating() {
    let mut e = elst(&[(2267, 1024)]);
    e[12..16].copy_from_slice(&u32::MAX.to_be_bytes());
    let t = timing_of(&ffmpeg_like(Some(e), vec![]));
    assert_eq!(t.tracks[0].edits, Some(vec![]));
    assert_eq!(t.trim(1, 44_100), None);
}

#[test]
fn a_version_1_edit_with_the_largest_duration_is_clamped_to_the_media() {
    let mut p = vec![1, 0, 0, 0, 0, 0, 0, 1];
    p.extend_from_slice(&u64::MAX.to_be_bytes());
    p.extend_from_slice(&1024i64.to_be_bytes());
    p.extend_from_slice(&[0, 1, 0, 0]);
    let f = ffmpeg_like(Some(bx(b"elst", &p)), vec![]);
    assert_eq!(
        trim_of(&f),
        Some(Trim {
            skip: 1024,
            keep: 100_003
        })
    );
}

#[test]
fn itunsmpb_is_the_fallback_without_an_edit_list() {
    // Apple's form: priming 0x840 = 2112, padding 0x1CA, length 0x186A3 = 100 003.
    let udta = smpb_udta(" 00000000 00000840 000001CA 00000000000186A3 00000000 00000000");
    let want = Some(Trim {
        skip: 2112,
        keep: 100_003,
    });
    let f = cat(&[
        bx(b"ftyp", b"M4A \0\0\x02\0"),
        bx(
            b"moov",
            &cat(&[
                timing(b"mvhd", 44_100, 0),
                trak(1, None, 44_100, 102_400),
                udta.clone(),
            ]),
        ),
    ]);
    assert_eq!(trim_of(&f), want);
    // An edit list wins over the tag; a broken one gives way to it.
    assert_eq!(
        trim_of(&ffmpeg_like(Some(elst(&[(2267, 1024)])), udta.clone())).map(|t| t.skip),
        Some(1024)
    );
    let mut broken = elst(&[(2267, 1024)]);
    broken[12..16].copy_from_slice(&u32::MAX.to_be_bytes());
    assert_eq!(
        trim_of(&ffmpeg_like(Some(broken), udta)).map(|t| t.skip),
        Some(2112)
    );
}

#[test]
fn itunsmpb_text_parses_as_hex_fields() {
    assert_eq!(
        parse_itunsmpb(" 00000000 00000840 000001CA 00000000003F31F6 00000000 00000000"),
        Some((0x840, 0x1CA, 0x3F31F6))
    );
    assert_eq!(parse_itunsmpb(" 00000000 00000840"), None);
    assert_eq!(parse_itunsmpb("zz 1 2 3"), None);
    assert_eq!(parse_itunsmpb(""), None);
}

#[test]
fn a_media_duration_past_i64_is_left_alone() {
    let mut mdhd = vec![1u8, 0, 0, 0];
    mdhd.extend_from_slice(&[0; 16]);
    mdhd.extend_from_slice(&44_100u32.to_be_bytes());
    mdhd.extend_from_slice(&u64::MAX.to_be_bytes());
    let trak = bx(
        b"trak",
        &cat(&[
            tkhd(1),
            bx(b"edts", &elst(&[(2267, 1024)])),
            bx(b"mdia", &bx(b"mdhd", &mdhd)),
        ]),
    );
    let f = bx(b"moov", &cat(&[timing(b"mvhd", 1000, 2268), trak]));
    let t = timing_of(&f);
    assert_eq!(t.tracks[0].media_duration, u64::MAX);
    assert_eq!(t.trim(1, 44_100), None);
}

#[test]
fn a_rate_other_than_the_media_timescale_is_left_alone() {
    let f = ffmpeg_like(Some(elst(&[(2267, 1024)])), vec![]);
    assert_eq!(timing_of(&f).trim(1, 48_000), None);
    assert_eq!(timing_of(&f).trim(2, 44_100), None);
}

#[test]
fn every_truncation_and_many_corruptions_read_without_panicking() {
    let udta = smpb_udta(" 00000000 00000840 000001CA 00000000000186A3");
    let f = ffmpeg_like(Some(elst(&[(2267, 1024)])), udta);
    for n in 0..f.len() {
        let _ = trim_of(&f[..n]);
    }
    // Deterministic xorshift: flip bytes all over the file.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..20_000 {
        let mut g = f.clone();
        for _ in 0..3 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let at = (x % g.len() as u64) as usize;
            g[at] = (x >> 32) as u8;
        }
        let _ = trim_of(&g);
    }
}

#[test]
fn box_sizes_0_and_1_and_overlong_ones_are_handled() {
    // size 0: to the end of the file; the moov is still found.
    let mut f = ffmpeg_like(Some(elst(&[(2267, 1024)])), vec![]);
    let start = f.windows(4).position(|w| w == b"moov").unwrap() - 4;
    f[start..start + 4].copy_from_slice(&[0; 4]);
    assert_eq!(trim_of(&f).map(|t| t.skip), Some(1024));
    // size 1 with a 64-bit size past the end: the walk stops, nothing is trimmed.
    let mut g = bx(b"ftyp", b"M4A \0\0\x02\0");
    g.extend_from_slice(&[0, 0, 0, 1]);
    g.extend_from_slice(b"moov");
    g.extend_from_slice(&u64::MAX.to_be_bytes());
    assert_eq!(trim_of(&g), None);
    // A box smaller than its header.
    let mut h = ffmpeg_like(Some(elst(&[(2267, 1024)])), vec![]);
    h[0..4].copy_from_slice(&[0, 0, 0, 3]);
    assert_eq!(trim_of(&h), None);
}
