#![no_main]
//! Fuzz the arm front end and everything after it (evaluation, graph, rules, rendering).

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::analyze_bytes("azuredeploy.json", data, "deploymentTemplate", "{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\", \"x\": ");
});
