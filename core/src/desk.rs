//! A desk with people: a number of officers per roster mode, work that needs one of them
//! for its duration, and a queue for work waiting for a free officer, in the order the
//! profile names (emergencies first, then by evidence deadline, then first come).
//!
//! Without a desk (`officers` not set) every request draws its delays on its own, as if
//! the desk had as many officers as requests: the model of scenarios that do not opt in.
//!
//! The desk only keeps the queue and counts officers at work; the contact point decides
//! when work starts (`take`), how long it takes (its roster's open time) and when it ends
//! (`done`). An officer who starts a piece of work finishes it, even if the shift changes
//! meanwhile: capacity is checked when work starts.

use crate::limits;
use crate::request::RequestId;
use crate::roster::{Mode, OpenWhen};
use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Officers at a desk in each roster mode (none while it is closed).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Officers {
    pub staffed: u16,
    pub on_call: u16,
}

impl Officers {
    pub fn in_mode(&self, mode: Mode) -> usize {
        usize::from(match mode {
            Mode::Staffed => self.staffed,
            Mode::OnCall => self.on_call,
            Mode::Closed => 0,
        })
    }
}

/// The order in which waiting work is taken.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum QueueOrder {
    /// Emergencies first, then the earliest evidence deadline, then first come.
    EmergencyThenDeadline,
    /// The earliest evidence deadline first, then first come.
    Deadline,
    /// First come, first served.
    Fifo,
}

impl QueueOrder {
    pub const NAMES: [(&'static str, QueueOrder); 3] = [
        ("emergency-then-deadline", QueueOrder::EmergencyThenDeadline),
        ("deadline", QueueOrder::Deadline),
        ("fifo", QueueOrder::Fifo),
    ];
}

/// Which desk of a state.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DeskName {
    /// The 24/7 point of contact.
    ContactPoint,
    /// The central authority, for the kinds handed to it.
    CentralAuthority,
    /// The central authority as it drafts and executes MLA requests.
    MlaOffice,
    /// A regional hub's desk, for its members' requests.
    Hub,
    /// The contact point's translators, for requests in a language it does not accept.
    Translation,
}

impl DeskName {
    pub fn as_str(&self) -> &'static str {
        match self {
            DeskName::ContactPoint => "contact point",
            DeskName::CentralAuthority => "central authority",
            DeskName::MlaOffice => "MLA office",
            DeskName::Hub => "hub",
            DeskName::Translation => "translation desk",
        }
    }
}

impl fmt::Display for DeskName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a piece of work at a desk is.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Task {
    /// A person looks at a request and acknowledges it.
    Acknowledge,
    /// A person executes it (preserves, discloses, answers).
    Execute,
    /// The MLA office drafts an MLA request.
    Draft,
    /// The MLA office translates an MLA request; the translation desk, a request.
    Translate,
}

impl Task {
    pub fn as_str(&self) -> &'static str {
        match self {
            Task::Acknowledge => "acknowledge",
            Task::Execute => "execute",
            Task::Draft => "draft",
            Task::Translate => "translate",
        }
    }
}

/// A piece of work waiting for an officer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiting {
    pub id: RequestId,
    pub task: Task,
    /// It may not start before this (a translation under way, say).
    pub ready_at: SimTime,
    /// Which modes of the desk's roster may take it.
    pub open: OpenWhen,
    pub joined: SimTime,
}

/// Its place in the queue: rank, deadline, arrival, then a sequence number.
type QueueKey = (u8, SimTime, SimTime, u64);

#[derive(Clone, Debug)]
pub struct Desk {
    officers: Officers,
    order: QueueOrder,
    at_work: usize,
    queue: BTreeMap<QueueKey, Waiting>,
    seq: u64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the queue of {0} holds {max} pieces of work already", max = limits::DESK_QUEUE_MAX)]
pub struct QueueFull(pub DeskName);

impl Desk {
    pub fn new(officers: Officers, order: QueueOrder) -> Desk {
        Desk { officers, order, at_work: 0, queue: BTreeMap::new(), seq: 0 }
    }

    pub fn officers(&self) -> Officers {
        self.officers
    }

    pub fn waiting(&self) -> usize {
        self.queue.len()
    }

    /// Puts work in the queue; `emergency` and `deadline` rank it as the order says.
    pub fn join(
        &mut self,
        w: Waiting,
        emergency: bool,
        deadline: Option<SimTime>,
        name: DeskName,
    ) -> Result<(), QueueFull> {
        if self.queue.len() >= limits::DESK_QUEUE_MAX {
            return Err(QueueFull(name));
        }
        let never = SimTime(i64::MAX);
        let key = match self.order {
            QueueOrder::EmergencyThenDeadline => (u8::from(!emergency), deadline.unwrap_or(never), w.joined, self.seq),
            QueueOrder::Deadline => (0, deadline.unwrap_or(never), w.joined, self.seq),
            QueueOrder::Fifo => (0, never, w.joined, self.seq),
        };
        self.seq += 1;
        self.queue.insert(key, w);
        Ok(())
    }

    /// Moves a request's waiting work to the front (an escalation reached a person).
    pub fn to_front(&mut self, id: RequestId) {
        let keys: Vec<QueueKey> = self.queue.iter().filter(|(_, w)| w.id == id).map(|(k, _)| *k).collect();
        for k in keys {
            if let Some(w) = self.queue.remove(&k) {
                self.queue.insert((0, SimTime(i64::MIN), w.joined, k.3), w);
            }
        }
    }

    /// Takes a request's waiting work out of the queue (withdrawn, the exercise ended).
    pub fn forget(&mut self, id: RequestId) {
        self.queue.retain(|_, w| w.id != id);
    }

    /// The work that starts now, in queue order: ready, admitted by the mode, while an
    /// officer is free. Each counts as at work until [`Desk::done`].
    pub fn take(&mut self, now: SimTime, mode: Mode) -> Vec<Waiting> {
        let free = self.officers.in_mode(mode).saturating_sub(self.at_work);
        if free == 0 {
            return Vec::new();
        }
        let startable: Vec<QueueKey> = self
            .queue
            .iter()
            .filter(|(_, w)| w.ready_at <= now && w.open.admits(mode))
            .map(|(k, _)| *k)
            .take(free)
            .collect();
        self.at_work += startable.len();
        startable.into_iter().filter_map(|k| self.queue.remove(&k)).collect()
    }

    /// An officer finished a piece of work.
    pub fn done(&mut self) {
        debug_assert!(self.at_work > 0, "done without work");
        self.at_work = self.at_work.saturating_sub(1);
    }

    /// Whether work waits that an officer at this desk could not take now only for want
    /// of one (so that a free officer, or a new shift, starts it).
    pub fn has_waiting(&self) -> bool {
        !self.queue.is_empty()
    }

    /// The earliest time a piece of waiting work becomes ready.
    pub fn next_ready(&self, now: SimTime) -> Option<SimTime> {
        self.queue.values().map(|w| w.ready_at).filter(|t| *t > now).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(case: u32, joined: i64) -> Waiting {
        Waiting {
            id: RequestId { case, link: 0 },
            task: Task::Acknowledge,
            ready_at: SimTime(joined),
            open: OpenWhen::StaffedOrOnCall,
            joined: SimTime(joined),
        }
    }

    #[test]
    fn emergencies_go_first_then_the_earliest_deadline_then_first_come() {
        let mut d = Desk::new(Officers { staffed: 3, on_call: 1 }, QueueOrder::EmergencyThenDeadline);
        d.join(w(1, 1), false, None, DeskName::ContactPoint).expect("room");
        d.join(w(2, 2), false, Some(SimTime(100)), DeskName::ContactPoint).expect("room");
        d.join(w(3, 3), true, None, DeskName::ContactPoint).expect("room");
        let order: Vec<u32> = d.take(SimTime(10), Mode::Staffed).iter().map(|w| w.id.case).collect();
        assert_eq!(order, [3, 2, 1]);
        // All three officers are at work: nothing more starts until one is done.
        d.join(w(4, 4), true, None, DeskName::ContactPoint).expect("room");
        assert!(d.take(SimTime(10), Mode::Staffed).is_empty());
        d.done();
        assert_eq!(d.take(SimTime(10), Mode::Staffed).len(), 1);
    }

    #[test]
    fn fewer_officers_on_call_and_none_when_closed() {
        let mut d = Desk::new(Officers { staffed: 2, on_call: 1 }, QueueOrder::Fifo);
        for case in 1..=3 {
            d.join(w(case, i64::from(case)), false, None, DeskName::ContactPoint).expect("room");
        }
        assert!(d.take(SimTime(10), Mode::Closed).is_empty());
        assert_eq!(d.take(SimTime(10), Mode::OnCall).len(), 1);
        assert_eq!(d.take(SimTime(10), Mode::Staffed).len(), 1, "one more: two officers in all");
        assert_eq!(d.waiting(), 1);
    }
}
