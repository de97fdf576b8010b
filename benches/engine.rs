//! The real-time path's cost: `cargo bench --bench engine`.
//!
//! Times `Engine::render` (the audio callback body) on 512-frame stereo blocks at 48 kHz with two
//! 10-filter chains, as the callback runs during playback: steady A/B, during crossfades, and with a
//! third chain warming up after a profile change (the worst case). Reports the time per block as a
//! percentage of the block's period (10.67 ms); the bar is 2% of one core.

use iemsim::dsp::chain::Kernel;
use iemsim::dsp::Chain;
use iemsim::playback::engine::{Control, Engine, EngineCmd, Side, SideChain};
use std::sync::atomic::Ordering::*;
use std::sync::Arc;
use std::time::Instant;

mod common;

const RATE: u32 = 48_000;
const BLOCK: usize = 512;

fn side() -> SideChain {
    let p = common::ten_filters();
    SideChain {
        chain: Box::new(
            Chain::with_kernel(p.coefficients(f64::from(RATE)).0, 2, 0.0, kernel())
                .expect("kernel available"),
        ),
        gain_matched: 0.5,
        gain_plain: 0.5,
    }
}

/// The cascade kernel: the CPU's best, or the scalar reference (the pre-SIMD cost) with
/// IEMSIM_BENCH_KERNEL=scalar.
fn kernel() -> Kernel {
    match std::env::var("IEMSIM_BENCH_KERNEL").as_deref() {
        Ok("scalar") => Kernel::Scalar,
        _ => Kernel::best(),
    }
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p) as usize]
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let ctl = Arc::new(Control::new(true));
    let (mut producer, consumer) = rtrb::RingBuffer::<f32>::new(1 << 16);
    let (mut engine, mut handles) =
        Engine::new(Arc::clone(&ctl), consumer, [side(), side()], 2, RATE, RATE);
    let mut rng = iemsim::dsp::dither::XorShift64::new(1);
    let noise: Vec<f32> = (0..BLOCK * 2)
        .map(|_| (rng.uniform() - 0.5) as f32)
        .collect();
    let mut out = vec![0.0f32; BLOCK * 2];
    let period_us = BLOCK as f64 / f64::from(RATE) * 1e6;
    let mut measure = |engine: &mut Engine, blocks: usize, each: &mut dyn FnMut(usize)| {
        let mut t = Vec::with_capacity(blocks);
        for i in 0..blocks {
            each(i);
            let _ = producer.push_entire_slice(&noise);
            let s = Instant::now();
            engine.render(&mut out);
            t.push(s.elapsed().as_secs_f64() * 1e6);
        }
        t
    };
    // Warm up caches and the branch predictor.
    measure(&mut engine, 2000, &mut |_| {});
    println!("Engine::render, 512-frame stereo blocks at 48 kHz, two 10-filter chains, kernel {:?} (period {period_us:.0} µs):", kernel());
    let report = |name: &str, mut t: Vec<f64>| {
        let med = percentile(&mut t, 0.5);
        let p99 = percentile(&mut t, 0.99);
        let max = percentile(&mut t, 1.0);
        println!(
            "  {name:<28} median {med:6.1} µs = {:5.2}% of the period; p99 {p99:6.1} µs = {:5.2}%; max {max:6.1} µs",
            med / period_us * 100.0,
            p99 / period_us * 100.0
        );
    };
    let steady = measure(&mut engine, 20_000, &mut |_| {});
    report("steady A/B", steady);
    let fading = measure(&mut engine, 20_000, &mut |i| {
        // A switch every 4 blocks: always inside a crossfade.
        if i % 4 == 0 {
            ctl.set_live(if ctl.live() == Side::A {
                Side::B
            } else {
                Side::A
            });
        }
    });
    report("switching every 4 blocks", fading);
    let mut installing = Vec::new();
    for _ in 0..40 {
        let _ = handles.cmds.push(EngineCmd::Install {
            side: Side::A,
            chain: side(),
        });
        // Warm-up (100 ms) + fade (20 ms) ≈ 12 blocks with three chains running.
        installing.extend(measure(&mut engine, 12, &mut |_| {}));
        while ctl.installs.load(Acquire) == 0 && handles.trash.pop().is_err() {
            installing.extend(measure(&mut engine, 1, &mut |_| {}));
        }
        while handles.trash.pop().is_ok() {}
        ctl.installs.store(0, Release);
    }
    report("profile change (3 chains)", installing);

    // Loudness analysis before playback (part of the time to first audio; bar: > 50x real time and
    // first audio within 300 ms on the bundled sample).
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/music.wav");
    let find = |n: &str| {
        iemsim::dsp::builtin::profiles()
            .into_iter()
            .find(|p| p.name == n)
            .expect("profile")
    };
    let (a, b) = (find("ba"), find("dd"));
    let mut times = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        let _ = iemsim::render::matching::analyse_heard(
            &sample,
            &[&a, &b],
            iemsim::render::matching::Heard::channels(2),
            &mut |_, _| {},
        );
        times.push(t.elapsed().as_secs_f64());
    }
    let med = percentile(&mut times, 0.5);
    println!(
        "Loudness analysis of samples/music.wav (24 s) through ba and dd: median {:.0} ms = {:.0}x real time",
        med * 1e3,
        24.0 / med
    );
}
