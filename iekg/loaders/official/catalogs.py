"""The major catalogues: 职业教育专业目录 and 普通高等学校本科专业目录 → divisions, categories, majors."""

from __future__ import annotations

import re
from pathlib import Path

from iekg.loaders.official.common import PathLike, as_code, finders, headed, norm, public_table
from iekg.loaders.source import SourceRow, SourceTable

CITE_VOCATIONAL = "教育部 职业教育专业目录（2021年，含至2025年12月增补）"
CITE_UNDERGRADUATE = "教育部 普通高等学校本科专业目录（{year}年）"
_MAJOR_LEVELS = {"中职": "中职", "中等职业教育": "中职", "高职专科": "高职专科", "高职": "高职专科",
                 "专科": "高职专科", "职教本科": "职业本科", "职业本科": "职业本科", "本科": "本科",
                 "普通本科": "本科", "UNDERGRADUATE": "本科"}


def major_level(raw: str) -> str:
    """层次 of a catalogue row: 中职 / 高职专科 / 职业本科 (职教本科) / 本科; unknown text is kept."""
    return _MAJOR_LEVELS.get(norm(raw), raw.strip())


class _Dedup:
    """Rows keyed by code: an identical repeat is dropped, a conflicting one is kept for the validator."""

    def __init__(self, table: SourceTable) -> None:
        self.table = table
        self.seen: dict[str, dict[str, str]] = {}

    def add(self, line: int, values: dict[str, str]) -> None:
        code = values["code"]
        if code in self.seen and self.seen[code] == values:
            return
        self.seen.setdefault(code, values)
        self.table.rows.append(SourceRow(line, values))


def read_vocational_catalog(path: PathLike) -> list[SourceTable]:
    """职业教育专业目录 (xlsx or csv; columns 专业大类代码,专业大类,专业类代码,专业类,专业代码,专业名称,层次,备注).

    Returns tables ``major_divisions`` (code, name, level), ``major_categories`` (code, name,
    division_code, level) and ``majors`` (code, name, category_code, level, extra note = 备注).
    层次 职教本科 is written 职业本科.  Codes stored as numbers get their width back (2/4/6 digits).
    """
    p = Path(path)
    need = ("专业大类代码", "专业类代码", "专业代码", "专业名称")
    for sheet, hr, cols in headed(p, need):
        c, h = finders(sheet, hr, cols)
        div = _Dedup(public_table("major_divisions", p, sheet,
                                  {"code": h("专业大类代码"), "name": h("专业大类"), "level": h("层次")}, [],
                                  CITE_VOCATIONAL))
        cat = _Dedup(public_table("major_categories", p, sheet,
                                  {"code": h("专业类代码"), "name": h("专业类"), "division_code": h("专业大类代码"),
                                   "level": h("层次")}, [], CITE_VOCATIONAL))
        maj = public_table("majors", p, sheet,
                           {"code": h("专业代码"), "name": h("专业名称"), "category_code": h("专业类代码"),
                            "level": h("层次"), "note": h("备注")}, ["note"], CITE_VOCATIONAL)
        for r in range(hr + 1, len(sheet.rows)):
            if not any(sheet.rows[r]):
                continue
            line = r + 1
            level = major_level(sheet.cell(r, c("层次")))
            dcode = as_code(sheet.cell(r, c("专业大类代码")), 2)
            ccode = as_code(sheet.cell(r, c("专业类代码")), 4)
            mcode = as_code(sheet.cell(r, c("专业代码")), 6)
            if norm(mcode) == "专业代码":
                continue  # repeated header
            if dcode:
                div.add(line, {"code": dcode, "name": sheet.cell(r, c("专业大类")), "level": level})
            if ccode:
                cat.add(line, {"code": ccode, "name": sheet.cell(r, c("专业类")), "division_code": dcode,
                               "level": level})
            maj.rows.append(SourceRow(line, {
                "code": mcode, "name": sheet.cell(r, c("专业名称")), "category_code": ccode, "level": level,
                "note": sheet.cell(r, c("备注"))}))
        return [div.table, cat.table, maj]
    raise ValueError(f"{p}: 未找到职业教育专业目录的表头 ({', '.join(need)})")


def read_undergraduate_catalog(path: PathLike) -> list[SourceTable]:
    """普通高等学校本科专业目录 (CATEGORY / CLASS / MAJOR rows of the ``itemLevel`` column).

    Returns ``major_divisions`` (门类), ``major_categories`` (专业类) and ``majors``, all of level 本科.
    Major codes keep their T / K / TK suffix; numeric damage is undone (``80901`` → ``080901``).
    """
    p = Path(path)
    need = ("itemLevel", "categoryCode", "classCode", "majorCode")
    for sheet, hr, cols in headed(p, need):
        c, h = finders(sheet, hr, cols)
        year = "2024"
        for r in range(hr + 1, min(hr + 3, len(sheet.rows))):
            m = re.search(r"(20\d{2})", sheet.cell(r, c("catalogCode")))
            if m:
                year = m.group(1)
        cite = CITE_UNDERGRADUATE.format(year=year)
        lvl_header = h("educationLevel")
        div = _Dedup(public_table("major_divisions", p, sheet,
                                  {"code": h("categoryCode"), "name": h("categoryName"), "level": lvl_header}, [], cite))
        cat = _Dedup(public_table("major_categories", p, sheet,
                                  {"code": h("classCode"), "name": h("className"), "division_code": h("categoryCode"),
                                   "level": lvl_header}, [], cite))
        maj = public_table("majors", p, sheet, {"code": h("majorCode"), "name": h("majorName"),
                                                "category_code": h("classCode"), "level": lvl_header}, [], cite)
        for r in range(hr + 1, len(sheet.rows)):
            kind = norm(sheet.cell(r, c("itemLevel"))).upper()
            line = r + 1
            raw_level = sheet.cell(r, c("educationLevel"))
            level = major_level(raw_level) if raw_level else "本科"
            dcode = as_code(sheet.cell(r, c("categoryCode")), 2)
            ccode = as_code(sheet.cell(r, c("classCode")), 4)
            if kind == "CATEGORY":
                div.add(line, {"code": dcode, "name": sheet.cell(r, c("categoryName")), "level": level})
            elif kind == "CLASS":
                cat.add(line, {"code": ccode, "name": sheet.cell(r, c("className")), "division_code": dcode,
                               "level": level})
            elif kind == "MAJOR":
                maj.rows.append(SourceRow(line, {
                    "code": as_code(sheet.cell(r, c("majorCode")), 6).upper(),
                    "name": sheet.cell(r, c("majorName")), "category_code": ccode, "level": level}))
        return [div.table, cat.table, maj]
    raise ValueError(f"{p}: 未找到本科专业目录的表头 ({', '.join(need)})")
