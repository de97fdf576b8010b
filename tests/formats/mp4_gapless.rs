//! MP4/M4A gapless information on real files: ffmpeg encodes AAC with and without an edit list,
//! and the tests edit its boxes (ISO/IEC 14496-12 layouts) to make the variants ffmpeg does not
//! write: a zeroed or broken edit list, and an iTunes `iTunSMPB` tag instead of an edit list.
//! The facts checked come from outside the decoder: the source WAV's length, the 1024 priming
//! frames ffmpeg's AAC encoder writes, and the untrimmed decode.

use crate::common::tools;

use iemsim::io::Decoder;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const SOURCE_FRAMES: usize = 100_003;
/// ffmpeg's AAC encoder's priming frames (what it writes as the edit's media_time).
const PRIMING: usize = 1024;

fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("ffmpeg is needed for this test (.ci/run installs it)");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A 100 003-frame stereo chirp-and-noise source, and ffmpeg's AAC of it with `extra` options.
fn encode(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let src = dir.join("src.wav");
    if !src.exists() {
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "aevalsrc=0.4*sin(2*PI*(200+2000*t)*t)|0.3*sin(2*PI*330*t)+0.05*(random(0)-0.5):s=44100",
            "-af",
            &format!("atrim=end_sample={SOURCE_FRAMES}"),
            "-c:a",
            "pcm_s16le",
            src.to_str().unwrap(),
        ]);
    }
    let out = dir.join(name);
    let mut args = vec!["-i", src.to_str().unwrap(), "-c:a", "aac", "-b:a", "160k"];
    args.extend_from_slice(extra);
    args.push(out.to_str().unwrap());
    ffmpeg(&args);
    out
}

fn decode_bytes(bytes: Vec<u8>, name: &str) -> (Vec<f64>, u64) {
    let mut d = Decoder::from_bytes(bytes, Path::new(name)).unwrap_or_else(|e| panic!("{e}"));
    let frames = d.info().frames;
    (d.read_frames(u64::MAX).unwrap(), frames)
}

/// Offset and size of the first box at `path` (containers walked from the top).
fn find(bytes: &[u8], path: &[&[u8; 4]]) -> Option<(usize, usize)> {
    let (mut at, mut end) = (0, bytes.len());
    let mut found = None;
    for (depth, kind) in path.iter().enumerate() {
        found = None;
        while at + 8 <= end {
            let size = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
            if &bytes[at + 4..at + 8] == *kind {
                found = Some((at, size));
                break;
            }
            at += size.max(8);
        }
        let (start, size) = found?;
        if depth + 1 < path.len() {
            (at, end) = (start + 8, start + size);
        }
    }
    found
}

const ELST: [&[u8; 4]; 4] = [b"moov", b"trak", b"edts", b"elst"];

/// The elst entry's (segment_duration, media_time) offsets in a version 0 box.
fn elst_fields(bytes: &[u8]) -> (usize, usize) {
    let (at, _) = find(bytes, &ELST).expect("ffmpeg wrote an edit list");
    assert_eq!(bytes[at + 8], 0, "version 0 elst");
    (at + 16, at + 20)
}

/// The left channel's lag against the source within ±2000 frames.
fn lag(a: &[f64], b: &[f64]) -> i64 {
    let (a, b): (Vec<f64>, Vec<f64>) = (
        a.iter().step_by(2).copied().collect(),
        b.iter().step_by(2).copied().collect(),
    );
    let n = a.len().min(b.len()) as i64;
    (-2000i64..=2000)
        .map(|l| {
            let s: f64 = (2000..n - 2000)
                .map(|i| a[i as usize] * b[(i + l) as usize])
                .sum();
            (l, s)
        })
        .max_by(|x, y| x.1.total_cmp(&y.1))
        .unwrap()
        .0
}

#[test]
fn without_a_usable_edit_list_the_priming_stays_and_with_one_it_goes() {
    if !tools::have(&["ffmpeg"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let with = std::fs::read(encode(dir.path(), "a.m4a", &[])).unwrap();
    let without = std::fs::read(encode(dir.path(), "n.m4a", &["-use_editlist", "0"])).unwrap();
    assert!(find(&without, &ELST).is_none(), "-use_editlist 0 wrote one");
    let (src, _) = decode_bytes(
        std::fs::read(dir.path().join("src.wav")).unwrap(),
        "src.wav",
    );

    let (trimmed, frames) = decode_bytes(with.clone(), "a.m4a");
    assert_eq!(frames as usize, SOURCE_FRAMES);
    assert_eq!(trimmed.len(), SOURCE_FRAMES * 2);
    assert_eq!(lag(&src, &trimmed), 0);

    let (untrimmed, _) = decode_bytes(without, "n.m4a");
    assert_eq!(lag(&src, &untrimmed), PRIMING as i64);
    assert!(untrimmed.len() >= (SOURCE_FRAMES + PRIMING) * 2);
    // Trimming is a plain cut of the same decode.
    assert_eq!(
        &untrimmed[PRIMING * 2..(PRIMING + SOURCE_FRAMES) * 2],
        &trimmed[..]
    );

    // Zeroed (media_time 0, duration 0 = all of it): as without one.
    let mut zeroed = with.clone();
    let (dur, time) = elst_fields(&zeroed);
    zeroed[dur..dur + 4].fill(0);
    zeroed[time..time + 4].fill(0);
    assert_eq!(decode_bytes(zeroed, "z.m4a").0, untrimmed);

    // Absurd edits are ignored, never trusted: a start past the end, a negative start.
    for value in [0x7fff_ffff_u32, 0xffff_fff0] {
        let mut broken = with.clone();
        broken[time..time + 4].copy_from_slice(&value.to_be_bytes());
        assert_eq!(decode_bytes(broken, "b.m4a").0, untrimmed, "{value:#x}");
    }
    // An entry count of 2^32 - 1 in a 28-byte box, or a box size beyond the file: damaged boxes,
    // refused with a message that says so (symphonia's own parser reads the edit list too); no
    // panic, no allocation of the stated size.
    let (at, _) = find(&with, &ELST).unwrap();
    for field in [at + 12, at] {
        let mut broken = with.clone();
        broken[field..field + 4].copy_from_slice(&u32::MAX.to_be_bytes());
        match Decoder::from_bytes(broken, Path::new("b.m4a")) {
            Err(e) => {
                let msg = e.to_string();
                eprintln!("{msg}");
                assert_eq!(iemsim::Error::from(e).exit_code(), 2, "{msg}");
                assert!(msg.contains("b.m4a: corrupt: an MP4 file"), "{msg}");
            }
            Ok(mut d) => assert_eq!(d.read_frames(u64::MAX).unwrap(), untrimmed),
        }
    }
}

/// A file with an iTunes `iTunSMPB` tag and no edit list (as iTunes-era encoders wrote them):
/// ffmpeg's file without an edit list, its moov (last in the file, so no sample offset moves)
/// given a `udta/meta/ilst/----` item stating 1024 priming frames and the source's length.
#[test]
fn itunsmpb_alone_trims_like_the_edit_list() {
    if !tools::have(&["ffmpeg"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let with = std::fs::read(encode(dir.path(), "a.m4a", &[])).unwrap();
    let mut f = std::fs::read(encode(dir.path(), "n.m4a", &["-use_editlist", "0"])).unwrap();
    let (moov, moov_size) = find(&f, &[b"moov"]).unwrap();
    assert_eq!(moov + moov_size, f.len(), "moov is last");
    if let Some((udta, _)) = find(&f, &[b"moov", b"udta"]) {
        f[udta + 4..udta + 8].copy_from_slice(b"free");
    }
    let value = format!(
        " 00000000 {PRIMING:08X} {:08X} {SOURCE_FRAMES:016X} 00000000 00000000",
        (PRIMING + SOURCE_FRAMES).next_multiple_of(1024) - PRIMING - SOURCE_FRAMES
    );
    let bx = |kind: &[u8; 4], payload: &[u8]| {
        let mut v = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(payload);
        v
    };
    let item = bx(
        b"----",
        &[
            bx(b"mean", b"\0\0\0\0com.apple.iTunes"),
            bx(b"name", b"\0\0\0\0iTunSMPB"),
            bx(b"data", &[b"\0\0\0\x01\0\0\0\0", value.as_bytes()].concat()),
        ]
        .concat(),
    );
    let meta = bx(
        b"meta",
        &[&[0u8; 4][..], &bx(b"hdlr", &[0; 25]), &bx(b"ilst", &item)].concat(),
    );
    f.extend_from_slice(&bx(b"udta", &meta));
    let new_size = (f.len() - moov) as u32;
    f[moov..moov + 4].copy_from_slice(&new_size.to_be_bytes());

    let (tagged, frames) = decode_bytes(f, "t.m4a");
    assert_eq!(frames as usize, SOURCE_FRAMES);
    assert_eq!(tagged, decode_bytes(with, "a.m4a").0);
}

/// A damaged packet whose timing claims 2^32 − 1 frames: iemsim replaced it by that much
/// silence, asked for 64 GB and aborted (the hostile-input pass). The concealment is now at
/// most a packet's worth, and the file is refused by name or decoded, never an abort.
#[test]
fn a_damaged_packet_with_a_huge_duration_is_no_abort() {
    if !tools::have(&["ffmpeg"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut f = std::fs::read(encode(dir.path(), "a.m4a", &[])).unwrap();
    const STBL: [&[u8; 4]; 5] = [b"moov", b"trak", b"mdia", b"minf", b"stbl"];
    let at = |f: &[u8], kind: &[u8; 4]| find(f, &[&STBL[..], &[kind]].concat()).unwrap();
    let be = |f: &[u8], i: usize| u32::from_be_bytes(f[i..i + 4].try_into().unwrap());
    let (mdat, _) = find(&f, &[b"mdat"]).unwrap();
    let (stsz, _) = at(&f, b"stsz");
    assert_eq!(be(&f, stsz + 12), 0, "one size per packet");
    let n = be(&f, stsz + 16);
    let sizes: Vec<usize> = (0..n as usize)
        .map(|i| be(&f, stsz + 20 + 4 * i) as usize)
        .collect();
    // Packet 60 lasts 2^32 - 1 frames, and it does not decode.
    let (stts, stts_size) = at(&f, b"stts");
    let entries = [(60, 1024), (1, u32::MAX), (n - 62, 1024), (1, 1024)];
    let mut new = (16 + 8 * entries.len() as u32).to_be_bytes().to_vec();
    new.extend_from_slice(b"stts\0\0\0\0");
    new.extend_from_slice(&(entries.len() as u32).to_be_bytes());
    for (count, delta) in entries {
        new.extend_from_slice(&count.to_be_bytes());
        new.extend_from_slice(&delta.to_be_bytes());
    }
    let grow = new.len() as u32 - stts_size as u32;
    for depth in 1..=STBL.len() {
        let (box_at, _) = find(&f, &STBL[..depth]).unwrap();
        let size = be(&f, box_at) + grow;
        f[box_at..box_at + 4].copy_from_slice(&size.to_be_bytes());
    }
    assert!(mdat < stts, "mdat first: the chunk offsets stay right");
    f.splice(stts..stts + stts_size, new);
    let packet = mdat + 8 + sizes[..60].iter().sum::<usize>();
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    for b in &mut f[packet..packet + sizes[60]] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    // A channel pair whose ics_info has its reserved bit set: a sure decoding error.
    f[packet..packet + 2].copy_from_slice(&[0x3F, 0xFF]);
    std::fs::write(dir.path().join("hit.m4a"), &f).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_iemsim"))
        .args(["export", "hit.m4a", "-p", "neutral", "-o", "hit.wav"])
        .current_dir(dir.path())
        .env("XDG_CACHE_HOME", dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        matches!(o.status.code(), Some(0 | 2)),
        "{:?}: {err}",
        o.status
    );
    assert!(err.contains("hit.m4a"), "{err}");
}
