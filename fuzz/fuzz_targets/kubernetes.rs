#![no_main]
//! Fuzz the kubernetes front end and everything after it (evaluation, graph, rules, rendering).

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::analyze_bytes("manifest.yaml", data, "apiVersion:", "apiVersion: v1\nkind: Pod\n");
});
