//! Scenario files: TOML read in two stages, raw (syntax, spans: [`raw`]) then validated
//! model ([`model`], by [`validate`]).
//!
//! Only a validated [`Scenario`] reaches the engines, and [`load`] returns it final, the
//! command line's overrides applied before anything is drawn from the seed. Every problem
//! found is reported with `file:line:column` and what was expected ([`diag`]); validation
//! goes on after the first problem so that one run of `pocnet check` lists them all.

pub(crate) mod diag;
mod model;
pub(crate) mod raw;
pub mod schema;
mod units;
pub(crate) mod validate;

pub use diag::{Diagnostic, ScenarioError};
pub use model::*;
pub use units::{delay, duration_ms};
pub use validate::ping_check::{ping_only, PingOnly, PingOnlyError};
pub(crate) use validate::roster_summary;

use diag::Checker;
use raw::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The JSON Schema of scenario files, as `pocnet schema` prints it.
pub fn scenario_schema() -> String {
    schema::render::<RawFile>(
        "https://pocnet.invalid/scenario.schema.json",
        "A pocnet scenario file (TOML). See docs/scenarios.md. `pocnet check` validates meaning as well as shape.",
    )
}

/// The JSON Schema of register files (`scenarios/registers/*.toml`).
pub fn register_schema() -> String {
    schema::render::<RawRegister>(
        "https://pocnet.invalid/register.schema.json",
        "A register of contact points (TOML) that scenarios take entries from. See docs/scenarios.md.",
    )
}

/// A stable 64-bit FNV-1a hash of `text`, as 16 hex digits: the one hash of a model's
/// identity (a scenario's in `report.json`, a sweep's in its shards).
pub fn identity_hash(text: &str) -> String {
    let h = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("{h:016x}")
}

impl Scenario {
    /// The hash of the validated model, all of it (seed, states, profiles, network,
    /// injects, thresholds): two reports with the same hash ran the same scenario. The
    /// model holds no hash maps, so its text is stable. A profile's default shift-end
    /// policy is left out of the text, so that a scenario that does not name one keeps the
    /// hash it had before the policy existed (and `compare` still pairs its reports); so
    /// are empty roads to evidence and an inject's unnamed provider.
    pub fn hash(&self) -> String {
        let text = format!("{self:?}")
            .replace(", shift_end: NextOpening", "")
            .replace(", roads: Roads { providers: [], agreements: [], direct_share: 0.0 }", "")
            .replace(", provider: None", "");
        identity_hash(&text)
    }
}

/// Largest scenario file read.
pub const SCENARIO_BYTES_MAX: u64 = 16 << 20;

/// A scenario or register file: a regular file, read with its size limit applied while
/// reading (a FIFO or a device is refused, never read).
fn read_text(path: &Path) -> Result<String, ScenarioError> {
    use pocnet_node::files::{read_text, FileError};
    read_text(path, SCENARIO_BYTES_MAX).map_err(|e| {
        let message = match e {
            FileError::Read { source, .. } => format!("cannot read: {source}"),
            FileError::NotAFile { kind, .. } => format!("not a regular file (a {kind})"),
            FileError::TooLarge { max, .. } => format!("more than {max} bytes: the limit of a scenario file"),
            FileError::NotText { .. } => "not UTF-8 text".to_string(),
            FileError::Write { source, .. } => source.to_string(),
        };
        ScenarioError {
            diagnostics: vec![Diagnostic { file: path.display().to_string(), line: 1, column: 1, message }],
        }
    })
}

/// What a TOML file of pocnet's is, by its tables: `pocnet check` checks each as what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Scenario,
    /// It has `[sweep]`: a sweep file (`pocnet sweep`).
    Sweep,
    /// It has `[[contact_points]]` and no `[scenario]`: a register of contact points.
    Register,
}

/// The kind of the file at `path`. A file that cannot be read or parsed is taken for a
/// scenario, whose loader then says what is wrong with it, where.
pub fn file_kind(path: &Path) -> FileKind {
    let Ok(text) = read_text(path) else { return FileKind::Scenario };
    let Ok(table) = toml::from_str::<toml::Table>(&text) else { return FileKind::Scenario };
    if table.contains_key("sweep") {
        FileKind::Sweep
    } else if table.contains_key("contact_points") && !table.contains_key("scenario") {
        FileKind::Register
    } else {
        FileKind::Scenario
    }
}

/// A valid register, as `pocnet check` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterSummary {
    pub contact_points: usize,
    /// Profiles the register defines.
    pub profiles: usize,
    /// Profiles its entries name that it does not define: a scenario that includes those
    /// entries defines them.
    pub to_define: Vec<String>,
}

/// Reads and validates a register file on its own: its entries and the profiles it
/// defines, every problem located.
pub fn check_register(path: &Path) -> Result<RegisterSummary, ScenarioError> {
    let text = read_text(path)?;
    let file = path.display().to_string();
    let mut c = Checker { file: &file, text: &text, diagnostics: Vec::new() };
    let register: RawRegister = match toml::from_str(&text) {
        Ok(r) => r,
        Err(e) => {
            c.error(e.span().unwrap_or(0..0), diag::with_suggestion(e.message().trim()));
            return Err(ScenarioError { diagnostics: c.diagnostics });
        }
    };
    for p in register.profiles.values() {
        validate::profile(&mut c, p);
    }
    let entries = validate::register_entries(&mut c, &register.contact_points);
    if !c.diagnostics.is_empty() {
        return Err(ScenarioError { diagnostics: c.diagnostics });
    }
    let named: BTreeSet<&String> = entries.entries.iter().map(|e| &e.profile_name).collect();
    let to_define = named.into_iter().filter(|n| !register.profiles.contains_key(*n)).cloned().collect();
    Ok(RegisterSummary { contact_points: entries.entries.len(), profiles: register.profiles.len(), to_define })
}

/// What the command line changes in a scenario. Applied before anything is drawn from the
/// seed, so that `--seed S` gives exactly the run of a file that says `seed = S`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub seed: Option<u64>,
}

/// Reads and validates a scenario file (and the register it names), with `overrides`
/// applied: the returned model is final.
pub fn load(path: &Path, overrides: &Overrides) -> Result<Scenario, ScenarioError> {
    load_naming_register(path, overrides).map(|(scenario, _)| scenario)
}

/// The same as [`load`], with the name of the register file the scenario reads, as it
/// writes it (relative to the scenario's folder, like `registers/hanoi-2025.toml`).
pub fn load_naming_register(path: &Path, overrides: &Overrides) -> Result<(Scenario, Option<String>), ScenarioError> {
    let text = read_text(path)?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let named = std::cell::RefCell::new(None);
    let scenario = parse_with(&path.display().to_string(), &text, overrides, &|name| {
        *named.borrow_mut() = Some(name.to_string());
        let p = base.join(name);
        read_text(&p).map(|t| (p.display().to_string(), t))
    })?;
    Ok((scenario, named.into_inner()))
}

/// Validates scenario text that names no register file.
pub fn parse(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
    parse_with(file, text, &Overrides::default(), &|name| {
        Err(ScenarioError {
            diagnostics: vec![Diagnostic {
                file: name.into(),
                line: 1,
                column: 1,
                message: "registers cannot be read here".into(),
            }],
        })
    })
}

type RegisterReader<'r> = dyn Fn(&str) -> Result<(String, String), ScenarioError> + 'r;

fn parse_with(
    file: &str,
    text: &str,
    overrides: &Overrides,
    read_register: &RegisterReader<'_>,
) -> Result<Scenario, ScenarioError> {
    let mut c = Checker { file, text, diagnostics: Vec::new() };
    let raw: RawFile = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            c.error(e.span().unwrap_or(0..0), diag::with_suggestion(e.message().trim()));
            return Err(ScenarioError { diagnostics: c.diagnostics });
        }
    };
    // The register, if any: its own file, its own diagnostics.
    let mut profiles: BTreeMap<String, validate::ProfileDraft> = BTreeMap::new();
    let mut profile_names: BTreeSet<String> = BTreeSet::new();
    let register = match &raw.scenario.register {
        Some(reg) => register(&mut c, reg, read_register, &mut profiles, &mut profile_names),
        None => validate::RegisterDraft::default(),
    };
    if register.unreadable {
        // Which states the scenario has is unknown: checking the rest against a guess would
        // only add untrue errors to the one that matters.
        return Err(ScenarioError { diagnostics: c.diagnostics });
    }
    for (name, p) in &raw.profiles {
        profile_names.insert(name.clone());
        if let Some(p) = validate::profile(&mut c, p) {
            profiles.insert(name.clone(), p);
        }
    }
    let scenario = validate::validate(&mut c, raw, overrides, register, &profiles, &profile_names);
    match scenario {
        Some(s) if c.diagnostics.is_empty() => Ok(s),
        _ => Err(ScenarioError { diagnostics: c.diagnostics }),
    }
}

/// The register a scenario names: its profiles (into `profiles` and `profile_names`) and
/// its entries, each problem reported in the register's own file. The profiles its entries
/// name are checked later, and only for the entries the scenario includes.
fn register(
    c: &mut Checker<'_>,
    reg: &Spanned<String>,
    read_register: &RegisterReader<'_>,
    profiles: &mut BTreeMap<String, validate::ProfileDraft>,
    profile_names: &mut BTreeSet<String>,
) -> validate::RegisterDraft {
    let mut out = validate::RegisterDraft::default();
    let (reg_file, reg_text) = match read_register(reg.get_ref()) {
        Ok(read) => read,
        Err(e) => {
            let message = e.diagnostics.first().map(|d| d.message.clone()).unwrap_or_default();
            c.at(reg, format!("register `{}`: {message}", reg.get_ref()));
            out.unreadable = true;
            return out;
        }
    };
    let mut rc = Checker { file: &reg_file, text: &reg_text, diagnostics: Vec::new() };
    match toml::from_str::<RawRegister>(&reg_text) {
        Err(e) => {
            rc.error(e.span().unwrap_or(0..0), diag::with_suggestion(e.message().trim()));
            out.unreadable = true;
        }
        Ok(register) => {
            let _ = &register.description;
            for (name, p) in &register.profiles {
                profile_names.insert(name.clone());
                if let Some(p) = validate::profile(&mut rc, p) {
                    profiles.insert(name.clone(), p);
                }
            }
            out = validate::register_entries(&mut rc, &register.contact_points);
        }
    }
    c.diagnostics.append(&mut rc.diagnostics);
    out
}
