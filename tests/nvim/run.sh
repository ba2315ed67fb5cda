#!/usr/bin/env bash
# A second real LSP client: headless neovim (Debian's 0.7) starts `acrlint lsp`, opens a
# sample Terraform file and must receive acrlint's diagnostics.
# Usage: tests/nvim/run.sh   (ACRLINT=/path/to/acrlint to test another binary)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

if ! command -v nvim >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  # A fresh machine has no package lists yet: update once, then install.
  $sudo apt-get install -y -qq neovim >/dev/null 2>&1 || {
    $sudo apt-get update -qq >/dev/null
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq neovim >/dev/null
  }
fi

if [ -z "${ACRLINT:-}" ]; then
  (cd "$repo" && cargo build --quiet)
  ACRLINT="$repo/target/debug/acrlint"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/my ws"
cat > "$work/my ws/main.tf" <<'TF'
# Registry for the platform team (ünïcødé before the finding)
resource "azurerm_container_registry" "acr" {
  name                = "contosoacr"
  resource_group_name = "rg"
  location            = "westeurope"
  sku                 = "Basic"
  admin_enabled       = true
}
TF

ACRLINT="$ACRLINT" WORKSPACE="$work/my ws" timeout 120 \
  nvim --headless --clean -n -c "luafile $here/check.lua"
echo "nvim: ok"
