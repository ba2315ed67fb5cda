#!/usr/bin/env bash
# End-to-end test of the VS Code extension in a real VS Code: code-server 4.100.3 (Code
# 1.100.3) serves a small Terraform workspace with the packaged extension installed, and
# headless chromium, driven by puppeteer-core (e2e.js), checks what a user sees.
#
# Usage: tests/vscode/run.sh   (ACRLINT=/path/to/acrlint, default ./target/release/acrlint;
#                              VSIX=/path/to/acrlint.vsix to skip packaging)
#
# Needs: node 20 and npm (code-server 4.100 runs on node 20 only), chromium, ripgrep, a C++
# toolchain with make and python3 and the headers of libkrb5-dev and libxkbfile-dev (to
# build code-server's native modules), and the npm registry for the first run. The Debian
# packages are installed when missing and apt-get can. Without npm or chromium the test
# prints "SKIPPED: ..." and exits 0; any other failure exits non-zero.
#
# code-server and puppeteer-core are installed once into a cache folder outside the
# repository, ${XDG_CACHE_HOME:-$HOME/.cache}/acrlint-ci/code-server-4.100.3, and reused.
# Screenshots go to target/vscode-e2e/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
ACRLINT="${ACRLINT:-$PWD/target/release/acrlint}"

CODE_SERVER_VERSION=4.100.3
PUPPETEER_VERSION=24.43.1
cache="${XDG_CACHE_HOME:-$HOME/.cache}/acrlint-ci/code-server-$CODE_SERVER_VERSION"
shots="$repo/target/vscode-e2e"
started=$SECONDS

log() { printf 'vscode e2e: %s\n' "$*"; }
fail() {
  printf 'vscode e2e: FAILED: %s\n' "$*" >&2
  exit 1
}

if [[ ! -x "$ACRLINT" ]]; then
  fail "no acrlint executable at $ACRLINT (build it with cargo build --release, or set ACRLINT)"
fi

# Debian packages: installed only when missing, and only when apt-get can.
apt_install() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  local sudo=""
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null || {
      log "cannot install ${missing[*]} (not root, no sudo)"
      return 1
    }
    sudo="sudo -n"
  fi
  log "installing ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
    $sudo apt-get update -qq >/dev/null 2>&1 || true
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1
  } || {
    log "could not install ${missing[*]}"
    return 1
  }
}

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "SKIPPED: vscode e2e: node/npm are not installed"
  exit 0
fi
if ! command -v chromium >/dev/null 2>&1; then
  apt_install chromium || true
  if ! command -v chromium >/dev/null 2>&1; then
    echo "SKIPPED: vscode e2e: chromium is not installed (Debian package chromium)"
    exit 0
  fi
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[[ "$node_major" == 20 ]] || fail "code-server $CODE_SERVER_VERSION needs node 20, found $(node --version)"

# --- code-server and puppeteer-core, installed once -------------------------------------
install_code_server() {
  apt_install ripgrep libkrb5-dev libxkbfile-dev g++ make || fail "missing Debian packages (see the top of $0)"
  local stage="$cache.partial"
  rm -rf "$stage"
  mkdir -p "$stage"
  export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false npm_config_progress=false
  (
    set -e
    cd "$stage"
    echo '{"private": true}' > package.json
    # --ignore-scripts: code-server's postinstall would download ripgrep and refuses root.
    npm install --ignore-scripts --no-audit --no-fund \
      "code-server@$CODE_SERVER_VERSION" "puppeteer-core@$PUPPETEER_VERSION"
    cd node_modules/code-server/lib/vscode
    npm install --omit=dev --ignore-scripts --no-audit --no-fund
    # ripgrep's postinstall downloads a binary unless bin/ exists: use Debian's.
    mkdir -p node_modules/@vscode/ripgrep/bin
    cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
    npm_config_yes=true npm rebuild # native modules, built against this node
    ln -sfn node_modules node_modules.asar
    (cd bin/remote-cli && ln -sfn code-linux.sh code-server)
    (cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
    (cd extensions && npm install --omit=dev --no-audit --no-fund)
    cd "$stage"
    npm rebuild argon2 --build-from-source
    # --config and XDG_DATA_HOME: else code-server writes a config and logs into the home folder.
    XDG_DATA_HOME="$stage/check" node_modules/.bin/code-server --config "$stage/check/config.yaml" --version >/dev/null
    rm -rf "$stage/check"
  ) > "$stage.log" 2>&1 || {
    tail -n 30 "$stage.log" >&2
    fail "installing code-server $CODE_SERVER_VERSION failed (log: $stage.log)"
  }
  touch "$stage/.complete"
  rm -rf "$cache"
  mv "$stage" "$cache"
  rm -f "$stage.log"
}

command -v rg >/dev/null 2>&1 || apt_install ripgrep || true
if [[ ! -f "$cache/.complete" ]]; then
  log "installing code-server $CODE_SERVER_VERSION into $cache (first run only, a few minutes)"
  t0=$SECONDS
  install_code_server
  log "installed in $((SECONDS - t0)) s"
fi
code_server="$cache/node_modules/.bin/code-server"

# --- the extension, packaged as users get it -------------------------------------------
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill -- "-$server_pid" 2>/dev/null || kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# VSIX=path reuses a package that editors/vscode/ci.sh --out already made (as .ci/run does).
vsix="${VSIX:-}"
if [[ -z "$vsix" ]]; then
  log "packaging the extension"
  vsix="$work/acrlint.vsix"
  bash "$repo/editors/vscode/ci.sh" --out "$vsix" > "$work/package.log" 2>&1 || {
    tail -n 30 "$work/package.log" >&2
    fail "packaging the extension (editors/vscode/ci.sh) failed"
  }
fi
[[ -s "$vsix" ]] || fail "no extension package at $vsix"

ext="$work/extensions"
# code-server keeps logs and a heartbeat under XDG_DATA_HOME: not in the home folder.
export XDG_DATA_HOME="$work/xdg-data"
data="$work/user-data"
mkdir -p "$ext" "$data/User" "$data/Machine"
"$code_server" --config "$work/config.yaml" --user-data-dir "$data" --extensions-dir "$ext" \
  --install-extension "$vsix" > "$work/install.log" 2>&1 || {
  cat "$work/install.log" >&2
  fail "code-server --install-extension failed"
}

# Settings: the server under test, and an editor that types what it is told.
node - "$ACRLINT" "$data" <<'JS'
const fs = require('fs');
const [acrlint, data] = process.argv.slice(2);
const settings = {
  'acrlint.path': acrlint,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'files.autoSave': 'off',
  'editor.quickSuggestions': { other: false, comments: false, strings: false },
  'editor.suggestOnTriggerCharacters': false,
  'editor.acceptSuggestionOnEnter': 'off',
  'editor.wordBasedSuggestions': 'off',
  'editor.parameterHints.enabled': false,
  'editor.autoClosingBrackets': 'never',
  'editor.autoClosingQuotes': 'never',
  'editor.autoClosingOvertype': 'never',
  'editor.autoSurround': 'never',
  'editor.autoIndent': 'none',
  'editor.formatOnType': false,
  'editor.hover.delay': 300,
  'problems.showCurrentInStatus': false,
};
const text = JSON.stringify(settings, null, 2);
fs.writeFileSync(`${data}/User/settings.json`, text);
fs.writeFileSync(`${data}/Machine/settings.json`, text);
JS

# --- a careless registry -----------------------------------------------------------------
ws="$work/registry"
mkdir -p "$ws"
cat > "$ws/main.tf" <<'TF'
resource "azurerm_container_registry" "acr" {
  name                          = "contosoacr"
  resource_group_name           = "rg"
  location                      = "westeurope"
  sku                           = "Premium"
  public_network_access_enabled = false
  admin_enabled                 = var.admin
}
TF
cat > "$ws/variables.tf" <<'TF'
variable "admin" {
  type = bool
}
TF
printf 'admin = true\n' > "$ws/terraform.tfvars"
# Only the findings the test looks at: ACR002 (error) and ACR010 (a note, until the
# diagnostic setting typed into variables.tf targets the registry).
cat > "$ws/acrlint.toml" <<'TOML'
[rules]
ACR005 = "off"
ACR006 = "off"
ACR008 = "off"
NET001 = "off"
TOML

# --- serve and drive it ------------------------------------------------------------------
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\n' "$port" > "$work/config.yaml"
setsid "$code_server" --config "$work/config.yaml" --user-data-dir "$data" --extensions-dir "$ext" \
  --disable-telemetry --disable-update-check --disable-workspace-trust \
  --disable-getting-started-override "$ws" > "$work/code-server.log" 2>&1 &
server_pid=$!

url="http://127.0.0.1:$port/?folder=$(node -p 'encodeURIComponent(process.argv[1])' "$ws")"
healthy() {
  node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
    "http://127.0.0.1:$port/healthz"
}
for _ in $(seq 1 120); do
  healthy && break
  kill -0 "$server_pid" 2>/dev/null || {
    cat "$work/code-server.log" >&2
    fail "code-server exited"
  }
  sleep 0.5
done
healthy || fail "code-server did not answer on port $port within 60 s"

mkdir -p "$shots"
log "driving chromium against code-server on port $port"
if ! NODE_PATH="$cache/node_modules" CHROMIUM="$(command -v chromium)" URL="$url" SHOTS="$shots" \
  RULE_DOC="$(ls "$repo"/rules/ACR002-*.md)" timeout 300 node "$here/e2e.js"; then
  echo "--- code-server log (tail)" >&2
  tail -n 40 "$work/code-server.log" >&2
  for f in "$data"/logs/*/exthost*/*acrlint*.log "$data"/logs/*/*/exthost*/*acrlint*.log; do
    [[ -f "$f" ]] && { echo "--- $f (tail)" >&2; tail -n 40 "$f" >&2; }
  done
  fail "see the messages above and the screenshots in $shots"
fi
log "ok in $((SECONDS - started)) s (screenshots in $shots)"
