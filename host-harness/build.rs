//! Builds the TikTok component (the workspace's root package) for `wasm32-wasip2`, so the
//! harness can embed it as its default component and `cargo test` needs no manual step;
//! and the hostile test component the harness's tests use to prove its limits.
//!
//! As in wasmtime's own test-programs, the nested cargo gets its own target directory
//! inside OUT_DIR: it must not wait on the lock the outer build holds.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const PACKAGE: &str = "tiktok-offline-events";
const HOSTILE: &str = "hostile-component";
const TARGET: &str = "wasm32-wasip2";
const PROFILE: &str = "component";

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir
        .parent()
        .expect("host-harness lives inside the workspace");
    let target_dir = PathBuf::from(env::var("OUT_DIR").unwrap()).join("component-target");

    for watched in ["src", "wit", "test-components", "Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }

    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .current_dir(root)
        .args(["build", "--package", PACKAGE, "--package", HOSTILE, "--lib"])
        .args(["--target", TARGET, "--profile", PROFILE])
        .env("CARGO_TARGET_DIR", &target_dir);
    // Flags meant for the host build (coverage, sanitizers) must not leak into the guest.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
    ] {
        build.env_remove(var);
    }
    let status = build
        .status()
        .expect("failed to run cargo for the components");
    assert!(
        status.success(),
        "building the components for {TARGET} failed"
    );

    let components = [
        (PACKAGE, "TIKTOK_COMPONENT_PATH"),
        (HOSTILE, "HOSTILE_COMPONENT_PATH"),
    ];
    for (package, variable) in components {
        let wasm = artifact(&target_dir, package);
        assert!(wasm.exists(), "component not found at {}", wasm.display());
        println!("cargo:rustc-env={variable}={}", wasm.display());
    }
}

fn artifact(target_dir: &Path, package: &str) -> PathBuf {
    let file = format!("{}.wasm", package.replace('-', "_"));
    target_dir.join(TARGET).join(PROFILE).join(file)
}
