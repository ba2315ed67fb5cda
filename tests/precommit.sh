#!/usr/bin/env bash
# Runs the real pre-commit (from PyPI, in a virtual environment) against this checkout, set
# up as users set it up: a `.pre-commit-config.yaml` naming the hook's repository and rev.
# `pre-commit run acrlint --files ...` must fail on a bad sample and pass on a good one; and
# in a multi-file project, a staged Kubernetes manifest is judged against the registry an
# unstaged Terraform file declares, exactly as with `--all-files`.
#
#   tests/precommit.sh            # from anywhere; needs python3 (venv), git, cargo, network to PyPI
#
# The hook's repository is a snapshot of this checkout's working tree (committed or not:
# tracked and untracked files that are not ignored), committed in a scratch repository.
# pre-commit installs the hook once for that repository and rev (`cargo install --path` of
# its clone) and every case below reuses the installed environment. The build reuses this
# checkout's target directory (CARGO_TARGET_DIR, overridable), so the dependencies are not
# compiled again.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export PRE_COMMIT_HOME="$WORK/pre-commit-home"
export PIP_DISABLE_PIP_VERSION_CHECK=1

# The hook's repository: this working tree, committed.
git clone --quiet --no-checkout "$ROOT" "$WORK/hook"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard) \
    | (cd "$ROOT" && xargs -0 cp --parents -t "$WORK/hook" 2>/dev/null || true)
git -C "$WORK/hook" add -A
git -C "$WORK/hook" -c user.email=test@example.invalid -c user.name=test \
    commit --quiet --allow-empty -m "the working tree under test"
HOOK_REV="$(git -C "$WORK/hook" rev-parse HEAD)"

# A repository that uses the hook, as a user's `.pre-commit-config.yaml` names it.
use_hook() {
    cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $WORK/hook
    rev: $HOOK_REV
    hooks:
      - id: acrlint
YAML
}

python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet pre-commit
PRE_COMMIT="$WORK/venv/bin/pre-commit"
echo "pre-commit $("$PRE_COMMIT" --version | awk '{print $2}')"

mkdir "$WORK/repo"
cd "$WORK/repo"
git init --quiet
git config user.email test@example.invalid
git config user.name test
use_hook
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
# The good one: admin user off, and the registry's private endpoint (with its DNS zone
# group) in a second file, as pre-commit passes both.
sed 's/admin_enabled                 = true/admin_enabled                 = false/' bad/main.tf > good/main.tf
cat > good/endpoint.tf <<'TF'
resource "azurerm_private_dns_zone" "acr" {
  name                = "privatelink.azurecr.io"
  resource_group_name = "rg-platform"
}

resource "azurerm_private_dns_zone_virtual_network_link" "acr" {
  name                  = "hub"
  resource_group_name   = "rg-platform"
  private_dns_zone_name = azurerm_private_dns_zone.acr.name
  virtual_network_id    = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-platform/providers/Microsoft.Network/virtualNetworks/vnet-hub"
}

resource "azurerm_private_endpoint" "acr" {
  name                = "pe-acr"
  resource_group_name = "rg-platform"
  location            = "westeurope"
  subnet_id           = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-platform/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-endpoints"

  private_service_connection {
    name                           = "acr"
    private_connection_resource_id = azurerm_container_registry.acr.id
    subresource_names              = ["registry"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "acr"
    private_dns_zone_ids = [azurerm_private_dns_zone.acr.id]
  }
}
TF
git add -A

start=$(date +%s)
if "$PRE_COMMIT" run acrlint --files bad/main.tf > "$WORK/bad.log" 2>&1; then
    cat "$WORK/bad.log"
    echo "FAIL: the hook passed on bad/main.tf" >&2
    exit 1
fi
grep -q "ACR002" "$WORK/bad.log" || { cat "$WORK/bad.log"; echo "FAIL: no ACR002 in the hook output" >&2; exit 1; }
echo "ok: the hook fails on bad/main.tf ($(( $(date +%s) - start ))s, including the cargo install)"

start=$(date +%s)
if ! "$PRE_COMMIT" run acrlint --files good/main.tf good/endpoint.tf > "$WORK/good.log" 2>&1; then
    cat "$WORK/good.log"
    echo "FAIL: the hook failed on good/main.tf" >&2
    exit 1
fi
echo "ok: the hook passes on good/main.tf and good/endpoint.tf ($(( $(date +%s) - start ))s)"

# One answer: a project whose registry is declared in Terraform (committed, not staged); the
# one staged file is a manifest pulling from another registry. pre-commit passes only the
# manifest, and the hook must still fail on it, with the findings `--all-files` gives.
mkdir "$WORK/project"
cd "$WORK/project"
git init --quiet
git config user.email test@example.invalid
git config user.name test
use_hook
git add .pre-commit-config.yaml
mkdir -p infra k8s
cat > infra/main.tf <<'TF'
resource "azurerm_container_registry" "acr" {
  name                          = "contosoacr"
  resource_group_name           = "rg-platform"
  location                      = "westeurope"
  sku                           = "Premium"
  admin_enabled                 = false
  public_network_access_enabled = false
}
TF
git add infra/main.tf
git commit --quiet -m "registry"
cat > k8s/app.yaml <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: shop
spec:
  selector:
    matchLabels:
      app: app
  template:
    metadata:
      labels:
        app: app
    spec:
      containers:
        - name: app
          image: someoneelse.azurecr.io/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
YAML
git add k8s/app.yaml
staged=$(git diff --cached --name-only)
[ "$staged" = "k8s/app.yaml" ] || { echo "FAIL: expected only k8s/app.yaml staged, got: $staged" >&2; exit 1; }

if "$PRE_COMMIT" run acrlint --files k8s/app.yaml > "$WORK/staged.log" 2>&1; then
    cat "$WORK/staged.log"
    echo "FAIL: the hook passed on the staged manifest pulling from someoneelse.azurecr.io" >&2
    exit 1
fi
grep -q "K8S001" "$WORK/staged.log" || { cat "$WORK/staged.log"; echo "FAIL: no K8S001 for the staged manifest" >&2; exit 1; }
if "$PRE_COMMIT" run acrlint --all-files > "$WORK/all.log" 2>&1; then
    cat "$WORK/all.log"
    echo "FAIL: the hook passed with --all-files" >&2
    exit 1
fi
# The places in the manifest the findings point at (primary and related), with their codes.
k8s_only() { grep -oE '(error|warning|note)\[[A-Z0-9]+\]|k8s/app\.yaml:[0-9]+:[0-9]+' "$1" | grep -B1 '^k8s/app' | grep -v '^--' | sort; }
if [ "$(k8s_only "$WORK/staged.log")" != "$(k8s_only "$WORK/all.log")" ] || [ -z "$(k8s_only "$WORK/staged.log")" ]; then
    echo "--- staged"; cat "$WORK/staged.log"; echo "--- all files"; cat "$WORK/all.log"
    echo "FAIL: the staged manifest's findings differ from --all-files" >&2
    exit 1
fi
echo "ok: the staged manifest fails on K8S001 as with --all-files (registry declared in an unstaged Terraform file)"
