//! A request whose work runs as a task on the server node and finishes even if the
//! caller dies: a sandbox create that takes minutes, a directory upload.
//!
//! [`Sim::call`] applies its handler atomically on arrival; a job instead starts on
//! arrival and then runs on its own (sleeping, drawing, touching state) as a task of
//! the *server* node. Invariants it keeps:
//! - the caller's crash drops only the caller's waiting task, never the job;
//! - the result travels back as a one-way message, so it can be lost like any other;
//!   it is handed only to the life of the caller that asked (a restarted caller never
//!   receives the answer meant for its previous life);
//! - the caller waits at most `timeout_ms` and then cannot tell whether the job ran,
//!   is still running, or finished with its answer lost (an ambiguous outcome).

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use sim::{NodeId, Notify, Sim};

/// Where a job's answer lands on the caller: filled by the reply message, woken by it.
struct ReplySlot<R> {
    value: RefCell<Option<R>>,
    arrived: Notify,
}

/// Sends `label` from `from` to `server`. On arrival, `start` runs atomically on the
/// server (the job's synchronous prefix) and returns the rest of the job, which is
/// spawned as a task on `server`. Its output is sent back to `from`.
///
/// Returns `None` when no answer arrived within `timeout_ms`: the request or the answer
/// was lost, the server was unreachable, or the job is still running.
pub async fn call_job<R, F>(
    sim: &Sim,
    from: NodeId,
    server: NodeId,
    label: &'static str,
    timeout_ms: u64,
    start: impl FnOnce(&Sim) -> F + 'static,
) -> Option<R>
where
    R: 'static,
    F: Future<Output = R> + 'static,
{
    let slot = Rc::new(ReplySlot { value: RefCell::new(None), arrived: Notify::new() });
    let caller_life = sim.incarnation(from);
    let reply_slot = slot.clone();
    sim.send(from, server, label, move |sim| {
        let job = start(sim);
        let sim_for_job = sim.clone();
        sim.spawn(server, label, async move {
            let answer = job.await;
            sim_for_job.send(server, from, label, move |sim| {
                if sim.incarnation(from) == caller_life {
                    *reply_slot.value.borrow_mut() = Some(answer);
                    reply_slot.arrived.notify_all();
                }
            });
        });
    });
    sim.timeout_ms(timeout_ms, async {
        loop {
            let arrived = slot.arrived.notified();
            if let Some(answer) = slot.value.borrow_mut().take() {
                return answer;
            }
            arrived.await;
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use sim::{ChoiceSource, Invariant, RunConfig};

    use super::*;

    fn run(seed: u64, setup: impl FnOnce(&Sim)) {
        let config = RunConfig { fault_phase_ms: 100_000, liveness_deadline_ms: 100_000, ..RunConfig::default() };
        let result = sim::run(ChoiceSource::Seed(seed), &config, setup, &[] as &[Invariant<()>]);
        assert!(result.outcome.is_pass(), "{:?}", result.outcome);
    }

    #[test]
    fn the_caller_gets_the_answer_after_the_job_ran_on_the_server() {
        let answer = Rc::new(Cell::new(None));
        let got = answer.clone();
        run(1, move |sim| {
            let (client, server) = (sim.add_node("client"), sim.add_node("server"));
            let s = sim.clone();
            sim.spawn(client, "caller", async move {
                let r = call_job(&s, client, server, "JOB", 60_000, move |sim| {
                    let sim = sim.clone();
                    async move {
                        assert_eq!(sim.current_node(), server, "the job runs on the server");
                        sim.sleep_ms(10_000).await;
                        7u32
                    }
                })
                .await;
                got.set(Some(r));
            });
        });
        assert_eq!(answer.get(), Some(Some(7)));
    }

    #[test]
    fn the_job_finishes_after_its_caller_crashed_and_the_answer_is_dropped() {
        let finished = Rc::new(Cell::new(false));
        let answered = Rc::new(Cell::new(false));
        let (f, a) = (finished.clone(), answered.clone());
        run(2, move |sim| {
            let (client, server) = (sim.add_node("client"), sim.add_node("server"));
            let s = sim.clone();
            sim.spawn(client, "caller", async move {
                let job = call_job(&s, client, server, "JOB", 60_000, move |sim| {
                    let sim = sim.clone();
                    async move {
                        sim.sleep_ms(10_000).await;
                        f.set(true);
                    }
                });
                job.await;
                a.set(true);
            });
            let s = sim.clone();
            sim.spawn(NodeId::SYSTEM, "killer", async move {
                s.sleep_ms(1_000).await;
                s.crash(client);
                s.restart(client);
            });
        });
        assert!(finished.get(), "the job must outlive its caller");
        assert!(!answered.get(), "a crashed caller's wait must not resume");
    }
}
