//! Micro-benchmarks of each parser front end, and of the whole analysis, over the files of
//! one format: `cargo bench --bench parsers`. Uses `../shared/corpus` when present (the
//! figures in bench/README.md), else `samples/`. Throughput is reported in bytes.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use acrlint::config::Config;
use acrlint::discover::{FileKind, classify};
use acrlint::source::{FileId, SourceFile};
use acrlint::{Workspace, analyze};
use divan::counter::BytesCount;

fn main() {
    divan::main();
}

/// The folder benchmarked: the corpus when present, else the samples.
static DIR: LazyLock<PathBuf> = LazyLock::new(|| {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = root.join("../shared/corpus");
    acrlint::normalize(&if corpus.is_dir() {
        corpus
    } else {
        root.join("samples")
    })
});

/// Every file of that folder, read once.
static FILES: LazyLock<Vec<(FileKind, SourceFile)>> = LazyLock::new(|| {
    let ws = Workspace::from_paths(std::slice::from_ref(&DIR), &Config::default()).expect("walk");
    ws.files
        .into_iter()
        .map(|f| (classify(&f.path, &f.text), f))
        .collect()
});

fn of(kind: FileKind) -> Vec<&'static SourceFile> {
    FILES
        .iter()
        .filter(|(k, _)| *k == kind)
        .map(|(_, f)| f)
        .collect()
}

fn bytes(files: &[&SourceFile]) -> BytesCount {
    BytesCount::new(files.iter().map(|f| f.text.len()).sum::<usize>())
}

#[divan::bench]
fn terraform(b: divan::Bencher) {
    let files = of(FileKind::Terraform);
    b.counter(bytes(&files)).bench(|| {
        for f in &files {
            let _ = divan::black_box(acrlint::parse::terraform::parse(FileId(0), f));
        }
    });
}

#[divan::bench]
fn arm(b: divan::Bencher) {
    let files = of(FileKind::ArmTemplate);
    b.counter(bytes(&files)).bench(|| {
        for f in &files {
            let _ = divan::black_box(acrlint::parse::arm::parse(FileId(0), f));
        }
    });
}

#[divan::bench]
fn bicep(b: divan::Bencher) {
    let files = of(FileKind::Bicep);
    b.counter(bytes(&files)).bench(|| {
        for f in &files {
            let _ = divan::black_box(acrlint::parse::bicep::parse(FileId(0), f));
        }
    });
}

#[divan::bench]
fn kubernetes_yaml(b: divan::Bencher) {
    let files = of(FileKind::Kubernetes);
    b.counter(bytes(&files)).bench(|| {
        for f in &files {
            let _ = divan::black_box(acrlint::parse::yaml::parse(&f.text, FileId(0)));
        }
    });
}

/// The whole analysis (parse, evaluate, graph, rules) of files already in memory.
#[divan::bench(sample_count = 10)]
fn analyze_all(b: divan::Bencher) {
    let files: Vec<SourceFile> = FILES.iter().map(|(_, f)| f.clone()).collect();
    let all: Vec<&SourceFile> = files.iter().collect();
    let roots: Vec<PathBuf> = vec![DIR.clone()];
    b.counter(bytes(&all)).bench(|| {
        let ws = Workspace {
            files: files.clone(),
            roots: roots.clone(),
            ..Workspace::default()
        };
        divan::black_box(analyze(&ws, &Config::default()));
    });
}
