//! Where an analysis through a session spends its time: `cargo run --release --example
//! session_timings -- FOLDER [FILE]` analyses FOLDER once cold, then (after appending a
//! comment to FILE, when given, and restoring it) again through the same session, 4 rounds
//! in all (`ROUNDS=N` for another count, e.g. under `perf record -D`).
use acrlint::config::Config;
use acrlint::{Session, Workspace, analyze_with};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = std::path::PathBuf::from(&args[0]);
    let config = Config::default();
    let session = Session::new();
    let show = |label: &str, a: &acrlint::Analysis, total: std::time::Duration| {
        let phases: Vec<String> = a
            .timings
            .iter()
            .map(|(n, d)| {
                format!(
                    "{}={:.0}",
                    n.split(' ').next().unwrap_or(n),
                    d.as_secs_f64() * 1e3
                )
            })
            .collect();
        println!(
            "{label}: {:.0} ms [{}]",
            total.as_secs_f64() * 1e3,
            phases.join(" ")
        );
    };
    let ws = Workspace::from_paths(std::slice::from_ref(&root), &config).unwrap();
    // ROUNDS=n for more rounds (profiling).
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(4);
    for round in 0..rounds {
        let mut ws2 = Workspace {
            files: ws.files.clone(),
            roots: ws.roots.clone(),
            ..Workspace::default()
        };
        if let Some(f) = args.get(1) {
            let p = acrlint::normalize(std::path::Path::new(f));
            if let Some(file) = ws2.files.iter_mut().find(|x| x.path == p) {
                let mark = if f.ends_with(".bicep") || f.ends_with(".json") {
                    "//"
                } else {
                    "#"
                };
                let text = format!("{}\n{mark} {round}\n", file.text);
                ws2.overlay.insert(p.clone(), text.clone().into());
                *file = acrlint::source::SourceFile::new(p, file.display.clone(), text);
            }
        }
        let t = std::time::Instant::now();
        let a = analyze_with(&ws2, &config, &session);
        show(&format!("round {round}"), &a, t.elapsed());
    }
}
