//! The binary's commands that need more than a few lines (`main.rs` parses and dispatches).

mod compare;
mod fit;
pub mod resume;
mod sweep;
mod validate;

pub use compare::{compare, parse_slack, parse_tolerance, CompareOptions};
pub use fit::{fit, write_records};
pub use sweep::sweep;
pub use validate::{validate, ValidateOptions};
