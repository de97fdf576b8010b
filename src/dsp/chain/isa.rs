//! Runtime choice of the instruction set for the cascade, through `pulp`.
//!
//! Why `pulp`: it detects the CPU once (cached), hands out a token per instruction set only when
//! the CPU has it, and its `vectorize` compiles the one generic kernel of [`super::wavefront`]
//! inside a `#[target_feature]` function per instruction set; its intrinsics take the token, so
//! none of this needs `unsafe`. A [`super::Chain`] keeps the token it was built with ([`Isa`]):
//! the choice is made once per chain, never per sample.
//!
//! Real time: AVX-512 lowers the clock of a core on older Intel parts (and of its neighbours'
//! work with it) for milliseconds after use, so the audio callback must not run it;
//! [`Kernel::best_realtime`] is what the playback paths build their chains with. Offline
//! rendering takes [`Kernel::best`].

use super::wavefront::{run_dyn, Lanes, Segment};

/// Which code runs a chain's cascade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    /// Stage by stage over the whole block, no explicit vectors: the reference.
    Scalar,
    /// Wavefront, 2 lanes of f64, separate multiply and add (bit-exact with `Scalar`); pulp's
    /// x86-64-v2 level (SSE2 up to SSE4.2, every x86-64 CPU since about 2009).
    Sse2,
    /// Wavefront, 4 lanes, fused multiply-add (x86-64-v3: AVX2, FMA).
    Avx2Fma,
    /// Wavefront, 8 lanes, fused multiply-add (x86-64-v4: AVX-512 F/BW/CD/DQ/VL). Offline only.
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
        self == Kernel::Scalar || Isa::new(self).is_some()
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

/// The proof that this CPU has a wavefront kernel's instruction set: pulp's token for it.
#[derive(Debug, Clone, Copy)]
pub(super) enum Isa {
    #[cfg(target_arch = "x86_64")]
    Sse2(pulp::x86::V2),
    #[cfg(target_arch = "x86_64")]
    Avx2Fma(pulp::x86::V3),
    #[cfg(target_arch = "x86_64")]
    Avx512(pulp::x86::V4),
    #[cfg(target_arch = "aarch64")]
    Neon(pulp::aarch64::Neon),
}

impl Isa {
    /// The token for `kernel`, if it is a wavefront kernel this CPU can run.
    pub fn new(kernel: Kernel) -> Option<Isa> {
        match kernel {
            #[cfg(target_arch = "x86_64")]
            Kernel::Sse2 => pulp::x86::V2::try_new().map(Isa::Sse2),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2Fma => pulp::x86::V3::try_new().map(Isa::Avx2Fma),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => pulp::x86::V4::try_new().map(Isa::Avx512),
            #[cfg(target_arch = "aarch64")]
            Kernel::Neon => pulp::aarch64::Neon::try_new().map(Isa::Neon),
            _ => None,
        }
    }
}

/// Runs a wavefront segment, `cg` (1 or 2) channels per lane group starting at channel `c0`.
pub(super) fn run(
    isa: Isa,
    seg: &mut Segment,
    buf: &mut [f64],
    stride: usize,
    c0: usize,
    cg: usize,
) {
    let pass = Pass {
        seg,
        buf,
        stride,
        c0,
        cg,
    };
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Sse2(simd) => simd.vectorize(pass.with(simd)),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2Fma(simd) => simd.vectorize(pass.with(simd)),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512(simd) => simd.vectorize(pass.with(simd)),
        #[cfg(target_arch = "aarch64")]
        Isa::Neon(simd) => simd.vectorize(pass.with(simd)),
    }
}

/// One call of the kernel, as the closure-like value `vectorize` runs.
struct Pass<'a> {
    seg: &'a mut Segment,
    buf: &'a mut [f64],
    stride: usize,
    c0: usize,
    cg: usize,
}

impl<'a> Pass<'a> {
    fn with<L: Lanes>(self, simd: L) -> WithLanes<'a, L> {
        WithLanes { pass: self, simd }
    }
}

struct WithLanes<'a, L> {
    pass: Pass<'a>,
    simd: L,
}

impl<L: Lanes> pulp::NullaryFnOnce for WithLanes<'_, L> {
    type Output = ();

    #[inline(always)]
    fn call(self) {
        let Pass {
            seg,
            buf,
            stride,
            c0,
            cg,
        } = self.pass;
        match cg {
            1 => run_dyn::<L, 1>(self.simd, seg, buf, stride, c0),
            _ => run_dyn::<L, 2>(self.simd, seg, buf, stride, c0),
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Lanes;
    use pulp::cast;
    use pulp::x86::{V2, V3, V4};
    use std::arch::x86_64::{__m128d, __m256d, __m512d, __m512i};

    impl Lanes for V2 {
        type Reg = __m128d;
        const FMA: bool = false;

        #[inline(always)]
        fn shift_in<const CG: usize>(self, prev: __m128d, input: &[f64]) -> __m128d {
            if CG == 2 {
                cast([input[0], input[1]])
            } else {
                self.sse2
                    ._mm_unpacklo_pd(self.sse2._mm_set_sd(input[0]), prev)
            }
        }
    }

    impl Lanes for V3 {
        type Reg = __m256d;
        const FMA: bool = true;

        #[inline(always)]
        fn shift_in<const CG: usize>(self, prev: __m256d, input: &[f64]) -> __m256d {
            if CG == 2 {
                let low: __m128d = cast([input[0], input[1]]);
                let low = self.avx._mm256_castpd128_pd256(low);
                self.avx
                    ._mm256_insertf128_pd::<1>(low, self.avx._mm256_castpd256_pd128(prev))
            } else {
                // [p3, p0, p1, p2], then lane 0 from the input.
                let rot = self.avx2._mm256_permute4x64_pd::<0b10_01_00_11>(prev);
                self.avx
                    ._mm256_blend_pd::<0b0001>(rot, self.avx._mm256_set1_pd(input[0]))
            }
        }
    }

    impl Lanes for V4 {
        type Reg = __m512d;
        const FMA: bool = true;

        #[inline(always)]
        fn shift_in<const CG: usize>(self, prev: __m512d, input: &[f64]) -> __m512d {
            // One two-source permute (3 cycles on the critical path): the low CG lanes from
            // the input (indices 8..), the others from `prev` (indices 0..).
            let f = self.avx512f;
            if CG == 2 {
                let idx: __m512i = cast([8i64, 9, 0, 1, 2, 3, 4, 5]);
                let low: __m128d = cast([input[0], input[1]]);
                f._mm512_permutex2var_pd(prev, idx, f._mm512_castpd128_pd512(low))
            } else {
                let idx: __m512i = cast([8i64, 0, 1, 2, 3, 4, 5, 6]);
                f._mm512_permutex2var_pd(prev, idx, f._mm512_set1_pd(input[0]))
            }
        }
    }
}

#[cfg(target_arch = "aarch64")]
impl Lanes for pulp::aarch64::Neon {
    type Reg = std::arch::aarch64::float64x2_t;
    const FMA: bool = true;
}
