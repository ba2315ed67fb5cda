#![no_main]
//! Fuzz the bicep front end and everything after it (evaluation, graph, rules, rendering).

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::analyze_bytes("main.bicep", data, "", "");
});
