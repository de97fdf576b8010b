//! The WAV layouts of issue 11 items 2 and 3, each built byte by byte from the specs (Microsoft
//! RIFF/WAVEFORMATEXTENSIBLE, EBU Tech 3306 for RF64), plus the streamed WAVs real ffmpeg and sox
//! write to a pipe, captured at test time (the hound-based reader iemsim once had failed every
//! one of them).

use crate::common::tools;

use iemsim::io::Decoder;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A RIFF chunk: id, little-endian size, body, pad byte when the size is odd.
fn chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut v = id.to_vec();
    v.extend_from_slice(&(body.len() as u32).to_le_bytes());
    v.extend_from_slice(body);
    if body.len() % 2 == 1 {
        v.push(0);
    }
    v
}

/// `fmt ` body: WAVEFORMAT fields (+ `extra`, which starts with cbSize when present).
fn fmt(tag: u16, ch: u16, rate: u32, container_bytes: u16, bits: u16, extra: &[u8]) -> Vec<u8> {
    let align = ch * container_bytes;
    let mut b = Vec::new();
    b.extend_from_slice(&tag.to_le_bytes());
    b.extend_from_slice(&ch.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * u32::from(align)).to_le_bytes());
    b.extend_from_slice(&align.to_le_bytes());
    b.extend_from_slice(&bits.to_le_bytes());
    b.extend_from_slice(extra);
    b
}

/// The 24 bytes after cbSize of WAVEFORMATEXTENSIBLE (valid bits, channel mask, sub-format GUID
/// KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT: tag, then 00000000-0010-8000-00AA00389B71).
fn extensible(valid_bits: u16, sub_tag: u16, extra_cb: usize) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&((22 + extra_cb) as u16).to_le_bytes());
    b.extend_from_slice(&valid_bits.to_le_bytes());
    b.extend_from_slice(&3u32.to_le_bytes());
    b.extend_from_slice(&u32::from(sub_tag).to_le_bytes());
    b.extend_from_slice(&[
        0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
    ]);
    b.extend(std::iter::repeat_n(0u8, extra_cb));
    b
}

/// A RIFF/WAVE file of `chunks`, with the RIFF size right unless `riff_size` says otherwise.
fn riff(chunks: &[Vec<u8>], riff_size: Option<u32>) -> Vec<u8> {
    let body: Vec<u8> = chunks.concat();
    let mut v = b"RIFF".to_vec();
    v.extend_from_slice(&riff_size.unwrap_or(4 + body.len() as u32).to_le_bytes());
    v.extend_from_slice(b"WAVE");
    v.extend_from_slice(&body);
    v
}

/// 16-bit stereo test samples with their exact values.
fn i16_samples(frames: usize) -> (Vec<u8>, Vec<f64>) {
    let mut bytes = Vec::new();
    let mut vals = Vec::new();
    for i in 0..frames * 2 {
        let v = ((i as i32 * 1237) % 60_000 - 30_000) as i16;
        bytes.extend_from_slice(&v.to_le_bytes());
        vals.push(f64::from(v) / 32_768.0);
    }
    (bytes, vals)
}

fn read_all(path: &Path) -> Result<Vec<f64>, String> {
    let mut src = Decoder::open(path).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let mut buf = vec![0.0; 4096];
    loop {
        let n = src.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n * usize::from(src.info().channels)]);
    }
    Ok(out)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Issue 11 item 2: 24 valid bits in a 4-byte container are its top 24 bits (Microsoft's
/// WAVEFORMATEXTENSIBLE), so every 4-byte integer sample is i32 / 2^31.
#[test]
fn extensible_24_in_32_uses_the_top_bits() {
    let dir = tempfile::tempdir().unwrap();
    let vals: [i32; 4] = [0x4000_0000, -0x4000_0000, 0x0000_0100, 0x7FFF_FF00];
    let data: Vec<u8> = vals.iter().flat_map(|v| v.to_le_bytes()).collect();
    let bytes = riff(
        &[
            chunk(
                b"fmt ",
                &fmt(0xFFFE, 2, 48_000, 4, 32, &extensible(24, 1, 0)),
            ),
            chunk(b"data", &data),
        ],
        None,
    );
    let p = write(dir.path(), "x.wav", &bytes);
    let got = read_all(&p).unwrap();
    let want: Vec<f64> = vals
        .iter()
        .map(|&v| f64::from(v) / 2_147_483_648.0)
        .collect();
    assert_eq!(got, want);
    let info = *Decoder::open(&p).unwrap().info();
    assert_eq!((info.bits, info.frames), (24, 2));
}

/// Issue 11 item 3: an odd-length chunk before `data` followed by its pad byte (the spec's form).
#[test]
fn odd_chunk_with_its_pad_byte_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let (data, want) = i16_samples(100);
    let bytes = riff(
        &[
            chunk(b"fmt ", &fmt(1, 2, 44_100, 2, 16, &[])),
            chunk(b"junk", b"odd"),
            chunk(b"data", &data),
        ],
        None,
    );
    assert_eq!(read_all(&write(dir.path(), "x.wav", &bytes)).unwrap(), want);
}

/// Issue 11 item 3: an 8-byte `fact` chunk, and a `LIST` chunk, before `data`.
#[test]
fn eight_byte_fact_chunk_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let (data, want) = i16_samples(100);
    let bytes = riff(
        &[
            chunk(b"fmt ", &fmt(1, 2, 44_100, 2, 16, &[])),
            chunk(b"fact", &[100, 0, 0, 0, 0, 0, 0, 0]),
            chunk(b"data", &data),
        ],
        None,
    );
    assert_eq!(read_all(&write(dir.path(), "x.wav", &bytes)).unwrap(), want);
}

/// Issue 11 item 3: `fmt ` layouts: EXTENSIBLE longer than 40 bytes (cbSize 24), PCM with an
/// 18-byte WAVEFORMATEX (cbSize 0), float with a plain 16-byte `fmt `.
#[test]
fn fmt_chunk_variants_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let (data, want) = i16_samples(50);
    let cases = [
        fmt(0xFFFE, 2, 44_100, 2, 16, &extensible(16, 1, 2)),
        fmt(1, 2, 44_100, 2, 16, &[0, 0]),
    ];
    for (i, f) in cases.iter().enumerate() {
        let bytes = riff(&[chunk(b"fmt ", f), chunk(b"data", &data)], None);
        let p = write(dir.path(), &format!("v{i}.wav"), &bytes);
        assert_eq!(read_all(&p), Ok(want.clone()), "case {i}");
    }
    let floats = [0.5f32, -0.25, 1.0, 0.0];
    let fdata: Vec<u8> = floats.iter().flat_map(|v| v.to_le_bytes()).collect();
    let bytes = riff(
        &[
            chunk(b"fmt ", &fmt(3, 2, 48_000, 4, 32, &[])),
            chunk(b"data", &fdata),
        ],
        None,
    );
    let got = read_all(&write(dir.path(), "f.wav", &bytes)).unwrap();
    assert_eq!(got, floats.map(f64::from));
}

/// Issue 11 item 3: streamed sizes. ffmpeg writing to a pipe puts 0xFFFFFFFF in both sizes; sox
/// puts 0x7FFFF000 in the data size; a header never patched says 0. All run to the end of the file.
#[test]
fn streamed_sizes_read_to_the_end_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (data, want) = i16_samples(300);
    let f = chunk(b"fmt ", &fmt(1, 2, 44_100, 2, 16, &[]));
    let with_size = |riff_size: u32, data_size: u32| {
        let mut d = b"data".to_vec();
        d.extend_from_slice(&data_size.to_le_bytes());
        d.extend_from_slice(&data);
        riff(&[f.clone(), d], Some(riff_size))
    };
    for (name, rs, ds) in [
        ("ffmpeg.wav", u32::MAX, u32::MAX),
        ("sox.wav", 0x7FFF_F024, 0x7FFF_F000),
        ("zero.wav", 36, 0),
    ] {
        let p = write(dir.path(), name, &with_size(rs, ds));
        assert_eq!(read_all(&p), Ok(want.clone()), "{name}");
        assert_eq!(Decoder::open(&p).unwrap().info().frames, 300, "{name}");
    }
}

/// arecord recording to standard output writes RIFF size 0x80000024 and data size 0x80000000;
/// piped to iemsim, that was refused ("the audio ends after 300 of the 536870912 frames its
/// header announces"). On a stream it now reads to the end, as sox and ffmpeg do.
#[test]
fn arecord_streamed_size_reads_to_the_end_of_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let (data, want) = i16_samples(300);
    let mut d = b"data".to_vec();
    d.extend_from_slice(&0x8000_0000u32.to_le_bytes());
    d.extend_from_slice(&data);
    let bytes = riff(
        &[chunk(b"fmt ", &fmt(1, 2, 44_100, 2, 16, &[])), d],
        Some(0x8000_0024),
    );
    let o = crate::common::cli::run_with_stdin(
        &["export", "-", "-p", "ba", "--bits", "32f", "-o", "out.wav"],
        dir.path(),
        &bytes,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let out = Decoder::open(&dir.path().join("out.wav")).unwrap();
    assert_eq!(out.info().frames, (want.len() / 2) as u64);
}

/// A streamed WAV (no length in its header) that stops mid-frame was cut short: it was read to
/// the last whole frame without a word, exit 0. Now a warning says so, for a file and for a
/// pipe; one that ends on a whole frame (every complete stream does) has none.
#[test]
fn a_stream_cut_mid_frame_is_said_to_be_cut() {
    let dir = tempfile::tempdir().unwrap();
    let (data, want) = i16_samples(300);
    let mut d = b"data".to_vec();
    d.extend_from_slice(&u32::MAX.to_le_bytes());
    d.extend_from_slice(&data);
    let whole = riff(
        &[chunk(b"fmt ", &fmt(1, 2, 44_100, 2, 16, &[])), d],
        Some(u32::MAX),
    );
    let cut = &whole[..whole.len() - 3];
    let p = write(dir.path(), "cut.wav", cut);
    let mut dec = Decoder::open(&p).unwrap();
    assert_eq!(dec.info().frames, 299);
    let mut buf = vec![0.0; 2 * 400];
    while dec.read(&mut buf).unwrap() > 0 {}
    let w = dec.nonfinite_warning().expect("a warning");
    assert!(
        w.contains("cut.wav: it ends 1 byte into a 4-byte frame, so it was cut short"),
        "{w}"
    );
    assert_eq!(read_all(&write(dir.path(), "whole.wav", &whole)), Ok(want));
    assert_eq!(
        Decoder::open(&dir.path().join("whole.wav"))
            .unwrap()
            .nonfinite_warning(),
        None
    );
    for (bytes, warned) in [(cut, true), (&whole[..], false)] {
        let o = crate::common::cli::run_with_stdin(
            &["export", "-", "-p", "ba", "-o", "-"],
            dir.path(),
            bytes,
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{err}");
        assert_eq!(
            err.contains("standard input: it ends 1 byte into"),
            warned,
            "{err}"
        );
    }
}

/// An RF64 file (EBU Tech 3306) of `data` (200 16-bit stereo frames) whose first four bytes
/// are `magic`, with trailing bytes after the audio that the ds64 size excludes.
fn rf64_file(magic: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut ds64 = Vec::new();
    ds64.extend_from_slice(&(4 + 36 + 24 + 8 + data.len() as u64).to_le_bytes());
    ds64.extend_from_slice(&(data.len() as u64).to_le_bytes());
    ds64.extend_from_slice(&200u64.to_le_bytes());
    ds64.extend_from_slice(&0u32.to_le_bytes());
    let mut d = b"data".to_vec();
    d.extend_from_slice(&u32::MAX.to_le_bytes());
    d.extend_from_slice(data);
    let mut bytes = riff(
        &[
            chunk(b"ds64", &ds64),
            chunk(b"fmt ", &fmt(1, 2, 44_100, 2, 16, &[])),
            d,
        ],
        Some(u32::MAX),
    );
    bytes[..4].copy_from_slice(magic);
    bytes.extend_from_slice(&chunk(b"junk", &[0; 6]));
    bytes
}

/// RF64 (EBU Tech 3306): sizes in `ds64`, 0xFFFFFFFF in the 32-bit fields.
#[test]
fn rf64_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let (data, want) = i16_samples(200);
    let p = write(dir.path(), "x.wav", &rf64_file(b"RF64", &data));
    assert_eq!(read_all(&p).unwrap(), want);
}

/// BW64 (ITU-R BS.2088) is RF64 with `BW64` for its magic; it was refused as "not an audio file
/// iemsim can read". It reads as RF64 does, and exports as a WAV (the output format a WAV input
/// keeps), the same bytes as the RF64's export.
#[test]
fn bw64_is_read_as_rf64() {
    let dir = tempfile::tempdir().unwrap();
    let (data, want) = i16_samples(200);
    let p = write(dir.path(), "bw.wav", &rf64_file(b"BW64", &data));
    let got = read_all(&p).unwrap_or_else(|e| panic!("{e}"));
    assert!(got == want, "the BW64's samples are not the RF64's");
    assert_eq!(Decoder::open(&p).unwrap().info().container, "BW64");
    write(dir.path(), "rf.wav", &rf64_file(b"RF64", &data));
    for name in ["bw.wav", "rf.wav"] {
        let o = crate::common::cli::run(&["export", name, "-p", "ba", "-q"], dir.path());
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let out = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    assert!(out("bw.ba.wav") == out("rf.ba.wav"));
}

/// A WAV without a single frame is an error naming the file, never an empty output with exit 0.
#[test]
fn zero_frames_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = riff(
        &[
            chunk(b"fmt ", &fmt(1, 2, 44_100, 2, 16, &[])),
            chunk(b"data", &[]),
        ],
        None,
    );
    let p = write(dir.path(), "silent-nothing.wav", &bytes);
    let out = Command::new(env!("CARGO_BIN_EXE_iemsim"))
        .args(["export", "silent-nothing.wav", "-p", "ba"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("silent-nothing.wav") && err.contains("zero frames"),
        "{err}"
    );
    assert!(!dir.path().join("silent-nothing.ba.wav").exists());
    assert!(p.exists());
}

fn tool_output(cmd: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(cmd)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{cmd} is needed for this test (.ci/run installs it): {e}"));
    assert!(
        out.status.success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// What real ffmpeg and sox write to a pipe, captured now, reads to its full length and equals the
/// same tool's regular file.
#[test]
fn real_pipe_wavs_from_ffmpeg_and_sox() {
    if !tools::have(&["ffmpeg", "sox"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let lavfi = [
        "-hide_banner",
        "-loglevel",
        "error",
        "-f",
        "lavfi",
        "-i",
        "sine=f=440:d=1.5:r=48000",
    ];
    let piped = tool_output("ffmpeg", &[&lavfi[..], &["-f", "wav", "pipe:"]].concat());
    let p = write(d, "ffpipe.wav", &piped);
    let file = d.join("fffile.wav");
    tool_output(
        "ffmpeg",
        &[&lavfi[..], &["-y", file.to_str().unwrap()]].concat(),
    );
    let a = read_all(&p).unwrap();
    assert_eq!(a.len(), 72_000);
    assert_eq!(a, read_all(&file).unwrap());

    let sox = tool_output(
        "sox",
        &[
            "-n", "-r", "44100", "-c", "2", "-b", "16", "-t", "wav", "-", "synth", "0.5", "sine",
            "1000",
        ],
    );
    let p = write(d, "soxpipe.wav", &sox);
    assert_eq!(read_all(&p).unwrap().len(), 44_100);
    // sox rounds its placeholder size down to whole frames: 0x7FFFEFFC for 24-bit stereo, and
    // 0xFFFFFFFE (16-bit mono) when its input (ffmpeg's pipe output) has no length either. All were
    // refused as truncated ("the header announces 357913258 frames").
    let synth = |bits: &str, channels: &str| {
        let args = [
            "-n", "-r", "44100", "-c", channels, "-b", bits, "-t", "wav", "-",
        ];
        tool_output(
            "sox",
            &[&args[..], &["synth", "0.5", "sine", "1000"]].concat(),
        )
    };
    for (name, bits, channels) in [("s24.wav", "24", "2"), ("s16x6.wav", "16", "6")] {
        let p = write(d, name, &synth(bits, channels));
        let frames = 22_050 * channels.parse::<usize>().unwrap();
        assert_eq!(read_all(&p).map(|s| s.len()), Ok(frames), "{name}");
    }
    let mut resox = std::process::Command::new("sox")
        .args(["-t", "wav", "-", "-t", "wav", "-", "gain", "-3"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = resox.stdin.take().unwrap();
    std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &piped));
    let out = resox.wait_with_output().unwrap();
    let p = write(d, "resox.wav", &out.stdout);
    let size = iemsim::io::Decoder::open(&p).map(|d| d.info().frames);
    assert_eq!(read_all(&p).unwrap().len(), 72_000, "{size:?}");
}

/// `Decoder::from_bytes` (the fuzz targets' entry point) decodes bytes held in memory exactly as
/// the file: the known sample values, and errors that name the given name.
#[test]
fn from_bytes_decodes_like_a_file() {
    use iemsim::io::decode::Decoder;
    let (data, want) = i16_samples(300);
    let bytes = riff(
        &[
            chunk(b"fmt ", &fmt(1, 2, 44_100, 2, 16, &[])),
            chunk(b"data", &data),
        ],
        None,
    );
    let mut d = Decoder::from_bytes(bytes, Path::new("mem.wav")).unwrap();
    assert_eq!((d.info().channels, d.info().sample_rate), (2, 44_100));
    assert_eq!(d.read_frames(u64::MAX).unwrap(), want);
    let err = Decoder::from_bytes(b"not audio at all".to_vec(), Path::new("mem.wav")).unwrap_err();
    assert!(err.to_string().contains("mem.wav"), "{err}");
}

/// Headers that contradict themselves are refused, not read one way of several: two `fmt `
/// chunks (the second won; ffmpeg takes the first), a sample size larger than its container
/// (17 bits in 2 bytes).
#[test]
fn self_contradicting_headers_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = i16_samples(64);
    let cases = [
        (
            "two_fmt.wav",
            vec![
                chunk(b"fmt ", &fmt(1, 2, 44_100, 2, 16, &[])),
                chunk(b"fmt ", &fmt(1, 1, 8_000, 2, 16, &[])),
                chunk(b"data", &data),
            ],
            "two `fmt ` chunks",
        ),
        (
            "bits17.wav",
            vec![
                chunk(b"fmt ", &fmt(1, 2, 44_100, 2, 17, &[])),
                chunk(b"data", &data),
            ],
            "17-bit samples do not fit",
        ),
    ];
    for (name, chunks, says) in cases {
        let p = write(dir.path(), name, &riff(&chunks, None));
        let e = read_all(&p).expect_err(name);
        assert!(e.contains(name) && e.contains(says), "{name}: {e}");
    }
}

/// PCM (format tag 1) and float (tag 3), plain or WAVE_FORMAT_EXTENSIBLE, keep the sample size their bits imply when
/// nBlockAlign contradicts it, as sox and ffmpeg do: a 16-bit stereo file whose header said 6
/// was read as 24-bit samples (noise, its strongest tone at 7.7 kHz for a 440 Hz sine), exit 0;
/// 16-bit mono saying 4 was refused.
#[test]
fn plain_pcm_keeps_its_sample_size_whatever_the_block_align_says() {
    let dir = tempfile::tempdir().unwrap();
    let (data, vals) = i16_samples(64);
    let floats: Vec<f32> = (0..128).map(|i| (i as f32 - 64.0) / 128.0).collect();
    let fdata: Vec<u8> = floats.iter().flat_map(|v| v.to_le_bytes()).collect();
    // `fmt`'s container bytes set nBlockAlign (channels x them): each one here is wrong.
    for (name, tag, ch, container, bits, data, want) in [
        ("s16_align6.wav", 1, 2, 3, 16, &data, vals.clone()),
        ("m16_align4.wav", 1, 1, 4, 16, &data, vals.clone()),
        ("s16_align2.wav", 1, 2, 1, 16, &data, vals.clone()),
        (
            "f32_align12.wav",
            3,
            2,
            6,
            32,
            &fdata,
            floats.iter().map(|&v| f64::from(v)).collect(),
        ),
    ] {
        let bytes = riff(
            &[
                chunk(b"fmt ", &fmt(tag, ch, 44_100, container, bits, &[])),
                chunk(b"data", data),
            ],
            None,
        );
        let p = write(dir.path(), name, &bytes);
        assert_eq!(read_all(&p), Ok(want), "{name}");
        // WAVE_FORMAT_EXTENSIBLE too: its wBitsPerSample is the container (16-bit stereo saying 6
        // gave 2/3 of the frames, noise at 13.6 kHz, exit 0).
        let ext = riff(
            &[
                chunk(
                    b"fmt ",
                    &fmt(
                        0xFFFE,
                        ch,
                        44_100,
                        container,
                        bits,
                        &extensible(bits, tag, 0),
                    ),
                ),
                chunk(b"data", data),
            ],
            None,
        );
        let e = write(dir.path(), &format!("ext_{name}"), &ext);
        assert_eq!(read_all(&e), read_all(&p), "ext_{name}");
        let info = *Decoder::open(&p).unwrap().info();
        assert_eq!(
            (info.channels, info.bits, info.frames),
            (
                ch,
                bits,
                (data.len() / (usize::from(ch) * usize::from(bits / 8))) as u64
            ),
            "{name}"
        );
    }
}

/// A data size one byte past the end (less than a frame) loses no frame: every whole frame is
/// read. It was refused as truncated: "announces 64 frames but the file holds 64".
#[test]
fn a_data_size_past_the_end_by_less_than_a_frame_reads_every_frame() {
    let dir = tempfile::tempdir().unwrap();
    let (data, vals) = i16_samples(64);
    let mut data_chunk = b"data".to_vec();
    data_chunk.extend_from_slice(&(data.len() as u32 + 1).to_le_bytes());
    data_chunk.extend_from_slice(&data);
    let bytes = riff(
        &[chunk(b"fmt ", &fmt(1, 2, 44_100, 2, 16, &[])), data_chunk],
        None,
    );
    let p = write(dir.path(), "plus1.wav", &bytes);
    assert_eq!(read_all(&p).unwrap(), vals);
}

/// A valid FLAC without a frame (what `flac` makes of empty input; `flac -t` passes it) has no
/// audio, as an empty WAV: it was called "corrupt: a FLAC file whose header ... does not parse".
#[test]
fn a_flac_without_frames_has_no_audio() {
    let mut flac = b"fLaC\x80\0\0\x22".to_vec();
    // STREAMINFO: blocks of 4096, frame sizes unknown, 44.1 kHz, 2 channels, 16 bits, 0 samples.
    flac.extend_from_slice(&[0x10, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x0A, 0xC4, 0x42, 0xF0]);
    flac.extend_from_slice(&[0; 20]);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "zero.flac", &flac);
    let out = crate::common::cli::run(&["export", "zero.flac", "-p", "ba"], dir.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("zero.flac") && err.contains("no audio in it (zero frames)"),
        "{err}"
    );
}

/// A FLAC whose metadata does not parse is a damaged FLAC, and AIFF and CAF are formats iemsim
/// does not read: each was "not an audio file".
#[test]
fn damaged_flac_and_unread_formats_are_named() {
    let mut flac = b"fLaC\0\0\0\x22".to_vec();
    flac.extend_from_slice(&[0x55; 64]);
    let mut aiff = b"FORM\0\0\0\x40AIFFCOMM".to_vec();
    aiff.extend_from_slice(&[0; 56]);
    let mut caf = b"caff\0\x01\0\0desc".to_vec();
    caf.extend_from_slice(&[0; 56]);
    for (bytes, name, says) in [
        (flac, "x.flac", "a FLAC file whose header"),
        (aiff, "x.aiff", "AIFF, which iemsim does not read"),
        (caf, "x.caf", "CAF, which iemsim does not read"),
    ] {
        let e = Decoder::from_bytes(bytes, Path::new(name))
            .map(|_| ())
            .expect_err(name)
            .to_string();
        assert!(e.contains(name) && e.contains(says), "{e}");
    }
}

/// A `LIST`/`INFO` chunk of `(id, text)` entries, each NUL-terminated as writers store them.
fn list_info(entries: &[(&[u8; 4], &str)]) -> Vec<u8> {
    let mut body = b"INFO".to_vec();
    for (id, text) in entries {
        body.extend(chunk(id, format!("{text}\0").as_bytes()));
    }
    chunk(b"LIST", &body)
}

/// Tags stored after the `data` chunk (libsndfile writes them there) were dropped: the
/// reader stopped at `data`. A file now seeks past the audio (and its pad byte) to them, in RIFF
/// and RF64; a trailing chunk cut short or garbage, or a data size the file does not hold, leaves
/// the tags out without an error. The samples are the same in every case.
#[test]
fn tags_after_the_audio_are_read_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let (data, want) = i16_samples(200);
    let f = chunk(b"fmt ", &fmt(1, 2, 44_100, 2, 16, &[]));
    let late = list_info(&[(b"INAM", "Late"), (b"IART", "Artist")]);
    let plain = riff(&[f.clone(), chunk(b"data", &data)], None);
    // One byte past the last frame makes the data odd-sized: its pad byte comes before the tags.
    let odd = [data.as_slice(), &[7]].concat();
    let mut ds64 = vec![0; 8];
    ds64.extend_from_slice(&(data.len() as u64).to_le_bytes());
    ds64.extend_from_slice(&[0; 12]);
    let mut rf64_data = b"data".to_vec();
    rf64_data.extend_from_slice(&u32::MAX.to_le_bytes());
    rf64_data.extend_from_slice(&data);
    let mut rf64 = riff(
        &[chunk(b"ds64", &ds64), f.clone(), rf64_data],
        Some(u32::MAX),
    );
    rf64[..4].copy_from_slice(b"RF64");
    let mut past_end = plain.clone();
    past_end[40..44].copy_from_slice(&(data.len() as u32 + 2).to_le_bytes());
    let cases: [(&str, Vec<u8>, Option<&str>); 8] = [
        (
            "after.wav",
            [plain.clone(), late.clone()].concat(),
            Some("Late"),
        ),
        (
            "odd.wav",
            riff(&[f.clone(), chunk(b"data", &odd), late.clone()], None),
            Some("Late"),
        ),
        ("rf64.wav", [rf64, late.clone()].concat(), Some("Late")),
        (
            "others-first.wav",
            riff(
                &[
                    f.clone(),
                    chunk(b"data", &data),
                    chunk(b"JUNK", &[0; 1001]),
                    chunk(b"id3 ", b"ID3\x04"),
                    late.clone(),
                ],
                None,
            ),
            Some("Late"),
        ),
        (
            "cut.wav",
            [plain.clone(), late[..late.len() - 5].to_vec()].concat(),
            None,
        ),
        (
            "garbage.wav",
            [plain.clone(), vec![0, 0xFF, 0x13, 0x37, 9, 9, 9, 9, 1]].concat(),
            None,
        ),
        (
            "huge.wav",
            [plain.clone(), b"JUNK\xF0\xFF\xFF\xFFxx".to_vec()].concat(),
            None,
        ),
        ("past-end.wav", past_end, None),
    ];
    for (name, bytes, title) in cases {
        let p = write(dir.path(), name, &bytes);
        assert_eq!(read_all(&p), Ok(want.clone()), "{name}");
        let d = Decoder::open(&p).unwrap();
        assert_eq!(d.tags().title.as_deref(), title, "{name}");
        let artist = title.map(|_| "Artist");
        assert_eq!(d.tags().artist.as_deref(), artist, "{name}");
        let mem = Decoder::from_bytes(bytes, Path::new(name)).unwrap();
        assert_eq!(mem.tags(), d.tags(), "{name}");
    }
    // Before and after: in the file's order, as two `LIST`s before the data are (ffmpeg too).
    let both = riff(
        &[
            f,
            list_info(&[(b"INAM", "Before"), (b"ICMT", "Kept")]),
            chunk(b"data", &data),
            list_info(&[(b"INAM", "After")]),
        ],
        None,
    );
    let d = Decoder::open(&write(dir.path(), "both.wav", &both)).unwrap();
    assert_eq!(d.tags().title.as_deref(), Some("After"));
    assert_eq!(d.tags().comment.as_deref(), Some("Kept"));
}
