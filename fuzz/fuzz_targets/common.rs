// Shared by the fuzz targets: analyze one in-memory file of a given name.

use acrlint::config::Config;
use acrlint::source::SourceFile;
use acrlint::{Workspace, analyze};

/// `header` is put in front of inputs that lack `needle`, so that format sniffing
/// (ARM `$schema`, Kubernetes `apiVersion` + `kind`) lets most inputs reach the parser.
pub fn analyze_bytes(name: &str, data: &[u8], needle: &str, header: &str) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let text = if needle.is_empty() || text.contains(needle) {
        text.to_string()
    } else {
        format!("{header}{text}")
    };
    let path = std::path::PathBuf::from("/nonexistent-fuzz-root").join(name);
    let ws = Workspace {
        files: vec![SourceFile::new(path, name.to_string(), text)],
        roots: vec!["/nonexistent-fuzz-root".into()],
        ..Workspace::default()
    };
    let a = analyze(&ws, &Config::default());
    // Rendering is part of the contract too: every span must be printable.
    let _ = acrlint::report::render(&a, acrlint::report::Format::Human, false);
    let _ = acrlint::report::render(&a, acrlint::report::Format::Json, false);
}
