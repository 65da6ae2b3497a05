//! A mounted React component: state, renders, effects with dependency lists, unmount.
//!
//! React's rules as this model keeps them:
//! - `set_state` updates the state and schedules a render; after unmount it does
//!   nothing (React drops the update).
//! - A render sees a snapshot of the state. Everything created in it (effect bodies,
//!   the closures they hand to timers) keeps that snapshot, however stale it gets.
//! - After a render, each effect whose dependency list differs from the one of its
//!   last run first runs its previous cleanup (if it returned one), then its body.
//! - Unmount runs every effect's cleanup and stops rendering. Timers the cleanups do
//!   not clear keep running ([`crate::substrate::react::timers`]).
//!
//! Dependencies are integers: a value, or the identity of a callback (a counter that
//! changes whenever a `useCallback`'s own dependencies change).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use sim::{NodeId, Notify, Sim};

/// What an effect returns to undo itself: run before its next run and at unmount.
pub type Cleanup = Box<dyn FnOnce(&Sim)>;

type EffectBody = Box<dyn FnOnce(&Sim) -> Option<Cleanup>>;

#[derive(Default)]
struct EffectSlot {
    deps: Option<Vec<u64>>,
    cleanup: Option<Cleanup>,
}

struct Inner<S> {
    node: NodeId,
    /// The life of the node the component was mounted in: a crash ends it.
    life: u32,
    state: RefCell<S>,
    rerender: Notify,
    mounted: Cell<bool>,
    slots: RefCell<Vec<EffectSlot>>,
    renders: Cell<u64>,
}

/// A handle on one mounted component instance. Clones share it.
pub struct Component<S> {
    inner: Rc<Inner<S>>,
}

impl<S> Clone for Component<S> {
    fn clone(&self) -> Self {
        Component { inner: self.inner.clone() }
    }
}

/// One render: the state it sees, and the effects it declares.
pub struct Render<S> {
    pub state: S,
    effects: RefCell<Vec<(Vec<u64>, EffectBody)>>,
}

impl<S> Render<S> {
    /// `useEffect(body, deps)`: `body` runs after this render if `deps` changed since
    /// the effect's last run. Effects are identified by the order they are declared.
    pub fn use_effect(&self, deps: Vec<u64>, body: impl FnOnce(&Sim) -> Option<Cleanup> + 'static) {
        self.effects.borrow_mut().push((deps, Box::new(body)));
    }
}

impl<S: Clone + 'static> Component<S> {
    /// Mounts a component on `node` (which must be up) and starts its render loop:
    /// a first render now, then one after every state change.
    pub fn mount(sim: &Sim, node: NodeId, initial: S, render: impl Fn(&Render<S>) + 'static) -> Component<S> {
        let inner = Inner {
            node,
            life: sim.incarnation(node),
            state: RefCell::new(initial),
            rerender: Notify::new(),
            mounted: Cell::new(true),
            slots: RefCell::default(),
            renders: Cell::new(0),
        };
        let component = Component { inner: Rc::new(inner) };
        let (c, s) = (component.clone(), sim.clone());
        sim.spawn(node, "render", async move { c.render_loop(&s, render).await });
        component
    }

    async fn render_loop(&self, sim: &Sim, render: impl Fn(&Render<S>)) {
        while self.inner.mounted.get() {
            // Taken before the render, so a state change made by an effect of this
            // very render schedules the next one.
            let next = self.inner.rerender.notified();
            let r = Render { state: self.inner.state.borrow().clone(), effects: RefCell::default() };
            render(&r);
            self.inner.renders.set(self.inner.renders.get() + 1);
            for (i, (deps, body)) in r.effects.into_inner().into_iter().enumerate() {
                let previous = {
                    let mut slots = self.inner.slots.borrow_mut();
                    if slots.len() <= i {
                        slots.resize_with(i + 1, EffectSlot::default);
                    }
                    if slots[i].deps.as_ref() == Some(&deps) {
                        continue;
                    }
                    slots[i].deps = Some(deps);
                    slots[i].cleanup.take()
                };
                if let Some(cleanup) = previous {
                    cleanup(sim);
                }
                if !self.inner.mounted.get() {
                    return;
                }
                let cleanup = body(sim);
                self.inner.slots.borrow_mut()[i].cleanup = cleanup;
            }
            next.await;
        }
    }

    /// `setState`: applies `update` and schedules a render; dropped after unmount.
    pub fn set_state(&self, update: impl FnOnce(&mut S)) {
        if !self.inner.mounted.get() {
            return;
        }
        update(&mut self.inner.state.borrow_mut());
        self.inner.rerender.notify_all();
    }

    /// A render with unchanged state: the parent re-rendered.
    pub fn rerender(&self) {
        self.inner.rerender.notify_all();
    }

    /// The current state (not a render's snapshot): what a ref to it would read.
    pub fn state(&self) -> S {
        self.inner.state.borrow().clone()
    }

    /// Unmounts: every effect's cleanup runs, and rendering stops.
    pub fn unmount(&self, sim: &Sim) {
        if !self.inner.mounted.replace(false) {
            return;
        }
        let cleanups: Vec<Cleanup> =
            self.inner.slots.borrow_mut().iter_mut().filter_map(|slot| slot.cleanup.take()).collect();
        for cleanup in cleanups {
            cleanup(sim);
        }
        self.inner.rerender.notify_all();
    }

    /// Whether the component is mounted in a live page: not unmounted, and its tab
    /// has not crashed or closed since it was mounted.
    pub fn is_live(&self, sim: &Sim) -> bool {
        self.inner.mounted.get() && sim.is_up(self.inner.node) && sim.incarnation(self.inner.node) == self.inner.life
    }

    /// How many renders the component has done.
    pub fn renders(&self) -> u64 {
        self.inner.renders.get()
    }

    pub fn node(&self) -> NodeId {
        self.inner.node
    }
}
