//! The file system's promises, each in a simulated run: atomic `mkdir`, directory
//! mtimes on the server's clock, torn and atomic writes as readers see them, stepwise
//! `rm -r` racing a new entry, and the crash semantics of unsynced writes.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use sim::{ChoiceSource, Invariant, RunConfig, Sim, SimTime};

use super::*;

/// Runs `body` as one task on a host whose file system it gets; returns what it saw.
fn in_run<T: 'static, F: Future<Output = T> + 'static>(
    seed: u64,
    durability: Durability,
    body: impl FnOnce(Sim, FileSystem) -> F + 'static,
) -> T {
    let out = Rc::new(RefCell::new(None));
    let out2 = out.clone();
    let config = RunConfig { fault_phase_ms: 10_000_000, liveness_deadline_ms: 0, ..RunConfig::default() };
    let result = sim::run(
        ChoiceSource::Seed(seed),
        &config,
        move |sim: &Sim| {
            let host = sim.add_node("host");
            let fs = FileSystem::with_durability(sim, host, durability);
            let s = sim.clone();
            sim.spawn(host, "body", async move {
                let v = body(s, fs).await;
                *out2.borrow_mut() = Some(v);
            });
        },
        &[] as &[Invariant<()>],
    );
    assert!(result.outcome.is_pass(), "{:?}", result.outcome);
    let v = out.borrow_mut().take();
    v.expect("the body finished")
}

#[test]
fn mkdir_is_a_test_and_set_and_needs_its_parent() {
    in_run(0, Durability::Immediate, |_, fs| async move {
        assert_eq!(fs.mkdir("/locks/a"), Err(FsError::NotFound));
        fs.mkdir_p("/locks").unwrap();
        assert_eq!(fs.mkdir("/locks/a"), Ok(()));
        assert_eq!(fs.mkdir("/locks/a"), Err(FsError::Exists));
        assert_eq!(fs.mkdir_p("/locks/a"), Ok(()), "mkdir -p accepts an existing directory");
        fs.write("/locks/a/owner.json", "{}").unwrap();
        assert_eq!(fs.mkdir_p("/locks/a/owner.json"), Err(FsError::NotDir));
        assert_eq!(fs.read("/locks/a"), Err(FsError::IsDir));
        assert_eq!(fs.list("/locks/a"), Ok(vec!["owner.json".to_string()]));
        assert!(fs.rm_rf("/locks/a"));
        assert!(!fs.exists("/locks/a/owner.json") && !fs.exists("/locks/a"));
        assert!(!fs.rm_rf("/locks/a"), "removing nothing reports it");
    });
}

#[test]
fn a_directory_mtime_is_its_creation_and_bumps_on_entries_added_or_removed() {
    in_run(0, Durability::Immediate, |sim, fs| async move {
        sim.sleep_ms(1_000).await;
        fs.mkdir("/lock").unwrap();
        assert_eq!(fs.mtime("/lock"), Ok(SimTime(1_000)));
        sim.sleep_ms(1_000).await;
        fs.write("/lock/owner.json", "{\"pid\":7}").unwrap();
        assert_eq!(fs.mtime("/lock"), Ok(SimTime(2_000)), "an entry added");
        sim.sleep_ms(1_000).await;
        fs.write("/lock/owner.json", "{\"pid\":8}").unwrap();
        assert_eq!(fs.mtime("/lock"), Ok(SimTime(2_000)), "rewriting a file leaves its directory alone");
        assert_eq!(fs.mtime("/lock/owner.json"), Ok(SimTime(3_000)));
        sim.sleep_ms(1_000).await;
        fs.remove_file("/lock/owner.json").unwrap();
        assert_eq!(fs.mtime("/lock"), Ok(SimTime(4_000)), "an entry removed");
        fs.set_mtime("/lock", SimTime(5));
        assert_eq!(fs.mtime("/lock"), Ok(SimTime(5)));
    });
}

#[test]
fn mtimes_come_from_the_file_servers_clock() {
    in_run(0, Durability::Immediate, |sim, fs| async move {
        sim.jump_clock(fs.server(), -700);
        sim.sleep_ms(1_000).await;
        fs.mkdir("/d").unwrap();
        assert_eq!(fs.mtime("/d"), Ok(SimTime(300)));
    });
}

/// What a reader polling every step saw of a file while `write` ran.
fn stages_seen(seed: u64, atomic: bool) -> Vec<Option<String>> {
    in_run(seed, Durability::Immediate, move |sim, fs| async move {
        fs.mkdir("/d").unwrap();
        if atomic {
            fs.write("/d/f", "old").unwrap();
        }
        let seen = Rc::new(RefCell::new(Vec::new()));
        let (seen2, fs2) = (seen.clone(), fs.clone());
        sim.spawn(fs.server(), "reader", async move {
            for _ in 0..12 {
                let v = fs2.read("/d/f").ok();
                if seen2.borrow().last() != Some(&v) {
                    seen2.borrow_mut().push(v);
                }
                crate::substrate::yield_now::yield_now().await;
            }
        });
        crate::substrate::yield_now::yield_now().await;
        if atomic {
            fs.write_atomic("/d/f", "{\"pid\":42}").await.unwrap();
        } else {
            fs.write_torn("/d/f", "{\"pid\":42}").await.unwrap();
        }
        sim.sleep_ms(10).await;
        let v = seen.borrow().clone();
        v
    })
}

#[test]
fn a_torn_write_shows_readers_an_empty_file_and_a_half_one() {
    let all: Vec<Option<String>> = (0..40).flat_map(|seed| stages_seen(seed, false)).collect();
    for stage in [None, Some(String::new()), Some("{\"pid".to_string()), Some("{\"pid\":42}".to_string())] {
        assert!(all.contains(&stage), "never saw {stage:?}");
    }
}

#[test]
fn an_atomic_write_shows_readers_the_old_contents_or_the_new() {
    for seed in 0..40 {
        for v in stages_seen(seed, true) {
            assert!(matches!(v.as_deref(), Some("old") | Some("{\"pid\":42}")), "seed {seed}: saw {v:?}");
        }
    }
}

#[test]
fn rename_replaces_its_target_and_moves_a_subtree() {
    in_run(0, Durability::Immediate, |_, fs| async move {
        fs.mkdir_p("/a/b").unwrap();
        fs.write("/a/b/f", "1").unwrap();
        fs.write("/g", "2").unwrap();
        fs.rename("/g", "/a/b/f").unwrap();
        assert_eq!(fs.read("/a/b/f").as_deref(), Ok("2"));
        assert!(!fs.exists("/g"));
        fs.rename("/a", "/z").unwrap();
        assert_eq!(fs.read("/z/b/f").as_deref(), Ok("2"));
        fs.mkdir("/y").unwrap();
        assert_eq!(fs.rename("/y", "/z"), Err(FsError::NotEmpty));
        assert_eq!(fs.rename("/nope", "/q"), Err(FsError::NotFound));
        assert_eq!(fs.rename("/z", "/z/b/c"), Err(FsError::BadPath), "a directory into its own subtree");
        assert_eq!(fs.rename("/z/b", "/z/b-c"), Ok(()), "a sibling whose name only starts alike");
        assert_eq!(fs.read("/z/b-c/f").as_deref(), Ok("2"));
    });
}

#[test]
fn a_stepwise_rm_fails_when_an_entry_appears_behind_it() {
    // A second task writes a new file into the directory while the removal runs;
    // on some schedules the final rmdir meets it.
    let outcomes: Vec<Result<(), FsError>> = (0..40)
        .map(|seed| {
            in_run(seed, Durability::Immediate, |sim, fs| async move {
                fs.mkdir("/l").unwrap();
                fs.write("/l/owner.json", "{}").unwrap();
                let fs2 = fs.clone();
                sim.spawn(fs.server(), "writer", async move {
                    crate::substrate::yield_now::yield_now().await;
                    let _ = fs2.write("/l/other", "x");
                });
                fs.rm_rf_stepwise("/l").await
            })
        })
        .collect();
    assert!(outcomes.contains(&Ok(())));
    assert!(outcomes.contains(&Err(FsError::NotEmpty)));
}

#[test]
fn a_crash_keeps_the_last_of_several_syncs() {
    let f = in_run(0, Durability::LoseUnsynced, |_, fs| async move {
        fs.write("/f", "first, and longer").unwrap();
        fs.sync("/f").unwrap();
        fs.write("/f", "second").unwrap();
        fs.sync("/f").unwrap();
        fs.write("/f", "never synced").unwrap();
        fs.crash();
        fs.read("/f").unwrap()
    });
    assert_eq!(f, "second");
}

#[test]
fn a_crash_loses_unsynced_data_only_when_asked_to() {
    for (durability, expect) in [(Durability::Immediate, "new"), (Durability::LoseUnsynced, "old")] {
        let (f, g) = in_run(0, durability, |_, fs| async move {
            fs.write("/f", "old").unwrap();
            fs.sync("/f").unwrap();
            fs.write("/f", "new").unwrap();
            fs.write("/g", "never synced").unwrap();
            fs.crash();
            (fs.read("/f").unwrap(), fs.read("/g").unwrap())
        });
        assert_eq!(f, expect);
        assert_eq!(g.is_empty(), durability == Durability::LoseUnsynced);
    }
}

#[test]
fn a_listing_holds_direct_children_only_beside_look_alike_siblings() {
    in_run(0, Durability::Immediate, |_, fs| async move {
        // `-`, `.` sort before `/` and `0` after it: the siblings around `/t/a/...`.
        for dir in ["/t/a/g1/deep", "/t/a-x", "/t/a.y", "/t/a0", "/t/a/g0"] {
            fs.mkdir_p(dir).unwrap();
        }
        for file in ["/t/a/f", "/t/a-x/f", "/t/a0/f", "/t/a/g1/deep/f"] {
            fs.write(file, "1").unwrap();
        }
        let names = |d: &str| fs.list(d).unwrap();
        assert_eq!(names("/t/a"), ["f", "g0", "g1"]);
        assert_eq!(names("/t"), ["a", "a-x", "a.y", "a0"]);
        assert_eq!(names("/"), ["t"]);
        assert_eq!(names("/t/a/g0"), Vec::<String>::new());
        assert_eq!(fs.list("/t/a/f"), Err(FsError::NotDir));
        assert_eq!(fs.list("/t/b"), Err(FsError::NotFound));
        assert_eq!(fs.rmdir("/t/a/g1"), Err(FsError::NotEmpty));
        assert_eq!(fs.rmdir("/t/a/g0"), Ok(()));
        assert_eq!(fs.rmdir("/t/a.y"), Ok(()), "an empty directory whose name sorts before its look-alikes");
        assert_eq!(fs.rename("/t/a-x", "/t/a0"), Err(FsError::NotEmpty));
        assert_eq!(fs.read_with("/t/a/f", str::len), Ok(1));
    });
}

#[test]
fn only_clean_absolute_paths_are_accepted() {
    in_run(0, Durability::Immediate, |_, fs| async move {
        for bad in ["", "a", "a/b", "/a/", "//a", "/a//b", "/a/./b", "/./a", "/a/b//", "/a/./", "/a/.//b"] {
            assert_eq!(fs.mkdir_p(bad), Err(FsError::BadPath), "{bad:?}");
        }
        for good in ["/a", "/a/.b", "/a/b.", "/a/..c", "/a/.", "/a/b/.c"] {
            assert_eq!(fs.mkdir_p(good), Ok(()), "{good:?}");
        }
        assert!(fs.is_dir("/a/b."));
    });
}

#[test]
fn temp_paths_are_the_formatted_ones() {
    for n in [1, 9, 10, 1234] {
        assert_eq!(super::temp_path("/", "a.json", n), format!("/.a.json.tmp-{n}"));
        assert_eq!(super::temp_path("/home/.mux", "config.json", n), format!("/home/.mux/.config.json.tmp-{n}"));
    }
}

/// The calls that take a [`PathKey`] answer what the calls that take its text do,
/// for files, directories, missing and unclean paths.
#[test]
fn keyed_calls_answer_as_the_path_calls_do() {
    in_run(0, Durability::Immediate, |_, fs| async move {
        fs.mkdir_p("/locks/a").unwrap();
        fs.write("/locks/a/owner.json", "{\"pid\":7}").unwrap();
        for path in ["/", "/locks", "/locks/a", "/locks/a/owner.json", "/locks/b", "/locks//a", "locks", ""] {
            let key = PathKey::new(path);
            assert_eq!(key.as_str(), path);
            assert_eq!(fs.exists_key(&key), fs.exists(path), "{path}");
            assert_eq!(fs.mtime_key(&key), fs.mtime(path), "{path}");
            assert_eq!(fs.read_with_key(&key, str::len), fs.read_with(path, str::len), "{path}");
        }
    });
}
