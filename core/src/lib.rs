//! pocnet-core: a state's 24/7 point of contact as a sans-IO state machine.
//!
//! Nothing in this crate opens a socket, reads a clock or uses a global random number
//! generator: inputs come in with `now` (a [`SimTime`]), outputs are drained by the caller.
//! The QUIC node, the in-process engine and the tests all drive the same [`ContactPoint`]
//! through the same [`Agenda`], which is why their reports are identical.

pub mod agenda;
pub mod config;
pub mod contact_point;
pub mod delay;
pub mod desk;
pub mod event;
pub mod evidence;
pub mod limits;
pub mod network;
pub mod operator;
pub mod profile;
pub mod request;
pub mod road;
pub mod roster;
pub mod seed;
pub mod state;
pub mod time;
pub mod tzdb;
pub mod wire;

pub use agenda::{Agenda, EnqueueError, WindowOutput, WindowRule};
pub use config::{ConfigError, ContactPointConfig};
pub use contact_point::ContactPoint;
pub use desk::{DeskName, Finish, Officers, QueueOrder, ShiftEnd, Task};
pub use event::{Event, EventKind};
pub use evidence::{DataClass, HoldRule, MlaPolicy, MlaResult, Notice, Retention};
pub use network::NetworkModel;
pub use operator::{ActionName, ActionRefusal, ExerciseInput, OperatorAction};
pub use profile::{Delay, DelaysByMode, Profile};
pub use request::{Art42, Inject, LimitError, RequestId, RequestIdError, RequestKind, Response};
pub use road::{Agreement, Instrument, Provider, Roads};
pub use roster::{Mode, ModeSpan, OpenWhen, Roster, RosterSpec, Shift, WorkWeek};
pub use state::StateCode;
pub use time::SimTime;
