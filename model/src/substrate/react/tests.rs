//! The React rules the substrate keeps: effects run when their dependencies change,
//! render closures keep their render's state, uncleared timers outlive unmount, and
//! cleanups run before a re-run and at unmount.

use std::cell::RefCell;
use std::rc::Rc;

use sim::{ChoiceSource, Invariant, RunConfig, Sim};

use super::{Component, Timers};

fn run(setup: impl FnOnce(&Sim)) {
    let config = RunConfig { fault_phase_ms: 100_000, liveness_deadline_ms: 100_000, ..RunConfig::default() };
    let result = sim::run(ChoiceSource::Seed(5), &config, setup, &[] as &[Invariant<()>]);
    assert!(result.outcome.is_pass(), "{:?}", result.outcome);
}

#[derive(Clone)]
struct State {
    dep: u64,
    other: u64,
}

#[test]
fn effects_rerun_on_changed_deps_and_uncleared_timers_fire_after_unmount() {
    let log = Rc::new(RefCell::new(Vec::<String>::new()));
    let out = log.clone();
    run(move |sim| {
        let node = sim.add_node("tab");
        let timers = Timers::default();
        let (l, t) = (out.clone(), timers.clone());
        let c = Component::mount(sim, node, State { dep: 0, other: 0 }, move |r| {
            let (l, t, seen) = (l.clone(), t.clone(), r.state.dep);
            r.use_effect(vec![r.state.dep], move |sim| {
                l.borrow_mut().push(format!("effect dep={seen}"));
                let l2 = l.clone();
                // No cleanup: the timer keeps the render's `dep` and outlives unmount.
                t.set_timeout(sim, node, 1, "t", 1_000, move |_| l2.borrow_mut().push(format!("timer dep={seen}")));
                None
            });
        });
        let s = sim.clone();
        sim.spawn(node, "driver", async move {
            s.sleep_ms(100).await;
            c.set_state(|st| st.other += 1);
            s.sleep_ms(100).await;
            c.set_state(|st| st.dep = 7);
            s.sleep_ms(100).await;
            c.unmount(&s);
            assert_eq!(timers.count(1, "t"), 2, "two uncleared timers pending after unmount");
            assert_eq!(timers.count_each(1, ["t", "u"]), [timers.count(1, "t"), timers.count(1, "u")]);
            assert_eq!(timers.count_each(2, ["t"]), [0], "another owner's");
            c.set_state(|st| st.dep = 9);
        });
    });
    let log = log.borrow();
    assert_eq!(*log, ["effect dep=0", "effect dep=7", "timer dep=0", "timer dep=7"]);
}

#[test]
fn a_cleanup_clears_its_timer_before_the_rerun_and_at_unmount() {
    let fired = Rc::new(RefCell::new(0));
    let out = fired.clone();
    run(move |sim| {
        let node = sim.add_node("tab");
        let timers = Timers::default();
        let (f, t) = (out.clone(), timers.clone());
        let c = Component::mount(sim, node, State { dep: 0, other: 0 }, move |r| {
            let (f, t) = (f.clone(), t.clone());
            r.use_effect(vec![r.state.dep], move |sim| {
                let id = t.set_timeout(sim, node, 1, "t", 1_000, move |_| *f.borrow_mut() += 1);
                let t = t.clone();
                Some(Box::new(move |_: &Sim| t.clear(id)))
            });
        });
        let s = sim.clone();
        sim.spawn(node, "driver", async move {
            s.sleep_ms(100).await;
            c.set_state(|st| st.dep = 1);
            s.sleep_ms(100).await;
            c.unmount(&s);
            assert_eq!(timers.count(1, "t"), 0);
        });
    });
    assert_eq!(*fired.borrow(), 0);
}
