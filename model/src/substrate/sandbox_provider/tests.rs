//! The provider's promises, each checked in simulated runs: creates outlive their
//! callers, failed creates leave nothing alive, two config writers can tear the config,
//! overlapping uploads corrupt a skill directory, sessions record what they read.

use std::cell::RefCell;
use std::rc::Rc;

use sim::{ChoiceSource, FaultProfile, Invariant, RunConfig};

use super::*;

const USER: u32 = 1;
const SKILL: u32 = 5;

/// Runs `setup` with `faults` always firing; the run must pass.
fn run(seed: u64, faults: &[FaultPoint], setup: impl FnOnce(&Sim, SandboxProvider)) {
    let config = RunConfig { fault_phase_ms: 1_000_000, liveness_deadline_ms: 1_000_000, ..RunConfig::default() };
    let faults = faults.to_vec();
    let setup = move |sim: &Sim| {
        sim.set_fault_profile(FaultProfile::uniform(&faults, Ratio::ALWAYS));
        setup(sim, SandboxProvider::new(sim, "daytona", ProviderParams::default()));
    };
    let result = sim::run(ChoiceSource::Seed(seed), &config, setup, &[] as &[Invariant<()>]);
    assert!(result.outcome.is_pass(), "seed {seed}: {:?}", result.outcome);
}

/// Creates a sandbox for `USER` with config 11 and `SKILL`; returns the provider and
/// what `create` answered (`None` if the caller never saw an answer).
type Created = Rc<RefCell<Option<(SandboxProvider, Option<Result<SandboxId, ProviderError>>)>>>;

fn create_one(seed: u64, faults: &[FaultPoint], crash_caller_at_ms: Option<u64>) -> Created {
    let out = Created::default();
    let out2 = out.clone();
    run(seed, faults, move |sim, provider| {
        let tab = sim.add_node("tab");
        *out2.borrow_mut() = Some((provider.clone(), None));
        let (s, o) = (sim.clone(), out2.clone());
        sim.spawn(tab, "tab", async move {
            let answer = provider.create(&s, tab, USER, 11, SKILL).await;
            o.borrow_mut().as_mut().expect("set at setup").1 = Some(answer);
        });
        if let Some(at_ms) = crash_caller_at_ms {
            let s = sim.clone();
            sim.spawn(NodeId::SYSTEM, "closer", async move {
                s.sleep_ms(at_ms).await;
                s.crash(tab);
            });
        }
    });
    out
}

#[test]
fn a_create_answers_with_a_healthy_configured_sandbox() {
    for seed in 0..10 {
        let out = create_one(seed, &[], None);
        let (provider, answer) = out.borrow_mut().take().expect("ran");
        let id = answer.expect("answered").expect("created");
        let sb = provider.sandbox(id).expect("exists");
        assert_eq!(sb.status, SandboxStatus::Healthy);
        assert_eq!(sb.config_files(), (Some(11), Some(11)));
        assert!(sb.skill_dir(SKILL).is_intact());
        assert_eq!(provider.live_sandboxes(USER), [id]);
    }
}

#[test]
fn a_create_continues_after_its_caller_crashed() {
    let out = create_one(3, &[], Some(1_000));
    let (provider, answer) = out.borrow_mut().take().expect("ran");
    assert_eq!(answer, None, "the crashed caller never hears back");
    let live = provider.live_sandboxes(USER);
    assert_eq!(live.len(), 1, "the sandbox outlives its caller: {live:?}");
    let sb = provider.sandbox(live[0]).expect("exists");
    assert_eq!((sb.status, sb.config_hash()), (SandboxStatus::Healthy, Some(11)));
    assert!(sb.skill_dir(SKILL).is_intact());
}

#[test]
fn list_shows_a_booting_sandbox_of_a_crashed_caller_and_not_a_destroyed_one() {
    let listed = Rc::new(RefCell::new(Vec::new()));
    let l = listed.clone();
    run(4, &[], move |sim, provider| {
        let (tab, reaper) = (sim.add_node("tab"), sim.add_node("reaper"));
        let (s, p) = (sim.clone(), provider.clone());
        sim.spawn(tab, "tab", async move {
            let _ = p.create(&s, tab, USER, 11, SKILL).await;
        });
        let s = sim.clone();
        sim.spawn(NodeId::SYSTEM, "closer", async move {
            s.sleep_ms(1_000).await;
            s.crash(tab);
        });
        let s = sim.clone();
        sim.spawn(reaper, "reaper", async move {
            s.sleep_ms(1_500).await;
            let before = provider.list(&s, reaper, USER).await.expect("no faults");
            for id in &before {
                provider.destroy(&s, reaper, *id).await.expect("no faults");
            }
            let after = provider.list(&s, reaper, USER).await.expect("no faults");
            s.sleep_ms(provider.params.longest_create_ms()).await;
            let later = provider.list(&s, reaper, USER).await.expect("no faults");
            l.borrow_mut().extend([before, after, later]);
        });
    });
    let listed = listed.borrow();
    assert_eq!(listed[0].len(), 1, "the booting sandbox is listed");
    assert!(listed[1].is_empty(), "a destroyed sandbox is not");
    assert!(listed[2].is_empty(), "and its create, still running, does not bring it back");
}

#[test]
fn a_failed_create_leaves_nothing_alive() {
    let out = create_one(4, &[PROVIDER_CREATE_FAIL], None);
    let (provider, answer) = out.borrow_mut().take().expect("ran");
    assert_eq!(answer, Some(Err(ProviderError::Failed)));
    assert_eq!(provider.live_sandboxes(USER), Vec::<SandboxId>::new());
    assert_eq!(provider.with_sandboxes(|all| all.len()), 1, "it existed while booting");
}

/// Two tabs act on one healthy sandbox at once; returns the sandbox at the end.
fn two_tabs_on_one_sandbox(seed: u64, act: fn(&Sim, &SandboxProvider, NodeId, SandboxId, usize)) -> Sandbox {
    let out = Rc::new(RefCell::new(None));
    let out2 = out.clone();
    run(seed, &[], move |sim, provider| {
        let tabs = [sim.add_node("t1"), sim.add_node("t2")];
        let (s, p) = (sim.clone(), provider.clone());
        sim.spawn(tabs[0], "creator", async move {
            let id = p.create(&s, tabs[0], USER, 0, 0).await.expect("created");
            for (i, &tab) in tabs.iter().enumerate() {
                act(&s, &p, tab, id, i);
            }
            s.sleep_ms(100_000).await;
            *out2.borrow_mut() = p.sandbox(id);
        });
    });
    let sandbox = out.borrow_mut().take();
    sandbox.expect("ran")
}

#[test]
fn two_config_writers_can_tear_the_config_files() {
    let (mut torn, mut clean) = (0, 0);
    for seed in 0..200 {
        let sb =
            two_tabs_on_one_sandbox(seed, |sim, provider, tab, id, i| {
                let (s, p) = (sim.clone(), provider.clone());
                sim.spawn(tab, "install", async move {
                    p.write_config(&s, tab, id, 100 + i as u64).await.expect("written")
                });
            });
        let (env, yaml) = sb.config_files();
        assert!([Some(100), Some(101)].contains(&env) && [Some(100), Some(101)].contains(&yaml), "{sb:?}");
        if sb.config_torn() {
            torn += 1;
        } else {
            clean += 1;
        }
    }
    assert!(torn > 0, "no seed tore the config ({clean} clean)");
    assert!(clean > 0, "every seed tore the config ({torn} torn)");
}

#[test]
fn overlapping_uploads_of_one_skill_corrupt_its_directory() {
    let mut corrupt = 0;
    for seed in 0..50 {
        let sb = two_tabs_on_one_sandbox(seed, |sim, provider, tab, id, _| {
            let (s, p) = (sim.clone(), provider.clone());
            sim.spawn(tab, "install", async move { p.upload_skill(&s, tab, id, 9).await.expect("uploaded") });
        });
        let dir = sb.skill_dir(9);
        assert_eq!(dir.state, UploadState::Complete);
        corrupt += u32::from(dir.overlapped);
    }
    assert!(corrupt > 0, "two uploads racing never overlapped");
}

#[test]
fn destroy_fails_under_its_fault_and_sessions_need_a_healthy_sandbox() {
    for (faults, destroyed) in [(&[][..], true), (&[PROVIDER_DESTROY_FAIL][..], false)] {
        let out = Rc::new(RefCell::new(Vec::new()));
        let out2 = out.clone();
        run(6, faults, move |sim, provider| {
            let tab = sim.add_node("tab");
            let s = sim.clone();
            sim.spawn(tab, "tab", async move {
                let id = provider.create(&s, tab, USER, 11, SKILL).await.expect("created");
                let session = provider.start_session(&s, tab, id, 1, SKILL).await;
                let destroy = provider.destroy(&s, tab, id).await;
                let after = provider.start_session(&s, tab, id, 2, SKILL).await;
                out2.borrow_mut().push(format!("{session:?} {destroy:?} {after:?}"));
                let seen = provider.sessions()[0].clone();
                assert_eq!((seen.tab, seen.config_seen), (1, (Some(11), Some(11))));
                assert!(seen.skill_dir_at_start.is_intact());
            });
        });
        let want = if destroyed { "Ok(1) Ok(()) Err(Gone)" } else { "Ok(1) Err(Failed) Ok(2)" };
        assert_eq!(*out.borrow(), [want]);
    }
}
