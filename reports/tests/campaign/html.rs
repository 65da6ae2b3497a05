use reports::campaign::Failure;
use reports::sequence::Diagram;
use sim::{ChoiceSource, Event, EventKind, NodeId};

use crate::fixtures::{campaign, Plan};

#[test]
fn the_page_is_self_contained_with_one_diagram_per_failure() {
    let report = campaign("demo/lock", "check-then-set", 0..=29, Plan { shrink_runs: Some(300), ..Plan::default() });
    assert!(report.failures.len() >= 2);
    let html = reports::html::render(&report);
    assert!(html.starts_with("<!DOCTYPE html>"));
    for reference in ["http://", "https://", "<script", "<link", "src=", "url(", "@import"] {
        assert!(!html.contains(reference), "the page refers to {reference}");
    }
    assert_eq!(html.matches("<svg class=\"sequence\"").count(), report.failures.len());
    for f in &report.failures {
        assert!(html.contains(&f.replay), "{}", f.replay);
        assert!(f.steps_after_shrink.unwrap() <= f.steps_before_shrink.unwrap());
    }
    assert!(html.contains("mutual-exclusion"));
}

#[test]
fn a_note_with_markup_characters_is_shown_not_parsed() {
    let (s, v) = scenarios::find("demo/lock", Some("check-then-set")).unwrap();
    let mut run = s.run(v, ChoiceSource::Seed(0), &scenarios::RunOptions::default().full_trace());
    let last = run.trace.last().unwrap().time;
    run.trace.push(Event {
        time: last,
        node: NodeId(2),
        task: None,
        kind: EventKind::Note { text: "saw <&> and \"q\"".into() },
    });
    let failure = Failure::from_runs(0, &run, None, "lockstep repro x --seed 0".into()).unwrap();
    let diagram = failure.diagram.clone().unwrap();
    assert_eq!(diagram, Diagram::from_run(&run));
    let svg = reports::svg::render(&diagram);
    assert!(svg.contains("saw &lt;&amp;&gt; and &quot;q&quot;"), "{svg}");
    let mut report = campaign("demo/lock", "check-then-set", 0..=0, Plan::default());
    report.failures = vec![failure];
    let html = reports::html::render(&report);
    assert!(!html.contains("<&>"));
    assert_eq!(html.matches("saw &lt;&amp;&gt;").count(), 2, "in the diagram and in the text timeline");
}

#[test]
fn a_long_trace_shows_its_last_rows_and_says_how_many_it_left_out() {
    let (s, v) = scenarios::find("launcher/multi-tab", Some("v8")).unwrap();
    let run = s.run(v, ChoiceSource::Seed(3), &scenarios::RunOptions::default().full_trace());
    let events = run.trace.iter().filter(|e| e.kind.is_model_level()).count();
    assert!(events > 10, "{events} events");
    let d = Diagram::from_run_capped(&run, 10);
    assert_eq!(d.rows.len(), 10);
    assert_eq!(d.omitted_events as usize, events - 10);
    assert!(reports::svg::render(&d).contains(&format!("{} earlier events", d.omitted_events)));
}
