use super::*;
use crate::dsp::filter::{FilterKind, FilterSpec};
use std::f64::consts::PI;

const FS: f64 = 48_000.0;

fn cascade() -> Vec<Coefficients> {
    [
        FilterSpec::new(FilterKind::LowShelf, 40.0, -9.0, 0.6),
        FilterSpec::new(FilterKind::Peaking, 250.0, 4.0, 0.7),
        FilterSpec::new(FilterKind::Peaking, 3000.0, -6.0, 1.5),
        FilterSpec::new(FilterKind::Peaking, 8000.0, 7.0, 3.0),
        FilterSpec::new(FilterKind::HighShelf, 12_000.0, -4.0, 0.7),
    ]
    .iter()
    .map(|f| f.coefficients(FS).unwrap())
    .collect()
}

/// Steady-state sine gain through the streaming processor equals the closed-form response of
/// the cascade (product of the stages' |H|) within 0.05 dB at a dozen frequencies.
#[test]
fn sine_gain_matches_closed_form() {
    let coeffs = cascade();
    for &f in &[
        30.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2000.0, 3000.0, 5000.0, 8000.0, 12_000.0, 16_000.0,
    ] {
        let mut chain = Chain::new(coeffs.clone(), 2, 0.0);
        let n = (FS as usize) * 2; // 2 s: lets the 40 Hz shelf settle
        let mut buf: Vec<f64> = (0..n)
            .flat_map(|i| {
                let v = (2.0 * PI * f * i as f64 / FS).sin() * 0.5;
                [v, -v]
            })
            .collect();
        chain.process(&mut buf);
        let tail = &buf[buf.len() - 2 * 24_000..];
        let rms_in = 0.5 / 2f64.sqrt();
        let rms_out = (tail.iter().step_by(2).map(|v| v * v).sum::<f64>() / 24_000.0).sqrt();
        let measured = gain_to_db(rms_out / rms_in);
        let want: f64 = coeffs.iter().map(|c| c.magnitude_db(f, FS)).sum();
        assert!(
            (measured - want).abs() < 0.05,
            "{f} Hz: measured {measured:.3} dB, closed form {want:.3} dB"
        );
        // The right channel carries the negated signal and must stay its exact mirror.
        assert!(buf.chunks(2).all(|fr| (fr[0] + fr[1]).abs() < 1e-12));
    }
}

/// The impulse response of the cascade, Fourier-transformed by a direct DFT, equals the product
/// of the stages' closed-form responses.
#[test]
fn impulse_response_is_product_of_stage_responses() {
    let coeffs = cascade();
    let mut chain = Chain::new(coeffs.clone(), 1, 0.0);
    let n = 1 << 16;
    let mut h = vec![0.0; n];
    h[0] = 1.0;
    chain.process(&mut h);
    for &f in &[20.0, 62.5, 440.0, 1000.0, 4000.0, 9000.0, 15_000.0] {
        let w = 2.0 * PI * f / FS;
        let (re, im) = h.iter().enumerate().fold((0.0, 0.0), |(re, im), (k, v)| {
            (re + v * (w * k as f64).cos(), im - v * (w * k as f64).sin())
        });
        let measured = 10.0 * (re * re + im * im).log10();
        let want: f64 = coeffs.iter().map(|c| c.magnitude_db(f, FS)).sum();
        assert!(
            (measured - want).abs() < 0.01,
            "{f} Hz: {measured} vs {want}"
        );
    }
}

/// Block boundaries do not matter.
#[test]
fn block_size_does_not_change_the_result() {
    let input: Vec<f64> = (0..9_999)
        .map(|i| ((i * 7919) % 2001) as f64 / 1000.0 - 1.0)
        .collect();
    let mut whole = input.clone();
    Chain::new(cascade(), 3, -2.0).process(&mut whole);
    let mut chain = Chain::new(cascade(), 3, -2.0);
    let mut pieces = input.clone();
    for block in pieces.chunks_mut(3 * 37) {
        chain.process(block);
    }
    assert_eq!(whole, pieces);
}

/// Kernels this CPU runs (every test below runs each one; the names go to stderr so a CI log shows
/// which paths were covered).
fn kernels() -> Vec<Kernel> {
    let ks: Vec<Kernel> = Kernel::ALL.into_iter().filter(|k| k.available()).collect();
    eprintln!("kernels tested on this CPU: {ks:?}");
    ks
}

fn noise(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = crate::dsp::dither::XorShift64::new(seed);
    (0..n).map(|_| 2.0 * rng.uniform() - 1.0).collect()
}

/// `n` filters of every kind over the band, including low shelves with poles near z = 1.
fn long_cascade(n: usize) -> Vec<Coefficients> {
    (0..n)
        .map(|i| {
            let f = 30.0 * 1.6f64.powi(i as i32 % 14);
            let kind = match i % 5 {
                0 => FilterKind::LowShelf,
                4 => FilterKind::HighShelf,
                _ => FilterKind::Peaking,
            };
            let gain = if i % 2 == 0 { 6.0 } else { -5.0 };
            FilterSpec::new(kind, f, gain, 0.5 + (i % 4) as f64)
                .coefficients(FS)
                .unwrap()
        })
        .collect()
}

fn run(
    kernel: Kernel,
    coeffs: &[Coefficients],
    ch: usize,
    input: &[f64],
    block: usize,
) -> Vec<f64> {
    let mut chain = Chain::with_kernel(coeffs.to_vec(), ch, -1.0, kernel).unwrap();
    assert_eq!(chain.kernel(), kernel);
    let mut out = input.to_vec();
    for b in out.chunks_mut(block * ch) {
        chain.process(b);
    }
    out
}

/// A 10-filter profile like the benchmark's (and AutoEq's typical ParametricEQ.txt).
fn ten() -> Vec<Coefficients> {
    use FilterKind::*;
    [
        (LowShelf, 60.0, -6.0, 0.7),
        (Peaking, 120.0, 3.0, 0.8),
        (Peaking, 250.0, 2.0, 0.7),
        (Peaking, 500.0, -1.5, 1.0),
        (Peaking, 1000.0, 1.0, 1.2),
        (Peaking, 2000.0, -2.0, 1.5),
        (Peaking, 3000.0, -4.0, 2.0),
        (Peaking, 5500.0, 2.5, 3.0),
        (Peaking, 8000.0, 5.0, 4.0),
        (HighShelf, 12_000.0, -3.0, 0.7),
    ]
    .iter()
    .map(|&(k, f, g, q)| FilterSpec::new(k, f, g, q).coefficients(FS).unwrap())
    .collect()
}

/// Every wavefront kernel gives the scalar reference's output: bit for bit without FMA (SSE2),
/// and with FMA within 1e-12 on profiles of up to 10 filters at full scale (white noise of peak 1).
///
/// The FMA bound: fusing skips one rounding (≤ 2^-53 relative) per multiply-add, and a stage
/// amplifies a rounding difference by its noise gain (the sum of |h| of its feedback part, which
/// grows like 1/(1 − r)² for poles at radius r near 1: hundreds for a 30 Hz shelf). Measured on
/// these cascades: 3e-13 (5 filters), 9e-13 (10 filters, stereo). The scalar path's own rounding
/// error against exact arithmetic is of the same size: neither is "the" exact answer. Cascades of
/// 25–40 filters with high-Q shelves and peaks at 30–80 Hz (an extreme case) stay within
/// 1e-11 · peak.
#[test]
fn every_kernel_matches_the_scalar_reference() {
    let cases: [(Vec<Coefficients>, usize, f64); 8] = [
        (cascade(), 1, 1e-12),
        (ten(), 2, 1e-12),
        (ten(), 3, 1e-12),
        (ten(), 6, 1e-12),
        (long_cascade(1), 2, 1e-12),
        (Vec::new(), 2, 0.0),
        (long_cascade(25), 2, 1e-11),
        (long_cascade(40), 1, 1e-11),
    ];
    for (coeffs, ch, bound) in cases {
        let stages = coeffs.len();
        let input = noise(ch * 20_000, 9);
        let reference = run(Kernel::Scalar, &coeffs, ch, &input, 4096);
        let peak = reference.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let bound = if stages > 10 { bound * peak } else { bound };
        for k in kernels() {
            let out = run(k, &coeffs, ch, &input, 4096);
            let worst = out
                .iter()
                .zip(&reference)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            if k.fma() {
                assert!(worst <= bound, "{k:?} {stages} stages × {ch} ch: {worst:e}");
            } else {
                assert!(
                    out == reference,
                    "{k:?} {stages} stages × {ch} ch: {worst:e}"
                );
            }
        }
    }
}

/// How the caller cuts the signal into blocks does not change one bit, on every kernel: the ramp
/// steps at block edges finish every stage's work, and the flush grid counts frames, not calls.
#[test]
fn every_kernel_is_independent_of_block_size() {
    let coeffs = long_cascade(12);
    for ch in [1, 2, 3] {
        let input = noise(ch * 15_000, 4);
        for k in kernels() {
            let whole = run(k, &coeffs, ch, &input, 15_000);
            for block in [1, 2, 7, 23, 37, 512, 4097] {
                assert!(
                    run(k, &coeffs, ch, &input, block) == whole,
                    "{k:?} {ch} ch, block {block}"
                );
            }
        }
    }
}

/// After `reset` a chain behaves exactly as a new one (a seek starts from silence).
#[test]
fn reset_forgets_everything() {
    let coeffs = long_cascade(10);
    let input = noise(2 * 3_000, 5);
    for k in kernels() {
        let mut chain = Chain::with_kernel(coeffs.clone(), 2, 0.0, k).unwrap();
        let mut first = input.clone();
        chain.process(&mut first[..2 * 1_234]);
        chain.reset();
        let mut again = input.clone();
        chain.process(&mut again);
        let mut fresh = input.clone();
        Chain::with_kernel(coeffs.clone(), 2, 0.0, k)
            .unwrap()
            .process(&mut fresh);
        assert!(again == fresh, "{k:?}");
    }
}

/// Issue 11 item 4: a cascade with low shelves fed silence after a signal must not settle into
/// subnormal numbers (10–100× slower arithmetic on many CPUs). Before the state flush, every
/// kernel ended this test with subnormal state values.
#[test]
fn silence_after_a_signal_leaves_no_subnormal_state() {
    let coeffs: Vec<Coefficients> = [
        FilterSpec::new(FilterKind::LowShelf, 20.0, 9.0, 0.5),
        FilterSpec::new(FilterKind::LowShelf, 80.0, -6.0, 0.7),
        FilterSpec::new(FilterKind::Peaking, 1000.0, 3.0, 4.0),
        FilterSpec::new(FilterKind::HighShelf, 10_000.0, -4.0, 0.7),
    ]
    .iter()
    .map(|f| f.coefficients(FS).unwrap())
    .collect();
    for k in kernels() {
        let mut chain = Chain::with_kernel(coeffs.clone(), 2, 0.0, k).unwrap();
        let mut sig = noise(2 * 48_000, 11);
        chain.process(&mut sig);
        let mut silence = vec![0.0; 2 * 4_800];
        // 60 s of silence, in 100 ms blocks.
        for _ in 0..600 {
            silence.iter_mut().for_each(|v| *v = 0.0);
            chain.process(&mut silence);
        }
        let subnormal = chain.state_values().filter(|v| v.is_subnormal()).count();
        assert_eq!(subnormal, 0, "{k:?}: {subnormal} subnormal state values");
        assert!(silence.iter().all(|v| !v.is_subnormal()), "{k:?}");
    }
}

/// The closed-form checks above hold on every kernel (they run on the best one by default).
#[test]
fn every_kernel_follows_the_closed_form_response() {
    let coeffs = cascade();
    for k in kernels() {
        let mut chain = Chain::with_kernel(coeffs.clone(), 1, 0.0, k).unwrap();
        let n = 1 << 15;
        let mut h = vec![0.0; n];
        h[0] = 1.0;
        chain.process(&mut h);
        for &f in &[62.5, 1000.0, 9000.0] {
            let w = 2.0 * PI * f / FS;
            let (re, im) = h.iter().enumerate().fold((0.0, 0.0), |(re, im), (i, v)| {
                (re + v * (w * i as f64).cos(), im - v * (w * i as f64).sin())
            });
            let measured = 10.0 * (re * re + im * im).log10();
            let want: f64 = coeffs.iter().map(|c| c.magnitude_db(f, FS)).sum();
            assert!(
                (measured - want).abs() < 0.01,
                "{k:?} {f} Hz: {measured} vs {want}"
            );
        }
    }
}

/// A per-channel cascade gives each channel exactly what a one-channel chain of that channel's
/// filters and gain gives it (same kernel, so the same arithmetic): no filter leaks to another
/// channel, shorter cascades are padded with exact identity stages, and a channel without a list
/// is passed through. Channel counts 1–3 and 6 cover both lane-group widths; 3–30 stages cover
/// one and several segments.
#[test]
fn per_channel_stages_filter_each_channel_alone() {
    for kernel in kernels() {
        for ch in [1usize, 2, 3, 6] {
            for n in [3usize, 10, 30] {
                let long = long_cascade(n);
                let per: Vec<ChannelStages> = (0..ch.min(5))
                    .map(|c| ChannelStages {
                        coeffs: long[..n - (c * 2).min(n)].to_vec(),
                        gain_db: c as f64 * 1.5 - 2.0,
                    })
                    .collect();
                let frames = 5000;
                let input = noise(frames * ch, 7 + ch as u64);
                let mut chain =
                    Chain::with_kernel(Stages::PerChannel(per.clone()), ch, -1.0, kernel).unwrap();
                let mut out = input.clone();
                for b in out.chunks_mut(333 * ch) {
                    chain.process(b);
                }
                for c in 0..ch {
                    let alone: Vec<f64> = input.iter().skip(c).step_by(ch).copied().collect();
                    let (coeffs, gain) = per
                        .get(c)
                        .map(|s| (s.coeffs.clone(), s.gain_db))
                        .unwrap_or_default();
                    let want = run(kernel, &coeffs, 1, &alone, 333);
                    // `run` applies -1 dB; the per-channel gain comes on top.
                    let got: Vec<f64> = out.iter().skip(c).step_by(ch).copied().collect();
                    let g = db_to_gain(gain);
                    let worst = got
                        .iter()
                        .zip(&want)
                        .map(|(a, b)| (a - b * g).abs())
                        .fold(0.0, f64::max);
                    assert!(
                        worst < 1e-12,
                        "{kernel:?} {ch} ch, {n} stages, channel {c}: {worst:e}"
                    );
                }
            }
        }
    }
}

/// Issue 22: the audio callback must not run AVX-512 (it lowers the clock of older Intel cores);
/// offline work may. `Chain::realtime` takes the fastest kernel without it, `Chain::new` the
/// fastest of all; on a CPU with AVX-512 the two differ (this machine's CI has it).
#[test]
fn realtime_chains_never_run_avx512() {
    let rt = Kernel::best_realtime();
    assert_ne!(rt, Kernel::Avx512);
    assert!(rt.available());
    for ch in [1, 2, 3, 8] {
        let chain = Chain::realtime(ten(), ch, 0.0);
        assert_eq!(chain.kernel(), rt, "{ch} ch");
    }
    // The real-time choice is still the fastest other kernel, not a needless fallback.
    if Kernel::Avx2Fma.available() {
        assert_eq!(rt, Kernel::Avx2Fma);
    }
    if Kernel::Avx512.available() {
        assert_eq!(Kernel::best(), Kernel::Avx512);
        assert_eq!(Chain::new(ten(), 2, 0.0).kernel(), Kernel::Avx512);
    } else {
        assert_eq!(Kernel::best(), rt);
    }
    eprintln!(
        "offline kernel {:?}, real-time kernel {rt:?}",
        Kernel::best()
    );
}
