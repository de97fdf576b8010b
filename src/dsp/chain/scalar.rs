//! The reference cascade: direct form I, one stage at a time over the whole block.
//!
//! In DF-I the only loop-carried dependency is `− a1·y[n−1]`, so a stage over a block runs at
//! about one sample per 4–5 cycles and interleaved channels share that latency. It is the fallback
//! on CPUs without a wavefront kernel and the reference the wavefront kernels are tested against:
//! the per-sample arithmetic (and its association) is the one [`super::wavefront`] uses without FMA.

use super::super::filter::Coefficients;

/// Filters interleaved `buf` (`state.len()` channels) through one stage; channel `ch` uses
/// `c[ch]` (the same coefficients for every channel, or a per-channel profile's own).
pub(super) fn stage(c: &[Coefficients], state: &mut [[f64; 4]], buf: &mut [f64]) {
    debug_assert_eq!(c.len(), state.len());
    match state.len() {
        1 => stage_const::<1>(c, state, buf),
        2 => stage_const::<2>(c, state, buf),
        _ => stage_dyn(c, state, buf),
    }
}

/// One DF-I step: `y = (b0·x + ((b1·x1 + b2·x2) − a2·y2)) − a1·y1`.
#[inline(always)]
fn step(c: &Coefficients, s: &mut [f64; 4], x: f64) -> f64 {
    let [x1, x2, y1, y2] = *s;
    let ff = (c.b1 * x1 + c.b2 * x2) + (-c.a2) * y2;
    let y = (c.b0 * x + ff) + (-c.a1) * y1;
    *s = [x, x1, y, y1];
    y
}

#[inline(always)]
fn stage_const<const C: usize>(c: &[Coefficients], state: &mut [[f64; 4]], buf: &mut [f64]) {
    let mut st = [[0.0f64; 4]; C];
    st.copy_from_slice(&state[..C]);
    let mut cs = [Coefficients::IDENTITY; C];
    cs.copy_from_slice(&c[..C]);
    for frame in buf.chunks_exact_mut(C) {
        for ch in 0..C {
            frame[ch] = step(&cs[ch], &mut st[ch], frame[ch]);
        }
    }
    state[..C].copy_from_slice(&st);
}

fn stage_dyn(c: &[Coefficients], state: &mut [[f64; 4]], buf: &mut [f64]) {
    for frame in buf.chunks_exact_mut(state.len()) {
        for ((s, v), c) in state.iter_mut().zip(frame.iter_mut()).zip(c) {
            *v = step(c, s, *v);
        }
    }
}
