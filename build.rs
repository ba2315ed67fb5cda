//! Names the commit in `acrlint --version` when the source is acrlint's own git checkout;
//! without git, or inside another project's repository (a vendored copy), the version
//! stands alone. Never fails the build.

use std::path::Path;
use std::process::Command;

/// A git command's output, or `None` when git is missing or says no.
fn git(args: &[&str]) -> Option<String> {
    Command::new("git")
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let version = env!("CARGO_PKG_VERSION");
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let same = |a: &str, b: &str| {
        let (a, b) = (Path::new(a).canonicalize(), Path::new(b).canonicalize());
        matches!((a, b), (Ok(a), Ok(b)) if a == b)
    };
    let own_checkout =
        git(&["rev-parse", "--show-toplevel"]).is_some_and(|t| same(&t, &manifest_dir));
    let commit = own_checkout
        .then(|| git(&["rev-parse", "--short=9", "HEAD"]))
        .flatten()
        .filter(|s| s.bytes().all(|b| b.is_ascii_hexdigit()));
    let long = match &commit {
        Some(c) => format!("{version} ({c})"),
        None => version.to_string(),
    };
    println!("cargo:rustc-env=ACRLINT_VERSION={long}");
    if commit.is_none() {
        return;
    }
    // Rebuild when HEAD moves: HEAD itself (a checkout) and the branch it points at (a
    // commit). Worktrees keep HEAD apart from the shared refs, so git says where both are.
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        println!("cargo:rerun-if-changed={dir}/HEAD");
    }
    if let (Some(common), Some(branch)) = (
        git(&["rev-parse", "--git-common-dir"]),
        git(&["symbolic-ref", "-q", "HEAD"]),
    ) {
        // The branch's folder, not only its file: after `git gc` the branch lives in
        // `packed-refs` and its loose file appears only with the next commit, which a
        // watch on the (then missing) file would not see.
        let folder = Path::new(&branch)
            .parent()
            .map(|p| format!("{common}/{}", p.display()));
        for path in [
            Some(format!("{common}/{branch}")),
            folder,
            Some(format!("{common}/packed-refs")),
        ]
        .into_iter()
        .flatten()
        {
            if Path::new(&path).exists() {
                println!("cargo:rerun-if-changed={path}");
            }
        }
    }
}
