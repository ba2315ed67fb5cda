#!/usr/bin/env python3
"""Hostile repositories: each case is a small repository built in a temporary folder and
scanned by the release binary as a whole process (`acrlint check DIR --format json`, then
`--format human`). Measures wall time and peak RSS of the child (os.wait4 rusage) and
checks the targets: done in under 5 s, under 500 MB, exit code 0, 1 or 2, never killed
by a signal. A scan still running after 30 s is killed and fails.

Usage: bench/hostile.py [--binary PATH] [--case NAME ...] [--size N] [--list] [--keep]
Builds nothing: run `cargo build --release` first. Standard library only.
Exit status: 0 when every case passes, 1 when one fails, 2 on a usage error.
"""
import argparse
import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "acrlint")

MAX_SECONDS = 5.0
MAX_MB = 500.0
KILL_AFTER = 30.0
EXIT_CODES = (0, 1, 2)
# A safety net for the machine, far above the target: the child's address space is capped
# (a run that reaches it aborts and fails).
ADDRESS_SPACE_CAP = 4 << 30
# Terraform inputs are split into files of at most this size (a module is a folder).
FILE_BYTES = 100_000

REGISTRY_TF = """resource "azurerm_container_registry" "acr" {
  name                = "acr1"
  resource_group_name = "rg"
  location            = "westeurope"
  sku                 = "Premium"
  admin_enabled       = true
}
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def write_split(folder, stem, head, items, tail=""):
    """Terraform blocks spread over files of at most FILE_BYTES each."""
    chunk, size, n = [], 0, 0
    for item in items:
        if chunk and size + len(item) + len(head) + len(tail) > FILE_BYTES:
            write(os.path.join(folder, f"{stem}{n}.tf"), head + "".join(chunk) + tail)
            chunk, size, n = [], 0, n + 1
        chunk.append(item)
        size += len(item)
    if chunk:
        write(os.path.join(folder, f"{stem}{n}.tf"), head + "".join(chunk) + tail)


def arm(variables=None, resources=None):
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "variables": variables or {},
        "resources": resources or [],
    }


def acr_arm(name_expr, extra=None):
    r = {
        "type": "Microsoft.ContainerRegistry/registries",
        "apiVersion": "2023-07-01",
        "name": name_expr,
        "location": "westeurope",
        "sku": {"name": "Premium"},
        "properties": {"adminUserEnabled": True},
    }
    r.update(extra or {})
    return r


def write_json(path, doc):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, separators=(",", ":"))


def acr_bicep(name_expr):
    return (
        "resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n"
        f"  name: {name_expr}\n  location: 'westeurope'\n  sku: {{ name: 'Premium' }}\n"
        "  properties: { adminUserEnabled: true }\n}\n"
    )


# Generators: each builds one repository in `d` with size parameter `n`.


def tf_var_default_cycle(d, n):
    """Variable defaults that refer to each other in a ring of n."""
    items = [f'variable "v{i}" {{\n  default = var.v{(i + 1) % n}\n}}\n' for i in range(n)]
    write_split(d, "vars", "", items)
    write(os.path.join(d, "main.tf"), REGISTRY_TF.replace('"acr1"', "var.v0"))


def tf_locals_chain(d, n):
    items = ["  l0 = \"acr\"\n"] + [f"  l{i} = local.l{i - 1}\n" for i in range(1, n)]
    write_split(d, "locals", "locals {\n", items, "}\n")
    write(os.path.join(d, "main.tf"), REGISTRY_TF.replace('"acr1"', f"local.l{n - 1}"))


def tf_variable_chain(d, n):
    items = ['variable "v0" {\n  default = "acr"\n}\n'] + [
        f'variable "v{i}" {{\n  default = var.v{i - 1}\n}}\n' for i in range(1, n)
    ]
    write_split(d, "vars", "", items)
    write(os.path.join(d, "main.tf"), REGISTRY_TF.replace('"acr1"', f"var.v{n - 1}"))


def tf_resource_chain(d, n):
    items = ['resource "azurerm_resource_group" "r0" {\n  name = "rg"\n  location = "westeurope"\n}\n'] + [
        f'resource "azurerm_resource_group" "r{i}" {{\n  name = azurerm_resource_group.r{i - 1}.name\n'
        f"  location = azurerm_resource_group.r{i - 1}.location\n}}\n"
        for i in range(1, n)
    ]
    write_split(d, "rgs", "", items)
    write(
        os.path.join(d, "main.tf"),
        REGISTRY_TF.replace('"rg"', f"azurerm_resource_group.r{n - 1}.name"),
    )


def arm_variables_chain(d, n):
    v = {"v0": "acr"}
    for i in range(1, n):
        v[f"v{i}"] = f"[variables('v{i - 1}')]"
    write_json(os.path.join(d, "azuredeploy.json"), arm(v, [acr_arm(f"[variables('v{n - 1}')]")]))


def bicep_nested_children(d, n):
    parts = ["resource r0 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n  name: 'acr'\n"]
    for i in range(1, n):
        parts.append(f"resource r{i} 'child@2023-07-01' = {{\n  name: 'c{i}'\n")
    parts.append("}\n" * n)
    write(os.path.join(d, "main.bicep"), "".join(parts))


def tf_module_fanout(d, n, fan=4):
    for level in range(n):
        calls = "".join(
            f'module "m{i}" {{\n  source = "../l{level + 1}"\n}}\n' for i in range(fan)
        )
        write(os.path.join(d, "modules", f"l{level}", "main.tf"), calls)
    write(os.path.join(d, "modules", f"l{n}", "main.tf"), REGISTRY_TF)
    write(os.path.join(d, "main.tf"), 'module "root" {\n  source = "./modules/l0"\n}\n')


def bicep_module_fanout(d, n, fan=4):
    for level in range(n):
        calls = "".join(
            f"module m{i} './l{level + 1}.bicep' = {{\n  name: 'm{i}'\n}}\n" for i in range(fan)
        )
        write(os.path.join(d, f"l{level}.bicep"), calls)
    write(os.path.join(d, f"l{n}.bicep"), acr_bicep("'acr1'"))


def tf_doubling_locals(d, n):
    lines = ['  a0 = "ab"\n'] + [f'  a{i} = "${{local.a{i - 1}}}${{local.a{i - 1}}}"\n' for i in range(1, n + 1)]
    write(os.path.join(d, "locals.tf"), "locals {\n" + "".join(lines) + "}\n")
    write(os.path.join(d, "main.tf"), REGISTRY_TF.replace('"acr1"', f"local.a{n}"))


def arm_doubling_concat(d, n):
    v = {"v0": "ab"}
    for i in range(1, n + 1):
        v[f"v{i}"] = f"[concat(variables('v{i - 1}'), variables('v{i - 1}'))]"
    write_json(os.path.join(d, "azuredeploy.json"), arm(v, [acr_arm(f"[variables('v{n}')]")]))


def bicep_doubling_interpolation(d, n):
    lines = ["var v0 = 'ab'\n"] + [f"var v{i} = '${{v{i - 1}}}${{v{i - 1}}}'\n" for i in range(1, n + 1)]
    write(os.path.join(d, "main.bicep"), "".join(lines) + acr_bicep(f"v{n}"))


def arm_nested_copy(d, n):
    r = acr_arm(
        "[concat('acr', copyIndex())]",
        {
            "copy": {"name": "regs", "count": n},
            "properties": {
                "adminUserEnabled": True,
                "copy": [
                    {
                        "name": "networkRuleSet",
                        "count": n,
                        "input": {"value": "[copyIndex('networkRuleSet')]"},
                    }
                ],
            },
        },
    )
    write_json(os.path.join(d, "azuredeploy.json"), arm({}, [r]))


def arm_range(d, n):
    v = {"big": f"[range(0, {n})]", "n": "[length(variables('big'))]"}
    r = acr_arm("[concat('acr', string(variables('n')))]", {"copy": {"name": "c", "count": "[variables('n')]"}})
    write_json(os.path.join(d, "azuredeploy.json"), arm(v, [r]))


def hcl_deep_parens(d, n):
    write(os.path.join(d, "main.tf"), "locals {\n  x = " + "(" * n + "1" + ")" * n + "\n}\n" + REGISTRY_TF)


def json_deep_nesting(d, n):
    text = json.dumps(arm({"deep": "__DEEP__"}, [acr_arm("acr1")]), separators=(",", ":"))
    write(os.path.join(d, "azuredeploy.json"), text.replace('"__DEEP__"', "[" * n + "]" * n))


K8S_HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"


def yaml_deep_block(d, n):
    write(os.path.join(d, "deep.yaml"), K8S_HEAD + "data:\n" + "- " * n + "x\n")


def yaml_deep_flow(d, n):
    write(os.path.join(d, "deep.yaml"), K8S_HEAD + "data: " + "[" * n + "]" * n + "\n")


def yaml_alias_bomb(d, n):
    lines = [K8S_HEAD, "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"]
    for i in range(1, n + 1):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]\n")
    write(os.path.join(d, "bomb.yaml"), "".join(lines))


def yaml_alias_key_bomb(d, n):
    """Aliases inside complex mapping keys (a node count that treats keys as one node
    misses them)."""
    lines = [K8S_HEAD, "k0: &k0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"]
    for i in range(1, n + 1):
        keys = ", ".join(f"? [{j}, *k{i - 1}] : {j}" for j in range(10))
        lines.append(f"k{i}: &k{i} {{{keys}}}\n")
    write(os.path.join(d, "bomb.yaml"), "".join(lines))


def yaml_nested_anchors(d, n):
    """Anchors nested n deep over a large leaf: each anchor holds a copy."""
    lines = [K8S_HEAD, "data:\n"]
    for i in range(n):
        lines.append("  " * i + f"- &n{i}\n")
    lines.append("  " * n + "- [" + ",".join(["x"] * 20_000) + "]\n")
    write(os.path.join(d, "anchors.yaml"), "".join(lines))


def yaml_documents(d, n):
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: 'nginx:latest'}]\n"
    write(os.path.join(d, "many.yaml"), "---\n" * n + pod)


def ignore_comment_block(d, n):
    """A block of n ignore comments above a declaration, in each format: finding the code
    below each comment must read the block once, not once per comment."""
    write(os.path.join(d, "tf", "main.tf"), "# acrlint:ignore ACR002 r\n" * n + REGISTRY_TF)
    write(os.path.join(d, "bicep", "main.bicep"), "// acrlint:ignore ACR002 r\n" * n + acr_bicep("'acr1'"))
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: 'nginx:latest'}]\n"
    write(os.path.join(d, "k8s", "pod.yaml"), "# acrlint:ignore K8S002 r\n" * n + pod)


def fifo_main_tf(d, n):
    os.makedirs(d, exist_ok=True)
    os.mkfifo(os.path.join(d, "main.tf"))


def fifo_bicep_module(d, n):
    os.makedirs(d, exist_ok=True)
    os.mkfifo(os.path.join(d, "fifo.bicep"))
    write(os.path.join(d, "main.bicep"), "module m './fifo.bicep' = {\n  name: 'm'\n}\n" + acr_bicep("'acr1'"))


def toml_var_files_dev_zero(d, n):
    write(os.path.join(d, "acrlint.toml"), 'var-files = ["/dev/zero"]\n')
    write(os.path.join(d, "main.tf"), 'variable "name" {\n  default = "acr1"\n}\n' + REGISTRY_TF.replace('"acr1"', "var.name"))


# (name, generator, default size, needs Unix FIFOs)
CASES = [
    ("tf-var-default-cycle", tf_var_default_cycle, 1000, False),
    ("tf-locals-chain", tf_locals_chain, 20_000, False),
    ("tf-variable-chain", tf_variable_chain, 20_000, False),
    ("tf-resource-attr-chain", tf_resource_chain, 5000, False),
    ("arm-variables-chain", arm_variables_chain, 20_000, False),
    ("bicep-nested-children", bicep_nested_children, 20_000, False),
    ("tf-module-fanout", tf_module_fanout, 16, False),
    ("bicep-module-fanout", bicep_module_fanout, 16, False),
    ("tf-doubling-locals", tf_doubling_locals, 40, False),
    ("arm-doubling-concat", arm_doubling_concat, 40, False),
    ("bicep-doubling-interpolation", bicep_doubling_interpolation, 40, False),
    ("arm-nested-copy", arm_nested_copy, 1000, False),
    ("arm-range", arm_range, 100_000_000, False),
    ("hcl-deep-parens", hcl_deep_parens, 100_000, False),
    ("json-deep-nesting", json_deep_nesting, 100_000, False),
    ("yaml-deep-block", yaml_deep_block, 20_000, False),
    ("yaml-deep-flow", yaml_deep_flow, 20_000, False),
    ("yaml-alias-bomb", yaml_alias_bomb, 9, False),
    ("yaml-alias-key-bomb", yaml_alias_key_bomb, 9, False),
    ("yaml-nested-anchors", yaml_nested_anchors, 150, False),
    ("yaml-documents", yaml_documents, 100_000, False),
    ("ignore-comment-block", ignore_comment_block, 100_000, False),
    ("fifo-main-tf", fifo_main_tf, 1, True),
    ("fifo-bicep-module", fifo_bicep_module, 1, True),
    ("toml-var-files-dev-zero", toml_var_files_dev_zero, 1, False),
]


def input_bytes(d):
    total = 0
    for base, _, names in os.walk(d):
        for name in names:
            st = os.lstat(os.path.join(base, name))
            if stat.S_ISREG(st.st_mode):
                total += st.st_size
    return total


def run(binary, d, fmt):
    """Run one scan; returns (exit code or None, signal or None, seconds, peak MB, killed)."""
    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CAP, ADDRESS_SPACE_CAP))

    start = time.monotonic()
    child = subprocess.Popen(
        [binary, "check", d, "--format", fmt],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, NO_COLOR="1"),
        preexec_fn=cap,
    )
    pid = child.pid
    killed = False
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - start > KILL_AFTER:
            os.kill(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            killed = True
            break
        time.sleep(0.005)
    seconds = time.monotonic() - start
    child.returncode = status  # reaped here, by os.wait4
    peak_mb = usage.ru_maxrss / 1024  # KiB on Linux
    if os.WIFSIGNALED(status):
        return None, os.WTERMSIG(status), seconds, peak_mb, killed
    return os.WEXITSTATUS(status), None, seconds, peak_mb, killed


def verdict(code, sig, seconds, peak_mb, killed):
    why = []
    if killed:
        why.append(f"killed after {KILL_AFTER:.0f} s")
    elif sig is not None:
        why.append(f"signal {signal.Signals(sig).name}")
    elif code not in EXIT_CODES:
        why.append(f"exit code {code}")
    if not killed and seconds >= MAX_SECONDS:
        why.append(f">= {MAX_SECONDS:.0f} s")
    if peak_mb >= MAX_MB:
        why.append(f">= {MAX_MB:.0f} MB")
    return ("FAIL", "; ".join(why)) if why else ("PASS", "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", default=BIN, help="acrlint binary (default: target/release/acrlint)")
    ap.add_argument("--case", action="append", default=[], help="run only this case (repeatable)")
    ap.add_argument("--size", type=int, help="size parameter for the selected cases")
    ap.add_argument("--list", action="store_true", help="list the cases and their default sizes")
    ap.add_argument("--keep", action="store_true", help="keep the generated repositories")
    args = ap.parse_args()

    if args.list:
        for name, _, size, _ in CASES:
            print(f"{name:30} {size}")
        return 0
    names = {c[0] for c in CASES}
    unknown = [c for c in args.case if c not in names]
    if unknown:
        print(f"unknown case: {', '.join(unknown)} (see --list)", file=sys.stderr)
        return 2
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        print(f"{binary}: not found; run `cargo build --release` first", file=sys.stderr)
        return 2

    selected = [c for c in CASES if not args.case or c[0] in args.case]
    work = tempfile.mkdtemp(prefix="acrlint-hostile-")
    header = f"{'case':30} {'format':6} {'input KB':>9} {'exit':>5} {'seconds':>8} {'peak MB':>8}  result"
    print(header)
    print("-" * len(header))
    failed = 0
    try:
        for name, gen, size, needs_fifo in selected:
            if needs_fifo and not hasattr(os, "mkfifo"):
                print(f"{name:30} {'':6} {'':>9} {'':>5} {'':>8} {'':>8}  SKIP (no FIFOs here)")
                continue
            d = os.path.join(work, name)
            gen(d, args.size if args.size is not None else size)
            kb = input_bytes(d) / 1000
            for fmt in ("json", "human"):
                code, sig, seconds, peak_mb, killed = run(binary, d, fmt)
                result, why = verdict(code, sig, seconds, peak_mb, killed)
                failed += result == "FAIL"
                shown = "kill" if killed else (f"sig{sig}" if sig is not None else str(code))
                line = f"{name:30} {fmt:6} {kb:9.1f} {shown:>5} {seconds:8.2f} {peak_mb:8.1f}  {result}"
                print(line + (f" ({why})" if why else ""), flush=True)
    finally:
        if args.keep:
            print(f"repositories kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    total = sum(2 for c in selected if not (c[3] and not hasattr(os, "mkfifo")))
    print(f"\n{total - failed} of {total} runs pass (targets: < {MAX_SECONDS:.0f} s, < {MAX_MB:.0f} MB, "
          f"exit code in {{0, 1, 2}}, no signal; killed after {KILL_AFTER:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
