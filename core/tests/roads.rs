//! Direct orders to providers, timed by hand: a provider's desk in Dublin (Mon-Fri
//! 09:00-17:00, Europe/Dublin, which is UTC in winter), orders from Paris under the EU
//! e-Evidence Regulation's terms, every link 250 ms.

mod common;

use pocnet_core::profile::RequesterPolicy;
use pocnet_core::request::Inject;
use pocnet_core::road::{Agreement, Instrument, Provider, Roads};
use pocnet_core::{
    ContactPoint, ContactPointConfig, DataClass, Delay, DelaysByMode, Event, EventKind, Mode, NetworkModel, Officers,
    Profile, RequestId, RequestKind, Response, RosterSpec, Shift, ShiftEnd, SimTime, StateCode, WorkWeek,
};

const HOUR: u64 = 3_600_000;

fn code(s: &str) -> StateCode {
    StateCode::parse(s).expect("test state code")
}

fn at(s: &str) -> SimTime {
    SimTime::from_timestamp(s.parse().expect("test timestamp"))
}

fn profile() -> Profile {
    let fixed = |ms| Delay::Fixed { ms };
    Profile {
        acknowledge: DelaysByMode { staffed: fixed(HOUR), on_call: fixed(HOUR) },
        fulfil: DelaysByMode { staffed: fixed(HOUR), on_call: fixed(HOUR) },
        kinds: Default::default(),
        languages: vec![],
        translation: fixed(0),
        refuse_probability: 0.0,
        refusal_ground: "essential interests".into(),
        central_authority: None,
        requester: RequesterPolicy::patient(60 * 24 * HOUR),
        on_call_kinds: None,
        retention: Default::default(),
        hold: Default::default(),
        mla: None,
        officers: None,
        queue_order: pocnet_core::QueueOrder::EmergencyThenDeadline,
        translators: None,
        verify: None,
        shift_end: ShiftEnd::NextOpening,
    }
}

fn office(tz: &str, off_hours: Mode) -> RosterSpec {
    RosterSpec {
        tz: tz.into(),
        workweek: WorkWeek::parse("Mon-Fri").expect("workweek"),
        shifts: vec![Shift::parse("09:00-17:00").expect("shift")],
        always_staffed: false,
        off_hours,
        holidays: vec![],
    }
}

/// A provider in Ireland: `off_hours` outside its office hours, 8 hours' work an order
/// (2 in an emergency), `officers` counted or not.
fn roads(off_hours: Mode, officers: Option<Officers>, direct_share: f64) -> Roads {
    let provider = Provider {
        name: "mailco-ie".into(),
        home: code("IRL"),
        roster: office("Europe/Dublin", off_hours),
        officers,
        work: Delay::Fixed { ms: 8 * HOUR },
        emergency_work: Delay::Fixed { ms: 2 * HOUR },
        shift_end: ShiftEnd::NextOpening,
    };
    let eu = Agreement {
        name: "eu".into(),
        instrument: Instrument::EuEEvidence,
        parties: vec![code("FRA"), code("IRL")],
        terms: Instrument::EuEEvidence.terms(),
    };
    Roads { providers: vec![provider], agreements: vec![eu], direct_share }
}

fn pair(roads: Roads) -> [ContactPoint; 2] {
    let mut network = NetworkModel::new(250);
    network.roads = roads;
    let cp = |state: &str, tz: &str| {
        ContactPoint::new(ContactPointConfig {
            state: code(state),
            seed: 3,
            roster: office(tz, Mode::OnCall),
            profile: profile(),
            network: network.clone(),
            operated: false,
        })
        .expect("valid configuration")
    };
    [cp("FRA", "Europe/Paris"), cp("IRL", "Europe/Dublin")]
}

fn order(case: u32, when: &str, kind: RequestKind, data: Vec<DataClass>) -> Inject {
    let mut inject = Inject::new(at(when), code("FRA"), code("IRL"), kind);
    inject.id = RequestId { case, link: 0 };
    inject.data = data;
    inject.provider = Some(0);
    inject
}

fn run(roads: Roads, injects: Vec<Inject>) -> Vec<Event> {
    let mut cps = pair(roads);
    for inject in injects {
        let t = inject.at;
        cps[0].handle_inject(t, inject);
    }
    common::run_between_losing(&mut cps, |_| false)
}

fn time_of(events: &[Event], pred: impl Fn(&EventKind) -> bool) -> Option<SimTime> {
    events.iter().find(|e| pred(&e.kind)).map(|e| e.at)
}

#[test]
fn an_emergency_order_whose_deadline_falls_on_the_providers_saturday_waits_for_monday() {
    // Friday 27 November 2026, 20:00 in Dublin: the desk has closed and has no on-call.
    let events = run(
        roads(Mode::Closed, None, 1.0),
        vec![order(1, "2026-11-27T20:00:00Z", RequestKind::Emergency, vec![DataClass::Content])],
    );
    let received = events.iter().find_map(|e| match e.kind {
        EventKind::OrderReceived { mode, deadline_at, .. } => Some((e.at, mode, deadline_at)),
        _ => None,
    });
    // The deadline: 8 hours after receipt, 04:00:00.250 on Saturday.
    assert_eq!(received, Some((at("2026-11-27T20:00:00.250Z"), Mode::Closed, at("2026-11-28T04:00:00.250Z"))));
    // No review holds an emergency; no 24/7 step: nothing was delivered to a contact point.
    assert!(time_of(&events, |k| matches!(k, EventKind::ReviewStarted { .. })).is_none());
    assert!(time_of(&events, |k| matches!(k, EventKind::Delivered { .. })).is_none());
    // Monday 09:00 the desk opens; two hours' work: answered at 11:00, heard 250 ms later.
    let answered = time_of(&events, |k| matches!(k, EventKind::OrderAnswered { .. }));
    assert_eq!(answered, Some(at("2026-11-30T11:00:00Z")));
    let usable = time_of(&events, |k| *k == EventKind::DisclosedDirectly);
    assert_eq!(usable, Some(at("2026-11-30T11:00:00.250Z")));
}

#[test]
fn an_on_call_provider_answers_the_same_emergency_within_its_eight_hours() {
    let events = run(
        roads(Mode::OnCall, None, 1.0),
        vec![order(1, "2026-11-27T20:00:00Z", RequestKind::Emergency, vec![DataClass::Content])],
    );
    let answered = time_of(&events, |k| matches!(k, EventKind::OrderAnswered { .. }));
    assert_eq!(answered, Some(at("2026-11-27T22:00:00.250Z")));
}

#[test]
fn content_data_is_held_for_the_ten_day_review_after_it_is_produced() {
    // Monday 30 November 10:00: eight hours' staffed work end Tuesday 10:00:00.250 (seven
    // hours on Monday, one on Tuesday); the review ends ten days after receipt.
    let events = run(
        roads(Mode::Closed, Some(Officers { staffed: 1, on_call: 0 }), 1.0),
        vec![order(1, "2026-11-30T10:00:00Z", RequestKind::Preservation, vec![DataClass::Content])],
    );
    let review = events.iter().find_map(|e| match e.kind {
        EventKind::ReviewStarted { until } => Some(until),
        _ => None,
    });
    assert_eq!(review, Some(at("2026-12-10T10:00:00.250Z")));
    assert_eq!(time_of(&events, |k| *k == EventKind::HeldForReview), Some(at("2026-12-01T10:00:00.250Z")));
    let produced = events.iter().find_map(|e| match &e.kind {
        EventKind::OrderAnswered { response } => Some((e.at, response.clone())),
        _ => None,
    });
    assert_eq!(produced, Some((at("2026-12-10T10:00:00.250Z"), Response::Fulfilled { reveals: None, lost: vec![] })));
    // The desk's officer was counted: queued, started at once (staffed), done.
    let desk = pocnet_core::DeskName::Provider(0);
    assert_eq!(
        time_of(&events, |k| matches!(k, EventKind::WorkDone { desk: d, .. } if *d == desk)),
        Some(at("2026-12-01T10:00:00.250Z"))
    );
}

#[test]
fn subscriber_data_is_not_reviewed_and_goes_as_soon_as_it_is_produced() {
    let events = run(
        roads(Mode::Closed, None, 1.0),
        vec![order(1, "2026-11-30T10:00:00Z", RequestKind::Preservation, vec![DataClass::Subscriber])],
    );
    assert!(time_of(&events, |k| matches!(k, EventKind::ReviewStarted { .. })).is_none());
    assert_eq!(
        time_of(&events, |k| matches!(k, EventKind::OrderAnswered { .. })),
        Some(at("2026-12-01T10:00:00.250Z"))
    );
}

#[test]
fn data_deleted_before_the_order_arrived_is_reported_gone() {
    let mut inject = order(1, "2026-11-30T10:00:00Z", RequestKind::Preservation, vec![DataClass::Subscriber]);
    inject.evidence_deleted_at = Some(at("2026-11-29T00:00:00Z"));
    let events = run(roads(Mode::Closed, None, 1.0), vec![inject]);
    let answer = events.iter().find_map(|e| match &e.kind {
        EventKind::ResponseReceived { response } => Some(response.clone()),
        _ => None,
    });
    assert_eq!(answer, Some(Response::TooLate));
    assert!(time_of(&events, |k| *k == EventKind::DisclosedDirectly).is_none());
}

#[test]
fn the_direct_share_splits_covered_cases_between_the_roads_and_uncovered_ones_take_the_24_7_step() {
    let injects = |kind| (1..=200).map(|c| order(c, "2026-11-30T10:00:00Z", kind, vec![DataClass::Traffic])).collect();
    let orders = |events: &[Event]| events.iter().filter(|e| matches!(e.kind, EventKind::OrderSent { .. })).count();
    let half = run(roads(Mode::Closed, None, 0.5), injects(RequestKind::Preservation));
    let n = orders(&half);
    assert!((70..=130).contains(&n), "{n} of 200 by direct order at a share of 0.5");
    // The 24/7 step took the rest: each delivered to Ireland's contact point.
    let delivered = half.iter().filter(|e| matches!(e.kind, EventKind::Delivered { .. })).count();
    assert_eq!(n + delivered, 200);
    assert_eq!(orders(&run(roads(Mode::Closed, None, 0.0), injects(RequestKind::Preservation))), 0);
    // Technical advice is not a kind the regulation covers.
    assert_eq!(orders(&run(roads(Mode::Closed, None, 1.0), injects(RequestKind::TechnicalAdvice))), 0);
}
