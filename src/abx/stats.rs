//! Statistics for blind tests: the exact binomial tail and a plain-words verdict.
//!
//! An ABX score of k correct out of n is judged against the null hypothesis "the listener was
//! guessing" (each answer right with probability 1/2). The p-value is the chance of doing at
//! least this well by guessing, P(X ≥ k) for X ~ Binomial(n, 1/2): the one-sided exact test used
//! by foobar2000's ABX comparator and in Leventhal, "Type 1 and type 2 errors in the statistical
//! analysis of listening tests" (JAES 34(6), 1986).

use serde::Serialize;

/// The significance level below which a score counts as "heard a difference". 0.05 is the
/// customary choice in listening tests (Leventhal 1986); it still means 1 in 20 pure guessers
/// passes, which is why the verdict text is careful.
pub const ALPHA: f64 = 0.05;

/// The fewest ABX trials for which a perfect score can reach p < `alpha` (one-sided, guessing
/// at 1/2): the smallest n with 0.5^n < alpha, 5 for 0.05 (4/4 is p = 0.0625).
pub fn min_trials(alpha: f64) -> u32 {
    (1..=64)
        .find(|&n| binomial_p_at_least(n, n, 0.5) < alpha)
        .unwrap_or(64)
}

/// Exact one-sided binomial tail P(X ≥ k) for X ~ Binomial(n, p).
///
/// Computed as a sum of probability mass terms in log space (log-factorials as sums of logs,
/// then log-sum-exp), so it neither overflows for large n nor loses the tiny tails: relative
/// error stays near n·ε. A fair coin with n ≤ 127 (every real ABX session) is counted exactly
/// instead. k = 0 gives 1, k > n gives 0; p is clamped to [0, 1].
pub fn binomial_p_at_least(k: u32, n: u32, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    let p = if p.is_nan() { 0.5 } else { p.clamp(0.0, 1.0) };
    if p == 0.0 {
        return 0.0; // X is always 0 and k ≥ 1
    }
    if p == 1.0 {
        return 1.0; // X is always n ≥ k
    }
    if p == 0.5 && n <= EXACT_MAX_N {
        return fair_tail_exact(k, n);
    }
    let ln_fact = ln_factorials(n);
    let (ln_p, ln_q) = (p.ln(), (-p).ln_1p());
    let n_us = n as usize;
    let ln_terms: Vec<f64> = (k as usize..=n_us)
        .map(|i| {
            ln_fact[n_us] - ln_fact[i] - ln_fact[n_us - i]
                + i as f64 * ln_p
                + (n_us - i) as f64 * ln_q
        })
        .collect();
    let max = ln_terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = ln_terms.iter().map(|t| (t - max).exp()).sum();
    (max + sum.ln()).exp().min(1.0)
}

/// Largest n whose 2^n outcomes fit a u128 count.
const EXACT_MAX_N: u32 = 127;

/// P(X ≥ k) for a fair coin by exact counting: Σ_{i≥k} C(n,i) from Pascal's triangle in u128,
/// then one division by 2^n (exact in binary), so 3/3 reads 0.125, not 0.12500000000000003.
fn fair_tail_exact(k: u32, n: u32) -> f64 {
    let mut row = vec![0u128; n as usize + 1];
    row[0] = 1;
    for m in 1..=n as usize {
        for i in (1..=m).rev() {
            row[i] += row[i - 1];
        }
    }
    let count: u128 = row[k as usize..].iter().sum();
    count as f64 / 2f64.powi(n as i32)
}

/// ln(i!) for i in 0..=n.
fn ln_factorials(n: u32) -> Vec<f64> {
    let sums = (1..=n).scan(0.0, |acc, i| {
        *acc += f64::from(i).ln();
        Some(*acc)
    });
    std::iter::once(0.0).chain(sums).collect()
}

/// The outcome of an ABX score in numbers and in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// P(at least this many correct by guessing).
    pub p_value: f64,
    /// p < [`ALPHA`].
    pub significant: bool,
    /// One sentence a listener can read, e.g. "p = 0.011 < 0.05: you reliably heard a difference".
    pub text: String,
}

/// Judges k correct answers out of n against guessing (p = 1/2 per trial).
pub fn verdict(k: u32, n: u32) -> Verdict {
    let p_value = binomial_p_at_least(k, n, 0.5);
    let significant = p_value < ALPHA;
    let p = format_p(p_value);
    let text = if n == 0 {
        "no trials answered: nothing to judge".to_string()
    } else if significant {
        format!(
            "p = {p} < 0.05: you reliably heard a difference \
             (guessing scores this well only {} of the time)",
            format_percent(p_value)
        )
    } else {
        format!(
            "p = {p} ≥ 0.05: this score is consistent with guessing — no evidence you heard a \
             difference (which does not prove there is none)"
        )
    };
    Verdict {
        p_value,
        significant,
        text,
    }
}

/// Two significant digits, never rounding across the 0.05 threshold ("0.050" for 0.0499 would
/// contradict the "<" next to it), scientific notation below 0.001.
pub fn format_p(p: f64) -> String {
    if p >= 0.1 {
        format!("{p:.2}")
    } else if (0.045..0.055).contains(&p) {
        format!("{p:.4}")
    } else if p >= 0.01 {
        format!("{p:.3}")
    } else if p >= 0.001 {
        format!("{p:.4}")
    } else {
        format!("{p:.1e}")
    }
}

fn format_percent(p: f64) -> String {
    let pct = p * 100.0;
    if pct >= 0.1 {
        format!("{pct:.1}%")
    } else {
        "under 0.1%".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    /// Reference values: exact fractions over 2^16 = 65536, e.g. P(X ≥ 12) = (1820 + 560 + 120
    /// + 16 + 1) / 65536 = 2517 / 65536.
    #[test]
    fn exact_values_for_sixteen_trials() {
        let cases = [
            (12, 2517.0 / 65536.0), // 0.038406
            (9, 26333.0 / 65536.0), // 0.4018
            (16, 1.0 / 65536.0),    // 1.526e-5
            (8, 39203.0 / 65536.0), // 0.5982
            (0, 1.0),
            (17, 0.0),
        ];
        for (k, want) in cases {
            let got = binomial_p_at_least(k, 16, 0.5);
            assert!(close(got, want, 1e-12), "k={k}: {got} vs {want}");
        }
        assert!((binomial_p_at_least(12, 16, 0.5) - 0.038406).abs() < 1e-6);
        assert!((binomial_p_at_least(9, 16, 0.5) - 0.4018).abs() < 1e-4);
        assert!((binomial_p_at_least(16, 16, 0.5) - 1.526e-5).abs() < 1e-8);
        assert!((binomial_p_at_least(8, 16, 0.5) - 0.5982).abs() < 1e-4);
    }

    /// Independent check: enumerate all 2^n outcome sequences, weight each by p^hits q^misses.
    #[test]
    fn matches_brute_force_enumeration() {
        for n in 0..=12u32 {
            for &p in &[0.5f64, 0.3, 0.9] {
                let mut tail = vec![0.0f64; n as usize + 2];
                for mask in 0u32..(1 << n) {
                    let hits = mask.count_ones();
                    let w = p.powi(hits as i32) * (1.0 - p).powi((n - hits) as i32);
                    for t in tail.iter_mut().take(hits as usize + 1) {
                        *t += w;
                    }
                }
                for k in 0..=n + 1 {
                    let got = binomial_p_at_least(k, n, p);
                    let want = tail[k as usize];
                    assert!(
                        (got - want).abs() < 1e-12,
                        "n={n} k={k} p={p}: {got} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn large_n_is_finite_and_tiny_tails_survive() {
        // P(X ≥ 1000 of 1000) = 2^-1000 ≈ 9.33e-302: representable, must not underflow to 0.
        let got = binomial_p_at_least(1000, 1000, 0.5);
        assert!(close(got, 2f64.powi(-1000), 1e-9), "{got}");
        // Symmetry at the median of an even n: P(X ≥ n/2) = 1/2 + P(X = n/2)/2.
        let n = 1000u32;
        let mid = binomial_p_at_least(500, n, 0.5) - binomial_p_at_least(501, n, 0.5);
        let upper = binomial_p_at_least(501, n, 0.5);
        assert!(close(2.0 * upper + mid, 1.0, 1e-10));
    }

    /// The exact-count path (n ≤ 127) and the log-space path agree where they meet.
    #[test]
    fn exact_and_log_space_paths_agree() {
        for n in [20u32, 60, 127] {
            for k in 0..=n {
                let exact = binomial_p_at_least(k, n, 0.5);
                let logspace = binomial_p_at_least(k, n, 0.5 + 1e-15);
                assert!(
                    close(exact, logspace, 1e-10),
                    "n={n} k={k}: {exact} vs {logspace}"
                );
            }
        }
        assert_eq!(binomial_p_at_least(3, 3, 0.5), 0.125);
    }

    #[test]
    fn degenerate_probabilities() {
        assert_eq!(binomial_p_at_least(1, 5, 0.0), 0.0);
        assert_eq!(binomial_p_at_least(5, 5, 1.0), 1.0);
        assert_eq!(binomial_p_at_least(0, 0, 0.5), 1.0);
    }

    #[test]
    fn verdict_texts() {
        let v = verdict(12, 16);
        assert!(v.significant);
        assert!(
            v.text.starts_with("p = 0.038 < 0.05: you reliably heard"),
            "{}",
            v.text
        );
        let v = verdict(9, 16);
        assert!(!v.significant);
        assert!(v
            .text
            .starts_with("p = 0.40 ≥ 0.05: this score is consistent with guessing"));
        assert!(v.text.contains("does not prove there is none"));
        assert!(verdict(16, 16).text.starts_with("p = 1.5e-5 < 0.05"));
        // Near the threshold the p-value keeps a third digit: 13/18 = 12616 / 2^18 = 0.04813.
        let v = verdict(13, 18);
        assert!(v.significant);
        assert!(v.text.starts_with("p = 0.0481 < 0.05"), "{}", v.text);
        assert!(!verdict(0, 0).significant);
    }

    #[test]
    fn fewest_trials_that_can_show_anything() {
        // 4/4 by guessing: 1/16 = 0.0625; 5/5: 1/32 = 0.03125.
        assert_eq!(binomial_p_at_least(4, 4, 0.5), 0.0625);
        assert_eq!(min_trials(0.05), 5);
        assert_eq!(min_trials(0.01), 7);
    }
}
