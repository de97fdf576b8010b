//! Helpers shared by the library's unit tests (compiled for tests only).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The integration tests' check for outside programs: a test whose tool is missing prints
/// `SKIPPED: <test>: <why>` and returns (a failure under IEMSIM_REQUIRE_TOOLS/ALL=1, as in CI).
#[path = "../tests/common/tools.rs"]
pub mod tools;

/// The tone on each channel of [`surround_tones_wav`]: a different frequency per channel, so each
/// channel's share of a mix can be read off one output.
pub const SURROUND_TONES_HZ: [f64; 6] = [300.0, 500.0, 700.0, 900.0, 1100.0, 1300.0];
/// Their amplitude.
pub const SURROUND_TONE_AMPLITUDE: f64 = 0.5;

/// A 1 s 44.1 kHz 5.1 float WAV made by sox (independently of our writer): channel c (L R C LFE
/// Ls Rs) carries only a sine at `SURROUND_TONES_HZ[c]`. `None` (the test skips) without sox.
pub fn surround_tones_wav(dir: &Path) -> Option<PathBuf> {
    if !tools::have(&["sox"]) {
        return None;
    }
    let path = dir.join("tones-5.1.wav");
    let mut cmd = Command::new("sox");
    cmd.args([
        "-n",
        "-r",
        "44100",
        "-c",
        "6",
        "-e",
        "floating-point",
        "-b",
        "32",
    ])
    .arg(&path)
    .args(["synth", "1"]);
    for f in SURROUND_TONES_HZ {
        cmd.args(["sine", &f.to_string()]);
    }
    let st = cmd.args(["vol", "0.5"]).status().expect("run sox");
    assert!(st.success(), "sox failed");
    Some(path)
}

/// Amplitude of the `f_hz` sine in channel `c` of interleaved `x` (a single-bin DFT over the whole
/// signal: exact for a whole number of cycles).
pub fn tone_amplitude(x: &[f64], channels: usize, c: usize, rate: f64, f_hz: f64) -> f64 {
    let (mut re, mut im, mut n) = (0.0, 0.0, 0usize);
    for (i, frame) in x.chunks_exact(channels).enumerate() {
        let w = std::f64::consts::TAU * f_hz * i as f64 / rate;
        re += frame[c] * w.cos();
        im -= frame[c] * w.sin();
        n += 1;
    }
    2.0 * re.hypot(im) / n as f64
}

/// ITU-R BS.775's 5.1 → stereo downmix, written out from the standard: rows L', R', columns
/// L R C LFE Ls Rs; L' = L + 0.7071 C + 0.7071 Ls, R' = R + 0.7071 C + 0.7071 Rs, LFE left out,
/// all scaled by 1/(1 + 2 · 0.7071) so nothing clips.
pub fn bs775_five_one_to_stereo() -> [[f64; 6]; 2] {
    // The coefficient as published, to its four digits (not the code's FRAC_1_SQRT_2).
    #[allow(clippy::approx_constant)]
    const K: f64 = 0.7071;
    let n = 1.0 / (1.0 + 2.0 * K);
    [
        [n, 0.0, K * n, 0.0, K * n, 0.0],
        [0.0, n, K * n, 0.0, 0.0, K * n],
    ]
}

/// Checks that stereo `x` (44.1 kHz, made from [`surround_tones_wav`]) holds each surround channel
/// at the level ITU-R BS.775's downmix gives it ([`bs775_five_one_to_stereo`]).
pub fn assert_bs775_stereo(x: &[f64]) {
    assert_eq!(x.len(), 44_100 * 2, "one second of stereo");
    let want = bs775_five_one_to_stereo();
    for (out, row) in want.iter().enumerate() {
        for (input, w) in row.iter().enumerate() {
            let got = tone_amplitude(x, 2, out, 44_100.0, SURROUND_TONES_HZ[input]);
            let want = w * SURROUND_TONE_AMPLITUDE;
            assert!(
                (got - want).abs() < 1e-4,
                "output {out}, input channel {input}: amplitude {got}, BS.775 says {want}"
            );
        }
    }
}

/// A 1 s 44.1 kHz 32-bit float WAV whose WAVE_FORMAT_EXTENSIBLE header declares `mask` as its
/// speakers; channel c carries a sine at `SURROUND_TONES_HZ[c]` (amplitude
/// [`SURROUND_TONE_AMPLITUDE`]). Written byte by byte here because sox always declares the default
/// mask for the channel count.
pub fn tones_wav_with_mask(dir: &Path, channels: u16, mask: u32) -> PathBuf {
    let rate = 44_100u32;
    let frames = rate as usize;
    let mut data = Vec::with_capacity(frames * usize::from(channels) * 4);
    for n in 0..frames {
        for f in &SURROUND_TONES_HZ[..usize::from(channels)] {
            let w = 2.0 * std::f64::consts::PI * f * n as f64 / f64::from(rate);
            data.extend_from_slice(&((SURROUND_TONE_AMPLITUDE * w.sin()) as f32).to_le_bytes());
        }
    }
    let block = channels * 4;
    let mut b = Vec::new();
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(4 + 8 + 40 + 8 + data.len() as u32).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&40u32.to_le_bytes());
    b.extend_from_slice(&0xFFFEu16.to_le_bytes());
    b.extend_from_slice(&channels.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * u32::from(block)).to_le_bytes());
    b.extend_from_slice(&block.to_le_bytes());
    b.extend_from_slice(&32u16.to_le_bytes()); // container bits
    b.extend_from_slice(&22u16.to_le_bytes()); // cbSize
    b.extend_from_slice(&32u16.to_le_bytes()); // valid bits
    b.extend_from_slice(&mask.to_le_bytes());
    // KSDATAFORMAT_SUBTYPE_IEEE_FLOAT: 00000003-0000-0010-8000-00AA00389B71.
    b.extend_from_slice(&[
        3, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71,
    ]);
    b.extend_from_slice(b"data");
    b.extend_from_slice(&(data.len() as u32).to_le_bytes());
    b.extend_from_slice(&data);
    let path = dir.join(format!("tones-{channels}ch-{mask:#x}.wav"));
    std::fs::write(&path, b).expect("write the test WAV");
    path
}
