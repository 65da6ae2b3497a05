//! React hooks as a substrate: what a component's behaviour depends on when it runs
//! in a browser tab, for every system whose frontend is a React hook or page.
//!
//! - [`component`]: a mounted component with state, renders that snapshot the state
//!   (so closures created in a render keep that render's values), effects with
//!   dependency lists run after the render whose dependencies changed, their cleanups,
//!   and unmount (state updates after unmount are dropped, as React drops them).
//! - [`timers`]: the window's `setTimeout`/`setInterval`. Timers belong to the tab, not
//!   to the component: an uncleared timer keeps firing after unmount and dies only
//!   with the tab (a crash or a close of its node).
//!
//! Refs are plain shared cells (`Rc<RefCell<T>>`) owned by whoever mounts the
//! component: they survive renders and never schedule one.

pub mod component;
pub mod timers;

pub use component::{Cleanup, Component, Render};
pub use timers::{TimerId, TimerKind, Timers};

#[cfg(test)]
mod tests;
