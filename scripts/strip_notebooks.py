#!/usr/bin/env python3
"""Strip the outputs of the notebooks before committing them (outputs, execution counts, run metadata).

    .venv/bin/python scripts/strip_notebooks.py            # strip notebooks/*.ipynb in place
    .venv/bin/python scripts/strip_notebooks.py --check    # exit 1 if any notebook has outputs
    .venv/bin/python scripts/strip_notebooks.py FILE.ipynb …

Cell tags (``metadata.tags``) stay: the tests find the cells they check by tag.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
KEEP_CELL_METADATA = ("tags",)
KEEP_NB_METADATA = ("kernelspec", "language_info")


def dirty(nb: nbformat.NotebookNode) -> list[str]:
    """What in ``nb`` would be stripped (empty when the notebook is clean)."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            if cell.get("outputs"):
                found.append(f"cell {i}: outputs")
            if cell.get("execution_count") is not None:
                found.append(f"cell {i}: execution_count")
        extra = sorted(set(cell.get("metadata", {})) - set(KEEP_CELL_METADATA))
        if extra:
            found.append(f"cell {i}: metadata {extra}")
    extra = sorted(set(nb.metadata) - set(KEEP_NB_METADATA))
    extra += [f"language_info.{k}" for k in nb.metadata.get("language_info", {}) if k != "name"]
    if extra:
        found.append(f"notebook metadata {extra}")
    return found


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata = {k: v for k, v in cell.get("metadata", {}).items() if k in KEEP_CELL_METADATA}
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in KEEP_NB_METADATA}
    if "language_info" in nb.metadata:  # the kernel's version details change from machine to machine
        nb.metadata["language_info"] = {"name": nb.metadata["language_info"].get("name", "python")}
    return nb


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", type=Path, help="notebooks (default: notebooks/*.ipynb)")
    ap.add_argument("--check", action="store_true", help="only report; exit 1 when a notebook has outputs")
    args = ap.parse_args(argv)
    paths = args.paths or sorted((REPO / "notebooks").glob("*.ipynb"))
    bad = 0
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        found = dirty(nb)
        if not found:
            continue
        if args.check:
            bad += 1
            print(f"{path}: {'; '.join(found[:5])}{' …' if len(found) > 5 else ''}")
        else:
            nbformat.write(strip(nb), path)
            print(f"stripped {path}")
    if args.check and bad:
        print(f"{bad} notebook(s) not stripped: run scripts/strip_notebooks.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
