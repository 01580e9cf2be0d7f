//! Neither library nor CLI has a cycle among its modules.

use std::path::Path;

#[test]
fn the_crates_modules_form_no_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for krate in [
        "crates/justone-xhs/src",
        "crates/justone-xhs-cli/src",
        "crates/justone-gen/src",
    ] {
        let graph = xtask::module_graph::graph(&root.join(krate)).unwrap();
        assert!(graph.len() >= 2, "{krate}: {graph:?}");
        let cycles = xtask::module_graph::cycles(&graph);
        assert!(cycles.is_empty(), "{krate} has module cycles: {cycles:?}");
    }
}
