//! Fingerprints and baselines.
//!
//! A finding's fingerprint hashes its rule code, its resource address, the file's path
//! (relative to the project root, so that it does not depend on the working folder or on
//! the paths passed) and the text of its primary span with all whitespace removed: no line
//! or column goes in, so it survives lines moving and the file being reformatted. Identical findings are told
//! apart by an occurrence number. SARIF `partialFingerprints` and baseline files use it.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::Analysis;
use crate::finding::Finding;
use crate::source::SourceMap;

/// 64-bit FNV-1a: small, stable across versions and platforms.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0u8)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// The fingerprint of each finding, in order (`<hash>:<occurrence>`), with paths as shown
/// (relative to the working folder). See [`fingerprints_in`] for an analysis' own root.
pub fn fingerprints<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
    sources: &SourceMap,
) -> Vec<String> {
    fingerprints_in(findings, sources, None)
}

/// The path a fingerprint and a baseline entry name a file by: relative to the project
/// root when the file is inside it, else as shown.
pub fn project_path(
    sources: &SourceMap,
    file: crate::source::FileId,
    root: Option<&Path>,
) -> String {
    let f = sources.get(file);
    match root.and_then(|r| f.path.strip_prefix(r).ok()) {
        Some(rel) if !rel.as_os_str().is_empty() => {
            crate::sanitize::visible(&rel.to_string_lossy().replace('\\', "/")).into_owned()
        }
        _ => f.display.clone(),
    }
}

/// The fingerprint of each finding, in order (`<hash>:<occurrence>`), with paths relative
/// to `root` (the project root, [`Analysis::root`]) where given.
pub fn fingerprints_in<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
    sources: &SourceMap,
    root: Option<&Path>,
) -> Vec<String> {
    let mut seen: HashMap<u64, usize> = HashMap::new();
    findings
        .into_iter()
        .map(|f| {
            let text: String = sources
                .text(f.primary)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let path = project_path(sources, f.primary.file, root);
            let h = fnv1a(&[
                f.rule.code,
                f.resource.as_deref().unwrap_or(""),
                &path,
                &text,
            ]);
            let n = seen.entry(h).or_insert(0);
            *n += 1;
            format!("{h:016x}:{n}")
        })
        .collect()
}

/// A baseline file: the fingerprints of accepted findings (code and path for the reader).
#[derive(Serialize, Deserialize, Debug, Default)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

#[derive(Serialize, Deserialize, Debug)]
pub struct Entry {
    pub fingerprint: String,
    pub code: String,
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(default)]
    pub message: String,
}

/// Why a baseline file cannot be read or written; the messages name the file.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read baseline {}: {message}", crate::sanitize::path(path))]
    Read { path: PathBuf, message: String },
    #[error("{} is not an acrlint baseline: {source}", crate::sanitize::path(path))]
    Format {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "{} is a symbolic link; not written (name the file itself)",
        crate::sanitize::path(path)
    )]
    Link { path: PathBuf },
    #[error("{} is not a regular file; not written", crate::sanitize::path(path))]
    NotFile { path: PathBuf },
    #[error("cannot write {}: {source}", crate::sanitize::path(path))]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Baseline {
    pub fn of(a: &Analysis) -> Baseline {
        let root = a.root.as_deref();
        let fps = fingerprints_in(&a.findings, &a.sources, root);
        Baseline {
            version: 1,
            findings: a
                .findings
                .iter()
                .zip(fps)
                .map(|(f, fingerprint)| Entry {
                    fingerprint,
                    code: f.rule.code.to_string(),
                    path: project_path(&a.sources, f.primary.file, root),
                    resource: f.resource.clone(),
                    message: f.message.clone(),
                })
                .collect(),
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = crate::discover::read_text(path).map_err(|e| BaselineError::Read {
            path: path.into(),
            message: e.to_string(),
        })?;
        serde_json::from_str(&text).map_err(|source| BaselineError::Format {
            path: path.into(),
            source,
        })
    }

    /// Write the baseline to `path`: through a temporary file in the same folder renamed
    /// into place, so that the write is whole or not at all and never follows a symbolic
    /// link (a link at `path` is refused: it could lead out of the tree).
    pub fn write(&self, path: &Path) -> Result<(), BaselineError> {
        use std::io::Write;
        match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(BaselineError::Link { path: path.into() });
            }
            Ok(m) if !m.is_file() => {
                return Err(BaselineError::NotFile { path: path.into() });
            }
            _ => {}
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let mut name = std::ffi::OsString::from(".");
        name.push(path.file_name().unwrap_or_default());
        name.push(format!(".acrlint-{}.tmp", std::process::id()));
        let tmp = dir.join(name);
        let result = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .and_then(|mut f| {
                f.write_all(self.to_json().as_bytes())?;
                f.sync_all()
            })
            .and_then(|()| std::fs::rename(&tmp, path));
        result.map_err(|source| {
            let _ = std::fs::remove_file(&tmp);
            BaselineError::Write {
                path: path.into(),
                source,
            }
        })
    }

    /// Keep only the findings that are not in the baseline (the others move to
    /// `suppressed`, as external suppressions); returns how many moved.
    pub fn filter(&self, a: &mut Analysis) -> usize {
        let known: HashSet<&str> = self
            .findings
            .iter()
            .map(|e| e.fingerprint.as_str())
            .collect();
        let fps = fingerprints_in(&a.findings, &a.sources, a.root.as_deref());
        let before = a.findings.len();
        for (f, fp) in std::mem::take(&mut a.findings).into_iter().zip(&fps) {
            if known.contains(fp.as_str()) {
                a.suppressed
                    .push((f, crate::finding::SuppressionKind::External));
            } else {
                a.findings.push(f);
            }
        }
        before - a.findings.len()
    }
}
