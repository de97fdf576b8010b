//! The feeder driven as plain functions (no thread, no ring): resampler set-up and errors, and
//! seamless loop passes when the file and the device run at different rates.

use super::*;

/// A mono 16-bit WAV of `frames` frames at `rate`, every sample `value`.
fn dc_wav(dir: &std::path::Path, rate: u32, frames: usize, value: f64) -> crate::io::Decoder {
    let path = dir.join("dc.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&path, spec).expect("create");
    for _ in 0..frames {
        w.write_sample((value * 32767.0).round() as i16)
            .expect("write");
    }
    w.finalize().expect("finalize");
    crate::io::Decoder::open(&path).expect("open")
}

#[test]
fn a_resampler_that_cannot_be_built_is_an_error_naming_both_rates() {
    assert!(resampler(48_000, 48_000, 2).expect("same rate").is_none());
    assert!(resampler(44_100, 48_000, 2).expect("44.1 to 48").is_some());
    let Err(e) = resampler(44_100, 0, 2) else {
        panic!("0 Hz cannot work")
    };
    let msg = e.to_string();
    assert!(msg.contains("44100 Hz") && msg.contains("0 Hz"), "{msg}");
    assert!(matches!(e, FeedError::ResamplerSetup { .. }));
}

#[test]
fn a_resampling_error_ends_the_feeder_with_that_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut src = dc_wav(dir.path(), 44_100, 4096, 0.5);
    let ctl = Control::new(true);
    let mut f = Feeder::new(&src, 48_000, 1).expect("feeder");
    // A resampler for 3 channels fed 1: rubato refuses the block.
    f.resampler = resampler(44_100, 48_000, 3).expect("resampler");
    let e = f.step(&mut src, &ctl).expect_err("the error comes out");
    assert!(matches!(e, FeedError::Resample { .. }), "{e}");
    assert!(e.to_string().contains("44100 Hz to 48000 Hz"), "{e}");
}

/// Loop passes at 44.1 kHz played at 48 kHz: only the 5 ms raised-cosine fades dip, never a block
/// of padding. A loop of 2100 frames is two blocks and 52 frames; the old feeder completed the
/// 52 with 972 frames of silence every pass.
#[test]
fn loop_passes_are_seamless_when_the_rates_differ() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut src = dc_wav(dir.path(), 44_100, 20_000, 0.5);
    let ctl = Control::new(true);
    let (ls, le) = (1000u64, 3100u64);
    ctl.loop_start.store(ls, Relaxed);
    ctl.loop_end.store(le, Relaxed);
    let mut f = Feeder::new(&src, 48_000, 1).expect("feeder");
    let mut out = Vec::new();
    for _ in 0..40 {
        assert!(!f.step(&mut src, &ctl).expect("step"), "a loop never ends");
        out.append(&mut f.out);
    }
    // 40 blocks of 1024 file frames from frame 0: the first 1000 frames, then passes of 2100.
    let passes = (40 * BLOCK - 1000) / 2100;
    // Past the resampler's start-up (the first pass), count samples below half the level. Each
    // junction's fades (220 frames out, 220 in) are below half for 110 + 110 file frames, about
    // 240 device frames; allow 300 per pass for the resampler's smoothing.
    let start = (2000.0 * 48_000.0 / 44_100.0) as usize;
    let low = out[start..].iter().filter(|v| v.abs() < 0.25).count();
    let junctions = passes - 1;
    assert!(
        low <= 300 * junctions,
        "{low} quiet samples over {junctions} loop jumps: more than the fades"
    );
    // And the fades are there: the level really dips at each jump.
    assert!(low >= 150 * junctions, "{low} quiet samples: no fades?");
    // Between the dips the level is the file's (the resampler keeps DC).
    let mid = out[start..]
        .iter()
        .filter(|v| (**v - 0.5).abs() < 0.01)
        .count();
    assert!(
        mid > out.len() / 2,
        "{mid} of {} at the file's level",
        out.len()
    );
}

/// A loop whose end falls just past a block boundary (3 frames): the fade-out before the jump
/// starts in the block before the one that reaches the end. It used to be applied to the last
/// read only (3 frames), so the level fell from full to nothing in a step: a click on each pass.
#[test]
fn a_loop_end_just_past_a_block_fades_out_whole() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut src = dc_wav(dir.path(), 48_000, 20_000, 0.5);
    let ctl = Control::new(true);
    ctl.loop_start.store(0, Relaxed);
    ctl.loop_end.store(BLOCK as u64 + 3, Relaxed);
    let mut f = Feeder::new(&src, 48_000, 1).expect("feeder");
    let mut out = Vec::new();
    for _ in 0..8 {
        assert!(!f.step(&mut src, &ctl).expect("step"), "a loop never ends");
        out.append(&mut f.out);
    }
    // A 240-frame raised cosine of 0.5 moves at most 0.5 * pi / 480 = 0.0033 a frame.
    let step = out
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0f32, f32::max);
    assert!(step < 0.005, "a step of {step} in the level: a click");
    // And it does fade: the loop's last frame is silent.
    assert!(out[BLOCK + 2].abs() < 1e-3, "{}", out[BLOCK + 2]);
}

/// A 5.1 file made by sox with a tone on one channel each, played on a stereo device: every
/// channel reaches the device at its ITU-R BS.775 downmix level (the same rule as the demos).
#[test]
fn five_one_plays_on_stereo_at_bs775_levels() {
    let dir = tempfile::tempdir().expect("tmp");
    let Some(path) = crate::test_support::surround_tones_wav(dir.path()) else {
        return;
    };
    let mut src = crate::io::Decoder::open(&path).expect("open");
    let ctl = Control::new(true);
    let mut f = Feeder::new(&src, 44_100, 2).expect("feeder");
    let mut out = Vec::new();
    while !f.step(&mut src, &ctl).expect("step") {
        out.extend(f.out.drain(..).map(f64::from));
    }
    crate::test_support::assert_bs775_stereo(&out);
}

/// A WAV that names its speakers is mixed by them: LCRS (FL FR FC BC, mask 0x107) puts its third
/// channel, the centre, in both sides at BS.775's 0.7071 of a front. Taken as the default
/// 4-channel layout (quad: FL FR BL BR), as before the mask was read, that channel was a back
/// left and went to the left only.
#[test]
fn a_declared_speaker_layout_is_mixed_by_its_speakers() {
    use crate::test_support::{tone_amplitude, tones_wav_with_mask, SURROUND_TONES_HZ};
    let dir = tempfile::tempdir().expect("tmp");
    let path = tones_wav_with_mask(dir.path(), 4, 0x107);
    let mut src = crate::io::Decoder::open(&path).expect("open");
    assert_eq!(src.info().channel_mask, 0x107);
    let ctl = Control::new(true);
    let mut f = Feeder::new(&src, 44_100, 2).expect("feeder");
    let mut out = Vec::new();
    while !f.step(&mut src, &ctl).expect("step") {
        out.extend(f.out.drain(..).map(f64::from));
    }
    let amp = |o: usize, i: usize| tone_amplitude(&out, 2, o, 44_100.0, SURROUND_TONES_HZ[i]);
    let (front_l, centre_l, centre_r) = (amp(0, 0), amp(0, 2), amp(1, 2));
    assert!(amp(1, 0) < 1e-4, "the left front stays left");
    assert!(
        (centre_l - centre_r).abs() < 1e-4,
        "centre {centre_l} vs {centre_r}"
    );
    // BS.775's centre coefficient as the standard prints it, not the code's constant.
    #[allow(clippy::approx_constant)]
    let bs775_centre = 0.7071;
    assert!(
        (centre_l / front_l - bs775_centre).abs() < 1e-3,
        "centre {centre_l} against front {front_l}"
    );
}
