//! What a node does with the bytes of one peer stream, without I/O: the frame is read, the
//! batch checked against the peer's certificate, each envelope against the limits and the
//! register, and what passes queued at the agenda. The node's loop and the stream fuzz
//! target both drive this.

use pocnet_core::limits;
use pocnet_core::wire::{Envelope, PeerFrame, Rejection};
use pocnet_core::{Agenda, EnqueueError, StateCode};
use std::collections::BTreeMap;
use std::time::Instant;

/// The batch a peer's frame carries, if it is a batch from the state its certificate names.
pub fn batch_from(peer: StateCode, frame: PeerFrame) -> Result<Vec<Envelope>, Rejection> {
    match frame {
        PeerFrame::Batch { from, envelopes } if from == peer => Ok(envelopes),
        PeerFrame::Batch { from, .. } => Err(Rejection::WrongSender { claimed: from, certified: peer }),
        _ => Err(Rejection::UnexpectedFrame),
    }
}

/// Queues a batch from `from` at `agenda`, all or the part before the first envelope it
/// refuses; returns the answer and what was queued (to journal before answering).
pub fn accept(
    agenda: &mut Agenda,
    known: impl Fn(StateCode) -> bool,
    from: StateCode,
    envelopes: Vec<Envelope>,
) -> (PeerFrame, Vec<Envelope>) {
    if envelopes.len() > limits::BATCH_ENVELOPES_MAX {
        let envelopes = u32::try_from(envelopes.len()).unwrap_or(u32::MAX);
        return (PeerFrame::Rejected { reason: Rejection::TooLarge { envelopes } }, Vec::new());
    }
    // Every envelope is checked before any is queued.
    for e in &envelopes {
        if e.from != from {
            return (
                PeerFrame::Rejected { reason: Rejection::WrongSender { claimed: e.from, certified: from } },
                vec![],
            );
        }
        if let Err(reason) = e.check(&known) {
            return (PeerFrame::Rejected { reason }, Vec::new());
        }
    }
    let count = envelopes.len();
    let mut accepted = Vec::with_capacity(count);
    for envelope in envelopes {
        match agenda.enqueue(envelope.clone()) {
            Ok(()) => accepted.push(envelope),
            Err(e) => {
                let reason = match e {
                    EnqueueError::InboxFull => Rejection::InboxFull { retry_after_ms: INBOX_RETRY_AFTER_MS },
                    EnqueueError::WrongReceiver { to, .. } => Rejection::WrongReceiver { to },
                    _ => Rejection::OutOfTime,
                };
                return (PeerFrame::Rejected { reason }, accepted);
            }
        }
    }
    (PeerFrame::Accepted { count: u32::try_from(count).unwrap_or(u32::MAX) }, accepted)
}

/// How long a sender is told to wait when the inbox is full.
const INBOX_RETRY_AFTER_MS: u32 = 1_000;
/// How long a rate-limited peer is told to wait at least.
const RETRY_AFTER_MS_MIN: u32 = 5;

/// A token bucket per peer: `rate` batches a second, and a burst of as many.
#[derive(Debug)]
pub struct RateLimit {
    rate: f64,
    buckets: BTreeMap<StateCode, (f64, Instant)>,
}

impl RateLimit {
    pub fn new(batches_per_second: u32) -> RateLimit {
        RateLimit { rate: f64::from(batches_per_second.max(1)), buckets: BTreeMap::new() }
    }

    /// Takes one batch's token from `peer`, or says how long to wait for one.
    pub fn take(&mut self, peer: StateCode) -> Result<(), Rejection> {
        let rate = self.rate;
        let (tokens, last) = self.buckets.entry(peer).or_insert((rate, Instant::now()));
        *tokens = (*tokens + last.elapsed().as_secs_f64() * rate).min(rate);
        *last = Instant::now();
        if *tokens < 1.0 {
            let ms = ((1.0 - *tokens) / rate * 1000.0).ceil() as u32;
            return Err(Rejection::RateLimited { retry_after_ms: ms.max(RETRY_AFTER_MS_MIN) });
        }
        *tokens -= 1.0;
        Ok(())
    }
}

/// The contact point the stream fuzz target (and its corpus replay) feeds: VNM, office
/// hours with an on-call desk, a central authority, resends, a 250 ms network.
pub fn fuzz_config() -> pocnet_core::ContactPointConfig {
    use pocnet_core::profile::{CentralAuthority, RequesterPolicy};
    use pocnet_core::{Delay, DelaysByMode, Mode, NetworkModel, Profile, RequestKind, RosterSpec, Shift, WorkWeek};
    let roster = RosterSpec {
        tz: "Asia/Ho_Chi_Minh".into(),
        workweek: WorkWeek::ALL_DAYS,
        shifts: Shift::parse("09:00-17:00").into_iter().collect(),
        always_staffed: false,
        off_hours: Mode::OnCall,
        holidays: vec![],
    };
    let delay = Delay::LogNormal { median_ms: 600_000, p90_ms: 3_600_000 };
    pocnet_core::ContactPointConfig {
        state: StateCode::parse("VNM").unwrap_or_else(|_| unreachable!("a valid code")),
        seed: 7,
        roster: roster.clone(),
        profile: Profile {
            acknowledge: DelaysByMode { staffed: delay.clone(), on_call: delay.clone() },
            fulfil: DelaysByMode { staffed: delay.clone(), on_call: delay.clone() },
            kinds: Default::default(),
            languages: vec!["vi".into(), "en".into()],
            translation: Delay::Uniform { min_ms: 60_000, max_ms: 3_600_000 },
            refuse_probability: 0.1,
            refusal_ground: "essential interests".into(),
            central_authority: Some(CentralAuthority {
                roster,
                delay,
                kinds: vec![RequestKind::Evidence],
                officers: None,
            }),
            requester: RequesterPolicy {
                resend_after_ms: Some(3_600_000),
                resends_max: 3,
                escalate_after_ms: Some(86_400_000),
                give_up_after_ms: 7 * 86_400_000,
            },
            on_call_kinds: Some(vec![RequestKind::Emergency]),
            retention: Default::default(),
            hold: Default::default(),
            mla: None,
            officers: None,
            queue_order: pocnet_core::QueueOrder::EmergencyThenDeadline,
            translators: None,
            verify: None,
            shift_end: pocnet_core::ShiftEnd::NextOpening,
        },
        network: NetworkModel::new(250),
        operated: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pocnet_core::wire::{encode_frame, Message, Request};
    use pocnet_core::{Art42, RequestId, RequestKind, Response, SimTime};

    fn code(s: &str) -> StateCode {
        StateCode::parse(s).expect("code")
    }

    /// FRA's batches to VNM as an honest peer sends them: every message kind, on time.
    fn honest_batches() -> Vec<(&'static str, PeerFrame)> {
        let envelope = |seq: u64, at: i64, message| Envelope {
            from: code("FRA"),
            to: code("VNM"),
            seq,
            sent_at: SimTime(at),
            deliver_at: SimTime(at + 250),
            message,
        };
        let id = RequestId { case: 1, link: 0 };
        let request = |kind, chain: Vec<StateCode>| {
            Message::Request(Box::new(Request {
                id,
                kind,
                language: "fr".into(),
                scheduled: SimTime(1_762_128_000_000),
                details: Art42 {
                    authority: "FRA".into(),
                    offence: "fraud".into(),
                    data: "logs".into(),
                    custodian: "a provider".into(),
                    necessity: "retention".into(),
                    mla_to_follow: true,
                    confidential: true,
                },
                evidence_deleted_at: Some(SimTime(1_762_300_000_000)),
                chain,
                data: vec![],
                data_created_at: None,
                forged: false,
            }))
        };
        let t = 1_762_128_000_000;
        let batch = |envelopes| PeerFrame::Batch { from: code("FRA"), envelopes };
        vec![
            ("request", batch(vec![envelope(1, t, request(RequestKind::Preservation, vec![code("BRA")]))])),
            ("evidence", batch(vec![envelope(2, t, request(RequestKind::Evidence, vec![]))])),
            (
                "conversation",
                batch(vec![
                    envelope(3, t, request(RequestKind::Emergency, vec![])),
                    envelope(4, t + 60_000, Message::Escalation { id }),
                    envelope(5, t + 120_000, Message::Receipt { id: RequestId { case: 2, link: 0 } }),
                    envelope(6, t + 120_000, Message::Acknowledgement { id: RequestId { case: 2, link: 0 } }),
                    envelope(
                        7,
                        t + 180_000,
                        Message::Response {
                            id: RequestId { case: 2, link: 0 },
                            response: Response::Fulfilled { reveals: None, lost: vec![] },
                        },
                    ),
                ]),
            ),
        ]
    }

    /// VNM sends FRA a request at `t`; FRA's receipt comes back at `t + 500 ms`; VNM's
    /// resend timer is due an hour after `t`. Returns the agenda under `rule` with the
    /// receipt queued, and the receipt's time.
    fn receipt_queued(rule: pocnet_core::WindowRule, with_receipt: bool) -> (Agenda, SimTime) {
        let mut agenda = Agenda::new(pocnet_core::ContactPoint::new(fuzz_config()).expect("config")).with_rule(rule);
        let t = SimTime(1_762_128_000_000);
        let id = RequestId { case: 1, link: 0 };
        let details = Art42 {
            authority: "VNM".into(),
            offence: "fraud".into(),
            data: "logs".into(),
            custodian: "a provider".into(),
            necessity: "retention".into(),
            mla_to_follow: false,
            confidential: false,
        };
        let inject = pocnet_core::Inject {
            id,
            at: t,
            from: code("VNM"),
            to: code("FRA"),
            kind: RequestKind::TrafficDisclosure,
            language: "en".into(),
            details,
            evidence_deleted_at: None,
            chain: vec![],
            data: vec![],
            data_created_at: None,
            forged: false,
            provider: None,
        };
        agenda.add_inject(inject).expect("inject");
        let mut out = pocnet_core::WindowOutput::default();
        agenda.run_until(t.plus_ms(250), &mut out);
        assert_eq!(out.transmits.len(), 1, "the request leaves");
        let receipt = Envelope {
            from: code("FRA"),
            to: code("VNM"),
            seq: 0,
            sent_at: t.plus_ms(250),
            deliver_at: t.plus_ms(500),
            message: Message::Receipt { id },
        };
        assert_eq!(rule.wakes(&receipt), rule == pocnet_core::WindowRule::EveryInput);
        if with_receipt {
            agenda.enqueue(receipt).expect("receipt");
        }
        (agenda, t.plus_ms(500))
    }

    #[test]
    fn a_receipt_takes_no_window_of_its_own_and_still_runs_before_the_resend_timer() {
        use pocnet_core::WindowRule;
        let (every, receipt_at) = receipt_queued(WindowRule::EveryInput, true);
        assert_eq!(every.next_event(), Some(receipt_at), "the old rule: the receipt is the next input");
        let (mut skip, receipt_at) = receipt_queued(WindowRule::SkipQuiet, true);
        let resend_at = receipt_at.plus_ms(3_600_000 - 500);
        assert_eq!(skip.next_event(), Some(resend_at), "skipping quiet inputs: the resend timer is next");
        // One window over the resend timer: the receipt runs first, so nothing is resent.
        let mut out = pocnet_core::WindowOutput::default();
        skip.run_until(resend_at.plus_ms(250), &mut out);
        assert!(out.transmits.is_empty(), "resent although the receipt came: {:?}", out.transmits);
        // Without the receipt the same window resends: the test can tell the two apart.
        let (mut bare, _) = receipt_queued(WindowRule::SkipQuiet, false);
        assert_eq!(bare.next_event(), Some(resend_at));
        let mut out = pocnet_core::WindowOutput::default();
        bare.run_until(resend_at.plus_ms(250), &mut out);
        assert_eq!(out.transmits.len(), 1, "no receipt: the request is sent again");
    }

    #[test]
    fn honest_batches_are_accepted_and_run_to_the_end() {
        let mut agenda = Agenda::new(pocnet_core::ContactPoint::new(fuzz_config()).expect("config"));
        let register = [code("VNM"), code("FRA"), code("BRA")];
        for (name, frame) in honest_batches() {
            let envelopes = batch_from(code("FRA"), frame.clone()).expect("a batch from FRA");
            let (answer, _) = accept(&mut agenda, |s| register.contains(&s), code("FRA"), envelopes);
            assert!(matches!(answer, PeerFrame::Accepted { .. }), "{name}: {answer:?}");
            if std::env::var_os("POCNET_WRITE_FUZZ_SEEDS").is_some() {
                let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/stream");
                std::fs::write(dir.join(format!("honest-{name}.bin")), encode_frame(&frame).expect("encode"))
                    .expect("write seed");
            }
        }
        let mut out = pocnet_core::WindowOutput::default();
        agenda.run_until(SimTime(i64::MAX), &mut out);
        assert!(!out.events.is_empty());
    }

    #[test]
    fn a_batch_sent_again_after_its_receiver_ran_past_it_is_taken_and_runs_nothing_twice() {
        let mut agenda = Agenda::new(pocnet_core::ContactPoint::new(fuzz_config()).expect("config"));
        let register = [code("VNM"), code("FRA"), code("BRA")];
        let (_, frame) = honest_batches().remove(0);
        let envelopes = batch_from(code("FRA"), frame).expect("a batch from FRA");
        let last = envelopes.iter().map(|e| e.deliver_at).max().expect("envelopes");
        let (answer, queued) = accept(&mut agenda, |s| register.contains(&s), code("FRA"), envelopes.clone());
        assert!(matches!(answer, PeerFrame::Accepted { .. }), "{answer:?}");
        assert_eq!(queued.len(), envelopes.len());
        let mut first = pocnet_core::WindowOutput::default();
        agenda.run_until(last.plus_ms(1), &mut first);
        assert!(!first.events.is_empty(), "the batch ran");
        // The same batch again, past the horizon (a resend after a restart): taken, reported
        // queued, and nothing runs again.
        let (answer, queued) = accept(&mut agenda, |s| register.contains(&s), code("FRA"), envelopes.clone());
        assert!(matches!(answer, PeerFrame::Accepted { .. }), "{answer:?}");
        assert_eq!(queued.len(), envelopes.len());
        let mut again = pocnet_core::WindowOutput::default();
        agenda.run_until(last.plus_ms(2), &mut again);
        assert!(again.events.is_empty() && again.transmits.is_empty(), "ran twice: {:?}", again.events);
        // An envelope never seen, due before the horizon, still breaks the clock.
        let mut late = envelopes[0].clone();
        late.seq = 1_000;
        let (answer, queued) = accept(&mut agenda, |s| register.contains(&s), code("FRA"), vec![late]);
        assert_eq!(answer, PeerFrame::Rejected { reason: Rejection::OutOfTime });
        assert!(queued.is_empty());
    }

    #[test]
    fn a_request_naming_a_state_outside_the_register_is_refused_before_the_core_sees_it() {
        let mut agenda = Agenda::new(pocnet_core::ContactPoint::new(fuzz_config()).expect("config"));
        let (_, PeerFrame::Batch { mut envelopes, .. }) = honest_batches().remove(0) else { unreachable!() };
        if let Message::Request(r) = &mut envelopes[0].message {
            r.chain = vec![code("USA")];
        }
        let register = [code("VNM"), code("FRA"), code("BRA")];
        let (answer, queued) = accept(&mut agenda, |s| register.contains(&s), code("FRA"), envelopes);
        assert_eq!(answer, PeerFrame::Rejected { reason: Rejection::BadContent });
        assert!(queued.is_empty());
    }
}
