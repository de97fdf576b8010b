//! Speaker layouts survive an export: what a multichannel input says its channels are (a WAV's
//! `dwChannelMask`, a FLAC's `WAVEFORMATEXTENSIBLE_CHANNEL_MASK` comment or its count's default,
//! an ALAC stream's layout) is what the WAV and FLAC outputs say, as ffprobe and the reference
//! `flac` decoder read them. Before, the WAV writer declared the default for the count (2.1 came
//! out as 3.0, its LFE a centre) and the FLAC writer nothing.

use crate::common::cli;
use crate::common::tools;

use cli::{run as iemsim, text};
use std::path::Path;

/// ffprobe's name for the layout of the first audio stream of `file`.
fn layout(dir: &Path, file: &str) -> String {
    let path = dir.join(file);
    let (out, _) = tools::run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-select_streams",
            "a:0",
            "-show_entries",
            "stream=channel_layout",
            "-of",
            "csv=p=0",
            path.to_str().expect("a UTF-8 temp path"),
        ],
    );
    text(&out).trim().to_string()
}

fn export(dir: &Path, input: &str, out: &str, extra: &[&str]) {
    let mut args = vec!["export", input, "-p", "ba", "-o", out, "-q"];
    args.extend_from_slice(extra);
    let r = iemsim(&args, dir);
    assert!(r.status.success(), "{input} -> {out}: {}", text(&r.stderr));
}

#[test]
fn outputs_keep_the_inputs_speaker_layout() {
    if !tools::have(&["ffmpeg", "ffprobe", "flac"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // ffmpeg's layout names; 2.1 = 0xB, 4.0 = 0x107, 5.1(side) = 0x60F, 5.1 = 0x3F (not FLAC's
    // default), 7.1(wide) = 0xFF; mono and stereo must not change. One thread each: the check
    // waits on some 20 runs of ffmpeg, iemsim and flac per layout, one after another.
    std::thread::scope(|threads| {
        for name in [
            "2.1",
            "4.0",
            "5.1(side)",
            "5.1",
            "7.1(wide)",
            "mono",
            "stereo",
        ] {
            threads.spawn(move || layout_survives(d, name));
        }
    });
}

/// `name` (an ffmpeg layout) made by ffmpeg as WAV and FLAC, exported to every output format,
/// comes out as `name` (files in `d` named after it).
fn layout_survives(d: &Path, name: &str) {
    let stem: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
    let wav = format!("in{stem}.wav");
    let flac = format!("in{stem}.flac");
    let source = format!("anoisesrc=d=0.05:a=0.1,aformat=channel_layouts={name}");
    let wav_path = d.join(&wav);
    let flac_path = d.join(&flac);
    let (w, f) = (wav_path.to_str().unwrap(), flac_path.to_str().unwrap());
    tools::ffmpeg(&["-f", "lavfi", "-i", &source, "-c:a", "pcm_s16le", w]);
    tools::ffmpeg(&["-i", w, f]);
    // ffmpeg leaves mono and stereo WAVs without a mask (ffprobe: "unknown"); FLAC says them.
    let want = if name == "mono" || name == "stereo" {
        "unknown".to_string()
    } else {
        name.to_string()
    };
    assert_eq!(layout(d, &wav), want, "ffmpeg's own input {wav}");
    for (input, kind) in [(&wav, "WAV"), (&flac, "FLAC")] {
        for (out, extra) in [
            (format!("o{stem}{kind}.wav"), &[][..]),
            (format!("o{stem}{kind}24.wav"), &["--bits", "24"][..]),
            (format!("o{stem}{kind}f.wav"), &["--bits", "32f"][..]),
            (format!("o{stem}{kind}.flac"), &[][..]),
        ] {
            export(d, input, &out, extra);
            let got = layout(d, &out);
            if name == "mono" || name == "stereo" {
                // Default speakers: a plain header (ffprobe guesses them) or FLAC's own.
                assert!(
                    got == "unknown" || got == name,
                    "{input} ({name}) -> {out}: {got}"
                );
            } else if out.ends_with("f.wav") && name == "5.1" {
                // The default 5.1 in float keeps the plain tag-3 header (read as the default).
                assert_eq!(got, "unknown", "{input} ({name}) -> {out}");
            } else {
                assert_eq!(got, name, "{input} ({name}) -> {out}");
            }
        }
        // The reference decoder restores the mask from the FLAC output's comment.
        let flac_out = format!("o{stem}{kind}.flac");
        let back = format!("o{stem}{kind}.flac.wav");
        let (fo, bo) = (d.join(&flac_out), d.join(&back));
        tools::run(
            "flac",
            &[
                "-s",
                "-d",
                "-f",
                fo.to_str().unwrap(),
                "-o",
                bo.to_str().unwrap(),
            ],
        );
        let got = layout(d, &back);
        if name == "mono" || name == "stereo" {
            assert_eq!(got, "unknown", "flac -d {flac_out}");
        } else {
            assert_eq!(got, name, "flac -d {flac_out}");
        }
    }
}

/// ALAC in MP4 names its layout in the stream (symphonia orders the channels by it): a 4.0 ALAC
/// (L R C Cs, 0x107) keeps it (it was written as quad, 0x33); ffmpeg makes 5.1 of a 5.1(side).
#[test]
fn alac_layouts_reach_the_wav_output() {
    if !tools::have(&["ffmpeg", "ffprobe"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for name in ["4.0", "5.1(side)"] {
        let stem: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
        let m4a = format!("a{stem}.m4a");
        let source = format!("anoisesrc=d=0.05:a=0.1,aformat=channel_layouts={name}");
        let path = d.join(&m4a);
        tools::ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            &source,
            "-c:a",
            "alac",
            path.to_str().unwrap(),
        ]);
        let want = layout(d, &m4a);
        let out = format!("a{stem}.wav");
        export(d, &m4a, &out, &[]);
        assert_eq!(layout(d, &out), want, "{m4a} -> {out}");
    }
}

/// symphonia's ALAC decoder puts the channels of 7- and 8-channel streams on the wrong speakers
/// (a 6.1 file's back centre came out as back left, exit 0): such files are refused by name, with
/// the ffmpeg line that converts them, and 6 channels still read.
#[test]
fn alac_beyond_six_channels_is_refused_by_name() {
    if !tools::have(&["ffmpeg", "ffprobe"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (name, ok) in [("6.1(back)", false), ("7.1", false), ("5.1(side)", true)] {
        let stem: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
        let m4a = format!("a{stem}.m4a");
        let source = format!("anoisesrc=d=0.05:a=0.1,aformat=channel_layouts={name}");
        let path = d.join(&m4a);
        tools::ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            &source,
            "-c:a",
            "alac",
            path.to_str().unwrap(),
        ]);
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_iemsim"))
            .current_dir(d)
            .args(["export", &m4a, "-p", "ba", "-o", &format!("a{stem}.wav")])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        if ok {
            assert!(o.status.success(), "{name}: {err}");
        } else {
            assert_eq!(o.status.code(), Some(2), "{name}: {err}");
            assert!(
                err.contains("channels: iemsim's ALAC decoder puts"),
                "{name}: {err}"
            );
            assert!(err.contains("ffmpeg -i"), "{name}: {err}");
        }
    }
}
