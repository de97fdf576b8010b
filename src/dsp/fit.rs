//! Fitting a parametric EQ (RBJ cookbook biquads) to a target curve in dB: the one fitting path
//! behind `iemsim fit` and every per-IEM built-in profile.
//!
//! Greedy placement, then joint least squares: a low shelf takes the bass level first (when there
//! is one to take), then each new peaking filter goes where the weighted residual is largest, with
//! the residual's value as gain and its half-height width as Q; after each placement all filters
//! are refined together by Levenberg–Marquardt (Levenberg 1944, Marquardt 1963) on the parameters
//! (ln fc, gain dB, ln Q), projected onto the constraints after each step.
//! Hand-written rather than `argmin`: the problem is tiny (≤ 31 parameters), the Jacobian is cheap
//! by finite differences one filter at a time, and box constraints are a one-line projection here
//! while argmin's LM solver has none. Deterministic: no randomness, fixed iteration order.
//!
//! The fit follows the curve's level too (curves are 0 dB over 0.5-2 kHz, and so are the profiles),
//! but the error figures are taken after removing the mean error over the band ("mean offset
//! removed"): a constant level is a preamp, and loudness matching removes it anyway.

use super::filter::{Coefficients, FilterKind, FilterSpec};
use std::f64::consts::PI;

/// The constraints and weighting of a fit.
#[derive(Debug, Clone, PartialEq)]
pub struct FitConfig {
    /// At most this many filters (shelves included).
    pub max_filters: usize,
    /// |gain| of every filter at most this (dB).
    pub max_gain_db: f64,
    /// Q of every peaking filter at most this.
    pub max_q: f64,
    /// No filter boosts above this frequency: peaks stay at or below it, a high shelf may only cut.
    pub max_boost_hz: f64,
    /// The band the error is judged on (Hz), full weight.
    pub band_hz: (f64, f64),
    /// Weight of the points between the band's top and `max_boost_hz` (coupler measurements are
    /// unreliable there, but the ear still hears it); above that, weight 0.
    pub treble_weight: f64,
    /// Whether a low shelf may be used for the bass.
    pub shelves: bool,
    /// If set, the filters' summed response may not rise above this anywhere (dB): a correction's
    /// largest boost (AutoEq's `max_gain`, +6 dB by default), however the curve asks for more.
    pub max_total_boost_db: Option<f64>,
    /// Whether those two ceilings (the sum at most 0 dB above `max_boost_hz`, at most
    /// `max_total_boost_db` below it) are hard limits of the final fit, not only penalties: the
    /// printed (rounded) filters' sum then passes neither by more than [`CEILING_TOLERANCE_DB`]
    /// anywhere (see [`ceiling_excess_db`]). On by default: "no boost above 14 kHz" is what every
    /// fit promises, and the penalty alone let the skirts of the filters below add up to +0.52 dB
    /// above it on the shipped per-IEM fits (Moondrop Aria), for a fit no better to the ear.
    pub hard_ceilings: bool,
    /// Sample rate the filters are designed at (their response barely depends on it below 14 kHz).
    pub sample_rate: f64,
}

impl Default for FitConfig {
    fn default() -> Self {
        Self {
            max_filters: 10,
            max_gain_db: 12.0,
            max_q: 6.0,
            max_boost_hz: 14_000.0,
            band_hz: (20.0, 10_000.0),
            treble_weight: 0.1,
            shelves: true,
            max_total_boost_db: None,
            hard_ceilings: true,
            sample_rate: 48_000.0,
        }
    }
}

/// How far a set of filters is from a curve, over the band, with the mean offset removed.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct FitError {
    /// RMS error (dB).
    pub rms_db: f64,
    /// Where the error is largest (Hz) …
    pub worst_hz: f64,
    /// … and its signed value there (dB, filters minus curve).
    pub worst_db: f64,
}

/// The result of a fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub filters: Vec<FilterSpec>,
    pub error: FitError,
}

/// Sum of the filters' responses (dB) at `freqs_hz` (closed form, at `sample_rate`).
pub fn response_db(filters: &[FilterSpec], freqs_hz: &[f64], sample_rate: f64) -> Vec<f64> {
    let grid = Grid::new(freqs_hz, sample_rate);
    let mut out = vec![0.0; freqs_hz.len()];
    for f in filters {
        grid.add_db(f, &mut out);
    }
    out
}

/// RMS and worst error of `filters` against `curve_db` over `band_hz`, mean offset removed.
pub fn fit_error(
    filters: &[FilterSpec],
    freqs_hz: &[f64],
    curve_db: &[f64],
    band_hz: (f64, f64),
    sample_rate: f64,
) -> FitError {
    let model = response_db(filters, freqs_hz, sample_rate);
    let in_band: Vec<(f64, f64)> = freqs_hz
        .iter()
        .zip(model.iter().zip(curve_db))
        .filter(|(f, _)| (band_hz.0..=band_hz.1).contains(*f))
        .map(|(f, (m, c))| (*f, m - c))
        .collect();
    if in_band.is_empty() {
        return FitError {
            rms_db: 0.0,
            worst_hz: band_hz.0,
            worst_db: 0.0,
        };
    }
    let mean = in_band.iter().map(|p| p.1).sum::<f64>() / in_band.len() as f64;
    let mut sum = 0.0;
    let (mut worst_hz, mut worst_db) = (in_band[0].0, 0.0f64);
    for (f, e) in &in_band {
        let e = e - mean;
        sum += e * e;
        if e.abs() > worst_db.abs() {
            (worst_hz, worst_db) = (*f, e);
        }
    }
    FitError {
        rms_db: (sum / in_band.len() as f64).sqrt(),
        worst_hz,
        worst_db,
    }
}

/// Levenberg–Marquardt iterations after each placement, and at the end (enough to converge).
const STAGE_ITERS: usize = 8;
const FINAL_ITERS: usize = 120;

/// Fits at most `cfg.max_filters` filters to `curve_db` given at `freqs_hz` (ascending Hz).
pub fn fit(freqs_hz: &[f64], curve_db: &[f64], cfg: &FitConfig) -> Fit {
    fit_with(freqs_hz, curve_db, cfg, true)
}

/// [`fit`], with or without merging the twins of the final set (without: every slot filled, for
/// the tests that check the placement does not stop early).
fn fit_with(freqs_hz: &[f64], curve_db: &[f64], cfg: &FitConfig, merge: bool) -> Fit {
    let n = freqs_hz.len().min(curve_db.len());
    let (freqs_hz, curve_db) = (&freqs_hz[..n], &curve_db[..n]);
    let problem = Problem::new(freqs_hz, curve_db, cfg);
    let mut params: Vec<Param> = Vec::new();
    // The level is anchored: the curves are 0 dB over 0.5-2 kHz, and so stays the fitted profile
    // (a free level would let the filters drift and change what loudness matching does), so the
    // model is the filters alone.
    if cfg.shelves && cfg.max_filters > 0 {
        let bass = problem.mean_between(&problem.residual(&params), 20.0, 60.0);
        if bass.abs() > 1.0 {
            // Clamped like every other parameter: a leaky seal's −25 dB bass starts at the limit.
            let mut shelf = Param::new(FilterKind::LowShelf, 100.0, bass, 0.7);
            shelf.clamp(cfg);
            params.push(shelf);
            problem.refine(&mut params, STAGE_ITERS);
        }
    }
    // Every free slot is filled while a place is left where one more filter helps. Filters that
    // converged onto one another (same kind, fc and Q) are merged and their places refilled, for
    // as long as that lowers the cost; the best full set seen is kept, so a refill that recreates
    // the same twins ends the loop instead of leaving slots empty.
    let mut placements = 0;
    let budget = 4 * cfg.max_filters + 4;
    let mut best: Option<(f64, Vec<Param>)> = None;
    loop {
        while params.len() < cfg.max_filters && placements < budget {
            let r = problem.residual(&params);
            let Some(p) = problem.next_peak(&r) else {
                break;
            };
            params.push(p);
            placements += 1;
            problem.refine(&mut params, STAGE_ITERS);
        }
        problem.refine(&mut params, FINAL_ITERS);
        let cost = problem.cost(&problem.residual(&params), &params);
        if best.as_ref().is_some_and(|b| cost >= b.0) {
            break;
        }
        best = Some((cost, params.clone()));
        if !merge_twins(&mut params, cfg, false) || placements >= budget {
            break;
        }
        problem.refine(&mut params, STAGE_ITERS);
    }
    if let Some((_, kept)) = best {
        params = kept;
    }
    improve(&problem, &mut params);
    if merge {
        consolidate(&problem, &mut params, (freqs_hz, curve_db));
    }
    if cfg.hard_ceilings && !holds(cfg, &params) {
        hold_ceilings(&problem, &mut params, merge);
    }
    let filters: Vec<FilterSpec> = params.iter().map(Param::spec).collect();
    let error = fit_error(&filters, freqs_hz, curve_db, cfg.band_hz, cfg.sample_rate);
    Fit { filters, error }
}

impl Problem {
    /// The points the optimiser works on, with their weights and ceilings (see below);
    /// `freqs_hz` and `curve_db` of one length ([`fit_with`] cuts them to it).
    fn new(freqs_hz: &[f64], curve_db: &[f64], cfg: &FitConfig) -> Self {
        let n = freqs_hz.len();
        let weights: Vec<f64> = freqs_hz
            .iter()
            .map(|&f| {
                if (cfg.band_hz.0..=cfg.band_hz.1).contains(&f) {
                    1.0
                } else if f > cfg.band_hz.1 && f <= cfg.max_boost_hz {
                    cfg.treble_weight
                } else {
                    0.0
                }
            })
            .collect();
        // The optimiser works on every other point that counts (1/35 octave apart on AutoEq's grid:
        // still far denser than any filter with Q ≤ 6), half the work for the same fit; the error is
        // judged on every point.
        // Above `max_boost_hz` the curve is ignored but the filters' sum may not rise above 0 dB (a
        // one-sided penalty at full weight): no boost up there, not even from a lower filter's skirt
        // (with `hard_ceilings`, made to hold at the end: see `enforce_ceilings`).
        // With `max_total_boost_db`, every point of the band also gets such a ceiling at that level.
        let fitted: Vec<usize> = (0..n)
            .filter(|&i| weights[i] > 0.0 && !ceiling_at(freqs_hz[i], cfg))
            .step_by(2)
            .collect();
        let mut kept: Vec<(usize, Option<f64>)> = fitted.iter().map(|&i| (i, None)).collect();
        if let Some(c) = cfg.max_total_boost_db {
            kept.extend(fitted.iter().map(|&i| (i, Some(c))));
        }
        kept.extend(
            (0..n)
                .filter(|&i| ceiling_at(freqs_hz[i], cfg))
                .map(|i| (i, Some(0.0))),
        );
        let pick = |v: &[f64]| kept.iter().map(|&(i, _)| v[i]).collect::<Vec<f64>>();
        let ceiling: Vec<Option<f64>> = kept.iter().map(|&(_, c)| c).collect();
        let weights: Vec<f64> = kept
            .iter()
            .map(|&(i, c)| {
                if c.is_some() {
                    CEILING_WEIGHT
                } else {
                    weights[i]
                }
            })
            .collect();
        Problem {
            grid: Grid::new(&pick(freqs_hz), cfg.sample_rate),
            curve: pick(curve_db),
            weights,
            ceiling,
            cfg: cfg.clone(),
        }
    }
}

/// Makes a set chosen under the penalty keep the hard ceilings (see [`enforce_ceilings`]), tries
/// the swaps again under them, and merges twins that brings back (unless `merge` is off).
fn hold_ceilings(problem: &Problem, params: &mut Vec<Param>, merge: bool) {
    let cfg = &problem.cfg;
    enforce_ceilings(problem, params);
    // The set was chosen under the penalty: squeezed under the ceilings, a filter elsewhere
    // may now serve better (KBEAR Believe's 0.06 dB RMS became 0.11 dB without this).
    improve(
        &problem.with_check_ceilings(HARD_CEILING_WEIGHTS[0]),
        params,
    );
    // Refinement may bring twins back (two +6 dB filters at 13 kHz under the 14 kHz
    // ceiling): merged as at the end of `consolidate`, the freed slot filled again where the
    // residual is largest (a few times at most), then made to hold again.
    let mut refills = 0;
    while merge && merge_twins(params, cfg, true) {
        if refills < 3 && params.len() < cfg.max_filters {
            if let Some(p) = problem.next_peak(&problem.residual(params)) {
                params.push(p);
                problem.refine(params, FINAL_ITERS);
            }
            refills += 1;
        }
        enforce_ceilings(problem, params);
    }
}

/// Merges filters of one kind within 1 % in fc and 5 % in Q (gains add) when the sum is within
/// the gain limit; whether any were. Twins whose sum is beyond the limit stay two filters: merging
/// them would clamp the gain away, free a slot, and the same filter would be placed again.
/// With `beyond`, twins are merged whatever their sum, its gain clamped to the limit: the last
/// step of a fit, where no placement follows.
fn merge_twins(params: &mut Vec<Param>, cfg: &FitConfig, beyond: bool) -> bool {
    let before = params.len();
    let mut kept: Vec<Param> = Vec::with_capacity(before);
    for p in params.drain(..) {
        match kept
            .iter_mut()
            .find(|k| k.is_twin(&p) && (beyond || (k.gain_db + p.gain_db).abs() <= cfg.max_gain_db))
        {
            Some(k) => {
                k.gain_db += p.gain_db;
                k.clamp(cfg);
            }
            None => kept.push(p),
        }
    }
    *params = kept;
    params.len() < before
}

/// Twins left in the final set (see [`merge_twins`]) become one filter when the merged set fits
/// as well: its reported RMS error ([`fit_error`], as printed) at most 1 % or 0.01 dB above the
/// full set's, whichever is more. Two filters where one does make an EQ harder to read and edit.
/// Twins whose summed gain is beyond the limit become one filter at the limit whatever it costs:
/// they act as one filter, and no filter boosts or cuts by more (a 60,000-point curve gave two of
/// +8.1 dB at 13.08 kHz). A freed slot is filled again where the residual is largest when that
/// fits clearly better (by more than the merge's tolerance) without bringing the twins back.
fn consolidate(problem: &Problem, params: &mut Vec<Param>, curve: (&[f64], &[f64])) {
    let cfg = &problem.cfg;
    let rms = |p: &[Param]| {
        let specs: Vec<FilterSpec> = p.iter().map(Param::spec).collect();
        fit_error(&specs, curve.0, curve.1, cfg.band_hz, cfg.sample_rate).rms_db
    };
    let as_good = |new: f64, old: f64| new <= (old * 1.01).max(old + 0.01);
    let mut merged = params.clone();
    while merge_twins(&mut merged, cfg, false) {
        problem.refine(&mut merged, FINAL_ITERS);
    }
    if merged.len() < params.len() && as_good(rms(&merged), rms(params)) {
        *params = merged;
    }
    while merge_twins(params, cfg, true) {
        problem.refine(params, FINAL_ITERS);
    }
    while params.len() < cfg.max_filters {
        let mut filled = params.clone();
        let Some(p) = problem.next_peak(&problem.residual(&filled)) else {
            break;
        };
        filled.push(p);
        problem.refine(&mut filled, FINAL_ITERS);
        let clearly_better = !as_good(rms(params), rms(&filled));
        if !clearly_better || twins(&filled) {
            break;
        }
        *params = filled;
    }
}

/// Whether two filters of the set are one (same kind, fc within 1 %, Q within 5 %).
fn twins(params: &[Param]) -> bool {
    (params.iter().enumerate()).any(|(i, a)| params[i + 1..].iter().any(|b| a.is_twin(b)))
}

/// Pairs of `params` which are one filter (same kind, fc within 1 %, Q within 5 %), as they are
/// or as printed (fc to 1 Hz is coarser than 1 % below 50 Hz), whose summed gain is beyond the
/// limit: together they would boost or cut by more than one filter may.
fn stacked_pairs(params: &[Param], cfg: &FitConfig) -> Vec<(usize, usize)> {
    let printed: Vec<FilterSpec> = params.iter().map(Param::spec).collect();
    let one = |a: &FilterSpec, b: &FilterSpec| {
        (a.fc_hz.ln() - b.fc_hz.ln()).abs() < 0.01 && (a.q.ln() - b.q.ln()).abs() < 0.05
    };
    let mut out = Vec::new();
    for (i, a) in params.iter().enumerate() {
        for (j, b) in params.iter().enumerate().skip(i + 1) {
            if (a.is_twin(b) || (a.kind == b.kind && one(&printed[i], &printed[j])))
                && (a.gain_db + b.gain_db).abs() > cfg.max_gain_db
            {
                out.push((i, j));
            }
        }
    }
    out
}

/// Keeps an optimiser step from stacking two filters into one beyond the gain limit (the limit
/// holds for twins together, see [`merge_twins`]): a pair the step made one keeps the fc and Q it
/// had, its gains still moved. Without it, a bass lift the filters cannot reach drew two of them
/// onto one place (+12 dB at 32 Hz, Q 0.2, twice), which then merged to one +12 dB filter with its
/// slot left empty (a +25 dB lift fitted to 0.61 dB RMS with 4 of 10 filters). Whether the step
/// may be taken: not when it still stacks more pairs than `from` had.
fn keep_apart(trial: &mut [Param], from: &[Param], cfg: &FitConfig) -> bool {
    let before = stacked_pairs(from, cfg);
    for (i, j) in stacked_pairs(trial, cfg) {
        if !before.contains(&(i, j)) {
            for k in [i, j] {
                (trial[k].ln_fc, trial[k].ln_q) = (from[k].ln_fc, from[k].ln_q);
            }
        }
    }
    stacked_pairs(trial, cfg).len() <= before.len()
}

/// Parts the pairs a placement stacked (see [`stacked_pairs`]; a new filter put where one at a
/// bound already is, 20 Hz and Q 0.2): the later one's Q moves 6 % away, inside its bounds, so
/// [`keep_apart`] keeps them two filters instead of leaving the pair for a merge that clamps it.
fn pull_apart(params: &mut [Param], cfg: &FitConfig) {
    // One pair at a time, found again after each move: a third filter on the same place then
    // moves away from the second too.
    for _ in 0..params.len() * params.len() {
        let Some(&(i, j)) = stacked_pairs(params, cfg).first() else {
            return;
        };
        let ln_q = params[i].ln_q;
        let mut p = params[j];
        p.ln_q = ln_q + 0.06;
        p.clamp(cfg);
        if (p.ln_q - ln_q).abs() < 0.05 {
            p.ln_q = ln_q - 0.06;
            p.clamp(cfg);
        }
        params[j] = p;
    }
}

/// At most this many swaps are tried by [`improve`] (each a full refinement).
const SWAP_TRIALS: usize = 12;

/// Greedy placement ends in a local minimum that a hundredth of a dB in one point can move: a
/// filter that converged to nothing (+0.02 dB) keeps its slot while the bass goes unfitted. So each
/// filter in turn, the least useful first (the one whose removal raises the cost least), is taken
/// out, the others refined, and a new one placed where the residual is then largest (overall, and
/// within the band); the
/// set is refined, and kept when its RMS error over the band (what a fit reports) is lower: the
/// optimiser's cost also counts the lightly weighted treble above the band, and swaps judged by it
/// alone traded the Moondrop Aria's bass (0.07 dB RMS) for a second filter on its 13 kHz peak
/// (0.13 dB). Deterministic, like the rest.
fn improve(problem: &Problem, params: &mut Vec<Param>) {
    let mut rms = problem.band_rms(params);
    // A set that keeps to hard ceilings is only swapped for one that does too.
    let must_hold = problem.cfg.hard_ceilings && holds(&problem.cfg, params);
    let mut trials = 0;
    'search: while trials < SWAP_TRIALS {
        for k in problem.least_useful_first(params) {
            if trials >= SWAP_TRIALS {
                break 'search;
            }
            trials += 1;
            let mut rest = params.clone();
            rest.remove(k);
            // The others take over what they can first: else the new filter goes where the
            // removed one was, and the swap gives the same set back.
            problem.refine(&mut rest, STAGE_ITERS);
            for p in problem.candidates(&problem.residual(&rest)) {
                let mut swapped = rest.clone();
                swapped.push(p);
                problem.refine(&mut swapped, STAGE_ITERS);
                problem.refine(&mut swapped, FINAL_ITERS);
                let r = problem.band_rms(&swapped);
                if r < rms * (1.0 - 1e-3) && (!must_hold || holds(&problem.cfg, &swapped)) {
                    (*params, rms) = (swapped, r);
                    continue 'search;
                }
            }
        }
        break;
    }
}

/// How far a hard ceiling may be passed (dB): the printed filters are rounded (1 Hz, 0.01 dB,
/// 0.001 Q), and a twentieth of a dB is far below what anyone hears.
pub const CEILING_TOLERANCE_DB: f64 = 0.05;

/// Where hard ceilings are checked: every 1/96 octave from 20 Hz to below Nyquist (twice as dense
/// as the 1/48 octave promised, so a peak between two points is not missed), and just above
/// `max_boost_hz`, where the ceiling drops to 0 dB while a filter below may still be rising.
fn check_grid(cfg: &FitConfig) -> Vec<f64> {
    let nyquist = cfg.sample_rate / 2.0;
    let mut grid: Vec<f64> = (0..)
        .map(|k| 20.0 * 2f64.powf(f64::from(k) / 96.0))
        .take_while(|&f| f < nyquist)
        .collect();
    let edge = cfg.max_boost_hz * (1.0 + 1e-9);
    if edge < nyquist {
        grid.push(edge);
    }
    grid
}

/// The ceiling on the filters' sum at `f_hz`, if any: 0 dB above `max_boost_hz`, else
/// `max_total_boost_db`.
fn ceiling_for(f_hz: f64, cfg: &FitConfig) -> Option<f64> {
    if ceiling_at(f_hz, cfg) {
        Some(0.0)
    } else {
        cfg.max_total_boost_db
    }
}

/// By how much (dB) the sum of `filters` passes the config's ceilings at worst, checked every
/// 1/96 octave from 20 Hz to Nyquist and just above `max_boost_hz`; 0 or less when it passes none.
pub fn ceiling_excess_db(filters: &[FilterSpec], cfg: &FitConfig) -> f64 {
    let grid = check_grid(cfg);
    let sum = response_db(filters, &grid, cfg.sample_rate);
    grid.iter()
        .zip(&sum)
        .filter_map(|(&f, s)| ceiling_for(f, cfg).map(|c| s - c))
        .fold(f64::NEG_INFINITY, f64::max)
}

/// Whether the printed `params` keep to the config's ceilings (to within the tolerance).
fn holds(cfg: &FitConfig, params: &[Param]) -> bool {
    let specs: Vec<FilterSpec> = params.iter().map(Param::spec).collect();
    ceiling_excess_db(&specs, cfg) <= CEILING_TOLERANCE_DB
}

/// Ceiling weights tried in turn by [`enforce_ceilings`] (against 1 per fitted point in the band).
const HARD_CEILING_WEIGHTS: [f64; 7] = [30.0, 1e2, 3e2, 1e3, 3e3, 1e4, 1e5];

/// Makes the ceilings hold (see [`FitConfig::hard_ceilings`]) when the penalty let the sum
/// through: the set is refined again with the ceilings on [`check_grid`] too, each heavier in
/// turn, so the other filters make up what the offending ones give back and the fit loses the
/// least; should that not do, the boosts are scaled down together until it holds (at no boost
/// the sum is at most 0 dB everywhere: cuts and a cutting high shelf never rise above it).
fn enforce_ceilings(problem: &Problem, params: &mut [Param]) {
    let cfg = &problem.cfg;
    let excess = |p: &[Param]| {
        let specs: Vec<FilterSpec> = p.iter().map(Param::spec).collect();
        ceiling_excess_db(&specs, cfg)
    };
    if excess(params) <= CEILING_TOLERANCE_DB {
        return;
    }
    for weight in HARD_CEILING_WEIGHTS {
        problem
            .with_check_ceilings(weight)
            .refine(params, FINAL_ITERS);
        if excess(params) <= CEILING_TOLERANCE_DB {
            return;
        }
    }
    // Bisection on the share of every boost kept: 0 holds, so `lo` always does.
    let boosted = params.to_vec();
    let scaled = |t: f64| -> Vec<Param> {
        let mut p = boosted.clone();
        for x in p.iter_mut().filter(|x| x.gain_db > 0.0) {
            x.gain_db *= t;
        }
        p
    };
    let (mut lo, mut hi) = (0.0, 1.0);
    for _ in 0..30 {
        let mid = (lo + hi) / 2.0;
        if excess(&scaled(mid)) <= CEILING_TOLERANCE_DB {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    params.copy_from_slice(&scaled(lo));
}

fn ceiling_at(f_hz: f64, cfg: &FitConfig) -> bool {
    f_hz > cfg.max_boost_hz
}

/// Weight of a boost above `max_boost_hz`: ten times an error in the band, so it all but vanishes.
const CEILING_WEIGHT: f64 = 10.0;

/// Weight of the small penalty on each filter's gain² (per dB², against a sum of squared errors
/// over ~330 points): it keeps two large filters from cancelling each other for a hair's gain.
const GAIN_PENALTY: f64 = 0.05;

/// One filter's free parameters, in the coordinates the optimiser moves.
#[derive(Debug, Clone, Copy)]
struct Param {
    kind: FilterKind,
    ln_fc: f64,
    gain_db: f64,
    ln_q: f64,
}

impl Param {
    fn new(kind: FilterKind, fc_hz: f64, gain_db: f64, q: f64) -> Self {
        Self {
            kind,
            ln_fc: fc_hz.ln(),
            gain_db,
            ln_q: q.ln(),
        }
    }

    fn spec(&self) -> FilterSpec {
        // Rounded as a person writes them (1 Hz, 0.01 dB, 0.001 Q), so printed values are exact:
        // dividing by the integer scale gives the double nearest the decimal (1.88, where
        // multiplying by 0.01 gives 1.8800000000000001).
        let round = |v: f64, per_unit: f64| (v * per_unit).round() / per_unit;
        FilterSpec::new(
            self.kind,
            round(self.ln_fc.exp(), 1.0),
            round(self.gain_db, 100.0),
            round(self.ln_q.exp(), 1000.0),
        )
    }

    /// Whether `other` is the same filter but for its gain (same kind, fc within 1 %, Q within
    /// 5 %): twins, see [`merge_twins`].
    fn is_twin(&self, other: &Param) -> bool {
        self.kind == other.kind
            && (self.ln_fc - other.ln_fc).abs() < 0.01
            && (self.ln_q - other.ln_q).abs() < 0.05
    }

    /// Moves parameter `i` (0: ln fc, 1: gain, 2: ln Q) by `d`.
    fn nudge(&mut self, i: usize, d: f64) {
        *[&mut self.ln_fc, &mut self.gain_db, &mut self.ln_q][i] += d;
    }

    /// Projects onto the constraints.
    fn clamp(&mut self, cfg: &FitConfig) {
        let g = cfg.max_gain_db;
        let (fc, q): ((f64, f64), (f64, f64)) = match self.kind {
            FilterKind::LowShelf => ((20.0, 2_000.0), (0.4, 1.0)),
            FilterKind::HighShelf => ((1_000.0, 16_000.0), (0.4, 1.0)),
            _ => ((20.0, cfg.max_boost_hz), (0.2, cfg.max_q)),
        };
        self.ln_fc = self.ln_fc.clamp(fc.0.ln(), fc.1.ln());
        self.ln_q = self.ln_q.clamp(q.0.ln(), q.1.ln());
        let hi = if self.kind == FilterKind::HighShelf {
            0.0
        } else {
            g
        };
        self.gain_db = self.gain_db.clamp(-g, hi);
    }
}

/// Trigonometry of each grid point, computed once: the closed-form magnitude then needs none.
struct Grid {
    /// (cos w, cos 2w, sin w, sin 2w) per frequency.
    trig: Vec<[f64; 4]>,
    freqs_hz: Vec<f64>,
    sample_rate: f64,
}

impl Grid {
    fn new(freqs_hz: &[f64], sample_rate: f64) -> Self {
        let trig = freqs_hz
            .iter()
            .map(|&f| {
                let w = 2.0 * PI * f / sample_rate;
                [w.cos(), (2.0 * w).cos(), w.sin(), (2.0 * w).sin()]
            })
            .collect();
        Self {
            trig,
            freqs_hz: freqs_hz.to_vec(),
            sample_rate,
        }
    }

    /// Adds the filter's response (dB) to `out`; a filter that cannot exist here adds nothing.
    fn add_db(&self, spec: &FilterSpec, out: &mut [f64]) {
        let Ok(c) = spec.coefficients(self.sample_rate) else {
            return;
        };
        for (o, t) in out.iter_mut().zip(&self.trig) {
            *o += db_at(&c, t);
        }
    }

    /// [`Grid::filter_db`] at the points `rows` only (the same values there).
    fn filter_db_at(&self, p: &Param, rows: &[usize]) -> Vec<f64> {
        let spec = FilterSpec::new(p.kind, p.ln_fc.exp(), p.gain_db, p.ln_q.exp());
        let Ok(c) = spec.coefficients(self.sample_rate) else {
            return vec![0.0; rows.len()];
        };
        rows.iter().map(|&i| db_at(&c, &self.trig[i])).collect()
    }

    fn filter_db(&self, p: &Param) -> Vec<f64> {
        let mut out = vec![0.0; self.trig.len()];
        // Unrounded: the optimiser needs a smooth function.
        let spec = FilterSpec::new(p.kind, p.ln_fc.exp(), p.gain_db, p.ln_q.exp());
        self.add_db(&spec, &mut out);
        out
    }
}

/// |H| in dB of the biquad `c` at one grid point's trigonometry (closed form).
fn db_at(c: &Coefficients, t: &[f64; 4]) -> f64 {
    let nr = c.b0 + c.b1 * t[0] + c.b2 * t[1];
    let ni = c.b1 * t[2] + c.b2 * t[3];
    let dr = 1.0 + c.a1 * t[0] + c.a2 * t[1];
    let di = c.a1 * t[2] + c.a2 * t[3];
    10.0 * ((nr * nr + ni * ni) / (dr * dr + di * di)).log10()
}

struct Problem {
    grid: Grid,
    curve: Vec<f64>,
    weights: Vec<f64>,
    /// Points where only a ceiling applies (0 dB above `max_boost_hz`, `max_total_boost_db` in
    /// the band): the filters' sum may not rise above it.
    ceiling: Vec<Option<f64>>,
    cfg: FitConfig,
}

impl Problem {
    /// This problem with the ceilings also on every point of [`check_grid`], and every ceiling
    /// point weighted `weight`: the hard limits' last resort ([`enforce_ceilings`]).
    fn with_check_ceilings(&self, weight: f64) -> Problem {
        let mut freqs = self.grid.freqs_hz.clone();
        let mut curve = self.curve.clone();
        let mut ceiling = self.ceiling.clone();
        for f in check_grid(&self.cfg) {
            if let Some(c) = ceiling_for(f, &self.cfg) {
                freqs.push(f);
                curve.push(0.0);
                ceiling.push(Some(c));
            }
        }
        let weights = (0..freqs.len())
            .map(|i| match ceiling[i] {
                Some(_) => weight,
                None => self.weights[i],
            })
            .collect();
        Problem {
            grid: Grid::new(&freqs, self.cfg.sample_rate),
            curve,
            weights,
            ceiling,
            cfg: self.cfg.clone(),
        }
    }

    /// RMS error over the band of the fitted points, mean offset removed (as [`fit_error`], on
    /// the points the optimiser works on).
    fn band_rms(&self, params: &[Param]) -> f64 {
        let r = self.residual(params);
        let (lo, hi) = self.cfg.band_hz;
        let e: Vec<f64> = r
            .iter()
            .zip(&self.grid.freqs_hz)
            .zip(&self.ceiling)
            .filter(|((_, f), c)| c.is_none() && (lo..=hi).contains(*f))
            .map(|((r, _), _)| *r)
            .collect();
        let mean = e.iter().sum::<f64>() / e.len().max(1) as f64;
        (e.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / e.len().max(1) as f64).sqrt()
    }

    /// Where a swap may place its filter: where the weighted residual is largest, and where it is
    /// largest within the band (the treble's small weight can win over a bass left unfitted).
    fn candidates(&self, r: &[f64]) -> Vec<Param> {
        let (lo, hi) = self.cfg.band_hz;
        let in_band: Vec<f64> = r
            .iter()
            .zip(&self.grid.freqs_hz)
            .map(|(r, f)| if (lo..=hi).contains(f) { *r } else { 0.0 })
            .collect();
        let mut out: Vec<Param> = self.next_peak(r).into_iter().collect();
        if let Some(p) = self.next_peak(&in_band) {
            if !out.iter().any(|o| (o.ln_fc - p.ln_fc).abs() < 0.01) {
                out.push(p);
            }
        }
        out
    }

    /// Indices of `params`, the filter whose removal raises the cost least first.
    fn least_useful_first(&self, params: &[Param]) -> Vec<usize> {
        let mut loss: Vec<(usize, f64)> = (0..params.len())
            .map(|k| {
                let mut rest = params.to_vec();
                rest.remove(k);
                (k, self.cost(&self.residual(&rest), &rest))
            })
            .collect();
        loss.sort_by(|a, b| a.1.total_cmp(&b.1));
        loss.into_iter().map(|(k, _)| k).collect()
    }

    fn mean_between(&self, v: &[f64], lo: f64, hi: f64) -> f64 {
        let pts: Vec<f64> = self
            .grid
            .freqs_hz
            .iter()
            .zip(v)
            .zip(&self.ceiling)
            .filter(|((f, _), c)| c.is_none() && (lo..=hi).contains(*f))
            .map(|((_, v), _)| *v)
            .collect();
        if pts.is_empty() {
            0.0
        } else {
            pts.iter().sum::<f64>() / pts.len() as f64
        }
    }

    /// curve − filters; at ceiling points min(0, ceiling − filters). Also whether each ceiling
    /// point is active (the filters boost there), for the Jacobian.
    fn residuals(&self, responses: &[Vec<f64>]) -> (Vec<f64>, Vec<bool>) {
        let mut sum = vec![0.0; self.curve.len()];
        for resp in responses {
            for (s, d) in sum.iter_mut().zip(resp) {
                *s += d;
            }
        }
        let active: Vec<bool> = sum
            .iter()
            .zip(&self.ceiling)
            .map(|(s, c)| c.is_some_and(|c| *s > c))
            .collect();
        let r = (0..sum.len())
            .map(|i| match (self.ceiling[i], active[i]) {
                (Some(c), true) => c - sum[i],
                (Some(_), false) => 0.0,
                (None, _) => self.curve[i] - sum[i],
            })
            .collect();
        (r, active)
    }

    fn residual(&self, params: &[Param]) -> Vec<f64> {
        let responses: Vec<Vec<f64>> = params.iter().map(|p| self.grid.filter_db(p)).collect();
        self.residuals(&responses).0
    }

    fn cost(&self, r: &[f64], params: &[Param]) -> f64 {
        let fit: f64 = r.iter().zip(&self.weights).map(|(r, w)| w * r * r).sum();
        fit + GAIN_PENALTY * params.iter().map(|p| p.gain_db * p.gain_db).sum::<f64>()
    }

    /// A peaking filter where the weighted residual is largest, `None` when nothing is left.
    fn next_peak(&self, r: &[f64]) -> Option<Param> {
        let f = &self.grid.freqs_hz;
        let (i, _) = r
            .iter()
            .zip(&self.weights)
            .enumerate()
            .filter(|(i, _)| self.ceiling[*i].is_none())
            .map(|(i, (r, w))| (i, (r * w).abs()))
            .max_by(|a, b| a.1.total_cmp(&b.1))?;
        let peak = r[i];
        if peak.abs() < 0.05 {
            return None;
        }
        // Width at half height (same sign), in octaves, gives Q = 1 / (2 sinh(ln2/2 · BW)).
        let half = |j: usize| r[j] * peak.signum() > peak.abs() / 2.0;
        let mut lo = i;
        while lo > 0 && half(lo - 1) {
            lo -= 1;
        }
        let mut hi = i;
        while hi + 1 < r.len() && half(hi + 1) {
            hi += 1;
        }
        let bw_oct = ((f[hi] / f[lo]).log2()).max(0.05);
        let q = 1.0 / (2.0 * (std::f64::consts::LN_2 / 2.0 * bw_oct).sinh());
        let mut p = Param::new(FilterKind::Peaking, f[i], peak, q);
        p.clamp(&self.cfg);
        Some(p)
    }

    /// The Jacobian of the model at the points `rows` (columns: each filter's 3 parameters, by
    /// forward differences from `responses`), and each column weighted by the points' weights.
    fn jacobian(
        &self,
        params: &[Param],
        responses: &[Vec<f64>],
        rows: &[usize],
    ) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
        const STEPS: [f64; 3] = [1e-4, 1e-3, 1e-4];
        let mut jac = Vec::with_capacity(params.len() * 3);
        for (p, resp) in params.iter().zip(responses) {
            for (j, step) in STEPS.iter().enumerate() {
                let mut q = *p;
                q.nudge(j, *step);
                let d = self.grid.filter_db_at(&q, rows);
                jac.push(
                    rows.iter()
                        .zip(&d)
                        .map(|(&i, d)| (d - resp[i]) / step)
                        .collect::<Vec<f64>>(),
                );
            }
        }
        let wjac = jac
            .iter()
            .map(|col| {
                rows.iter()
                    .zip(col)
                    .map(|(&i, j)| self.weights[i] * j)
                    .collect()
            })
            .collect();
        (jac, wjac)
    }

    /// Levenberg–Marquardt on all filters (the level is anchored: see `fit`).
    fn refine(&self, params: &mut [Param], iters: usize) {
        pull_apart(params, &self.cfg);
        let np = params.len() * 3;
        let npts = self.curve.len();
        let mut responses: Vec<Vec<f64>> = params.iter().map(|p| self.grid.filter_db(p)).collect();
        let (mut r, mut active) = self.residuals(&responses);
        let mut cost = self.cost(&r, params);
        let mut lambda = 1e-2;
        for _ in 0..iters {
            // Only the points that count (every fitted point, and a ceiling point where the
            // filters pass it) enter the normal equations: the others' rows of the Jacobian are 0.
            // Summed in the same order as over every point, so the step is the same, for half the
            // work in a correction, whose +6 dB ceiling doubles the points.
            let rows: Vec<usize> = (0..npts)
                .filter(|&i| self.ceiling[i].is_none() || active[i])
                .collect();
            let (jac, wjac) = self.jacobian(params, &responses, &rows);
            let r_rows: Vec<f64> = rows.iter().map(|&i| r[i]).collect();
            let mut jtj = vec![vec![0.0; np]; np];
            let mut jtr = vec![0.0; np];
            for a in 0..np {
                for b in a..np {
                    let s: f64 = wjac[a].iter().zip(&jac[b]).map(|(x, y)| x * y).sum();
                    jtj[a][b] = s;
                    jtj[b][a] = s;
                }
                jtr[a] = wjac[a].iter().zip(&r_rows).map(|(x, y)| x * y).sum();
            }
            // The gain penalty's part of the normal equations (gain is parameter 1 of each filter).
            for (k, p) in params.iter().enumerate() {
                jtj[3 * k + 1][3 * k + 1] += GAIN_PENALTY;
                jtr[3 * k + 1] -= GAIN_PENALTY * p.gain_db;
            }
            let mut improved = false;
            for _ in 0..10 {
                let mut m = jtj.clone();
                for (i, row) in m.iter_mut().enumerate() {
                    row[i] += lambda * (jtj[i][i] + 1e-9);
                }
                let Some(step) = solve(m, jtr.clone()) else {
                    lambda *= 10.0;
                    continue;
                };
                let mut trial = params.to_vec();
                for (k, p) in trial.iter_mut().enumerate() {
                    for j in 0..3 {
                        p.nudge(j, step[3 * k + j]);
                    }
                    p.clamp(&self.cfg);
                }
                if !keep_apart(&mut trial, params, &self.cfg) {
                    lambda *= 4.0;
                    continue;
                }
                let trial_resp: Vec<Vec<f64>> =
                    trial.iter().map(|p| self.grid.filter_db(p)).collect();
                let (trial_r, trial_active) = self.residuals(&trial_resp);
                let trial_cost = self.cost(&trial_r, &trial);
                if trial_cost < cost {
                    let gain = (cost - trial_cost) / cost.max(1e-12);
                    params.copy_from_slice(&trial);
                    (responses, r, active, cost) = (trial_resp, trial_r, trial_active, trial_cost);
                    lambda = (lambda / 3.0).max(1e-7);
                    improved = gain > 1e-6;
                    break;
                }
                lambda *= 4.0;
            }
            if !improved {
                break;
            }
        }
    }
}

/// Solves the symmetric positive definite system `a x = b` by Cholesky; `None` if not SPD.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for j in 0..n {
        let d = a[j][j] - (0..j).map(|k| a[j][k] * a[j][k]).sum::<f64>();
        if d.is_nan() || d <= 0.0 {
            return None;
        }
        let d = d.sqrt();
        a[j][j] = d;
        for i in j + 1..n {
            let s = a[i][j] - (0..j).map(|k| a[i][k] * a[j][k]).sum::<f64>();
            a[i][j] = s / d;
        }
    }
    for i in 0..n {
        b[i] = (b[i] - (0..i).map(|k| a[i][k] * b[k]).sum::<f64>()) / a[i][i];
    }
    for i in (0..n).rev() {
        b[i] = (b[i] - (i + 1..n).map(|k| a[k][i] * b[k]).sum::<f64>()) / a[i][i];
    }
    Some(b)
}

#[cfg(test)]
#[path = "fit_tests.rs"]
mod tests;
