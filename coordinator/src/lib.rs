//! pocnet: the coordinator. Reads scenarios, runs them on an engine under the virtual
//! clock, keeps the ledger of what happened, and reports it.
//!
//! `run` composes: [`scenario`] → [`engine`] → [`clock`] → [`ledger`] → [`analysis`] →
//! [`report`] and [`outputs`]. ARCHITECTURE.md has the codemap and the dependency rules.
//!
//! - [`scenario`]: TOML in, a final [`scenario::Scenario`] out, with located errors;
//! - [`engine`]: the mesh (one `pocnet-node` process per state, real QUIC) and the
//!   in-process engine (the same cores, no network: the oracle for the mesh);
//! - [`clock`]: the conservative-window virtual clock over any engine, returning what
//!   arrives; `clock::wall` paces its windows against real time;
//! - [`ledger`]: the one typed record of what happened, with the accounting check;
//! - [`analysis`]: the ledger in figures (percentiles, breakdowns, coverage, thresholds);
//! - [`report`]: `report.json` (byte-identical across engines), compare, `transport.json`;
//! - [`outputs`]: summary, junit, the console table, `report.html`, the after-action review;
//! - [`exercise`]: tabletop exercises: the operator console and the controller's dashboard;
//! - [`sweep`]: which staffing change saves the most evidence per staffed hour;
//! - [`records`], [`fit`], [`validate`]: a desk's records out of a run and back in; the model
//!   fitted from them; a scenario checked against them;
//! - [`bench`](mod@bench), [`deploy`], [`pki`]: `pocnet bench`, `pocnet deploy`, `pocnet pki`.

pub mod analysis;
pub mod bench;
pub mod clock;
pub mod deploy;
pub mod engine;
pub mod exercise;
pub mod fit;
pub mod ledger;
pub mod out_dir;
pub mod outputs;
pub mod pki;
pub mod records;
pub mod report;
pub mod resume;
pub mod run;
pub mod scenario;
pub mod sweep;
pub mod validate;
