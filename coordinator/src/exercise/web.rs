//! The exercise's web server: the operator console (one per player) and the controller's
//! dashboard, as two static pages that poll a small JSON API.
//!
//! Every API call carries an access token (`Authorization: Bearer`, or `?token=` for the
//! pages themselves). A player's token opens only its own contact point's console; the
//! controller's opens the dashboard. A wrong token gets 403 and nothing else.

use super::admission::{echo, Refusal};
use super::views::{self, RequestView};
use super::{Access, Desk};
use crate::clock::wall::Command;
use crate::clock::Directive;
use crate::outputs::after_action::Rationale;
use crate::scenario::schema::one_of;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use pocnet_core::request::check_len;
use pocnet_core::{
    limits, ActionName, ActionRefusal, Art42, Inject, OperatorAction, RequestId, RequestKind, SimTime, StateCode,
};
use serde::Deserialize;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;

const CONSOLE_HTML: &str = include_str!("console.html");
const DASHBOARD_HTML: &str = include_str!("dashboard.html");
/// Script both pages share (escaping, the token, reading state, posting actions).
const COMMON_JS: &str = include_str!("common.js");
/// Timeline entries the dashboard gets (newest first).
const TIMELINE_MAX: usize = 300;
/// Control-log lines the dashboard gets (newest first).
const LOG_SHOWN_MAX: usize = 300;
/// Requests a console poll carries in its inbox, and in its sent list: the inbox's first
/// in its order (open ones, nearest deadline first), the newest sent; the totals say how
/// many there are.
pub const CONSOLE_REQUESTS_MAX: usize = 200;
/// Hours ahead in the dashboard's staffing heatmap.
const HEATMAP_HOURS: u64 = 24;

type Shared = Arc<Desk>;

/// Binds `listen` and serves until the process ends, over TLS when `tls` is given;
/// returns the bound address.
pub async fn serve(
    desk: Shared,
    listen: SocketAddr,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> anyhow::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("exercise console: cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr()?;
    let app = Router::new()
        .route("/", get(landing))
        .route("/pocnet.js", get(common_js))
        .route("/console", get(console_page))
        .route("/control", get(control_page))
        .route("/api/console", get(console_state))
        .route("/api/console/action", post(console_action))
        .route("/api/console/request", post(console_request))
        .route("/api/control", get(control_state))
        .route("/api/control/pause", post(control_pause))
        .route("/api/control/resume", post(control_resume))
        .route("/api/control/end", post(control_end))
        .route("/api/control/inject", post(control_inject))
        .route("/api/control/close", post(control_close))
        .route("/review", get(review_page))
        .with_state(desk);
    match tls {
        None => {
            tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, app).await {
                    tracing::error!("exercise console stopped: {e}");
                }
            });
        }
        Some(acceptor) => {
            let listener = super::tls::TlsListener::new(listener, acceptor)?;
            tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, app).await {
                    tracing::error!("exercise console stopped: {e}");
                }
            });
        }
    }
    Ok(addr)
}

#[derive(Deserialize, Default)]
struct TokenQuery {
    #[serde(default)]
    token: Option<String>,
}

fn token_of(headers: &HeaderMap, query: &TokenQuery) -> Option<String> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    bearer.or_else(|| query.token.clone())
}

fn refused() -> Response {
    (StatusCode::FORBIDDEN, Json(json!({ "error": "this access token is not valid for this exercise" })))
        .into_response()
}

fn refused_page() -> Response {
    let body =
        "<!doctype html><meta charset=utf-8><link rel=icon href=\"data:,\"><title>pocnet: access refused</title>\
        <h1 id=refused>Access refused</h1><p>This access token is not valid for this exercise. \
        Use the link pocnet printed when the exercise started.</p>";
    (StatusCode::FORBIDDEN, Html(body)).into_response()
}

/// A person's input refused: its status, the text, and for programs the refusal's name,
/// the field and the limit.
fn refusal(r: &Refusal) -> Response {
    let status = StatusCode::from_u16(r.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = json!({ "error": r.to_string(), "refusal": r.name(), "field": r.field(), "limit": r.limit() });
    let mut response = (status, Json(body)).into_response();
    if let Some(wait) = r.retry_after() {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        if let Ok(v) = header::HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    response
}

fn player(desk: &Desk, headers: &HeaderMap, query: &TokenQuery) -> Option<StateCode> {
    match token_of(headers, query).and_then(|t| desk.access(&t)) {
        Some(Access::Player(state)) => Some(state),
        _ => None,
    }
}

fn controller(desk: &Desk, headers: &HeaderMap, query: &TokenQuery) -> bool {
    token_of(headers, query).and_then(|t| desk.access(&t)) == Some(Access::Control)
}

async fn landing() -> Html<&'static str> {
    Html(
        "<!doctype html><meta charset=utf-8><link rel=icon href=\"data:,\"><title>pocnet exercise</title><h1>pocnet exercise</h1>\
         <p>Open the console or dashboard link, with its access token, that pocnet printed when \
         the exercise started.</p>",
    )
}

async fn common_js() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], COMMON_JS).into_response()
}

async fn console_page(State(desk): State<Shared>, headers: HeaderMap, Query(q): Query<TokenQuery>) -> Response {
    match player(&desk, &headers, &q) {
        Some(_) => Html(CONSOLE_HTML).into_response(),
        None => refused_page(),
    }
}

async fn control_page(State(desk): State<Shared>, headers: HeaderMap, Query(q): Query<TokenQuery>) -> Response {
    if controller(&desk, &headers, &q) {
        Html(DASHBOARD_HTML).into_response()
    } else {
        refused_page()
    }
}

/// A time in UTC and in two zones, as the pages show it.
fn stamp(desk: &Desk, t: SimTime, here: StateCode, there: StateCode) -> Value {
    let local = |code: StateCode| desk.seats.get(&code).map(|s| t.local(&s.tz)).unwrap_or_default();
    json!({ "utc": t.to_string(), "local": local(here), "other": local(there), "ms": t.0 })
}

fn clock_json(desk: &Desk) -> Value {
    // `now` locks the record itself: read it first, then lock.
    let now = desk.now();
    let clock = desk.clock();
    let record = desk.record();
    let span = desk.end.since(desk.start).max(1) as f64;
    json!({
        "now_utc": now.to_string(),
        "now_ms": now.0,
        "paused": clock.paused(),
        "ended": record.ended.map(|t| t.to_string()).or_else(|| (now >= desk.end).then(|| desk.end.to_string())),
        "finished": record.finished,
        "start_utc": desk.start.to_string(),
        "end_utc": desk.end.to_string(),
        "progress": (now.since(desk.start) as f64 / span).min(1.0),
        "speed": clock.speed,
    })
}

fn request_json(desk: &Desk, v: &RequestView, here: StateCode) -> Value {
    let other = if here == v.to { v.from } else { v.to };
    let s = |t: SimTime| stamp(desk, t, here, other);
    let languages = desk.seats.get(&v.to).map(|s| s.languages.clone()).unwrap_or_default();
    json!({
        "id": v.id.to_string(),
        "from": v.from,
        "from_name": desk.seats.get(&v.from).map(|s| s.name.clone()),
        "to": v.to,
        "to_name": desk.seats.get(&v.to).map(|s| s.name.clone()),
        "kind": v.kind.as_str(),
        "language": v.language,
        "needs_translation": !languages.is_empty() && !languages.contains(&v.language),
        "art42": v.details.as_ref().map(|d| json!({
            "authority": d.authority, "offence": d.offence, "data": d.data, "custodian": d.custodian,
            "necessity": d.necessity, "mla_to_follow": d.mla_to_follow, "confidential": d.confidential,
        })),
        "scheduled": s(v.scheduled),
        "delivered": v.delivered.map(s),
        "acknowledged": v.acknowledged.map(s),
        "translation_ready": v.translation_ready.map(s),
        "forwarded": v.forwarded.map(s),
        "executed": v.executed.as_ref().map(|(t, how)| json!({ "at": s(*t), "how": how })),
        "outcome": v.outcome.as_ref().map(|(t, how)| json!({ "at": s(*t), "how": how })),
        "evidence_deadline": v.evidence_deleted_at.map(s),
        "escalations": v.escalations,
        "status": v.status(),
        "history": v.history.iter().map(|(t, at, what)| json!({ "at": s(*t), "where": at, "what": what })).collect::<Vec<_>>(),
    })
}

async fn console_state(State(desk): State<Shared>, headers: HeaderMap, Query(q): Query<TokenQuery>) -> Response {
    let Some(state) = player(&desk, &headers, &q) else { return refused() };
    let views = requests(&desk);
    let Some(seat) = desk.seats.get(&state) else { return refused() };
    let now = desk.now();
    let mut inbox: Vec<&RequestView> = views.values().filter(|v| v.to == state && v.delivered.is_some()).collect();
    // Open requests first, the nearest evidence deadline first among them.
    inbox.sort_by_key(|v| (!v.pending_at_receiver(), v.evidence_deleted_at.unwrap_or(SimTime(i64::MAX)), v.id));
    let inbox_open = inbox.iter().filter(|v| v.executed.is_none() && v.outcome.is_none()).count();
    let sent_all: Vec<&RequestView> = views.values().filter(|v| v.from == state).collect();
    // The newest first: a poll's reply is bounded whatever a player has sent.
    let sent: Vec<Value> =
        sent_all.iter().rev().take(CONSOLE_REQUESTS_MAX).map(|v| request_json(&desk, v, state)).collect();
    let body = json!({
        "state": state,
        "name": seat.name,
        "tz": seat.tz_name,
        "now_local": now.local(&seat.tz),
        "mode": seat.roster.mode_at(now).to_string(),
        "roster": seat.roster_summary,
        "has_central_authority": seat.has_central_authority,
        "clock": clock_json(&desk),
        "inbox": inbox.iter().take(CONSOLE_REQUESTS_MAX).map(|v| request_json(&desk, v, state)).collect::<Vec<_>>(),
        "inbox_total": inbox.len(),
        "inbox_open": inbox_open,
        "sent": sent,
        "sent_total": sent_all.len(),
        "targets": desk.seats.values().filter(|s| s.code != state).map(|s| json!({ "code": s.code, "name": s.name })).collect::<Vec<_>>(),
        "kinds": RequestKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
    });
    Json(body).into_response()
}

/// Every request so far, as people read it.
fn requests(desk: &Desk) -> std::collections::BTreeMap<RequestId, RequestView> {
    let record = desk.record();
    views::requests(&record.events, &record.injects)
}

#[derive(Deserialize)]
struct ActionBody {
    id: String,
    action: String,
    #[serde(default)]
    ground: Option<String>,
    /// Why the player took it, for the decision log (at most `RATIONALE_BYTES_MAX`).
    #[serde(default)]
    rationale: Option<String>,
}

/// The action a player posted and its rationale, every field checked.
fn operator_action(body: ActionBody) -> Result<(OperatorAction, Option<String>), Refusal> {
    let rationale = body.rationale.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    if let Some(r) = &rationale {
        check_len("rationale", r, limits::RATIONALE_BYTES_MAX)?;
    }
    let id: RequestId =
        body.id.parse().map_err(|e: pocnet_core::RequestIdError| Refusal::invalid("id", e.to_string()))?;
    let Some(action) = ActionName::parse(&body.action) else {
        let names: Vec<&str> = ActionName::ALL.iter().map(ActionName::key).collect();
        let message = format!("unknown action `{}`: {}", echo(&body.action), one_of(&names));
        return Err(Refusal::invalid("action", message));
    };
    let action = match action {
        ActionName::Acknowledge => OperatorAction::Acknowledge { id },
        ActionName::Fulfil => OperatorAction::Fulfil { id },
        ActionName::Refuse => {
            let ground = body.ground.unwrap_or_default();
            if ground.trim().is_empty() {
                return Err(Refusal::invalid("ground", "a refusal needs its ground"));
            }
            check_len("ground", &ground, limits::TEXT_FIELD_BYTES_MAX)?;
            OperatorAction::Refuse { id, ground }
        }
        ActionName::HandToCentralAuthority => OperatorAction::HandToCentralAuthority { id },
        ActionName::AskTranslation => OperatorAction::AskTranslation { id },
    };
    Ok((action, rationale))
}

/// What the contact point would refuse, foreseen from what the console shows, so that the
/// player hears it in the answer. The contact point still judges whatever gets through
/// (two clicks before the first is seen are refused there, in the history).
fn foreseen_refusal(
    v: &RequestView,
    action: &OperatorAction,
    has_central_authority: bool,
    now: SimTime,
) -> Option<ActionRefusal> {
    let id = v.id;
    if v.executed.is_some() || v.outcome.is_some() {
        return Some(ActionRefusal::AlreadyAnswered { id });
    }
    if v.forwarded.is_some() {
        return Some(ActionRefusal::WithCentralAuthority { id });
    }
    let executes = matches!(action, OperatorAction::Fulfil { .. } | OperatorAction::HandToCentralAuthority { .. });
    match (action, v.translation_ready) {
        (_, Some(ready)) if executes && now < ready => Some(ActionRefusal::TranslationNotReady { id, ready }),
        (OperatorAction::Acknowledge { .. }, _) if v.acknowledged.is_some() => {
            Some(ActionRefusal::AlreadyAcknowledged { id })
        }
        (OperatorAction::AskTranslation { .. }, Some(_)) => Some(ActionRefusal::TranslationAlreadyAsked { id }),
        (OperatorAction::HandToCentralAuthority { .. }, _) if !has_central_authority => {
            Some(ActionRefusal::NoCentralAuthority { state: v.to })
        }
        _ => None,
    }
}

async fn console_action(
    State(desk): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<TokenQuery>,
    Json(body): Json<ActionBody>,
) -> Response {
    let Some(state) = player(&desk, &headers, &q) else { return refused() };
    if let Err(r) = desk.admit(|a| a.post(Access::Player(state), std::time::Instant::now())) {
        return refusal(&r);
    }
    let (action, rationale) = match operator_action(body) {
        Ok(parsed) => parsed,
        Err(r) => return refusal(&r),
    };
    let id = action.id();
    let views = requests(&desk);
    let Some(view) = views.get(&id).filter(|v| v.to == state && v.delivered.is_some()) else {
        return (StatusCode::NOT_FOUND, Json(json!({ "error": format!("{id} is not in {state}'s inbox") })))
            .into_response();
    };
    let has_central_authority = desk.seats.get(&state).is_some_and(|s| s.has_central_authority);
    if let Some(reason) = foreseen_refusal(view, &action, has_central_authority, desk.now()) {
        return refusal(&Refusal::Action(reason));
    }
    if let Err(r) = desk.admit(|a| a.action(state)) {
        return refusal(&r);
    }
    let name = action.name();
    let directive = Command::Directive(Directive::Operator { state, action });
    match desk.command_because(directive, rationale.as_deref()).await {
        Ok(()) => {
            if let Some(text) = rationale {
                desk.rationale(Rationale { state, id, action: name, text });
            }
            (StatusCode::ACCEPTED, Json(json!({ "queued": name, "id": id.to_string() }))).into_response()
        }
        Err(e) => (StatusCode::CONFLICT, Json(json!({ "error": e }))).into_response(),
    }
}

#[derive(Deserialize)]
struct RequestBody {
    #[serde(default)]
    from: Option<String>,
    to: String,
    kind: String,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    offence: Option<String>,
    #[serde(default)]
    data: Option<String>,
    #[serde(default)]
    custodian: Option<String>,
    #[serde(default)]
    necessity: Option<String>,
    /// Hours until the provider deletes the data (none: no evidence window).
    #[serde(default)]
    retention_hours: Option<f64>,
}

/// A new request as an inject, every field a person typed checked against its limit; the
/// clock gives it its id and time when it enters.
fn new_inject(desk: &Desk, from: StateCode, body: RequestBody) -> Result<Inject, Refusal> {
    let to = StateCode::parse(body.to.trim())
        .map_err(|_| Refusal::invalid("to", format!("`{}` is not a state code (like VNM)", echo(&body.to))))?;
    if !desk.seats.contains_key(&to) {
        return Err(Refusal::invalid("to", format!("{to} is not in this exercise")));
    }
    if to == from {
        return Err(Refusal::invalid("to", "a contact point cannot send a request to itself"));
    }
    let kind = RequestKind::parse(body.kind.trim())
        .ok_or_else(|| Refusal::invalid("kind", format!("unknown kind `{}`", echo(&body.kind))))?;
    let text = |v: Option<String>, default: String| v.filter(|s| !s.trim().is_empty()).unwrap_or(default);
    // A field the person left blank says so ("not stated"), rather than the scenario's
    // default wording: the receiving player reads what was typed. The rest is Art42::new's.
    let defaults = Art42::new(from, to);
    let details = Art42 {
        offence: text(body.offence, "not stated".into()),
        data: text(body.data, "not stated".into()),
        custodian: text(body.custodian, defaults.custodian.clone()),
        necessity: text(body.necessity, "not stated".into()),
        ..defaults
    };
    let evidence_deleted_at = match body.retention_hours {
        None => None,
        Some(h) if h > 0.0 && h <= 24.0 * 365.0 => Some(SimTime(0).plus_ms((h * 3_600_000.0) as u64)),
        Some(h) => return Err(Refusal::invalid("retention_hours", format!("{h} is not between 0 and a year"))),
    };
    // Relative until the clock stamps it (its id too): retention counts from this.
    let mut inject = Inject { details, evidence_deleted_at, ..Inject::new(SimTime(0), from, to, kind) };
    if let Some(language) = body.language.filter(|l| !l.trim().is_empty()) {
        inject.language = language;
    }
    // Everything that goes onto the wire, against the limits a receiver checks.
    inject.check_limits()?;
    Ok(inject)
}

async fn console_request(
    State(desk): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<TokenQuery>,
    Json(body): Json<RequestBody>,
) -> Response {
    let Some(state) = player(&desk, &headers, &q) else { return refused() };
    admit_inject(&desk, Access::Player(state), state, body).await
}

/// A request from `from`, posted with `who`'s token: the token's rate, the fields, the
/// state's cap, then into the run.
async fn admit_inject(desk: &Desk, who: Access, from: StateCode, body: RequestBody) -> Response {
    let admitted = desk
        .admit(|a| a.post(who, std::time::Instant::now()))
        .and_then(|()| new_inject(desk, from, body))
        .and_then(|inject| desk.admit(|a| a.request(from)).map(|()| inject));
    match admitted {
        Ok(inject) => queue_inject(desk, inject).await,
        Err(r) => refusal(&r),
    }
}

async fn queue_inject(desk: &Desk, inject: Inject) -> Response {
    let (from, to, kind) = (inject.from, inject.to, inject.kind);
    match desk.command(Command::Directive(Directive::Inject(Box::new(inject)))).await {
        Ok(()) => {
            (StatusCode::ACCEPTED, Json(json!({ "queued": format!("{from} asks {to} for {kind}") }))).into_response()
        }
        Err(e) => (StatusCode::CONFLICT, Json(json!({ "error": e }))).into_response(),
    }
}

async fn control_state(State(desk): State<Shared>, headers: HeaderMap, Query(q): Query<TokenQuery>) -> Response {
    if !controller(&desk, &headers, &q) {
        return refused();
    }
    let views = requests(&desk);
    let now = desk.now();
    let states: Vec<Value> = desk
        .seats
        .values()
        .map(|seat| {
            let pending = views.values().filter(|v| v.to == seat.code && v.pending_at_receiver()).count();
            let heat: Vec<String> =
                (0..HEATMAP_HOURS).map(|h| seat.roster.mode_at(now.plus_ms(h * 3_600_000)).to_string()).collect();
            json!({
                "code": seat.code, "name": seat.name, "region": seat.region, "tz": seat.tz_name,
                "local": now.timestamp().to_zoned(seat.tz.clone()).strftime("%a %H:%M (UTC%:z)").to_string(),
                "mode": seat.roster.mode_at(now).to_string(),
                "played": seat.played, "pending": pending, "roster": seat.roster_summary, "next_hours": heat,
            })
        })
        .collect();
    let timeline: Vec<Value> = desk
        .record()
        .events
        .iter()
        .rev()
        .take(TIMELINE_MAX)
        .map(|e| {
            let played = desk.seats.get(&e.state).is_some_and(|s| s.played);
            json!({ "utc": e.at.to_string(), "ms": e.at.0, "state": e.state, "id": e.id.to_string(),
                    "what": views::describe(&e.kind), "played": played })
        })
        .collect();
    let clock = clock_json(&desk);
    let log: Vec<Value> = desk
        .record()
        .log
        .iter()
        .rev()
        .take(LOG_SHOWN_MAX)
        .map(|(t, l)| json!({ "utc": t.to_string(), "what": l }))
        .collect();
    let mut open = 0;
    let mut closed: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for v in views.values() {
        match &v.outcome {
            None => open += 1,
            Some((_, how)) => {
                // "response received: fulfilled; reveals..." reads as "fulfilled".
                let word = how.trim_start_matches("response received: ").split([':', ';']).next().unwrap_or("closed");
                *closed.entry(word).or_default() += 1
            }
        }
    }
    // The UTC hour of each cell of the staffing grid, for its labels.
    let hours_utc: Vec<String> = (0..HEATMAP_HOURS)
        .map(|h| now.plus_ms(h * 3_600_000).timestamp().to_zoned(jiff::tz::TimeZone::UTC).strftime("%H").to_string())
        .collect();
    let body = json!({
        "scenario": desk.scenario_name,
        "hours_utc": hours_utc,
        "clock": clock,
        "states": states,
        "timeline": timeline,
        "log": log,
        "requests": { "total": views.len(), "open": open, "closed": closed },
        "kinds": RequestKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
    });
    Json(body).into_response()
}

async fn control_command(desk: &Desk, headers: &HeaderMap, q: &TokenQuery, command: Command, what: &str) -> Response {
    if !controller(desk, headers, q) {
        return refused();
    }
    match desk.control(command, what, "dashboard").await {
        Ok(()) => (StatusCode::ACCEPTED, Json(json!({ "done": what }))).into_response(),
        Err(e) => (StatusCode::CONFLICT, Json(json!({ "error": e }))).into_response(),
    }
}

async fn control_pause(State(desk): State<Shared>, headers: HeaderMap, Query(q): Query<TokenQuery>) -> Response {
    control_command(&desk, &headers, &q, Command::Pause, "pause").await
}

async fn control_resume(State(desk): State<Shared>, headers: HeaderMap, Query(q): Query<TokenQuery>) -> Response {
    control_command(&desk, &headers, &q, Command::Resume, "resume").await
}

async fn control_end(State(desk): State<Shared>, headers: HeaderMap, Query(q): Query<TokenQuery>) -> Response {
    control_command(&desk, &headers, &q, Command::Directive(Directive::End), "end the exercise").await
}

/// After the end: closes the console now rather than at the end of `--linger`.
async fn control_close(State(desk): State<Shared>, headers: HeaderMap, Query(q): Query<TokenQuery>) -> Response {
    if !controller(&desk, &headers, &q) {
        return refused();
    }
    match desk.close() {
        Ok(()) => (StatusCode::ACCEPTED, Json(json!({ "done": "close the console" }))).into_response(),
        Err(e) => (StatusCode::CONFLICT, Json(json!({ "error": e }))).into_response(),
    }
}

/// The after-action review, printable, for anyone with a token, once the run is over.
async fn review_page(State(desk): State<Shared>, headers: HeaderMap, Query(q): Query<TokenQuery>) -> Response {
    if token_of(&headers, &q).and_then(|t| desk.access(&t)).is_none() {
        return refused_page();
    }
    match desk.record().review_html.clone() {
        Some(html) => Html(html).into_response(),
        None => (StatusCode::NOT_FOUND, Html("<!doctype html><p>The review is written when the exercise ends."))
            .into_response(),
    }
}

async fn control_inject(
    State(desk): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<TokenQuery>,
    Json(body): Json<RequestBody>,
) -> Response {
    if !controller(&desk, &headers, &q) {
        return refused();
    }
    let from = match body.from.as_deref().map(|f| (f, StateCode::parse(f.trim()))) {
        Some((_, Ok(code))) if desk.seats.contains_key(&code) => code,
        Some((_, Ok(code))) => return refusal(&Refusal::invalid("from", format!("{code} is not in this exercise"))),
        Some((f, Err(_))) => {
            return refusal(&Refusal::invalid("from", format!("`{}` is not a state code (like VNM)", echo(f))))
        }
        None => return refusal(&Refusal::invalid("from", "an ad-hoc inject needs `from`")),
    };
    admit_inject(&desk, Access::Control, from, body).await
}

#[cfg(test)]
mod tests {
    use pocnet_core::ActionName;

    /// The console's buttons post the action names of the one table, and every action
    /// has its button.
    #[test]
    fn console_buttons_post_the_table_s_action_names() {
        let page = include_str!("console.html");
        let posted: Vec<&str> =
            page.split("data-action=\"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
        for name in &posted {
            assert!(ActionName::parse(name).is_some(), "the console posts `{name}`, which is no action");
        }
        for action in ActionName::ALL {
            assert!(posted.contains(&action.key()), "no button of the console posts `{}`", action.key());
        }
    }
}
