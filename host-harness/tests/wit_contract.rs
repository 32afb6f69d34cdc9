//! The built components speak exactly the committed contract: the WIT decoded from the
//! `.wasm` equals `wit/v0.2` (the TikTok component) or `wit/v0.1` (the hostile test
//! component, a 0.1 component), interface by interface. An accidental change of the
//! contract (a renamed field, a new case, another signature) fails here, before a host
//! built against the published WIT meets it.

use std::collections::BTreeMap;

use host_harness::{HOSTILE_COMPONENT_PATH, TIKTOK_COMPONENT};
use wit_component::{DecodedWasm, WitPrinter};
use wit_parser::{Resolve, WorldId, WorldItem, WorldKey};

/// What the component imports from outside the contract: WASI 0.2, which every host
/// links (empty: no files, environment or network).
const WASI: &str = "wasi:";

/// Interfaces by qualified name (`cdp:destination/http@0.1.0`), printed as WIT
/// without doc comments (a compiled component keeps none).
type Interfaces = BTreeMap<String, String>;

fn interfaces<'a>(
    resolve: &Resolve,
    items: impl Iterator<Item = (&'a WorldKey, &'a WorldItem)>,
) -> Interfaces {
    items
        .map(|(key, item)| {
            let WorldItem::Interface { id, .. } = item else {
                panic!("{} is not an interface", resolve.name_world_key(key));
            };
            let mut printer = WitPrinter::default();
            printer.emit_docs(false);
            printer.print_interface(resolve, *id).unwrap();
            (resolve.name_world_key(key), printer.output.to_string())
        })
        .collect()
}

fn imports_and_exports(resolve: &Resolve, world: WorldId) -> (Interfaces, Interfaces) {
    let world = &resolve.worlds[world];
    (
        interfaces(resolve, world.imports.iter()),
        interfaces(resolve, world.exports.iter()),
    )
}

/// The world of contract `version` ("v0.1", "v0.2"), each version's folder read after
/// the ones before it (0.2 includes 0.1).
fn committed_version(version: &str) -> (Interfaces, Interfaces) {
    let mut resolve = Resolve::default();
    let mut package = None;
    for folder in ["v0.1", "v0.2"] {
        let path = format!("{}/../wit/{folder}", env!("CARGO_MANIFEST_DIR"));
        package = Some(resolve.push_path(path).unwrap().0);
        if folder == version {
            break;
        }
    }
    let world = resolve
        .select_world(&[package.unwrap()], Some("destination-plugin"))
        .unwrap();
    imports_and_exports(&resolve, world)
}

fn committed() -> (Interfaces, Interfaces) {
    committed_version("v0.2")
}

fn decoded(wasm: &[u8]) -> (Interfaces, Interfaces) {
    let DecodedWasm::Component(resolve, world) = wit_component::decode(wasm).unwrap() else {
        panic!("the artifact is not a component");
    };
    imports_and_exports(&resolve, world)
}

fn built() -> (Interfaces, Interfaces) {
    decoded(TIKTOK_COMPONENT)
}

#[test]
fn a_component_of_contract_0_1_exports_exactly_its_interfaces() {
    let (_, committed) = committed_version("v0.1");
    let (_, built) = decoded(&std::fs::read(HOSTILE_COMPONENT_PATH).unwrap());
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        [
            "cdp:destination/destination@0.1.0",
            "cdp:destination/event-sets@0.1.0",
            "cdp:destination/oauth@0.1.0",
        ]
    );
    assert_same(&built, &committed);
}

#[test]
fn the_component_exports_exactly_the_committed_interfaces() {
    let (_, committed) = committed();
    let (_, built) = built();
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        [
            "cdp:destination/batch@0.2.0",
            "cdp:destination/destination@0.1.0",
            "cdp:destination/event-sets@0.1.0",
            "cdp:destination/oauth@0.1.0",
        ]
    );
    assert_same(&built, &committed);
}

#[test]
fn the_component_imports_the_committed_interfaces_and_wasi_only() {
    let (committed, _) = committed();
    let (mut built, _) = built();
    let wasi: Vec<String> = built
        .keys()
        .filter(|name| name.starts_with(WASI))
        .cloned()
        .collect();
    assert!(!wasi.is_empty(), "a Rust wasm32-wasip2 build imports WASI");
    built.retain(|name, _| !name.starts_with(WASI));
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        [
            "cdp:destination/clock@0.1.0",
            "cdp:destination/http@0.1.0",
            "cdp:destination/log@0.1.0",
            "cdp:destination/types@0.1.0",
        ]
    );
    assert_same(&built, &committed);
}

/// The same interfaces, with the same text; else the first line that differs.
fn assert_same(built: &Interfaces, committed: &Interfaces) {
    assert_eq!(
        built.keys().collect::<Vec<_>>(),
        committed.keys().collect::<Vec<_>>()
    );
    for (name, wit) in committed {
        let mut built_lines = built[name].lines();
        for (number, line) in wit.lines().enumerate() {
            let other = built_lines.next();
            assert_eq!(
                other,
                Some(line),
                "{name}, line {} without doc comments: the component (left) differs from wit/ (right)",
                number + 1
            );
        }
        assert_eq!(built_lines.next(), None, "{name}: the component has more");
    }
}
