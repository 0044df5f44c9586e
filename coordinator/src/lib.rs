//! pocnet: the coordinator. Reads scenarios, runs them on an engine under the virtual
//! clock, and reports what happened.
//!
//! - [`scenario`]: TOML in, validated [`scenario::Scenario`] out, with located errors;
//! - [`clock`]: the conservative-window virtual clock over any [`engine::Engine`];
//! - [`wall`]: pacing those windows against real time, with pause and resume;
//! - [`engine`]: the mesh (one `pocnet-node` process per state, real QUIC) and the
//!   in-process engine (the same cores, no network: the oracle for the mesh);
//! - [`report`]: per-request times, outcomes and percentiles, byte-identical across engines;
//! - [`thresholds`]: the scenario's bounds, judged on the report (exit code 1 on a breach);
//! - [`exercise`]: tabletop exercises: the operator console and the controller's dashboard;
//! - [`after_action`]: the exercise's after-action review (HSEEP-style).

pub mod analysis;
pub mod bench;
pub mod clock;
pub mod deploy;
pub mod engine;
pub mod exercise;
pub mod ledger;
pub mod outputs;
pub mod pki;
pub mod report;
pub mod run;
pub mod scenario;
