//! The one axis module every chart of `report.html` and `sweep.html` draws with: nice tick
//! steps for durations (minutes, hours, days) and for counts and shares, tick labels kept
//! inside the SVG's box and off each other, and the threshold under which a point rests on
//! few samples. Text widths are estimated (no font is read), so the bytes are the same on
//! every host; the browser test measures what Chromium really draws.

use std::fmt::Write;

/// Fewer samples than this: a point is drawn hollow and its n is shown.
pub(crate) const FEW: u64 = 10;

/// What a hollow marker means, for a chart's note.
pub(crate) const FEW_NOTE: &str = "A hollow marker rests on fewer than 10 samples (its n in the tooltip).";

/// A point's marker: filled, or hollow with its n when it rests on fewer than [`FEW`]
/// samples; `title` is its tooltip.
pub(crate) fn marker(x: f64, y: f64, colour: &str, n: u64, title: &str) -> String {
    let fill = if n < FEW { "#fff" } else { colour };
    format!(
        "<circle class=\"point\" data-n=\"{n}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"{fill}\" stroke=\"{colour}\" stroke-width=\"1.5\"><title>{title} (n={n})</title></circle>"
    )
}

const MINUTE: u64 = 60_000;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;

/// Tick steps for durations, smallest first.
const DURATION_STEPS: [u64; 22] = [
    MINUTE,
    2 * MINUTE,
    5 * MINUTE,
    10 * MINUTE,
    15 * MINUTE,
    30 * MINUTE,
    HOUR,
    2 * HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
    DAY,
    2 * DAY,
    7 * DAY,
    14 * DAY,
    28 * DAY,
    56 * DAY,
    91 * DAY,
    182 * DAY,
    364 * DAY,
    728 * DAY,
    1820 * DAY,
];

/// One tick: where (in the data's unit) and what it says.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tick {
    pub at: f64,
    pub label: String,
}

/// The estimated width of `s` at `size` px: a generous 0.62 em a character, so a label
/// placed by it fits whatever sans-serif face the browser picks.
pub(crate) fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * size * 0.62
}

/// A duration as a tick says it: whole days from a day up ("1d", "45d", "1d12h"), hours
/// and minutes below.
pub(crate) fn duration_label(ms: u64) -> String {
    let (d, h, m) = (ms / DAY, ms % DAY / HOUR, ms % HOUR / MINUTE);
    match (d, h, m) {
        (0, 0, 0) => "0".into(),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h{m:02}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d{h:02}h"),
    }
}

/// Ticks from 0 to at least `hi_ms`, at most `most` of them, at a step a person counts in.
pub(crate) fn duration_ticks(hi_ms: u64, most: usize) -> Vec<Tick> {
    let most = most.max(2) as u64;
    let step = DURATION_STEPS.into_iter().find(|s| hi_ms.div_ceil(*s) < most).unwrap_or_else(|| {
        let days = hi_ms.div_ceil(DAY).div_ceil(most - 1);
        days.max(1) * DAY
    });
    let n = hi_ms.div_ceil(step).max(1);
    (0..=n).map(|i| Tick { at: (i * step) as f64, label: duration_label(i * step) }).collect()
}

/// A step of 1, 2 or 5 times a power of ten giving at most `most` intervals over `span`.
pub(crate) fn nice_step(span: f64, most: usize) -> f64 {
    let raw = (span / most.max(1) as f64).max(f64::MIN_POSITIVE);
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * power).find(|s| *s >= raw).unwrap_or(10.0 * power)
}

/// Ticks covering `lo..=hi` for counts (or any plain number) at a nice step, with as
/// many decimals as the step needs; the range widens to whole steps.
pub(crate) fn count_ticks(lo: f64, hi: f64, most: usize) -> Vec<Tick> {
    let step = nice_step((hi - lo).max(1e-9), most);
    let decimals = if step >= 1.0 { 0 } else { (-step.log10().floor()) as usize };
    scaled_ticks(lo, hi, step, |v| format!("{:.*}", decimals, if v.abs() < step / 2.0 { 0.0 } else { v }))
}

fn scaled_ticks(lo: f64, hi: f64, step: f64, label: impl Fn(f64) -> String) -> Vec<Tick> {
    let (first, last) = ((lo / step).floor() as i64, (hi / step).ceil() as i64);
    (first..=last.max(first + 1))
        .map(|i| {
            let at = i as f64 * step;
            Tick { at, label: label(at) }
        })
        .collect()
}

/// Shares from 0 to 100%.
pub(crate) fn percent_ticks(most: usize) -> Vec<Tick> {
    scaled_ticks(0.0, 1.0, nice_step(1.0, most), |v| format!("{:.0}%", v * 100.0))
}

/// Ticks of a log duration axis between `lo_ms` and `hi_ms`.
pub(crate) fn log_duration_ticks(lo_ms: u64, hi_ms: u64) -> Vec<Tick> {
    [MINUTE, 10 * MINUTE, HOUR, 6 * HOUR, DAY, 7 * DAY, 28 * DAY, 91 * DAY, 364 * DAY]
        .into_iter()
        .filter(|t| *t >= lo_ms && *t <= hi_ms)
        .map(|t| Tick { at: t as f64, label: duration_label(t) })
        .collect()
}

/// The plot area inside an SVG of `w` × `h`: margins for the axes' labels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    pub w: f64,
    pub h: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

/// Axis text size.
const SIZE: f64 = 11.0;

impl Frame {
    /// The plot's right edge.
    pub fn x1(&self) -> f64 {
        self.w - self.right
    }

    /// The plot's bottom edge.
    pub fn y1(&self) -> f64 {
        self.h - self.bottom
    }

    /// `v` of `lo..hi` across the plot's width.
    pub fn x(&self, v: f64, lo: f64, hi: f64) -> f64 {
        let span = if hi > lo { hi - lo } else { 1.0 };
        self.left + (self.x1() - self.left) * ((v - lo) / span).clamp(0.0, 1.0)
    }

    /// `v` of `lo..hi` up the plot's height.
    pub fn y(&self, v: f64, lo: f64, hi: f64) -> f64 {
        let span = if hi > lo { hi - lo } else { 1.0 };
        self.y1() - (self.y1() - self.top) * ((v - lo) / span).clamp(0.0, 1.0)
    }

    /// The bottom axis: a grid line and a label per tick at `x(tick)`, labels that would
    /// touch the previous one left out, each kept inside the SVG; then the axis' title.
    pub fn x_axis(&self, ticks: &[Tick], x: impl Fn(f64) -> f64, title: &str) -> String {
        let mut o = format!(
            "<g class=\"axis x\"><line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#888\"/>",
            self.left,
            self.x1(),
            y = self.y1()
        );
        for t in ticks {
            let at = x(t.at);
            let _ = write!(
                o,
                "<line x1=\"{at:.1}\" y1=\"{:.1}\" x2=\"{at:.1}\" y2=\"{:.1}\" stroke=\"#eee\"/>",
                self.top,
                self.y1()
            );
        }
        o.push_str(&label_row(ticks.iter().map(|t| (x(t.at), t.label.as_str())), self.y1() + SIZE + 9.0, self.w));
        if !title.is_empty() {
            let _ = write!(
                o,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{SIZE}\" text-anchor=\"middle\" fill=\"#555\">{title}</text>",
                (self.left + self.x1()) / 2.0,
                self.y1() + 2.0 * SIZE + 14.0
            );
        }
        o.push_str("</g>");
        o
    }

    /// The left axis: a grid line and a right-aligned label per tick at `y(tick)`, labels
    /// too close to the previous one left out.
    pub fn y_axis(&self, ticks: &[Tick], y: impl Fn(f64) -> f64) -> String {
        let mut o = format!(
            "<g class=\"axis y\"><line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#888\"/>",
            self.top,
            self.y1(),
            x = self.left
        );
        let mut last = f64::INFINITY;
        for t in ticks {
            let at = y(t.at);
            let _ = write!(
                o,
                "<line x1=\"{:.1}\" y1=\"{at:.1}\" x2=\"{:.1}\" y2=\"{at:.1}\" stroke=\"#eee\"/>",
                self.left,
                self.x1()
            );
            if last - at >= SIZE + 3.0 {
                let _ = write!(
                    o,
                    "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{SIZE}\" text-anchor=\"end\">{}</text>",
                    self.left - 4.0,
                    at + SIZE / 2.0 - 1.0,
                    t.label
                );
                last = at;
            }
        }
        o.push_str("</g>");
        o
    }

    /// The left axis' title, turned a quarter up along it.
    pub fn y_title(&self, title: &str) -> String {
        format!(
            "<text transform=\"translate(12 {:.1}) rotate(-90)\" font-size=\"{SIZE}\" text-anchor=\"middle\" fill=\"#555\">{title}</text>",
            (self.top + self.y1()) / 2.0
        )
    }

    /// How many ticks fit across the plot for labels of about `chars` characters.
    pub fn x_ticks_fit(&self, chars: usize) -> usize {
        ((self.x1() - self.left) / (text_width(&"0".repeat(chars), SIZE) + 14.0)).floor().max(2.0) as usize
    }

    /// How many ticks fit up the plot.
    pub fn y_ticks_fit(&self) -> usize {
        ((self.y1() - self.top) / (SIZE * 2.5)).floor().max(2.0) as usize
    }
}

/// Labels centred on their x along one baseline, each kept inside `0..w`; an empty one,
/// or one that would touch the label before it, left out.
pub(crate) fn label_row<'l>(labels: impl Iterator<Item = (f64, &'l str)>, y: f64, w: f64) -> String {
    let mut o = String::new();
    let mut free_from = f64::NEG_INFINITY;
    for (x, label) in labels {
        let (text, from) = label_at(x, y, label, w);
        if !label.is_empty() && from >= free_from {
            o.push_str(&text);
            free_from = from + text_width(label, SIZE) + 6.0;
        }
    }
    o
}

/// A label centred on `x`, moved in to stay inside `0..w`; the text and its left edge.
fn label_at(x: f64, y: f64, label: &str, w: f64) -> (String, f64) {
    let half = text_width(label, SIZE) / 2.0;
    let (at, anchor, from) = if x - half < 1.0 {
        (1.0, "start", 1.0)
    } else if x + half > w - 1.0 {
        (w - 1.0, "end", w - 1.0 - 2.0 * half)
    } else {
        (x, "middle", x - half)
    };
    (format!("<text x=\"{at:.1}\" y=\"{y:.1}\" font-size=\"{SIZE}\" text-anchor=\"{anchor}\">{label}</text>"), from)
}

/// Labels placed one by one where they touch no label placed before: the first free
/// position of those offered, or none.
#[derive(Debug, Default)]
pub(crate) struct Placer {
    taken: Vec<(f64, f64, f64, f64)>,
}

impl Placer {
    /// Marks a box (left, top, right, bottom) as taken.
    pub fn take(&mut self, b: (f64, f64, f64, f64)) {
        self.taken.push(b);
    }

    /// The first of `at` (x, baseline y, anchor) where `label` at `size` fits inside
    /// `0..w` × `0..h` and touches nothing placed; it is then taken.
    pub fn place(
        &mut self,
        label: &str,
        size: f64,
        at: &[(f64, f64, &'static str)],
        (w, h): (f64, f64),
    ) -> Option<(f64, f64, &'static str)> {
        let tw = text_width(label, size);
        for (x, y, anchor) in at {
            let left = match *anchor {
                "end" => x - tw,
                "middle" => x - tw / 2.0,
                _ => *x,
            };
            let b = (left - 2.0, y - size - 1.0, left + tw + 2.0, y + size * 0.3 + 1.0);
            let inside = b.0 >= 0.0 && b.2 <= w && b.1 >= 0.0 && b.3 <= h;
            let clear = self.taken.iter().all(|t| b.2 <= t.0 || b.0 >= t.2 || b.3 <= t.1 || b.1 >= t.3);
            if inside && clear {
                self.taken.push(b);
                return Some((*x, *y, anchor));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_spans_are_ticked_in_days_and_short_ones_in_hours_or_minutes() {
        let labels = |t: Vec<Tick>| t.into_iter().map(|t| t.label).collect::<Vec<_>>();
        assert_eq!(labels(duration_ticks(308 * DAY, 8)), ["0", "56d", "112d", "168d", "224d", "280d", "336d"]);
        assert_eq!(labels(duration_ticks(3 * DAY + 6 * HOUR, 5)), ["0", "1d", "2d", "3d", "4d"]);
        assert_eq!(labels(duration_ticks(5 * HOUR, 6)), ["0", "1h", "2h", "3h", "4h", "5h"]);
        assert_eq!(labels(duration_ticks(25 * MINUTE, 4)), ["0", "10m", "20m", "30m"]);
        assert_eq!(duration_label(DAY + 12 * HOUR), "1d12h");
    }

    #[test]
    fn counts_and_shares_step_by_one_two_or_five() {
        assert_eq!(nice_step(71.0, 5), 20.0);
        assert_eq!(nice_step(0.3, 4), 0.1);
        let t = count_ticks(0.0, 71.0, 5);
        assert_eq!(t.iter().map(|t| t.label.as_str()).collect::<Vec<_>>(), ["0", "20", "40", "60", "80"]);
        let p = percent_ticks(4);
        assert_eq!(p.iter().map(|t| t.label.as_str()).collect::<Vec<_>>(), ["0%", "50%", "100%"]);
    }

    #[test]
    fn a_label_at_an_edge_is_moved_inside_and_crowded_labels_are_left_out() {
        let f = Frame { w: 1000.0, h: 200.0, left: 40.0, right: 10.0, top: 10.0, bottom: 30.0 };
        let (text, from) = label_at(995.0, 10.0, "195d12h", 1000.0);
        assert!(text.contains("text-anchor=\"end\"") && from + text_width("195d12h", SIZE) <= 999.0, "{text}");
        let ticks: Vec<Tick> = (0..100).map(|i| Tick { at: f64::from(i), label: format!("{i}d") }).collect();
        let axis = f.x_axis(&ticks, |v| f.x(v, 0.0, 99.0), "");
        let drawn = axis.matches("<text").count();
        assert!(drawn > 10 && drawn < 60, "{drawn} labels of 100 drawn");
        let mut p = Placer::default();
        assert!(p.place("abc", 11.0, &[(10.0, 20.0, "start")], (100.0, 100.0)).is_some());
        assert!(p.place("abc", 11.0, &[(12.0, 22.0, "start")], (100.0, 100.0)).is_none());
    }
}
