"""Extract the seed notice 豫发改社会〔2022〕646号 into the shipped reference CSVs.

    .venv/bin/python scripts/extract_notice.py [SEED] [--out DIR] [--check]

Writes ``notice_policies.csv``, ``notice_targets.csv`` and ``notice_tasks.csv`` (UTF-8, English key
headers: the table's columns, its extra columns, then ``source``) into ``iekg/data/reference/``.
SEED defaults to ``$IEKG_SEED_NOTICE`` or ``../shared/seed/000_f5d06498539f6ee6.txt`` beside the repository.
With ``--check`` nothing is written: the exit status is 1 when the shipped CSVs differ from the parse.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from iekg.loaders.notice import (  # noqa: E402
    NOTICE_CSV_FILES,
    REFERENCE_DIR,
    parse_notice,
    read_notice_csvs,
    write_notice_csvs,
)

DEFAULT_SEED = REPO.parent / "shared" / "seed" / "000_f5d06498539f6ee6.txt"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("seed", nargs="?", default=os.environ.get("IEKG_SEED_NOTICE", str(DEFAULT_SEED)),
                    help="the notice text file")
    ap.add_argument("--out", default=str(REFERENCE_DIR), help="output directory")
    ap.add_argument("--check", action="store_true", help="compare with the CSVs in --out, write nothing")
    args = ap.parse_args(argv)

    tables = parse_notice(args.seed)
    if args.check:
        shipped = read_notice_csvs(args.out)
        differ = [t.table for t, s in zip(tables, shipped, strict=True)
                  if [r.values for r in t.rows] != [r.values for r in s.rows]]
        for name in differ:
            print(f"{Path(args.out) / NOTICE_CSV_FILES[name]} differs from the parse of {args.seed}")
        return 1 if differ else 0
    for path, table in zip(write_notice_csvs(tables, args.out), tables, strict=True):
        print(f"{path}: {len(table.rows)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
