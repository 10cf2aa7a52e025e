"""Administrative divisions (统计用区划代码) → cities (and function zones)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from iekg.loaders.official.cities import csv_records, is_grouping
from iekg.loaders.official.common import (
    PathLike,
    Sheet,
    as_code,
    norm,
    public_table,
    read_sheets,
    records,
    same_province,
)
from iekg.loaders.official.detect import CN_CITIES, CN_PROVINCES, HENAN_DIVISIONS, detect_official
from iekg.loaders.source import SourceRow, SourceTable

CITE_DIVISIONS = "国家统计局 统计用区划代码（2023年）"
def _division_table(p: Path, sheet: Sheet, headers: dict[str, str]) -> SourceTable:
    return public_table("cities", p, sheet, {**headers, "level": "级别"}, ["level"], CITE_DIVISIONS)


def _province_filter(province: str | None) -> Callable[[str, str], bool]:
    """(province code 2 digits, province name) → keep?"""
    if province is None:
        return lambda code2, name: True
    s = norm(province)
    if re.fullmatch(r"\d{2}(0000)?", s):
        return lambda code2, name: code2 == s[:2]
    return lambda code2, name: same_province(name, s)


def read_divisions(path: PathLike, *, province: str | None = None, include_zones: bool = False,
                   provinces_path: PathLike | None = None, areas_path: PathLike | None = None,
                   ) -> list[SourceTable]:
    """Administrative divisions → table ``cities`` (code 6 digits, name, province_code; extra level).

    * ``henan_admin_divisions.csv`` (code6,name,level,parent_code6,note): the province (level 省级,
      empty province_code), its 17 地级 cities and the county-level cities directly under the province
      (济源市 419001, level 省直辖县级).  The grouping code 419000 and the 县级 units are not cities; the
      statistical function zones (5th digit 7, flagged in ``note``) are excluded, or returned as a
      ``zones`` table (id = code, kind 开发区) with ``include_zones=True``.
    * ``cn_admin_cities.csv`` (code,name,provinceCode; 4-digit codes): code + ``00``; a 直辖市's 市辖区
      takes the province's name (needs ``cn_admin_provinces.csv``, default next to the file), grouping
      codes (x90, 5002 县) are skipped; the county-level cities under them (济源市, 仙桃市, 石河子市)
      come from ``cn_admin_areas.csv`` when it is next to the file (or given), as a second ``cities``
      table whose ``file`` is that areas file.
    * ``cn_admin_provinces.csv`` (code,name; 2 digits): the provinces (code + ``0000``, level 省级).

    ``province`` (name or code) keeps one province.
    """
    p = Path(path)
    keep = _province_filter(province)
    fmt = detect_official(p)
    sheet = read_sheets(p)[0]
    rows = records(sheet)
    if fmt == HENAN_DIVISIONS:
        return _read_henan_divisions(p, sheet, rows, keep, include_zones)
    if fmt == CN_PROVINCES:
        t = _division_table(p, sheet, {"code": "code", "name": "name"})
        for line, r in rows:
            code2 = as_code(r["code"], 2)
            if keep(code2, r["name"]):
                t.rows.append(SourceRow(line, {"code": code2 + "0000", "name": r["name"], "province_code": "",
                                                "level": "省级"}))
        return [t]
    if fmt == CN_CITIES:
        prov_file = Path(provinces_path) if provinces_path else p.parent / "cn_admin_provinces.csv"
        provinces = {as_code(r["code"], 2): r["name"] for r in csv_records(prov_file)} if prov_file.is_file() else {}
        t = _division_table(p, sheet, {"code": "code", "name": "name", "province_code": "provinceCode"})
        groupings: set[str] = set()
        for line, r in rows:
            code4, name, code2 = as_code(r["code"], 4), r["name"], as_code(r["provinceCode"], 2)
            if not keep(code2, provinces.get(code2, "")):
                continue
            if name == "市辖区" and code2 in provinces:
                name = provinces[code2]
            elif is_grouping(code4, name):
                groupings.add(code4)
                continue
            t.rows.append(SourceRow(line, {"code": code4 + "00", "name": name, "province_code": code2 + "0000",
                                            "level": "地级"}))
        area_file = Path(areas_path) if areas_path else p.parent / "cn_admin_areas.csv"
        if not (groupings and area_file.is_file()):
            return [t]
        a = public_table("cities", area_file, Sheet(None, []),
                         {"code": "code", "name": "name", "province_code": "provinceCode", "level": "级别"}, ["level"],
                         CITE_DIVISIONS)
        for line, r in records(read_sheets(area_file)[0]):
            if as_code(r["cityCode"], 4) in groupings:
                a.rows.append(SourceRow(line, {"code": as_code(r["code"], 6), "name": r["name"],
                                                "province_code": as_code(r["provinceCode"], 2) + "0000",
                                                "level": "省直辖县级"}))
        return [t, a]
    raise ValueError(f"{p}: 不是可识别的区划代码文件 (henan_admin_divisions / cn_admin_cities / cn_admin_provinces)")


def _read_henan_divisions(p: Path, sheet: Sheet, rows: list[tuple[int, dict[str, str]]], keep: Callable[[str, str], bool],
                          include_zones: bool) -> list[SourceTable]:
    t = _division_table(p, sheet, {"code": "code6", "name": "name", "province_code": "parent_code6"})
    zones = public_table("zones", p, sheet, {"id": "code6", "name": "name", "city_code": "parent_code6", "kind": "note"},
                         [], CITE_DIVISIONS)
    by_code = {as_code(r["code6"], 6): r for _, r in rows}
    groupings = {c for c, r in by_code.items() if r["level"] == "地级" and is_grouping(c[:4], r["name"])}
    provinces = {c: r["name"] for c, r in by_code.items() if r["level"] == "省级"}
    for line, r in rows:
        code, name, level = as_code(r["code6"], 6), r["name"], r["level"]
        parent = as_code(r.get("parent_code6", ""), 6)
        prov = code[:2] + "0000"
        if not keep(code[:2], provinces.get(prov, "")):
            continue
        if level == "省级":
            t.rows.append(SourceRow(line, {"code": code, "name": name, "province_code": "", "level": "省级"}))
        elif level == "地级" and code not in groupings:
            t.rows.append(SourceRow(line, {"code": code, "name": name, "province_code": prov, "level": "地级"}))
        elif level == "县级" and code[4] == "7":
            if include_zones:
                zones.rows.append(SourceRow(line, {"id": code, "name": name, "city_code": parent, "kind": "开发区"}))
        elif level == "县级" and parent in groupings:
            t.rows.append(SourceRow(line, {"code": code, "name": name, "province_code": prov,
                                           "level": "省直辖县级"}))
    return [t, zones] if include_zones else [t]
