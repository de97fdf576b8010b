//! Every output format, checked by the programs people will open it with: sox, ffmpeg/ffprobe,
//! Python's `soundfile` (libsndfile) and the reference `flac` decoder. Each must read the file
//! without a warning and find exactly the samples that went in (issue 11 item 15, issue 12
//! "Output"). A test whose tool is missing prints SKIPPED; `.ci/run` installs them all and makes
//! that a failure.

use crate::common::cli;
use crate::common::tools;

use cli::{run as iemsim, text};
use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn tool(cmd: &str, args: &[&str], dir: &Path) -> Output {
    Command::new(cmd)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{cmd} is needed (.ci/run installs it): {e}"))
}

/// A 16-bit input on the integer grid (so every output format holds it exactly), with different
/// content per channel, written by iemsim's own writer.
fn input(dir: &Path, channels: u16) -> Vec<f64> {
    let frames = 3000;
    let data: Vec<f64> = (0..frames * usize::from(channels))
        .map(|i| {
            let (f, c) = (i / usize::from(channels), i % usize::from(channels));
            let v = ((f * (c + 3) * 7919) % 20_000) as f64 - 10_000.0;
            v / 32_768.0
        })
        .collect();
    let mut sink = iemsim::io::WavSink::create(
        &dir.join("in.wav"),
        channels,
        48_000,
        iemsim::io::OutFormat::I16,
        iemsim::dsp::dither::Dither::None,
        true,
    )
    .unwrap();
    sink.write(&data).unwrap();
    sink.finish().unwrap();
    data
}

fn f64s(bytes: &[u8]) -> Vec<f64> {
    bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

/// `soundfile.read` of each file named as float64, interleaved, raw on stdout: per file its sample
/// count (u64 little-endian), then the samples. One Python for every file: starting one and
/// importing numpy costs more than reading the file.
const SOUNDFILE: &str = concat!(
    "import sys, struct, soundfile as sf\n",
    "for path in sys.argv[1:]:\n",
    "    d, r = sf.read(path, dtype='float64', always_2d=True)\n",
    "    sys.stdout.buffer.write(struct.pack('<Q', d.size) + d.astype('<f8').tobytes())\n",
);

#[test]
fn every_format_reads_cleanly_in_sox_ffmpeg_and_soundfile() {
    if !tools::have(&["sox", "ffprobe", "ffmpeg", tools::SOUNDFILE]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // One thread per channel count (the checks wait on some 90 runs of sox and ffmpeg); then
    // soundfile reads every output, in one Python.
    let soundfile_cases: Vec<(String, String, Vec<f64>)> = std::thread::scope(|threads| {
        let counts = [1u16, 2, 6].map(|c| threads.spawn(move || sox_and_ffmpeg_read(d, c)));
        counts
            .into_iter()
            .flat_map(|t| t.join().expect("the checks of one channel count"))
            .collect()
    });
    let mut args = vec!["-c", SOUNDFILE];
    args.extend(soundfile_cases.iter().map(|c| c.1.as_str()));
    let py = tool("python3", &args, d);
    assert_eq!(text(&py.stderr), "", "soundfile");
    let mut rest = &py.stdout[..];
    for (case, _, want) in &soundfile_cases {
        let (count, after) = rest.split_at_checked(8).expect("a sample count");
        let count = u64::from_le_bytes(count.try_into().unwrap()) as usize;
        let (samples, after) = after.split_at_checked(count * 8).expect("the samples");
        assert!(
            f64s(samples) == *want,
            "{case}: soundfile read other samples"
        );
        rest = after;
    }
    assert!(rest.is_empty(), "soundfile: more output than files");
}

/// Exports of a `channels`-channel input (in `d/<channels>ch/`) in every output format read
/// cleanly, to the input's samples, in sox and ffmpeg; returns each (case, file, samples) for
/// soundfile.
fn sox_and_ffmpeg_read(d: &Path, channels: u16) -> Vec<(String, String, Vec<f64>)> {
    let sub = format!("{channels}ch");
    let d = &d.join(&sub);
    std::fs::create_dir(d).unwrap();
    let want = input(d, channels);
    let mut cases = Vec::new();
    for (bits, ext) in [
        ("16", "wav"),
        ("24", "wav"),
        ("32", "wav"),
        ("32f", "wav"),
        ("16", "flac"),
        ("24", "flac"),
    ] {
        let out = format!("out{channels}-{bits}.{ext}");
        let case = format!("{channels} ch {bits} {ext}");
        let args = [
            "export", "in.wav", "-p", "neutral", "--preamp", "0", "--dither", "none", "--bits",
            bits, "-o", &out, "-q",
        ];
        let r = iemsim(&args, d);
        assert!(r.status.success(), "{case}: {}", text(&r.stderr));

        let info = tool("sox", &["--i", &out], d);
        assert!(info.status.success(), "{case}");
        assert_eq!(text(&info.stderr), "", "{case}: sox --i");
        let null = tool("sox", &[&out, "-n"], d);
        assert_eq!(text(&null.stderr), "", "{case}: sox to null");

        let probe = tool("ffprobe", &["-v", "warning", &out], d);
        assert_eq!(text(&probe.stderr), "", "{case}: ffprobe");
        let ff = tool(
            "ffmpeg",
            &["-v", "warning", "-i", &out, "-f", "f64le", "-"],
            d,
        );
        // The ffmpeg CLI reports that it guessed the speaker layout of every WAV without a
        // channel mask (its own WAVs and sox's too); it is not about the file's validity.
        let warnings: Vec<String> = text(&ff.stderr)
            .lines()
            .filter(|l| !l.starts_with("Guessed Channel Layout"))
            .map(str::to_owned)
            .collect();
        assert!(warnings.is_empty(), "{case}: ffmpeg: {warnings:?}");
        assert!(
            f64s(&ff.stdout) == want,
            "{case}: ffmpeg read other samples"
        );

        cases.push((case, format!("{sub}/{out}"), want.clone()));
    }
    cases
}

/// The FLAC export decodes (reference `flac` decoder, with its MD5 check) to exactly the samples
/// of the WAV export at the same bit depth, dither included.
#[test]
fn flac_is_bit_exact_to_the_wav_export() {
    if !tools::have(&["flac", "sox"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/music.wav");
    for bits in ["16", "24"] {
        for ext in ["wav", "flac"] {
            let out = format!("o{bits}.{ext}");
            let args = [
                "export",
                src.to_str().unwrap(),
                "-p",
                "ba",
                "--bits",
                bits,
                "-o",
                &out,
                "-q",
            ];
            let r = iemsim(&args, d);
            assert!(r.status.success(), "{}", text(&r.stderr));
        }
        let flac = format!("o{bits}.flac");
        let t = tool("flac", &["-t", "-s", &flac], d);
        assert!(t.status.success(), "flac -t: {}", text(&t.stderr));
        let raw_flac = tool(
            "flac",
            &[
                "-d",
                "-c",
                "-s",
                "--force-raw-format",
                "--endian=little",
                "--sign=signed",
                &flac,
            ],
            d,
        );
        let fmt = if bits == "16" { "s16" } else { "s24" };
        let raw_wav = tool("sox", &[&format!("o{bits}.wav"), "-t", fmt, "-"], d);
        assert!(raw_flac.stdout.len() > 1_000_000);
        assert!(
            raw_flac.stdout == raw_wav.stdout,
            "{bits}-bit FLAC differs from the WAV"
        );
        let by_ffmpeg = tool(
            "ffmpeg",
            &[
                "-v",
                "error",
                "-i",
                &flac,
                "-c:a",
                &format!("pcm_{fmt}le"),
                "-f",
                &format!("{fmt}le"),
                "-",
            ],
            d,
        );
        assert!(
            by_ffmpeg.stdout == raw_wav.stdout,
            "{bits}-bit FLAC read by ffmpeg differs from the WAV"
        );
    }
}

/// The FLAC encoder's unusual paths decode exactly, by the reference decoder (MD5 checked) and
/// by ffmpeg: loud 24-bit noise in six channels (Rice parameters past 14, so RICE2 partitions,
/// or verbatim subframes), a rate with no header code of its own (37 kHz) and silence (constant
/// subframes) in mono 16-bit, one silent channel of a 96 kHz stereo pair; every length leaves a
/// short last block.
#[test]
fn flac_encoder_edge_cases_decode_exactly() {
    if !tools::have(&["sox", "flac"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases: [(&str, &[&str], &str); 3] = [
        (
            "noise6",
            &[
                "-r",
                "44100",
                "-c",
                "6",
                "-b",
                "24",
                "noise6.wav",
                "synth",
                "1.37",
                "whitenoise",
            ],
            "24",
        ),
        (
            "tone37k",
            &[
                "-r",
                "37000",
                "-c",
                "1",
                "-b",
                "16",
                "tone37k.wav",
                "synth",
                "0.5",
                "sine",
                "440",
                "pad",
                "0.2",
                "0.1",
            ],
            "16",
        ),
        (
            "half96k",
            &[
                "-r",
                "96000",
                "-c",
                "1",
                "-b",
                "24",
                "half96k.wav",
                "synth",
                "0.3",
                "sine",
                "1000",
                "remix",
                "1",
                "0",
            ],
            "24",
        ),
    ];
    for (name, sox_args, bits) in cases {
        let mut args = vec!["-n"];
        args.extend_from_slice(sox_args);
        let made = tool("sox", &args, d);
        assert!(made.status.success(), "sox: {}", text(&made.stderr));
        for ext in ["wav", "flac"] {
            let out = format!("{name}.out.{ext}");
            let input = format!("{name}.wav");
            let r = iemsim(
                &[
                    "export", &input, "-p", "ba", "--bits", bits, "--dither", "none", "-o", &out,
                    "-q",
                ],
                d,
            );
            assert!(r.status.success(), "{name}: {}", text(&r.stderr));
        }
        let flac = format!("{name}.out.flac");
        let wav = format!("{name}.out.wav");
        let t = tool("flac", &["-t", "-s", &flac], d);
        assert!(t.status.success(), "{name}: flac -t: {}", text(&t.stderr));
        let fmt = if bits == "16" { "s16" } else { "s24" };
        let reference = tool("sox", &[&wav, "-t", fmt, "-"], d).stdout;
        assert!(!reference.is_empty());
        let by_flac = tool(
            "flac",
            &[
                "-d",
                "-c",
                "-s",
                "--force-raw-format",
                "--endian=little",
                "--sign=signed",
                &flac,
            ],
            d,
        );
        assert!(
            by_flac.stdout == reference,
            "{name}: flac -d differs from the WAV export"
        );
        let codec = format!("pcm_{fmt}le");
        let by_ffmpeg = tool(
            "ffmpeg",
            &[
                "-v",
                "error",
                "-i",
                &flac,
                "-c:a",
                &codec,
                "-f",
                &format!("{fmt}le"),
                "-",
            ],
            d,
        );
        assert_eq!(text(&by_ffmpeg.stderr), "", "{name}: ffmpeg");
        assert!(
            by_ffmpeg.stdout == reference,
            "{name}: ffmpeg differs from the WAV export"
        );
    }
}

/// `-o -` writes the same WAV bytes as a file export (the length is known, so the sizes are
/// exact) and sox reads the pipe without a warning; the report goes to stderr.
#[test]
fn dash_writes_to_stdout_for_a_pipe() {
    if !tools::have(&["sox", "ffmpeg"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    input(d, 2);
    let r = iemsim(&["export", "in.wav", "-p", "ba", "-o", "file.wav", "-q"], d);
    assert!(r.status.success());
    let r = iemsim(&["export", "in.wav", "-p", "ba", "-o", "-", "-q"], d);
    assert!(r.status.success(), "{}", text(&r.stderr));
    assert!(r.stdout == fs::read(d.join("file.wav")).unwrap());
    assert!(
        text(&r.stderr).contains("[ba]"),
        "report on stderr: {}",
        text(&r.stderr)
    );
    assert!(!d.join("-").exists(), "a file named '-' was created");

    let mut sox = Command::new("sox")
        .args(["-t", "wav", "-", "-n"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    sox.stdin.take().unwrap().write_all(&r.stdout).unwrap();
    let o = sox.wait_with_output().unwrap();
    assert_eq!(text(&o.stderr), "");

    // FLAC on stdout: STREAMINFO cannot be patched on a pipe; the samples are what counts.
    let r = iemsim(
        &[
            "export", "in.wav", "-p", "ba", "--format", "flac", "-o", "-", "-q",
        ],
        d,
    );
    assert!(r.status.success());
    fs::write(d.join("piped.flac"), &r.stdout).unwrap();
    let a = tool(
        "ffmpeg",
        &["-v", "error", "-i", "piped.flac", "-f", "s16le", "-"],
        d,
    );
    let b = tool(
        "ffmpeg",
        &["-v", "error", "-i", "file.wav", "-f", "s16le", "-"],
        d,
    );
    assert!(a.stdout == b.stdout && !a.stdout.is_empty());
    // ffmpeg's FLAC on a pipe says 0 samples (unknown) in STREAMINFO: opening the file counts
    // the frames from the packets, without decoding, and can seek in it. `play` refused such a
    // file: "--start 0 s is past the end of the file (0.0 s)".
    let f = tool(
        "ffmpeg",
        &["-v", "error", "-i", "file.wav", "-f", "flac", "-"],
        d,
    );
    fs::write(d.join("unknown.flac"), &f.stdout).unwrap();
    let mut src = iemsim::io::Decoder::open(&d.join("unknown.flac")).unwrap();
    let whole = iemsim::io::Decoder::open(&d.join("file.wav")).unwrap();
    assert!(src.info().length_known);
    assert_eq!(src.info().frames, whole.info().frames);
    let mut buf = vec![0.0; 2 * 1024];
    src.seek(whole.info().frames - 100).unwrap();
    assert_eq!(src.read(&mut buf).unwrap(), 100);
}

/// Names iemsim cannot write are refused before anything is read or written.
#[test]
fn unwritable_output_names_are_refused_first() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    input(d, 2);
    fs::create_dir(d.join("sub")).unwrap();
    for (args, says) in [
        (vec!["-o", "x.mp3"], "x.mp3: iemsim writes .wav and .flac"),
        (vec!["-o", "noext"], "noext: iemsim writes .wav and .flac"),
        (
            vec!["-o", "x.wav", "--format", "flac"],
            "--format says flac",
        ),
        (
            vec!["-o", "x.flac", "--bits", "32f"],
            "FLAC output is 16- or 24-bit",
        ),
        (
            vec!["-o", "x.FLAC", "--bits", "32"],
            "FLAC output is 16- or 24-bit",
        ),
        (vec!["-o", "sub"], "sub is a folder"),
        (vec!["-o", "nope/x.wav"], "the output folder does not exist"),
    ] {
        let mut a = vec!["export", "in.wav", "-p", "ba"];
        a.extend(&args);
        let r = iemsim(&a, d);
        let err = text(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        let mut names: Vec<_> = fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(names, ["in.wav", "sub"], "{args:?}");
    }
    // Upper-case extensions are the same formats.
    let r = iemsim(&["export", "in.wav", "-p", "ba", "-o", "X.FLAC", "-q"], d);
    assert!(r.status.success());
    assert_eq!(&fs::read(d.join("X.FLAC")).unwrap()[..4], b"fLaC");
}

/// Tags reach both containers where other programs find them (ffprobe's format tags).
#[test]
fn tags_are_written_as_list_info_and_vorbis_comments() {
    if !tools::have(&["ffprobe", "sox"]) {
        return;
    }
    use iemsim::io::{Container, OutFormat, Sink, SinkSpec, Tags, Target};
    let dir = tempfile::tempdir().unwrap();
    let tags = Tags {
        title: Some("Sültana".into()),
        artist: Some("The Band".into()),
        album: Some("Odd".into()),
        track: Some("3".into()),
        ..Tags::default()
    };
    for (name, c) in [("t.wav", Container::Wav), ("t.flac", Container::Flac)] {
        let path = dir.path().join(name);
        let spec = SinkSpec {
            channels: 1,
            sample_rate: 44_100,
            format: OutFormat::I16,
            dither: iemsim::dsp::dither::Dither::None,
            channel_mask: 0,
            tags: tags.clone(),
            frames: Some(101),
        };
        let mut s = Sink::create(
            &Target::File {
                path,
                replace: false,
            },
            c,
            &spec,
        )
        .unwrap();
        s.write(&[0.25; 101]).unwrap();
        s.finish().unwrap();
        let o = tool(
            "ffprobe",
            &[
                "-v",
                "warning",
                "-show_entries",
                "format_tags",
                "-of",
                "default=nw=1",
                name,
            ],
            dir.path(),
        );
        assert_eq!(text(&o.stderr), "", "{name}");
        let out = text(&o.stdout).to_lowercase();
        for want in ["title=sültana", "artist=the band", "album=odd", "track=3"] {
            assert!(out.contains(want), "{name}: {want} not in {out}");
        }
        let sox = tool("sox", &[name, "-n"], dir.path());
        assert_eq!(text(&sox.stderr), "", "{name}");
    }
}

/// `-o -` onto a terminal would print binary audio on the screen: refused (exit 2) instead.
#[test]
fn dash_onto_a_terminal_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    input(d, 2);
    // script(1) runs the command with a pseudo-terminal as its standard output.
    let cmd = format!(
        "'{}' export in.wav -p ba -o -; echo EXIT=$?",
        env!("CARGO_BIN_EXE_iemsim")
    );
    let o = tool("script", &["-q", "-c", &cmd, "/dev/null"], d);
    let out = text(&o.stdout);
    assert!(out.contains("standard output is a terminal"), "{out}");
    assert!(out.contains("EXIT=2"), "{out}");
    assert!(!out.contains("RIFF"), "{out}");
}

/// Stereo coding is chosen by estimated bits: with R = −L (mid ≈ 0, side = 2L) the summed
/// residuals of left/right and mid/side tie, and the encoder kept left/right, 82 % larger than
/// `flac -5` (the compare-sox bench's input). Now every case, anti-correlated, correlated and
/// independent channels, stays within the issue's 5 % of `flac -5` on the same samples.
#[test]
fn stereo_coding_keeps_flac_within_five_percent_of_flac_5() {
    if !tools::have(&["flac"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let n = 48_000 * 3;
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut noise = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let x: Vec<f64> = (0..n)
        .map(|i| {
            0.3 * (2.0 * std::f64::consts::PI * 441.0 * i as f64 / 48_000.0).sin() + 0.2 * noise()
        })
        .collect();
    let y: Vec<f64> = (0..n).map(|_| 0.25 * noise()).collect();
    for (name, right) in [
        ("anti", x.iter().map(|v| -v).collect::<Vec<_>>()),
        ("same", x.iter().map(|v| 0.9 * v).collect()),
        ("indep", y),
    ] {
        let wav = d.join(format!("{name}.wav"));
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 48_000,
            bits_per_sample: 24,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&wav, spec).unwrap();
        for (l, r) in x.iter().zip(&right) {
            w.write_sample((l * 8_388_607.0) as i32).unwrap();
            w.write_sample((r * 8_388_607.0) as i32).unwrap();
        }
        w.finalize().unwrap();
        let ours = format!("{name}.flac");
        let o = iemsim(
            &[
                "export",
                &format!("{name}.wav"),
                "-p",
                "neutral",
                "--bits",
                "24",
                "--dither",
                "none",
                "-o",
                &ours,
                "-q",
            ],
            d,
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
        let reference = format!("{name}.ref.flac");
        let o = tool(
            "flac",
            &["-5", "-s", "-f", &format!("{name}.wav"), "-o", &reference],
            d,
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
        let (a, b) = (
            fs::metadata(d.join(&ours)).unwrap().len() as f64,
            fs::metadata(d.join(&reference)).unwrap().len() as f64,
        );
        assert!(a <= 1.05 * b, "{name}: iemsim {a} bytes, flac -5 {b} bytes");
        let o = tool("flac", &["-t", "-s", &ours], d);
        assert!(o.status.success(), "{name}: {}", text(&o.stderr));
    }
}
