//! An IEM's deviation from a target: what a profile must reproduce.
//!
//! Definition (issue 13): the measurement minus the target (Harman in-ear 2019 v2 by default), both
//! interpolated to AutoEq's standard grid and normalised to 0 dB over 500 Hz–2 kHz. The mean offset
//! is removed when judging a fit ([`super::fit::fit_error`]): a constant level is a preamp, not a
//! tuning. Pure functions on slices; reading files is `io::measurement`'s job.

/// AutoEq's standard frequency grid: 20·1.01^n Hz, n = 0..695 (20 Hz … 19.96 kHz).
pub fn standard_grid() -> Vec<f64> {
    (0..695).map(|n| 20.0 * 1.01f64.powi(n)).collect()
}

/// The band the level is normalised over (Hz).
pub const NORMALISE_BAND_HZ: (f64, f64) = (500.0, 2_000.0);

/// The band a fit is judged on (Hz).
pub const ERROR_BAND_HZ: (f64, f64) = (20.0, 10_000.0);

/// `db` (at ascending `freqs_hz`) at each of `grid_hz`, linear in log frequency; held flat beyond
/// the measured range.
pub fn interpolate(freqs_hz: &[f64], db: &[f64], grid_hz: &[f64]) -> Vec<f64> {
    let n = freqs_hz.len().min(db.len());
    if n == 0 {
        return vec![0.0; grid_hz.len()];
    }
    grid_hz
        .iter()
        .map(|&g| {
            let i = freqs_hz[..n].partition_point(|&f| f < g);
            if i == 0 {
                db[0]
            } else if i >= n {
                db[n - 1]
            } else {
                let (f0, f1) = (freqs_hz[i - 1].ln(), freqs_hz[i].ln());
                let t = if f1 > f0 {
                    (g.ln() - f0) / (f1 - f0)
                } else {
                    0.0
                };
                db[i - 1] + t * (db[i] - db[i - 1])
            }
        })
        .collect()
}

/// `db` shifted so its mean over [`NORMALISE_BAND_HZ`] is 0 dB (unchanged if no point lies there).
pub fn normalise(freqs_hz: &[f64], db: &[f64]) -> Vec<f64> {
    let band: Vec<f64> = freqs_hz
        .iter()
        .zip(db)
        .filter(|(f, _)| (NORMALISE_BAND_HZ.0..=NORMALISE_BAND_HZ.1).contains(*f))
        .map(|(_, v)| *v)
        .collect();
    let mean = band.iter().sum::<f64>() / band.len().max(1) as f64;
    db.iter().map(|v| v - mean).collect()
}

/// Measurement minus target on the standard grid, both normalised: the curve a profile of this IEM
/// reproduces. Its negation is the correction EQ.
pub fn deviation(measured: (&[f64], &[f64]), target: (&[f64], &[f64])) -> (Vec<f64>, Vec<f64>) {
    let grid = standard_grid();
    let m = normalise(&grid, &interpolate(measured.0, measured.1, &grid));
    let t = normalise(&grid, &interpolate(target.0, target.1, &grid));
    let d = m.iter().zip(&t).map(|(a, b)| a - b).collect();
    (grid, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_matches_autoeqs_published_end_points() {
        let g = standard_grid();
        assert_eq!(g.len(), 695);
        // AutoEq CSVs print these as 20.00, 20.20 and 19955.54.
        assert!((g[1] - 20.20).abs() < 0.005 && (g[694] - 19_955.54).abs() < 0.005);
    }

    #[test]
    fn interpolation_is_linear_in_log_frequency_and_flat_outside() {
        let v = interpolate(&[100.0, 1000.0], &[0.0, 10.0], &[50.0, 316.227_766, 2000.0]);
        assert!((v[0] - 0.0).abs() < 1e-12 && (v[2] - 10.0).abs() < 1e-12);
        assert!((v[1] - 5.0).abs() < 1e-6, "{v:?}");
    }

    #[test]
    fn deviation_ignores_level_and_keeps_shape() {
        let f = standard_grid();
        let target: Vec<f64> = f.iter().map(|x| (x / 100.0).log10()).collect();
        // The same curve, 20 dB louder, with +6 dB below 100 Hz.
        let m: Vec<f64> = target
            .iter()
            .zip(&f)
            .map(|(t, x)| t + 20.0 + if *x < 100.0 { 6.0 } else { 0.0 })
            .collect();
        let (_, d) = deviation((&f, &m), (&f, &target));
        assert!(d.iter().zip(&f).all(|(d, x)| if *x < 100.0 {
            (d - 6.0).abs() < 1e-9
        } else {
            d.abs() < 1e-9
        }));
    }
}
