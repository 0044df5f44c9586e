//! How sure is the answer: Latin hypercube draws of a sweep's assumptions, the shares of
//! first rank, the tornado and the sentence where the answer stops holding; shards of the
//! draws merge into exactly a whole run's files; bad `[[assumptions]]` are refused where
//! they are written.

use pocnet::sweep::robust::{self, Assumption, DrawRanks, Parameter};
use pocnet::sweep::{self, command, file, Progress};
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sweeps")
}

#[test]
fn a_latin_hypercube_hits_every_stratum_once_in_every_dimension_and_is_the_seeds() {
    for (dims, n) in [(1, 1), (3, 7), (5, 32)] {
        let points = robust::latin_hypercube(dims, n, 42);
        assert_eq!(points.len(), n);
        for d in 0..dims {
            let mut strata: Vec<usize> = points.iter().map(|p| (p[d] * n as f64).floor() as usize).collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..n).collect::<Vec<_>>(), "dimension {d} of {dims}, {n} points");
        }
        assert_eq!(points, robust::latin_hypercube(dims, n, 42), "the same seed, the same draws");
    }
    assert_ne!(robust::latin_hypercube(3, 7, 42), robust::latin_hypercube(3, 7, 43));
    // Drawn values stay in their ranges, one per stratum of the range.
    let a = Assumption { parameter: Parameter::OnCallAcknowledge, profile: None, low: 1.0, high: 5.0 };
    let values = robust::draw_values(std::slice::from_ref(&a), 8, 7);
    let mut strata: Vec<usize> = values.iter().map(|v| ((v[0] - 1.0) / 0.5).floor() as usize).collect();
    strata.sort_unstable();
    assert_eq!(strata, (0..8).collect::<Vec<_>>());
}

#[test]
fn spearman_is_one_for_any_increasing_relation_and_averages_ties() {
    let x = [1.0, 2.0, 3.0, 4.0, 5.0];
    let y: Vec<f64> = x.iter().map(|v: &f64| v.powi(3)).collect();
    assert!((robust::spearman(&x, &y) - 1.0).abs() < 1e-12);
    let z: Vec<f64> = y.iter().map(|v| -v).collect();
    assert!((robust::spearman(&x, &z) + 1.0).abs() < 1e-12);
    // Ties: ranks 1.5 1.5 3 4 against 1 2 3 4; Pearson of those by hand.
    let rho = robust::spearman(&[1.0, 1.0, 2.0, 3.0], &[1.0, 2.0, 3.0, 4.0]);
    let (rx, ry) = ([1.5, 1.5, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]);
    let m = 2.5;
    let cov: f64 = rx.iter().zip(ry).map(|(a, b)| (a - m) * (b - m)).sum();
    let vx: f64 = rx.iter().map(|a| (a - m) * (a - m)).sum();
    let vy: f64 = ry.iter().map(|b| (b - m) * (b - m)).sum();
    assert!((rho - cov / (vx * vy).sqrt()).abs() < 1e-12);
    assert_eq!(robust::spearman(&[1.0, 1.0], &[1.0, 2.0]), 0.0, "a constant has no rank correlation");
}

/// 40 draws of two assumptions: the headline (change 0) ranks first while on-call
/// acknowledgement is under 3 h, second beyond; its benefit falls with it; the work time
/// is noise.
#[test]
fn the_sentence_names_the_assumption_that_flips_the_ranking_at_its_threshold() {
    let ack =
        Assumption { parameter: Parameter::OnCallAcknowledge, profile: Some("standard".into()), low: 0.5, high: 8.0 };
    let work = Assumption { parameter: Parameter::StaffedWork, profile: None, low: 1.0, high: 10.0 };
    let assumptions = [work.clone(), ack.clone()];
    let values = robust::draw_values(&assumptions, 40, 9);
    let draws: Vec<DrawRanks> = values
        .iter()
        .map(|v| {
            let first = v[1] < 3.0;
            DrawRanks {
                values: v.clone(),
                ranks: if first { vec![1, 2, 3] } else { vec![2, 1, 3] },
                benefit: 10.0 - v[1],
            }
        })
        .collect();
    let changes = vec!["A: on call".to_string(), "A: staffed".to_string(), "B: on call".to_string()];
    let r = robust::summarise(&assumptions, &changes, &draws, Some(0), vec![1, 2]);
    let holds = r.holds.clone().expect("a threshold");
    assert_eq!(holds.assumption, ack.label());
    assert_eq!(holds.direction, "above");
    // The draws nearest 3 h either side: the threshold is halfway between them.
    let below = values.iter().map(|v| v[1]).filter(|v| *v < 3.0).fold(f64::MIN, f64::max);
    let above = values.iter().map(|v| v[1]).filter(|v| *v >= 3.0).fold(f64::MAX, f64::min);
    assert!((holds.threshold - (below + above) / 2.0).abs() < 1e-3, "{holds:?} between {below} and {above}");
    assert!((holds.threshold - 3.0).abs() < 7.5 / 40.0, "{holds:?}");
    let firsts = values.iter().filter(|v| v[1] < 3.0).count();
    assert_eq!(holds.inside, (firsts, firsts));
    assert_eq!(holds.beyond, (40 - firsts, 0));
    let expected = format!("The answer holds unless {} exceeds {}", ack.label(), ack.show(holds.threshold));
    assert!(r.sentence.starts_with(&expected), "{}", r.sentence);
    // The tornado: the acknowledgement first, at -1 (the benefit falls as it grows).
    assert_eq!(r.tornado[0].assumption, ack.label());
    assert!((r.tornado[0].spearman + 1.0).abs() < 1e-9, "{:?}", r.tornado);
    assert!(r.tornado[1].spearman.abs() < 0.5, "{:?}", r.tornado);
    // Shares and median ranks, by hand.
    let a = r.changes.iter().find(|c| c.change == "A: on call").expect("A");
    assert_eq!(a.rank_first, firsts as f64 / 40.0);
    assert_eq!(a.top3, 1.0);
    let b = r.changes.iter().find(|c| c.change == "B: on call").expect("B");
    assert_eq!((b.rank_first, b.median_rank), (0.0, 3.0));
}

#[test]
fn a_headline_first_in_every_draw_holds_and_no_threshold_is_made_up() {
    let a = Assumption { parameter: Parameter::ArrivalScale, profile: None, low: 0.5, high: 1.0 };
    let values = robust::draw_values(std::slice::from_ref(&a), 10, 1);
    let all: Vec<DrawRanks> =
        values.iter().map(|v| DrawRanks { values: v.clone(), ranks: vec![1, 2], benefit: v[0] }).collect();
    let changes = vec!["x".to_string(), "y".to_string()];
    let r = robust::summarise(std::slice::from_ref(&a), &changes, &all, Some(0), vec![1]);
    assert!(r.holds.is_none() && r.sentence.starts_with("The answer holds in every draw"), "{}", r.sentence);
    // First in alternate draws, whatever the value: no threshold says it.
    let mixed: Vec<DrawRanks> = all
        .iter()
        .enumerate()
        .map(|(i, d)| DrawRanks { ranks: if i % 2 == 0 { vec![1, 2] } else { vec![2, 1] }, ..d.clone() })
        .collect();
    let r = robust::summarise(std::slice::from_ref(&a), &changes, &mixed, Some(0), vec![1]);
    assert!(r.holds.is_none(), "{:?}", r.holds);
    assert!(r.sentence.contains("ranks first in 5 of 10 draws; no one assumption"), "{}", r.sentence);
}

fn options(file: &Path, out: &Path) -> command::SweepOptions {
    command::SweepOptions {
        file: file.to_path_buf(),
        out: out.to_path_buf(),
        force: true,
        shard: None,
        merge: vec![],
        merge_wait: None,
        confirm_on_mesh: 0,
        node_bin: PathBuf::from("pocnet-node"),
        progress: false,
    }
}

/// Real runs: Viet Nam on call at night ranks first while its on-call acknowledgement is
/// short, and loses first rank to staffing around the clock once it is longer than the
/// 4 hours the data is kept; two shards merge into exactly the whole run's files.
#[test]
fn the_draws_run_whole_or_in_shards_and_tell_where_on_call_stops_being_the_answer() {
    let path = dir().join("robust.toml");
    let s = file::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((s.robust.draws, s.robust.draw_seeds, s.robust.assumptions.len()), (12, 2, 2));
    let tmp = std::env::temp_dir().join(format!("pocnet-robust-{}", std::process::id()));
    let whole = tmp.join("whole");
    let done = command::run(&s, &options(&path, &whole)).expect("whole run");
    assert_eq!(done.runs, 3 * 5 + 12 * 3 * 2, "3 variants on 5 seeds, then on 2 seeds in each of 12 draws");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(whole.join("sweep.json")).expect("sweep.json")).expect("JSON");
    let r = &json["robust"];
    assert_eq!(r["draws"], 12);
    let on_call = r["changes"].as_array().expect("changes").iter().find(|c| c["change"] == "VNM: office-hours-on-call");
    let on_call = on_call.expect("on call");
    assert!(on_call["rank_first"].as_f64().is_some_and(|x| x > 0.0 && x < 1.0), "{on_call}");
    assert!(on_call["median_rank"].as_f64().is_some());
    assert_eq!(r["tornado"][0]["assumption"], "on-call acknowledgement (median) of profile p", "{}", r["tornado"]);
    assert!(r["tornado"][0]["spearman"].as_f64().is_some_and(|rho| rho < -0.5), "{}", r["tornado"]);
    let holds = &r["holds"];
    assert_eq!(holds["direction"], "above", "{r}");
    let t = holds["threshold"].as_f64().expect("threshold");
    assert!((1.0..=6.0).contains(&t), "on call stops paying near the 4 h the data is kept: {t}");
    let md = std::fs::read_to_string(whole.join("sweep.md")).expect("sweep.md");
    assert!(md.contains("## How sure is the answer?") && md.contains(r["sentence"].as_str().expect("sentence")));
    let html = std::fs::read_to_string(whole.join("sweep.html")).expect("sweep.html");
    assert!(html.contains("<svg id=\"tornado\" data-n=\"12\"") && html.contains("Spearman rank correlation"));
    // Two shards, then a merge: the same files, byte for byte.
    let parts = tmp.join("parts");
    let mut shards = Vec::new();
    for i in 0..2 {
        let done =
            command::run(&s, &command::SweepOptions { shard: Some((i, 2)), ..options(&path, &parts) }).expect("shard");
        shards.extend(done.written);
    }
    let merged = tmp.join("merged");
    command::run(&s, &command::SweepOptions { merge: shards.clone(), ..options(&path, &merged) }).expect("merge");
    for name in ["sweep.json", "sweep.md", "sweep.html"] {
        let (a, b) =
            (std::fs::read(whole.join(name)).expect("whole"), std::fs::read(merged.join(name)).expect("merged"));
        assert!(a == b, "{name} differs between a whole run and two shards merged");
    }
    // A shard without its draws is refused.
    let mut shard = sweep::read_shard(&shards[0]).expect("shard");
    shard.draws.pop();
    let err = sweep::merge_draws(&s, &[shard, sweep::read_shard(&shards[1]).expect("shard")]).expect_err("draws");
    assert!(err.to_string().contains("11 draws, the sweep makes 12"), "{err}");
    let _ = Progress::new(0, false);
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn bad_assumptions_are_refused_where_they_are_written() {
    let tmp = std::env::temp_dir().join(format!("pocnet-robust-bad-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("dir");
    std::fs::copy(dir().join("night.toml"), tmp.join("night.toml")).expect("base");
    let head = "[sweep]\nname = \"x\"\nbase = \"night.toml\"\n\n[[options]]\nname = \"y\"\nstates = [\"VNM\"]\nroster = \"staffed-24-7\"\n\n";
    for (assumption, line, words) in [
        ("parameter = \"on_call_acknowledgment\"\nlow = 1.0\nhigh = 2.0\n", 11, "did you mean `on_call_acknowledge`?"),
        ("parameter = \"staffed_work\"\nlow = 2.0\nhigh = 1.0\n", 13, "must be above `low`"),
        ("parameter = \"arrival_scale\"\nlow = 0.5\nhigh = 1.5\n", 13, "at most 1"),
        (
            "parameter = \"on_call_work\"\nprofile = \"q\"\nlow = 1.0\nhigh = 2.0\n",
            12,
            "no state of the base scenario has profile `q`",
        ),
        ("parameter = \"arrival_scale\"\nprofile = \"p\"\nlow = 0.5\nhigh = 1.0\n", 12, "is the whole scenario's"),
    ] {
        std::fs::write(tmp.join("s.toml"), format!("{head}[[assumptions]]\n{assumption}")).expect("write");
        let err = file::load(&tmp.join("s.toml")).expect_err(words).to_string();
        assert!(err.contains(words) && err.contains(&format!("s.toml:{line}:")), "{assumption}: {err}");
    }
    std::fs::write(
        tmp.join("s.toml"),
        format!(
            "{}\ndraws = 8{}",
            &head[..head.find("\n\n").expect("head")],
            &head[head.find("\n\n").expect("head")..]
        ),
    )
    .expect("write");
    let err = file::load(&tmp.join("s.toml")).expect_err("draws without assumptions").to_string();
    assert!(err.contains("this sweep names none") && err.contains("s.toml:4:"), "{err}");
    let _ = std::fs::remove_dir_all(&tmp);
}
