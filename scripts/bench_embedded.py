"""Benchmark of the embedded store (SQLite): seconds and peak memory of the commands a planner runs, each in a
fresh process, on the generated demo data at several scales.

    .venv/bin/python scripts/bench_embedded.py --scale 1 --scale 100 [--work DIR]

For each scale it generates the data (``python -m iekg.demo.generate --scale N``) unless ``--work``
already holds it, builds a graph from it alone (``iekg build --no-demo --data``) in a new home, then runs
``iekg info``, ``iekg align --city 410200``, ``iekg align --province 410000``, ``iekg readiness --all`` and
``iekg path`` (an institution to an industry chain), each under GNU ``/usr/bin/time -v`` (wall seconds, CPU
seconds = user + system, maximum resident set size), and prints one Markdown table.  On a shared machine the
CPU seconds are the steadier figure.  Figures, not assertions: nothing here fails
because a machine is slow.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PY = sys.executable
_SCRIPT = Path(PY).with_name("iekg")
IEKG = [str(_SCRIPT)] if _SCRIPT.exists() else [PY, "-c", "from iekg.cli import main; main()"]
TIME = "/usr/bin/time"
INSTITUTION, CHAIN = "Institution:4141012058", "IndustryChain:HN-AE-01"

COMMANDS: list[tuple[str, list[str]]] = [
    ("iekg build --no-demo --data <scale N>", ["build", "--no-demo", "--data", "{data}"]),
    ("iekg info (fresh process)", ["info"]),
    ("iekg align --city 410200", ["align", "--city", "410200"]),
    ("iekg align --province 410000", ["align", "--province", "410000"]),
    ("iekg readiness --all", ["readiness", "--all"]),
    (f"iekg path {INSTITUTION} {CHAIN}", ["path", INSTITUTION, CHAIN]),
]


# A national-scale folder is bigger than an office's file may be by default (employment.csv at scale 100:
# 1.96 million rows, 215 MB): the benchmark raises the import limits for its own runs, unless they are set.
LIMITS = {"IEKG_MAX_FILE_BYTES": "2000000000", "IEKG_MAX_ROWS": "5000000", "IEKG_MAX_CELLS": "100000000",
          "IEKG_MAX_PARSE_SECONDS": "3000"}


def timed(args: list[str]) -> tuple[float, float, int, str, float]:
    """(wall seconds, peak RSS in MB, exit code, last line of stderr, CPU seconds) of one command."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        p = subprocess.run([TIME, "-v", "-o", t.name, *args], capture_output=True, text=True)
        report = Path(t.name).read_text()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", report)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report)
    seconds = 0.0
    if wall:
        for part in wall.group(1).split(":"):
            seconds = seconds * 60 + float(part)
    tail = (p.stderr.strip().splitlines() or [""])[-1][:120]
    cpu = sum(float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", report))
    return seconds, (int(rss.group(1)) / 1024 if rss else float("nan")), p.returncode, tail, cpu


def data_for(scale: int, work: Path) -> Path:
    d = work / f"scale{scale}"
    if not (d / "programs.csv").exists():
        subprocess.run([PY, "-m", "iekg.demo.generate", "--scale", str(scale), "--out", str(d)], check=True,
                       stdout=subprocess.DEVNULL)
    return d


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, action="append", help="demo scale (repeatable; default 1)")
    ap.add_argument("--work", type=Path, help="folder for the generated data and the homes (default: a temp dir)")
    ap.add_argument("--reuse", action="store_true", help="keep a graph already built in --work (queries only)")
    args = ap.parse_args()
    for k, v in LIMITS.items():
        os.environ.setdefault(k, v)
    scales = args.scale or [1]
    work = args.work or Path(tempfile.mkdtemp(prefix="iekg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results: dict[int, list[tuple[float, float, int, str, float]]] = {}
    sizes: dict[int, str] = {}
    for scale in scales:
        data = data_for(scale, work)
        home = work / f"home{scale}"
        reuse = args.reuse and (home / "graph.sqlite").exists()
        if not reuse:
            shutil.rmtree(home, ignore_errors=True)
        results[scale] = []
        for label, cmd in COMMANDS:
            if reuse and cmd[0] == "build":
                results[scale].append((float("nan"), float("nan"), 0, "", float("nan")))
                continue
            row = timed([*IEKG, "--home", str(home), *[c.format(data=data) for c in cmd]])
            results[scale].append(row)
            print(f"scale {scale}: {label}: {row[0]:.2f} s ({row[4]:.2f} s CPU), {row[1]:.0f} MB, exit {row[2]} "
                  f"{row[3]}", file=sys.stderr, flush=True)
        db = home / "graph.sqlite"
        sizes[scale] = f"{db.stat().st_size / 2**20:.0f} MB" if db.exists() else "-"
    head = "| command | " + " | ".join(f"scale {s}: wall s | scale {s}: CPU s | scale {s}: peak MB" for s in scales)
    print(head + " |")
    print("| --- |" + " ---: | ---: | ---: |" * len(scales))
    for i, (label, _) in enumerate(COMMANDS):
        cells = []
        for s in scales:
            sec, mb, rc, tail, cpu = results[s][i]
            cells += [f"{sec:.2f}" + ("" if rc == 0 else f" (exit {rc}: {tail})"), f"{cpu:.2f}", f"{mb:.0f}"]
        print(f"| `{label}` | " + " | ".join(cells) + " |")
    print("\ngraph.sqlite: " + ", ".join(f"scale {s}: {sizes[s]}" for s in scales))


if __name__ == "__main__":
    main()
