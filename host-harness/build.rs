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

    for watched in [
        "src",
        "wit",
        "test-components",
        "Cargo.toml",
        "Cargo.lock",
        ".cargo",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }

    ensure_target_installed();
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .current_dir(root)
        .args(["build", "--package", PACKAGE, "--package", HOSTILE, "--lib"])
        .args(["--target", TARGET, "--profile", PROFILE])
        .env("CARGO_TARGET_DIR", &target_dir);
    // Flags meant for the host build (coverage, sanitizers) must not leak into the guest,
    // nor clippy's wrapper: it lints the root crate natively already, and the hostile
    // test component is wrong on purpose.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "RUSTC_WORKSPACE_WRAPPER",
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
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    for (package, variable) in components {
        let built = artifact(&target_dir, package);
        let bytes = std::fs::read(&built)
            .unwrap_or_else(|e| panic!("component not found at {}: {e}", built.display()));
        let shipped = out_dir.join(built.file_name().unwrap());
        std::fs::write(&shipped, without_custom_sections(&bytes)).unwrap();
        println!("cargo:rustc-env={variable}={}", shipped.display());
    }
}

/// The component as shipped: without the custom sections `wasm-component-ld` puts at
/// its top level. They are names for debuggers (`component-name`, 5.6 KB of the
/// size budget) and the tools' versions (`producers`); no host reads them. (`strip`
/// in the profile strips the core module only.) A component is an 8-byte preamble and
/// sections, each an id byte, a LEB128 length and that many bytes; custom sections
/// have id 0.
fn without_custom_sections(component: &[u8]) -> Vec<u8> {
    const CUSTOM: u8 = 0;
    let (preamble, mut rest) = component.split_at(8);
    let mut shipped = preamble.to_vec();
    while let Some((&id, after_id)) = rest.split_first() {
        let (length, after_length) = leb128_u32(after_id);
        let next = &after_length[length..];
        if id != CUSTOM {
            let section = &rest[..rest.len() - next.len()];
            shipped.extend_from_slice(section);
        }
        rest = next;
    }
    shipped
}

/// An unsigned LEB128 number (at most five bytes) and what follows it.
fn leb128_u32(bytes: &[u8]) -> (usize, &[u8]) {
    let mut value = 0usize;
    for (i, &byte) in bytes.iter().enumerate().take(5) {
        value |= usize::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return (value, &bytes[i + 1..]);
        }
    }
    panic!("malformed section length in the built component");
}

/// `rust-toolchain.toml` lists the target, but rustup installs listed targets only
/// when it installs the toolchain itself (and not at all with `RUSTUP_AUTO_INSTALL=0`),
/// so a machine that already had Rust 1.95 lacks it. Installing it here keeps
/// `cargo test` and `cargo run` one-step on a fresh machine.
fn ensure_target_installed() {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let libdir = Command::new(&rustc)
        .args(["--print", "target-libdir", "--target", TARGET])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    if libdir.is_some_and(|dir| has_core(&dir)) {
        return;
    }
    println!(
        "cargo:warning=installing the {TARGET} target with rustup (listed in rust-toolchain.toml)"
    );
    let mut rustup = Command::new("rustup");
    rustup.args(["target", "add", TARGET]);
    if let Ok(toolchain) = env::var("RUSTUP_TOOLCHAIN") {
        rustup.args(["--toolchain", &toolchain]);
    }
    let installed = rustup.status().is_ok_and(|status| status.success());
    assert!(
        installed,
        "the {TARGET} target is missing and `rustup target add {TARGET}` failed: install it, then build again"
    );
}

/// Whether a target's library directory holds its `core` crate.
fn has_core(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|entry| entry.file_name().to_string_lossy().starts_with("libcore-"))
    })
}

fn artifact(target_dir: &Path, package: &str) -> PathBuf {
    let file = format!("{}.wasm", package.replace('-', "_"));
    target_dir.join(TARGET).join(PROFILE).join(file)
}
