#!/usr/bin/env bash
# Clean-install, compile and package the VS Code extension, then check the .vsix.
# Runs without a tty; called from the repository's .ci/run.
# Usage: ci.sh [--out FILE]   (--out keeps a copy of the checked .vsix at FILE)
set -euo pipefail

keep=""
if [[ "${1:-}" == "--out" && -n "${2:-}" ]]; then
  keep="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--out FILE]" >&2
  exit 2
fi

cd "$(dirname "${BASH_SOURCE[0]}")"

export npm_config_audit=false
export npm_config_fund=false
export npm_config_update_notifier=false
export npm_config_progress=false

outdir="$(mktemp -d)"
trap 'rm -rf "$outdir"' EXIT

# --ignore-scripts: none of the packages needed here must run install scripts
# (it skips @vscode/vsce-sign's postinstall, which only matters for signing).
npm ci --no-audit --no-fund --ignore-scripts
npm run compile
npm test
npx --no-install vsce package --allow-missing-repository --out "$outdir/acrlint.vsix" </dev/null

vsix="$outdir/acrlint.vsix"
if [[ ! -s "$vsix" ]]; then
  echo "vscode extension: FAILED: $vsix was not produced" >&2
  exit 1
fi

python3 - "$vsix" <<'PY'
import sys
import zipfile

vsix = sys.argv[1]
with zipfile.ZipFile(vsix) as zf:
    names = zf.namelist()
required_files = [
    "extension/package.json",
    "extension/out/extension.js",
    "extension/node_modules/vscode-languageclient/package.json",
    "extension/node_modules/vscode-languageclient/lib/node/main.js",
    "extension/node_modules/vscode-languageserver-protocol/package.json",
]
missing = [name for name in required_files if name not in names]
if missing:
    sys.exit("vscode extension: FAILED: missing from the .vsix: " + ", ".join(missing))
unwanted = [n for n in names if n.startswith(("extension/src/", "extension/test/", "extension/node_modules/typescript/", "extension/node_modules/@vscode/vsce/"))]
if unwanted:
    sys.exit("vscode extension: FAILED: unexpected files in the .vsix, e.g. " + unwanted[0])
print(f"vscode extension: OK ({len(names)} files in acrlint-0.1.0.vsix, out/extension.js and node_modules/vscode-languageclient present)")
PY
if [[ -n "$keep" ]]; then
  cp "$vsix" "$keep"
fi
