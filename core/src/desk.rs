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
//! meanwhile: capacity is checked when work starts. What happens to the work at the end of
//! the desk's open time is the profile's [`ShiftEnd`].

use crate::limits;
use crate::request::RequestId;
use crate::roster::{Mode, OpenWhen, Roster};
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

/// What happens to work in progress when the desk's open time for it ends (the end of a
/// shift, where no other shift follows at once): the profile's `shift_end`.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShiftEnd {
    /// It waits: the officer resumes it at the desk's next opening (pocnet's model before
    /// the policy was named, and the default).
    #[default]
    NextOpening,
    /// The officer finishes it past the shift's end: the time worked while the desk is not
    /// open for it is overtime.
    Overtime,
    /// The next staffed shift takes it over at the desk's next opening, after a hand-over
    /// of `cost_ms` of work (each time it passes from one shift to the next).
    HandOver { cost_ms: u64 },
}

/// When a piece of work is done under a [`ShiftEnd`], and what it cost.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Finish {
    pub at: SimTime,
    /// Work time outside the desk's open time (only under [`ShiftEnd::Overtime`]).
    pub overtime_ms: u64,
    /// Times the work passed to the next shift (only under [`ShiftEnd::HandOver`]).
    pub hand_overs: u32,
}

/// How far a piece of work is followed before it is said never to end (as
/// [`Roster::finish_work`]).
const FINISH_SEARCH_MS_MAX: u64 = 8 * 366 * 86_400_000;

impl ShiftEnd {
    pub const NAMES: [&'static str; 3] = ["next_opening", "overtime", "hand_over"];

    pub fn as_str(&self) -> &'static str {
        match self {
            ShiftEnd::NextOpening => "next_opening",
            ShiftEnd::Overtime => "overtime",
            ShiftEnd::HandOver { .. } => "hand_over",
        }
    }

    /// When `work_ms` of work started at `start` (an open instant for `open`) is done at a
    /// desk on `roster`. `None`: the desk is not open long enough within eight years.
    pub fn finish(self, roster: &Roster, start: SimTime, work_ms: u64, open: OpenWhen) -> Option<Finish> {
        let waits = |at| Finish { at, overtime_ms: 0, hand_overs: 0 };
        match self {
            ShiftEnd::NextOpening => roster.finish_work(start, work_ms, open).map(waits),
            ShiftEnd::Overtime => {
                let end = start.plus_ms(work_ms);
                let overtime_ms = work_ms.saturating_sub(roster.open_ms(start, end, open));
                if overtime_ms == 0 {
                    return roster.finish_work(start, work_ms, open).map(waits);
                }
                Some(Finish { at: end, overtime_ms, hand_overs: 0 })
            }
            ShiftEnd::HandOver { cost_ms } => hand_over(roster, start, work_ms, open, cost_ms),
        }
    }

    /// Overtime in a piece of work done from `started` to `done` under this policy: the
    /// time between them in which the desk was not open for it.
    pub fn overtime_ms(self, roster: &Roster, started: SimTime, done: SimTime, open: OpenWhen) -> u64 {
        match self {
            ShiftEnd::Overtime => done.since(started).saturating_sub(roster.open_ms(started, done, open)),
            ShiftEnd::NextOpening | ShiftEnd::HandOver { .. } => 0,
        }
    }
}

/// Work that passes to the next shift at each end of open time: what is left waits for the
/// next opening, plus `cost_ms`. Work that would end exactly as the desk closes ends at the
/// next opening with nothing to hand over ([`Roster::finish_work`]'s rule).
fn hand_over(roster: &Roster, start: SimTime, work_ms: u64, open: OpenWhen, cost_ms: u64) -> Option<Finish> {
    let (mut t, mut left, mut hand_overs) = (roster.next_open(start, open)?, work_ms, 0u32);
    loop {
        let horizon = t.plus_ms(left.saturating_add(1));
        let closes = roster.timeline(t, horizon).into_iter().find(|s| !open.admits(s.mode)).map(|s| s.from);
        let Some(closes) = closes else {
            return Some(Finish { at: t.plus_ms(left), overtime_ms: 0, hand_overs });
        };
        left = left.saturating_sub(closes.since(t));
        t = roster.next_open(closes, open)?;
        if left == 0 {
            return Some(Finish { at: t, overtime_ms: 0, hand_overs });
        }
        left = left.saturating_add(cost_ms);
        hand_overs = hand_overs.saturating_add(1);
        if t.since(start) > FINISH_SEARCH_MS_MAX {
            return None;
        }
    }
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
    /// A provider's desk for direct orders (its index in the scenario's providers), hosted
    /// by its home state's contact point.
    Provider(u8),
}

impl DeskName {
    pub fn as_str(&self) -> &'static str {
        match self {
            DeskName::ContactPoint => "contact point",
            DeskName::CentralAuthority => "central authority",
            DeskName::MlaOffice => "MLA office",
            DeskName::Hub => "hub",
            DeskName::Translation => "translation desk",
            DeskName::Provider(_) => "provider desk",
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

    fn at(s: &str) -> SimTime {
        SimTime::from_timestamp(s.parse().expect("test timestamp"))
    }

    fn paris(workweek: &str, hours: &str) -> Roster {
        Roster::new(crate::roster::RosterSpec {
            tz: "Europe/Paris".into(),
            workweek: crate::roster::WorkWeek::parse(workweek).expect("workweek"),
            shifts: vec![crate::roster::Shift::parse(hours).expect("shift")],
            always_staffed: false,
            off_hours: Mode::Closed,
            holidays: vec![],
        })
        .expect("roster")
    }

    const HOUR: u64 = 3_600_000;

    /// Paris, 09:00-17:00 Monday to Friday, closed otherwise; clocks go forward on Sunday
    /// 29 March 2026 (CET, UTC+1, to CEST, UTC+2). Four hours of work start on Friday 27
    /// at 15:00 CET (14:00Z); two hours are left at 17:00 CET (16:00Z).
    /// - next_opening: the two hours resume on Monday at 09:00 CEST = 07:00Z: done 09:00Z;
    /// - overtime: the officer works on to 19:00 CET = 18:00Z, two hours of overtime;
    /// - hand_over (30 minutes): Monday's shift takes 2h30 from 07:00Z: done 09:30Z.
    #[test]
    fn friday_work_over_the_weekend_of_the_spring_change_by_each_policy() {
        let r = paris("Mon-Fri", "09:00-17:00");
        let (start, open) = (at("2026-03-27T14:00:00Z"), OpenWhen::Staffed);
        let f = |p: ShiftEnd| p.finish(&r, start, 4 * HOUR, open).expect("finishes");
        assert_eq!(f(ShiftEnd::NextOpening), Finish { at: at("2026-03-30T09:00:00Z"), overtime_ms: 0, hand_overs: 0 });
        assert_eq!(
            f(ShiftEnd::Overtime),
            Finish { at: at("2026-03-27T18:00:00Z"), overtime_ms: 2 * HOUR, hand_overs: 0 }
        );
        let h = f(ShiftEnd::HandOver { cost_ms: HOUR / 2 });
        assert_eq!(h, Finish { at: at("2026-03-30T09:30:00Z"), overtime_ms: 0, hand_overs: 1 });
        assert_eq!(ShiftEnd::Overtime.overtime_ms(&r, start, at("2026-03-27T18:00:00Z"), open), 2 * HOUR);
        // Work that fits in the shift is the same under every policy.
        for p in [ShiftEnd::NextOpening, ShiftEnd::Overtime, ShiftEnd::HandOver { cost_ms: HOUR }] {
            assert_eq!(p.finish(&r, start, HOUR, open).map(|f| f.at), Some(at("2026-03-27T15:00:00Z")));
        }
    }

    /// A night shift 22:00-02:00 every day in Paris. On the night of Saturday 28 March 2026
    /// it runs from 22:00 CET (21:00Z) to the change at 01:00Z, when 02:00 CET becomes
    /// 03:00 CEST: the shift's last hour never happens. Three hours of work start at 00:00Z
    /// (01:00 CET): one hour fits.
    /// - next_opening: two hours resume at Sunday's 22:00 CEST = 20:00Z: done 22:00Z;
    /// - overtime: done at 03:00Z, 05:00 CEST: the clock moved three hours past the shift's
    ///   end but two hours of overtime were worked;
    /// - hand_over (30 minutes): 2h30 from 20:00Z: done 22:30Z.
    #[test]
    fn a_night_shift_cut_short_by_the_spring_change_by_each_policy() {
        let r = paris("Mon-Sun", "22:00-02:00");
        let (start, open) = (at("2026-03-29T00:00:00Z"), OpenWhen::Staffed);
        let f = |p: ShiftEnd| p.finish(&r, start, 3 * HOUR, open).expect("finishes");
        assert_eq!(f(ShiftEnd::NextOpening).at, at("2026-03-29T22:00:00Z"));
        assert_eq!(
            f(ShiftEnd::Overtime),
            Finish { at: at("2026-03-29T03:00:00Z"), overtime_ms: 2 * HOUR, hand_overs: 0 }
        );
        assert_eq!(f(ShiftEnd::HandOver { cost_ms: HOUR / 2 }).at, at("2026-03-29T22:30:00Z"));
    }

    /// Work that would end exactly as the shift ends is not overtime and hands nothing over:
    /// it ends at the next opening, as without a policy.
    #[test]
    fn work_ending_as_the_shift_ends_costs_nothing_more() {
        let r = paris("Mon-Fri", "09:00-17:00");
        let start = at("2026-03-27T14:00:00Z");
        let monday = at("2026-03-30T07:00:00Z");
        for p in [ShiftEnd::NextOpening, ShiftEnd::Overtime, ShiftEnd::HandOver { cost_ms: HOUR }] {
            assert_eq!(p.finish(&r, start, 2 * HOUR, OpenWhen::Staffed).map(|f| f.at), Some(monday), "{p:?}");
        }
    }

    /// A hand-over longer than any shift never ends: `None`, not a hang.
    #[test]
    fn a_hand_over_longer_than_every_shift_is_never_done() {
        let r = paris("Mon-Fri", "09:00-10:00");
        let p = ShiftEnd::HandOver { cost_ms: 2 * HOUR };
        assert_eq!(p.finish(&r, at("2026-03-27T08:30:00Z"), 2 * HOUR, OpenWhen::Staffed), None);
    }
}
