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
//! One implementation for every instruction set: it is generic over [`pulp::Simd`] (whose
//! `vectorize` compiles it once per instruction set, chosen at run time in [`super::isa`]) and
//! has no `unsafe`: loads and stores are bounds-checked slice copies.
//!
//! Arithmetic per lane, identical to [`super::scalar`] without FMA (so that path is bit-exact):
//! `y = (b0·x + ((b1·x1 + b2·x2) − a2·y2)) − a1·y1`. With FMA the last two steps become
//! `fma(−a1, y1, fma(b0, x, ff))`, which rounds once instead of twice per step.

use pulp::{bytemuck, Simd};

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

/// What the kernel needs of an instruction set beyond [`pulp::Simd`]: its own register type,
/// whether its `madd` fuses, and the one cross-lane move, `shift_in`.
///
/// `Reg` is the hardware's vector type (`__m256d`...), not pulp's `f64xN` (an array of f64 with
/// the alignment of one f64): the kernel's registers spill to the stack, and spills of 8-aligned
/// vectors split cache lines (measured: 15 % slower on AVX2). The arithmetic is pulp's, cast
/// at no cost. The default `shift_in` goes through a small array (LLVM keeps 2 lanes in
/// registers); AVX2 and AVX-512 give it one or two shuffles in [`super::isa`], since it sits on
/// the step's critical path.
pub(super) trait Lanes: Simd {
    type Reg: Copy + bytemuck::Pod;
    /// Whether `madd` is fused (one rounding).
    const FMA: bool;

    /// `[input[0..CG], prev[0..W − CG]]`: lane group 0 takes the new input, the others the
    /// previous lane group's values.
    #[inline(always)]
    fn shift_in<const CG: usize>(self, prev: Self::Reg, input: &[f64]) -> Self::Reg {
        let w = Self::F64_LANES;
        let mut out = [0.0f64; MAX_LANES];
        out[..CG].copy_from_slice(&input[..CG]);
        out[CG..w].copy_from_slice(&lanes::<Self>(&prev)[..w - CG]);
        read::<Self>(&out)
    }

    #[inline(always)]
    fn mul(self, a: Self::Reg, b: Self::Reg) -> Self::Reg {
        pulp::cast(self.mul_f64s(pulp::cast(a), pulp::cast(b)))
    }

    #[inline(always)]
    fn add(self, a: Self::Reg, b: Self::Reg) -> Self::Reg {
        pulp::cast(self.add_f64s(pulp::cast(a), pulp::cast(b)))
    }

    /// `a·b + c`: fused where the instruction set has FMA, else multiply then add (the scalar
    /// reference's two roundings, so that path stays bit-exact).
    #[inline(always)]
    fn madd(self, a: Self::Reg, b: Self::Reg, c: Self::Reg) -> Self::Reg {
        if Self::FMA {
            pulp::cast(self.mul_add_f64s(pulp::cast(a), pulp::cast(b), pulp::cast(c)))
        } else {
            self.add(self.mul(a, b), c)
        }
    }
}

/// Widest vector of f64 lanes (AVX-512).
const MAX_LANES: usize = 8;

/// The first `W` values of `v` as a register (an unaligned load).
#[inline(always)]
fn read<L: Lanes>(v: &[f64]) -> L::Reg {
    bytemuck::pod_read_unaligned(bytemuck::cast_slice(&v[..L::F64_LANES]))
}

/// A register's lanes.
#[inline(always)]
fn lanes<L: Lanes>(v: &L::Reg) -> &[f64] {
    bytemuck::cast_slice(std::slice::from_ref(v))
}

/// Runs `seg` over the frames of `buf` (`stride` samples per frame, channels `c0..c0 + CG`), in place.
///
/// `#[inline(always)]`, like everything it calls, so that the copy inside each instruction set's
/// `vectorize` (a `#[target_feature]` function) is compiled for that instruction set.
#[inline(always)]
pub(super) fn run<L: Lanes, const CG: usize, const R: usize>(
    simd: L,
    seg: &mut Segment,
    buf: &mut [f64],
    stride: usize,
    c0: usize,
) {
    let w = L::F64_LANES;
    assert!(seg.regs == R && c0 + CG <= stride && seg.coef.len() == 5 * R * w && w <= MAX_LANES);
    let frames = buf.len() / stride;
    let depth = R * (w / CG);
    if frames == 0 {
        return;
    }
    // Ramp in: steps 0..depth−1, in which the last stages have no sample yet.
    for t in 0..depth - 1 {
        ramp_step::<L, CG, R>(seg, buf, stride, c0, t, frames);
    }
    if frames > depth - 1 {
        steady::<L, CG, R>(simd, seg, buf, stride, c0, depth - 1..frames);
    }
    // Ramp out: the first stages have run out of samples.
    for t in frames.max(depth - 1)..frames + depth - 1 {
        ramp_step::<L, CG, R>(seg, buf, stride, c0, t, frames);
    }
}

/// The steps in which every stage has a sample, with the whole state in vector registers.
#[inline(always)]
fn steady<L: Lanes, const CG: usize, const R: usize>(
    simd: L,
    seg: &mut Segment,
    buf: &mut [f64],
    stride: usize,
    c0: usize,
    steps: std::ops::Range<usize>,
) {
    let w = L::F64_LANES;
    let depth = R * (w / CG);
    // (Plain functions, no closures, on the hot path: everything must inline into the
    // instruction set's `#[target_feature]` function.)
    let [b0, b1, b2, na1, na2] = [0, 1, 2, 3, 4].map(|k| load::<L, R>(&seg.coef, k));
    let [mut x1, mut x2, mut y1, mut y2] = [0, 1, 2, 3].map(|k| load::<L, R>(&seg.state, k));
    assert!(steps.end * stride <= buf.len() && steps.start + 1 >= depth);
    // Step t reads its input from frame t and writes its output to frame t + 1 − depth, `lag`
    // values before: both in a window that moves on by one frame per step (no multiplication).
    let lag = (depth - 1) * stride;
    let mut out = (steps.start + 1 - depth) * stride + c0;
    for _ in steps {
        let (head, input) = buf[out..out + lag + CG].split_at_mut(lag);
        // Register 0: the new input and register R−1 shifted by one lane group; register j:
        // register j−1.
        let mut x = y1;
        x[0] = simd.shift_in::<CG>(y1[R - 1], input);
        x[1..].copy_from_slice(&y1[..R - 1]);
        let mut y = y1;
        for j in 0..R {
            // The part that does not depend on this step's x or y1: off the critical path.
            let ff = simd.madd(
                na2[j],
                y2[j],
                simd.add(simd.mul(b1[j], x1[j]), simd.mul(b2[j], x2[j])),
            );
            y[j] = simd.madd(na1[j], y1[j], simd.madd(b0[j], x[j], ff));
        }
        x2 = x1;
        x1 = x;
        y2 = y1;
        y1 = y;
        let output = &lanes::<L>(&y[R - 1])[w - CG..];
        if lag == 0 {
            input.copy_from_slice(output);
        } else {
            head[..CG].copy_from_slice(output);
        }
        out += stride;
    }
    for (k, v) in [x1, x2, y1, y2].iter().enumerate() {
        for (j, r) in v.iter().enumerate() {
            let at = (k * R + j) * w;
            seg.state[at..at + w].copy_from_slice(lanes::<L>(r));
        }
    }
}

/// Register set `k` (`R` registers of `W` values) from a segment's flat storage.
#[inline(always)]
fn load<L: Lanes, const R: usize>(v: &[f64], k: usize) -> [L::Reg; R] {
    let w = L::F64_LANES;
    std::array::from_fn(|j| read::<L>(&v[(k * R + j) * w..]))
}

/// One ramp step, lane by lane on the stored state, with the same per-lane arithmetic as the
/// vectors (IEEE fused multiply-add is exactly rounded in scalar and vector form alike): only the
/// stages `s` with `0 <= t − s < frames` have a sample to filter (2·(depth − 1) steps per block).
#[inline(always)]
fn ramp_step<L: Lanes, const CG: usize, const R: usize>(
    seg: &mut Segment,
    buf: &mut [f64],
    stride: usize,
    c0: usize,
    t: usize,
    frames: usize,
) {
    let w = L::F64_LANES;
    let depth = R * (w / CG);
    // A plain function, not a closure: `mul_add` must compile to an FMA instruction.
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
            let ff = madd(L::FMA, cf(4), y2, cf(1) * x1 + cf(2) * x2);
            let y = madd(L::FMA, cf(3), y1, madd(L::FMA, cf(0), x, ff));
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
#[inline(always)]
pub(super) fn run_dyn<L: Lanes, const CG: usize>(
    simd: L,
    seg: &mut Segment,
    buf: &mut [f64],
    stride: usize,
    c0: usize,
) {
    match seg.regs {
        1 => run::<L, CG, 1>(simd, seg, buf, stride, c0),
        2 => run::<L, CG, 2>(simd, seg, buf, stride, c0),
        3 => run::<L, CG, 3>(simd, seg, buf, stride, c0),
        4 => run::<L, CG, 4>(simd, seg, buf, stride, c0),
        5 => run::<L, CG, 5>(simd, seg, buf, stride, c0),
        _ => run::<L, CG, 6>(simd, seg, buf, stride, c0),
    }
}

/// Most registers per segment: the state and coefficients of 6 registers (54 vectors) already
/// exceed the register file of every ISA here; longer cascades are split into segments run one
/// after the other over the block.
pub(super) const MAX_REGS: usize = 6;
