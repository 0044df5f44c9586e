//! The figures of one `report.json`, family by family: each a report field read as it is
//! (no figure is computed here), with whether higher is better and, for a percentile, how
//! many samples it is of.

use super::{Better, CompareError, Family, Figure, Value};
use serde_json::{Map, Value as Json};

/// The figures of one report: its scenario's identity and every family it has.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub path: String,
    pub schema: String,
    pub name: String,
    pub hash: String,
    /// The families present, in [`Family::ALL`]'s order, each with its figures.
    pub families: Vec<(Family, Vec<Figure>)>,
}

impl Figures {
    pub fn family(&self, f: Family) -> Option<&[Figure]> {
        self.families.iter().find(|(g, _)| *g == f).map(|(_, v)| v.as_slice())
    }
}

/// Reads figures out of a report, noting every one that is absent or not of its type.
struct Reader<'v> {
    v: &'v Json,
    missing: Vec<String>,
    family: Family,
    out: Vec<Figure>,
}

impl<'v> Reader<'v> {
    fn get(&mut self, pointer: &str) -> Option<&'v Json> {
        let found = self.v.pointer(pointer).filter(|v| !v.is_null());
        if found.is_none() {
            self.missing.push(pointer.to_string());
        }
        found
    }

    fn text(&mut self, pointer: &str) -> String {
        match self.get(pointer).map(Json::as_str) {
            Some(Some(s)) => s.to_string(),
            Some(None) => {
                self.missing.push(pointer.to_string());
                String::new()
            }
            None => String::new(),
        }
    }

    fn object(&mut self, pointer: &str) -> Option<&'v Map<String, Json>> {
        match self.v.pointer(pointer).and_then(Json::as_object) {
            Some(o) => Some(o),
            None => {
                self.missing.push(pointer.to_string());
                None
            }
        }
    }

    fn array(&mut self, pointer: &str) -> &'v [Json] {
        match self.v.pointer(pointer).and_then(Json::as_array) {
            Some(a) => a,
            None => {
                self.missing.push(pointer.to_string());
                &[]
            }
        }
    }

    fn push(&mut self, metric: String, value: Value, better: Better, samples: Option<u64>) {
        self.out.push(Figure { family: self.family, metric, value, better, samples });
    }

    fn ratio(&mut self, metric: String, pointer: &str, better: Better) {
        match self.get(pointer).map(Json::as_f64) {
            Some(Some(x)) if (0.0..=1.0).contains(&x) => self.push(metric, Value::Ratio(x), better, None),
            Some(Some(x)) => self.missing.push(format!("{pointer} (not a share in [0, 1]: {x})")),
            Some(None) => self.missing.push(pointer.to_string()),
            None => {}
        }
    }

    fn count(&mut self, metric: String, pointer: &str, better: Better) {
        if let Some(n) = self.whole(pointer) {
            self.push(metric, Value::Count(n), better, None);
        }
    }

    /// A whole number at `pointer`, noted missing if absent or not one.
    fn whole(&mut self, pointer: &str) -> Option<u64> {
        match self.get(pointer).map(Json::as_u64) {
            Some(Some(n)) => Some(n),
            Some(None) => {
                self.missing.push(pointer.to_string());
                None
            }
            None => None,
        }
    }

    /// Durations `{stat}_ms` at `pointer` (a latency table's `p90`, a margin's `p5`), each
    /// a percentile of the `samples` at `count`.
    /// A margin (`signed`) may be negative; a time taken may not.
    fn quantiles(&mut self, metric: &str, pointer: &str, count: &str, stats: &[&str], better: Better, signed: bool) {
        let samples = self.whole(&format!("{pointer}/{count}"));
        for stat in stats {
            let at = format!("{pointer}/{stat}_ms");
            match (self.get(&at).map(Json::as_i64), samples) {
                (Some(Some(ms)), _) if ms < 0 && !signed => {
                    self.missing.push(format!("{at} (a negative duration: {ms})"))
                }
                (Some(Some(ms)), Some(n)) => {
                    self.push(format!("{metric} {stat}"), Value::Duration(ms), better, Some(n))
                }
                (Some(None), _) => self.missing.push(at),
                _ => {}
            }
        }
    }

    /// Percentiles `stats` (`p90`) of the latency table at `pointer`, each of its `count`.
    fn percentiles(&mut self, metric: &str, pointer: &str, stats: &[&str], better: Better) {
        self.quantiles(metric, pointer, "count", stats, better, false);
    }
}

/// A JSON pointer's token for a key (`/` and `~` escaped).
fn token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

const LATENCY: [&str; 2] = ["time_to_acknowledge", "time_to_fulfil"];

fn latency(r: &mut Reader<'_>) {
    for table in LATENCY {
        r.percentiles(table, &format!("/latency/{table}/overall"), &["p50", "p90", "p95", "p99"], Better::Lower);
        let at = format!("/latency/{table}/by_kind");
        for kind in r.object(&at).map(|o| o.keys().collect::<Vec<_>>()).unwrap_or_default() {
            let pointer = format!("{at}/{}", token(kind));
            r.percentiles(&format!("{table}{{kind={kind}}}"), &pointer, &["p90"], Better::Lower);
        }
    }
}

/// `name`, then `name{by=key}` for each key of the object at `at`: the ratio at `field`.
fn ratios_by(r: &mut Reader<'_>, name: &str, at: &str, overall: &str, groups: &[(&str, &str)], field: &str) {
    r.ratio(name.to_string(), &format!("{at}/{overall}/{field}"), Better::Higher);
    for (group, label) in groups {
        let pointer = format!("{at}/{group}");
        for key in r.object(&pointer).map(|o| o.keys().collect::<Vec<_>>()).unwrap_or_default() {
            let metric = format!("{name}{{{label}={key}}}");
            r.ratio(metric, &format!("{pointer}/{}/{field}", token(key)), Better::Higher);
        }
    }
}

fn outcomes(r: &mut Reader<'_>) {
    let groups = [("by_kind", "kind"), ("by_region", "region")];
    ratios_by(r, "success_ratio", "/outcomes", "overall", &groups, "success_ratio");
}

fn sla(r: &mut Reader<'_>) {
    ratios_by(r, "within_sla", "/sla", "overall", &[("by_kind", "kind")], "ratio");
}

fn thresholds(r: &mut Reader<'_>) {
    for (i, t) in r.array("/thresholds").iter().enumerate() {
        let name = t.get("threshold").and_then(Json::as_str);
        let passed = t.get("passed").and_then(Json::as_bool);
        let value = t.get("value").and_then(Json::as_str);
        match (name, passed, value) {
            (Some(name), Some(passed), Some(value)) => {
                let v = Value::Threshold { passed, value: value.to_string() };
                r.push(name.to_string(), v, Better::Higher, None);
            }
            _ => r.missing.push(format!("/thresholds/{i}")),
        }
    }
}

fn coverage(r: &mut Reader<'_>) {
    for (i, s) in r.array("/coverage/states").iter().enumerate() {
        match s.get("code").and_then(Json::as_str) {
            Some(code) => r.ratio(
                format!("staffed_share{{state={code}}}"),
                &format!("/coverage/states/{i}/staffed_share"),
                Better::Higher,
            ),
            None => r.missing.push(format!("/coverage/states/{i}/code")),
        }
    }
}

fn evidence(r: &mut Reader<'_>) {
    r.ratio("disclosed_ratio".into(), "/evidence/disclosed_ratio", Better::Higher);
    r.ratio("hold_lapsed_ratio".into(), "/evidence/hold_lapsed_ratio", Better::Lower);
    let at = "/evidence/time_to_usable_evidence/overall";
    r.percentiles("time_to_usable_evidence", at, &["p50", "p90", "p95"], Better::Lower);
    r.quantiles("hold_margin", "/evidence/hold_margin", "requests", &["p5", "p50"], Better::Higher, true);
}

fn desks(r: &mut Reader<'_>) {
    for (i, d) in r.array("/desks").iter().enumerate() {
        let (Some(state), Some(desk)) = (d.get("state").and_then(Json::as_str), d.get("desk").and_then(Json::as_str))
        else {
            r.missing.push(format!("/desks/{i}/state"));
            continue;
        };
        let name = format!("desk{{state={state},desk={desk}}}");
        r.ratio(format!("{name} waited_share"), &format!("/desks/{i}/waited_share"), Better::Lower);
        r.percentiles(&format!("{name} waiting"), &format!("/desks/{i}/waiting"), &["p90"], Better::Lower);
        r.percentiles(&format!("{name} working"), &format!("/desks/{i}/working"), &["p90"], Better::Lower);
    }
}

fn hubs(r: &mut Reader<'_>) {
    for (i, h) in r.array("/hubs").iter().enumerate() {
        let Some(hub) = h.get("hub").and_then(Json::as_str) else {
            r.missing.push(format!("/hubs/{i}/hub"));
            continue;
        };
        let name = format!("hub{{hub={hub}}}");
        let at = format!("/hubs/{i}/time_to_acknowledge");
        r.percentiles(&format!("{name} time_to_acknowledge"), &at, &["p50", "p90"], Better::Lower);
        let at = format!("/hubs/{i}/sooner_than_the_member");
        r.percentiles(&format!("{name} sooner_than_the_member"), &at, &["p50"], Better::Higher);
    }
}

fn ping_check(r: &mut Reader<'_>) {
    r.count("answered within_1h".into(), "/ping_check/answered/within_1h", Better::Higher);
    r.count("answered never".into(), "/ping_check/answered/never", Better::Lower);
    r.percentiles("time_to_answer", "/ping_check/time_to_answer", &["p50", "p90"], Better::Lower);
}

fn register_decay(r: &mut Reader<'_>) {
    r.ratio("first_sends_dead_share".into(), "/register_decay/first_sends_dead_share", Better::Lower);
    r.count("never_reached".into(), "/register_decay/never_reached", Better::Lower);
    r.percentiles("time_lost", "/register_decay/time_lost", &["p90"], Better::Lower);
    if r.v.pointer("/register_decay/with_current_register").is_some_and(|v| !v.is_null()) {
        let at = "/register_decay/with_current_register/lost_to_stale_entries";
        r.count("lost_to_stale_entries".into(), at, Better::Lower);
    }
}

fn forgery(r: &mut Reader<'_>) {
    r.count("forged requests accepted".into(), "/forgery/requests/accepted", Better::Lower);
    r.count("forged requests caught".into(), "/forgery/requests/caught", Better::Higher);
    r.count("forged_cases_accepted".into(), "/forgery/forged_cases_accepted", Better::Lower);
    r.percentiles("verification_time", "/forgery/verification_time", &["p90"], Better::Lower);
    if r.v.pointer("/forgery/without_verification").is_some_and(|v| !v.is_null()) {
        let at = "/forgery/without_verification";
        r.count("genuine_cases_lost".into(), &format!("{at}/genuine_cases_lost"), Better::Lower);
        let at = format!("{at}/added_to_genuine_emergencies");
        r.percentiles("added_to_genuine_emergencies", &at, &["p90"], Better::Lower);
    }
}

/// Each family's reader; a family marked `always` is in every report, the others only in
/// a report of a scenario that has them.
fn reader_of(f: Family) -> (bool, fn(&mut Reader<'_>)) {
    match f {
        Family::Latency => (true, latency),
        Family::Outcomes => (true, outcomes),
        Family::Sla => (true, sla),
        Family::Thresholds => (true, thresholds),
        Family::Coverage => (true, coverage),
        Family::Evidence => (false, evidence),
        Family::Desks => (false, desks),
        Family::Hubs => (false, hubs),
        Family::PingCheck => (false, ping_check),
        Family::RegisterDecay => (false, register_decay),
        Family::Forgery => (false, forgery),
    }
}

/// The figures of report `v` (named `path` in errors): all of them, or what is missing.
pub fn figures(path: &str, v: &Json) -> Result<Figures, CompareError> {
    let schema = match v.get("schema").and_then(Json::as_str) {
        Some(s) if s.starts_with("pocnet-report/") => s.to_string(),
        _ => return Err(CompareError::NotAReport(path.into())),
    };
    let mut r = Reader { v, missing: Vec::new(), family: Family::Latency, out: Vec::new() };
    let (name, hash) = (r.text("/scenario/name"), r.text("/scenario/hash"));
    let mut families = Vec::new();
    for family in Family::ALL {
        let (always, read) = reader_of(family);
        if !always && v.get(family.as_str()).is_none_or(Json::is_null) {
            continue;
        }
        r.family = family;
        read(&mut r);
        families.push((family, std::mem::take(&mut r.out)));
    }
    if !r.missing.is_empty() {
        return Err(CompareError::Missing { path: path.into(), missing: r.missing });
    }
    Ok(Figures { path: path.into(), schema, name, hash, families })
}
