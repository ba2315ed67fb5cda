#!/usr/bin/env bash
# Runs the real pre-commit (from PyPI, in a virtual environment) against this checkout:
# `pre-commit try-repo <checkout> acrlint --files ...` must fail on a bad sample and pass
# on a good one.
#
#   tests/precommit.sh            # from anywhere; needs python3 (venv), git, cargo, network to PyPI
#
# pre-commit installs the hook with `cargo install --path <its clone of this repo>`; the
# build reuses this checkout's target directory (CARGO_TARGET_DIR, overridable), so only the
# first run compiles the dependencies in release mode.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export PRE_COMMIT_HOME="$WORK/pre-commit-home"
export PIP_DISABLE_PIP_VERSION_CHECK=1

python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet pre-commit
PRE_COMMIT="$WORK/venv/bin/pre-commit"
echo "pre-commit $("$PRE_COMMIT" --version | awk '{print $2}')"

mkdir "$WORK/repo"
cd "$WORK/repo"
git init --quiet
git config user.email test@example.invalid
git config user.name test
mkdir -p bad good
cat > bad/main.tf <<'TF'
resource "azurerm_container_registry" "acr" {
  name                          = "contosoacr"
  resource_group_name           = "rg-platform"
  location                      = "westeurope"
  sku                           = "Premium"
  admin_enabled                 = true
  public_network_access_enabled = false
}
TF
sed 's/admin_enabled                 = true/admin_enabled                 = false/' bad/main.tf > good/main.tf
git add -A

start=$(date +%s)
if "$PRE_COMMIT" try-repo "$ROOT" acrlint --files bad/main.tf > "$WORK/bad.log" 2>&1; then
    cat "$WORK/bad.log"
    echo "FAIL: the hook passed on bad/main.tf" >&2
    exit 1
fi
grep -q "ACR002" "$WORK/bad.log" || { cat "$WORK/bad.log"; echo "FAIL: no ACR002 in the hook output" >&2; exit 1; }
echo "ok: the hook fails on bad/main.tf ($(( $(date +%s) - start ))s, including the cargo install)"

start=$(date +%s)
if ! "$PRE_COMMIT" try-repo "$ROOT" acrlint --files good/main.tf > "$WORK/good.log" 2>&1; then
    cat "$WORK/good.log"
    echo "FAIL: the hook failed on good/main.tf" >&2
    exit 1
fi
echo "ok: the hook passes on good/main.tf ($(( $(date +%s) - start ))s)"
