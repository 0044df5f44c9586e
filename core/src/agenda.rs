//! Orders a contact point's inputs in one total order and runs them window by window.
//!
//! Both engines (the QUIC node and the in-process engine) own one `Agenda` per contact
//! point and call [`Agenda::run_until`] when the virtual clock grants a window. Inputs due
//! at the same time run in a fixed order (messages by sender and sequence, then injects by
//! id, then timers), so a window's outcome never depends on the order in which envelopes
//! crossed the network.
//!
//! # Quiet inputs
//! An input is *quiet* when running it can produce nothing at its own time: no envelope,
//! no event, no timer; it only changes state that later inputs read. A delivery receipt is
//! one (it marks the sent request as received, which the next resend timer reads). Its time
//! and content are fixed when it is sent, and it runs in its place in the total order
//! whenever a later window grants its contact point, so it needs no window of its own:
//! under [`WindowRule::SkipQuiet`] the agenda leaves quiet inputs out of
//! [`Agenda::next_event`] and [`Agenda::wakes`] says not to wake a receiver for them.

use crate::contact_point::ContactPoint;
use crate::event::Event;
use crate::limits;
use crate::operator::ExerciseInput;
use crate::request::{Inject, RequestId};
use crate::state::StateCode;
use crate::time::SimTime;
use crate::wire::{Envelope, Message};
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnqueueError {
    #[error("envelope for {to} delivered to {here}")]
    WrongReceiver { to: StateCode, here: StateCode },
    #[error("envelope due at {deliver_at}, before this contact point's horizon {horizon} (causality)")]
    InThePast { deliver_at: SimTime, horizon: SimTime },
    #[error("envelope due at {deliver_at} was sent at {sent_at}: expected a link delay of {expected_ms} ms")]
    WrongDelay { sent_at: SimTime, deliver_at: SimTime, expected_ms: u64 },
    #[error("inbox holds {max} envelopes already", max = limits::INBOX_ENVELOPES_MAX)]
    InboxFull,
    #[error("inject {id} is from {from}, not from this contact point ({here})")]
    InjectNotOurs { id: RequestId, from: StateCode, here: StateCode },
    #[error("more than {max} injects for one contact point", max = limits::INJECTS_PER_STATE_MAX)]
    TooManyInjects,
    #[error("more than {max} exercise inputs for one contact point", max = limits::EXERCISE_INPUTS_MAX)]
    TooManyExerciseInputs,
    #[error("inject {id}: {limit}")]
    InjectBeyondLimits { id: RequestId, limit: crate::request::LimitError },
}

/// Which inputs the virtual clock gives a window of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WindowRule {
    /// Every input, quiet ones too: the rule before quiet inputs were skipped, kept to
    /// measure the gain against and to check that the reports agree.
    EveryInput,
    /// Every input but quiet ones (see the module's documentation).
    #[default]
    SkipQuiet,
}

impl WindowRule {
    /// Whether the receiver of `envelope`, sent in a window, must be woken for it: every
    /// envelope but a quiet one under [`WindowRule::SkipQuiet`].
    pub fn wakes(self, envelope: &Envelope) -> bool {
        self == WindowRule::EveryInput || !is_quiet(&envelope.message)
    }
}

/// Whether `message` is a quiet input at its receiver: running it produces no envelope, no
/// event and no timer (a delivery receipt only marks the request as received).
pub fn is_quiet(message: &Message) -> bool {
    matches!(message, Message::Receipt { .. })
}

type InboxKey = (SimTime, StateCode, u64);

/// What one window produced.
#[derive(Debug, Default)]
pub struct WindowOutput {
    pub transmits: Vec<Envelope>,
    pub events: Vec<Event>,
}

#[derive(Debug)]
pub struct Agenda {
    contact_point: ContactPoint,
    injects: BTreeMap<(SimTime, RequestId), Inject>,
    inbox: BTreeMap<InboxKey, Envelope>,
    /// Quiet envelopes (receipts), apart so that the next input that needs a window is
    /// found at once; run in the same total order as the inbox, merged by key.
    quiet: BTreeMap<InboxKey, Envelope>,
    rule: WindowRule,
    /// People's actions and the end of an exercise, in arrival order at equal times.
    exercise: BTreeMap<(SimTime, u64), ExerciseInput>,
    exercise_seq: u64,
    /// Every input before this time has run; nothing may be queued before it.
    horizon: SimTime,
}

impl Agenda {
    pub fn new(contact_point: ContactPoint) -> Agenda {
        Agenda {
            contact_point,
            injects: BTreeMap::new(),
            inbox: BTreeMap::new(),
            quiet: BTreeMap::new(),
            rule: WindowRule::default(),
            exercise: BTreeMap::new(),
            exercise_seq: 0,
            horizon: SimTime(i64::MIN),
        }
    }

    /// The same agenda under `rule` (both engines default to [`WindowRule::SkipQuiet`]).
    pub fn with_rule(mut self, rule: WindowRule) -> Agenda {
        self.rule = rule;
        self
    }

    /// Which inputs take a window of their own here.
    pub fn rule(&self) -> WindowRule {
        self.rule
    }

    pub fn add_inject(&mut self, inject: Inject) -> Result<(), EnqueueError> {
        let here = self.contact_point.state();
        if inject.from != here {
            return Err(EnqueueError::InjectNotOurs { id: inject.id, from: inject.from, here });
        }
        if inject.at < self.horizon {
            return Err(EnqueueError::InThePast { deliver_at: inject.at, horizon: self.horizon });
        }
        // What a receiver would refuse never enters: the refusal would end the sender.
        inject.check_limits().map_err(|limit| EnqueueError::InjectBeyondLimits { id: inject.id, limit })?;
        if self.injects.len() >= limits::INJECTS_PER_STATE_MAX {
            return Err(EnqueueError::TooManyInjects);
        }
        self.injects.insert((inject.at, inject.id), inject);
        Ok(())
    }

    /// Queues an exercise input (a person's action, the end) to run at `at`.
    pub fn add_exercise_input(&mut self, at: SimTime, input: ExerciseInput) -> Result<(), EnqueueError> {
        if at < self.horizon {
            return Err(EnqueueError::InThePast { deliver_at: at, horizon: self.horizon });
        }
        if self.exercise.len() >= limits::EXERCISE_INPUTS_MAX {
            return Err(EnqueueError::TooManyExerciseInputs);
        }
        self.exercise.insert((at, self.exercise_seq), input);
        self.exercise_seq += 1;
        Ok(())
    }

    /// Queues an envelope for delivery at its `deliver_at`. A duplicate (same sender and
    /// sequence number) replaces the queued copy, and the contact point drops it if it was
    /// already delivered; one due before the horizon is taken (and ignored) if this agenda
    /// holds or handled it, refused otherwise.
    pub fn enqueue(&mut self, envelope: Envelope) -> Result<(), EnqueueError> {
        let here = self.contact_point.state();
        if envelope.to != here {
            return Err(EnqueueError::WrongReceiver { to: envelope.to, here });
        }
        let expected_ms = self.contact_point.network().delay_ms(envelope.from, envelope.to);
        let link = envelope.sent_at.plus_ms(expected_ms);
        // Between central authorities the channel adds its own delay (at most a year).
        let on_time = if envelope.message.is_by_channel() {
            envelope.deliver_at >= link && envelope.deliver_at <= link.plus_ms(limits::DELAY_MS_MAX)
        } else {
            // A request re-sent by a fallback channel takes that channel's delay.
            let network = self.contact_point.network();
            let by_fallback = matches!(envelope.message, crate::wire::Message::Request(_))
                && network.fallbacks.iter().any(|f| envelope.deliver_at == envelope.sent_at.plus_ms(f.delay_ms));
            envelope.deliver_at == link || by_fallback
        };
        if !on_time {
            return Err(EnqueueError::WrongDelay {
                sent_at: envelope.sent_at,
                deliver_at: envelope.deliver_at,
                expected_ms,
            });
        }
        if self.contact_point.ended() {
            // The exercise is over here: nothing more is delivered.
            return Ok(());
        }
        let key = (envelope.deliver_at, envelope.from, envelope.seq);
        if envelope.deliver_at < self.horizon {
            // A sender's copy sent again after its receiver ran past it (a resend after a
            // restart): already here, nothing to queue. Anything else breaks causality.
            let already = self.inbox.contains_key(&key)
                || self.quiet.contains_key(&key)
                || self.contact_point.has_handled(envelope.from, envelope.seq);
            if already {
                return Ok(());
            }
            return Err(EnqueueError::InThePast { deliver_at: envelope.deliver_at, horizon: self.horizon });
        }
        if self.inbox.len() + self.quiet.len() >= limits::INBOX_ENVELOPES_MAX {
            return Err(EnqueueError::InboxFull);
        }
        if is_quiet(&envelope.message) {
            self.quiet.insert(key, envelope);
        } else {
            self.inbox.insert(key, envelope);
        }
        Ok(())
    }

    /// Every input before this time has run: a window may not end before it.
    pub fn horizon(&self) -> SimTime {
        self.horizon
    }

    /// The earliest time at which this contact point has an input that needs a window
    /// (under [`WindowRule::SkipQuiet`], quiet inputs left out: they run with a later one).
    pub fn next_event(&self) -> Option<SimTime> {
        let quiet = self.quiet.keys().next().map(|k| k.0).filter(|_| self.rule == WindowRule::EveryInput);
        let message = [self.inbox.keys().next().map(|k| k.0), quiet].into_iter().flatten().min();
        let inject = self.injects.keys().next().map(|k| k.0);
        let exercise = self.exercise.keys().next().map(|k| k.0);
        [message, inject, exercise, self.contact_point.poll_timeout()].into_iter().flatten().min()
    }

    /// Runs every input due before `until`, in order, and collects what they produce.
    pub fn run_until(&mut self, until: SimTime, out: &mut WindowOutput) {
        assert!(until >= self.horizon, "window end {until} before horizon {}", self.horizon);
        loop {
            let first = self.first_message();
            let message = first.map(|(k, _)| k.0);
            let inject = self.injects.keys().next().map(|k| k.0);
            let exercise = self.exercise.keys().next().map(|k| k.0);
            let timer = self.contact_point.poll_timeout();
            // Ties: messages, then injects, then exercise inputs, then timers.
            let candidates = [(message, 0u8), (inject, 1), (exercise, 2), (timer, 3)];
            let Some((at, class)) = candidates.iter().filter_map(|&(t, c)| t.map(|t| (t, c))).min() else { break };
            if at >= until {
                break;
            }
            match class {
                0 => {
                    let from = if first.is_some_and(|(_, quiet)| quiet) { &mut self.quiet } else { &mut self.inbox };
                    if let Some((_, envelope)) = from.pop_first() {
                        self.contact_point.handle_message(at, envelope);
                    }
                }
                1 => {
                    if let Some((_, inject)) = self.injects.pop_first() {
                        self.contact_point.handle_inject(at, inject);
                    }
                }
                2 => {
                    if let Some((_, input)) = self.exercise.pop_first() {
                        self.contact_point.handle_exercise(at, input);
                    }
                }
                _ => self.contact_point.handle_timeout(at),
            }
            if self.contact_point.ended() {
                // Nothing happens after the end of the exercise.
                self.inbox.clear();
                self.quiet.clear();
                self.injects.clear();
                self.exercise.clear();
            }
            while let Some(t) = self.contact_point.poll_transmit() {
                out.transmits.push(t);
            }
            while let Some(e) = self.contact_point.poll_event() {
                out.events.push(e);
            }
        }
        self.horizon = until;
    }

    /// The first queued envelope in the total order, and whether it is a quiet one.
    fn first_message(&self) -> Option<(InboxKey, bool)> {
        let loud = self.inbox.keys().next().map(|k| (*k, false));
        let quiet = self.quiet.keys().next().map(|k| (*k, true));
        [loud, quiet].into_iter().flatten().min()
    }
}
