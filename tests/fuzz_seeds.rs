//! The fuzz targets' invariants over the corpora they found useful (`fuzz/seeds/`), so
//! every CI run replays what the long fuzzing runs reached. The fuzzing itself:
//! `cd fuzz && cargo +nightly fuzz run transform corpus/transform seeds/transform -- -max_total_time=600`
//! (and the same for `row`).

use std::path::{Path, PathBuf};

#[path = "../fuzz/check.rs"]
mod check;

/// Runs `invariant` on every seed of `target`; returns how many there were.
fn replay(target: &str, invariant: impl Fn(&[u8]) + std::panic::RefUnwindSafe) -> usize {
    let seeds: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let mut replayed = 0;
    for entry in std::fs::read_dir(&seeds).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| invariant(&data));
        assert!(
            outcome.is_ok(),
            "seed {} broke an invariant",
            path.display()
        );
        replayed += 1;
    }
    replayed
}

#[test]
fn the_transform_keeps_its_invariants_on_every_seed() {
    let replayed = replay("transform", check::transform);
    assert!(replayed >= 100, "only {replayed} transform seeds");
}

#[test]
fn the_row_reader_agrees_with_serde_on_every_seed() {
    let replayed = replay("row", |data| {
        if let Ok(json) = std::str::from_utf8(data) {
            // Twice: the second time with the key order the first taught.
            check::rows([json, json]);
        }
    });
    assert!(replayed >= 40, "only {replayed} row seeds");
}
