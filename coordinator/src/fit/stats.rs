//! Fitting one sample of durations: maximum likelihood for each family people fit
//! (exponential, gamma, log-normal), the best by AIC, confidence intervals, and a
//! goodness-of-fit test by parametric bootstrap of the Kolmogorov-Smirnov distance (the
//! bootstrap refits each resample, so the test accounts for the fitted parameters).
//! Special functions and quantiles come from statrs.

use pocnet_core::Delay;
use rand::SeedableRng;
use statrs::distribution::{ChiSquared, Continuous, ContinuousCDF, Exp, Gamma, LogNormal, Normal, StudentsT};
use statrs::function::gamma::digamma;

/// Confidence level of every interval.
pub const LEVEL: f64 = 0.95;
/// z-score of the 90th percentile (the log-normal's p90 parameter).
const Z_P90: f64 = 1.281_551_565_544_600_5;

/// A family of distributions fitted by maximum likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Exponential,
    Gamma,
    LogNormal,
}

impl Family {
    pub const ALL: [Family; 3] = [Family::Exponential, Family::Gamma, Family::LogNormal];

    pub fn as_str(&self) -> &'static str {
        match self {
            Family::Exponential => "exponential",
            Family::Gamma => "gamma",
            Family::LogNormal => "log-normal",
        }
    }

    fn parameters(&self) -> usize {
        match self {
            Family::Exponential => 1,
            Family::Gamma | Family::LogNormal => 2,
        }
    }
}

/// One parameter with its confidence interval, in the scenario's units (ms, or none).
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: &'static str,
    pub value: f64,
    pub lo: f64,
    pub hi: f64,
}

/// A family's maximum-likelihood fit.
#[derive(Debug, Clone)]
pub struct Fit {
    pub family: Family,
    pub params: Vec<Param>,
    pub log_likelihood: f64,
    pub aic: f64,
    /// Natural parameters: exponential (mean), gamma (shape, scale), log-normal (mu, sigma).
    natural: (f64, f64),
}

impl Fit {
    /// The fitted distribution as a scenario's delay.
    pub fn delay(&self) -> Delay {
        let ms = |v: f64| v.round().clamp(1.0, pocnet_core::limits::DELAY_MS_MAX as f64) as u64;
        let (a, b) = self.natural;
        match self.family {
            Family::Exponential => Delay::Exponential { mean_ms: ms(a) },
            Family::Gamma => Delay::Gamma { shape: round_sig(a), mean_ms: ms(a * b) },
            Family::LogNormal => Delay::LogNormal { median_ms: ms(a.exp()), p90_ms: ms((a + Z_P90 * b).exp()) },
        }
    }

    pub fn cdf(&self, x: f64) -> f64 {
        let (a, b) = self.natural;
        match self.family {
            Family::Exponential => Exp::new(1.0 / a).map_or(0.0, |d| d.cdf(x)),
            Family::Gamma => Gamma::new(a, 1.0 / b).map_or(0.0, |d| d.cdf(x)),
            Family::LogNormal => LogNormal::new(a, b).map_or(0.0, |d| d.cdf(x.max(f64::MIN_POSITIVE))),
        }
    }

    pub fn pdf(&self, x: f64) -> f64 {
        let (a, b) = self.natural;
        let x = x.max(f64::MIN_POSITIVE);
        match self.family {
            Family::Exponential => Exp::new(1.0 / a).map_or(0.0, |d| d.pdf(x)),
            Family::Gamma => Gamma::new(a, 1.0 / b).map_or(0.0, |d| d.pdf(x)),
            Family::LogNormal => LogNormal::new(a, b).map_or(0.0, |d| d.pdf(x)),
        }
    }

    pub fn quantile(&self, p: f64) -> f64 {
        let (a, b) = self.natural;
        let p = p.clamp(1e-9, 1.0 - 1e-9);
        match self.family {
            Family::Exponential => -a * (1.0 - p).ln(),
            Family::Gamma => Gamma::new(a, 1.0 / b).map_or(0.0, |d| d.inverse_cdf(p)),
            Family::LogNormal => Normal::new(a, b).map_or(0.0, |d| d.inverse_cdf(p).exp()),
        }
    }
}

/// Four significant digits: a shape as a scenario writes it.
fn round_sig(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return v;
    }
    let scale = 10f64.powi(3 - v.log10().floor() as i32);
    (v * scale).round() / scale
}

/// Durations as the families see them: at least 1 ms (a log of zero has no likelihood).
fn positive(sample: &[u64]) -> Vec<f64> {
    sample.iter().map(|&x| (x as f64).max(1.0)).collect()
}

fn quantile_normal(p: f64) -> f64 {
    Normal::new(0.0, 1.0).map_or(1.96, |n| n.inverse_cdf(p))
}

/// The maximum-likelihood fit of `family` to `sample` (at least 2 values), with intervals.
pub fn fit(family: Family, sample: &[u64]) -> Option<Fit> {
    let x = positive(sample);
    let n = x.len() as f64;
    if x.len() < 2 {
        return None;
    }
    let mean = x.iter().sum::<f64>() / n;
    let mean_ln = x.iter().map(|v| v.ln()).sum::<f64>() / n;
    let z = quantile_normal(0.5 + LEVEL / 2.0);
    let (params, ll, natural) = match family {
        Family::Exponential => exponential(mean, n)?,
        Family::Gamma => gamma(&x, mean, mean_ln, n, z)?,
        Family::LogNormal => lognormal(&x, mean_ln, n, z)?,
    };
    let aic = 2.0 * family.parameters() as f64 - 2.0 * ll;
    Some(Fit { family, params, log_likelihood: ll, aic, natural })
}

type Fitted = (Vec<Param>, f64, (f64, f64));

/// Mean x̄; exact interval from 2n·x̄/mean ~ χ²(2n).
fn exponential(mean: f64, n: f64) -> Option<Fitted> {
    let chi = ChiSquared::new(2.0 * n).ok()?;
    let a = (1.0 - LEVEL) / 2.0;
    let (lo, hi) = (2.0 * n * mean / chi.inverse_cdf(1.0 - a), 2.0 * n * mean / chi.inverse_cdf(a));
    let ll = -n * mean.ln() - n;
    Some((vec![Param { name: "mean_ms", value: mean, lo, hi }], ll, (mean, 0.0)))
}

/// Shape by Newton's method on ln k − ψ(k) = ln x̄ − mean(ln x); mean x̄. Wald intervals
/// from the Fisher information (shape and mean are orthogonal): var(mean) = mean²/(n k),
/// var(k) = 1/(n (ψ′(k) − 1/k)), ψ′ by a central difference of statrs' digamma.
fn gamma(x: &[f64], mean: f64, mean_ln: f64, n: f64, z: f64) -> Option<Fitted> {
    let s = mean.ln() - mean_ln;
    if s.is_nan() || s <= 1e-12 {
        return None;
    }
    let mut k = (3.0 - s + ((s - 3.0).powi(2) + 24.0 * s).sqrt()) / (12.0 * s);
    for _ in 0..100 {
        let f = k.ln() - digamma(k) - s;
        let step = f / (1.0 / k - trigamma(k));
        let next = (k - step).max(k / 10.0);
        if (next - k).abs() < 1e-10 * k {
            k = next;
            break;
        }
        k = next;
    }
    if !(k.is_finite() && k > 0.0) {
        return None;
    }
    let scale = mean / k;
    let ll = x.iter().map(|v| (k - 1.0) * v.ln() - v / scale).sum::<f64>()
        - n * (k * scale.ln() + statrs::function::gamma::ln_gamma(k));
    let se_k = 1.0 / (n * (trigamma(k) - 1.0 / k)).sqrt();
    let se_m = mean / (n * k).sqrt();
    let params = vec![
        Param { name: "shape", value: k, lo: (k - z * se_k).max(0.0), hi: k + z * se_k },
        Param { name: "mean_ms", value: mean, lo: (mean - z * se_m).max(0.0), hi: mean + z * se_m },
    ];
    Some((params, ll, (k, scale)))
}

/// ψ′(k) by a central difference of statrs' digamma.
fn trigamma(k: f64) -> f64 {
    let h = 1e-4 * k.max(1e-3);
    (digamma(k + h) - digamma(k - h)) / (2.0 * h)
}

/// mu, sigma of ln x. The median's interval is Student's on mu; the p90's is Wald on
/// mu + z₉₀·sigma (variance sigma²/n + z₉₀²·sigma²/(2n)).
fn lognormal(x: &[f64], mu: f64, n: f64, z: f64) -> Option<Fitted> {
    let ss = x.iter().map(|v| (v.ln() - mu).powi(2)).sum::<f64>();
    let sigma = (ss / n).sqrt();
    if sigma.is_nan() || sigma <= 0.0 {
        return None;
    }
    let s_unbiased = (ss / (n - 1.0)).sqrt();
    let t = StudentsT::new(0.0, 1.0, n - 1.0).ok()?.inverse_cdf(0.5 + LEVEL / 2.0);
    let half = t * s_unbiased / n.sqrt();
    let q = mu + Z_P90 * sigma;
    let se_q = sigma * (1.0 / n + Z_P90 * Z_P90 / (2.0 * n)).sqrt();
    let ll = -x.iter().map(|v| v.ln()).sum::<f64>()
        - n * sigma.ln()
        - n * 0.5 * std::f64::consts::TAU.ln()
        - ss / (2.0 * sigma * sigma);
    let params = vec![
        Param { name: "median_ms", value: mu.exp(), lo: (mu - half).exp(), hi: (mu + half).exp() },
        Param { name: "p90_ms", value: q.exp(), lo: (q - z * se_q).exp(), hi: (q + z * se_q).exp() },
    ];
    Some((params, ll, (mu, sigma)))
}

/// The Kolmogorov-Smirnov distance between `sample` and the fit's distribution.
pub fn ks(fit: &Fit, sample: &[u64]) -> f64 {
    let mut x = positive(sample);
    x.sort_by(f64::total_cmp);
    let n = x.len() as f64;
    let mut d: f64 = 0.0;
    for (i, v) in x.iter().enumerate() {
        let f = fit.cdf(*v);
        d = d.max((i as f64 + 1.0) / n - f).max(f - i as f64 / n);
    }
    d
}

/// The goodness of fit: the KS distance and its p-value by parametric bootstrap
/// (`resamples` samples of the same size drawn from the fit, each refitted).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Goodness {
    pub ks: f64,
    pub p_value: f64,
    pub resamples: usize,
}

pub fn goodness(fit: &Fit, sample: &[u64], resamples: usize, seed: u64) -> Goodness {
    let d = ks(fit, sample);
    let delay = fit.delay();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut beyond = 0usize;
    for _ in 0..resamples {
        let draw: Vec<u64> = (0..sample.len()).map(|_| delay.sample(&mut rng)).collect();
        let d_star = self::fit(fit.family, &draw).map_or(f64::INFINITY, |f| ks(&f, &draw));
        if d_star >= d {
            beyond += 1;
        }
    }
    Goodness { ks: d, p_value: (beyond as f64 + 1.0) / (resamples as f64 + 1.0), resamples }
}

/// Every family's fit, best (lowest AIC) first.
pub fn fit_all(sample: &[u64]) -> Vec<Fit> {
    let mut fits: Vec<Fit> = Family::ALL.iter().filter_map(|f| fit(*f, sample)).filter(|f| f.aic.is_finite()).collect();
    fits.sort_by(|a, b| a.aic.total_cmp(&b.aic));
    fits
}

/// Garwood's exact interval for a Poisson count `c` over `exposure`: the rate's bounds.
pub fn poisson_rate(c: u64, exposure: f64) -> (f64, f64) {
    let a = (1.0 - LEVEL) / 2.0;
    let lo = if c == 0 { 0.0 } else { ChiSquared::new(2.0 * c as f64).map_or(0.0, |d| d.inverse_cdf(a) / 2.0) };
    let hi = ChiSquared::new(2.0 * c as f64 + 2.0).map_or(f64::INFINITY, |d| d.inverse_cdf(1.0 - a) / 2.0);
    (lo / exposure, hi / exposure)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn draws(d: &Delay, n: usize, seed: u64) -> Vec<u64> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        (0..n).map(|_| d.sample(&mut rng)).collect()
    }

    #[test]
    fn each_family_is_recovered_and_chosen_by_aic() {
        let cases = [
            (Delay::Exponential { mean_ms: 1_800_000 }, Family::Exponential),
            (Delay::Gamma { shape: 4.0, mean_ms: 3_600_000 }, Family::Gamma),
            (Delay::LogNormal { median_ms: 600_000, p90_ms: 3_600_000 }, Family::LogNormal),
        ];
        for (delay, family) in cases {
            let x = draws(&delay, 3000, 11);
            let fits = fit_all(&x);
            let best = &fits[0];
            // The exponential is the gamma of shape 1: the gamma may match it within the
            // one parameter AIC charges for, never by more.
            let truth = fits.iter().find(|f| f.family == family).expect("fitted");
            assert!(truth.aic - best.aic <= 2.0, "{delay:?}: {:?} best", best.family);
            if family != Family::Exponential {
                assert_eq!(best.family, family, "{delay:?}");
            }
            let g = goodness(best, &x, 49, 3);
            assert!(g.p_value > 0.01, "{delay:?}: {g:?}");
        }
    }

    #[test]
    fn the_exponential_mean_matches_a_hand_computation() {
        // 1, 2, 3, 4 s: mean 2.5 s; chi-square interval 2n·x̄/χ²(2n) at 0.975 and 0.025
        // for 2n = 8: 17.5345 and 2.1797 (tables).
        let f = fit(Family::Exponential, &[1000, 2000, 3000, 4000]).expect("fit");
        assert!((f.params[0].value - 2500.0).abs() < 1e-9);
        assert!((f.params[0].lo - 8.0 * 2500.0 / 17.5345).abs() < 1.0, "{:?}", f.params[0]);
        assert!((f.params[0].hi - 8.0 * 2500.0 / 2.1797).abs() < 5.0, "{:?}", f.params[0]);
    }

    #[test]
    fn a_wrong_family_fails_the_bootstrap_test() {
        let x = draws(&Delay::LogNormal { median_ms: 600_000, p90_ms: 6_000_000 }, 2000, 5);
        let f = fit(Family::Exponential, &x).expect("fit");
        assert!(goodness(&f, &x, 99, 1).p_value < 0.05);
    }

    #[test]
    fn poisson_interval_matches_tables() {
        // Garwood 95% for 10 events: 4.795 .. 18.390.
        let (lo, hi) = poisson_rate(10, 1.0);
        assert!((lo - 4.795).abs() < 0.01 && (hi - 18.390).abs() < 0.01, "{lo} {hi}");
    }
}
