//! Pins the generated client's source: a progenitor upgrade or a spec change
//! shows up here as a snapshot to review (`cargo insta review`).

#[test]
fn generated_client_source() {
    let source = include_str!(concat!(env!("OUT_DIR"), "/client.rs"));
    insta::assert_snapshot!("generated_client", source);
}
