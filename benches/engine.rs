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

    live_path();

    // Loudness analysis before playback (part of the time to first audio; bar: > 50x real time and
    // first audio within 300 ms on the bundled sample).
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/music.wav");
    let (a, b) = (find_profile("ba"), find_profile("dd"));
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

fn find_profile(n: &str) -> iemsim::dsp::Profile {
    iemsim::dsp::builtin::profiles()
        .into_iter()
        .find(|p| p.name == n)
        .expect("profile")
}

/// `iemsim live`: the capture callback (`capture_into`), the output callback (`Engine::render`
/// with matched-gain glides arriving every 100 ms, as the pump sends them) on 512-frame stereo
/// blocks, and the pump thread (44.1 kHz capture → 48 kHz output: channel map, adaptive sinc
/// resampling, both side chains and K-weighting for the loudness match), as a share of one core.
fn live_path() {
    use iemsim::dsp::Preamp;
    use iemsim::playback::live::capture_into;
    use iemsim::playback::live_pump::{Pump, PumpSetup, PumpStats};
    use std::sync::atomic::AtomicU64;
    let profiles = [find_profile("ba"), find_profile("dd")];
    let fs = f64::from(RATE);
    let preamp_db = [0, 1].map(|i| profiles[i].preamp_db(Preamp::Auto, fs));
    let ctl = Arc::new(Control::new(true));
    let cap = 1 << 17;
    let (mut out_tx, out_rx) = rtrb::RingBuffer::<f32>::new(cap);
    let (mut in_tx, mut in_rx) = rtrb::RingBuffer::<f32>::new(1 << 16);
    let chain = |i: usize| SideChain {
        chain: Box::new(Chain::new(profiles[i].stages(fs, 2), 2, 0.0)),
        gain_matched: 0.5,
        gain_plain: 0.5,
    };
    let (mut engine, mut handles) = Engine::new(
        Arc::clone(&ctl),
        out_rx,
        [chain(0), chain(1)],
        2,
        RATE,
        RATE,
    );
    let mut pump = Pump::new(
        PumpSetup {
            in_rate: 44_100,
            in_channels: 2,
            out_rate: RATE,
            out_channels: 2,
            target_fill: 4096,
            profiles: profiles.clone(),
            preamp_db,
            start_gain_db: preamp_db,
        },
        cap,
    )
    .expect("pump");
    let stats = PumpStats::default();
    let lost = AtomicU64::new(0);
    let mut rng = iemsim::dsp::dither::XorShift64::new(7);
    // 470 frames at 44.1 kHz ≈ 512 at 48 kHz: the two callbacks keep pace.
    let block_in: Vec<f32> = (0..470 * 2).map(|_| (rng.uniform() - 0.5) as f32).collect();
    let mut out = vec![0.0f32; BLOCK * 2];
    let (mut t_cap, mut t_out) = (Vec::new(), Vec::new());
    let mut t_pump = 0.0;
    let blocks = 20_000;
    for i in 0..blocks + 2000 {
        let s = Instant::now();
        capture_into(&mut in_tx, &lost, 2, &block_in);
        let c = s.elapsed().as_secs_f64() * 1e6;
        let s = Instant::now();
        pump.step(&mut in_rx, &mut out_tx, &mut handles, &stats)
            .expect("pump");
        let p = s.elapsed().as_secs_f64();
        let s = Instant::now();
        engine.render(&mut out);
        let o = s.elapsed().as_secs_f64() * 1e6;
        if i >= 2000 {
            t_cap.push(c);
            t_out.push(o);
            t_pump += p;
        }
    }
    let period_us = BLOCK as f64 / f64::from(RATE) * 1e6;
    println!("iemsim live, 512-frame stereo blocks (44.1 kHz capture, 48 kHz output, ba vs dd):");
    for (name, mut t) in [
        ("capture callback", t_cap),
        ("output callback (Engine)", t_out),
    ] {
        let med = percentile(&mut t, 0.5);
        let p99 = percentile(&mut t, 0.99);
        println!(
            "  {name:<28} median {med:6.2} µs = {:5.3}% of the period; p99 {p99:6.2} µs = {:5.3}%",
            med / period_us * 100.0,
            p99 / period_us * 100.0
        );
    }
    let audio_s = blocks as f64 * period_us / 1e6;
    println!(
        "  pump thread (resample + meter)  {:.1} ms per second of audio = {:.2}% of one core",
        t_pump / audio_s * 1e3,
        t_pump / audio_s * 100.0
    );
}
