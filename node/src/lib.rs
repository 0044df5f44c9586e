//! pocnet-node: one state's 24/7 contact point as a process.
//!
//! A thin tokio shell around [`pocnet_core::Agenda`]: QUIC (quinn) with mutual TLS
//! (rustls) to peers and to the coordinator, one `select!` over one input enum. The
//! library half is shared with the coordinator and the tests: certificates ([`pki`]),
//! TLS configuration and peer identity ([`tls`]), frames on QUIC streams ([`framing`]).

pub mod framing;
pub mod pki;
pub mod runtime;
pub mod tls;
