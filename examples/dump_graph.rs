//! Print the resource graph of a scan (a development aid): every resource with its kind,
//! keys and body (empty for kinds no rule reads, which the analysis drops; Kubernetes
//! objects other than workloads, service accounts and policies keep only their identity).
//! Usage: cargo run --example dump_graph -- PATH...
fn main() {
    let paths: Vec<std::path::PathBuf> = std::env::args().skip(1).map(Into::into).collect();
    let config = acrlint::config::Config::default();
    let ws = acrlint::Workspace::from_paths(&paths, &config).expect("paths");
    let a = acrlint::analyze(&ws, &config);
    for r in &a.graph.resources {
        println!(
            "{:?} {} [{}]",
            r.kind,
            r.address,
            r.keys
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!("    body: {}", short(&r.body, 0));
    }
}

fn short(v: &acrlint::model::Value, depth: usize) -> String {
    use acrlint::model::ValueKind as K;
    if depth > 4 {
        return "..".into();
    }
    match &v.kind {
        K::Object(es) => format!(
            "{{{}}}",
            es.iter()
                .map(|(k, v)| format!("{k}: {}", short(v, depth + 1)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        K::List(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|v| short(v, depth + 1))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        K::Ref(r) => format!("Ref({} .{})", r.target, r.attr),
        K::Unknown(why) => format!("Unknown({why})"),
        _ => v.display(),
    }
}
