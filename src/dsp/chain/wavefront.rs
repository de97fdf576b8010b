//! The wavefront cascade: every stage of a cascade advances at once, each on a different sample.
//!
//! At step `t`, stage `s` filters sample `t − s`. Its input is what stage `s − 1` produced one step
//! earlier, so all stages are independent within a step and the SIMD lanes become (stage, channel)
//! pairs: the `y[n−1]` feedback latency (two dependent multiply-adds) is paid once per step for the
//! whole cascade instead of once per stage. The cost is an `S − 1` sample lag between the first and
//! the last stage; it is absorbed at block edges by ramp-in and ramp-out steps in which only the
//! stages that have a sample to work on commit their state, so after every block each stage has
//! filtered exactly the block's samples and the state is the same as the stage-by-stage
//! reference's (seeks and resets therefore need nothing special).
//!
//! Layout: `R` vector registers of `W` lanes. Lane group `g` (`CG` lanes, one per channel of the
//! group) of register `j` holds stage `g·R + j`. Stage `s`'s input then sits in the same lanes of
//! register `j − 1`, which costs nothing; only register 0 takes its input from the previous lane
//! group of register `R − 1` (one lane shift) plus the new input sample in lane group 0. Unused
//! slots at the end are identity stages (`b0 = 1`), which pass samples through exactly.
//!
//! Arithmetic per lane, identical to [`super::scalar`] without FMA (so that path is bit-exact):
//! `y = (b0·x + ((b1·x1 + b2·x2) − a2·y2)) − a1·y1`. With FMA the last two steps become
//! `fma(−a1, y1, fma(b0, x, ff))`, which rounds once instead of twice per step.

/// One segment of a cascade for one channel group, in the layout above: `5·R·W` coefficients
/// (`b0, b1, b2, −a1, −a2` per register) and `4·R·W` state values (`x1, x2, y1, y2`).
#[derive(Debug, Clone)]
pub(super) struct Segment {
    pub regs: usize,
    pub coef: Vec<f64>,
    pub state: Vec<f64>,
}

impl Segment {
    /// Lays out `stages[c]` (each stage `[b0, b1, b2, a1, a2]`) for channel `c` of the group, for
    /// `w` lanes and `cg = stages.len()` channels per lane group. Each lane has its own
    /// coefficients, so the channels of a group may run different cascades (a per-channel
    /// profile); a shorter list is padded with identity stages.
    pub fn new(stages: &[&[[f64; 5]]], w: usize) -> Self {
        let cg = stages.len().max(1);
        let k = w / cg;
        let longest = stages.iter().map(|s| s.len()).max().unwrap_or(0);
        let regs = longest.div_ceil(k).max(1);
        let mut coef = vec![0.0; 5 * regs * w];
        for j in 0..regs {
            for i in 0..w {
                let s = (i / cg) * regs + j;
                let [b0, b1, b2, a1, a2] = stages
                    .get(i % cg)
                    .and_then(|st| st.get(s))
                    .copied()
                    .unwrap_or([1.0, 0.0, 0.0, 0.0, 0.0]);
                for (v, c) in [b0, b1, b2, -a1, -a2].into_iter().enumerate() {
                    coef[(v * regs + j) * w + i] = c;
                }
            }
        }
        Self {
            regs,
            coef,
            state: vec![0.0; 4 * regs * w],
        }
    }
}

/// One vector register of `W` f64 lanes and the few operations the kernel needs. Implemented with
/// explicit intrinsics per instruction set in [`super::isa`] (the compiler's autovectoriser turned
/// the same code on plain arrays into scalar moves and `memcpy` calls).
///
/// Loads and stores go through slices (a register is a plain `[f64; W]` in memory, converted with
/// `bytemuck`), so no raw pointer is involved; only the arithmetic needs the instruction set.
///
/// # Safety
/// The `unsafe` methods may only run on a CPU with the implementation's instruction set.
pub(super) trait Vector: Copy {
    const W: usize;
    /// Whether `madd` is fused.
    const FMA: bool;
    /// The first `W` values of `v`.
    fn load(v: &[f64]) -> Self;
    /// Into the first `W` values of `v`.
    fn store(self, v: &mut [f64]);
    unsafe fn mul(a: Self, b: Self) -> Self;
    unsafe fn add(a: Self, b: Self) -> Self;
    /// `a·b + c`: fused where the instruction set has FMA (one rounding), else multiply then add.
    unsafe fn madd(a: Self, b: Self, c: Self) -> Self;
    /// `[input[0..CG], prev[0..W − CG]]`: lane group 0 takes the new input, the others the previous
    /// lane group's values.
    unsafe fn shift_in<const CG: usize>(prev: Self, input: &[f64]) -> Self;
}

/// The first `N` values of `v` as an array (what a register load or `shift_in` reads).
#[inline(always)]
pub(super) fn head<const N: usize>(v: &[f64]) -> [f64; N] {
    let mut a = [0.0; N];
    a.copy_from_slice(&v[..N]);
    a
}

/// Runs `seg` over the frames of `buf` (`stride` samples per frame, channels `c0..c0 + CG`), in place.
///
/// `#[inline(always)]` so that each `#[target_feature]` wrapper in [`super::isa`] compiles its own
/// copy with its instruction set.
///
/// # Safety
/// The CPU must have `V`'s instruction set.
#[inline(always)]
pub(super) unsafe fn run<V: Vector, const CG: usize, const R: usize>(
    seg: &mut Segment,
    buf: &mut [f64],
    stride: usize,
    c0: usize,
) {
    let w = V::W;
    assert!(seg.regs == R && c0 + CG <= stride && seg.coef.len() == 5 * R * w);
    let frames = buf.len() / stride;
    let depth = R * (w / CG);
    if frames == 0 {
        return;
    }
    // Ramp in: steps 0..depth−1, in which the last stages have no sample yet.
    for t in 0..depth - 1 {
        ramp_step::<V, CG, R>(seg, buf, stride, c0, t, frames);
    }
    if frames > depth - 1 {
        // SAFETY: forwarded.
        unsafe { steady::<V, CG, R>(seg, buf, stride, c0, depth - 1..frames) };
    }
    // Ramp out: the first stages have run out of samples.
    for t in frames.max(depth - 1)..frames + depth - 1 {
        ramp_step::<V, CG, R>(seg, buf, stride, c0, t, frames);
    }
}

/// The steps in which every stage has a sample, with the whole state in vector registers.
///
/// # Safety
/// As [`run`].
#[inline(always)]
unsafe fn steady<V: Vector, const CG: usize, const R: usize>(
    seg: &mut Segment,
    buf: &mut [f64],
    stride: usize,
    c0: usize,
    steps: std::ops::Range<usize>,
) {
    let w = V::W;
    let depth = R * (w / CG);
    // (No closures around `V`'s methods in this function: closures do not inherit
    // `#[target_feature]`, so the intrinsics would become function calls.)
    let [b0, b1, b2, na1, na2] = load::<V, R, 5>(&seg.coef);
    let [mut x1, mut x2, mut y1, mut y2] = load::<V, R, 4>(&seg.state);
    assert!(steps.end * stride <= buf.len() && steps.start + 1 >= depth && c0 + CG <= stride);
    for t in steps {
        // Register 0: the new input and register R−1 shifted by one lane group; register j:
        // register j−1.
        let mut x = y1;
        let mut y = y1;
        let (input, output) = (t * stride + c0, (t + 1 - depth) * stride + c0);
        // The last stage's output sits in the top lane group of the last register.
        let mut last = [0.0f64; 8];
        // SAFETY: the CPU has `V`'s instruction set (this function's contract); frames `t` and
        // `t + 1 − depth` lie in `buf` (asserted above), so both index ranges are in bounds (no
        // per-sample bounds check in the hot loop).
        unsafe {
            x[0] = V::shift_in::<CG>(y1[R - 1], buf.get_unchecked(input..input + CG));
            x[1..].copy_from_slice(&y1[..R - 1]);
            for j in 0..R {
                // The part that does not depend on this step's x or y1: off the critical path.
                let ff = V::madd(
                    na2[j],
                    y2[j],
                    V::add(V::mul(b1[j], x1[j]), V::mul(b2[j], x2[j])),
                );
                y[j] = V::madd(na1[j], y1[j], V::madd(b0[j], x[j], ff));
            }
            y[R - 1].store(&mut last);
            buf.get_unchecked_mut(output..output + CG)
                .copy_from_slice(&last[w - CG..w]);
        }
        x2 = x1;
        x1 = x;
        y2 = y1;
        y1 = y;
    }
    for (k, v) in [x1, x2, y1, y2].iter().enumerate() {
        for (j, r) in v.iter().enumerate() {
            r.store(&mut seg.state[(k * R + j) * w..]);
        }
    }
}

/// Loads `K` register sets (`R` registers of `W` values each) from a segment's flat storage.
#[inline(always)]
fn load<V: Vector, const R: usize, const K: usize>(v: &[f64]) -> [[V; R]; K] {
    let mut out = [[V::load(v); R]; K];
    for (k, set) in out.iter_mut().enumerate() {
        for (j, o) in set.iter_mut().enumerate() {
            *o = V::load(&v[(k * R + j) * V::W..]);
        }
    }
    out
}

/// One ramp step, lane by lane on the stored state, with the same per-lane arithmetic as the
/// vectors (IEEE fused multiply-add is exactly rounded in scalar and vector form alike): only the
/// stages `s` with `0 <= t − s < frames` have a sample to filter (2·(depth − 1) steps per block).
#[inline(always)]
fn ramp_step<V: Vector, const CG: usize, const R: usize>(
    seg: &mut Segment,
    buf: &mut [f64],
    stride: usize,
    c0: usize,
    t: usize,
    frames: usize,
) {
    let w = V::W;
    let depth = R * (w / CG);
    // Plain functions, not closures (see `steady`): `mul_add` must compile to an FMA instruction.
    #[inline(always)]
    fn madd(fma: bool, a: f64, b: f64, c: f64) -> f64 {
        if fma {
            a.mul_add(b, c)
        } else {
            a * b + c
        }
    }
    let at = |k: usize, s: usize, c: usize| (k * R + s % R) * w + (s / R) * CG + c;
    // From the last stage down, so that each stage still reads its predecessor's previous output.
    for s in (0..depth).rev() {
        if s > t || t - s >= frames {
            continue;
        }
        for c in 0..CG {
            let x = if s == 0 {
                buf[t * stride + c0 + c]
            } else {
                seg.state[at(2, s - 1, c)]
            };
            let cf = |v: usize| seg.coef[at(v, s, c)];
            let st = |k: usize| seg.state[at(k, s, c)];
            let (x1, x2, y1, y2) = (st(0), st(1), st(2), st(3));
            let ff = madd(V::FMA, cf(4), y2, cf(1) * x1 + cf(2) * x2);
            let y = madd(V::FMA, cf(3), y1, madd(V::FMA, cf(0), x, ff));
            for (k, v) in [x, x1, y, y1].into_iter().enumerate() {
                seg.state[at(k, s, c)] = v;
            }
            if s == depth - 1 {
                buf[(t - s) * stride + c0 + c] = y;
            }
        }
    }
}

/// [`run`] with the register count chosen at run time (1..=[`MAX_REGS`]).
///
/// # Safety
/// As [`run`]: the CPU must have `V`'s instruction set.
#[inline(always)]
pub(super) unsafe fn run_dyn<V: Vector, const CG: usize>(
    seg: &mut Segment,
    buf: &mut [f64],
    stride: usize,
    c0: usize,
) {
    // SAFETY: forwarded.
    unsafe {
        match seg.regs {
            1 => run::<V, CG, 1>(seg, buf, stride, c0),
            2 => run::<V, CG, 2>(seg, buf, stride, c0),
            3 => run::<V, CG, 3>(seg, buf, stride, c0),
            4 => run::<V, CG, 4>(seg, buf, stride, c0),
            5 => run::<V, CG, 5>(seg, buf, stride, c0),
            _ => run::<V, CG, 6>(seg, buf, stride, c0),
        }
    }
}

/// Most registers per segment: the state and coefficients of 6 registers (54 vectors) already
/// exceed the register file of every ISA here; longer cascades are split into segments run one
/// after the other over the block.
pub(super) const MAX_REGS: usize = 6;
