"""Readers for the official public formats (教育部名单、专业目录、GB/T 4754-2017、区划代码).

Each reader turns one official file, exactly as it is published (or as converted in
``shared/data/public``), into :class:`~iekg.loaders.source.SourceTable` objects of kind ``PUBLIC``
whose rows use the canonical keys of :mod:`iekg.loaders.tables`.  Values stay strings; validation and
normalisation are the import pipeline's job.  What the readers *do* undo is the damage specific to these
files, so that the pipeline sees the values the publisher meant:

* codes stored as numbers (``4141010078.0``, ``101`` for ``0101``): restored to their text form and, where
  the width is known (GB/T 4754 level, catalogue level), to their leading zeros;
* province header rows (``河南省（178所）``), title rows and repeated headers in the MOE lists;
* the GB/T 4754 hierarchy errors of the public conversion (mislabelled LEVEL_TYPE, a missing or wrong
  PARENT_ID, one duplicated code): every numeric code's parent is derived from the code itself, which is
  how the standard is built, and each repair is written to the row's ``note`` column;
* the statistical division coding: function zones (5th digit 7) and grouping codes (``4190``
  省直辖县级行政区划) are not cities; the county-level cities under a grouping code (济源市 419001) are.

``SourceRow.line`` is the row number the user sees in Excel (for a CSV: header = 1, first record = 2).

Public API
----------
* :func:`read_moe_hei_list`, :func:`read_moe_renames`, :func:`compare_editions`, :func:`city_code_map`
* :func:`read_vocational_catalog`, :func:`read_undergraduate_catalog`
* :func:`read_gbt4754`
* :func:`read_divisions`
* :func:`read_pilot_cities`
* :func:`detect_official`, :func:`read_official`
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from iekg.loaders.limits import FileGuard, FileRejected
from iekg.loaders.source import PUBLIC, SourceRow, SourceTable

PathLike = str | os.PathLike[str]

# ------------------------------------------------------------------------------------ format names
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

CITE_VOCATIONAL = "教育部 职业教育专业目录（2021年，含至2025年12月增补）"
CITE_UNDERGRADUATE = "教育部 普通高等学校本科专业目录（{year}年）"
CITE_GBT4754 = "GB/T 4754-2017 国民经济行业分类（含2019年修改单）"
CITE_DIVISIONS = "国家统计局 统计用区划代码（2023年）"

# Known cut-off dates of the MOE lists (the title gives them; the CSV copies do not).
_MOE_LIST_DATES = {"2024": "2024年6月20日", "2025": "2025年6月20日"}

# Where the default division files are looked for (besides the directory of the file being read).
PUBLIC_DIR_ENV = "IEKG_PUBLIC_DIR"

# Fallback when no division file can be found: Henan's 17 cities, 济源 and the province.
HENAN_CITY_CODES: dict[str, str] = {
    "河南省": "410000", "郑州市": "410100", "开封市": "410200", "洛阳市": "410300", "平顶山市": "410400",
    "安阳市": "410500", "鹤壁市": "410600", "新乡市": "410700", "焦作市": "410800", "濮阳市": "410900",
    "许昌市": "411000", "漯河市": "411100", "三门峡市": "411200", "南阳市": "411300", "商丘市": "411400",
    "信阳市": "411500", "周口市": "411600", "驻马店市": "411700", "济源市": "419001",
}


# =========================================================================================== grids
@dataclass
class _Sheet:
    """The cells of one sheet (or CSV) as stripped strings; ``rows[i]`` is Excel row ``i + 1``."""

    name: str | None
    rows: list[list[str]]

    def cell(self, r: int, c: int | None) -> str:
        if c is None or r >= len(self.rows) or c >= len(self.rows[r]):
            return ""
        return self.rows[r][c]


def _cell(value: Any) -> str:
    """One cell as text: numbers that are whole lose their ``.0`` (xlrd and openpyxl give floats)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def decode_bytes(data: bytes) -> str:
    """UTF-8 (with or without BOM), GB18030 (which covers GBK/GB2312), UTF-16; see :mod:`iekg.loaders.encoding`.

    Raises :class:`~iekg.loaders.limits.FileRejected` for binary data or an encoding that cannot be told.
    """
    from iekg.loaders.encoding import decode

    return decode(data).text


def _suffix(path: Path) -> str:
    return path.suffix.lower()


def _read_sheets(path: Path, max_rows: int | None = None) -> list[_Sheet]:
    """Every sheet of an xls/xlsx workbook, or the single table of a CSV file (within the file limits)."""
    try:
        return _read_sheets_bounded(path, max_rows)
    except FileRejected as exc:
        exc.file = exc.file or str(path)
        raise


def _read_sheets_bounded(path: Path, max_rows: int | None = None) -> list[_Sheet]:
    ext = _suffix(path)
    guard = FileGuard(path)
    if ext == ".xls":
        import xlrd

        guard.check_size()
        book = xlrd.open_workbook(str(path), on_demand=True, ragged_rows=True)  # rows as long as their cells
        try:
            sheets = []
            for sh in book.sheets():
                if max_rows is None or sh.nrows <= max_rows:  # (sniffing the header reads a few rows only)
                    guard.check_xls_sheet(sh)
                n = sh.nrows if max_rows is None else min(sh.nrows, max_rows)
                sheets.append(_Sheet(sh.name, [[_cell(v) for v in sh.row_values(r)] for r in range(n)]))
            return sheets
        finally:
            book.release_resources()
    if ext in (".xlsx", ".xlsm"):
        wb = guard.open_xlsx()
        try:
            sheets = []
            for ws in wb.worksheets:
                rows: list[list[str]] = []
                for n, row in guard.xlsx_rows(ws, values_only=True):
                    if max_rows is not None and n > max_rows:
                        break
                    rows.append([_cell(v) for v in row])
                sheets.append(_Sheet(ws.title, rows))
            return sheets
        finally:
            wb.close()
    text = decode_bytes(guard.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    for n, row in guard.stream(reader):
        rows.append([c.strip() for c in row])
        if max_rows is not None and n >= max_rows:
            break
    return [_Sheet(None, rows)]


def _norm(text: str) -> str:
    """Header/label comparison form: NFKC (全角 → 半角) and no whitespace at all."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _find_header(sheet: _Sheet, required: Iterable[str], within: int = 15) -> tuple[int, dict[str, int]] | None:
    """Index of the first row holding all ``required`` headers and a normalised-header → column map."""
    need = {_norm(h) for h in required}
    for r, row in enumerate(sheet.rows[:within]):
        cols: dict[str, int] = {}
        for c, v in enumerate(row):
            cols.setdefault(_norm(v), c)
        if need <= cols.keys():
            return r, cols
    return None


def _code(value: str, width: int | None = None) -> str:
    """A code cell as text: ``4141010078.0`` → ``4141010078``; digits padded to ``width`` (lost zeros)."""
    s = value.strip()
    if re.fullmatch(r"\d+\.0+", s):
        s = s.split(".")[0]
    m = re.fullmatch(r"(\d+)([A-Za-z]*)", s)
    if width and m and len(m.group(1)) < width:
        s = m.group(1).zfill(width) + m.group(2)
    return s


def _table(table: str, path: Path, sheet: _Sheet, headers: dict[str, str], extra: list[str],
           cite: str | None) -> SourceTable:
    return SourceTable(table=table, file=str(path), sheet=sheet.name, headers=headers, extra=extra,
                       kind=PUBLIC, cite=cite)


def _header_text(sheet: _Sheet, header_row: int, cols: Mapping[str, int], name: str) -> str:
    c = cols.get(_norm(name))
    return sheet.cell(header_row, c) if c is not None else name


# ================================================================================ city code map
def _csv_dicts(path: Path) -> list[dict[str, str]]:
    guard = FileGuard(path)
    text = decode_bytes(guard.read_bytes())
    out = []
    for n, row in enumerate(csv.DictReader(io.StringIO(text, newline="")), start=2):
        guard.row(n, len(row))
        out.append({k.strip(): (v or "").strip() for k, v in row.items() if k})
    return out


_GROUPING_NAMES = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


def _is_grouping(code4: str, name: str) -> bool:
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
        provinces = {r["code"]: r["name"] for r in _csv_dicts(d / "cn_admin_provinces.csv")}
    if (d / "cn_admin_cities.csv").is_file():
        for r in _csv_dicts(d / "cn_admin_cities.csv"):
            code4, name = r["code"], r["name"]
            if name == "市辖区" and r.get("provinceCode") in provinces:
                out.setdefault(provinces[r["provinceCode"]], code4 + "00")
            elif not _is_grouping(code4, name):
                out.setdefault(name, code4 + "00")
    for code2, pname in provinces.items():
        out.setdefault(pname, code2 + "0000")
    if (d / "henan_admin_divisions.csv").is_file():
        rows = _csv_dicts(d / "henan_admin_divisions.csv")
        groupings = {r["code6"] for r in rows if r["level"] == "地级" and _is_grouping(r["code6"][:4], r["name"])}
        for r in rows:
            if r["level"] in ("省级", "地级") and r["code6"] not in groupings:
                out.setdefault(r["name"], r["code6"])
            elif r["level"] == "县级" and r["parent_code6"] in groupings:
                out.setdefault(r["name"], r["code6"])
    if (d / "cn_admin_areas.csv").is_file():
        rows = _csv_dicts(d / "cn_admin_areas.csv")
        city_names = {r["code"]: r["name"] for r in _csv_dicts(d / "cn_admin_cities.csv")} \
            if (d / "cn_admin_cities.csv").is_file() else {}
        seen: dict[str, int] = {}
        for r in rows:
            seen[r["name"]] = seen.get(r["name"], 0) + 1
        for r in rows:
            name, city4 = r["name"], r["cityCode"]
            if _is_grouping(city4, city_names.get(city4, "")):
                out.setdefault(name, r["code"])
        for r in rows:
            name, city4 = r["name"], r["cityCode"]
            if seen[name] == 1 and name.endswith(("市", "县")) and not _is_grouping(city4, city_names.get(city4, "")):
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
    candidates.append(Path(__file__).resolve().parents[3] / "shared" / "data" / "public")
    for d in candidates:
        if (d / "cn_admin_cities.csv").is_file() or (d / "henan_admin_divisions.csv").is_file():
            m = dict(_cached_city_map(str(d)))
            for k, v in HENAN_CITY_CODES.items():
                m.setdefault(k, v)
            return m
    return dict(HENAN_CITY_CODES)


def lookup_city(name: str, city_codes: Mapping[str, str]) -> str:
    """6-digit code of a 所在地, or ``""``.  ``临夏州`` finds ``临夏回族自治州``."""
    s = _norm(name)
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


# ============================================================================= MOE institution list
_PROVINCE_HEADER = re.compile(r"^(.+?)[（(]\s*\d+\s*所\s*[)）]$")
_VOC_BACHELOR = re.compile(r"职业(技术)?大学$|职业技术学院$")
_EDITION_DATE_ZH = re.compile(r"截至\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_EDITION_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def institution_level(raw_level: str, name: str) -> str:
    """本科 → 本科 or 职业本科 (name ends in 职业大学/职业技术大学/职业技术学院); 专科 → 高职专科."""
    s = _norm(raw_level)
    if s == "本科":
        return "职业本科" if _VOC_BACHELOR.search(_norm(name)) else "本科"
    if s == "专科":
        return "高职专科"
    return raw_level.strip()


def _ownership(note: str) -> str:
    return "民办" if "民办" in note else "公办"


def _same_province(actual: str, wanted: str) -> bool:
    a, w = _norm(actual), _norm(wanted)
    if not a or not w:
        return False
    return a == w or (min(len(a), len(w)) >= 2 and (a.startswith(w) or w.startswith(a)))


@dataclass
class _Edition:
    key: str  # "2025"
    date_zh: str | None  # "2025年6月20日"

    @property
    def cite(self) -> str:
        if self.date_zh:
            return f"教育部 全国普通高等学校名单（截至{self.date_zh}）"
        return f"教育部 全国普通高等学校名单（{self.key}年）" if self.key else "教育部 全国普通高等学校名单"


def _edition_from_text(text: str) -> _Edition | None:
    m = _EDITION_DATE_ZH.search(text) or _EDITION_DATE_ISO.search(text)
    if m:
        y, mo, d = m.groups()
        return _Edition(y, f"{y}年{int(mo)}月{int(d)}日")
    m2 = re.match(r"\s*(20\d{2})", text)
    if m2:
        return _Edition(m2.group(1), _MOE_LIST_DATES.get(m2.group(1)))
    return None


@dataclass
class _MoeRecord:
    line: int
    edition: str
    province: str
    values: dict[str, str]


_MOE_FIELDS = {"seq": "序号", "name": "学校名称", "id": "学校标识码", "authority": "主管部门",
               "location": "所在地", "level": "办学层次", "note": "备注", "province": "省份", "edition": "版本"}


def _moe_records(path: Path) -> list[tuple[_Sheet, dict[str, str], list[_MoeRecord], dict[str, _Edition]]]:
    """Raw school rows of every sheet that holds an MOE list, with their province and edition."""
    out = []
    for sheet in _read_sheets(path):
        found = _find_header(sheet, ("学校名称", "学校标识码", "所在地"))
        if found is None:
            continue
        hr, cols = found
        col = {k: cols.get(_norm(h)) for k, h in _MOE_FIELDS.items()}
        headers = {k: sheet.cell(hr, c) for k, c in col.items() if c is not None}
        # The file's own edition: title rows above the header, else the file name.
        file_ed = None
        for r in range(hr):
            file_ed = file_ed or _edition_from_text(" ".join(sheet.rows[r]))
        if file_ed is None:
            m = re.search(r"(20\d{2})", path.stem)
            file_ed = _Edition(m.group(1), _MOE_LIST_DATES.get(m.group(1))) if m else _Edition("", None)
        editions: dict[str, _Edition] = {}
        records: list[_MoeRecord] = []
        province = ""
        for r in range(hr + 1, len(sheet.rows)):
            row = sheet.rows[r]
            if not any(row):
                continue
            first = next((v for v in row if v), "")
            filled = sum(1 for v in row if v)
            m = _PROVINCE_HEADER.match(first)
            if m and filled == 1:  # 河南省（178所）
                province = m.group(1).strip()
                continue
            seq = _code(sheet.cell(r, col["seq"]))
            inst = _code(sheet.cell(r, col["id"]))
            if not inst and not seq.isdigit():
                continue  # a repeated header, a note or a footer
            if _norm(sheet.cell(r, col["id"])) == _norm("学校标识码"):
                continue
            ed = file_ed
            if col["edition"] is not None:
                raw_ed = sheet.cell(r, col["edition"])
                ed = _edition_from_text(raw_ed) or _Edition(raw_ed, None)
            editions.setdefault(ed.key, ed)
            values = {k: sheet.cell(r, c) for k, c in col.items() if c is not None}
            values["id"] = inst
            prov = sheet.cell(r, col["province"]) if col["province"] is not None else province
            records.append(_MoeRecord(r + 1, ed.key, prov, values))
        out.append((sheet, headers, records, editions))
    return out


def _moe_table(path: Path, sheet: _Sheet, headers: dict[str, str], records: list[_MoeRecord],
               edition: _Edition, city_codes: Mapping[str, str],
               older: Mapping[str, list[str]] | None = None) -> SourceTable:
    extra = ["note", "authority", "location", "list_edition"]
    hdr = {"id": headers.get("id", "学校标识码"), "name": headers.get("name", "学校名称"),
           "city_code": headers.get("location", "所在地"), "level": headers.get("level", "办学层次"),
           "ownership": headers.get("note", "备注"), "note": headers.get("note", "备注"),
           "authority": headers.get("authority", "主管部门"), "location": headers.get("location", "所在地"),
           "list_edition": headers.get("edition", "名单版本")}
    if older is not None:
        extra.append("aliases")
        hdr["aliases"] = "曾用名"
    t = _table("institutions", path, sheet, hdr, extra, edition.cite)
    for rec in records:
        v = rec.values
        name = v.get("name", "")
        note = v.get("note", "")
        row = {
            "id": v["id"], "name": name, "city_code": lookup_city(v.get("location", ""), city_codes),
            "level": institution_level(v.get("level", ""), name), "ownership": _ownership(note),
            "note": note, "authority": v.get("authority", ""), "location": v.get("location", ""),
            "list_edition": edition.key,
        }
        if older is not None:
            row["aliases"] = ";".join(n for n in older.get(v["id"], []) if n != name)
        t.rows.append(SourceRow(rec.line, row))
    return t


def read_moe_hei_list(path: PathLike, *, province: str | None = "河南省", edition: str | None = None,
                      city_codes: Mapping[str, str] | None = None) -> list[SourceTable]:
    """The MOE 全国普通高等学校名单 → table ``institutions`` (one table per sheet that holds the list).

    Accepts the original ``.xls`` (title, province header rows, numeric 标识码), an ``.xlsx`` saved from
    it, the flat CSV with a 省份 column, the original CSV with province header rows mixed in, and the
    multi-edition CSV with a 版本 column.

    * ``province``: keep that province (``"河南省"`` or ``"河南"``); ``None`` keeps all.  A file without
      any province information (no 省份 column, no header rows) is not filtered.
    * ``edition``: for a file with a 版本 column, the edition to read (``"2024"``, ``"2025"``; default the
      latest); former names from the older editions in the same file go to ``aliases``.  For a
      single-edition file it only overrides the edition label (else taken from the title or file name).
    * ``city_codes``: 所在地 name → 6-digit code (default :func:`default_city_codes`); an unknown
      所在地 leaves ``city_code`` empty for the validator to report, the raw text stays in ``location``.

    Columns: id, name, city_code, level (本科/职业本科/高职专科), ownership (公办/民办) and the extra
    columns note (raw 备注), authority (主管部门), location (raw 所在地), list_edition
    (+ aliases for a multi-edition file).
    """
    p = Path(path)
    codes = city_codes if city_codes is not None else default_city_codes(p)
    tables: list[SourceTable] = []
    for sheet, headers, records, editions in _moe_records(p):
        has_province = any(r.province for r in records)
        if province is not None and has_province:
            records = [r for r in records if _same_province(r.province, province)]
        if "edition" in headers:  # several editions in one file
            keys = sorted(editions)
            chosen = edition if edition is not None else (keys[-1] if keys else "")
            if chosen not in editions:
                raise ValueError(f"{p.name}: 没有版本 {chosen!r}，可选 {', '.join(keys)}")
            older: dict[str, list[str]] = {}
            for rec in sorted((r for r in records if r.edition < chosen), key=lambda r: r.edition):
                names = older.setdefault(rec.values["id"], [])
                if rec.values.get("name") and rec.values["name"] not in names:
                    names.append(rec.values["name"])
            selected = [r for r in records if r.edition == chosen]
            tables.append(_moe_table(p, sheet, headers, selected, editions[chosen], codes, older))
        else:
            ed = next(iter(editions.values()), _Edition("", None))
            if edition is not None and edition != ed.key:
                ed = _Edition(edition, _MOE_LIST_DATES.get(edition))
            tables.append(_moe_table(p, sheet, headers, records, ed, codes))
    if not tables:
        raise ValueError(f"{p}: 未找到全国普通高等学校名单的表头 (学校名称, 学校标识码, 所在地)")
    return tables


def add_aliases(newer: SourceTable, *older: SourceTable) -> SourceTable:
    """Put the former names (same 学校标识码, other name) found in ``older`` tables into ``aliases``."""
    former: dict[str, list[str]] = {}
    for t in older:
        for r in t.rows:
            names = former.setdefault(r.values.get("id", ""), [])
            if r.values.get("name") and r.values["name"] not in names:
                names.append(r.values["name"])
    if "aliases" not in newer.extra:
        newer.extra.append("aliases")
        newer.headers["aliases"] = "曾用名"
    for r in newer.rows:
        known = [a for a in r.values.get("aliases", "").split(";") if a]
        for n in former.get(r.values.get("id", ""), []):
            if n != r.values.get("name") and n not in known:
                known.append(n)
        r.values["aliases"] = ";".join(known)
    return newer


def read_moe_renames(older: PathLike, newer: PathLike, *, province: str | None = "河南省",
                     older_edition: str | None = None, newer_edition: str | None = None,
                     city_codes: Mapping[str, str] | None = None) -> list[SourceTable]:
    """Read two editions of the MOE list and return the newer one with former names in ``aliases``.

    ``older`` and ``newer`` may be the same multi-edition file (then pass the editions).
    """
    old_tables = read_moe_hei_list(older, province=province, edition=older_edition, city_codes=city_codes)
    new_tables = read_moe_hei_list(newer, province=province, edition=newer_edition, city_codes=city_codes)
    for t in new_tables:
        add_aliases(t, *old_tables)
    return new_tables


@dataclass
class EditionDiff:
    """What changed between two editions of the institution list (by 学校标识码)."""

    added: list[dict[str, str]] = field(default_factory=list)
    removed: list[dict[str, str]] = field(default_factory=list)
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # (id, old name, new name)
    level_changed: list[tuple[str, str, str, str]] = field(default_factory=list)  # (id, name, old, new)
    ownership_changed: list[tuple[str, str, str, str]] = field(default_factory=list)
    city_changed: list[tuple[str, str, str, str]] = field(default_factory=list)


def compare_editions(older: SourceTable | Iterable[SourceTable],
                     newer: SourceTable | Iterable[SourceTable]) -> EditionDiff:
    """Compare two readings of the institution list (``institutions`` tables)."""
    def rows(x: SourceTable | Iterable[SourceTable]) -> dict[str, dict[str, str]]:
        ts = [x] if isinstance(x, SourceTable) else list(x)
        return {r.values["id"]: r.values for t in ts for r in t.rows}

    a, b = rows(older), rows(newer)
    diff = EditionDiff()
    diff.added = [b[k] for k in b if k not in a]
    diff.removed = [a[k] for k in a if k not in b]
    for k in b:
        if k not in a:
            continue
        o, n = a[k], b[k]
        if o["name"] != n["name"]:
            diff.renamed.append((k, o["name"], n["name"]))
        if o["level"] != n["level"]:
            diff.level_changed.append((k, n["name"], o["level"], n["level"]))
        if o["ownership"] != n["ownership"]:
            diff.ownership_changed.append((k, n["name"], o["ownership"], n["ownership"]))
        if o["city_code"] != n["city_code"]:
            diff.city_changed.append((k, n["name"], o["city_code"], n["city_code"]))
    return diff


# ============================================================================== major catalogues
_MAJOR_LEVELS = {"中职": "中职", "中等职业教育": "中职", "高职专科": "高职专科", "高职": "高职专科",
                 "专科": "高职专科", "职教本科": "职业本科", "职业本科": "职业本科", "本科": "本科",
                 "普通本科": "本科", "UNDERGRADUATE": "本科"}


def major_level(raw: str) -> str:
    """层次 of a catalogue row: 中职 / 高职专科 / 职业本科 (职教本科) / 本科; unknown text is kept."""
    return _MAJOR_LEVELS.get(_norm(raw), raw.strip())


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
    for sheet in _read_sheets(p):
        found = _find_header(sheet, need)
        if found is None:
            continue
        hr, cols = found

        def c(name: str, _cols: dict[str, int] = cols) -> int | None:
            return _cols.get(_norm(name))

        def h(name: str, _sheet: _Sheet = sheet, _hr: int = hr, _cols: dict[str, int] = cols) -> str:
            return _header_text(_sheet, _hr, _cols, name)

        div = _Dedup(_table("major_divisions", p, sheet,
                            {"code": h("专业大类代码"), "name": h("专业大类"), "level": h("层次")}, [],
                            CITE_VOCATIONAL))
        cat = _Dedup(_table("major_categories", p, sheet,
                            {"code": h("专业类代码"), "name": h("专业类"), "division_code": h("专业大类代码"),
                             "level": h("层次")}, [], CITE_VOCATIONAL))
        maj = _table("majors", p, sheet,
                     {"code": h("专业代码"), "name": h("专业名称"), "category_code": h("专业类代码"),
                      "level": h("层次"), "note": h("备注")}, ["note"], CITE_VOCATIONAL)
        for r in range(hr + 1, len(sheet.rows)):
            if not any(sheet.rows[r]):
                continue
            line = r + 1
            level = major_level(sheet.cell(r, c("层次")))
            dcode = _code(sheet.cell(r, c("专业大类代码")), 2)
            ccode = _code(sheet.cell(r, c("专业类代码")), 4)
            mcode = _code(sheet.cell(r, c("专业代码")), 6)
            if _norm(mcode) == "专业代码":
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
    for sheet in _read_sheets(p):
        found = _find_header(sheet, need)
        if found is None:
            continue
        hr, cols = found

        def c(name: str, _cols: dict[str, int] = cols) -> int | None:
            return _cols.get(_norm(name))

        def h(name: str, _sheet: _Sheet = sheet, _hr: int = hr, _cols: dict[str, int] = cols) -> str:
            return _header_text(_sheet, _hr, _cols, name)

        year = "2024"
        for r in range(hr + 1, min(hr + 3, len(sheet.rows))):
            m = re.search(r"(20\d{2})", sheet.cell(r, c("catalogCode")))
            if m:
                year = m.group(1)
        cite = CITE_UNDERGRADUATE.format(year=year)
        lvl_header = h("educationLevel")
        div = _Dedup(_table("major_divisions", p, sheet,
                            {"code": h("categoryCode"), "name": h("categoryName"), "level": lvl_header}, [], cite))
        cat = _Dedup(_table("major_categories", p, sheet,
                            {"code": h("classCode"), "name": h("className"), "division_code": h("categoryCode"),
                             "level": lvl_header}, [], cite))
        maj = _table("majors", p, sheet, {"code": h("majorCode"), "name": h("majorName"),
                                          "category_code": h("classCode"), "level": lvl_header}, [], cite)
        for r in range(hr + 1, len(sheet.rows)):
            kind = _norm(sheet.cell(r, c("itemLevel"))).upper()
            line = r + 1
            raw_level = sheet.cell(r, c("educationLevel"))
            level = major_level(raw_level) if raw_level else "本科"
            dcode = _code(sheet.cell(r, c("categoryCode")), 2)
            ccode = _code(sheet.cell(r, c("classCode")), 4)
            if kind == "CATEGORY":
                div.add(line, {"code": dcode, "name": sheet.cell(r, c("categoryName")), "level": level})
            elif kind == "CLASS":
                cat.add(line, {"code": ccode, "name": sheet.cell(r, c("className")), "division_code": dcode,
                               "level": level})
            elif kind == "MAJOR":
                maj.rows.append(SourceRow(line, {
                    "code": _code(sheet.cell(r, c("majorCode")), 6).upper(),
                    "name": sheet.cell(r, c("majorName")), "category_code": ccode, "level": level}))
        return [div.table, cat.table, maj]
    raise ValueError(f"{p}: 未找到本科专业目录的表头 ({', '.join(need)})")


# ==================================================================================== GB/T 4754
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
    s = _code(raw)
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


def _industry_table(p: Path, sheet: _Sheet, items: list[_Industry], headers: dict[str, str]) -> SourceTable:
    """Derive every numeric code's parent from the code, record repairs, build the table."""
    codes = {i.code for i in items}
    t = _table("industries", p, sheet, headers, ["level", "description", "note"], CITE_GBT4754)
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
    fix = GBT4754_ERRATA.get((it.code, _norm(it.name)))
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
    for sheet in _read_sheets(p):
        found = _find_header(sheet, ("INDUSTRY_ID", "PARENT_ID", "NAME"))
        if found is not None:
            return [_read_gbt4754_1d(p, sheet, *found)]
        found = _find_header(sheet, ("SMALL_CLASS_INDUSTRY_ID", "MID_CLASS_INDUSTRY_ID"))
        if found is not None:
            return [_read_gbt4754_2d(p, sheet, *found)]
    raise ValueError(f"{p}: 未找到 GB/T 4754 的表头 (INDUSTRY_ID/PARENT_ID 或 SMALL_CLASS_INDUSTRY_ID)")


def _read_gbt4754_1d(p: Path, sheet: _Sheet, hr: int, cols: dict[str, int]) -> SourceTable:
    def c(name: str) -> int | None:
        return cols.get(_norm(name))

    items: list[_Industry] = []
    seen: set[str] = set()
    for r in range(hr + 1, len(sheet.rows)):
        raw_code = sheet.cell(r, c("INDUSTRY_ID"))
        if not raw_code:
            continue
        lv = _code(sheet.cell(r, c("LEVEL_TYPE")))
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
    headers = {"code": _header_text(sheet, hr, cols, "INDUSTRY_ID"), "name": _header_text(sheet, hr, cols, "NAME"),
               "parent_code": _header_text(sheet, hr, cols, "PARENT_ID"), "level": "LEVEL_TYPE",
               "description": _header_text(sheet, hr, cols, "DESCRIPTION"), "note": "修正说明"}
    return _industry_table(p, sheet, items, headers)


_2D_LEVELS = (("CATEGORY", 1), ("LARGE_CLASS", 2), ("MID_CLASS", 3), ("SMALL_CLASS", 4))


def _read_gbt4754_2d(p: Path, sheet: _Sheet, hr: int, cols: dict[str, int]) -> SourceTable:
    def c(name: str) -> int | None:
        return cols.get(_norm(name))

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


# ================================================================================ divisions
def _division_table(p: Path, sheet: _Sheet, headers: dict[str, str]) -> SourceTable:
    return _table("cities", p, sheet, {**headers, "level": "级别"}, ["level"], CITE_DIVISIONS)


def _province_filter(province: str | None) -> Callable[[str, str], bool]:
    """(province code 2 digits, province name) → keep?"""
    if province is None:
        return lambda code2, name: True
    s = _norm(province)
    if re.fullmatch(r"\d{2}(0000)?", s):
        return lambda code2, name: code2 == s[:2]
    return lambda code2, name: _same_province(name, s)


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
    sheet = _read_sheets(p)[0]
    head = [_norm(h) for h in sheet.rows[0]] if sheet.rows else []
    rows = [(i + 1, {k: (row[j] if j < len(row) else "") for j, k in enumerate(head)})
            for i, row in enumerate(sheet.rows) if i > 0 and any(row)]
    if fmt == HENAN_DIVISIONS:
        return _read_henan_divisions(p, sheet, rows, keep, include_zones)
    if fmt == CN_PROVINCES:
        t = _division_table(p, sheet, {"code": "code", "name": "name"})
        for line, r in rows:
            code2 = _code(r["code"], 2)
            if keep(code2, r["name"]):
                t.rows.append(SourceRow(line, {"code": code2 + "0000", "name": r["name"], "province_code": "",
                                                "level": "省级"}))
        return [t]
    if fmt == CN_CITIES:
        prov_file = Path(provinces_path) if provinces_path else p.parent / "cn_admin_provinces.csv"
        provinces = {_code(r["code"], 2): r["name"] for r in _csv_dicts(prov_file)} if prov_file.is_file() else {}
        t = _division_table(p, sheet, {"code": "code", "name": "name", "province_code": "provinceCode"})
        groupings: set[str] = set()
        for line, r in rows:
            code4, name, code2 = _code(r["code"], 4), r["name"], _code(r["provinceCode"], 2)
            if not keep(code2, provinces.get(code2, "")):
                continue
            if name == "市辖区" and code2 in provinces:
                name = provinces[code2]
            elif _is_grouping(code4, name):
                groupings.add(code4)
                continue
            t.rows.append(SourceRow(line, {"code": code4 + "00", "name": name, "province_code": code2 + "0000",
                                            "level": "地级"}))
        area_file = Path(areas_path) if areas_path else p.parent / "cn_admin_areas.csv"
        if not (groupings and area_file.is_file()):
            return [t]
        a = _table("cities", area_file, _Sheet(None, []),
                   {"code": "code", "name": "name", "province_code": "provinceCode", "level": "级别"}, ["level"],
                   CITE_DIVISIONS)
        for i, r in enumerate(_csv_dicts(area_file)):
            if _code(r["cityCode"], 4) in groupings:
                a.rows.append(SourceRow(i + 2, {"code": _code(r["code"], 6), "name": r["name"],
                                                "province_code": _code(r["provinceCode"], 2) + "0000",
                                                "level": "省直辖县级"}))
        return [t, a]
    raise ValueError(f"{p}: 不是可识别的区划代码文件 (henan_admin_divisions / cn_admin_cities / cn_admin_provinces)")


def _read_henan_divisions(p: Path, sheet: _Sheet, rows: list[tuple[int, dict[str, str]]], keep: Callable[[str, str], bool],
                          include_zones: bool) -> list[SourceTable]:
    t = _division_table(p, sheet, {"code": "code6", "name": "name", "province_code": "parent_code6"})
    zones = _table("zones", p, sheet, {"id": "code6", "name": "name", "city_code": "parent_code6", "kind": "note"},
                   [], CITE_DIVISIONS)
    by_code = {_code(r["code6"], 6): r for _, r in rows}
    groupings = {c for c, r in by_code.items() if r["level"] == "地级" and _is_grouping(c[:4], r["name"])}
    provinces = {c: r["name"] for c, r in by_code.items() if r["level"] == "省级"}
    for line, r in rows:
        code, name, level = _code(r["code6"], 6), r["name"], r["level"]
        parent = _code(r.get("parent_code6", ""), 6)
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


# ============================================================================== pilot cities
PILOT_PROPS = ("pilot_level", "pilot_batch", "pilot_document", "pilot_issued", "pilot_source")
_PILOT_COLUMNS = {"pilot_level": "pilot_level", "pilot_batch": "batch", "pilot_document": "document",
                  "pilot_issued": "issued", "pilot_source": "source"}


def read_pilot_cities(path: PathLike) -> list[SourceTable]:
    """The pilot-city list (``henan_pilot_cities.csv``: city_code, city_name, pilot_level, batch, document,
    issued, source) → table ``cities`` with the extra columns ``pilot_level`` (省级 / 国家级),
    ``pilot_batch``, ``pilot_document``, ``pilot_issued`` and ``pilot_source`` (the page the fact was
    read from), kept as properties of the City node, with ``pilot_source_kind`` = public (the node's own
    ``source`` is overwritten by a later table naming the city, e.g. the shipped reference cities).  Several rows for one city (e.g. a provincial and a
    national selection) become one row whose values are joined with "；".  Each row is a public fact:
    its ``source`` (the node's provenance) cites the document and the page."""
    p = Path(path)
    sheet = _read_sheets(p)[0]
    found = _find_header(sheet, ("city_code", "city_name", "pilot_level", "batch", "document", "issued", "source"))
    if found is None:
        raise ValueError(f"{p}: 不是试点城市名单 (需要列 city_code, city_name, pilot_level, batch, document, issued, source)")
    hr, cols = found
    headers = {"code": _header_text(sheet, hr, cols, "city_code"), "name": _header_text(sheet, hr, cols, "city_name"),
               **{k: _header_text(sheet, hr, cols, v) for k, v in _PILOT_COLUMNS.items()}}
    t = _table("cities", p, sheet, headers, [*PILOT_PROPS, "pilot_source_kind"], "试点城市名单")
    merged: dict[str, tuple[int, dict[str, list[str]]]] = {}
    for r in range(hr + 1, len(sheet.rows)):
        row = sheet.rows[r]
        if not any(row):
            continue
        code = _code(sheet.cell(r, cols.get(_norm("city_code"))), 6)
        if not code:
            continue
        line, vals = merged.setdefault(code, (r + 1, {"name": [], **{k: [] for k in PILOT_PROPS}}))
        name = sheet.cell(r, cols.get(_norm("city_name")))
        if name and name not in vals["name"]:
            vals["name"].append(name)
        for k, col in _PILOT_COLUMNS.items():
            v = sheet.cell(r, cols.get(_norm(col)))
            if v and v not in vals[k]:
                vals[k].append(v)
    for code, (line, vals) in merged.items():
        values = {"code": code, "name": vals["name"][0] if vals["name"] else "",
                  **{k: "；".join(vals[k]) for k in PILOT_PROPS}}
        docs = "；".join(vals["pilot_document"]) or "试点城市名单"
        values["source"] = f"{docs}（{values['pilot_source']}）" if values["pilot_source"] else docs
        values["pilot_source_kind"] = PUBLIC  # the fact's own provenance, kept when a later table names the city
        t.rows.append(SourceRow(line, values))
    return [t]


# ============================================================================ detect and dispatch
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
    if _suffix(p) not in (".csv", ".txt", ".xls", ".xlsx", ".xlsm") or not p.is_file():
        return None
    try:
        sheets = _read_sheets(p, max_rows=15)
    except Exception:  # unreadable or not a table at all
        return None
    for sheet in sheets:
        for fmt, sig in _SIGNATURES:
            if _find_header(sheet, sig) is not None:
                return fmt
        if not sheet.rows:
            continue
        head = [_norm(v) for v in sheet.rows[0] if v]
        data = [row for row in sheet.rows[1:6] if any(row)]
        if not data:
            continue
        if head == ["code", "name"] and all(re.fullmatch(r"\d{2}", row[0]) for row in data):
            return CN_PROVINCES
        if head == ["code", "name", "provinceCode"] and all(re.fullmatch(r"\d{4}", row[0]) for row in data):
            return CN_CITIES
    return None


_READERS: dict[str, Callable[..., list[SourceTable]]] = {
    MOE_HEI_LIST: read_moe_hei_list,
    VOCATIONAL_CATALOG: read_vocational_catalog,
    UNDERGRADUATE_CATALOG: read_undergraduate_catalog,
    GBT4754_1D: read_gbt4754,
    GBT4754_2D: read_gbt4754,
    HENAN_DIVISIONS: read_divisions,
    CN_CITIES: read_divisions,
    CN_PROVINCES: read_divisions,
    PILOT_CITIES: read_pilot_cities,
}


def read_official(path: PathLike, **options: Any) -> list[SourceTable]:
    """Read an official file with the reader its format calls for (see :func:`detect_official`).

    ``options`` go to that reader (``province=``, ``edition=``, ``city_codes=`` for the MOE list,
    ``include_zones=`` for divisions); an option the reader does not take raises ``TypeError``.
    """
    fmt = detect_official(path)
    if fmt is None:
        raise ValueError(f"{path}: 不是可识别的官方格式（教育部高校名单、专业目录、GB/T 4754、区划代码）")
    return _READERS[fmt](path, **options)


def read_public_dir(public_dir: PathLike, *, province: str | None = "河南省") -> list[SourceTable]:
    """The official lists of a folder laid out like ``shared/data/public`` (``iekg build --public DIR``).

    Reads, when present: the Henan division codes, the full GB/T 4754-2017 table, both major catalogues
    and the MOE institution list (2025 edition, with former names from the 2024 edition as aliases), and
    the pilot-city list (``henan_pilot_cities.csv``: each city's pilot status as a public fact).
    """
    d = Path(public_dir)
    out: list[SourceTable] = []
    for name, reader in (("henan_admin_divisions.csv", read_divisions), ("gbt4754_2017_industry_1d.csv", read_gbt4754),
                         ("vocational_major_catalog_2021_upd2025.csv", read_vocational_catalog),
                         ("undergraduate_major_catalog_2024.csv", read_undergraduate_catalog)):
        if (d / name).is_file():
            out += reader(d / name)
    newer = next((d / n for n in ("moe_hei_list_2025.xls", "moe_hei_list_2025.csv") if (d / n).is_file()), None)
    older = d / "moe_hei_list_2024.csv"
    if newer is not None and older.is_file():
        out += read_moe_renames(older, newer, province=province)
    elif newer is not None:
        out += read_moe_hei_list(newer, province=province)
    if (d / "henan_pilot_cities.csv").is_file():
        out += read_pilot_cities(d / "henan_pilot_cities.csv")
    return out
