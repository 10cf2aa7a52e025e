"""The city map: a 所在地 or city name → its 6-digit division code, from the division files."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from iekg.loaders.official.common import PathLike, norm, read_sheets, records

# Where the default division files are looked for (besides the directory of the file being read).
PUBLIC_DIR_ENV = "IEKG_PUBLIC_DIR"

# Fallback when no division file can be found: Henan's 17 cities, 济源 and the province.
HENAN_CITY_CODES: dict[str, str] = {
    "河南省": "410000", "郑州市": "410100", "开封市": "410200", "洛阳市": "410300", "平顶山市": "410400",
    "安阳市": "410500", "鹤壁市": "410600", "新乡市": "410700", "焦作市": "410800", "濮阳市": "410900",
    "许昌市": "411000", "漯河市": "411100", "三门峡市": "411200", "南阳市": "411300", "商丘市": "411400",
    "信阳市": "411500", "周口市": "411600", "驻马店市": "411700", "济源市": "419001",
}


def csv_records(path: Path) -> list[dict[str, str]]:
    """The records of a division CSV (a first-row header; see :func:`~iekg.loaders.official.common.records`)."""
    return [r for _, r in records(read_sheets(path)[0])]


_GROUPING_NAMES = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


def is_grouping(code4: str, name: str) -> bool:
    """City-level codes that group counties rather than name a city (4190, 5002 县, ...)."""
    return name in _GROUPING_NAMES[1:] or code4[2:4] == "90"


def city_code_map(public_dir: PathLike) -> dict[str, str]:
    """City name → 6-digit code from the division files in ``public_dir``.

    * ``cn_admin_cities.csv``: 4-digit city code + ``00``; the 市辖区 of a 直辖市 is mapped under the
      province's name (北京市 → 110100), grouping codes (4190, 5002 县) are skipped;
    * ``cn_admin_provinces.csv``: province names (河南省 → 410000) unless a city took the name;
    * ``henan_admin_divisions.csv``: 济源市 → 419001 (county-level city under 4190) and Henan's cities;
    * ``cn_admin_areas.csv`` (optional, lowest priority): county-level cities directly under a
      province (仙桃市 → 429004) get their own code; any other county name that is unique in the
      country maps to its city (昆山市 → 320500).
    """
    d = Path(public_dir)
    out: dict[str, str] = {}
    provinces: dict[str, str] = {}
    if (d / "cn_admin_provinces.csv").is_file():
        provinces = {r["code"]: r["name"] for r in csv_records(d / "cn_admin_provinces.csv")}
    if (d / "cn_admin_cities.csv").is_file():
        for r in csv_records(d / "cn_admin_cities.csv"):
            code4, name = r["code"], r["name"]
            if name == "市辖区" and r.get("provinceCode") in provinces:
                out.setdefault(provinces[r["provinceCode"]], code4 + "00")
            elif not is_grouping(code4, name):
                out.setdefault(name, code4 + "00")
    for code2, pname in provinces.items():
        out.setdefault(pname, code2 + "0000")
    if (d / "henan_admin_divisions.csv").is_file():
        rows = csv_records(d / "henan_admin_divisions.csv")
        groupings = {r["code6"] for r in rows if r["level"] == "地级" and is_grouping(r["code6"][:4], r["name"])}
        for r in rows:
            if r["level"] in ("省级", "地级") and r["code6"] not in groupings:
                out.setdefault(r["name"], r["code6"])
            elif r["level"] == "县级" and r["parent_code6"] in groupings:
                out.setdefault(r["name"], r["code6"])
    if (d / "cn_admin_areas.csv").is_file():
        rows = csv_records(d / "cn_admin_areas.csv")
        city_names = {r["code"]: r["name"] for r in csv_records(d / "cn_admin_cities.csv")} \
            if (d / "cn_admin_cities.csv").is_file() else {}
        seen: dict[str, int] = {}
        for r in rows:
            seen[r["name"]] = seen.get(r["name"], 0) + 1
        for r in rows:
            name, city4 = r["name"], r["cityCode"]
            if is_grouping(city4, city_names.get(city4, "")):
                out.setdefault(name, r["code"])
        for r in rows:
            name, city4 = r["name"], r["cityCode"]
            if seen[name] == 1 and name.endswith(("市", "县")) and not is_grouping(city4, city_names.get(city4, "")):
                if city_names.get(city4) == "市辖区":
                    continue
                out.setdefault(name, city4 + "00")
    return out


@lru_cache(maxsize=8)
def _cached_city_map(public_dir: str) -> dict[str, str]:
    return city_code_map(public_dir)


def default_city_codes(near: PathLike | None = None) -> dict[str, str]:
    """The city map used when none is given.

    Looked for in ``$IEKG_PUBLIC_DIR``, then next to ``near`` (the public files sit together), then
    ``../shared/data/public`` beside the repository; falls back to :data:`HENAN_CITY_CODES`.
    """
    candidates: list[Path] = []
    if os.environ.get(PUBLIC_DIR_ENV):
        candidates.append(Path(os.environ[PUBLIC_DIR_ENV]))
    if near is not None:
        candidates.append(Path(near).resolve().parent)
    candidates.append(Path(__file__).resolve().parents[4] / "shared" / "data" / "public")
    for d in candidates:
        if (d / "cn_admin_cities.csv").is_file() or (d / "henan_admin_divisions.csv").is_file():
            m = dict(_cached_city_map(str(d)))
            for k, v in HENAN_CITY_CODES.items():
                m.setdefault(k, v)
            return m
    return dict(HENAN_CITY_CODES)


def lookup_city(name: str, city_codes: Mapping[str, str]) -> str:
    """6-digit code of a 所在地, or ``""``.  ``临夏州`` finds ``临夏回族自治州``."""
    s = norm(name)
    if not s:
        return ""
    if s in city_codes:
        return city_codes[s]
    if re.fullmatch(r"\d{6}", s):
        return s
    if s.endswith(("州", "盟", "地区")):
        stem = s[:-2] if s.endswith("地区") else s[:-1]
        hits = {v for k, v in city_codes.items() if len(stem) >= 2 and k.startswith(stem)
                and k.endswith(("自治州", "州", "盟", "地区"))}
        if len(hits) == 1:
            return hits.pop()
    return ""
