#!/usr/bin/env python3
"""Regenerate the derivable reference tables of iekg from the public reference files.

Writes, in ``iekg/data/reference/``:

* ``cities.csv``            Henan province, its 17 prefecture-level cities and 济源 (419001)
* ``industries.csv``        GB/T 4754-2017: 20 门类 and 97 大类 (official names; known wrong names corrected)
* ``major_divisions.csv``   专业大类 of the vocational catalogue (3 levels) and 学科门类 of the undergraduate one
* ``major_categories.csv``  专业类 of both catalogues

The hand-made tables (``crosswalk.csv``, ``chains.csv``, ``chain_segments.csv``) are not touched.

Usage::

    python scripts/build_reference.py [PUBLIC_DIR] [--out DIR] [--check]

PUBLIC_DIR defaults to ``../shared/data/public`` relative to the repository.  ``--check`` writes nothing
and exits with status 1 when a committed file differs from what the public files give.

Only the Python standard library is used, so the script runs anywhere the repository is checked out.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PUBLIC = REPO.parent / "shared" / "data" / "public"
DEFAULT_OUT = REPO / "iekg" / "data" / "reference"

ADMIN_FILE = "henan_admin_divisions.csv"
GBT_FILE = "gbt4754_2017_industry_1d.csv"
VOC_FILE = "vocational_major_catalog_2021_upd2025.csv"
UG_FILE = "undergraduate_major_catalog_2024.csv"

# Names of GB/T 4754-2017 大类 that the public file gets wrong (2011-edition or shortened names).
# code -> (name in the public file, official name in GB/T 4754-2017)
INDUSTRY_NAME_CORRECTIONS: dict[str, tuple[str, str]] = {
    "37": ("铁路运输设备制造", "铁路、船舶、航空航天和其他运输设备制造业"),
    "84": ("卫生服务", "卫生"),
}

# The catalogue file spells the vocational bachelor level 职教本科; the contract's enumeration says 职业本科.
LEVEL_NAMES = {"中职": "中职", "高职专科": "高职专科", "职教本科": "职业本科"}

SRC_ADMIN = (f"{ADMIN_FILE}（公开数据，派生自 modood/Administrative-divisions-of-China，"
             "2023年统计用区划代码）")
SRC_GBT = f"GB/T 4754-2017 国民经济行业分类；派生自 {GBT_FILE}（caihy05/CN_industry_code_2017）"
SRC_VOC = f"职业教育专业目录（2021年，含至2025年12月的增补）；派生自 {VOC_FILE}（flyboat403/occupation-analysis）"
SRC_UG = f"普通高等学校本科专业目录（2024年）；派生自 {UG_FILE}（p180j/gk-job-helper）"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def to_csv(header: list[str], rows: Iterable[dict[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n", extrasaction="raise")
    w.writeheader()
    for r in rows:
        w.writerow({k: r.get(k, "") for k in header})
    return buf.getvalue()


# ------------------------------------------------------------------------------------------- cities
def build_cities(public: Path) -> str:
    rows = read_csv(public / ADMIN_FILE)
    by_code = {r["code6"]: r for r in rows}
    prov = by_code["410000"]
    out = [{"code": "410000", "name": prov["name"], "province_code": "", "source": SRC_ADMIN, "note": "省级"}]
    cities = sorted((r for r in rows if r["level"] == "地级" and r["parent_code6"] == "410000"
                     and r["code6"] != "419000"), key=lambda r: r["code6"])
    for r in cities:
        out.append({"code": r["code6"], "name": r["name"], "province_code": "410000", "source": SRC_ADMIN,
                    "note": "省辖市（地级市）"})
    jy = by_code["419001"]
    out.append({"code": "419001", "name": jy["name"], "province_code": "410000", "source": SRC_ADMIN,
                "note": "济源示范区：省直辖县级行政单位，统计用区划代码中归入419000（省直辖县级行政区划），"
                        "在省级规划中与17个省辖市并列"})
    if len(out) != 19:
        raise SystemExit(f"cities: expected 19 rows (province + 17 cities + 济源), got {len(out)}")
    header = ["code", "name", "province_code", "gdp", "population", "year", "source", "note"]
    return to_csv(header, out)


# --------------------------------------------------------------------------------------- industries
def build_industries(public: Path) -> str:
    rows = read_csv(public / GBT_FILE)
    out = []
    seen_corrections = set()
    for r in rows:
        code, name, parent, level = r["INDUSTRY_ID"], r["NAME"], r["PARENT_ID"], r["LEVEL_TYPE"]
        if level == "0" and len(code) == 1 and code.isalpha():
            out.append({"code": code, "name": name, "parent_code": "", "source": SRC_GBT, "level": "门类",
                        "note": ""})
        elif level == "1" and len(code) == 2 and code.isdigit():
            note = ""
            if code in INDUSTRY_NAME_CORRECTIONS:
                wrong, official = INDUSTRY_NAME_CORRECTIONS[code]
                if name != wrong:
                    raise SystemExit(f"industries: {code} is '{name}' in the public file, expected '{wrong}'")
                note = f"名称已按GB/T 4754-2017更正（公开文件为“{wrong}”）"
                name = official
                seen_corrections.add(code)
            out.append({"code": code, "name": name, "parent_code": parent, "source": SRC_GBT, "level": "大类",
                        "note": note})
    letters = [r for r in out if r["level"] == "门类"]
    twos = [r for r in out if r["level"] == "大类"]
    if len(letters) != 20 or len(twos) != 97:
        raise SystemExit(f"industries: expected 20 门类 and 97 大类, got {len(letters)} and {len(twos)}")
    if seen_corrections != set(INDUSTRY_NAME_CORRECTIONS):
        raise SystemExit("industries: not every known name correction was applied")
    letter_set = {r["code"] for r in letters}
    for r in twos:
        if r["parent_code"] not in letter_set:
            raise SystemExit(f"industries: 大类 {r['code']} has parent {r['parent_code']!r}, not a 门类")
    # 门类 first (A..T), then 大类 (01..97)
    out = sorted(letters, key=lambda r: r["code"]) + sorted(twos, key=lambda r: r["code"])
    return to_csv(["code", "name", "parent_code", "level", "source", "note"], out)


# ---------------------------------------------------------------------------------- major catalogues
def _catalogues(public: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    voc = read_csv(public / VOC_FILE)
    ug = read_csv(public / UG_FILE)
    divisions: dict[str, dict[str, str]] = {}
    categories: dict[str, dict[str, str]] = {}
    for r in voc:
        level = LEVEL_NAMES[r["层次"]]
        d, c = r["专业大类代码"], r["专业类代码"]
        prev = divisions.setdefault(d, {"code": d, "name": r["专业大类"], "level": level, "source": SRC_VOC})
        if (prev["name"], prev["level"]) != (r["专业大类"], level):
            raise SystemExit(f"major_divisions: {d} is inconsistent in {VOC_FILE}")
        prev = categories.setdefault(c, {"code": c, "name": r["专业类"], "division_code": d, "level": level,
                                         "source": SRC_VOC})
        if (prev["name"], prev["division_code"], prev["level"]) != (r["专业类"], d, level):
            raise SystemExit(f"major_categories: {c} is inconsistent in {VOC_FILE}")
    for r in ug:
        if r["itemLevel"] == "CATEGORY":
            code = r["categoryCode"]
            if code in divisions:
                raise SystemExit(f"major_divisions: undergraduate 门类 {code} collides with a vocational code")
            divisions[code] = {"code": code, "name": r["categoryName"], "level": "本科", "source": SRC_UG}
        elif r["itemLevel"] == "CLASS":
            code = r["classCode"]
            if code in categories:
                raise SystemExit(f"major_categories: undergraduate 专业类 {code} collides with a vocational code")
            categories[code] = {"code": code, "name": r["className"], "division_code": r["parentCode"],
                                "level": "本科", "source": SRC_UG}
    div_rows = sorted(divisions.values(), key=lambda r: (_level_order(r["level"]), r["code"]))
    cat_rows = sorted(categories.values(), key=lambda r: (_level_order(r["level"]), r["code"]))
    counts: dict[str, list[int]] = {}
    for r in div_rows:
        counts.setdefault(r["level"], [0, 0])[0] += 1
    for r in cat_rows:
        counts.setdefault(r["level"], [0, 0])[1] += 1
        if r["division_code"] not in divisions:
            raise SystemExit(f"major_categories: {r['code']} points to unknown division {r['division_code']}")
    expected = {"中职": [19, 88], "高职专科": [19, 92], "职业本科": [19, 92], "本科": [12, 93]}
    if counts != expected:
        raise SystemExit(f"major catalogues: counts per level {counts} differ from {expected}")
    return div_rows, cat_rows


def _level_order(level: str) -> int:
    return ["中职", "高职专科", "职业本科", "本科"].index(level)


def build_major_divisions(public: Path) -> str:
    divs, _ = _catalogues(public)
    return to_csv(["code", "name", "level", "source"], divs)


def build_major_categories(public: Path) -> str:
    _, cats = _catalogues(public)
    return to_csv(["code", "name", "division_code", "level", "source"], cats)


BUILDERS = {
    "cities.csv": build_cities,
    "industries.csv": build_industries,
    "major_divisions.csv": build_major_divisions,
    "major_categories.csv": build_major_categories,
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("public_dir", nargs="?", type=Path, default=DEFAULT_PUBLIC,
                    help="folder with the public reference files (default: ../shared/data/public)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: iekg/data/reference)")
    ap.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    args = ap.parse_args(argv)
    public: Path = args.public_dir
    if not public.is_dir():
        print(f"public reference folder not found: {public}", file=sys.stderr)
        return 2
    differ = []
    for fname, build in BUILDERS.items():
        text = build(public)
        target = args.out / fname
        if args.check:
            current = target.read_text(encoding="utf-8") if target.is_file() else None
            if current != text:
                differ.append(fname)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="")
            print(f"wrote {target} ({text.count(chr(10)) - 1} rows)")
    if args.check:
        if differ:
            print("differ from the public files: " + ", ".join(differ), file=sys.stderr)
            return 1
        print("reference tables are up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
