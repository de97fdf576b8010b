//! The cascade kernel per dispatch path: `cargo bench --bench kernel [-- FILTER]`.
//!
//! 10 stages (the benchmark profile), stereo, 4096-frame blocks of noise, as export runs them.
//! Reports the median and fastest time per block over 25 samples (each the mean of enough calls
//! to fill 40 ms) and ns per stage-sample (time / (4096 frames × 2 channels × 10 stages)). Also
//! times a block of silence after a signal (the denormal case of issue 11: it must cost no more
//! than the signal). FILTER keeps the cases whose name contains it (e.g. `signal/Avx2`).

use iemsim::dsp::chain::Kernel;
use iemsim::dsp::Chain;
use std::hint::black_box;
use std::time::{Duration, Instant};

mod common;

const FRAMES: usize = 4096;
const SAMPLES: usize = 25;

/// Median and fastest seconds per call of `f`, after a 300 ms warm-up.
fn time(mut f: impl FnMut()) -> (f64, f64) {
    let start = Instant::now();
    let mut calls = 0u32;
    while start.elapsed() < Duration::from_millis(300) {
        f();
        calls += 1;
    }
    let per_sample = (calls as f64 * 40.0 / 300.0).ceil().max(1.0) as u32;
    let mut t: Vec<f64> = (0..SAMPLES)
        .map(|_| {
            let s = Instant::now();
            for _ in 0..per_sample {
                f();
            }
            s.elapsed().as_secs_f64() / f64::from(per_sample)
        })
        .collect();
    t.sort_by(f64::total_cmp);
    (t[SAMPLES / 2], t[0])
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    let filter = args.iter().find(|a| !a.starts_with("--")).cloned();
    let coeffs = common::ten_filters().coefficients(48_000.0).0;
    let stage_samples = (FRAMES * 2 * coeffs.len()) as f64;
    let mut rng = iemsim::dsp::dither::XorShift64::new(3);
    let noise: Vec<f64> = (0..FRAMES * 2).map(|_| rng.uniform() - 0.5).collect();
    let report = |name: String, (median, fastest): (f64, f64)| {
        println!(
            "cascade10_stereo_4096/{name:<32} median {:8.2} µs  fastest {:8.2} µs  {:.3} ns per stage-sample",
            median * 1e6,
            fastest * 1e6,
            median * 1e9 / stage_samples
        );
    };
    let wanted = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    for kernel in Kernel::ALL {
        let Some(mut chain) = Chain::with_kernel(coeffs.clone(), 2, 0.0, kernel) else {
            continue;
        };
        let name = format!("signal/{kernel:?}");
        if wanted(&name) {
            let mut buf = noise.clone();
            report(
                name,
                time(|| {
                    buf.copy_from_slice(&noise);
                    chain.process(black_box(&mut buf));
                }),
            );
        }
        // Silence after a signal: the state decays towards zero (and would turn subnormal).
        let name = format!("silence_after_signal/{kernel:?}");
        if wanted(&name) {
            chain.process(&mut noise.clone());
            let mut silence = vec![0.0; FRAMES * 2];
            report(
                name,
                time(|| {
                    silence.iter_mut().for_each(|v| *v = 0.0);
                    chain.process(black_box(&mut silence));
                }),
            );
        }
    }
}
