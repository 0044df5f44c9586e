//! The contact point's behaviour, one rule per test, driven through its sans-IO interface.

mod common;

use pocnet_core::profile::{CentralAuthority, RequesterPolicy};
use pocnet_core::request::{Art42, Inject};
use pocnet_core::wire::{Envelope, Message, Request, Response};
use pocnet_core::{
    ContactPoint, ContactPointConfig, Delay, DelaysByMode, Event, EventKind, Mode, NetworkModel, Profile, RequestId,
    RequestKind, RosterSpec, Shift, SimTime, StateCode, WorkWeek,
};

const MINUTE: u64 = 60_000;
const HOUR: u64 = 60 * MINUTE;

fn code(s: &str) -> StateCode {
    StateCode::parse(s).expect("test state code")
}

fn at(s: &str) -> SimTime {
    SimTime::from_timestamp(s.parse().expect("test timestamp"))
}

fn fixed(ms: u64) -> Delay {
    Delay::Fixed { ms }
}

fn profile() -> Profile {
    Profile {
        acknowledge: DelaysByMode { staffed: fixed(10 * MINUTE), on_call: fixed(HOUR) },
        fulfil: DelaysByMode { staffed: fixed(2 * HOUR), on_call: fixed(5 * HOUR) },
        kinds: Default::default(),
        languages: vec![],
        translation: fixed(0),
        refuse_probability: 0.0,
        refusal_ground: "essential interests".into(),
        central_authority: None,
        requester: RequesterPolicy::patient(72 * HOUR),
        on_call_kinds: None,
        retention: Default::default(),
        hold: Default::default(),
        mla: None,
        officers: None,
        queue_order: pocnet_core::QueueOrder::EmergencyThenDeadline,
        translators: None,
        verify: None,
        shift_end: pocnet_core::ShiftEnd::NextOpening,
    }
}

/// Viet Nam's contact point, office hours 09:00-17:00 Mon-Fri (UTC+7).
fn roster(off_hours: Mode) -> RosterSpec {
    RosterSpec {
        tz: "Asia/Ho_Chi_Minh".into(),
        workweek: WorkWeek::parse("Mon-Fri").expect("workweek"),
        shifts: vec![Shift::parse("09:00-17:00").expect("shift")],
        always_staffed: false,
        off_hours,
        holidays: vec![],
    }
}

fn vnm(off_hours: Mode, profile: Profile, seed: u64) -> ContactPoint {
    ContactPoint::new(ContactPointConfig {
        state: code("VNM"),
        seed,
        roster: roster(off_hours),
        profile,
        network: NetworkModel::new(250),
        operated: false,
    })
    .expect("valid configuration")
}

fn art42(authority: &str) -> Art42 {
    Art42 {
        authority: authority.into(),
        offence: "fraud".into(),
        data: "logs".into(),
        custodian: "a provider".into(),
        necessity: "retention".into(),
        mla_to_follow: true,
        confidential: true,
    }
}

fn request(id: u32, kind: RequestKind, delivered: SimTime) -> Envelope {
    Envelope {
        from: code("FRA"),
        to: code("VNM"),
        seq: u64::from(id),
        sent_at: SimTime(delivered.0 - 250),
        deliver_at: delivered,
        message: Message::Request(Box::new(Request {
            id: RequestId { case: id, link: 0 },
            kind,
            language: "en".into(),
            scheduled: SimTime(delivered.0 - 250),
            evidence_deleted_at: None,
            chain: vec![],
            data: vec![],
            data_created_at: None,
            forged: false,
            details: art42("FRA 24/7"),
        })),
    }
}

/// Runs every timer to the end and returns every event in order.
fn run_to_end(cp: &mut ContactPoint) -> Vec<Event> {
    let mut events = Vec::new();
    for _ in 0..10_000 {
        while let Some(e) = cp.poll_event() {
            events.push(e);
        }
        while cp.poll_transmit().is_some() {}
        match cp.poll_timeout() {
            Some(t) => cp.handle_timeout(t),
            None => return events,
        }
    }
    panic!("timers never ran out");
}

fn time_of(events: &[Event], pred: impl Fn(&EventKind) -> bool) -> Option<SimTime> {
    events.iter().find(|e| pred(&e.kind)).map(|e| e.at)
}

#[test]
fn closed_contact_point_acknowledges_at_next_opening() {
    // Saturday 03:00 in Hanoi: closed until Monday 09:00 local (02:00Z).
    let mut cp = vnm(Mode::Closed, profile(), 1);
    let delivered = at("2025-11-07T20:00:00Z");
    cp.handle_message(delivered, request(1, RequestKind::Preservation, delivered));
    let events = run_to_end(&mut cp);
    assert_eq!(events[0].kind, EventKind::Delivered { from: code("FRA"), mode: Mode::Closed });
    let ack = time_of(&events, |k| matches!(k, EventKind::Acknowledged { .. }));
    assert_eq!(ack, Some(at("2025-11-10T02:10:00Z")), "opening + 10 min staffed delay");
    assert_eq!(time_of(&events, |k| *k == EventKind::Fulfilled), Some(at("2025-11-10T04:10:00Z")));
}

#[test]
fn on_call_contact_point_acknowledges_with_the_on_call_delay() {
    let mut cp = vnm(Mode::OnCall, profile(), 1);
    let delivered = at("2025-11-07T20:00:00Z"); // Saturday 03:00 local
    cp.handle_message(delivered, request(1, RequestKind::Preservation, delivered));
    let events = run_to_end(&mut cp);
    assert_eq!(
        time_of(&events, |k| matches!(k, EventKind::Acknowledged { mode: Mode::OnCall })),
        Some(at("2025-11-07T21:00:00Z"))
    );
    assert_eq!(time_of(&events, |k| *k == EventKind::Fulfilled), Some(at("2025-11-08T02:00:00Z")));
}

#[test]
fn staffed_contact_point_acknowledges_with_the_staffed_delay() {
    let mut cp = vnm(Mode::Closed, profile(), 1);
    let delivered = at("2025-11-04T03:00:00Z"); // Tuesday 10:00 local
    cp.handle_message(delivered, request(1, RequestKind::Preservation, delivered));
    let events = run_to_end(&mut cp);
    assert_eq!(
        time_of(&events, |k| matches!(k, EventKind::Acknowledged { mode: Mode::Staffed })),
        Some(at("2025-11-04T03:10:00Z"))
    );
}

#[test]
fn work_left_when_the_desk_closes_resumes_at_the_next_opening() {
    let mut cp = vnm(Mode::Closed, profile(), 1);
    let delivered = at("2025-11-04T09:30:00Z"); // Tuesday 16:30 local: ack 16:40, 2h of work
    cp.handle_message(delivered, request(1, RequestKind::Preservation, delivered));
    let events = run_to_end(&mut cp);
    // 20 minutes before the 17:00 close, the other 1h40m from Wednesday's 09:00 opening.
    assert_eq!(
        time_of(&events, |k| *k == EventKind::Fulfilled),
        Some(at("2025-11-05T03:40:00Z")),
        "Wednesday 10:40 local"
    );
}

#[test]
fn a_closed_desk_never_acknowledges_after_closing() {
    // Friday 16:55 local, a 10-minute acknowledgement: 5 minutes on Friday, 5 on Monday.
    let mut cp = vnm(Mode::Closed, profile(), 1);
    let delivered = at("2025-11-07T09:55:00Z");
    cp.handle_message(delivered, request(1, RequestKind::Preservation, delivered));
    let events = run_to_end(&mut cp);
    assert_eq!(time_of(&events, |k| matches!(k, EventKind::Acknowledged { .. })), Some(at("2025-11-10T02:05:00Z")));
    for e in &events {
        if let EventKind::Acknowledged { mode } = e.kind {
            assert_eq!(mode, Mode::Staffed, "acknowledged by a {mode} desk at {}", e.at);
        }
    }
}

#[test]
fn an_on_call_officer_leaves_the_kinds_it_does_not_take_for_the_desk() {
    // Saturday: the duty officer takes emergencies, not preservation requests.
    let mut p = profile();
    p.on_call_kinds = Some(vec![RequestKind::Emergency]);
    let mut cp = vnm(Mode::OnCall, p, 1);
    let saturday = at("2025-11-08T03:00:00Z");
    cp.handle_message(saturday, request(1, RequestKind::Preservation, saturday));
    cp.handle_message(saturday, request(2, RequestKind::Emergency, saturday));
    let events = run_to_end(&mut cp);
    let acked = |case: u32| {
        events
            .iter()
            .find(|e| e.id.case == case && matches!(e.kind, EventKind::Acknowledged { .. }))
            .map(|e| (e.at, e.kind.clone()))
    };
    assert_eq!(acked(2), Some((saturday.plus_ms(HOUR), EventKind::Acknowledged { mode: Mode::OnCall })));
    // Monday 09:00 local (02:00Z) plus the staffed 10 minutes.
    assert_eq!(acked(1), Some((at("2025-11-10T02:10:00Z"), EventKind::Acknowledged { mode: Mode::Staffed })));
}

#[test]
fn evidence_goes_to_the_central_authority_in_its_office_hours() {
    let mut p = profile();
    p.central_authority = Some(CentralAuthority {
        roster: roster(Mode::Closed),
        delay: fixed(4 * HOUR),
        kinds: vec![RequestKind::Evidence],
        officers: None,
    });
    let mut cp = vnm(Mode::OnCall, p, 1);
    let delivered = at("2025-11-04T14:00:00Z"); // Tuesday 21:00 local, on call
    cp.handle_message(delivered, request(1, RequestKind::Evidence, delivered));
    let mut forwarded_response = false;
    let mut events = Vec::new();
    for _ in 0..100 {
        while let Some(e) = cp.poll_event() {
            events.push(e);
        }
        while let Some(t) = cp.poll_transmit() {
            forwarded_response |= matches!(t.message, Message::Response { response: Response::Forwarded, .. });
        }
        let Some(t) = cp.poll_timeout() else { break };
        cp.handle_timeout(t);
    }
    assert!(forwarded_response, "the requester is told of the hand-off");
    assert_eq!(time_of(&events, |k| *k == EventKind::Forwarded), Some(at("2025-11-04T15:00:00Z")));
    // The central authority opens Wednesday 09:00 local (02:00Z) and takes 4 h.
    assert_eq!(time_of(&events, |k| *k == EventKind::Fulfilled), Some(at("2025-11-05T06:00:00Z")));
}

#[test]
fn certain_refusal_is_reported_with_its_ground() {
    let mut p = profile();
    p.refuse_probability = 1.0;
    let mut cp = vnm(Mode::OnCall, p, 1);
    let delivered = at("2025-11-04T03:00:00Z");
    cp.handle_message(delivered, request(1, RequestKind::Preservation, delivered));
    let events = run_to_end(&mut cp);
    assert!(events.iter().any(|e| e.kind == EventKind::Refused { ground: "essential interests".into() }));
    assert!(!events.iter().any(|e| e.kind == EventKind::Fulfilled));
}

#[test]
fn requester_gives_up_after_its_profile_says() {
    let mut cp = vnm(Mode::OnCall, profile(), 1);
    let t = at("2025-11-04T03:00:00Z");
    let inject = Inject {
        id: RequestId { case: 9, link: 0 },
        at: t,
        from: code("VNM"),
        to: code("FRA"),
        kind: RequestKind::Emergency,
        language: "en".into(),
        details: match request(9, RequestKind::Emergency, t).message {
            Message::Request(r) => r.details,
            _ => unreachable!(),
        },
        evidence_deleted_at: None,
        chain: vec![],
        data: vec![],
        data_created_at: None,
        forged: false,
        provider: None,
    };
    cp.handle_inject(t, inject);
    let sent = cp.poll_transmit().expect("the request leaves at once");
    assert_eq!((sent.to, sent.deliver_at), (code("FRA"), SimTime(t.0 + 250)));
    let events = run_to_end(&mut cp);
    let expired = events.iter().find(|e| matches!(e.kind, EventKind::Expired { .. })).expect("expires");
    assert_eq!(expired.at, t.plus_ms(72 * HOUR));
}

/// A tiny engine for requester tests (in `common`).
fn run_between(cps: &mut [ContactPoint]) -> Vec<Event> {
    common::run_between_losing(cps, |_| false)
}

use common::run_between_losing;

fn fra(off_hours: Mode, profile: Profile) -> ContactPoint {
    let mut spec = roster(off_hours);
    spec.tz = "Europe/Paris".into();
    ContactPoint::new(ContactPointConfig {
        state: code("FRA"),
        seed: 1,
        roster: spec,
        profile,
        network: NetworkModel::new(250),
        operated: false,
    })
    .expect("valid configuration")
}

fn inject_to_vnm(case: u32, t: SimTime) -> Inject {
    Inject {
        id: RequestId { case, link: 0 },
        at: t,
        from: code("FRA"),
        to: code("VNM"),
        kind: RequestKind::Preservation,
        language: "en".into(),
        details: art42("FRA 24/7"),
        evidence_deleted_at: None,
        chain: vec![],
        data: vec![],
        data_created_at: None,
        forged: false,
        provider: None,
    }
}

fn resending(give_up_ms: u64) -> Profile {
    let mut p = profile();
    p.requester = RequesterPolicy {
        resend_after_ms: Some(30 * MINUTE),
        resends_max: 3,
        escalate_after_ms: None,
        give_up_after_ms: give_up_ms,
    };
    p
}

#[test]
fn a_delivery_receipt_stops_resends_and_a_closed_desk_expires_the_request_it_reached() {
    // Friday 18:00 in Hanoi: closed until Monday. The node's receipt comes back at once, so
    // the requester does not resend; it gives up after a day, and the Monday acknowledgement
    // is a late answer, not an acknowledgement in time.
    let t = at("2025-11-07T11:00:00Z");
    let mut cps = [fra(Mode::OnCall, resending(24 * HOUR)), vnm(Mode::Closed, profile(), 1)];
    cps[0].handle_inject(t, inject_to_vnm(1, t));
    let events = run_between(&mut cps);
    let at_fra =
        |pred: &dyn Fn(&EventKind) -> bool| events.iter().filter(|e| e.state == code("FRA") && pred(&e.kind)).count();
    assert_eq!(at_fra(&|k| matches!(k, EventKind::Resent { .. })), 0, "a receipt stops resends");
    assert_eq!(at_fra(&|k| matches!(k, EventKind::Undeliverable { .. })), 0);
    assert_eq!(at_fra(&|k| matches!(k, EventKind::Expired { .. })), 1);
    assert_eq!(at_fra(&|k| *k == EventKind::AcknowledgementReceived), 0);
    assert_eq!(at_fra(&|k| *k == EventKind::LateAcknowledgement), 1, "the Monday acknowledgement is late");
}

#[test]
fn a_forwarded_response_proves_delivery_when_receipts_and_acknowledgements_are_lost() {
    // The receipt and the acknowledgement never come back; the interim response (handed to
    // the central authority) does: the requester knows the desk has the request, stops
    // resending, and does not call it undeliverable (a seed sweep found this).
    let t = at("2025-11-04T03:00:00Z");
    let mut with_authority = profile();
    with_authority.central_authority = Some(CentralAuthority {
        roster: roster(Mode::Closed),
        delay: fixed(HOUR),
        kinds: vec![RequestKind::Evidence],
        officers: None,
    });
    let mut inject = inject_to_vnm(1, t);
    inject.kind = RequestKind::Evidence;
    let mut cps = [fra(Mode::OnCall, resending(72 * HOUR)), vnm(Mode::Closed, with_authority, 1)];
    cps[0].handle_inject(t, inject);
    let events = run_between_losing(&mut cps, |e| {
        matches!(e.message, Message::Receipt { .. } | Message::Acknowledgement { .. })
    });
    let at_fra = |pred: &dyn Fn(&EventKind) -> bool| {
        events.iter().filter(|e| e.state == code("FRA") && pred(&e.kind)).map(|e| e.at).collect::<Vec<_>>()
    };
    let forwarded = at_fra(&|k| *k == EventKind::ResponseReceived { response: Response::Forwarded });
    assert_eq!(forwarded.len(), 1, "{events:#?}");
    assert!(at_fra(&|k| matches!(k, EventKind::Undeliverable { .. })).is_empty(), "{events:#?}");
    assert!(at_fra(&|k| matches!(k, EventKind::Resent { .. })).iter().all(|t| *t < forwarded[0]), "no resend after it");
    let fulfilled = at_fra(&|k| matches!(k, EventKind::ResponseReceived { response: Response::Fulfilled { .. } }));
    assert_eq!(fulfilled.len(), 1, "the central authority's answer arrives: {events:#?}");
}

#[test]
fn a_request_that_never_reaches_the_desk_is_undeliverable_after_every_resend() {
    let t = at("2025-11-04T03:00:00Z");
    let mut fra_cp = fra(Mode::OnCall, resending(24 * HOUR));
    fra_cp.handle_inject(t, inject_to_vnm(1, t));
    // Nobody at the other end: every envelope is dropped.
    let mut events = Vec::new();
    while let Some(next) = fra_cp.poll_timeout() {
        while fra_cp.poll_transmit().is_some() {}
        fra_cp.handle_timeout(next);
        while let Some(e) = fra_cp.poll_event() {
            events.push(e);
        }
    }
    let resends = events.iter().filter(|e| matches!(e.kind, EventKind::Resent { .. })).count();
    assert_eq!(resends, 3);
    let undeliverable =
        events.iter().find(|e| matches!(e.kind, EventKind::Undeliverable { .. })).expect("undeliverable");
    assert_eq!(undeliverable.at, t.plus_ms(4 * 30 * MINUTE));
}

#[test]
fn a_resent_envelope_is_handled_once() {
    let mut cp = vnm(Mode::OnCall, profile(), 1);
    let delivered = at("2025-11-04T03:00:00Z");
    cp.handle_message(delivered, request(1, RequestKind::Preservation, delivered));
    cp.handle_message(delivered, request(1, RequestKind::Preservation, delivered));
    let events = run_to_end(&mut cp);
    assert_eq!(events.iter().filter(|e| matches!(e.kind, EventKind::Delivered { .. })).count(), 1);
    assert_eq!(events.iter().filter(|e| e.kind == EventKind::Fulfilled).count(), 1);
}

#[test]
fn delays_are_reproducible_from_the_seed() {
    let random = || {
        let mut p = profile();
        p.acknowledge.staffed = Delay::LogNormal { median_ms: 10 * MINUTE, p90_ms: HOUR };
        p.fulfil.staffed = Delay::Uniform { min_ms: HOUR, max_ms: 9 * HOUR };
        p
    };
    let times = |seed| {
        let mut cp = vnm(Mode::OnCall, random(), seed);
        for id in 1..=20u32 {
            let delivered = at("2025-11-04T02:00:00Z").plus_ms(u64::from(id) * MINUTE);
            // Inputs go in time order: timers due before this delivery run first.
            while let Some(t) = cp.poll_timeout().filter(|&t| t <= delivered) {
                cp.handle_timeout(t);
            }
            cp.handle_message(delivered, request(id, RequestKind::Preservation, delivered));
        }
        let mut events = Vec::new();
        while let Some(e) = cp.poll_event() {
            events.push(e);
        }
        events.extend(run_to_end(&mut cp));
        events.into_iter().map(|e| (e.at, e.id)).collect::<Vec<_>>()
    };
    assert_eq!(times(7), times(7));
    assert_ne!(times(7), times(8));
}

fn operated_vnm(profile: Profile) -> ContactPoint {
    ContactPoint::new(ContactPointConfig {
        state: code("VNM"),
        seed: 1,
        roster: roster(Mode::Closed),
        profile,
        network: NetworkModel::new(250),
        operated: true,
    })
    .expect("valid configuration")
}

fn drain(cp: &mut ContactPoint) -> (Vec<Event>, Vec<Envelope>) {
    let mut events = Vec::new();
    let mut sent = Vec::new();
    while let Some(e) = cp.poll_event() {
        events.push(e);
    }
    while let Some(t) = cp.poll_transmit() {
        sent.push(t);
    }
    (events, sent)
}

#[test]
fn operated_contact_point_waits_for_its_person_and_times_their_actions() {
    use pocnet_core::{ExerciseInput, OperatorAction};
    let mut cp = operated_vnm(profile());
    let delivered = at("2025-11-04T03:00:00Z"); // Tuesday 10:00 local, staffed
    let id = RequestId { case: 1, link: 0 };
    cp.handle_message(delivered, request(1, RequestKind::Preservation, delivered));
    let (events, _) = drain(&mut cp);
    assert!(matches!(events[0].kind, EventKind::Delivered { .. }));
    assert_eq!(cp.poll_timeout(), None, "nothing happens by itself at a contact point a person plays");

    let ack_at = at("2025-11-04T03:07:00Z");
    cp.handle_exercise(ack_at, ExerciseInput::Operator(OperatorAction::Acknowledge { id }));
    let (events, sent) = drain(&mut cp);
    assert_eq!(
        events.iter().map(|e| (e.at, e.kind.clone())).collect::<Vec<_>>(),
        vec![(ack_at, EventKind::Acknowledged { mode: Mode::Staffed })]
    );
    assert!(matches!(sent[0].message, Message::Acknowledgement { .. }));

    // A second acknowledgement is refused, on the record.
    cp.handle_exercise(ack_at.plus_ms(1), ExerciseInput::Operator(OperatorAction::Acknowledge { id }));
    let (events, sent) = drain(&mut cp);
    assert!(matches!(
        &events[0].kind,
        EventKind::ActionRejected { reason: pocnet_core::ActionRefusal::AlreadyAcknowledged { .. }, .. }
    ));
    assert!(sent.is_empty());

    let done_at = at("2025-11-04T03:41:00Z");
    cp.handle_exercise(done_at, ExerciseInput::Operator(OperatorAction::Fulfil { id }));
    let (events, sent) = drain(&mut cp);
    assert_eq!(events[0].at, done_at);
    assert_eq!(events[0].kind, EventKind::Fulfilled);
    assert!(matches!(sent[0].message, Message::Response { response: Response::Fulfilled { .. }, .. }));
    assert_eq!(cp.poll_timeout(), None);
}

#[test]
fn operated_refusal_carries_the_persons_ground_and_translation_gates_execution() {
    use pocnet_core::{ExerciseInput, OperatorAction};
    let mut p = profile();
    p.translation = fixed(2 * HOUR);
    let mut cp = operated_vnm(p);
    let delivered = at("2025-11-04T03:00:00Z");
    let id = RequestId { case: 1, link: 0 };
    cp.handle_message(delivered, request(1, RequestKind::Evidence, delivered));
    cp.handle_exercise(delivered, ExerciseInput::Operator(OperatorAction::AskTranslation { id }));
    let (events, _) = drain(&mut cp);
    assert!(events.iter().any(|e| e.kind == EventKind::Translation { ms: 2 * HOUR }));
    // Before the translation is ready, the request cannot be executed.
    cp.handle_exercise(delivered.plus_ms(HOUR), ExerciseInput::Operator(OperatorAction::Fulfil { id }));
    let (events, _) = drain(&mut cp);
    assert!(matches!(
        &events[0].kind,
        EventKind::ActionRejected { reason: pocnet_core::ActionRefusal::TranslationNotReady { .. }, .. }
    ));
    let ground = "dual criminality is not met".to_string();
    cp.handle_exercise(
        delivered.plus_ms(3 * HOUR),
        ExerciseInput::Operator(OperatorAction::Refuse { id, ground: ground.clone() }),
    );
    let (events, _) = drain(&mut cp);
    assert!(events.iter().any(|e| e.kind == EventKind::Refused { ground: ground.clone() }));
    assert!(events.iter().any(|e| matches!(e.kind, EventKind::Acknowledged { .. })), "refusing acknowledges first");
}

#[test]
fn operated_hand_off_goes_to_the_simulated_central_authority_in_its_hours() {
    use pocnet_core::{ExerciseInput, OperatorAction};
    let mut p = profile();
    p.central_authority = Some(CentralAuthority {
        kinds: vec![RequestKind::Evidence],
        delay: fixed(HOUR),
        roster: roster(Mode::Closed),
        officers: None,
    });
    let mut cp = operated_vnm(p);
    let delivered = at("2025-11-04T09:30:00Z"); // Tuesday 16:30 local
    let id = RequestId { case: 1, link: 0 };
    cp.handle_message(delivered, request(1, RequestKind::Evidence, delivered));
    cp.handle_exercise(delivered, ExerciseInput::Operator(OperatorAction::HandToCentralAuthority { id }));
    let events = run_to_end(&mut cp);
    assert!(events.iter().any(|e| e.kind == EventKind::Forwarded));
    // The authority is open (16:30 local) but its hour runs past 17:00: it finishes when it
    // opens again, Wednesday 09:00 local (02:00Z).
    assert_eq!(time_of(&events, |k| *k == EventKind::Fulfilled), Some(at("2025-11-05T02:00:00Z")));
}

#[test]
fn the_end_of_an_exercise_closes_every_open_request_as_unfinished() {
    use pocnet_core::ExerciseInput;
    let mut cp = vnm(Mode::Closed, profile(), 1);
    let t = at("2025-11-04T03:00:00Z");
    cp.handle_inject(
        t,
        Inject {
            id: RequestId { case: 7, link: 0 },
            at: t,
            from: code("VNM"),
            to: code("FRA"),
            kind: RequestKind::Preservation,
            language: "en".into(),
            details: Art42 {
                authority: "VNM".into(),
                offence: "fraud".into(),
                data: "logs".into(),
                custodian: "a provider".into(),
                necessity: "retention".into(),
                mla_to_follow: true,
                confidential: true,
            },
            evidence_deleted_at: None,
            chain: vec![],
            data: vec![],
            data_created_at: None,
            forged: false,
            provider: None,
        },
    );
    let _ = drain(&mut cp);
    assert!(cp.poll_timeout().is_some(), "the requester waits with its give-up timer");
    let end = t.plus_ms(HOUR);
    cp.handle_exercise(end, ExerciseInput::End);
    let (events, _) = drain(&mut cp);
    assert_eq!(events.len(), 1);
    assert!(matches!(&events[0].kind, EventKind::Unfinished { .. }));
    assert!(events[0].kind.is_final_at_requester());
    assert_eq!(cp.poll_timeout(), None, "nothing happens after the end");
}
