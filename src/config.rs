//! `acrlint.toml`: rule levels, excludes, the Kubernetes allowlist.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::finding::Severity;

pub const FILE_NAME: &str = "acrlint.toml";

/// The namespaces the Azure Policy built-in excludes by default.
pub const DEFAULT_EXCLUDED_NAMESPACES: [&str; 4] = [
    "kube-system",
    "gatekeeper-system",
    "azure-arc",
    "azure-extensions-usage-system",
];

/// A rule's configured level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    Note,
    Warning,
    Error,
}

impl Level {
    /// The level that reports at `severity`.
    pub fn of(severity: Severity) -> Level {
        match severity {
            Severity::Note => Level::Note,
            Severity::Warning => Level::Warning,
            Severity::Error => Level::Error,
        }
    }

    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Off => None,
            Level::Note => Some(Severity::Note),
            Level::Warning => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct K8sConfig {
    /// Registry hosts or host/path prefixes (matched on segment boundaries).
    #[serde(default)]
    pub allowed_registries: Vec<String>,
    /// Regular expressions an image may match instead (anchored at both ends).
    #[serde(default)]
    pub allowed_images_regex: Vec<String>,
    /// Namespaces not checked (default: the Azure Policy built-in's).
    pub excluded_namespaces: Option<Vec<String>>,
    /// K8S002: require every image to be pinned by digest.
    #[serde(default)]
    pub require_digest: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Rule levels by code or name: `ACR003 = "off"`, `registry-sku-not-premium = "note"`.
    #[serde(default)]
    pub rules: BTreeMap<String, Level>,
    /// Glob patterns of paths not scanned (relative to the config file's folder).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Extra Terraform variable files, applied after `terraform.tfvars` and `*.auto.tfvars`:
    /// the command line's, and the config file's once [`Config::confine`] has checked them.
    #[serde(skip)]
    pub var_files: Vec<PathBuf>,
    /// ARM parameter files applied to every template (usually given with `--parameters`);
    /// the config file's join them through [`Config::confine`].
    #[serde(skip)]
    pub parameter_files: Vec<PathBuf>,
    /// `var-files` as written in the config file: untrusted, not read until confined.
    #[serde(default, rename = "var-files")]
    file_var_files: Vec<PathBuf>,
    /// `parameter-files` as written in the config file: untrusted, not read until confined.
    #[serde(default, rename = "parameter-files")]
    file_parameter_files: Vec<PathBuf>,
    #[serde(default)]
    pub k8s: K8sConfig,
    /// The folder the config was found in (paths in it are relative to this).
    #[serde(skip)]
    pub root: Option<PathBuf>,
    /// The config file, for messages.
    #[serde(skip)]
    file: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    /// Entries of `var-files` or `parameter-files` outside the scanned folders: not read.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    OutsideScan(Vec<OutsideScan>),
}

/// One config entry that names a file outside the scanned folders.
#[derive(Debug, thiserror::Error)]
#[error(
    "{file}: `{key}` entry \"{}\" is outside the scanned folders; it was not read (a file outside the scan can be named on the command line instead)",
    crate::sanitize::path(entry)
)]
pub struct OutsideScan {
    /// The config file, as shown.
    pub file: String,
    pub key: &'static str,
    pub entry: PathBuf,
}

impl Config {
    /// Parse a config file's text; errors name the file, the position and the key.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let position = e
                .span()
                .map(|s| {
                    let line = text[..s.start].matches('\n').count() + 1;
                    let col = s.start - text[..s.start].rfind('\n').map_or(0, |i| i + 1) + 1;
                    format!(":{line}:{col}")
                })
                .unwrap_or_default();
            let line = e
                .span()
                .and_then(|s| text[..s.start].split('\n').next_back().map(|_| s.start))
                .map(|start| {
                    let from = text[..start].rfind('\n').map_or(0, |i| i + 1);
                    let to = text[start..].find('\n').map_or(text.len(), |i| start + i);
                    format!("\n  | {}", &text[from..to])
                })
                .unwrap_or_default();
            ConfigError::Invalid {
                path: PathBuf::from(format!("{}{position}", path.display())),
                message: format!("{}{line}", e.message().trim_end()),
            }
        })?;
        for (key, _) in config.rules.iter() {
            if crate::rules::by_code_or_name(key).is_none() {
                return Err(ConfigError::Invalid {
                    path: path.to_path_buf(),
                    message: format!(
                        "unknown rule `{}` in [rules] (see `acrlint rules`)",
                        crate::sanitize::excerpt(key)
                    ),
                });
            }
        }
        for re in &config.k8s.allowed_images_regex {
            if let Err(e) = regex::Regex::new(re) {
                return Err(ConfigError::Invalid {
                    path: path.to_path_buf(),
                    message: format!("invalid regex in [k8s] allowed-images-regex: {e}"),
                });
            }
        }
        let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
        config.root = Some(crate::normalize(folder.unwrap_or(Path::new("."))));
        config.file = Some(path.to_path_buf());
        Ok(config)
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = crate::discover::read_text(path).map_err(|e| ConfigError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        })?;
        Config::parse(&text, path)
    }

    /// Find `acrlint.toml` in `start` or a folder above it, no higher than the repository
    /// root (the nearest folder upward holding `.git`); outside a repository, only in
    /// `start` itself. A folder above the repository cannot configure its scan.
    pub fn discover(start: &Path) -> Option<PathBuf> {
        let start = if start.is_file() {
            start.parent()?.to_path_buf()
        } else {
            start.to_path_buf()
        };
        let start = crate::normalize(&start);
        let top = start
            .ancestors()
            .find(|d| d.join(".git").exists())
            .unwrap_or(&start);
        start
            .ancestors()
            .take_while(|d| d.starts_with(top))
            .map(|d| d.join(FILE_NAME))
            .find(|p| p.is_file())
    }

    /// Admit the config file's `var-files` and `parameter-files`: each resolves against the
    /// config file's folder and must lie inside one of `roots` (the scanned folders), both
    /// as written and after resolving symbolic links. Entries inside join the lists the
    /// loaders read, ahead of the command line's; an entry outside is never read and makes
    /// this an error that names the file, the key and the entry. Paths named on the command
    /// line are not checked: the user may point anywhere.
    pub fn confine(&mut self, roots: &[PathBuf]) -> Result<(), ConfigError> {
        let base = self.root.clone().unwrap_or_default();
        let file = self
            .file
            .as_deref()
            .map(crate::discover::display_path)
            .unwrap_or_else(|| FILE_NAME.to_string());
        let real_roots: Vec<PathBuf> = roots
            .iter()
            .filter_map(|r| std::fs::canonicalize(r).ok())
            .collect();
        let mut errors = Vec::new();
        let mut admit = |key: &'static str, entries: Vec<PathBuf>| -> Vec<PathBuf> {
            let mut inside = Vec::new();
            for entry in entries {
                let abs = crate::normalize(&base.join(&entry));
                let lexical = roots.iter().any(|r| abs.starts_with(r));
                let real = match std::fs::canonicalize(&abs) {
                    Ok(real) => real_roots.iter().any(|r| real.starts_with(r)),
                    // Missing: the loader says it cannot read it.
                    Err(_) => true,
                };
                if lexical && real {
                    inside.push(abs);
                } else {
                    errors.push(OutsideScan {
                        file: file.clone(),
                        key,
                        entry,
                    });
                }
            }
            inside
        };
        let vars = admit("var-files", std::mem::take(&mut self.file_var_files));
        let params = admit(
            "parameter-files",
            std::mem::take(&mut self.file_parameter_files),
        );
        if !errors.is_empty() {
            return Err(ConfigError::OutsideScan(errors));
        }
        self.var_files.splice(0..0, vars);
        self.parameter_files.splice(0..0, params);
        Ok(())
    }

    /// The level configured for a rule, if any.
    /// The level `[rules]` sets for a rule; else `off` for a rule that is off by default
    /// (see [`crate::rules::OFF_BY_DEFAULT`]); else `None`: the rule's own severity.
    pub fn level(&self, code: &str, name: &str) -> Option<Level> {
        self.rules
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(code) || k.as_str() == name)
            .map(|(_, l)| *l)
            .or_else(|| {
                crate::rules::OFF_BY_DEFAULT
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(code))
                    .then_some(Level::Off)
            })
    }

    /// True when K8S rules skip this namespace (no allocation: called per container).
    pub fn is_excluded_namespace(&self, ns: &str) -> bool {
        match &self.k8s.excluded_namespaces {
            Some(list) => list.iter().any(|e| e == ns),
            None => DEFAULT_EXCLUDED_NAMESPACES.contains(&ns),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_errors_that_name_the_key() {
        let err = Config::parse("[k8s]\nallowed-registry = []\n", Path::new("acrlint.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("allowed-registry"), "{err}");
        assert!(err.starts_with("acrlint.toml:2:1"), "{err}");
    }

    #[test]
    fn rule_levels_by_code_or_name() {
        let c = Config::parse(
            "[rules]\nACR003 = \"off\"\nregistry-admin-user-enabled = \"error\"\n",
            Path::new("acrlint.toml"),
        )
        .unwrap();
        assert_eq!(
            c.level("ACR003", "registry-sku-not-premium"),
            Some(Level::Off)
        );
        assert_eq!(
            c.level("ACR002", "registry-admin-user-enabled"),
            Some(Level::Error)
        );
        assert!(Config::parse("[rules]\nNOPE1 = \"off\"\n", Path::new("a.toml")).is_err());
    }
}
