//! The conformance suite (`conformance/cases`) against the embedded TikTok component:
//! every case's expectations and the contract's invariants hold, and the cases cover
//! every export and every error variant of the world.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use host_harness::conformance::{Suite, case};
use host_harness::{AllowedHosts, Policy, Runtime, TIKTOK_COMPONENT};

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance/cases")
}

#[test]
fn every_case_passes_against_the_tiktok_component() {
    // Compiled once for the whole run, through the host's own on-disk cache.
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("compiled");
    let runtime =
        Arc::new(Runtime::new(Policy::allowing(AllowedHosts::Declared), Some(cache)).unwrap());
    let suite = Suite::new(runtime, TIKTOK_COMPONENT.to_vec()).unwrap();
    let mut failures = vec![];
    for case in case::load_dir(&cases_dir()).unwrap() {
        let report = suite.run(&case).unwrap();
        if !report.problems.is_empty() {
            failures.push(format!(
                "{}:\n  {}",
                case.name,
                report.problems.join("\n  ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_cases_call_every_export_and_expect_every_error_variant() {
    let cases = case::load_dir(&cases_dir()).unwrap();
    let calls = cases.iter().flat_map(|c| &c.calls);
    let exports: BTreeSet<&str> = calls.clone().map(|c| c.invoke.export()).collect();
    assert_eq!(
        exports,
        BTreeSet::from([
            "authorization-url",
            "batch.send",
            "batch.transform",
            "connect",
            "create-event-set",
            "describe-settings",
            "list-event-sets",
            "send",
            "transform-batch",
            "update-event-set",
            "validate-credentials",
        ])
    );
    let errors: BTreeSet<&str> = calls
        .filter_map(|c| c.expect.get("err")?.as_object()?.keys().next())
        .map(String::as_str)
        .collect();
    assert_eq!(
        errors,
        BTreeSet::from([
            "auth",
            "invalid_settings",
            "permanent",
            "rate_limited",
            "transient"
        ])
    );
}
