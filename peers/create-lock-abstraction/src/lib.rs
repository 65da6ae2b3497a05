//! `launcher/create-lock` at the abstraction its spec fixes
//! (`/work/notes/create-lock-spec.md`, issue 15): parameters and detection rows
//! ([`spec`]), the state ([`state`]), the store's and provider's atomic operations
//! ([`store`]), the tabs' steps ([`steps`]), the transition system they make
//! ([`actions`]) and the invariants ([`invariants`]). The peers add only what their
//! tool shapes differently: stateright the breadth-first search over [`actions`],
//! shuttle the tabs' control flow as async tasks on a logical clock.

pub mod actions;
pub mod args;
pub mod invariants;
pub mod spec;
pub mod state;
pub mod steps;
pub mod store;
