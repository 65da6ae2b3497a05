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
        if !scenario.goals().is_empty() {
            println!("  sometimes goals (runs that reach them are counted; --strategy cover branches from them):");
        }
        for g in scenario.goals() {
            println!("    {:<30} {}", g.name, g.doc);
        }
        if !scenario.params().is_empty() {
            println!("  parameters (--param NAME=VALUE; [A]: an assumption the text does not state):");
        }
        for p in scenario.params() {
            let unit = match p.kind {
                scenarios::ParamKind::Number { unit } => format!(" {unit}"),
                scenarios::ParamKind::Switch => String::new(),
                scenarios::ParamKind::Choice(options) => format!(" (one of {})", options.join(", ")),
            };
            let marker = if p.assumption { "[A] " } else { "" };
            println!("    {:<20} {}{unit}  {marker}{}", p.name, p.display(p.default), p.doc);
        }
        println!();
    }
    Ok(Exit::Pass)
}
