//! Runtime choice of the instruction set for the cascade.
//!
//! Why intrinsics and not a portable SIMD crate (issue 22 item 7): the same generic wavefront
//! kernel on `pulp` (runtime dispatch, no `unsafe`) was built and measured against this one,
//! and did not keep the ≥ 90 % of this path's throughput that the switch required: on the
//! benchmark's 10 filters × stereo × 4096 frames (fastest of 2000 calls each, alternating
//! builds), AVX2 ran at 77–86 % (31.2 µs against 23.9–27.6 µs) and AVX-512 at 91 % (18.2 µs
//! against 16.7 µs); mono was level. Its AVX2 stereo loop compiles to 84 instructions per step
//! against 63 here (more register moves and spills with pulp's vector types). So this path
//! stays: one generic kernel ([`super::wavefront`]) with a few lines of operations per
//! instruction set below, and [`run`] is an `unsafe fn` whose contract (the CPU has the
//! kernel's instruction set) `Chain` upholds at its one call.
//!
//! Real time: AVX-512 lowers the clock of a core on older Intel parts for milliseconds after
//! use, so the audio callback must not run it: [`Kernel::best_realtime`] is what the playback
//! paths build their chains with; offline rendering takes [`Kernel::best`].
//!
//! Why `#[target_feature]` + `is_x86_feature_detected!` and not the `multiversion` crate: there is
//! one hot function with three x86 variants, and the wrappers below are a few lines each; the
//! generic kernel is `#[inline(always)]`, so each wrapper gets its own copy compiled for its
//! instruction set, which is all `multiversion` would generate. The choice is made once per
//! [`super::Chain`] (std caches the CPUID result), never per sample.

use super::wavefront::{run_dyn, Segment};

/// Which code runs a chain's cascade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    /// Stage by stage over the whole block, no explicit vectors: the reference.
    Scalar,
    /// Wavefront, 2 lanes of f64, separate multiply and add (bit-exact with `Scalar`).
    Sse2,
    /// Wavefront, 4 lanes, fused multiply-add.
    Avx2Fma,
    /// Wavefront, 8 lanes, fused multiply-add.
    Avx512,
    /// Wavefront, 2 lanes, fused multiply-add (AArch64).
    Neon,
}

impl Kernel {
    pub const ALL: [Kernel; 5] = [
        Kernel::Scalar,
        Kernel::Sse2,
        Kernel::Avx2Fma,
        Kernel::Avx512,
        Kernel::Neon,
    ];

    /// Whether this CPU can run it.
    pub fn available(self) -> bool {
        match self {
            Kernel::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            Kernel::Sse2 => true,
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2Fma => is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => {
                is_x86_feature_detected!("avx512f")
                    && is_x86_feature_detected!("avx2")
                    && is_x86_feature_detected!("fma")
            }
            #[cfg(target_arch = "aarch64")]
            Kernel::Neon => true,
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    /// The fastest kernel this CPU can run: for offline work (export, render, analysis).
    pub fn best() -> Kernel {
        Self::first_available(&[Kernel::Avx512, Kernel::Avx2Fma, Kernel::Neon, Kernel::Sse2])
    }

    /// The fastest kernel this CPU can run without AVX-512, which the audio callback must not
    /// run (see the module documentation): for every chain of the real-time playback paths.
    pub fn best_realtime() -> Kernel {
        Self::first_available(&[Kernel::Avx2Fma, Kernel::Neon, Kernel::Sse2])
    }

    fn first_available(order: &[Kernel]) -> Kernel {
        order
            .iter()
            .copied()
            .find(|k| k.available())
            .unwrap_or(Kernel::Scalar)
    }

    /// f64 lanes per vector register (1 for the scalar reference).
    pub fn lanes(self) -> usize {
        match self {
            Kernel::Scalar => 1,
            Kernel::Sse2 | Kernel::Neon => 2,
            Kernel::Avx2Fma => 4,
            Kernel::Avx512 => 8,
        }
    }

    /// Whether it fuses multiply and add (one rounding instead of two: results differ from the
    /// scalar reference by a few ulps per stage, bounded in the tests).
    pub fn fma(self) -> bool {
        matches!(self, Kernel::Avx2Fma | Kernel::Avx512 | Kernel::Neon)
    }
}

/// Runs a wavefront segment with `kernel` (never `Scalar`), `cg` (1 or 2) channels per lane group.
///
/// # Safety
/// `kernel.available()` on this CPU (its instruction set is present).
pub(super) unsafe fn run(
    kernel: Kernel,
    seg: &mut Segment,
    buf: &mut [f64],
    stride: usize,
    c0: usize,
    cg: usize,
) {
    debug_assert!(kernel.available());
    match kernel {
        #[cfg(target_arch = "x86_64")]
        Kernel::Sse2 => x86::sse2(seg, buf, stride, c0, cg),
        // SAFETY: the caller checked the CPU (this function's contract).
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2Fma => unsafe { x86::avx2(seg, buf, stride, c0, cg) },
        // SAFETY: as above.
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512 => unsafe { x86::avx512(seg, buf, stride, c0, cg) },
        #[cfg(target_arch = "aarch64")]
        Kernel::Neon => neon::neon(seg, buf, stride, c0, cg),
        _ => unreachable!("kernel {kernel:?} is not a wavefront kernel on this CPU"),
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::super::wavefront::{head, Vector};
    use super::*;
    use bytemuck::must_cast;
    use std::arch::x86_64::*;

    #[derive(Clone, Copy)]
    struct Sse2(__m128d);
    #[derive(Clone, Copy)]
    struct Avx2(__m256d);
    #[derive(Clone, Copy)]
    struct Avx512(__m512d);

    // The arithmetic is `unsafe fn` only because a trait method with `#[target_feature]` must be;
    // callers uphold `Vector`'s contract (the CPU has the instruction set). SSE2 is baseline on
    // x86-64, so its intrinsics are safe everywhere; loads and stores are plain array copies.
    impl Vector for Sse2 {
        const W: usize = 2;
        const FMA: bool = false;
        #[inline(always)]
        fn load(v: &[f64]) -> Self {
            Self(must_cast(head::<2>(v)))
        }
        #[inline(always)]
        fn store(self, v: &mut [f64]) {
            v[..2].copy_from_slice(&must_cast::<_, [f64; 2]>(self.0));
        }
        #[inline(always)]
        unsafe fn mul(a: Self, b: Self) -> Self {
            Self(_mm_mul_pd(a.0, b.0))
        }
        #[inline(always)]
        unsafe fn add(a: Self, b: Self) -> Self {
            Self(_mm_add_pd(a.0, b.0))
        }
        #[inline(always)]
        unsafe fn madd(a: Self, b: Self, c: Self) -> Self {
            Self(_mm_add_pd(_mm_mul_pd(a.0, b.0), c.0))
        }
        #[inline(always)]
        unsafe fn shift_in<const CG: usize>(prev: Self, input: &[f64]) -> Self {
            if CG == 2 {
                Self::load(input)
            } else {
                Self(_mm_unpacklo_pd(_mm_set_sd(input[0]), prev.0))
            }
        }
    }

    impl Vector for Avx2 {
        const W: usize = 4;
        const FMA: bool = true;
        #[inline(always)]
        fn load(v: &[f64]) -> Self {
            Self(must_cast(head::<4>(v)))
        }
        #[inline(always)]
        fn store(self, v: &mut [f64]) {
            v[..4].copy_from_slice(&must_cast::<_, [f64; 4]>(self.0));
        }
        #[inline]
        #[target_feature(enable = "avx2,fma")]
        unsafe fn mul(a: Self, b: Self) -> Self {
            Self(_mm256_mul_pd(a.0, b.0))
        }
        #[inline]
        #[target_feature(enable = "avx2,fma")]
        unsafe fn add(a: Self, b: Self) -> Self {
            Self(_mm256_add_pd(a.0, b.0))
        }
        #[inline]
        #[target_feature(enable = "avx2,fma")]
        unsafe fn madd(a: Self, b: Self, c: Self) -> Self {
            Self(_mm256_fmadd_pd(a.0, b.0, c.0))
        }
        #[inline]
        #[target_feature(enable = "avx2,fma")]
        unsafe fn shift_in<const CG: usize>(prev: Self, input: &[f64]) -> Self {
            if CG == 2 {
                let low: __m128d = must_cast(head::<2>(input));
                Self(_mm256_insertf128_pd::<1>(
                    _mm256_castpd128_pd256(low),
                    _mm256_castpd256_pd128(prev.0),
                ))
            } else {
                // [p3, p0, p1, p2], then lane 0 from the input.
                let rot = _mm256_permute4x64_pd::<0b10_01_00_11>(prev.0);
                Self(_mm256_blend_pd::<0b0001>(
                    rot,
                    _mm256_broadcast_sd(&input[0]),
                ))
            }
        }
    }

    impl Vector for Avx512 {
        const W: usize = 8;
        const FMA: bool = true;
        #[inline(always)]
        fn load(v: &[f64]) -> Self {
            Self(must_cast(head::<8>(v)))
        }
        #[inline(always)]
        fn store(self, v: &mut [f64]) {
            v[..8].copy_from_slice(&must_cast::<_, [f64; 8]>(self.0));
        }
        #[inline]
        #[target_feature(enable = "avx512f,avx2,fma")]
        unsafe fn mul(a: Self, b: Self) -> Self {
            Self(_mm512_mul_pd(a.0, b.0))
        }
        #[inline]
        #[target_feature(enable = "avx512f,avx2,fma")]
        unsafe fn add(a: Self, b: Self) -> Self {
            Self(_mm512_add_pd(a.0, b.0))
        }
        #[inline]
        #[target_feature(enable = "avx512f,avx2,fma")]
        unsafe fn madd(a: Self, b: Self, c: Self) -> Self {
            Self(_mm512_fmadd_pd(a.0, b.0, c.0))
        }
        #[inline]
        #[target_feature(enable = "avx512f,avx2,fma")]
        unsafe fn shift_in<const CG: usize>(prev: Self, input: &[f64]) -> Self {
            // The input broadcast into (at least) the top CG lanes of `b`, then valignq:
            // [b[8−CG..8], prev[0..8−CG]].
            let prev = _mm512_castpd_si512(prev.0);
            if CG == 2 {
                let pair: __m128 = must_cast(head::<2>(input));
                let b = _mm512_castps_si512(_mm512_broadcast_f32x4(pair));
                Self(_mm512_castsi512_pd(_mm512_alignr_epi64::<6>(prev, b)))
            } else {
                let b = _mm512_castpd_si512(_mm512_set1_pd(input[0]));
                Self(_mm512_castsi512_pd(_mm512_alignr_epi64::<7>(prev, b)))
            }
        }
    }

    /// SSE2 is part of x86-64: no feature check needed.
    pub fn sse2(seg: &mut Segment, buf: &mut [f64], stride: usize, c0: usize, cg: usize) {
        // SAFETY: SSE2 is baseline on x86-64.
        unsafe {
            match cg {
                1 => run_dyn::<Sse2, 1>(seg, buf, stride, c0),
                _ => run_dyn::<Sse2, 2>(seg, buf, stride, c0),
            }
        }
    }

    #[target_feature(enable = "avx2,fma")]
    pub fn avx2(seg: &mut Segment, buf: &mut [f64], stride: usize, c0: usize, cg: usize) {
        // SAFETY: this function only runs with AVX2 and FMA enabled (its `#[target_feature]`).
        unsafe {
            match cg {
                1 => run_dyn::<Avx2, 1>(seg, buf, stride, c0),
                _ => run_dyn::<Avx2, 2>(seg, buf, stride, c0),
            }
        }
    }

    #[target_feature(enable = "avx512f,avx2,fma")]
    pub fn avx512(seg: &mut Segment, buf: &mut [f64], stride: usize, c0: usize, cg: usize) {
        // SAFETY: as above, with AVX-512F.
        unsafe {
            match cg {
                1 => run_dyn::<Avx512, 1>(seg, buf, stride, c0),
                _ => run_dyn::<Avx512, 2>(seg, buf, stride, c0),
            }
        }
    }
}

#[cfg(target_arch = "aarch64")]
mod neon {
    use super::super::wavefront::{head, Vector};
    use super::*;
    use bytemuck::must_cast;
    use std::arch::aarch64::*;

    #[derive(Clone, Copy)]
    struct Neon(float64x2_t);

    // As on x86: the arithmetic is `unsafe fn` because of the trait; loads and stores are plain
    // array copies (bytemuck's `aarch64_simd` casts), so no raw pointer is involved.
    impl Vector for Neon {
        const W: usize = 2;
        const FMA: bool = true;
        #[inline(always)]
        fn load(v: &[f64]) -> Self {
            Self(must_cast(head::<2>(v)))
        }
        #[inline(always)]
        fn store(self, v: &mut [f64]) {
            v[..2].copy_from_slice(&must_cast::<_, [f64; 2]>(self.0));
        }
        #[inline(always)]
        unsafe fn mul(a: Self, b: Self) -> Self {
            Self(vmulq_f64(a.0, b.0))
        }
        #[inline(always)]
        unsafe fn add(a: Self, b: Self) -> Self {
            Self(vaddq_f64(a.0, b.0))
        }
        #[inline(always)]
        unsafe fn madd(a: Self, b: Self, c: Self) -> Self {
            // vfmaq_f64(c, a, b) = c + a·b, one rounding.
            Self(vfmaq_f64(c.0, a.0, b.0))
        }
        #[inline(always)]
        unsafe fn shift_in<const CG: usize>(prev: Self, input: &[f64]) -> Self {
            if CG == 2 {
                Self::load(input)
            } else {
                Self(vcombine_f64(vdup_n_f64(input[0]), vget_low_f64(prev.0)))
            }
        }
    }

    /// NEON (with fused multiply-add) is part of AArch64: no feature check needed.
    pub fn neon(seg: &mut Segment, buf: &mut [f64], stride: usize, c0: usize, cg: usize) {
        // SAFETY: NEON is baseline on AArch64.
        unsafe {
            match cg {
                1 => run_dyn::<Neon, 1>(seg, buf, stride, c0),
                _ => run_dyn::<Neon, 2>(seg, buf, stride, c0),
            }
        }
    }
}
