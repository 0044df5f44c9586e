//! Sweeps on a small base (tests/sweeps/night.toml: France asks Viet Nam, closed at night,
//! to preserve data kept 4 hours): the change that saves evidence ranks first with an
//! interval that excludes zero, a change that changes nothing is within the noise, the
//! figures agree with runs counted independently, costs are the hours the rosters say,
//! and shards merge into exactly the files of a whole run.

use pocnet::sweep::outputs::{self, paired, NotEstimable};
use pocnet::sweep::{self, file, Progress};
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sweeps")
}

fn whole(s: &file::Sweep) -> sweep::Found {
    let quiet = Progress::new(0, false);
    let first = sweep::first_stage(s, 0, 1, &quiet).expect("first stage");
    sweep::finish(s, first.variants, &quiet).expect("finish")
}

/// Cases preserved in one run, read from report.json (not from the sweep's counting).
fn preserved(scenario: &pocnet::scenario::Scenario) -> u64 {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let a = runtime.block_on(pocnet::run::simulate(scenario)).expect("run");
    let json: serde_json::Value = serde_json::from_str(&a.report().to_json()).expect("JSON");
    json["totals"]["preserved"].as_u64().expect("preserved")
}

#[test]
fn the_change_that_saves_evidence_ranks_first_and_agrees_with_runs_counted_apart() {
    let s = file::load(&dir().join("sweep.toml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.singles.len(), 2, "VNM and BRA staffed around the clock");
    let found = whole(&s);
    let report = outputs::report(&s, &found);
    let best = &report.ranking[0];
    assert_eq!(best.change, "VNM: staffed-24-7");
    assert!(best.ci_low.is_some_and(|low| low > 0.0) && !best.within_noise, "{best:?}");
    let bra = report.ranking.iter().find(|r| r.change.starts_with("BRA")).expect("BRA");
    assert!(bra.within_noise && bra.mean == 0.0, "Brazil gets no requests: {bra:?}");
    // The same seeds counted apart, through report.json.
    let vnm = &s.singles.iter().find(|x| x.change.describe() == "VNM: staffed-24-7").expect("VNM").change;
    let deltas: Vec<f64> = s
        .seeds
        .iter()
        .map(|seed| {
            let base = pocnet::sweep::variants::apply(&s.base, &[], *seed);
            let changed = pocnet::sweep::variants::apply(&s.base, &[vnm], *seed);
            preserved(&changed) as f64 - preserved(&base) as f64
        })
        .collect();
    let mean = deltas.iter().sum::<f64>() / deltas.len() as f64;
    assert!((best.mean - mean).abs() < 1e-3, "sweep {} against {mean} counted apart", best.mean);
    // Costs: France staffed 168 h; Viet Nam and Brazil 40 h each (09:00-17:00, five days);
    // Viet Nam around the clock adds 128 h.
    assert_eq!(report.variants[0].hours_per_week, 248.0);
    assert_eq!(best.added_hours, 128.0);
    // The frontier starts at the base and ends at the best.
    let frontier: Vec<&str> = report.variants.iter().filter(|p| p.frontier).map(|p| p.name.as_str()).collect();
    assert_eq!(frontier.first(), Some(&"base"));
    assert!(frontier.iter().any(|n| n.contains("VNM")), "{frontier:?}");
}

#[test]
fn shards_merge_into_exactly_the_files_of_a_whole_run() {
    let s = file::load(&dir().join("sweep.toml")).unwrap_or_else(|e| panic!("{e}"));
    let quiet = Progress::new(0, false);
    let one = outputs::report(&s, &whole(&s));
    let shards: Vec<_> = (0..2).map(|i| sweep::first_stage(&s, i, 2, &quiet).expect("shard")).collect();
    let merged = sweep::finish(&s, sweep::merge(&s, &shards).expect("merge"), &quiet).expect("finish");
    let two = outputs::report(&s, &merged);
    assert_eq!(outputs::json(&one), outputs::json(&two));
    assert_eq!(outputs::html(&one), outputs::html(&two));
    // A shard twice, or one missing, is refused.
    let err = sweep::merge(&s, &[shards[0].clone(), shards[0].clone()]).expect_err("twice");
    assert!(err.to_string().contains("in two shards"), "{err}");
    let err = sweep::merge(&s, &shards[..1]).expect_err("missing");
    assert!(err.to_string().contains("missing"), "{err}");
}

#[test]
fn paired_intervals_are_students_t() {
    // Differences 2, 4, 3, 2, 4: mean 3, standard deviation 1, t(4) = 2.776.
    let p = paired(&[10; 5], &[12, 14, 13, 12, 14]);
    assert_eq!(p.mean, 3.0);
    let (low, high) = p.interval.expect("five seeds that differ");
    assert!((high - 3.0 - 2.776 / 5f64.sqrt()).abs() < 1e-9 && (3.0 - low - 2.776 / 5f64.sqrt()).abs() < 1e-9);
}

#[test]
fn an_interval_from_four_seeds_or_from_equal_differences_is_not_estimable() {
    assert_eq!(paired(&[10; 4], &[12, 14, 13, 12]).interval, Err(NotEstimable::Seeds(4)));
    assert_eq!(paired(&[10, 11, 12, 13, 14], &[12, 13, 14, 15, 16]).interval, Err(NotEstimable::EqualDifferences));
    // One seed more, or one difference apart, and there is an interval.
    assert!(paired(&[10; 5], &[12, 14, 13, 12, 12]).interval.is_ok());
    assert!(paired(&[10; 5], &[12, 12, 12, 12, 13]).interval.is_ok());
}

#[test]
fn a_bad_sweep_file_is_refused_where_it_is_wrong() {
    let tmp = std::env::temp_dir().join(format!("pocnet-sweep-bad-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("dir");
    std::fs::copy(dir().join("night.toml"), tmp.join("night.toml")).expect("copy");
    for (text, words) in [
        ("[sweep]\nname = \"x\"\nbase = \"night.toml\"\n\n[[options]]\nname = \"y\"\nstates = [\"VNM\"]\nroster = \"all-day\"\n", "unknown roster `all-day`"),
        ("[sweep]\nname = \"x\"\nbase = \"missing.toml\"\n", "the base scenario is invalid"),
        ("[sweep]\nname = \"x\"\nbase = \"night.toml\"\nseeds = 0\n", "seeds: 1 to"),
        ("[sweep]\nname = \"x\"\nbase = \"night.toml\"\n\n[[options]]\nname = \"y\"\nstates = [\"VNM\"]\n", "changes one thing"),
        ("[sweep]\nname = \"x\"\nbase = \"night.toml\"\nspeed = 2\n", "unknown field `speed`"),
        // The scenario's rule holds for an option too: Viet Nam keeps office hours only.
        ("[sweep]\nname = \"x\"\nbase = \"night.toml\"\n\n[[options]]\nname = \"y\"\nstates = [\"VNM\"]\nofficers = { staffed = 1, on_call = 2 }\n", "VNM is never on call"),
        ("[sweep]\nname = \"x\"\nbase = \"night.toml\"\n\n[[options]]\nname = \"y\"\nhub = { hub = \"FRA\", members = [\"VNM\"], hours = [\"00:00-24:00\"] }\ndowngrade = true\n", "`downgrade` marks a change to states' desks"),
        ("[sweep]\nname = \"x\"\nbase = \"night.toml\"\n\n[[options]]\nname = \"y\"\nstates = [\"FRA\"]\nroster = \"office-hours-only\"\ndowngrade = \"yes\"\n", "invalid type"),
        // A provider option on a base without that provider: named where it is written.
        ("[sweep]\nname = \"x\"\nbase = \"night.toml\"\n\n[[options]]\nname = \"y\"\nproviders = [\"mailco\"]\nroster = \"staffed-24-7\"\n", "no provider `mailco` in the base scenario"),
        ("[sweep]\nname = \"x\"\nbase = \"night.toml\"\n\n[[options]]\nname = \"y\"\nproviders = [\"*\"]\nstates = [\"VNM\"]\nroster = \"staffed-24-7\"\n", "providers' desks, states' desks"),
    ] {
        std::fs::write(tmp.join("s.toml"), text).expect("write");
        let err = file::load(&tmp.join("s.toml")).expect_err(words);
        assert!(err.to_string().contains(words), "{words}: {err}");
        assert!(err.diagnostics.iter().all(|d| d.file.ends_with("s.toml") && d.line >= 1), "{err}");
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn more_translators_save_evidence_and_cost_their_hours() {
    // Viet Nam, staffed around the clock, reads Vietnamese only and has one translator
    // for 3-hour translations of twelve French requests a day (36 h of work a day): the
    // queue grows and data kept 4 hours is lost. Three translators keep up.
    let tmp = std::env::temp_dir().join(format!("pocnet-sweep-translators-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("dir");
    let night = std::fs::read_to_string(dir().join("night.toml")).expect("night.toml");
    let base = night
        .replace(
            "roster = \"office-hours-only\"\nprofile = \"p\"\n\n[[states]]\ncode = \"BRA\"",
            "roster = \"staffed-24-7\"\nprofile = \"q\"\nlanguages = [\"vi\"]\n\n[[states]]\ncode = \"BRA\"",
        )
        .replace(
            "[[states]]\ncode = \"FRA\"",
            "[profiles.q]\nacknowledge = { staffed = \"10m\", on_call = \"10m\" }\nfulfil = { staffed = \"10m\", on_call = \"10m\" }\ngive_up_after = \"5d\"\ntranslation = \"3h\"\ntranslators = { staffed = 1 }\n\n[[states]]\ncode = \"FRA\"",
        )
        .replace("retention = \"4h\"", "retention = \"4h\"\nlanguage = \"fr\"");
    assert!(base.contains("translators") && base.contains("languages = [\"vi\"]") && base.contains("\"fr\""));
    std::fs::write(tmp.join("base.toml"), base).expect("write");
    let sweep = "[sweep]\nname = \"t\"\nbase = \"base.toml\"\nseeds = 4\ncombine = 0\n\n[[options]]\nname = \"three translators\"\nstates = [\"VNM\", \"BRA\"]\ntranslators = { staffed = 3 }\n";
    std::fs::write(tmp.join("s.toml"), sweep).expect("write");
    let s = file::load(&tmp.join("s.toml")).unwrap_or_else(|e| panic!("{e}"));
    let found = whole(&s);
    let report = outputs::report(&s, &found);
    let vnm = report.ranking.iter().find(|r| r.change.starts_with("VNM")).expect("VNM");
    assert_eq!(vnm.change, "VNM: 3 translators staffed, 0 on call");
    // More cases preserved on every seed (four seeds: no interval is claimed).
    let counts = &found.singles.iter().find(|c| s.singles[c.variant - 1].change.describe() == vnm.change).expect("VNM");
    assert!(counts.counts.iter().zip(&found.base.counts).all(|(v, b)| v > b), "{counts:?} {:?}", found.base);
    assert!(vnm.mean > 0.0 && !vnm.estimable, "{vnm:?}");
    // Two more translators around the clock: 2 x 168 h.
    assert_eq!(vnm.added_hours, 336.0);
    // Brazil counted no translators: three of them cost 3 x its 40 office hours, and
    // change nothing (no requests).
    let bra = report.ranking.iter().find(|r| r.change.starts_with("BRA")).expect("BRA");
    assert_eq!((bra.added_hours, bra.mean), (120.0, 0.0));
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn the_registers_circulation_is_a_change_a_sweep_can_try() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/stale-register.toml");
    let sweep_dir = std::env::temp_dir().join(format!("pocnet-circulation-{}", std::process::id()));
    std::fs::create_dir_all(&sweep_dir).expect("dir");
    let text = |circulation: &str, base: &Path| {
        format!(
            "[sweep]\nname = \"c\"\nbase = \"{}\"\nseeds = 2\n\n[[options]]\nname = \"often\"\ncirculation = \"{circulation}\"\n",
            base.display()
        )
    };
    let file_path = sweep_dir.join("c.toml");
    std::fs::write(&file_path, text("7d", &base)).expect("write");
    let s = file::load(&file_path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.singles.len(), 1);
    let found = whole(&s);
    let report = outputs::report(&s, &found);
    let weekly = &report.ranking[0];
    assert_eq!(weekly.change, "register circulated 7d");
    assert_eq!(weekly.added_hours, 0.0, "a circulation adds no desk hours");
    // Counted apart: the variant's scenario through report.json, seed by seed.
    for (i, seed) in s.seeds.iter().enumerate() {
        let changes = [&s.singles[0].change];
        let variant = pocnet::sweep::variants::apply(&s.base, &changes, *seed);
        assert_eq!(variant.register_decay.as_ref().map(|d| d.circulation_ms), Some(7 * 86_400_000));
        assert_eq!(found.singles[0].counts[i], preserved(&variant), "seed {seed}");
    }
    assert!(weekly.mean > 0.0, "weekly circulation saves cases on this base: {weekly:?}");
    // A base without register decay has nothing to circulate.
    let smoke = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/smoke.toml");
    std::fs::write(&file_path, text("quarterly", &smoke)).expect("write");
    let err = file::load(&file_path).expect_err("no decay").to_string();
    assert!(err.contains("has no `[register_decay]`") && err.contains("c.toml:"), "{err}");
    let _ = std::fs::remove_dir_all(&sweep_dir);
}

/// A temporary folder with night.toml, changed by `edit`, and a sweep file over it.
fn sweep_over(tag: &str, edit: impl Fn(String) -> String, sweep: &str) -> (PathBuf, Result<file::Sweep, String>) {
    let tmp = std::env::temp_dir().join(format!("pocnet-sweep-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("dir");
    let base = std::fs::read_to_string(dir().join("night.toml")).expect("night.toml");
    std::fs::write(tmp.join("night.toml"), edit(base)).expect("write base");
    std::fs::write(tmp.join("s.toml"), sweep).expect("write sweep");
    let loaded = file::load(&tmp.join("s.toml")).map_err(|e| e.to_string());
    (tmp, loaded)
}

#[test]
fn an_option_whose_hours_no_roster_can_take_is_refused_where_it_is_written_not_when_run() {
    // Viet Nam keeps office hours only: with no shift, or two that overlap, its desk would
    // never open or would be open twice; a run of the variant used to fail (exit 3).
    for (hours, words) in [("[]", "no shifts"), ("[\"09:00-13:00\", \"12:00-17:00\"]", "overlap")] {
        let text = format!(
            "[sweep]\nname = \"x\"\nbase = \"night.toml\"\n\n[[options]]\nname = \"y\"\nstates = [\"VNM\"]\nhours = {hours}\n"
        );
        let (tmp, loaded) = sweep_over("hours", |b| b, &text);
        let err = loaded.expect_err(words);
        assert!(err.contains("hours for VNM") && err.contains(words), "{hours}: {err}");
        assert!(err.contains("s.toml:8:"), "located at the option's hours: {err}");
        let _ = std::fs::remove_dir_all(&tmp);
    }
}

const HUB_OPTIONS: &str = "[sweep]\nname = \"hubs\"\nbase = \"night.toml\"\nseeds = 5\nmeasure = \"succeeded\"\n\n\
    [[options]]\nname = \"Australia covers\"\nhub = { hub = \"AUS\", members = [\"VNM\"], hours = [\"00:00-24:00\"] }\n\n\
    [[options]]\nname = \"Brazil covers\"\nhub = { hub = \"BRA\", members = [\"VNM\"], hours = [\"00:00-24:00\"] }\n";

/// Emergencies from France to Viet Nam at night, the data kept 4 hours: a hub that covers
/// Viet Nam's nights (never France, the requester) executes them in time.
fn emergencies(base: String) -> String {
    let australia = "[[states]]\ncode = \"AUS\"\nname = \"Australia\"\nregion = \"AP\"\ntz = \"Australia/Sydney\"\nroster = \"staffed-24-7\"\nprofile = \"p\"\n\n[[generate]]";
    base.replace("kinds = { preservation = 1.0 }", "kinds = { emergency = 1.0 }").replace("[[generate]]", australia)
}

#[test]
fn a_hub_option_that_cannot_stand_with_the_bases_hubs_is_refused() {
    let with_hub = |b: String| {
        format!("{}\n[[hubs]]\nhub = \"AUS\"\nmembers = [\"VNM\"]\nhours = [\"00:00-24:00\"]\n", emergencies(b))
    };
    let (tmp, loaded) = sweep_over("base-hub", with_hub, HUB_OPTIONS);
    let err = loaded.expect_err("Viet Nam would be in two hubs");
    assert!(err.contains("with the base scenario's hubs"), "{err}");
    assert!(err.contains("named as a hub twice") && err.contains("VNM is a member of two hubs (AUS and BRA)"), "{err}");
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn hubs_that_share_a_member_are_never_combined() {
    let (tmp, loaded) = sweep_over("two-hubs", emergencies, HUB_OPTIONS);
    let s = loaded.unwrap_or_else(|e| panic!("{e}"));
    let found = whole(&s);
    let report = outputs::report(&s, &found);
    // Each hub alone saves emergencies, so each would be picked for combining...
    assert_eq!(report.ranking.len(), 2);
    assert!(report.ranking.iter().all(|r| r.mean > 0.0 && r.added_hours > 0.0), "{:?}", report.ranking);
    // ...but Viet Nam cannot be in both: no combination holds the two.
    assert!(found.combinations.iter().all(|(set, _)| set.len() < 2), "{:?}", found.combinations);
    assert!(
        report.variants.iter().all(|v| !(v.name.contains("AUS") && v.name.contains("BRA"))),
        "{:?}",
        report.variants
    );
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn a_shard_whose_counts_were_altered_is_refused() {
    let s = file::load(&dir().join("sweep.toml")).unwrap_or_else(|e| panic!("{e}"));
    let quiet = Progress::new(0, false);
    let mut shards: Vec<_> = (0..2).map(|i| sweep::first_stage(&s, i, 2, &quiet).expect("shard")).collect();
    shards[1].variants[0].counts[0] = u64::MAX;
    let err = sweep::merge(&s, &shards).expect_err("altered");
    assert!(err.to_string().contains("an altered shard"), "{err}");
    // Through the file, as a merge reads it.
    let tmp = std::env::temp_dir().join(format!("pocnet-sweep-altered-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("dir");
    let path = sweep::write_shard(&tmp, &shards[1]).expect("write");
    let read = sweep::read_shard(&path).expect("read");
    assert!(sweep::merge(&s, &[shards[0].clone(), read]).is_err());
    let _ = std::fs::remove_dir_all(&tmp);
}

/// The section of a Markdown page from its heading to the next.
fn section<'a>(md: &'a str, heading: &str) -> &'a str {
    let from = md.find(heading).unwrap_or_else(|| panic!("no {heading:?} in:\n{md}"));
    let rest = &md[from + heading.len()..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

#[test]
fn an_option_over_every_state_does_not_downgrade_a_desk_staffed_around_the_clock() {
    // France is staffed around the clock; Viet Nam and Brazil keep office hours only. An
    // officer on call outside office hours is more for them, less for France.
    let text = "[sweep]\nname = \"x\"\nbase = \"night.toml\"\n\n[[options]]\nname = \"on call\"\nstates = [\"*\"]\nroster = \"office-hours-on-call\"\n";
    let (tmp, loaded) = sweep_over("upgrades", |b| b, text);
    let s = loaded.unwrap_or_else(|e| panic!("{e}"));
    let changes: Vec<String> = s.singles.iter().map(|x| x.change.describe()).collect();
    assert_eq!(changes, ["BRA: office-hours-on-call", "VNM: office-hours-on-call"], "no variant for FRA");
    assert!(s.singles.iter().all(|x| !x.downgrade));
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn a_downgrade_the_sweep_file_marks_is_labelled_with_negative_hours_in_every_output() {
    // The same option marked `downgrade = true`: France alone, its nights on call.
    let text = "[sweep]\nname = \"x\"\nbase = \"night.toml\"\nseeds = 5\n\n[[options]]\nname = \"nights on call\"\nstates = [\"*\"]\nroster = \"office-hours-on-call\"\ndowngrade = true\n";
    let (tmp, loaded) = sweep_over("downgrade", |b| b, text);
    let s = loaded.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.singles.len(), 1);
    assert!(s.singles[0].downgrade);
    let found = whole(&s);
    let report = outputs::report(&s, &found);
    let fra = &report.ranking[0];
    assert_eq!(fra.change, "FRA: office-hours-on-call");
    // 168 staffed hours become 40 staffed and 128 on call at a quarter: 72, so -96.
    assert!(fra.downgrade && fra.added_hours == -96.0, "{fra:?}");
    assert!(found.combinations.is_empty(), "a downgrade is never combined");
    let json: serde_json::Value = serde_json::from_str(&outputs::json(&report)).expect("JSON");
    assert_eq!(json["ranking"][0]["downgrade"], true);
    assert_eq!(json["ranking"][0]["added_hours"], -96.0);
    let point = report.variants.iter().find(|p| p.changes == [fra.change.clone()]).expect("its point");
    assert!(point.downgrade && point.name.ends_with("(downgrade)"), "{point:?}");
    let md = outputs::markdown(&report);
    let row = md.lines().find(|l| l.contains("| FRA: office-hours-on-call |")).expect("its row");
    assert!(row.contains("| -96.0 |") && row.contains("downgrade"), "{row}");
    let html = outputs::html(&report);
    assert!(html.contains("<td>-96.0</td>") && html.contains("<td>downgrade"), "{html}");
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn four_seeds_are_not_estimable_and_not_the_answer() {
    // Viet Nam staffed around the clock saves cases on every seed (ranked first, with an
    // interval clear of zero, from six): from four, no interval is claimed.
    let text = "[sweep]\nname = \"x\"\nbase = \"night.toml\"\nseeds = 4\ncombine = 0\n\n[[options]]\nname = \"staffed 24/7\"\nstates = [\"VNM\", \"BRA\"]\nroster = \"staffed-24-7\"\n";
    let (tmp, loaded) = sweep_over("four-seeds", |b| b, text);
    let s = loaded.unwrap_or_else(|e| panic!("{e}"));
    let report = outputs::report(&s, &whole(&s));
    let vnm = &report.ranking[0];
    assert!(vnm.change == "VNM: staffed-24-7" && vnm.mean > 2.0, "it saves cases: {vnm:?}");
    assert_eq!((vnm.ci_low, vnm.ci_high, vnm.estimable), (None, None, false));
    assert_eq!(vnm.not_estimable.as_deref(), Some("4 seeds, fewer than 5"));
    assert!(vnm.within_noise && vnm.per_added_hour_ci.is_none(), "{vnm:?}");
    assert_eq!(report.answer.len(), 1);
    let answer = &report.answer[0];
    assert!(answer.starts_with("No single change is shown to save evidence beyond the noise"), "{answer}");
    assert!(answer.contains("2 of 2 changes have no estimable interval (2: 4 seeds, fewer than 5)"), "{answer}");
    let json: serde_json::Value = serde_json::from_str(&outputs::json(&report)).expect("JSON");
    assert!(json["ranking"][0]["ci_low"].is_null() && json["ranking"][0]["estimable"] == false);
    let md = outputs::markdown(&report);
    let row = md.lines().find(|l| l.contains("| VNM: staffed-24-7 |")).expect("its row");
    assert!(row.contains("(not estimable)") && row.contains("not estimable: 4 seeds, fewer than 5"), "{row}");
    assert!(!row.contains('['), "no interval shown: {row}");
    assert!(outputs::html(&report).contains("<td>not estimable: 4 seeds, fewer than 5</td>"));
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn equal_differences_are_not_estimable_and_not_the_answer() {
    // Counts laid down by hand on sweep.toml's six seeds: Viet Nam +3 on every seed, Brazil
    // +1, +2, +3 twice over. Viet Nam saves more for the same hours and ranks first, but
    // only Brazil's interval is estimated: Brazil is the answer.
    let s = file::load(&dir().join("sweep.toml")).unwrap_or_else(|e| panic!("{e}"));
    let base = vec![10, 11, 12, 10, 11, 12];
    let plus = |d: &[u64]| base.iter().zip(d).map(|(b, d)| b + d).collect::<Vec<u64>>();
    let counts = |change: &str, d: &[u64]| {
        let i = s.singles.iter().position(|x| x.change.describe() == change).expect(change);
        sweep::Counted { variant: i + 1, counts: plus(d), overtime_ms: vec![] }
    };
    let mut singles = vec![counts("VNM: staffed-24-7", &[3; 6]), counts("BRA: staffed-24-7", &[1, 2, 3, 1, 2, 3])];
    singles.sort_by_key(|c| c.variant);
    let found = sweep::Found {
        base: sweep::Counted { variant: 0, counts: base.clone(), overtime_ms: vec![] },
        singles,
        combinations: vec![],
    };
    let report = outputs::report(&s, &found);
    let (vnm, bra) = (&report.ranking[0], &report.ranking[1]);
    assert_eq!((vnm.change.as_str(), vnm.mean, vnm.rank), ("VNM: staffed-24-7", 3.0, 1));
    assert!(!vnm.estimable && vnm.ci_low.is_none() && vnm.within_noise, "{vnm:?}");
    assert_eq!(vnm.not_estimable.as_deref(), Some("every seed's difference from the base is the same"));
    assert!(bra.estimable && !bra.within_noise, "{bra:?}");
    assert!(report.answer[0].contains("BRA: staffed-24-7") && !report.answer[0].contains("VNM"), "{:?}", report.answer);
}

#[test]
fn the_hub_section_lists_a_hub_option_ranked_last() {
    // Preservation requests: only Viet Nam's own desk can order its providers to preserve,
    // so a hub covering its nights saves little or nothing, and ranks after Viet Nam's own
    // longer hours and round-the-clock desk.
    let text = "[sweep]\nname = \"x\"\nbase = \"night.toml\"\nseeds = 5\ncombine = 0\n\n\
        [[options]]\nname = \"staffed 24/7\"\nstates = [\"VNM\"]\nroster = \"staffed-24-7\"\n\n\
        [[options]]\nname = \"longer hours\"\nstates = [\"VNM\"]\nhours = [\"07:00-21:00\"]\n\n\
        [[options]]\nname = \"French hub\"\nhub = { hub = \"FRA\", members = [\"VNM\"], hours = [\"00:00-24:00\"] }\n";
    let (tmp, loaded) = sweep_over("hub-last", |b| b, text);
    let s = loaded.unwrap_or_else(|e| panic!("{e}"));
    let report = outputs::report(&s, &whole(&s));
    let last = report.ranking.last().expect("ranked");
    assert_eq!((last.change.as_str(), last.kind, last.rank), ("hub FRA for VNM", "hub", 3), "{:?}", report.ranking);
    let md = outputs::markdown(&report);
    let hubs = section(&md, "## Regional hubs");
    let rows: Vec<&str> = hubs.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| #")).collect();
    assert_eq!(rows.len(), 1, "the hub and nothing else: {hubs}");
    assert!(rows[0].starts_with("| 3 | hub FRA for VNM | French hub | +"), "{}", rows[0]);
    assert!(rows[0].contains(&format!("| {:+.1} |", last.added_hours)), "{}", rows[0]);
    let html = outputs::html(&report);
    let table = &html[html.find("<table id=\"hubs\">").expect("hub table")..];
    assert!(
        table.starts_with("<table id=\"hubs\"><tr><th>#</th>") && table.contains("<td>hub FRA for VNM</td>"),
        "{table}"
    );
    let _ = std::fs::remove_dir_all(&tmp);
}

/// Orders answered by their deadline in one run, read from report.json's request records
/// (not from the sweep's counting).
fn deadlines_met(scenario: &pocnet::scenario::Scenario) -> u64 {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let a = runtime.block_on(pocnet::run::simulate(scenario)).expect("run");
    let json: serde_json::Value = serde_json::from_str(&a.report().to_json()).expect("JSON");
    let requests = json["requests"].as_array().expect("requests");
    let met = |r: &&serde_json::Value| {
        let o = &r["order"];
        o.is_object() && !o["answered"].is_null() && o["deadline_breached"] == false
    };
    requests.iter().filter(met).count() as u64
}

#[test]
fn a_providers_desk_is_swept_as_a_states_is_costed_in_its_hours_and_counted_in_deadlines_met() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/sweeps/provider-staffing.toml");
    let s = file::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let describe: Vec<String> = s.singles.iter().map(|x| x.change.describe()).collect();
    // hostco-lu keeps office hours only: on call at night is a change; the others are on
    // call already. socialco-ie is staffed around the clock: no roster or hours change.
    assert!(describe.contains(&"provider hostco-lu: office-hours-on-call".to_string()), "{describe:?}");
    assert!(!describe.iter().any(|d| d.starts_with("provider socialco-ie")), "{describe:?}");
    let found = whole(&s);
    let report = outputs::report(&s, &found);
    let added = |change: &str| report.ranking.iter().find(|r| r.change == change).map(|r| r.added_hours);
    // By hand: an on-call officer over the 128 hours a week outside 09:00-17:00 Mon-Fri, at
    // a quarter of a staffed hour; staffed around the clock, 128 more staffed hours; a third
    // staffed officer, 40 hours.
    assert_eq!(added("provider hostco-lu: office-hours-on-call"), Some(32.0));
    assert_eq!(added("provider hostco-lu: staffed-24-7"), Some(128.0));
    assert_eq!(added("provider mailco-ie: 3 officers staffed, 1 on call"), Some(40.0));
    // The base's count is the orders report.json says were answered by their deadline.
    let counted_apart: Vec<u64> =
        s.seeds.iter().map(|seed| deadlines_met(&pocnet::sweep::variants::apply(&s.base, &[], *seed))).collect();
    assert_eq!(found.base.counts, counted_apart);
    let md = outputs::markdown(&report);
    assert!(md.contains("orders a run (95% CI)") && md.contains("answered by their deadline"), "{md}");
    // The figures docs/sweeps.md quotes.
    let quoted = "provider mailco-ie: 3 officers staffed, 1 on call (one more officer), +2.33 [+0.17, +4.50] orders a run for 40 hours a week";
    assert!(report.answer[0].contains(quoted), "{:?}", report.answer);
    let around_the_clock =
        report.ranking.iter().find(|r| r.change == "provider mailco-ie: staffed-24-7").expect("24/7");
    assert_eq!((around_the_clock.added_hours, around_the_clock.mean), (224.0, 5.6667));
}

/// Officer time worked as overtime in one run, read from report.json's desks.
fn overtime_in_report(scenario: &pocnet::scenario::Scenario) -> u64 {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let a = runtime.block_on(pocnet::run::simulate(scenario)).expect("run");
    let json: serde_json::Value = serde_json::from_str(&a.report().to_json()).expect("JSON");
    let desks = json["desks"].as_array().cloned().unwrap_or_default();
    desks.iter().filter_map(|d| d["overtime_ms"].as_u64()).sum()
}

#[test]
fn overtime_counts_as_staffed_hours_in_a_sweeps_cost() {
    // night.toml with Viet Nam's desk counting one officer who finishes past the shift's
    // end: its overtime, spread over the week of injects, is staffed hours in every cost.
    let tmp = std::env::temp_dir().join(format!("pocnet-sweep-overtime-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("dir");
    let night = std::fs::read_to_string(dir().join("night.toml")).expect("night.toml");
    let base = night.replace(
        "give_up_after = \"5d\"\n",
        "give_up_after = \"5d\"\nofficers = { staffed = 1, on_call = 0 }\nshift_end = \"overtime\"\n",
    );
    std::fs::write(tmp.join("night.toml"), base).expect("write");
    let sweep = "[sweep]\nname = \"o\"\nbase = \"night.toml\"\nseeds = 5\n\n[[options]]\nname = \"two\"\nstates = [\"VNM\"]\nofficers = { staffed = 2, on_call = 0 }\n";
    std::fs::write(tmp.join("s.toml"), sweep).expect("write");
    let s = file::load(&tmp.join("s.toml")).unwrap_or_else(|e| panic!("{e}"));
    let found = whole(&s);
    let report = outputs::report(&s, &found);
    let apart: Vec<u64> =
        s.seeds.iter().map(|seed| overtime_in_report(&pocnet::sweep::variants::apply(&s.base, &[], *seed))).collect();
    assert!(apart.iter().any(|ms| *ms > 0), "the base works overtime: {apart:?}");
    assert_eq!(found.base.overtime_ms, apart);
    // France staffed 168 h (one officer, uncounted), Viet Nam 40 h and Brazil 40 h: 248 h,
    // plus the mean overtime over the one week of injects.
    let mean_hours = apart.iter().sum::<u64>() as f64 / apart.len() as f64 / 3_600_000.0;
    let expected = ((248.0 + mean_hours) * 100.0).round() / 100.0;
    assert!(
        (report.variants[0].hours_per_week - expected).abs() < 0.011,
        "{} against {expected}",
        report.variants[0].hours_per_week
    );
    let _ = std::fs::remove_dir_all(&tmp);
}
