//! The binary's commands that need more than a few lines (`main.rs` parses and dispatches).

mod compare;
pub mod resume;
mod sweep;

pub use compare::{compare, parse_slack, parse_tolerance, CompareOptions};
pub use sweep::sweep;
