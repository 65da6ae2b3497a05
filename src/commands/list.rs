//! `lockstep list`: what can be run, and what each run checks and injects.

use scenarios::all;

use crate::commands::Exit;

pub fn run() -> anyhow::Result<Exit> {
    for scenario in all() {
        println!("{}  {}", scenario.name(), scenario.doc());
        println!("  variants:");
        for v in scenario.variants() {
            println!("    {:<20} {}", v.name, v.doc);
        }
        println!("  invariants:");
        for i in scenario.invariants() {
            println!("    {:<20} {:<9} {}", i.name, i.kind, i.doc);
        }
        println!("  fault points:");
        for f in scenario.fault_points() {
            println!("    {:<20} {}", f.name, f.doc);
        }
        println!();
    }
    Ok(Exit::Pass)
}
