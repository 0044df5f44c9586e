//! `pocnet fit`: one desk's records in, the model's parameters out. The arrival pattern
//! (rate by the desk's local hour and weekday, exact Poisson intervals), the time to
//! acknowledge by roster mode and the work time by kind, each fitted by every family of
//! [`stats`], the best by AIC, with intervals and a bootstrap goodness-of-fit test.
//!
//! - [`stats`]: the families, maximum likelihood, intervals, KS bootstrap;
//! - [`outputs`]: fit.toml, fit.json, fit.md; [`html`]: fit.html (projections of [`Fitted`]).

pub mod html;
pub mod outputs;
pub mod stats;

use crate::records::{hour_day, Record};
use pocnet_core::{Mode, RequestKind, SimTime, StateCode};
use stats::{Fit, Goodness};

/// Fewer durations than this: a figure is reported, not fitted.
pub const MIN_SAMPLE: usize = 20;
/// Fewer arrivals than this: no arrival pattern.
pub const MIN_ARRIVALS: usize = 20;
/// Longest span of records the arrival pattern counts hours over (five years).
const SPAN_HOURS_MAX: i64 = 5 * 366 * 24;
const HOUR_MS: i64 = 3_600_000;

/// One sample of durations and what was fitted to it.
#[derive(Debug, Clone)]
pub struct Figure {
    /// `acknowledge`, or `work`.
    pub what: &'static str,
    /// The roster mode (acknowledge) or the kind (work).
    pub group: String,
    pub sample: Vec<u64>,
    /// Every family's fit, best (lowest AIC) first; empty when too few durations.
    pub fits: Vec<Fit>,
    /// The best fit's goodness of fit.
    pub goodness: Option<Goodness>,
}

impl Figure {
    pub fn best(&self) -> Option<&Fit> {
        self.fits.first()
    }

    pub fn title(&self) -> String {
        match self.what {
            "acknowledge" => format!("time to acknowledge, {}", self.group),
            _ => format!("work time, {}", self.group),
        }
    }
}

/// Arrivals in one cell (a local hour, a weekday, or both).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cell {
    pub count: u64,
    /// Hours of observation that fell in the cell.
    pub hours: u64,
}

impl Cell {
    /// Arrivals an hour and its interval.
    pub fn rate(&self) -> Option<(f64, f64, f64)> {
        (self.hours > 0).then(|| {
            let (lo, hi) = stats::poisson_rate(self.count, self.hours as f64);
            (self.count as f64 / self.hours as f64, lo, hi)
        })
    }
}

/// The arrival pattern in the desk's local time.
#[derive(Debug, Clone)]
pub struct Arrivals {
    pub count: u64,
    pub hours: u64,
    /// `[weekday][hour]`, Monday first.
    pub cells: [[Cell; 24]; 7],
    /// Whether local time was known (else hours are UTC).
    pub local: bool,
}

impl Arrivals {
    pub fn by_hour(&self) -> [Cell; 24] {
        let mut out = [Cell::default(); 24];
        for day in &self.cells {
            for (h, c) in day.iter().enumerate() {
                out[h].count += c.count;
                out[h].hours += c.hours;
            }
        }
        out
    }

    pub fn by_weekday(&self) -> [Cell; 7] {
        let mut out = [Cell::default(); 7];
        for (d, day) in self.cells.iter().enumerate() {
            out[d] =
                day.iter().fold(Cell::default(), |a, c| Cell { count: a.count + c.count, hours: a.hours + c.hours });
        }
        out
    }

    /// Arrivals a day and its interval.
    pub fn per_day(&self) -> (f64, f64, f64) {
        let (lo, hi) = stats::poisson_rate(self.count, self.hours as f64);
        let rate = self.count as f64 / self.hours.max(1) as f64;
        (rate * 24.0, lo * 24.0, hi * 24.0)
    }
}

/// Everything `pocnet fit` found for one desk.
#[derive(Debug, Clone)]
pub struct Fitted {
    pub state: StateCode,
    pub records: usize,
    pub arrivals: Option<Arrivals>,
    pub acknowledge: Vec<Figure>,
    pub work: Vec<Figure>,
    pub resamples: usize,
}

impl Fitted {
    pub fn figures(&self) -> impl Iterator<Item = &Figure> {
        self.acknowledge.iter().chain(&self.work)
    }
}

/// Fits `state`'s records (those it received), with `resamples` bootstrap samples per test.
pub fn fit(records: &[Record], state: StateCode, resamples: usize, seed: u64) -> Fitted {
    let mine: Vec<&Record> = records.iter().filter(|r| r.to == state).collect();
    let modes = [Mode::Staffed, Mode::OnCall, Mode::Closed];
    let acknowledge = modes
        .iter()
        .filter_map(|m| {
            let sample: Vec<u64> =
                mine.iter().filter(|r| r.mode == Some(*m)).filter_map(|r| r.acknowledge_ms()).collect();
            (!sample.is_empty()).then(|| figure("acknowledge", crate::records::mode_name(*m), sample, resamples, seed))
        })
        .collect();
    let work = RequestKind::ALL
        .iter()
        .filter_map(|k| {
            let sample: Vec<u64> = mine.iter().filter(|r| r.kind == *k).filter_map(|r| r.work_ms()).collect();
            (!sample.is_empty()).then(|| figure("work", k.as_str(), sample, resamples, seed))
        })
        .collect();
    Fitted { state, records: mine.len(), arrivals: arrivals(&mine), acknowledge, work, resamples }
}

fn figure(what: &'static str, group: &str, sample: Vec<u64>, resamples: usize, seed: u64) -> Figure {
    if sample.len() < MIN_SAMPLE {
        return Figure { what, group: group.into(), sample, fits: vec![], goodness: None };
    }
    let fits = stats::fit_all(&sample);
    let goodness = fits.first().map(|f| stats::goodness(f, &sample, resamples, seed));
    Figure { what, group: group.into(), sample, fits, goodness }
}

/// Counts arrivals and hours of observation by local weekday and hour, from the first
/// arrival's hour to the last's; each hour's offset is the latest record's before it.
fn arrivals(mine: &[&Record]) -> Option<Arrivals> {
    if mine.len() < MIN_ARRIVALS {
        return None;
    }
    let mut sorted: Vec<&Record> = mine.to_vec();
    sorted.sort_by_key(|r| r.received);
    let first = sorted.first()?.received.0.div_euclid(HOUR_MS);
    let last = sorted.last()?.received.0.div_euclid(HOUR_MS);
    if last - first >= SPAN_HOURS_MAX {
        return None;
    }
    let local = sorted.iter().all(|r| r.offset_ms.is_some());
    let mut cells = [[Cell::default(); 24]; 7];
    let mut next = 0usize;
    let mut offset = sorted[0].offset_ms.unwrap_or(0);
    for hour in first..=last {
        while next < sorted.len() && sorted[next].received.0.div_euclid(HOUR_MS) <= hour {
            let r = sorted[next];
            offset = r.offset_ms.unwrap_or(0);
            let (h, d) = hour_day(SimTime(r.received.0 + offset));
            cells[d as usize][h as usize].count += 1;
            next += 1;
        }
        let (h, d) = hour_day(SimTime(hour * HOUR_MS + offset));
        cells[d as usize][h as usize].hours += 1;
    }
    let hours = (last - first + 1) as u64;
    Some(Arrivals { count: mine.len() as u64, hours, cells, local })
}
