//! Test helper: the one independent float64 reference for RBJ biquads, typed in from Robert
//! Bristow-Johnson's "Cookbook formulae for audio EQ biquad filter coefficients" (not via the
//! `biquad` crate or iemsim's code), so the tests compare iemsim with the published formulas.
//!
//! Use it as `crate::common::rbj` (the library's unit tests reach it as
//! `crate::dsp::rbj_reference`).
#![allow(dead_code)]

use std::f64::consts::PI;

/// Normalised coefficients `[b0, b1, b2, a1, a2]` (a0 = 1) of one cookbook filter.
///
/// `kind`: `PK`/`peaking`, `LS`/`LSC`/`low_shelf`, `HS`/`HSC`/`high_shelf` (Q), `LSs`/`HSs` (shelves
/// given by their slope S, passed in `q_or_s`), `LP`/`low_pass`, `HP`/`high_pass`.
pub fn coefficients(kind: &str, f0: f64, gain_db: f64, q_or_s: f64, fs: f64) -> [f64; 5] {
    let a = 10f64.powf(gain_db / 40.0);
    let w0 = 2.0 * PI * f0 / fs;
    let (cw, sw) = (w0.cos(), w0.sin());
    let alpha = match kind {
        // alpha = sin(w0)/2 * sqrt((A + 1/A)(1/S - 1) + 2)
        "LSs" | "HSs" => sw / 2.0 * ((a + 1.0 / a) * (1.0 / q_or_s - 1.0) + 2.0).sqrt(),
        _ => sw / (2.0 * q_or_s),
    };
    let s = 2.0 * a.sqrt() * alpha;
    let (b0, b1, b2, a0, a1, a2) = match kind {
        "PK" | "peaking" => (
            1.0 + alpha * a,
            -2.0 * cw,
            1.0 - alpha * a,
            1.0 + alpha / a,
            -2.0 * cw,
            1.0 - alpha / a,
        ),
        "LS" | "LSC" | "low_shelf" | "LSs" => (
            a * ((a + 1.0) - (a - 1.0) * cw + s),
            2.0 * a * ((a - 1.0) - (a + 1.0) * cw),
            a * ((a + 1.0) - (a - 1.0) * cw - s),
            (a + 1.0) + (a - 1.0) * cw + s,
            -2.0 * ((a - 1.0) + (a + 1.0) * cw),
            (a + 1.0) + (a - 1.0) * cw - s,
        ),
        "HS" | "HSC" | "high_shelf" | "HSs" => (
            a * ((a + 1.0) + (a - 1.0) * cw + s),
            -2.0 * a * ((a - 1.0) + (a + 1.0) * cw),
            a * ((a + 1.0) + (a - 1.0) * cw - s),
            (a + 1.0) - (a - 1.0) * cw + s,
            2.0 * ((a - 1.0) - (a + 1.0) * cw),
            (a + 1.0) - (a - 1.0) * cw - s,
        ),
        "LP" | "low_pass" => (
            (1.0 - cw) / 2.0,
            1.0 - cw,
            (1.0 - cw) / 2.0,
            1.0 + alpha,
            -2.0 * cw,
            1.0 - alpha,
        ),
        "HP" | "high_pass" => (
            (1.0 + cw) / 2.0,
            -(1.0 + cw),
            (1.0 + cw) / 2.0,
            1.0 + alpha,
            -2.0 * cw,
            1.0 - alpha,
        ),
        other => panic!("the RBJ reference has no filter kind {other}"),
    };
    [b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0]
}

/// |H(e^jw)| in dB of normalised coefficients at `f` Hz: |b0 + b1 z^-1 + b2 z^-2| over
/// |1 + a1 z^-1 + a2 z^-2| with z = e^jw.
pub fn response_db(c: [f64; 5], f: f64, fs: f64) -> f64 {
    let w = 2.0 * PI * f / fs;
    let mag = |k0: f64, k1: f64, k2: f64| {
        let re = k0 + k1 * w.cos() + k2 * (2.0 * w).cos();
        let im = k1 * w.sin() + k2 * (2.0 * w).sin();
        re.hypot(im)
    };
    20.0 * (mag(c[0], c[1], c[2]) / mag(1.0, c[3], c[4])).log10()
}

/// |H| in dB at `f` Hz of one filter (see [`coefficients`] for `kind`).
pub fn magnitude_db(kind: &str, f0: f64, gain_db: f64, q: f64, fs: f64, f: f64) -> f64 {
    response_db(coefficients(kind, f0, gain_db, q, fs), f, fs)
}

/// Runs `filters` (kind, f0, gain dB, Q or S) in cascade over each channel of interleaved `x`, in
/// direct form I, then applies `preamp_db`.
pub fn cascade<K: AsRef<str>>(
    filters: &[(K, f64, f64, f64)],
    fs: f64,
    preamp_db: f64,
    x: &[f64],
    channels: usize,
) -> Vec<f64> {
    let mut out = x.to_vec();
    for ch in 0..channels {
        for (k, f0, g, q) in filters {
            let c = coefficients(k.as_ref(), *f0, *g, *q, fs);
            let (mut x1, mut x2, mut y1, mut y2) = (0.0, 0.0, 0.0, 0.0);
            for i in (ch..out.len()).step_by(channels) {
                let x = out[i];
                let y = c[0] * x + c[1] * x1 + c[2] * x2 - c[3] * y1 - c[4] * y2;
                (x2, x1, y2, y1) = (x1, x, y1, y);
                out[i] = y;
            }
        }
    }
    let g = 10f64.powf(preamp_db / 20.0);
    out.iter().map(|v| v * g).collect()
}
