//! RF64 without writing 4 GiB: the RIFF limit is lowered to a few hundred bytes, and the small file
//! that crosses it must be read by sox and ffprobe (independent RF64 readers, EBU Tech 3306) with
//! the right length and samples.

use super::*;
use std::path::Path;
use std::process::Command;

fn spec(frames: Option<u64>, format: OutFormat) -> SinkSpec {
    SinkSpec {
        channels: 2,
        sample_rate: 8_000,
        format,
        dither: Dither::None,
        channel_mask: 0,
        tags: Tags::default(),
        frames,
    }
}

/// 300 stereo frames of a ramp on the 16-bit grid (exact in every format).
fn ramp() -> Vec<f64> {
    (0..600).map(|i| f64::from(i - 300) / 32_768.0).collect()
}

fn write(path: &Path, frames: Option<u64>, format: OutFormat, limit: u64) {
    let target = Target::File {
        path: path.to_path_buf(),
        replace: true,
    };
    let mut sink = WavSink::open_with_limit(&target, &spec(frames, format), limit).unwrap();
    sink.write(&ramp()).unwrap();
    sink.finish().unwrap();
}

fn tool(cmd: &str, args: &[&str]) -> std::process::Output {
    Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd} is needed for this test (.ci/run installs it): {e}"))
}

#[test]
fn small_limit_turns_the_file_into_rf64_that_sox_and_ffprobe_read() {
    if !crate::test_support::tools::have(&["ffprobe", "sox"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, frames, format) in [
        ("unknown.wav", None, OutFormat::I16),
        ("known.wav", Some(300), OutFormat::I16),
        ("float.wav", Some(300), OutFormat::F32),
    ] {
        let path = dir.path().join(name);
        write(&path, frames, format, 500);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..4], b"RF64", "{name}");
        assert_eq!(&bytes[12..16], b"ds64", "{name}");
        let p = path.to_str().unwrap();
        let probe = tool(
            "ffprobe",
            &[
                "-v",
                "warning",
                "-show_entries",
                "stream=duration_ts",
                "-of",
                "csv=p=0",
                p,
            ],
        );
        assert_eq!(String::from_utf8_lossy(&probe.stderr), "", "{name}");
        assert_eq!(
            String::from_utf8_lossy(&probe.stdout).trim(),
            "300",
            "{name}"
        );
        // -D: sox would dither the float file on the way to 16 bits.
        let raw = tool("sox", &["-D", p, "-t", "s16", "-"]);
        assert_eq!(String::from_utf8_lossy(&raw.stderr), "", "{name}");
        let got: Vec<f64> = raw
            .stdout
            .chunks_exact(2)
            .map(|b| f64::from(i16::from_le_bytes([b[0], b[1]])) / 32_768.0)
            .collect();
        assert!(got == ramp(), "{name}: samples differ");
    }
}

#[test]
fn below_the_limit_stays_plain_riff() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.wav");
    write(&path, Some(300), OutFormat::I16, MAX_RIFF_BYTES);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..4], b"RIFF");
    assert_eq!(
        &bytes[12..16],
        b"fmt ",
        "no JUNK when the length is known and small"
    );
    assert_eq!(bytes.len(), 44 + 1200);
}

#[test]
fn without_reserved_room_crossing_the_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.wav");
    let target = Target::File {
        path: path.clone(),
        replace: true,
    };
    // Announced as 10 frames (fits), then 300 written: no ds64 room, so it must refuse.
    let mut sink = WavSink::open_with_limit(&target, &spec(Some(10), OutFormat::I16), 500).unwrap();
    let err = sink.write(&ramp()).unwrap_err();
    assert!(err.to_string().contains("4 GiB"), "{err}");
    drop(sink);
    assert!(!path.exists());
}
