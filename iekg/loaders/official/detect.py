"""Which official format a file is: fixed header signatures searched in the first rows of every sheet."""

from __future__ import annotations

import re
from pathlib import Path

from iekg.loaders.official.common import PathLike, find_header, norm, read_sheets

MOE_HEI_LIST = "moe_hei_list"
VOCATIONAL_CATALOG = "vocational_catalog"
UNDERGRADUATE_CATALOG = "undergraduate_catalog"
GBT4754_1D = "gbt4754_1d"
GBT4754_2D = "gbt4754_2d"
HENAN_DIVISIONS = "henan_divisions"
CN_CITIES = "cn_cities"
CN_PROVINCES = "cn_provinces"
PILOT_CITIES = "pilot_cities"
FORMATS = (MOE_HEI_LIST, VOCATIONAL_CATALOG, UNDERGRADUATE_CATALOG, GBT4754_1D, GBT4754_2D,
           HENAN_DIVISIONS, CN_CITIES, CN_PROVINCES, PILOT_CITIES)


_SIGNATURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (GBT4754_1D, ("INDUSTRY_ID", "PARENT_ID", "LEVEL_TYPE")),
    (GBT4754_2D, ("SMALL_CLASS_INDUSTRY_ID", "MID_CLASS_INDUSTRY_ID")),
    (UNDERGRADUATE_CATALOG, ("itemLevel", "categoryCode", "classCode", "majorCode")),
    (VOCATIONAL_CATALOG, ("专业大类代码", "专业类代码", "专业代码", "专业名称")),
    (MOE_HEI_LIST, ("学校名称", "学校标识码", "所在地")),
    (HENAN_DIVISIONS, ("code6", "name", "level", "parent_code6")),
    (PILOT_CITIES, ("city_code", "city_name", "pilot_level", "batch", "document", "issued")),
)


def detect_official(path: PathLike) -> str | None:
    """Which official format ``path`` is (one of :data:`FORMATS`), or ``None``.

    Recognised by the header row (searched in the first 15 rows of every sheet).  The bare ``code,name``
    headers of the national division files also need the codes to look right (2 digits for provinces, 4
    for cities), so a user's own cities template is never taken for one.  The adult-institution list
    (no 所在地) and the major–occupation table are not formats with a reader here: ``None``.
    """
    p = Path(path)
    if p.suffix.lower() not in (".csv", ".txt", ".xls", ".xlsx", ".xlsm") or not p.is_file():
        return None
    try:
        sheets = read_sheets(p, max_rows=15)
    except Exception:  # unreadable or not a table at all
        return None
    for sheet in sheets:
        for fmt, sig in _SIGNATURES:
            if find_header(sheet, sig) is not None:
                return fmt
        if not sheet.rows:
            continue
        head = [norm(v) for v in sheet.rows[0] if v]
        data = [row for row in sheet.rows[1:6] if any(row)]
        if not data:
            continue
        if head == ["code", "name"] and all(re.fullmatch(r"\d{2}", row[0]) for row in data):
            return CN_PROVINCES
        if head == ["code", "name", "provinceCode"] and all(re.fullmatch(r"\d{4}", row[0]) for row in data):
            return CN_CITIES
    return None
