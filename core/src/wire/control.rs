//! The control protocol between the coordinator and a node: setup, grants of virtual
//! time, window reports, the end. One bidirectional stream per node, opened by the node.

use crate::config::ContactPointConfig;
use crate::event::Event;
use crate::operator::ExerciseInput;
use crate::request::Inject;
use crate::state::StateCode;
use crate::time::SimTime;
use crate::wire::peer::Rejection;
use serde::{Deserialize, Serialize};

/// One entry of the register of contact points, as the coordinator hands it out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterEntry {
    pub state: StateCode,
    pub name: String,
    pub tz: String,
    /// `host:port` of the contact point's QUIC endpoint.
    pub address: String,
}

/// A run's identity: a node's journal belongs to one run, and a journal from another run
/// (a node host that kept its volume) is never replayed into this one.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunId(pub [u8; 16]);

impl std::fmt::Display for RunId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// One node process: drawn at random when it starts. A node's identity at registration is
/// its certificate's state and this: a second process for a state is told apart from the
/// first one restarting.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceId(pub [u8; 16]);

impl std::fmt::Display for InstanceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for b in &self.0[..4] {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ToNode {
    /// The node's configuration and the register; injects follow in `Injects` frames.
    Setup {
        run: RunId,
        config: Box<ContactPointConfig>,
        register: Vec<RegisterEntry>,
    },
    Injects(Vec<Inject>),
    /// All injects sent: answer `Ready`.
    SetupDone,
    /// Process every input due before `until`, deliver what it produces, answer `WindowDone`.
    Grant {
        until: SimTime,
    },
    /// The run is over: answer `Finished` and exit.
    Finish,
    /// `state`'s node died and was restarted (on the same address, or, for a node its host
    /// rescheduled, at `address`): connections to its earlier life are dead (QUIC would
    /// notice only at its idle timeout), drop them.
    PeerRestarted {
        state: StateCode,
        /// Where it listens now (a node rescheduled by its host's supervisor may move).
        address: String,
    },
    /// Drop every datagram to these peers beneath QUIC (a real partition) ...
    Cut {
        peers: Vec<StateCode>,
    },
    /// ... until this.
    Heal {
        peers: Vec<StateCode>,
    },
    /// A person's action or the end of the exercise, to run at `at` (never before this
    /// node's horizon: the coordinator stamps it at or after the last window it granted).
    Exercise {
        at: SimTime,
        input: ExerciseInput,
    },
}

/// The application close code with which the coordinator closes a node's control
/// connection when it stops before the end (interrupted): the node exits, quietly. Nodes
/// the coordinator started are killed as well; nodes started elsewhere (`pocnet run
/// --attach`) learn it from this.
pub const STOP_CODE: u32 = 0x5707;
/// The application close code with which the coordinator refuses a registration because
/// another node for the same state is registered and alive: the refused node exits with
/// an error saying so.
pub const SECOND_NODE_CODE: u32 = 0x5708;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FromNode {
    /// `wall_clock_ms`: the node's real clock (Unix ms) when it sent this, so that the
    /// coordinator can report each host's clock offset in wall-clock runs.
    Hello {
        state: StateCode,
        listen: String,
        wall_clock_ms: i64,
        /// This node process (a restarted node is a new one).
        instance: InstanceId,
    },
    Ready {
        next_event: Option<SimTime>,
    },
    /// Events of the current window; several frames may precede `WindowDone`.
    Events(Vec<Event>),
    WindowDone(WindowDone),
    /// This node queued (and journalled) these envelopes of `from`, by sequence number:
    /// sent for every batch it accepts, before it answers the sender `Accepted`, whether
    /// or not this node is in the window. A window closes when its senders' `written` are
    /// all reported queued.
    Queued {
        from: StateCode,
        seqs: Vec<u64>,
    },
    Finished(TransportStats),
    /// The node cannot go on; it exits after sending this.
    Failed {
        cause: FailureCause,
        detail: String,
    },
}

/// Why a node failed: the coordinator decides on it (restart, or fail the run).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FailureCause {
    /// Its journal could not be read or written (a full disk, a missing folder): a restart
    /// may help, and the coordinator tries, within its limit.
    Journal,
    /// A delivery to a peer failed for good (unreachable, or refused for a reason that
    /// will not change): a restart may help if the peer comes back.
    Delivery,
    /// The coordinator sent something this node cannot follow (a stale grant, a frame out
    /// of place): a bug on one side; the run fails.
    Protocol,
    /// The setup is unusable (configuration, register, injects): the run fails.
    Setup,
}

impl std::fmt::Display for FailureCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            FailureCause::Journal => "journal",
            FailureCause::Delivery => "delivery",
            FailureCause::Protocol => "protocol",
            FailureCause::Setup => "setup",
        })
    }
}

/// A node's answer to a grant: what the coordinator needs to place the next window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowDone {
    /// Earliest input still pending at this node (never before the granted `until`).
    pub next_event: Option<SimTime>,
    /// For each receiver of this window's messages, the earliest `deliver_at` sent to it
    /// that wakes it (quiet envelopes left out).
    pub sent: Vec<(StateCode, SimTime)>,
    /// For each receiver, the sequence numbers of every envelope written to it in this
    /// window (quiet ones too). They were written before this answer, not necessarily
    /// queued: each receiver reports what it queued (`FromNode::Queued`), and the window
    /// closes when every one is.
    pub written: Vec<(StateCode, Vec<u64>)>,
    /// The window's events: all of them, or the last ones after `Events` frames when there
    /// are more than one frame holds (one control frame per window in the common case).
    pub events: Vec<Event>,
}

/// Real transport figures a node measured (wall clock; never part of the scenario report).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TransportStats {
    /// Batch round trips (write to `Accepted`), in microseconds; at most a bounded sample.
    pub batch_rtt_us: Vec<u64>,
    pub peers: Vec<PeerTransport>,
    /// Every refusal, counted by kind and peer, with the first one's detail.
    pub refusals: Vec<RefusalCount>,
}

/// What a node (or the coordinator) refused, or had refused.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RefusalKind {
    /// An incoming handshake failed (a certificate of another CA, expired, none).
    Handshake,
    /// A certificate names no pocnet identity, or several.
    NoIdentity,
    /// A certificate names a state that is not in this run's register.
    NotInRegister,
    /// A coordinator's certificate where a contact point's was expected, or the reverse.
    WrongRole,
    /// A peer state opened more connections than it may hold at once.
    TooManyConnections,
    /// More handshakes in progress than the endpoint takes.
    TooManyHandshakes,
    /// This node refused a batch (the reason is the rejection's).
    BatchRejected(Rejection),
    /// A node's own outgoing handshake failed (the peer's certificate, or none).
    OutgoingHandshake,
    /// A peer refused a batch this node sent.
    RejectedByPeer(Rejection),
    /// A registration the coordinator refused (an unexpected state, a second registration).
    Registration,
    /// A node registered for a state whose node is registered and alive: a second
    /// process, not a restart; refused.
    SecondNode,
}

impl RefusalKind {
    /// The kind's name without details (`batch_rejected/timeout`): what a log throttles on.
    pub fn family(&self) -> String {
        let plain = match self {
            RefusalKind::Handshake => "handshake",
            RefusalKind::NoIdentity => "no_identity",
            RefusalKind::NotInRegister => "not_in_register",
            RefusalKind::WrongRole => "wrong_role",
            RefusalKind::TooManyConnections => "too_many_connections",
            RefusalKind::TooManyHandshakes => "too_many_handshakes",
            RefusalKind::BatchRejected(r) => return format!("batch_rejected/{}", r.name()),
            RefusalKind::OutgoingHandshake => "outgoing_handshake",
            RefusalKind::RejectedByPeer(r) => return format!("rejected_by_peer/{}", r.name()),
            RefusalKind::Registration => "registration",
            RefusalKind::SecondNode => "second_node",
        };
        plain.to_string()
    }
}

impl std::fmt::Display for RefusalKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RefusalKind::Handshake => f.write_str("incoming handshake failed"),
            RefusalKind::NoIdentity => f.write_str("certificate names no pocnet identity"),
            RefusalKind::NotInRegister => f.write_str("certificate names a state outside the register"),
            RefusalKind::WrongRole => f.write_str("certificate of the wrong role"),
            RefusalKind::TooManyConnections => f.write_str("too many connections from one peer"),
            RefusalKind::TooManyHandshakes => f.write_str("too many handshakes at once"),
            RefusalKind::BatchRejected(r) => write!(f, "batch refused: {r}"),
            RefusalKind::OutgoingHandshake => f.write_str("outgoing handshake failed"),
            RefusalKind::RejectedByPeer(r) => write!(f, "batch refused by the peer: {r}"),
            RefusalKind::Registration => f.write_str("registration refused"),
            RefusalKind::SecondNode => f.write_str("a second node for a state whose node is alive"),
        }
    }
}

/// Refusals of one kind from one peer (a state code, or an address before identity).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusalCount {
    pub kind: RefusalKind,
    pub peer: String,
    pub count: u64,
    /// The first one's detail, cut to `REASON_BYTES_MAX`.
    pub first: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PeerTransport {
    pub peer: StateCode,
    pub rtt_us: u64,
    pub udp_tx_bytes: u64,
    pub udp_rx_bytes: u64,
    pub lost_packets: u64,
    pub sent_packets: u64,
}
