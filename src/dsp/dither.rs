//! Quantisation to integer PCM with optional TPDF dither, counting clipped samples.
//!
//! Deterministic: the dither noise comes from seeded xorshift generators, so the same input,
//! seed and settings always give the same bytes (tests and reproducible exports depend on it).
//!
//! Several independent streams ([`STREAMS`]), sample `k` of the output taking its noise from stream
//! `k mod STREAMS`: one xorshift64* step is a chain of ~8 dependent operations, and with a single
//! stream that chain, not the arithmetic, set the speed of 24-bit export's encode loop.

/// How to reduce word length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dither {
    /// Triangular-PDF dither of ±1 LSB peak: removes truncation distortion for the price of a
    /// flat noise floor (about −98 dBFS RMS at 16 bits).
    Tpdf,
    /// Plain rounding.
    None,
}

/// Converts f64 samples in [-1, 1) to signed integers of `bits` bits.
#[derive(Debug, Clone)]
pub struct Quantizer {
    scale: f64,
    max: f64,
    min: f64,
    dither: Dither,
    rngs: [XorShift64; STREAMS],
    /// The stream the next sample takes its noise from.
    next: usize,
}

/// Independent dither streams (see the module documentation).
pub const STREAMS: usize = 4;

impl Quantizer {
    /// `bits` is 8..=32.
    pub fn new(bits: u16, dither: Dither, seed: u64) -> Self {
        let scale = 2f64.powi(i32::from(bits) - 1);
        Self {
            scale,
            max: scale - 1.0,
            min: -scale,
            dither,
            // Stream seeds spread by the golden-ratio increment (SplitMix64's), so that no two
            // streams start from related states.
            rngs: std::array::from_fn(|i| {
                XorShift64::new(seed.wrapping_add((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)))
            }),
            next: 0,
        }
    }

    /// The integer that full scale (1.0) maps to: 2^(bits−1).
    pub fn full_scale(&self) -> f64 {
        self.scale
    }

    /// The stream the next sample uses (0 at the start of a group of [`STREAMS`] samples).
    #[inline]
    pub fn phase(&self) -> usize {
        self.next
    }

    /// Quantises [`STREAMS`] consecutive samples; only valid when [`Self::phase`] is 0. The
    /// streams advance independently, so their dependency chains overlap.
    #[inline(always)]
    pub fn quantize4(&mut self, x: [f64; STREAMS]) -> [(i32, bool); STREAMS] {
        debug_assert_eq!(self.next, 0);
        let mut d = [0.0; STREAMS];
        if self.dither == Dither::Tpdf {
            for (d, r) in d.iter_mut().zip(self.rngs.iter_mut()) {
                *d = r.triangular();
            }
        }
        // A plain loop, not `array::from_fn`: whether LLVM inlined that (a per-sample call into
        // `core::array::try_from_fn` otherwise, a quarter of 24-bit export's time) changed with
        // unrelated edits elsewhere in the crate.
        let mut out = [(0, false); STREAMS];
        for ((o, x), d) in out.iter_mut().zip(x).zip(d) {
            *o = self.finish(x * self.scale + d);
        }
        out
    }

    /// Quantises one sample; returns the integer and whether it had to be clipped.
    #[inline]
    pub fn quantize(&mut self, x: f64) -> (i32, bool) {
        let mut v = x * self.scale;
        if self.dither == Dither::Tpdf {
            v += self.rngs[self.next].triangular();
        }
        self.next = (self.next + 1) % STREAMS;
        self.finish(v)
    }

    #[inline(always)]
    fn finish(&self, v: f64) -> (i32, bool) {
        let clipped = v > self.max + 0.5 || v < self.min - 0.5;
        (clamp_round(v, self.min, self.max), clipped)
    }
}

/// One sample to a `bits`-bit integer (8..=32), undithered: the int↔float convention of every
/// integer output, files and devices alike. Full scale is 2^(bits−1), as WAV (Microsoft
/// WAVEFORMATEXTENSIBLE) and AES17 define it and as the decoders read it (−1.0 ↔ −2^(bits−1)):
/// x · 2^(bits−1), clamped to [−2^(bits−1), 2^(bits−1) − 1], rounded to nearest (ties to even);
/// NaN gives 0. [`Quantizer`] with [`Dither::None`] produces the same integers.
#[inline(always)]
pub fn to_int(x: f64, bits: u16) -> i32 {
    let scale = (1u64 << (bits.clamp(8, 32) - 1)) as f64;
    clamp_round(x * scale, -scale, scale - 1.0)
}

/// Clamps first (this also keeps the rounding trick in its valid range), then rounds to nearest
/// (ties to even). NaN fails every comparison, is left as is and `as` maps it to 0.
#[inline(always)]
fn clamp_round(v: f64, min: f64, max: f64) -> i32 {
    round_ties_even(v.clamp(min, max)) as i32
}

/// Rounds to the nearest integer, ties to even, for |v| < 2^51: adding and subtracting 1.5·2^52
/// makes the FPU do the rounding. `f64::round` is a libm call on baseline x86-64 (no SSE4.1) and
/// made 24-bit export twice as slow.
#[inline(always)]
fn round_ties_even(v: f64) -> f64 {
    const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52
    (v + MAGIC) - MAGIC
}

/// Marsaglia's xorshift64*: tiny, fast, deterministic; plenty for dither noise (not for secrets).
#[derive(Debug, Clone)]
pub struct XorShift64(u64);

impl XorShift64 {
    pub fn new(seed: u64) -> Self {
        // Zero is a fixed point of xorshift; mix the seed so any value works. (This maps seeds
        // differing only in their lowest bit to one state: a seed a user types goes through
        // [`Self::seeded`].)
        Self(seed ^ 0x9E37_79B9_7F4A_7C15 | 1)
    }

    /// A generator for a seed a user chose (`generate --seed`, `abx --seed`): SplitMix64's
    /// finaliser first, a bijection, so every seed gets its own stream, and nearby seeds (1, 2,
    /// 3…) streams unrelated from their first output. ([`Self::new`] gave seeds 2 and 3 one
    /// state, and xorshift's states 2 and 3 stay XOR-related forever.)
    pub fn seeded(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Self::new(z ^ (z >> 31))
    }

    #[inline(always)]
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Triangular PDF on (-1, 1): the difference of two independent uniforms, both taken from one
    /// 64-bit draw (32 bits each: far finer than the 1-LSB dither amplitude needs).
    #[inline(always)]
    pub fn triangular(&mut self) -> f64 {
        let r = self.next_u64();
        let a = (r >> 32) as f64;
        let b = (r & 0xFFFF_FFFF) as f64;
        (a - b) * (1.0 / 4_294_967_296.0)
    }

    /// Uniform in [0, 1).
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shared convention against published full-scale values (WAV 16/24/32-bit: −1.0 is
    /// −2^(bits−1)) and against the file path's quantiser, over a sweep that crosses every edge.
    #[test]
    fn to_int_is_the_files_full_scale_convention() {
        assert_eq!(to_int(-1.0, 16), -32_768);
        assert_eq!(to_int(1.0, 16), 32_767);
        assert_eq!(to_int(0.5, 16), 16_384);
        assert_eq!(to_int(2.5 / 32_768.0, 16), 2); // tie to even
        assert_eq!(to_int(-1.0, 24), -8_388_608);
        assert_eq!(to_int(-1.0, 32), i32::MIN);
        assert_eq!(to_int(1.0, 32), i32::MAX);
        assert_eq!(to_int(f64::NAN, 16), 0);
        for bits in [8, 16, 24, 32] {
            let mut q = Quantizer::new(bits, Dither::None, 1);
            for i in -2_200..=2_200 {
                let x = f64::from(i) / 2_000.0 + 1e-7 * f64::from(i % 7);
                assert_eq!(to_int(x, bits), q.quantize(x).0, "{bits} bits, {x}");
            }
        }
    }

    #[test]
    fn rounding_without_dither_is_exact_and_clips() {
        let mut q = Quantizer::new(16, Dither::None, 1);
        assert_eq!(q.quantize(0.5), (16384, false));
        assert_eq!(q.quantize(-1.0), (-32768, false));
        assert_eq!(q.quantize(1.0), (32767, true));
        assert_eq!(q.quantize(-1.5), (-32768, true));
        let mut q24 = Quantizer::new(24, Dither::None, 1);
        assert_eq!(q24.quantize(1.0 / 8_388_608.0 * 3.4), (3, false));
        assert_eq!(q24.quantize(1.0 / 8_388_608.0 * -3.6), (-4, false));
        assert_eq!(q.quantize(2.5 / 32_768.0), (2, false), "ties go to even");
        assert_eq!(q.quantize(f64::NAN), (0, false));
        let mut q32 = Quantizer::new(32, Dither::None, 1);
        assert_eq!(q32.quantize(1.0), (i32::MAX, true));
        assert_eq!(q32.quantize(-1.0), (i32::MIN, false));
    }

    /// Same seed, same noise, however the samples are grouped; the streams differ from one
    /// another and adjacent samples' dither values are uncorrelated (|r| < 0.01).
    #[test]
    fn streams_are_deterministic_and_independent() {
        let x: Vec<f64> = (0..40_001)
            .map(|i| (i as f64 * 0.001).sin() * 0.5)
            .collect();
        let one_by_one: Vec<i32> = {
            let mut q = Quantizer::new(16, Dither::Tpdf, 7);
            x.iter().map(|&v| q.quantize(v).0).collect()
        };
        let mut q = Quantizer::new(16, Dither::Tpdf, 7);
        let mut grouped = Vec::new();
        let mut i = 0;
        while i < x.len() {
            if q.phase() == 0 && i + STREAMS <= x.len() {
                let four = q.quantize4(x[i..i + STREAMS].try_into().unwrap());
                grouped.extend(four.iter().map(|p| p.0));
                i += STREAMS;
            } else {
                grouped.push(q.quantize(x[i]).0);
                i += 1;
            }
        }
        assert_eq!(one_by_one, grouped);
        let e: Vec<f64> = x
            .iter()
            .zip(&one_by_one)
            .map(|(&v, &q)| f64::from(q) - v * 32_768.0)
            .collect();
        let mean = e.iter().sum::<f64>() / e.len() as f64;
        let var = e.iter().map(|v| (v - mean).powi(2)).sum::<f64>();
        let cov = e
            .windows(2)
            .map(|w| (w[0] - mean) * (w[1] - mean))
            .sum::<f64>();
        assert!((cov / var).abs() < 0.01, "lag-1 correlation {}", cov / var);
    }

    /// TPDF dither: error mean ≈ 0, variance ≈ 1/12 (rounding) + 1/6 (triangular ±1 LSB) = 1/4 LSB²,
    /// and it never exceeds 1.5 LSB.
    #[test]
    fn tpdf_error_statistics() {
        let mut q = Quantizer::new(16, Dither::Tpdf, 42);
        let n = 200_000;
        let (mut sum, mut sum2, mut worst) = (0.0, 0.0, 0.0f64);
        for i in 0..n {
            let x = ((i as f64) * 0.000_123).sin() * 0.3;
            let (v, clipped) = q.quantize(x);
            assert!(!clipped);
            let e = f64::from(v) - x * 32768.0;
            sum += e;
            sum2 += e * e;
            worst = worst.max(e.abs());
        }
        let mean = sum / n as f64;
        let var = sum2 / n as f64 - mean * mean;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 0.25).abs() < 0.01, "variance {var}");
        assert!(worst <= 1.5, "worst {worst}");
    }
}
