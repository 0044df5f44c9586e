//! Sweeps on a small base (tests/sweeps/night.toml: France asks Viet Nam, closed at night,
//! to preserve data kept 4 hours): the change that saves evidence ranks first with an
//! interval that excludes zero, a change that changes nothing is within the noise, the
//! figures agree with runs counted independently, costs are the hours the rosters say,
//! and shards merge into exactly the files of a whole run.

use pocnet::sweep::outputs::{self, paired};
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
    assert!(best.ci_low > 0.0 && !best.within_noise, "{best:?}");
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
    // Differences 2, 4, 3: mean 3, standard deviation 1, t(2) = 4.303.
    let (mean, low, high) = paired(&[10, 10, 10], &[12, 14, 13]);
    assert_eq!(mean, 3.0);
    assert!((high - mean - 4.303 / 3f64.sqrt()).abs() < 1e-9, "{low} {high}");
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
    let report = outputs::report(&s, &whole(&s));
    let vnm = report.ranking.iter().find(|r| r.change.starts_with("VNM")).expect("VNM");
    assert_eq!(vnm.change, "VNM: 3 translators staffed, 0 on call");
    assert!(vnm.ci_low > 0.0 && !vnm.within_noise, "{vnm:?}");
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
