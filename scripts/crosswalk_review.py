"""Check the shipped crosswalk (专业类 → GB/T 4754 大类) against the 专业–职业 mapping (2023).

The public folder has no 对应行业 column for majors; the nearest official-derived source is
``major_occupation_mapping_2023.csv`` (人社部《职业信息与教育培训项目（专业）信息对应指引（2023年版）》,
hand-compiled, "仅供参考").  Its occupation codes follow the 职业分类大典: the equipment-manufacturing
middle classes 6-20 … 6-26 correspond one to one to the GB/T 4754 大类 34 … 40 (通用设备 6-20 → 34,
专用设备 6-21 → 35, 汽车 6-22 → 36, 铁路船舶航空 6-23 → 37, 电气机械 6-24 → 38, 计算机通信电子 6-25 → 39,
仪器仪表 6-26 → 40).  For each vocational category this script counts, per industry 34 … 40, how many of
its majors have at least one occupation in the matching class, and prints the categories where

* majors point to an industry the crosswalk does not reach (``missing``), or
* the crosswalk weights an industry none of the majors' occupations point to (``unsupported``).

Usage: ``python scripts/crosswalk_review.py [PUBLIC_DIR]`` (default ``../shared/data/public``).
Only prints; the review and the changes made are in ``docs/crosswalk-review.md``.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OCC_CLASS_TO_INDUSTRY = {"6-20": "34", "6-21": "35", "6-22": "36", "6-23": "37", "6-24": "38", "6-25": "39",
                         "6-26": "40"}


def main(public: Path) -> int:
    catalog = {r["专业代码"]: r["专业类代码"] for r in csv.DictReader(
        (public / "vocational_major_catalog_2021_upd2025.csv").open(encoding="utf-8"))}
    names = {r["code"]: r["name"] + "（" + r["level"] + "）" for r in csv.DictReader(
        (REPO / "iekg/data/reference/major_categories.csv").open(encoding="utf-8"))}
    majors_of: dict[str, set[str]] = defaultdict(set)
    hits: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in csv.DictReader((public / "major_occupation_mapping_2023.csv").open(encoding="utf-8")):
        cat = catalog.get(r["专业代码"])
        if cat is None:
            continue
        majors_of[cat].add(r["专业代码"])
        ind = OCC_CLASS_TO_INDUSTRY.get(r["职业编码"][:4])
        if ind:
            hits[cat][ind].add(r["专业名称"])
    weights: dict[str, dict[str, float]] = defaultdict(dict)
    for r in csv.DictReader((REPO / "iekg/data/reference/crosswalk.csv").open(encoding="utf-8")):
        weights[r["category_code"]][r["industry_code"]] = float(r["weight"])
    print("category\tname\tindustry\tweight\tmajors pointing there (of majors mapped)\tfinding")
    for cat in sorted(majors_of):
        n = len(majors_of[cat])
        for ind in sorted(set(OCC_CLASS_TO_INDUSTRY.values())):
            got = hits[cat].get(ind, set())
            w = weights[cat].get(ind)
            if got and w is None and len(got) * 3 >= n:
                finding = "missing"
            elif w is not None and w >= 0.3 and not got and any(hits[cat].values()):
                finding = "unsupported"
            else:
                continue
            print(f"{cat}\t{names.get(cat, '')}\t{ind}\t{w if w is not None else '-'}\t"
                  f"{len(got)}/{n} {'、'.join(sorted(got)[:4])}\t{finding}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "data" / "public"))
