//! The in-process engine: every contact point's agenda in this process, no network.
//!
//! It drives the same cores through the same agendas as the mesh, so on the same scenario
//! and seed it yields the same report: the oracle for the mesh, and the fast path.

use crate::engine::{Engine, WindowReport};
use crate::scenario::Scenario;
use anyhow::Context;
use pocnet_core::wire::WindowDone;
use pocnet_core::{Agenda, ContactPoint, ExerciseInput, Inject, SimTime, StateCode, WindowOutput, WindowRule};
use std::collections::BTreeMap;

pub struct InProcess {
    agendas: BTreeMap<StateCode, Agenda>,
}

impl InProcess {
    pub fn new(scenario: &Scenario) -> anyhow::Result<(InProcess, BTreeMap<StateCode, Option<SimTime>>)> {
        InProcess::with_rule(scenario, WindowRule::default())
    }

    /// The engine with its agendas under `rule` (which inputs take a window of their own).
    pub fn with_rule(
        scenario: &Scenario,
        rule: WindowRule,
    ) -> anyhow::Result<(InProcess, BTreeMap<StateCode, Option<SimTime>>)> {
        let mut agendas = BTreeMap::new();
        for entry in &scenario.states {
            let cp = ContactPoint::new(scenario.contact_point_config(entry))
                .with_context(|| format!("contact point {}", entry.code))?;
            let mut agenda = Agenda::new(cp).with_rule(rule);
            for inject in scenario.injects_from(entry.code) {
                agenda.add_inject(inject)?;
            }
            agendas.insert(entry.code, agenda);
        }
        let next = agendas.iter().map(|(s, a)| (*s, a.next_event())).collect();
        Ok((InProcess { agendas }, next))
    }
}

impl Engine for InProcess {
    async fn grant(&mut self, until: SimTime, states: &[StateCode]) -> anyhow::Result<Vec<WindowReport>> {
        let mut reports = Vec::with_capacity(states.len());
        for &state in states {
            let agenda = self.agendas.get_mut(&state).context("granted an unknown state")?;
            let mut out = WindowOutput::default();
            agenda.run_until(until, &mut out);
            let rule = agenda.rule();
            let mut sent: BTreeMap<StateCode, SimTime> = BTreeMap::new();
            let mut written: BTreeMap<StateCode, Vec<u64>> = BTreeMap::new();
            for envelope in out.transmits {
                let (to, at) = (envelope.to, envelope.deliver_at);
                written.entry(to).or_default().push(envelope.seq);
                let wakes = rule.wakes(&envelope);
                let receiver =
                    self.agendas.get_mut(&to).with_context(|| format!("{state} sent to {to}, not in the register"))?;
                receiver.enqueue(envelope).with_context(|| format!("delivery {state} -> {to}"))?;
                if wakes {
                    let slot = sent.entry(to).or_insert(at);
                    *slot = (*slot).min(at);
                }
            }
            let next_event = self.agendas.get(&state).and_then(Agenda::next_event);
            reports.push(WindowReport {
                state,
                done: WindowDone {
                    next_event,
                    sent: sent.into_iter().collect(),
                    written: written.into_iter().collect(),
                    events: vec![],
                },
                events: out.events,
            });
        }
        Ok(reports)
    }

    async fn exercise_input(&mut self, state: StateCode, at: SimTime, input: ExerciseInput) -> anyhow::Result<()> {
        let agenda =
            self.agendas.get_mut(&state).with_context(|| format!("exercise input for unknown state {state}"))?;
        agenda.add_exercise_input(at, input).with_context(|| format!("exercise input at {state}"))?;
        Ok(())
    }

    async fn add_inject(&mut self, inject: Inject) -> anyhow::Result<()> {
        let from = inject.from;
        let agenda = self.agendas.get_mut(&from).with_context(|| format!("inject from unknown state {from}"))?;
        agenda.add_inject(inject).with_context(|| format!("inject at {from}"))?;
        Ok(())
    }
}
