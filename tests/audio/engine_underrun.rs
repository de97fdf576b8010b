//! An underrun (the feeder late) played through the engine as the audio callback would: the audio
//! that did arrive fades out, the audio after the gap fades in, instead of steps to and from
//! silence (two clicks). Deterministic: the "late feeder" is the test pushing too little.

use iemsim::dsp::{builtin, Chain};
use iemsim::playback::engine::{Control, Engine, SideChain};
use std::sync::atomic::Ordering::*;
use std::sync::Arc;

const RATE: u32 = 48_000;

fn neutral() -> SideChain {
    let p = builtin::profiles()
        .into_iter()
        .find(|p| p.name == "neutral")
        .expect("neutral");
    SideChain {
        chain: Box::new(Chain::new(p.coefficients(f64::from(RATE)).0, 2, 0.0)),
        gain_matched: 1.0,
        gain_plain: 1.0,
    }
}

/// Stereo 100 Hz sine at 0.5 from frame `from`, `n` frames: at most 0.0066 from one sample to
/// the next (0.5 · 2π · 100 / 48000).
fn sine(from: usize, n: usize) -> Vec<f32> {
    (from..from + n)
        .flat_map(|k| {
            let v = 0.5 * (2.0 * std::f64::consts::PI * 100.0 * k as f64 / f64::from(RATE)).sin();
            [v as f32; 2]
        })
        .collect()
}

fn largest_step(left: &[f32]) -> f32 {
    left.windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max)
}

#[test]
fn an_underrun_fades_out_and_back_in() {
    let ctl = Arc::new(Control::new(true));
    let (mut producer, consumer) = rtrb::RingBuffer::new(RATE as usize * 2);
    let (mut engine, _handles) = Engine::new(
        Arc::clone(&ctl),
        consumer,
        [neutral(), neutral()],
        2,
        RATE,
        RATE,
    );
    let mut left = Vec::new();
    let mut play = |engine: &mut Engine, frames: usize| {
        let mut out = vec![0.0f32; frames * 2];
        engine.render(&mut out);
        left.extend(out.iter().step_by(2).copied());
    };
    // 0.5 s of music, played.
    let warm = RATE as usize / 2;
    producer
        .write_chunk_uninit(warm * 2)
        .expect("room")
        .fill_from_iter(sine(0, warm));
    play(&mut engine, warm);
    // The feeder is late: 600 frames (the sine at its crest, 0.5) for a 1024-frame callback.
    producer
        .write_chunk_uninit(1200)
        .expect("room")
        .fill_from_iter(sine(warm, 600));
    play(&mut engine, 1024);
    assert_eq!(ctl.underruns.load(Acquire), 1);
    // It catches up.
    let more = 4096;
    producer
        .write_chunk_uninit(more * 2)
        .expect("room")
        .fill_from_iter(sine(warm + 600, more));
    play(&mut engine, more);

    let around = &left[warm - 200..];
    let before = left[warm - 200..warm + 400]
        .iter()
        .fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(before > 0.4, "the music was playing ({before})");
    // A hard gap steps by up to 0.5; a 3 ms raised cosine on a 0.5 sine adds less than 0.006.
    let step = largest_step(around);
    assert!(step < 0.02, "largest step {step} around the underrun");
    // The gap is there (silence), and the music comes back at full level.
    assert!(left[warm + 700..warm + 1024].iter().all(|v| *v == 0.0));
    let after = left[warm + 1024 + 400..]
        .iter()
        .fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(after > 0.4, "the music came back ({after})");
}
