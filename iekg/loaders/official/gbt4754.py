"""GB/T 4754-2017 国民经济行业分类 → industries, with the public conversion's hierarchy errors repaired."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from iekg.loaders.official.common import (
    PathLike,
    Sheet,
    as_code,
    find_header,
    finders,
    norm,
    public_table,
    read_sheets,
)
from iekg.loaders.source import SourceRow, SourceTable

CITE_GBT4754 = "GB/T 4754-2017 国民经济行业分类（含2019年修改单）"
# 门类 → range of 大类 (GB/T 4754-2017); used when a 大类's 门类 is not given by the file.
GBT4754_SECTIONS: dict[str, tuple[int, int]] = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52), "G": (53, 60),
    "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70), "L": (71, 72), "M": (73, 75), "N": (76, 79),
    "O": (80, 82), "P": (83, 83), "Q": (84, 85), "R": (86, 90), "S": (91, 96), "T": (97, 97),
}
_LEVEL_NAMES = {1: "门类", 2: "大类", 3: "中类", 4: "小类"}
# Known errors of the public conversion: (code, name) → the standard's code.
GBT4754_ERRATA: dict[tuple[str, str], str] = {("0711", "海洋石油开采"): "0712"}


def _section_of(code2: str) -> str:
    n = int(code2)
    for letter, (lo, hi) in GBT4754_SECTIONS.items():
        if lo <= n <= hi:
            return letter
    return ""


def _industry_code(raw: str, width: int | None) -> str:
    s = as_code(raw)
    if re.fullmatch(r"[A-Za-z]", s):
        return s.upper()
    if width and s.isdigit() and len(s) < width:
        return s.zfill(width)
    return s


@dataclass
class _Industry:
    line: int
    code: str
    name: str
    file_parent: str
    description: str
    notes: list[str] = field(default_factory=list)


def _industry_table(p: Path, sheet: Sheet, items: list[_Industry], headers: dict[str, str]) -> SourceTable:
    """Derive every numeric code's parent from the code, record repairs, build the table."""
    codes = {i.code for i in items}
    t = public_table("industries", p, sheet, headers, ["level", "description", "note"], CITE_GBT4754)
    for it in items:
        code, notes = it.code, list(it.notes)
        parent = ""
        if code.isdigit() and len(code) in (3, 4):
            candidates = [code[:3], code[:2]] if len(code) == 4 else [code[:2]]
            parent = next((c for c in candidates if c in codes), "")
            if not parent:
                parent = it.file_parent if it.file_parent in codes else candidates[0]
        elif code.isdigit() and len(code) == 2:
            parent = it.file_parent if re.fullmatch(r"[A-Z]", it.file_parent) else _section_of(code)
        if parent != it.file_parent:
            was = it.file_parent or "空"
            notes.append(f"上级代码由 {was} 改为 {parent}（按代码结构）")
        level = _LEVEL_NAMES.get(len(code), "") if code.isdigit() else ("门类" if code.isalpha() else "")
        t.rows.append(SourceRow(it.line, {"code": code, "name": it.name, "parent_code": parent, "level": level,
                                          "description": it.description, "note": "；".join(notes)}))
    return t


def _apply_errata(it: _Industry, seen: set[str]) -> None:
    fix = GBT4754_ERRATA.get((it.code, norm(it.name)))
    if fix and it.code in seen and fix not in seen:
        it.notes.append(f"代码 {it.code} 重复，按 GB/T 4754-2017 改为 {fix}")
        it.code = fix


def read_gbt4754(path: PathLike) -> list[SourceTable]:
    """GB/T 4754-2017 from the 1d file (ID,INDUSTRY_ID,NAME,PARENT_ID,LEVEL_TYPE,DESCRIPTION; one row per
    code) or the 2d file (one row per 小类 with its 门类/大类/中类) → table ``industries``.

    Repairs, each written to the row's ``note``:

    * codes stored as numbers: leading zeros restored from the level (LEVEL_TYPE 1/2/3 → 2/3/4 digits;
      2d: the column) and checked against the parent (``111`` under ``011`` → ``0111``);
    * parents: a 4-digit code's parent is its first 3 digits (or first 2 when that 中类 is missing from
      the file), a 3-digit code's its first 2, a 2-digit code's its 门类 (file, else the standard's
      ranges).  This fixes the mislabelled 3611 and 9700, the empty row 2665 and the wrong PARENT_IDs
      (8421 → 842, 8890 → 889, 905x, 922x, 9620);
    * the duplicated 0711 海洋石油开采 is the standard's 0712.

    Extra columns: level (门类/大类/中类/小类, from the code), description, note.
    """
    p = Path(path)
    for sheet in read_sheets(p):
        found = find_header(sheet, ("INDUSTRY_ID", "PARENT_ID", "NAME"))
        if found is not None:
            return [_read_gbt4754_1d(p, sheet, *found)]
        found = find_header(sheet, ("SMALL_CLASS_INDUSTRY_ID", "MID_CLASS_INDUSTRY_ID"))
        if found is not None:
            return [_read_gbt4754_2d(p, sheet, *found)]
    raise ValueError(f"{p}: 未找到 GB/T 4754 的表头 (INDUSTRY_ID/PARENT_ID 或 SMALL_CLASS_INDUSTRY_ID)")


def _read_gbt4754_1d(p: Path, sheet: Sheet, hr: int, cols: dict[str, int]) -> SourceTable:
    c, h = finders(sheet, hr, cols)

    items: list[_Industry] = []
    seen: set[str] = set()
    for r in range(hr + 1, len(sheet.rows)):
        raw_code = sheet.cell(r, c("INDUSTRY_ID"))
        if not raw_code:
            continue
        lv = as_code(sheet.cell(r, c("LEVEL_TYPE")))
        level = int(lv) if lv.isdigit() else None
        width = {1: 2, 2: 3, 3: 4}.get(level) if level is not None else None
        pwidth = {2: 2, 3: 3}.get(level) if level is not None else None
        parent = _industry_code(sheet.cell(r, c("PARENT_ID")), pwidth)
        code = _industry_code(raw_code, width)
        if code.isdigit() and parent.isdigit() and not code.startswith(parent):
            padded = code.zfill(len(parent) + 1)
            if padded.startswith(parent):
                code = padded
        if code.isdigit() and len(code) == 1:
            code = code.zfill(2)
        it = _Industry(r + 1, code, sheet.cell(r, c("NAME")), parent, sheet.cell(r, c("DESCRIPTION")))
        _apply_errata(it, seen)
        seen.add(it.code)
        items.append(it)
    headers = {"code": h("INDUSTRY_ID"), "name": h("NAME"), "parent_code": h("PARENT_ID"), "level": "LEVEL_TYPE",
               "description": h("DESCRIPTION"), "note": "修正说明"}
    return _industry_table(p, sheet, items, headers)


_2D_LEVELS = (("CATEGORY", 1), ("LARGE_CLASS", 2), ("MID_CLASS", 3), ("SMALL_CLASS", 4))


def _read_gbt4754_2d(p: Path, sheet: Sheet, hr: int, cols: dict[str, int]) -> SourceTable:
    c, _ = finders(sheet, hr, cols)

    by_code: dict[str, _Industry] = {}
    order: list[_Industry] = []
    seen: set[str] = set()
    for r in range(hr + 1, len(sheet.rows)):
        left = ""
        for prefix, width in _2D_LEVELS:
            raw = sheet.cell(r, c(f"{prefix}_INDUSTRY_ID"))
            if not raw:
                continue
            code = _industry_code(raw, width if width > 1 else None)
            name = sheet.cell(r, c(f"{prefix}_NAME"))
            it = _Industry(r + 1, code, name, left, sheet.cell(r, c(f"{prefix}_DESC")))
            if code in by_code and by_code[code].name != name:
                _apply_errata(it, seen)
            if it.code not in by_code:
                by_code[it.code] = it
                order.append(it)
                seen.add(it.code)
            left = it.code
    headers = {"code": "SMALL_CLASS_INDUSTRY_ID", "name": "SMALL_CLASS_NAME", "parent_code": "MID_CLASS_INDUSTRY_ID",
               "level": "级别", "description": "SMALL_CLASS_DESC", "note": "修正说明"}
    return _industry_table(p, sheet, order, headers)
