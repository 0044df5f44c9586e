//! The scenario language of the other road to evidence: `[roads]`, `[[providers]]`,
//! `[[agreements]]`, an inject's `provider` and a generator's `providers`. The parsed model
//! carries each instrument's terms unless the file overrides them, each provider's desk
//! over its home state's zone and holidays, and the provider on each inject; hostile
//! inputs are refused where they are written.

mod common;

use pocnet::scenario::{self, Scenario, ScenarioError};
use pocnet_core::request::RequestKind;
use pocnet_core::road::{Instrument, Review};
use pocnet_core::roster::Mode;
use pocnet_core::{DataClass, Delay, ShiftEnd, StateCode};
use std::path::Path;

const H: u64 = 3_600_000;
const D: u64 = 24 * H;

fn code(s: &str) -> StateCode {
    StateCode::parse(s).expect("a code")
}

/// Three states (IRL with a holiday), one profile; `extra` adds the roads and injects.
fn scenario_with(extra: &str) -> String {
    format!(
        r#"[scenario]
name = "roads"
seed = 5
start = "2026-11-09T00:00:00Z"

[profiles.p]
acknowledge = {{ staffed = "10m", on_call = "30m" }}
fulfil = {{ staffed = "1h", on_call = "2h" }}
give_up_after = "30d"

[[states]]
code = "FRA"
name = "France"
region = "EU"
tz = "Europe/Paris"
roster = "staffed-24-7"
profile = "p"

[[states]]
code = "IRL"
name = "Ireland"
region = "EU"
tz = "Europe/Dublin"
roster = "office-hours-on-call"
holidays = ["2026-12-25"]
profile = "p"

[[states]]
code = "USA"
name = "United States of America"
region = "Americas"
tz = "America/New_York"
roster = "staffed-24-7"
profile = "p"

{extra}
"#
    )
}

fn parse(extra: &str) -> Result<Scenario, ScenarioError> {
    scenario::parse("roads.toml", &scenario_with(extra))
}

/// The one diagnostic of a file with one mistake: its line (in the whole file) and message.
fn one_error(extra: &str) -> (usize, String) {
    let e = parse(extra).expect_err("refused");
    assert_eq!(e.diagnostics.len(), 1, "one mistake, one error: {e}");
    let d = &e.diagnostics[0];
    (d.line, d.message.clone())
}

/// The line of the file (1-based) where `needle` first appears in `extra`.
fn line_of(extra: &str, needle: &str) -> usize {
    let text = scenario_with(extra);
    let at = text.find(needle).unwrap_or_else(|| panic!("`{needle}` in the file"));
    text[..at].matches('\n').count() + 1
}

const PROVIDER: &str = r#"
[[providers]]
name = "mailco-ie"
home = "IRL"
"#;

#[test]
fn the_instruments_give_the_terms_and_the_file_overrides_them() {
    let extra = format!(
        r#"{PROVIDER}
[[agreements]]
name = "eu"
instrument = "eu-e-evidence"
parties = ["FRA", "IRL"]

[[agreements]]
name = "uk-us-like"
instrument = "cloud-act"
parties = ["USA", "IRL"]
deadline = "5d"
review = "2d"
kinds = ["preservation"]

[[agreements]]
name = "protocol"
instrument = "second-protocol-art7"
parties = ["FRA", "USA", "IRL"]

[[agreements]]
name = "eu-no-review"
instrument = "eu-e-evidence"
parties = ["FRA", "IRL"]
review = false
emergency_deadline = "4h"
classes = ["subscriber", "traffic"]
"#
    );
    let s = parse(&extra).expect("valid");
    let roads = &s.network.roads;
    assert_eq!(roads.direct_share, 1.0, "with agreements and no [roads], every covered request");
    let [eu, cloud, protocol, no_review] = &roads.agreements[..] else { panic!("four agreements") };
    assert_eq!((eu.instrument, &eu.terms), (Instrument::EuEEvidence, &Instrument::EuEEvidence.terms()));
    assert_eq!(eu.parties, vec![code("FRA"), code("IRL")]);
    assert_eq!(cloud.terms.deadline_ms, 5 * D);
    assert_eq!(cloud.terms.emergency_deadline_ms, 7 * D, "the instrument's");
    let added = Review { ms: 2 * D, classes: vec![DataClass::Traffic, DataClass::Content], refuse_probability: 0.0 };
    assert_eq!(cloud.terms.review, Some(added), "a review the instrument lacks holds traffic and content");
    assert_eq!(cloud.terms.kinds, vec![RequestKind::Preservation]);
    assert_eq!(protocol.terms.classes, vec![DataClass::Subscriber]);
    assert_eq!(protocol.terms.deadline_ms, 30 * D);
    assert_eq!(no_review.terms.review, None);
    assert_eq!(no_review.terms.emergency_deadline_ms, 4 * H);
    assert_eq!(no_review.terms.deadline_ms, 10 * D);
    assert_eq!(no_review.terms.classes, vec![DataClass::Subscriber, DataClass::Traffic]);
    // Every term is listed with its source: the Regulation's article for a default.
    let deadline = s.evidence_assumptions.iter().find(|a| a.parameter == "agreement eu.deadline").expect("listed");
    assert_eq!(deadline.value, "10d00h");
    assert!(deadline.source.contains("2023/1543 Art. 10(2)"), "{}", deadline.source);
    let written = s.evidence_assumptions.iter().find(|a| a.parameter == "agreement uk-us-like.deadline");
    assert_eq!(written.map(|a| a.source.as_str()), Some("set in the scenario"));
}

#[test]
fn a_provider_keeps_its_home_states_zone_and_holidays_unless_it_says_otherwise() {
    let extra = format!(
        r#"{PROVIDER}
[[providers]]
name = "hostco"
home = "FRA"
tz = "Europe/Luxembourg"
roster = "office-hours-only"
hours = ["08:00-16:00"]
holidays = ["2026-11-11"]
officers = {{ staffed = 2 }}
work = "4h"
emergency_work = "30m"
shift_end = "hand_over"
hand_over_cost = "20m"

[roads]
direct_share = 0.25
"#
    );
    let s = parse(&extra).expect("valid");
    let roads = &s.network.roads;
    assert_eq!(roads.direct_share, 0.25);
    assert!(roads.agreements.is_empty());
    let [mail, host] = &roads.providers[..] else { panic!("two providers") };
    assert_eq!((mail.name.as_str(), mail.home), ("mailco-ie", code("IRL")));
    assert_eq!(mail.roster.tz, "Europe/Dublin");
    assert_eq!(mail.roster.holidays, s.state(code("IRL")).expect("IRL").roster.holidays);
    assert_eq!(mail.roster.holidays.len(), 1);
    assert_eq!((mail.roster.always_staffed, mail.roster.off_hours), (false, Mode::OnCall));
    assert_eq!(mail.work, Delay::LogNormal { median_ms: 16 * H, p90_ms: 56 * H });
    assert_eq!(mail.emergency_work, Delay::LogNormal { median_ms: 2 * H, p90_ms: 6 * H });
    assert_eq!((mail.officers, mail.shift_end), (None, ShiftEnd::NextOpening));
    assert_eq!(host.roster.tz, "Europe/Luxembourg");
    assert_eq!(host.roster.off_hours, Mode::Closed);
    assert_eq!(host.roster.shifts[0].start_minute, 8 * 60);
    assert_eq!(host.roster.holidays.len(), 1);
    assert_eq!(host.officers.map(|o| (o.staffed, o.on_call)), Some((2, 0)), "never on call: none on call");
    assert_eq!(host.work, Delay::Fixed { ms: 4 * H });
    assert_eq!(host.shift_end, ShiftEnd::HandOver { cost_ms: 20 * 60_000 });
}

#[test]
fn an_inject_names_its_provider_and_goes_to_its_home() {
    let extra = format!(
        r#"{PROVIDER}
[[injects]]
at = "2026-11-09T10:00:00Z"
from = "FRA"
provider = "mailco-ie"
kind = "preservation"

[[injects]]
at = "2026-11-09T11:00:00Z"
from = "USA"
to = "IRL"
provider = "mailco-ie"
kind = "emergency"

[[injects]]
at = "2026-11-09T12:00:00Z"
from = "USA"
to = "FRA"
kind = "emergency"
"#
    );
    let s = parse(&extra).expect("valid");
    let receivers: Vec<(StateCode, Option<u8>)> = s.injects.iter().map(|i| (i.to, i.provider)).collect();
    assert_eq!(receivers, vec![(code("IRL"), Some(0)), (code("IRL"), Some(0)), (code("FRA"), None)]);
    // A scenario without roads keeps the hash it had: the empty roads and unnamed providers
    // are left out of the model's text.
    let plain = parse("").expect("valid");
    assert_eq!(plain.network.roads, Default::default());
}

#[test]
fn generated_requests_to_a_providers_home_name_one_of_the_listed_providers() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/eu-e-evidence.toml");
    let s = scenario::load(&path, &Default::default()).expect("the bundled scenario loads");
    let roads = &s.network.roads;
    assert_eq!((roads.providers.len(), roads.agreements.len(), roads.direct_share), (4, 1, 0.5));
    assert_eq!(roads.agreements[0].parties.len(), 13);
    let index = |name: &str| roads.providers.iter().position(|p| p.name == name).expect("provider") as u8;
    let mut seen = std::collections::BTreeSet::new();
    for inject in &s.injects {
        let home = inject.provider.map(|p| roads.providers[usize::from(p)].home);
        let hosts = roads.providers.iter().any(|p| p.home == inject.to);
        assert_eq!(hosts, inject.provider.is_some(), "{}: a request to a host names one of its providers", inject.id);
        if let Some(home) = home {
            assert_eq!(home, inject.to, "{}", inject.id);
        }
        seen.extend(inject.provider);
    }
    let all: std::collections::BTreeSet<u8> =
        ["mailco-ie", "socialco-ie", "hostco-lu", "cloudco-se"].into_iter().map(index).collect();
    assert_eq!(seen, all, "both Irish providers are drawn, and the others");
    let again = scenario::load(&path, &Default::default()).expect("loads");
    let providers = |s: &Scenario| s.injects.iter().map(|i| (i.id, i.provider)).collect::<Vec<_>>();
    assert_eq!(providers(&s), providers(&again), "drawn from the seed");
    // Taking the providers away changes no other draw: the same cases, times and pairs.
    let text = std::fs::read_to_string(&path).expect("read");
    let register = path.with_file_name("registers/hanoi-2025.toml");
    let without = text
        .replace(r#"providers = ["mailco-ie", "socialco-ie", "hostco-lu", "cloudco-se"]"#, "")
        .replace("registers/hanoi-2025.toml", &register.display().to_string());
    let copy = std::env::temp_dir().join(format!("pocnet-roads-{}.toml", std::process::id()));
    std::fs::write(&copy, without).expect("write");
    let plain = scenario::load(&copy, &Default::default());
    std::fs::remove_file(&copy).expect("remove");
    let plain = plain.expect("loads");
    let cases = |s: &Scenario| s.injects.iter().map(|i| (i.id, i.at, i.from, i.to, i.kind)).collect::<Vec<_>>();
    assert_eq!(cases(&plain), cases(&s));
    assert!(plain.injects.iter().all(|i| i.provider.is_none()));
}

#[test]
fn hostile_roads_are_refused_where_they_are_written() {
    // An unknown provider on an inject, with the nearest name.
    let extra = format!(
        "{PROVIDER}\n[[injects]]\nat = \"2026-11-09T10:00:00Z\"\nfrom = \"FRA\"\nprovider = \"mailco-ei\"\nkind = \"preservation\"\n"
    );
    let (line, message) = one_error(&extra);
    assert_eq!(line, line_of(&extra, "provider = \"mailco-ei\""));
    assert!(message.contains("unknown provider `mailco-ei`: did you mean `mailco-ie`?"), "{message}");
    // `to` other than the provider's home.
    let extra = format!(
        "{PROVIDER}\n[[injects]]\nat = \"2026-11-09T10:00:00Z\"\nfrom = \"USA\"\nto = \"FRA\"\nprovider = \"mailco-ie\"\nkind = \"preservation\"\n"
    );
    let (line, message) = one_error(&extra);
    assert_eq!(line, line_of(&extra, "to = \"FRA\""));
    assert!(message.contains("`to` must be IRL"), "{message}");
    // An unknown instrument, with the nearest one.
    let extra = "[[agreements]]\nname = \"a\"\ninstrument = \"cloud_act\"\nparties = [\"FRA\", \"USA\"]\n";
    let (line, message) = one_error(extra);
    assert_eq!(line, line_of(extra, "instrument ="));
    assert!(message.contains("did you mean `cloud-act`?"), "{message}");
    // A party that is not a contact point of the scenario; one party only.
    let extra = "[[agreements]]\nname = \"a\"\ninstrument = \"cloud-act\"\nparties = [\"FRA\",\n \"USB\"]\n";
    let (line, message) = one_error(extra);
    assert_eq!(line, line_of(extra, "\"USB\""));
    assert!(message.contains("unknown state `USB`") && message.contains("did you mean `USA`?"), "{message}");
    let (_, message) = one_error("[[agreements]]\nname = \"a\"\ninstrument = \"cloud-act\"\nparties = [\"FRA\"]\n");
    assert!(message.contains("at least two parties"), "{message}");
    // More providers than the wire carries: at the ninth.
    let nine: String = (1..=9).map(|i| format!("[[providers]]\nname = \"p{i}\"\nhome = \"IRL\"\n\n")).collect();
    let (line, message) = one_error(&nine);
    assert_eq!(line, line_of(&nine, "name = \"p9\"") - 1);
    assert!(message.contains("more than 8 providers"), "{message}");
}

#[test]
fn absurd_values_never_panic_and_say_what_is_wrong() {
    for (extra, words) in [
        ("[[agreements]]\nname = \"a\"\ninstrument = \"cloud-act\"\nparties = [\"FRA\", \"USA\"]\ndeadline = \"400d\"\n", "at most 366d"),
        ("[[agreements]]\nname = \"a\"\ninstrument = \"cloud-act\"\nparties = [\"FRA\", \"USA\"]\nreview = true\n", "or false"),
        ("[[agreements]]\nname = \"a\"\ninstrument = \"cloud-act\"\nparties = [\"FRA\", \"USA\"]\nreview = \"0s\"\n", "positive"),
        ("[[agreements]]\nname = \"a\"\ninstrument = \"eu-e-evidence\"\nparties = [\"FRA\", \"IRL\"]\nreview = false\nreview_refuse_probability = 0.5\n", "need a review"),
        ("[[agreements]]\nname = \"a\"\ninstrument = \"cloud-act\"\nparties = [\"FRA\", \"USA\"]\nkinds = [\"ping\"]\n", "never ordered"),
        ("[[agreements]]\nname = \"a\"\ninstrument = \"cloud-act\"\nparties = [\"FRA\", \"USA\", \"FRA\"]\n", "listed twice"),
        ("[roads]\ndirect_share = 1.5\n", "outside [0, 1]"),
        ("[[providers]]\nname = \"x\"\nhome = \"IRL\"\nwork = \"median 1d p90 1h\"\n", "below its median"),
        ("[[providers]]\nname = \"x\"\nhome = \"IRL\"\nroster = \"office-hours-only\"\nofficers = { staffed = 1, on_call = 1 }\n", "never on call"),
        ("[[providers]]\nname = \"x\"\nhome = \"IRL\"\n\n[[providers]]\nname = \"x\"\nhome = \"FRA\"\n", "named twice"),
        ("[[providers]]\nname = \"x\"\nhome = \"ATL\"\n", "unknown state `ATL`"),
        ("[[injects]]\nat = \"2026-11-09T10:00:00Z\"\nfrom = \"FRA\"\nkind = \"preservation\"\n", "`to` is required"),
    ] {
        let (_, message) = one_error(extra);
        assert!(message.contains(words), "{extra}: {message}");
    }
    // A generator's list of a hundred thousand names: one error, at once.
    let names = vec!["\"mailco-ie\""; 100_000].join(", ");
    let many = format!(
        "{PROVIDER}\n[[generate]]\nrate_per_day = 1.0\nkinds = {{ preservation = 1.0 }}\nproviders = [{names}]\n"
    );
    let (_, message) = one_error(&many);
    assert!(message.contains("more than 8 providers"), "{message}");
    let long = format!("[[providers]]\nname = \"{}\"\nhome = \"IRL\"\n", "p".repeat(129));
    let (_, message) = one_error(&long);
    assert!(message.contains("at most 128"), "{message}");
}

#[test]
fn an_order_answered_late_or_never_answered_by_its_deadline_is_a_breach() {
    // Three providers in Dublin, office hours 09:00-17:00 (UTC in November), each order
    // received Monday 9 November 2026 at 10:00 (and the link's delay), due ten days later:
    // 2 h of work answers at 12:00 the same day; 100 h answers Wednesday 25 November at
    // 14:00 (7 h on Monday, eleven 8-hour days, 5 h on the Wednesday); 300 h answers
    // Thursday 31 December at 14:00 (thirty-six 8-hour days, Christmas Day a holiday in
    // Ireland, then 5 h), after the requester gave up at 30 days: expired, and a breach.
    let mut extra = String::new();
    for (name, work) in [("fast-ie", "2h"), ("slow-ie", "100h"), ("stuck-ie", "300h")] {
        extra.push_str(&format!("[[providers]]\nname = \"{name}\"\nhome = \"IRL\"\nwork = \"{work}\"\n\n"));
    }
    extra.push_str("[[agreements]]\nname = \"eu\"\ninstrument = \"eu-e-evidence\"\nparties = [\"FRA\", \"IRL\"]\n");
    for name in ["fast-ie", "slow-ie", "stuck-ie"] {
        extra.push_str(&format!("\n[[injects]]\nat = \"2026-11-09T10:00:00Z\"\nfrom = \"FRA\"\nprovider = \"{name}\"\nkind = \"preservation\"\ndata_classes = [\"subscriber\"]\n"));
    }
    let a = common::account("roads.toml", &scenario_with(&extra));
    let json: serde_json::Value = serde_json::from_str(&a.report().to_json()).expect("JSON");
    let orders: Vec<(String, Option<String>, bool, String)> = json["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|r| {
            let o = &r["order"];
            let answered = o["answered"]["utc"].as_str().map(|t| t[..16].to_string());
            let outcome = r["outcome"].as_str().expect("outcome").to_string();
            (o["provider"].as_str().expect("provider").to_string(), answered, o["deadline_breached"] == true, outcome)
        })
        .collect();
    let order = |p: &str, answered: Option<&str>, breached: bool, outcome: &str| {
        (p.to_string(), answered.map(String::from), breached, outcome.to_string())
    };
    assert_eq!(
        orders,
        vec![
            order("fast-ie", Some("2026-11-09T12:00"), false, "disclosed"),
            order("slow-ie", Some("2026-11-25T14:00"), true, "disclosed"),
            order("stuck-ie", Some("2026-12-31T14:00"), true, "expired"),
        ]
    );
    let breaches: u64 = json["roads"]["providers"]
        .as_array()
        .expect("providers")
        .iter()
        .map(|p| p["deadline_breaches"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(breaches, 2);
}
