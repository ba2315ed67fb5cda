#!/usr/bin/env python3
"""Whole-scan benchmarks of the release binary: wall time (median of runs), files/s, MB/s
and peak RSS, on the real-world corpus and on synthetic projects (bench/generate.py).

Usage: bench/run.py [--runs N] [--sizes 1000,10000,100000] [--no-corpus]
Builds nothing: run `cargo build --release` first.
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "acrlint")


def tree_size(path):
    files = 0
    size = 0
    for d, dirs, names in os.walk(path):
        dirs[:] = [x for x in dirs if x not in (".git", ".terraform", "node_modules")]
        for n in names:
            if n.rsplit(".", 1)[-1] in ("tf", "tfvars", "bicep", "bicepparam", "json", "yaml", "yml"):
                files += 1
                size += os.path.getsize(os.path.join(d, n))
    return files, size


def measure(label, path, runs):
    files, size = tree_size(path)
    times = []
    for _ in range(runs):
        # Each run in its own child, so that ru_maxrss below is the scan's peak.
        code = (
            "import resource,subprocess,sys,time;"
            "t=time.perf_counter();"
            f"subprocess.run([{BIN!r},'check',{path!r},'--format','json','--fail-on','never'],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL,check=True);"
            "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        t, rss = out.stdout.split()
        times.append((float(t), int(rss)))
    wall = statistics.median(t for t, _ in times)
    # ru_maxrss is in KiB; every figure below is in decimal MB (10^6 bytes), as the input size.
    rss = max(r for _, r in times) * 1024
    print(
        f"{label:<28} {files:>7} files {size / 1e6:>8.1f} MB  {wall * 1000:>9.1f} ms  "
        f"{files / wall:>9.0f} files/s {size / 1e6 / wall:>7.1f} MB/s  peak RSS {rss / 1e6:>7.1f} MB "
        f"({rss / max(size, 1):.2f}x input)"
    )
    return wall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--no-corpus", action="store_true")
    args = ap.parse_args()
    if not os.path.exists(BIN):
        sys.exit("build first: cargo build --release")
    corpus = os.path.join(ROOT, "..", "shared", "corpus")
    if not args.no_corpus and os.path.isdir(corpus):
        measure("corpus (../shared/corpus)", os.path.normpath(corpus), args.runs)
    previous = None
    for n in [int(x) for x in args.sizes.split(",") if x]:
        with tempfile.TemporaryDirectory() as d:
            subprocess.run([sys.executable, os.path.join(ROOT, "bench", "generate.py"), d, str(n)],
                           check=True, stdout=subprocess.DEVNULL)
            wall = measure(f"synthetic {n}", d, max(1, args.runs if n <= 10000 else 2))
            if previous:
                print(f"{'':<28} growth vs previous size: {wall / previous[1]:.2f}x time for {n / previous[0]:.0f}x files")
            previous = (n, wall)


if __name__ == "__main__":
    main()
