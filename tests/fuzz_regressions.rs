//! Inputs the fuzzers found (`fuzz/`), kept as regression tests, and a short mutation run
//! on stable Rust (the `cargo fuzz` targets need nightly): each input must be analyzed and
//! rendered in every format without a panic (the analysis catches a panic per file and
//! records it as an internal error: none may be recorded). File names of the regression
//! inputs: `<target>-<what>.<ext>.bin` (raw bytes). The mutation run also mutates hostile
//! shapes (`tests/hostile`): cycles, long chains, module fan-out, doubling values.

mod common;
mod hostile;

use std::path::Path;

use acrlint::config::Config;
use acrlint::report::{Format, render};
use acrlint::source::SourceFile;
use acrlint::{Workspace, analyze};
use proptest::prelude::*;

/// Analyze one in-memory file named `input.<ext>` and render it in every format.
fn analyze_and_render(dir: &Path, ext: &str, text: String) {
    let name = format!("input.{ext}");
    let ws = Workspace {
        files: vec![SourceFile::new(dir.join(&name), name, text)],
        roots: vec![dir.to_path_buf()],
        ..Workspace::default()
    };
    let a = analyze(&ws, &Config::default());
    assert!(a.internal_errors.is_empty(), "{:?}", a.internal_errors);
    for format in [Format::Human, Format::Json, Format::Sarif, Format::Github] {
        let _ = render(&a, format, false);
    }
}

/// Analyze several in-memory files (relative paths under `dir`, which need not exist) and
/// render the result in every format.
fn analyze_files(dir: &Path, files: Vec<(String, String)>) {
    let ws = Workspace {
        files: files
            .into_iter()
            .map(|(rel, text)| SourceFile::new(dir.join(&rel), rel, text))
            .collect(),
        roots: vec![dir.to_path_buf()],
        ..Workspace::default()
    };
    let a = analyze(&ws, &Config::default());
    assert!(a.internal_errors.is_empty(), "{:?}", a.internal_errors);
    for format in [Format::Human, Format::Json, Format::Sarif, Format::Github] {
        let _ = render(&a, format, false);
    }
}

/// A hostile shape, small enough for the run to stay fast, past the limits all the same
/// (chains past the depth limit, fan-out past the module instance limit).
fn hostile_shape() -> impl Strategy<Value = (hostile::Lang, hostile::Shape)> {
    use hostile::{Lang, Shape};
    let lang = prop_oneof![Just(Lang::Terraform), Just(Lang::Arm), Just(Lang::Bicep)];
    let shape = prop_oneof![
        Just(Shape::Cycle),
        (1usize..300).prop_map(Shape::Chain),
        (1usize..7, 1usize..5).prop_map(|(l, w)| Shape::FanOut(l, w)),
        (1usize..24).prop_map(Shape::Doubling),
        (1usize..4, 1usize..40).prop_map(|(l, c)| Shape::Nested(l, c)),
    ];
    (lang, shape)
}

#[test]
fn fuzz_findings_do_not_panic() {
    let dir = common::root().join("tests/fuzz");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".bin") else {
            continue;
        };
        let ext = stem.rsplit('.').next().unwrap();
        let bytes = std::fs::read(entry.path()).unwrap();
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        analyze_and_render(&dir, ext, text);
        n += 1;
    }
    assert!(n > 0, "no regression inputs in {}", dir.display());
}

/// Fragments that open or close the constructs parsers and evaluators track.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "\"",
    "'",
    "'''",
    "${",
    "%{",
    "[[",
    "[concat(",
    "\n",
    "\r\n",
    "\t",
    ":",
    "- ",
    "*alias",
    "&anchor ",
    "---\n",
    "<<EOT\n",
    "EOT\n",
    "#",
    "//",
    "/*",
    "*/",
    "\\",
    "é",
    "😀",
    "\u{0}",
    "var.",
    "local.",
    "module.",
    "parameters('",
    "variables('",
    "resourceId('",
    "@description('",
    "acrlint:ignore ",
    "= ",
    "? ",
    " : ",
    "!",
    "==",
];

/// One edit: at a position (taken modulo the length), delete a few bytes, insert a token,
/// or repeat a slice.
#[derive(Clone, Debug)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, usize),
    Repeat(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 1usize..16).prop_map(|(p, n)| Edit::Delete(p, n)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(p, t)| Edit::Insert(p, t)),
        (any::<usize>(), 1usize..64).prop_map(|(p, n)| Edit::Repeat(p, n)),
    ]
}

fn floor(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(mut text: String, edits: &[Edit]) -> String {
    for e in edits {
        let at = |p: usize, t: &str| floor(t, p % (t.len() + 1));
        match *e {
            Edit::Delete(p, n) => {
                let start = at(p, &text);
                let end = floor(&text, (start + n).min(text.len()));
                text.replace_range(start..end, "");
            }
            Edit::Insert(p, t) => {
                let i = at(p, &text);
                text.insert_str(i, TOKENS[t]);
            }
            Edit::Repeat(p, n) => {
                let start = at(p, &text);
                let end = floor(&text, (start + n).min(text.len()));
                let slice = text[start..end].to_string();
                text.insert_str(end, &slice);
            }
        }
    }
    text
}

/// Every fixture and sample file of a scanned format: the seeds of the mutation run.
fn seeds() -> Vec<(String, String)> {
    let exts = ["tf", "tfvars", "json", "bicep", "bicepparam", "yaml", "yml"];
    let mut paths = Vec::new();
    common::files_with(&common::root().join("tests/fixtures"), &exts, &mut paths);
    common::files_with(&common::root().join("samples"), &exts, &mut paths);
    paths
        .into_iter()
        .filter_map(|p| {
            let ext = p.extension()?.to_str()?.to_string();
            Some((ext, std::fs::read_to_string(&p).ok()?))
        })
        .collect()
}

proptest! {
    // A few hundred mutants per run (seconds); `PROPTEST_CASES=100000` runs longer.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(400),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]
    #[test]
    fn mutated_fixtures_do_not_panic(seed in any::<prop::sample::Index>(), edits in prop::collection::vec(edit(), 1..6)) {
        thread_local!(static SEEDS: Vec<(String, String)> = seeds());
        let (ext, text) = SEEDS.with(|s| s[seed.index(s.len())].clone());
        analyze_and_render(&common::root().join("tests/fuzz"), &ext, apply(text, &edits));
    }
}

proptest! {
    // Hostile shapes are larger than fixtures: fewer cases (`PROPTEST_CASES` applies too).
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(60),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]
    #[test]
    fn mutated_hostile_shapes_do_not_panic(
        (lang, shape) in hostile_shape(),
        edits in prop::collection::vec(edit(), 0..4),
        which in any::<prop::sample::Index>(),
    ) {
        let mut files = hostile::files(lang, shape);
        // Mutate one of the files.
        let i = which.index(files.len());
        let text = std::mem::take(&mut files[i].1);
        files[i].1 = apply(text, &edits);
        analyze_files(Path::new("/nonexistent-acrlint-hostile"), files);
    }
}
