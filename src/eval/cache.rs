//! Registry modules from the caches the user's own tools filled (`terraform init`,
//! `bicep restore`): acrlint never downloads. A cached module is read-only input, confined
//! like everything else: only regular files inside the scanned roots or inside the Bicep
//! cache root the user chose (`$ACRLINT_BICEP_CACHE`, else `~/.bicep`). A finding inside
//! a cached module is moved to the calling module block (see [`relocate`]), since the
//! module's own file is not part of the repository.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::model::{Resource, Value, ValueKind};
use crate::source::{FileId, Span};
use crate::{Workspace, normalize};

/// What to run so that a registry module is in the local cache.
pub const RESTORE_HINT_TERRAFORM: &str = "run `terraform init -backend=false` first";
pub const RESTORE_HINT_BICEP: &str = "run `bicep restore` first";

/// A module `terraform init` fetched: where it is, and what it was fetched as.
#[derive(Debug, Clone)]
pub struct TerraformModule {
    /// Absolute, inside the roots.
    pub dir: PathBuf,
    /// `registry.terraform.io/Azure/avm-res-containerregistry-registry/azurerm`, `git::...`.
    pub source: String,
    pub version: Option<String>,
}

impl TerraformModule {
    /// Why this cache entry does not hold the module a call asks for (`source`, and
    /// `version` when it is an exact version): the call changed since `terraform init`.
    pub fn stale_for(&self, source: &str, version: Option<&str>) -> Option<String> {
        let same_source = self.source == source
            || self
                .source
                .to_ascii_lowercase()
                .ends_with(&format!("/{}", source.to_ascii_lowercase()));
        if !same_source {
            return Some(format!(
                "the module cache holds `{}` for this call, fetched before its source changed",
                crate::sanitize::excerpt(&self.source)
            ));
        }
        let exact = |v: &str| {
            let v = v.trim().trim_start_matches('=').trim();
            (!v.is_empty()
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-+".contains(c)))
            .then(|| v.to_string())
        };
        match (version.and_then(exact), &self.version) {
            (Some(want), Some(have)) if want != *have => Some(format!(
                "the module cache holds version {}, not {}",
                crate::sanitize::excerpt(have),
                crate::sanitize::excerpt(&want)
            )),
            _ => None,
        }
    }
}

/// The modules `terraform init` recorded for the root module `root`
/// (`.terraform/modules/modules.json`), by key (`acr`, `acr.private_endpoint`). Folders
/// outside the root module and the roots are left out.
pub fn terraform_modules(ws: &Workspace, root: &Path) -> HashMap<String, TerraformModule> {
    let mut out = HashMap::new();
    let manifest = root.join(".terraform").join("modules").join("modules.json");
    let Some(text) = ws.read(&manifest) else {
        return out;
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return out;
    };
    for m in json
        .get("Modules")
        .and_then(|m| m.as_array())
        .into_iter()
        .flatten()
    {
        let (Some(key), Some(dir)) = (
            m.get("Key").and_then(|k| k.as_str()),
            m.get("Dir").and_then(|d| d.as_str()),
        ) else {
            continue;
        };
        if key.is_empty() || Path::new(dir).is_absolute() {
            continue;
        }
        let abs = normalize(&root.join(dir));
        if abs.starts_with(root) && ws.in_roots(&abs) {
            let text = |k: &str| m.get(k).and_then(|v| v.as_str()).map(str::to_string);
            out.insert(
                key.to_string(),
                TerraformModule {
                    dir: abs,
                    source: text("Source").unwrap_or_default(),
                    version: text("Version").filter(|v| !v.is_empty()),
                },
            );
        }
    }
    out
}

/// True for a file of a Terraform module cache (`.terraform/...`).
pub fn is_terraform_cache_file(path: &Path) -> bool {
    path.components().any(|c| c.as_os_str() == ".terraform")
}

/// A Bicep registry module reference resolved against the nearest `bicepconfig.json`.
#[derive(Debug)]
pub enum BicepModule {
    /// The cached compiled template, read.
    Found { path: PathBuf, text: Arc<str> },
    /// Not in the cache (or the cache may not be read): why, for the note.
    Missing(String),
}

/// The cache root the user allows: `$ACRLINT_BICEP_CACHE`, else `$HOME/.bicep`.
fn home_cache() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ACRLINT_BICEP_CACHE").filter(|p| !p.is_empty()) {
        return Some(normalize(Path::new(&p)));
    }
    std::env::var_os("HOME")
        .filter(|p| !p.is_empty())
        .map(|h| normalize(&Path::new(&h).join(".bicep")))
}

/// The nearest `bicepconfig.json` from `dir` upwards, within the roots: its JSON and folder.
fn bicepconfig(ws: &Workspace, dir: &Path) -> Option<(serde_json::Value, PathBuf)> {
    let mut d = Some(dir);
    while let Some(cur) = d {
        if !ws.in_roots(cur) {
            break;
        }
        let p = cur.join("bicepconfig.json");
        if let Some(text) = ws.read(&p) {
            let json = jsonc_parser::parse_to_value(&text, &Default::default())
                .ok()
                .flatten()
                .map_or(serde_json::Value::Null, |v| to_json(&v));
            return Some((json, cur.to_path_buf()));
        }
        d = cur.parent();
    }
    None
}

/// A JSON-with-comments value as plain JSON (bicepconfig.json allows comments).
fn to_json(v: &jsonc_parser::JsonValue) -> serde_json::Value {
    use jsonc_parser::JsonValue as J;
    match v {
        J::String(s) => serde_json::Value::String(s.to_string()),
        J::Boolean(b) => serde_json::Value::Bool(*b),
        J::Object(o) => serde_json::Value::Object(
            o.clone()
                .into_iter()
                .map(|(k, v)| (k.into_owned(), to_json(&v)))
                .collect(),
        ),
        J::Array(a) => serde_json::Value::Array(a.iter().map(to_json).collect()),
        _ => serde_json::Value::Null,
    }
}

/// The tag as the Bicep cache names its folder: itself, `$`, and a hex bitmask of the
/// positions of upper-case letters when there are any; a digest `sha256:x` is `sha256#x`.
pub fn encode_tag(tag: &str) -> String {
    if let Some((alg, hex)) = tag.split_once(':') {
        return format!("{alg}#{hex}");
    }
    let mut mask: u128 = 0;
    for (i, c) in tag.chars().enumerate() {
        if c.is_ascii_uppercase() && i < 128 {
            mask |= 1 << i;
        }
    }
    if mask == 0 {
        format!("{tag}$")
    } else {
        format!("{tag}${mask:X}")
    }
}

/// Resolve `br:REG/REPO:TAG`, `br/ALIAS:PATH:TAG`, `ts:...`, `ts/ALIAS:...` from the
/// file in `dir` to the cached `main.json`.
pub fn bicep_module(ws: &Workspace, dir: &Path, reference: &str) -> BicepModule {
    let config = bicepconfig(ws, dir);
    let (scheme, rest) = match reference.split_once(':') {
        Some((s, r)) => (s, r),
        None => return BicepModule::Missing("not a registry reference".into()),
    };
    let (kind, alias) = match scheme.split_once('/') {
        Some((k, a)) => (k.to_ascii_lowercase(), Some(a.to_string())),
        None => (scheme.to_ascii_lowercase(), None),
    };
    // `rest` is `REG/REPO:TAG` or, with an alias, `PATH:TAG` (`REG` may hold a port `:`).
    let (body, tag) = match rest.rsplit_once('@') {
        Some((b, digest)) => (b.to_string(), digest.to_string()),
        None => match rest.rsplit_once(':') {
            Some((b, t)) => (b.to_string(), t.to_string()),
            None => return BicepModule::Missing("the reference has no tag".into()),
        },
    };
    let (registry, repo) = match &alias {
        Some(a) => {
            let section = if kind == "ts" { "ts" } else { "br" };
            let entry = config
                .as_ref()
                .and_then(|(c, _)| c.get("moduleAliases")?.get(section)?.get(a).cloned());
            let (reg, path) = match (kind.as_str(), a.as_str(), entry) {
                (_, _, Some(e)) if kind == "br" => (
                    e.get("registry")
                        .and_then(|r| r.as_str())
                        .map(str::to_string),
                    e.get("modulePath")
                        .and_then(|r| r.as_str())
                        .map(str::to_string),
                ),
                (_, _, Some(e)) => (
                    e.get("subscription")
                        .and_then(|r| r.as_str())
                        .map(str::to_string),
                    e.get("resourceGroup")
                        .and_then(|r| r.as_str())
                        .map(str::to_string),
                ),
                ("br", "public", None) => (Some("mcr.microsoft.com".into()), Some("bicep".into())),
                _ => (None, None),
            };
            let Some(reg) = reg else {
                return BicepModule::Missing(format!(
                    "alias `{}` is not defined in a bicepconfig.json",
                    crate::sanitize::excerpt(a)
                ));
            };
            let repo = match path {
                Some(p) if !p.is_empty() => format!("{p}/{body}"),
                _ => body.clone(),
            };
            (reg, repo)
        }
        None => match body.split_once('/') {
            Some((r, p)) => (r.to_string(), p.to_string()),
            None => return BicepModule::Missing("the reference names no repository".into()),
        },
    };
    let Some(root) = cache_root(ws, config.as_ref()) else {
        return BicepModule::Missing(
            "the cache root in bicepconfig.json is outside the scanned folders and the user's Bicep cache; it is not read".into(),
        );
    };
    let path = root
        .join(if kind == "ts" { "ts" } else { "br" })
        .join(registry.to_ascii_lowercase().replace(':', "$"))
        .join(repo.replace('/', "$"))
        .join(encode_tag(&tag))
        .join("main.json");
    match read_confined(ws, &root, &path) {
        Some(text) => BicepModule::Found { path, text },
        None => BicepModule::Missing("not in the local module cache".into()),
    }
}

/// The cache root: `cacheRootDirectory` of the bicepconfig.json when it lies inside the
/// roots or is the user's own cache; else the user's cache. `None`: the config points
/// somewhere that may not be read.
fn cache_root(ws: &Workspace, config: Option<&(serde_json::Value, PathBuf)>) -> Option<PathBuf> {
    let home = home_cache();
    let Some((c, cdir)) = config else {
        return home;
    };
    let Some(dir) = c.get("cacheRootDirectory").and_then(|d| d.as_str()) else {
        return home;
    };
    let expanded = match dir.strip_prefix('~') {
        Some(rest) => {
            let h = std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_default();
            h.join(rest.trim_start_matches(['/', '\\']))
        }
        None => cdir.join(dir),
    };
    let expanded = normalize(&expanded);
    if ws.in_roots(&expanded) || home.as_ref().is_some_and(|h| *h == expanded) {
        Some(expanded)
    } else {
        None
    }
}

/// True for a compiled module inside the Bicep module cache that the nearest
/// bicepconfig.json names (a cache kept inside the repository): it is read only through
/// the modules that call it, never scanned as a template of its own.
pub fn is_bicep_cache_file(ws: &Workspace, path: &Path) -> bool {
    // Cheap first: the cache layout has a `br` or `ts` folder above `main.json`.
    let in_layout = path
        .ancestors()
        .skip(1)
        .any(|a| a.file_name().is_some_and(|n| n == "br" || n == "ts"));
    let Some(dir) = path.parent().filter(|_| in_layout) else {
        return false;
    };
    let config = bicepconfig(ws, dir);
    let Some(root) = cache_root(ws, config.as_ref()) else {
        return false;
    };
    let path = normalize(path);
    ["br", "ts"].iter().any(|k| path.starts_with(root.join(k)))
}

/// A regular file inside `root` (also after resolving links), read; or inside the roots.
fn read_confined(ws: &Workspace, root: &Path, path: &Path) -> Option<Arc<str>> {
    if ws.in_roots(root) {
        return ws.read(path);
    }
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    let real_root = std::fs::canonicalize(root).ok()?;
    let real = std::fs::canonicalize(path).ok()?;
    if !real.starts_with(&real_root) {
        return None;
    }
    crate::discover::read_text(&real).ok().map(Arc::from)
}

/// Move what a cached module's resource says about its own files (`hidden`) to the
/// repository: a value written in the module takes the place of the caller's argument it
/// came from, else the calling module block (`call`); the resource itself is placed at
/// the call. Labels that point into the module are dropped; the call chain stays.
pub fn relocate(r: &mut Resource, hidden: &dyn Fn(FileId) -> bool, call: Span) {
    if hidden(r.span.file) {
        r.span = call;
    }
    r.via.retain(|o| !hidden(o.span.file));
    if let Some(i) = &mut r.instances
        && hidden(i.span.file)
    {
        i.span = call;
    }
    relocate_value(&mut r.body, hidden, call);
    if let Some(n) = &mut r.name {
        relocate_value(n, hidden, call);
    }
}

/// As [`relocate`], for one value (a module's output).
pub fn relocate_value(v: &mut Value, hidden: &dyn Fn(FileId) -> bool, call: Span) {
    if hidden(v.span.file) {
        match v.origins.iter().position(|o| !hidden(o.span.file)) {
            Some(i) => {
                v.span = v.origins[i].span;
                v.origins.remove(i);
            }
            None => v.span = call,
        }
    }
    v.origins.retain(|o| !hidden(o.span.file));
    match &mut v.kind {
        ValueKind::Object(entries) => {
            for (_, e) in entries.iter_mut() {
                relocate_value(e, hidden, call);
            }
        }
        ValueKind::List(items) => {
            for e in items.iter_mut() {
                relocate_value(e, hidden, call);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::encode_tag;

    #[test]
    fn tags_are_encoded_as_the_bicep_cache_does() {
        assert_eq!(encode_tag("0.6.0"), "0.6.0$");
        assert_eq!(encode_tag("v1"), "v1$");
        assert_eq!(encode_tag("V1"), "V1$1");
        assert_eq!(encode_tag("aB"), "aB$2");
        assert_eq!(encode_tag("sha256:abc"), "sha256#abc");
    }
}
