"""The demo generator's inputs: the records it builds on and the public and reference files it reads.

Part of the demo generator (:mod:`iekg.demo.generate`)."""

from __future__ import annotations

import csv
import os
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from iekg.demo.vocabulary import (
    CITY_BY_NAME,
    CITY_CODES,
    CITY_NAME,
    CITY_SHORT,
    DEFAULT_REFERENCE_DIR,
    PACKAGE_DIR,
    PROVENANCE,
    SRC_UG,
    SRC_VOC,
    THEMES,
    YEARS,
)
from iekg.loaders.tables import TABLES


# ========================================================================================= data model
@dataclass(frozen=True)
class Major:
    code: str
    name: str
    category_code: str
    category_name: str
    division_code: str
    level: str
    source: str


@dataclass
class Institution:
    id: str
    name: str
    city: str
    level: str
    ownership: str
    real: bool
    themes: tuple[str, ...] = ()
    # The level whose majors it offered in the program years (the 2024 list's level when it was upgraded
    # from 专科 in 2025) and the first program year (2024 for schools that are not in the 2024 list).
    program_level: str = ""
    first_year: int = YEARS[0]
    majors: dict[int, list[str]] = field(default_factory=dict)
    industries: list[str] = field(default_factory=list)  # supplied 大类, strongest first


@dataclass
class Enterprise:
    id: str
    name: str
    city: str
    industry: str
    employees: int
    chain_id: str = ""
    segment_id: str = ""
    chain_role: str = ""
    iei_level: str = ""
    iei_year: str = ""


@dataclass
class Segment:
    id: str
    chain_id: str
    industries: tuple[str, ...]


@dataclass
class Reference:
    industries: dict[str, str]  # code → name
    categories: set[str]
    cw_category: dict[str, dict[str, float]]  # category → 大类 → weight
    cw_major: dict[str, dict[str, float]]
    chains: dict[str, tuple[str, str]]  # id → (name, cluster)
    segments: dict[str, list[Segment]]  # chain id → segments (with at least one known industry)


def _columns(table: str) -> tuple[str, ...]:
    return tuple(c.key for c in TABLES[table].columns) + PROVENANCE


@dataclass
class Dataset:
    """Rows per table as tuples in the order of ``_columns(table)``."""

    rows: dict[str, list[tuple[str, ...]]] = field(default_factory=lambda: defaultdict(list))


# ============================================================================================ helpers
def _rng(seed: int, scale: int, part: str) -> random.Random:
    return random.Random(f"iekg-demo/{seed}/{scale}/{part}")


def _weighted(rng: random.Random, items: Sequence[str], weights: Sequence[float]) -> str:
    return rng.choices(items, weights=weights, k=1)[0]


def _rate(x: float) -> str:
    return f"{min(max(x, 0.0), 1.0):.3f}"


def _clamp(x: float, lo: float, hi: float) -> float:
    return min(max(x, lo), hi)


def _roll(code: str) -> str:
    """A GB/T 4754 code rolled up to its 大类 (letters are kept)."""
    code = code.strip()
    return code[:2] if len(code) >= 2 and code[:2].isdigit() else code


def _split_list(cell: str) -> list[str]:
    for sep in ("；", "、"):
        cell = cell.replace(sep, ";")
    return [p.strip() for p in cell.split(";") if p.strip()]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def _read_reference_table(ref_dir: Path, table: str, required: bool = True) -> list[dict[str, str]]:
    """A shipped reference table with its headers mapped to the canonical keys (English or Chinese)."""
    path = ref_dir / f"{table}.csv"
    if not path.is_file():
        if required:
            raise FileNotFoundError(f"reference table {table}.csv not found in {ref_dir}")
        return []
    header_map: dict[str, str] = {}
    for col in TABLES[table].columns:
        header_map[col.key] = col.key
        header_map[col.zh] = col.key
        for alias in col.aliases:
            header_map[alias] = col.key
    out = []
    for row in _read_csv(path):
        out.append({header_map.get(k, k): v for k, v in row.items()})
    return out


# The shipped demo was generated with the crosswalk as it was before the review of 2026-12
# (docs/crosswalk-review.md).  The generator draws its programmes and demand through the crosswalk, so any
# changed weight reshuffles the whole illustrative dataset (and every figure quoted from it).  These rows keep
# the generation as it was; the queries always use the shipped crosswalk as it is now.  Remove an entry (and
# regenerate) to generate with the reviewed weights.
GENERATION_CROSSWALK_PIN: dict[str, dict[str, float]] = {
    **{c: {"38": 0.4, "34": 0.3, "40": 0.2, "65": 0.1} for c in ("6603", "4603", "2603")},
    "0826": {"35": 0.6, "84": 0.4},
}


def default_public_dir() -> Path:
    env = os.environ.get("IEKG_PUBLIC_DIR")
    return Path(env) if env else PACKAGE_DIR.parent.parent / "shared" / "data" / "public"


# ======================================================================================== load inputs
def load_reference(ref_dir: Path) -> Reference:
    cities = {r.get("code", "") for r in _read_reference_table(ref_dir, "cities")}
    missing = [c for c in CITY_CODES if c not in cities]
    if missing:
        raise ValueError(f"reference cities.csv lacks the Henan cities {missing}")
    industries = {r["code"]: r.get("name", "")
                  for r in _read_reference_table(ref_dir, "industries") if r.get("code")}
    categories = {r["code"] for r in _read_reference_table(ref_dir, "major_categories", False)
                  if r.get("code")}
    cw_category: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    cw_major: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in _read_reference_table(ref_dir, "crosswalk"):
        ind = _roll(r.get("industry_code", ""))
        if ind not in industries:
            continue
        try:
            w = float(r.get("weight", "") or 0)
        except ValueError:
            continue
        if w <= 0:
            continue
        if r.get("major_code"):
            cw_major[r["major_code"]][ind] += w
        elif r.get("category_code"):
            cw_category[r["category_code"]][ind] += w
    if Path(ref_dir).resolve() == DEFAULT_REFERENCE_DIR.resolve():
        cw_category.update(GENERATION_CROSSWALK_PIN)  # see GENERATION_CROSSWALK_PIN
    chains = {r["id"]: (r.get("name", ""), r.get("cluster", ""))
              for r in _read_reference_table(ref_dir, "chains")}
    segments: dict[str, list[Segment]] = defaultdict(list)
    for r in _read_reference_table(ref_dir, "chain_segments"):
        if r.get("chain_id") not in chains:
            continue
        inds = sorted({_roll(c) for c in _split_list(r.get("industry_codes", ""))} & set(industries))
        if inds:
            segments[r["chain_id"]].append(Segment(r["id"], r["chain_id"], tuple(inds)))
    for segs in segments.values():
        segs.sort(key=lambda s: s.id)
    return Reference(
        industries=industries, categories=categories,
        cw_category={k: dict(v) for k, v in cw_category.items()},
        cw_major={k: dict(v) for k, v in cw_major.items()},
        chains=chains, segments=dict(segments),
    )


def load_institutions(public_dir: Path) -> list[Institution]:
    """The Henan institutions of the 2025 MOE list (with their 2024 level, if they were in that list)."""
    all_rows = _read_csv(public_dir / "henan_hei_2024_2025.csv")
    rows = [r for r in all_rows if r.get("版本", "").startswith("2025")]
    level_2024 = {r["学校标识码"]: r["办学层次"] for r in all_rows if r.get("版本", "").startswith("2024")}
    out = []
    for r in rows:
        name = r["学校名称"]
        city = CITY_BY_NAME.get(r["所在地"])
        if city is None:
            raise ValueError(f"unknown 所在地 {r['所在地']!r} for {name}")
        if r["办学层次"] == "本科":
            level = "职业本科" if ("职业技术大学" in name or "职业大学" in name) else "本科"
        else:
            level = "高职专科"
        ownership = "民办" if "民办" in r.get("备注", "") else "公办"
        iid = r["学校标识码"]
        program_level = "高职专科" if level_2024.get(iid) == "专科" else level
        first_year = YEARS[0] if (iid in level_2024 or not level_2024) else YEARS[-1]
        out.append(Institution(iid, name, city, level, ownership, True, _themes(name), program_level, first_year))
    out.sort(key=lambda i: i.id)
    return out


def load_majors(public_dir: Path) -> list[Major]:
    out = []
    for r in _read_csv(public_dir / "vocational_major_catalog_2021_upd2025.csv"):
        level = {"高职专科": "高职专科", "职教本科": "职业本科"}.get(r["层次"])
        if level:
            out.append(Major(r["专业代码"], r["专业名称"], r["专业类代码"], r["专业类"], r["专业大类代码"], level, SRC_VOC))
    for r in _read_csv(public_dir / "undergraduate_major_catalog_2024.csv"):
        if r["itemLevel"] == "MAJOR":
            out.append(Major(r["majorCode"], r["majorName"], r["classCode"], r["className"],
                             r["categoryCode"],
                             "本科", SRC_UG))
    out.sort(key=lambda m: m.code)
    return out


def load_zones(public_dir: Path) -> list[tuple[str, str, str, str]]:
    """Real statistical function zones that are development/industrial zones: (code, name, city, kind)."""
    out = []
    for r in _read_csv(public_dir / "henan_admin_divisions.csv"):
        name, note = r.get("name", ""), r.get("note", "")
        if "功能区" not in note or r.get("parent_code6") not in CITY_NAME:
            continue
        if "开发区" in name or "实验区" in name:
            out.append((r["code6"], name, r["parent_code6"], "开发区"))
        elif "园区" in name or "聚集区" in name:
            out.append((r["code6"], name, r["parent_code6"], "产业园区"))
    return sorted(out)


def _themes(name: str) -> tuple[str, ...]:
    stripped = name
    for short in (*CITY_SHORT.values(), "河南", "中原", "黄河", "黄淮", "嵩山", "豫北", "长垣", "兰考", "永城",
                  "汝州", "林州", "西亚斯"):
        stripped = stripped.replace(short, "")
    return tuple(t for t, (kws, _, _) in THEMES.items() if any(k in stripped for k in kws))


# ========================================================================================= generator

def _cum(weights: Iterable[float]) -> Iterable[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total
