//! The cascade kernel per dispatch path: `cargo bench --bench kernel`.
//!
//! 10 stages (the benchmark profile), stereo, 4096-frame blocks of noise, as export runs them.
//! Criterion reports time per block and throughput in frames; ns per stage-sample is
//! time / (4096 frames × 2 channels × 10 stages). Also times a block of silence after a signal
//! (the denormal case of issue 11: it must cost no more than the signal).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use iemsim::dsp::chain::Kernel;
use iemsim::dsp::Chain;
use std::hint::black_box;
use std::time::Duration;

mod common;

const FRAMES: usize = 4096;

fn chains(c: &mut Criterion) {
    let coeffs = common::ten_filters().coefficients(48_000.0).0;
    let mut rng = iemsim::dsp::dither::XorShift64::new(3);
    let noise: Vec<f64> = (0..FRAMES * 2).map(|_| rng.uniform() - 0.5).collect();
    let mut g = c.benchmark_group("cascade10_stereo_4096");
    g.throughput(Throughput::Elements((FRAMES * 2 * coeffs.len()) as u64));
    g.warm_up_time(Duration::from_millis(300));
    g.measurement_time(Duration::from_secs(1));
    g.sample_size(20);
    for kernel in Kernel::ALL {
        let Some(mut chain) = Chain::with_kernel(coeffs.clone(), 2, 0.0, kernel) else {
            continue;
        };
        let mut buf = noise.clone();
        g.bench_function(BenchmarkId::new("signal", format!("{kernel:?}")), |b| {
            b.iter(|| {
                buf.copy_from_slice(&noise);
                chain.process(black_box(&mut buf));
            })
        });
        // Silence after a signal: the state decays towards zero (and would turn subnormal).
        let mut chain = Chain::with_kernel(coeffs.clone(), 2, 0.0, kernel).expect("available");
        chain.process(&mut noise.clone());
        let mut silence = vec![0.0; FRAMES * 2];
        g.bench_function(
            BenchmarkId::new("silence_after_signal", format!("{kernel:?}")),
            |b| {
                b.iter(|| {
                    silence.iter_mut().for_each(|v| *v = 0.0);
                    chain.process(black_box(&mut silence));
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, chains);
criterion_main!(benches);
