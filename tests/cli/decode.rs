//! The decoder as the commands use it: non-finite samples, the built-in material from an empty
//! folder, standard input and FIFOs, and the error for each kind of bad input.

use crate::common::cli;
use crate::common::tools;

use cli::{run as iemsim, stderr};
use iemsim::dsp::dither::Dither;
use iemsim::io::{OutFormat, WavSink};
use std::path::Path;
use std::process::Command;
use tools::ffmpeg;

/// A 32-bit float WAV of `samples`, NaN and ±Inf included. iemsim's writers refuse to write a
/// non-finite sample, so each is written as a finite stand-in whose bytes are then patched.
fn write_float_wav(path: &Path, samples: &[f64]) {
    const STAND_INS: [(f32, f32); 3] = [
        (1.5e30, f32::NAN),
        (2.5e30, f32::INFINITY),
        (-2.5e30, f32::NEG_INFINITY),
    ];
    let finite: Vec<f64> = samples
        .iter()
        .map(|&x| match x {
            x if x.is_nan() => f64::from(STAND_INS[0].0),
            x if x == f64::INFINITY => f64::from(STAND_INS[1].0),
            x if x == f64::NEG_INFINITY => f64::from(STAND_INS[2].0),
            x => x,
        })
        .collect();
    let mut s = WavSink::create(path, 2, 48_000, OutFormat::F32, Dither::None, true).unwrap();
    s.write(&finite).unwrap();
    s.finish().unwrap();
    let mut bytes = std::fs::read(path).unwrap();
    // Samples start at the data chunk's body and are 4 bytes each.
    let body = bytes.windows(4).position(|w| w == b"data").unwrap() + 8;
    for chunk in bytes[body..].chunks_exact_mut(4) {
        for (stand_in, real) in STAND_INS {
            if chunk == stand_in.to_le_bytes() {
                chunk.copy_from_slice(&real.to_le_bytes());
            }
        }
    }
    std::fs::write(path, bytes).unwrap();
}

/// Issue 11 item 1: NaN/±Inf in a float WAV become silence in the decoder: the export equals the
/// export of the same file with zeros there (so the audio after them comes through), one warning
/// line says how many and where, `--json` carries the count.
#[test]
fn non_finite_samples_become_silence_with_one_warning() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let n = 48_000;
    let clean: Vec<f64> = (0..n * 2).map(|i| 0.3 * (i as f64 * 0.01).sin()).collect();
    let mut bad = clean.clone();
    let mut reference = clean.clone();
    for (at, v) in [
        (59_230, f64::NAN),
        (59_231, f64::INFINITY),
        (70_000, f64::NEG_INFINITY),
    ] {
        bad[at] = v;
        reference[at] = 0.0;
    }
    write_float_wav(&d.join("bad.wav"), &bad);
    write_float_wav(&d.join("ref.wav"), &reference);
    let args = |i: &str, o: &str| {
        [
            "export", i, "-p", "ba", "--bits", "32f", "--dither", "none", "-o", o, "--json",
        ]
        .map(String::from)
    };
    let a = args("bad.wav", "bad.ba.wav");
    let o = iemsim(&a.iter().map(String::as_str).collect::<Vec<_>>(), d);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("non-finite")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(
        warnings[0].contains("bad.wav: 3 non-finite samples") && warnings[0].contains("0:00.617"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["outputs"][0]["nonfinite_samples"], 3, "{v}");
    let r = args("ref.wav", "ref.ba.wav");
    let o = iemsim(&r.iter().map(String::as_str).collect::<Vec<_>>(), d);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = std::fs::read(d.join("bad.ba.wav")).unwrap();
    assert!(out == std::fs::read(d.join("ref.ba.wav")).unwrap());
    let floats: Vec<f32> = out[out.len() - n * 8..]
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    assert!(floats.iter().all(|x| x.is_finite()));
    assert!(floats[floats.len() - 1000..].iter().any(|x| x.abs() > 0.01));
}

/// Issue 11 item 12: with no INPUT, export and the demos work from an empty folder (the bundled
/// material is built into the binary).
#[test]
fn built_in_material_works_from_an_empty_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = iemsim(&["export", "-p", "ba"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = d.join("music.ba.wav");
    assert!(std::fs::metadata(&out).unwrap().len() > 4_000_000);
    let o = iemsim(&["demo", "sibilance", "--export", "sib"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("not found"), "{}", stderr(&o));
    assert!(d.join("sib/README.md").exists());
    assert!(d.join("sib/02-ba-vs-dd.source.wav").exists());
    let o = iemsim(
        &[
            "abx",
            "--no-tui",
            "--trials",
            "2",
            "--seed",
            "1",
            "--answers",
            "a,b",
            "--log",
            "log.jsonl",
        ],
        d,
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

/// `-` is standard input: a streamed WAV (ffmpeg's pipe form) and a FLAC both export in full.
#[test]
fn standard_input_is_streamed() {
    if !tools::have(&["ffmpeg"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for fmt in ["wav", "flac"] {
        let bytes = ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "sine=f=440:d=2:r=44100",
            "-ac",
            "2",
            "-f",
            fmt,
            "pipe:",
        ]);
        let out = format!("from-{fmt}.wav");
        let o = cli::run_with_stdin(&["export", "-", "-p", "ba", "-o", &out], d, &bytes);
        assert!(o.status.success(), "{fmt}: {}", stderr(&o));
        let mut dec = iemsim::io::Decoder::open(&d.join(&out)).unwrap();
        assert_eq!(dec.info().frames, 88_200, "{fmt}");
        assert_eq!(dec.read_frames(10).unwrap().len(), 20);
    }
}

/// A 16-bit stereo WAV of 4410 frames whose `LIST`/`INFO` tags (title, artist) come after the
/// audio, as libsndfile writes them, or before it when `before`.
fn wav_with_tags(before: bool) -> Vec<u8> {
    let chunk = |id: &[u8], body: &[u8]| {
        let mut v = id.to_vec();
        v.extend_from_slice(&(body.len() as u32).to_le_bytes());
        v.extend_from_slice(body);
        v.extend(std::iter::repeat_n(0, body.len() % 2));
        v
    };
    let info = [
        b"INFO".as_slice(),
        &chunk(b"INAM", b"Late\0"),
        &chunk(b"IART", b"Band\0"),
    ];
    let list = chunk(b"LIST", &info.concat());
    let fmt = [
        &1u16.to_le_bytes()[..],
        &2u16.to_le_bytes(),
        &44_100u32.to_le_bytes(),
        &176_400u32.to_le_bytes(),
        &4u16.to_le_bytes(),
        &16u16.to_le_bytes(),
    ]
    .concat();
    let samples: Vec<u8> = (0..4410 * 2)
        .flat_map(|i: i32| ((i * 37 % 2000 - 1000) as i16).to_le_bytes())
        .collect();
    let (fmt, data) = (chunk(b"fmt ", &fmt), chunk(b"data", &samples));
    let body = if before {
        [fmt, list, data]
    } else {
        [fmt, data, list]
    }
    .concat();
    [
        b"RIFF".as_slice(),
        &(4 + body.len() as u32).to_le_bytes(),
        b"WAVE",
        &body,
    ]
    .concat()
}

/// Tags stored after the audio were dropped from every output: the WAV reader stopped at
/// `data`. Exported from a file they reach the WAV's LIST/INFO and the FLAC's Vorbis comments
/// (read back by iemsim and, when installed, ffprobe); standard input cannot seek back to the
/// audio, so there the export goes on without them and says so (a stream with its tags before
/// the audio keeps them, without a word).
#[test]
fn tags_after_the_audio_reach_the_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("late.wav"), wav_with_tags(false)).unwrap();
    for out in ["late.ba.wav", "late.ba.flac"] {
        let o = iemsim(&["export", "late.wav", "-p", "ba", "-o", out, "-q"], d);
        assert!(o.status.success(), "{out}: {}", stderr(&o));
        let dec = iemsim::io::Decoder::open(&d.join(out)).unwrap();
        assert_eq!(dec.tags().title.as_deref(), Some("Late"), "{out}");
        assert_eq!(dec.tags().artist.as_deref(), Some("Band"), "{out}");
        if tools::have(&["ffprobe"]) {
            let args = [
                "-v",
                "error",
                "-show_entries",
                "format_tags",
                "-of",
                "compact",
                out,
            ];
            let probe = Command::new("ffprobe")
                .args(args)
                .current_dir(d)
                .output()
                .unwrap();
            let tags = cli::text(&probe.stdout).to_lowercase();
            assert!(
                tags.contains("title=late") && tags.contains("artist=band"),
                "{out}: {tags}"
            );
        }
    }
    for (before, warned) in [(false, true), (true, false)] {
        let o = cli::run_with_stdin(
            &["export", "-", "-p", "ba", "-o", "piped.wav", "--force"],
            d,
            &wav_with_tags(before),
        );
        let err = stderr(&o);
        assert!(o.status.success(), "{err}");
        assert_eq!(
            err.contains("standard input: its tags (LIST/INFO) come after the audio"),
            warned,
            "{err}"
        );
        let dec = iemsim::io::Decoder::open(&d.join("piped.wav")).unwrap();
        assert_eq!(dec.tags().title.is_some(), before, "{err}");
        assert_eq!(dec.info().frames, 4410);
    }
}

/// Issue 11 item 13: a FIFO without a writer does not block open(); a non-seekable input for play
/// gets a clear exit-2 line, not "Illegal seek".
#[test]
fn fifos_and_streams_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(Command::new("mkfifo")
        .arg(d.join("fifo"))
        .status()
        .unwrap()
        .success());
    let o = iemsim(&["export", "fifo", "-p", "ba"], d);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("fifo"), "{}", stderr(&o));
    let o = iemsim(&["play", "-", "--no-tui", "--duration", "1"], d);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cannot seek in a stream") && !err.contains("Illegal seek"),
        "{err}"
    );
}

/// A FIFO that nothing writes to is refused at once saying so and what to do (it read as an
/// empty input: "no audio in it (zero frames)", and a writer started next waited for ever); one
/// that a program writes to is read as a stream, as process substitution's `/dev/fd/N` is.
#[test]
fn a_fifo_without_a_writer_says_so_and_process_substitution_streams() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(Command::new("mkfifo")
        .arg(d.join("p"))
        .status()
        .unwrap()
        .success());
    let o = iemsim(&["export", "p", "-p", "ba", "-o", "x.wav"], d);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("p: a pipe (FIFO) that nothing writes to")
            && err.contains("start the writer first")
            && err.contains("standard input with `-`"),
        "{err}"
    );
    assert!(!d.join("x.wav").exists());
    let made = cli::run(&["generate", "music", "--seconds", "1", "-o", "in.wav"], d);
    assert!(made.status.success(), "{}", stderr(&made));
    let o = Command::new("bash")
        .arg("-c")
        .arg(r#""$0" export <(cat in.wav) -p ba -o sub.wav"#)
        .arg(env!("CARGO_BIN_EXE_iemsim"))
        .current_dir(d)
        .env("IEMSIM_CONFIG_DIR", cli::no_config())
        .env("XDG_CACHE_HOME", cli::test_cache())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let dec = iemsim::io::Decoder::open(&d.join("sub.wav")).unwrap();
    assert_eq!(dec.info().frames, 44_100);
}

/// Every failure names the file and the problem, exit code 2, one line.
#[test]
fn damaged_and_unsupported_inputs_are_refused() {
    if !tools::have(&["ffmpeg"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let src = d.join("src.wav");
    let o = iemsim(&["generate", "music", "-o", "src.wav", "--seconds", "4"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = src.to_str().unwrap();
    ffmpeg(&[
        "-i",
        s,
        "-c:a",
        "flac",
        d.join("good.flac").to_str().unwrap(),
    ]);
    ffmpeg(&[
        "-i",
        s,
        "-c:a",
        "libopus",
        d.join("x.opus.ogg").to_str().unwrap(),
    ]);
    let mut flac = std::fs::read(d.join("good.flac")).unwrap();
    let mid = flac.len() / 2;
    flac[mid..mid + 4000].iter_mut().for_each(|b| *b = 0x5A);
    std::fs::write(d.join("corrupt.flac"), &flac).unwrap();
    ffmpeg(&[
        "-i",
        s,
        "-c:a",
        "libmp3lame",
        d.join("good.mp3").to_str().unwrap(),
    ]);
    let mp3 = std::fs::read(d.join("good.mp3")).unwrap();
    std::fs::write(d.join("cut.mp3"), &mp3[..mp3.len() / 2]).unwrap();
    for (name, says) in [
        ("corrupt.flac", "corrupt"),
        ("cut.mp3", "truncated"),
        ("x.opus.ogg", "unsupported"),
    ] {
        let o = iemsim(&["export", name, "-p", "ba", "-o", "out.wav", "--force"], d);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(name) && err.to_lowercase().contains(says),
            "{name}: {err}"
        );
        assert_eq!(err.trim_end().lines().count(), 1, "{name}: {err}");
    }
}

/// A FLAC whose STREAMINFO gives no length (total samples 0, as ffmpeg writes one to a pipe):
/// cut inside a frame, it read as a shorter whole file; with a frame failing its checksum in the
/// middle, that frame was dropped and the rest moved earlier, both without a word. Both are
/// refused, from a file and from a pipe, naming the place; whole, it reads to its length.
#[test]
fn a_flac_without_its_length_is_refused_when_cut_or_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let made = cli::run(
        &["generate", "music", "--seconds", "3", "-o", "src.flac"],
        d,
    );
    assert!(made.status.success(), "{}", stderr(&made));
    let mut bytes = std::fs::read(d.join("src.flac")).unwrap();
    // STREAMINFO's total samples (RFC 9639): the low 4 bits of byte 21, then bytes 22-25.
    assert_ne!(&bytes[21..26], &[0; 5]);
    bytes[21] &= 0xF0;
    bytes[22..26].fill(0);
    std::fs::write(d.join("unknown.flac"), &bytes).unwrap();
    let whole = iemsim::io::Decoder::open(&d.join("unknown.flac")).unwrap();
    assert_eq!(whole.info().frames, 3 * 44_100);
    let o = cli::run_with_stdin(&["export", "-", "-p", "ba", "-o", "w.wav"], d, &bytes);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut damaged = bytes.clone();
    damaged[bytes.len() / 2] ^= 0x10;
    let cut = &bytes[..bytes.len() * 2 / 3];
    for (name, b, says) in [
        ("cut.flac", cut, "is cut short or fails its checksum ("),
        ("damaged.flac", &damaged[..], "fail their checksums ("),
    ] {
        std::fs::write(d.join(name), b).unwrap();
        let file = cli::run(&["export", name, "-p", "ba", "-o", "x.wav"], d);
        let pipe = cli::run_with_stdin(&["export", "-", "-p", "ba", "-o", "x.wav"], d, b);
        for (o, shown) in [(file, name), (pipe, "-")] {
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{name}: {err}");
            assert!(err.contains(&format!("{shown}: corrupt: damaged")), "{err}");
            assert!(err.contains(says), "{name}: {err}");
        }
        assert!(!d.join("x.wav").exists());
    }
}

/// Standard input without `-o`: named `stdin.PROFILE.wav` in the current folder, as the help
/// says, with one profile or several. Naming the output used to probe the stream first, which
/// took its first bytes: "not an audio file" with one profile, "no audio in it" with two.
#[test]
fn standard_input_gets_default_names_without_being_read_twice() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let made = cli::run(&["generate", "music", "--seconds", "1", "-o", "in.wav"], d);
    assert!(made.status.success(), "{}", stderr(&made));
    let bytes = std::fs::read(d.join("in.wav")).unwrap();
    for profiles in [&["-p", "ba"][..], &["-p", "ba", "-p", "dd", "--force"]] {
        let o = cli::run_with_stdin(&[&["export", "-"][..], profiles].concat(), d, &bytes);
        assert!(o.status.success(), "{profiles:?}: {}", stderr(&o));
    }
    for name in ["stdin.ba.wav", "stdin.dd.wav"] {
        let dec = iemsim::io::Decoder::open(&d.join(name)).unwrap();
        assert_eq!(dec.info().frames, 44_100, "{name}");
    }
    // A FIFO is read once too: its default output is named after it, in WAV, and is whole.
    assert!(Command::new("mkfifo")
        .arg(d.join("pipe.wav"))
        .status()
        .unwrap()
        .success());
    let to_fifo = (d.join("pipe.wav"), bytes.clone());
    // Not joined: if iemsim never opened the FIFO, this writer would wait for ever.
    std::thread::spawn(move || std::fs::write(to_fifo.0, to_fifo.1));
    let o = cli::run(&["export", "pipe.wav", "-p", "ba"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    let dec = iemsim::io::Decoder::open(&d.join("pipe.ba.wav")).unwrap();
    assert_eq!(dec.info().frames, 44_100);
    // A typed `/dev/stdin` (or `/dev/fd/N`) is no folder to write to: its default output goes
    // here, as standard input's (it went to `/dev/stdin.ba.wav`).
    let o = cli::run_with_stdin(&["export", "/dev/stdin", "-p", "neutral"], d, &bytes);
    assert!(o.status.success(), "{}", stderr(&o));
    let dec = iemsim::io::Decoder::open(&d.join("stdin.neutral.wav")).unwrap();
    assert_eq!(dec.info().frames, 44_100);
    assert!(!Path::new("/dev/stdin.neutral.wav").exists());
    // A stream cut short says how much of it came, as a cut file does ("ends mid-sample" before,
    // even when the cut fell between frames).
    let cut = &bytes[..bytes.len() / 2];
    let o = cli::run_with_stdin(&["export", "-", "-p", "ba", "-o", "cut.wav"], d, cut);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("of the 44100 frames its header announces"),
        "{}",
        stderr(&o)
    );
    // A stream nothing recognises: the likely cause (an MP4 whose index is at its end) is named.
    let o = cli::run_with_stdin(&["export", "-", "-p", "ba", "-o", "x.wav"], d, &[7u8; 4096]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("MP4 (.m4a) needs its index first"),
        "{}",
        stderr(&o)
    );
}

/// A whole FLAC followed by an ID3v1 tag, an APEv2 tag or other bytes was refused as truncated
/// ("the audio ends after 129024 of the 132300 frames its header announces"): symphonia takes
/// the last frame to run to the end of the file, so it failed its checksum and was dropped. Each
/// now exports the same WAV as the FLAC alone, from a file or a pipe; cut inside its last frame,
/// it is still refused.
#[test]
fn a_flac_followed_by_tags_or_other_bytes_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let made = cli::run(
        &["generate", "music", "--seconds", "3", "-o", "src.flac"],
        d,
    );
    assert!(made.status.success(), "{}", stderr(&made));
    let flac = std::fs::read(d.join("src.flac")).unwrap();
    let export = |name: &str, bytes: &[u8]| {
        std::fs::write(d.join(name), bytes).unwrap();
        let out = format!("{name}.wav");
        let o = cli::run(&["export", name, "-p", "ba", "-o", &out], d);
        (o, d.join(out))
    };
    let (o, alone) = export("alone.flac", &flac);
    assert!(o.status.success(), "{}", stderr(&o));
    let alone = std::fs::read(alone).unwrap();
    let mut id3 = b"TAG".to_vec();
    id3.resize(128, 0);
    let items = b"\x05\0\0\0\0\0\0\0Title\0hello";
    let ape = |flags: u32| {
        let mut p = b"APETAGEX".to_vec();
        for v in [2000, items.len() as u32 + 32, 1, flags] {
            p.extend_from_slice(&v.to_le_bytes());
        }
        [p, vec![0; 8]].concat()
    };
    let ape = [ape(0xA000_0000), items.to_vec(), ape(0x8000_0000)].concat();
    let junk: Vec<u8> = (0..5000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for (name, trailer) in [
        ("id3.flac", id3.clone()),
        ("ape.flac", [ape.clone(), id3.clone()].concat()),
        ("junk.flac", junk),
    ] {
        let tagged = [&flac[..], &trailer].concat();
        let (o, out) = export(name, &tagged);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        assert!(std::fs::read(out).unwrap() == alone, "{name}");
        // From a pipe too, where no length tells where the file ends.
        let args = ["export", "-", "-p", "ba", "-o", "piped.wav", "--force"];
        let o = cli::run_with_stdin(&args, d, &tagged);
        assert!(o.status.success(), "{name} piped: {}", stderr(&o));
        assert!(
            std::fs::read(d.join("piped.wav")).unwrap() == alone,
            "{name} piped"
        );
    }
    let cut = &flac[..flac.len() - 200];
    for (name, bytes) in [
        ("cut.flac", cut.to_vec()),
        ("cut_id3.flac", [cut, &id3].concat()),
    ] {
        let (o, out) = export(name, &bytes);
        let piped = cli::run_with_stdin(&["export", "-", "-p", "ba", "-o", "cut.wav"], d, &bytes);
        for o in [o, piped] {
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{name}: {err}");
            assert!(
                err.contains("of the 132300 frames its header announces"),
                "{name}: {err}"
            );
        }
        assert!(!out.exists() && !d.join("cut.wav").exists());
    }
}

/// An MP3 whose LAME header gives its exact length, followed by other bytes: the decoder read
/// them as a damaged frame, so the file came out longer than its length (the last frame's
/// padding and a frame of silence after it) with a warning of a damaged packet. It now exports
/// the same WAV as the MP3 alone (ffmpeg's length), without a warning.
#[test]
fn an_mp3_of_known_length_followed_by_other_bytes_ends_at_its_length() {
    if !tools::have(&["ffmpeg"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let made = cli::run(&["generate", "music", "--seconds", "3", "-o", "src.wav"], d);
    assert!(made.status.success(), "{}", stderr(&made));
    let mp3 = d.join("alone.mp3");
    let src = d.join("src.wav");
    ffmpeg(&[
        "-i",
        src.to_str().unwrap(),
        "-c:a",
        "libmp3lame",
        mp3.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&mp3).unwrap();
    // Other bytes that start as an MPEG frame header does (MPEG-1 layer III, 128 kb/s, 44.1
    // kHz), as random bytes do now and then: without one, the reader skips them unread.
    let junk: Vec<u8> = (0..5000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let junk = [&[0xFF, 0xFB, 0x90, 0x64][..], &junk].concat();
    std::fs::write(d.join("junk.mp3"), [&bytes[..], &junk].concat()).unwrap();
    let mut wavs = Vec::new();
    for name in ["alone.mp3", "junk.mp3"] {
        let out = format!("{name}.wav");
        let o = cli::run(&["export", name, "-p", "ba", "-o", &out], d);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        assert!(!stderr(&o).contains("damaged"), "{name}: {}", stderr(&o));
        let dec = iemsim::io::Decoder::open(&d.join(&out)).unwrap();
        assert_eq!(dec.info().frames, 3 * 44_100, "{name}");
        wavs.push(std::fs::read(d.join(out)).unwrap());
    }
    assert!(wavs[0] == wavs[1]);
}
