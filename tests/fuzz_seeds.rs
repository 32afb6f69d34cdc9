//! The fuzz target's invariants over the corpus it found useful (`fuzz/seeds/`), so
//! every CI run replays what ten minutes of fuzzing reached. The fuzzing itself:
//! `cd fuzz && cargo +nightly fuzz run transform corpus/transform seeds/transform -- -max_total_time=600`.

#[path = "../fuzz/check.rs"]
mod check;

#[test]
fn the_transform_keeps_its_invariants_on_every_seed() {
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/transform");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&seeds).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| check::transform(&data));
        assert!(
            outcome.is_ok(),
            "seed {} broke an invariant",
            path.display()
        );
        replayed += 1;
    }
    assert!(
        replayed >= 100,
        "only {replayed} seeds in {}",
        seeds.display()
    );
}
