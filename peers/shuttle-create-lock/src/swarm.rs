//! The run's fault profile, drawn as lockstep draws its swarm (sim/src/fault.rs): for
//! each fault point the row allows, in name order, on with probability 1/2 and then a
//! rate from {1/64, 1/16, 1/4, 1/2}. A point fires at each of its sites with its rate,
//! and the model lets at most one fault happen per run. The draws are shuttle's data
//! choices, so a failing schedule replays them too.

use create_lock_abstraction::spec::Faults;
use shuttle::rand::{thread_rng, Rng};

const RATES: [u32; 4] = [64, 16, 4, 2];

/// Per point: `None` off, or `Some(d)` firing with probability 1/d.
#[derive(Clone, Copy, Debug)]
pub struct Swarm {
    insert: Option<u32>,
    crash: Option<u32>,
}

fn draw_point(allowed: bool) -> Option<u32> {
    if !allowed {
        return None;
    }
    let mut rng = thread_rng();
    let on = rng.gen_range(0..2) == 1;
    on.then(|| RATES[rng.gen_range(0..RATES.len())])
}

impl Swarm {
    /// In name order: `createlock.insert.fail`, then `createlock.tab.crash`.
    pub fn draw(faults: Faults) -> Swarm {
        let insert = draw_point(faults.insert());
        let crash = draw_point(faults.crash());
        Swarm { insert, crash }
    }

    fn fires(rate: Option<u32>) -> bool {
        rate.is_some_and(|d| thread_rng().gen_range(0..d) == 0)
    }

    pub fn insert_fires(&self) -> bool {
        Swarm::fires(self.insert)
    }

    pub fn crash_fires(&self) -> bool {
        Swarm::fires(self.crash)
    }
}
