//! The network model: delay, loss and faults between contact points, in scenario time.
//!
//! Every contact point holds the same model, so each decides deterministically, when it
//! sends, whether and when an envelope arrives. Its smallest delay is the lookahead of the
//! virtual clock: a message sent at `t` is never due before `t + lookahead`.

use crate::desk::Officers;
use crate::limits;
use crate::request::RequestKind;
use crate::roster::RosterSpec;
use crate::seed;
use crate::state::StateCode;
use crate::time::SimTime;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// One side of a link rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Side {
    State(StateCode),
    Region(String),
    Any,
}

/// Delay and loss between two sides (either direction). The first matching rule wins.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkRule {
    pub a: Side,
    pub b: Side,
    pub delay_ms: u64,
    /// Probability that one envelope is lost, in [0, 1).
    pub loss: f64,
}

/// A fault in scenario time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Fault {
    /// The contact point is down: it sends, receives and does nothing in `[from, until)`.
    Down { state: StateCode, from: SimTime, until: SimTime },
    /// No envelope crosses between a state of `a` and a state of `b` in `[from, until)`.
    Partition { a: Vec<StateCode>, b: Vec<StateCode>, from: SimTime, until: SimTime },
    /// The register's entry for `state` is stale in `[from, until)`: nothing sent to it
    /// through the register arrives (a fallback channel still reaches it).
    Stale { state: StateCode, from: SimTime, until: SimTime },
}

/// Why an envelope did not arrive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LossReason {
    SenderDown,
    ReceiverDown,
    Partition,
    StaleRegisterEntry,
    LinkLoss,
}

impl fmt::Display for LossReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LossReason::SenderDown => "sender down",
            LossReason::ReceiverDown => "receiver down",
            LossReason::Partition => "partition",
            LossReason::StaleRegisterEntry => "stale register entry",
            LossReason::LinkLoss => "packet loss on the link",
        })
    }
}

/// A channel a requester falls back on when the register's entry does not answer
/// (INTERPOL's I-24/7, the G7 24/7 network): it reaches the contact point another way,
/// in `delay_ms`, whatever the register says; no fault of the 24/7 network touches it but
/// a contact point that is down.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fallback {
    pub name: String,
    pub delay_ms: u64,
}

/// A regional hub: `hub` takes the requests to `members` that arrive while a member's own
/// contact point is not staffed and the hub covers (`covers`: its hours, in its local
/// time), acknowledges them, executes the kinds it may (`executes`) and hands the rest back
/// to the member, whose desk executes them in its own open hours.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hub {
    pub hub: StateCode,
    pub members: Vec<StateCode>,
    pub covers: RosterSpec,
    pub executes: Vec<RequestKind>,
    /// The hub desk's officers; `None`: as many as there is work.
    pub officers: Option<Officers>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetworkModel {
    /// One-way delay when no rule matches, in scenario milliseconds.
    pub link_delay_ms: u64,
    pub links: Vec<LinkRule>,
    pub faults: Vec<Fault>,
    /// Each state's region, for region rules.
    pub regions: BTreeMap<StateCode, String>,
    /// The languages each state accepts requests in, as it notified them (the register);
    /// none listed: any.
    pub languages: BTreeMap<StateCode, Vec<String>>,
    /// Regional hubs and the states they cover.
    pub hubs: Vec<Hub>,
    /// Fallback channels, in the order requesters try them on resends.
    pub fallbacks: Vec<Fallback>,
    /// Providers, agreements between states, and the share of covered requests that go
    /// by direct order instead of the 24/7 step.
    pub roads: crate::road::Roads,
}

impl NetworkModel {
    /// Every link `link_delay_ms`, no loss, no faults.
    pub fn new(link_delay_ms: u64) -> NetworkModel {
        assert!(link_delay_ms >= limits::LINK_DELAY_MS_MIN, "link delay below the lookahead floor");
        NetworkModel {
            link_delay_ms,
            links: vec![],
            faults: vec![],
            regions: BTreeMap::new(),
            languages: BTreeMap::new(),
            hubs: vec![],
            fallbacks: vec![],
            roads: crate::road::Roads::default(),
        }
    }

    fn matches(&self, side: &Side, state: StateCode) -> bool {
        match side {
            Side::State(s) => *s == state,
            Side::Region(r) => self.regions.get(&state) == Some(r),
            Side::Any => true,
        }
    }

    fn rule(&self, from: StateCode, to: StateCode) -> Option<&LinkRule> {
        self.links.iter().find(|l| {
            (self.matches(&l.a, from) && self.matches(&l.b, to)) || (self.matches(&l.a, to) && self.matches(&l.b, from))
        })
    }

    /// One-way delay from `from` to `to`; never below [`Self::lookahead_ms`].
    pub fn delay_ms(&self, from: StateCode, to: StateCode) -> u64 {
        self.rule(from, to).map_or(self.link_delay_ms, |l| l.delay_ms)
    }

    /// The hub that covers `member`, if any.
    pub fn hub_of(&self, member: StateCode) -> Option<&Hub> {
        self.hubs.iter().find(|h| h.members.contains(&member))
    }

    /// Whether `state` accepts a request written in `language` without translation.
    pub fn accepts(&self, state: StateCode, language: &str) -> bool {
        self.languages.get(&state).is_none_or(|l| l.is_empty() || l.iter().any(|x| x.eq_ignore_ascii_case(language)))
    }

    /// The smallest delay of any link or fallback channel.
    pub fn lookahead_ms(&self) -> u64 {
        self.links
            .iter()
            .map(|l| l.delay_ms)
            .chain(self.fallbacks.iter().map(|f| f.delay_ms))
            .chain([self.link_delay_ms])
            .min()
            .unwrap_or(1)
            .max(limits::LINK_DELAY_MS_MIN)
    }

    /// If `state` is down at `t`, when it comes back up.
    pub fn down_until(&self, state: StateCode, t: SimTime) -> Option<SimTime> {
        self.faults
            .iter()
            .filter_map(|f| match f {
                Fault::Down { state: s, from, until } if *s == state && *from <= t && t < *until => Some(*until),
                _ => None,
            })
            .max()
    }

    /// Whether an envelope from `from` (its `seq`-th) sent at `sent_at` arrives;
    /// `through_register`: it is addressed by the register's entry (a stale entry loses
    /// it), not an answer on an open thread.
    pub fn fate(
        &self,
        seed: u64,
        from: StateCode,
        to: StateCode,
        seq: u64,
        sent_at: SimTime,
        through_register: bool,
    ) -> Result<SimTime, LossReason> {
        let deliver_at = sent_at.plus_ms(self.delay_ms(from, to));
        for fault in &self.faults {
            match fault {
                Fault::Stale { state, from: t0, until }
                    if through_register && *state == to && *t0 <= sent_at && sent_at < *until =>
                {
                    return Err(LossReason::StaleRegisterEntry)
                }
                Fault::Partition { a, b, from: t0, until }
                    if *t0 <= sent_at
                        && sent_at < *until
                        && ((a.contains(&from) && b.contains(&to)) || (a.contains(&to) && b.contains(&from))) =>
                {
                    return Err(LossReason::Partition)
                }
                _ => {}
            }
        }
        if self.down_until(from, sent_at).is_some() {
            return Err(LossReason::SenderDown);
        }
        if self.down_until(to, deliver_at).is_some() {
            return Err(LossReason::ReceiverDown);
        }
        let loss = self.rule(from, to).map_or(0.0, |l| l.loss);
        if loss > 0.0 && seed::keyed(seed, from, seq, seed::Purpose::Loss).random::<f64>() < loss {
            return Err(LossReason::LinkLoss);
        }
        Ok(deliver_at)
    }

    /// The fallback channel a request's `attempt`-th send goes by: the first goes by the
    /// register's entry; each resend by the next fallback in order, and the last fallback
    /// for every later one (none named: every send by the register).
    pub fn fallback_for(&self, attempt: u32) -> Option<u8> {
        let n = self.fallbacks.len();
        let i = usize::try_from(attempt.checked_sub(2)?).ok()?.min(n.checked_sub(1)?);
        u8::try_from(i).ok()
    }

    /// Whether an envelope sent by fallback channel `channel` arrives: only a contact
    /// point that is down stops it.
    pub fn fate_by_fallback(
        &self,
        channel: u8,
        from: StateCode,
        to: StateCode,
        sent_at: SimTime,
    ) -> Result<SimTime, LossReason> {
        let delay = self.fallbacks.get(usize::from(channel)).map_or(self.link_delay_ms, |f| f.delay_ms);
        let deliver_at = sent_at.plus_ms(delay);
        if self.down_until(from, sent_at).is_some() {
            return Err(LossReason::SenderDown);
        }
        if self.down_until(to, deliver_at).is_some() {
            return Err(LossReason::ReceiverDown);
        }
        Ok(deliver_at)
    }

    pub fn validate(&self) -> Result<(), String> {
        for l in &self.links {
            if l.delay_ms < limits::LINK_DELAY_MS_MIN || l.delay_ms > limits::DELAY_MS_MAX {
                return Err(format!("link delay {} ms outside [1 ms, 1 year]", l.delay_ms));
            }
            if !(0.0..1.0).contains(&l.loss) {
                return Err(format!("link loss {} outside [0, 1)", l.loss));
            }
        }
        for (state, languages) in &self.languages {
            let too_long = languages.iter().any(|l| l.len() > limits::LANGUAGE_BYTES_MAX);
            if languages.len() > limits::LANGUAGES_MAX || too_long {
                return Err(format!("{state}: more than {} languages, or one too long", limits::LANGUAGES_MAX));
            }
        }
        if self.languages.len() > limits::STATES_MAX {
            return Err(format!("languages for more than {} states", limits::STATES_MAX));
        }
        if self.hubs.len() > limits::HUBS_MAX || self.hubs.iter().any(|h| h.members.len() > limits::STATES_MAX) {
            return Err(format!(
                "more than {} hubs, or a hub of more than {} members",
                limits::HUBS_MAX,
                limits::STATES_MAX
            ));
        }
        if self.fallbacks.len() > limits::FALLBACKS_MAX {
            return Err(format!("more than {} fallback channels", limits::FALLBACKS_MAX));
        }
        for f in &self.fallbacks {
            if f.delay_ms < limits::LINK_DELAY_MS_MIN
                || f.delay_ms > limits::DELAY_MS_MAX
                || f.name.len() > limits::NAME_BYTES_MAX
            {
                return Err(format!(
                    "fallback channel `{}`: delay outside [1 ms, 1 year] or name too long",
                    f.name.chars().take(40).collect::<String>()
                ));
            }
        }
        self.roads.validate().map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> StateCode {
        StateCode::parse(s).expect("code")
    }

    #[test]
    fn first_matching_rule_sets_delay_in_both_directions() {
        let mut n = NetworkModel::new(200);
        n.regions.insert(code("NGA"), "Africa".into());
        n.regions.insert(code("FRA"), "EU/Europe".into());
        n.links.push(LinkRule { a: Side::Region("Africa".into()), b: Side::Any, delay_ms: 600, loss: 0.0 });
        assert_eq!(n.delay_ms(code("FRA"), code("NGA")), 600);
        assert_eq!(n.delay_ms(code("NGA"), code("FRA")), 600);
        assert_eq!(n.delay_ms(code("FRA"), code("VNM")), 200);
        assert_eq!(n.lookahead_ms(), 200);
    }

    #[test]
    fn faults_decide_the_fate_of_an_envelope() {
        let mut n = NetworkModel::new(100);
        let t = SimTime(1_000_000);
        n.faults.push(Fault::Down { state: code("VNM"), from: t, until: SimTime(2_000_000) });
        n.faults.push(Fault::Partition {
            a: vec![code("FRA")],
            b: vec![code("BRA")],
            from: t,
            until: SimTime(2_000_000),
        });
        n.faults.push(Fault::Stale { state: code("GHA"), from: SimTime(0), until: SimTime(i64::MAX) });
        assert_eq!(n.fate(1, code("FRA"), code("VNM"), 0, t, true), Err(LossReason::ReceiverDown));
        assert_eq!(n.fate(1, code("VNM"), code("FRA"), 0, t, true), Err(LossReason::SenderDown));
        assert_eq!(n.fate(1, code("BRA"), code("FRA"), 0, t, true), Err(LossReason::Partition));
        assert_eq!(n.fate(1, code("FRA"), code("GHA"), 0, t, true), Err(LossReason::StaleRegisterEntry));
        assert_eq!(n.fate(1, code("BRA"), code("FRA"), 0, SimTime(2_000_000), true), Ok(SimTime(2_000_100)));
        // An answer on an open thread reaches a state whose register entry is stale; a
        // stale span ends; a fallback channel passes it.
        assert_eq!(n.fate(1, code("FRA"), code("GHA"), 0, t, false), Ok(t.plus_ms(100)));
        n.faults.push(Fault::Stale { state: code("CIV"), from: SimTime(10), until: SimTime(20) });
        assert_eq!(n.fate(1, code("FRA"), code("CIV"), 0, SimTime(19), true), Err(LossReason::StaleRegisterEntry));
        assert_eq!(n.fate(1, code("FRA"), code("CIV"), 0, SimTime(20), true), Ok(SimTime(120)));
        assert_eq!(n.fate(1, code("FRA"), code("CIV"), 0, SimTime(9), true), Ok(SimTime(109)));
        n.fallbacks.push(Fallback { name: "INTERPOL I-24/7".into(), delay_ms: 4_000 });
        assert_eq!(n.fallback_for(1), None);
        assert_eq!(n.fallback_for(2), Some(0));
        assert_eq!(n.fallback_for(9), Some(0));
        assert_eq!(n.fate_by_fallback(0, code("FRA"), code("GHA"), t), Ok(t.plus_ms(4_000)));
        assert_eq!(n.down_until(code("VNM"), t), Some(SimTime(2_000_000)));
    }
}
