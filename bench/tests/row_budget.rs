//! The per-row budget: the work the component does per row of the bench's sample,
//! counted in wasm instructions (wasmtime fuel), so that it does not depend on the
//! machine's speed or load. A change that makes a row cost more than the budget fails
//! here; rows/s stay `bench` figures. Re-measure with:
//!
//! ```text
//! cargo test -p bench --test row_budget -- --nocapture
//! ```

use host_harness::TIKTOK_COMPONENT;

/// Fuel per row of the shipped component on the sample, today's figure and a 3 %
/// margin. Lower it when a change makes rows cheaper; raise it only with a reason in
/// the commit.
const BUDGET_PER_ROW: u64 = FUEL_PER_ROW_MEASURED * 103 / 100;

/// Measured 2026-12-07 (this test, `--nocapture`).
const FUEL_PER_ROW_MEASURED: u64 = 23_573;

#[test]
fn a_row_costs_no_more_than_its_budget() {
    let per_row = bench::fuel_per_row(TIKTOK_COMPONENT).unwrap();
    println!("fuel per row: {per_row} (budget {BUDGET_PER_ROW})");
    assert!(
        per_row <= BUDGET_PER_ROW,
        "a row costs {per_row} units of fuel, over the budget of {BUDGET_PER_ROW}"
    );
}
