"""The MOE 全国普通高等学校名单 (institutions): its editions, former names and the differences between editions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from iekg.loaders.official.cities import default_city_codes, lookup_city
from iekg.loaders.official.common import PathLike, Sheet, as_code, headed, norm, public_table, same_province
from iekg.loaders.source import SourceRow, SourceTable

# Known cut-off dates of the MOE lists (the title gives them; the CSV copies do not).
_MOE_LIST_DATES = {"2024": "2024年6月20日", "2025": "2025年6月20日"}

_PROVINCE_HEADER = re.compile(r"^(.+?)[（(]\s*\d+\s*所\s*[)）]$")
_VOC_BACHELOR = re.compile(r"职业(技术)?大学$|职业技术学院$")
_EDITION_DATE_ZH = re.compile(r"截至\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_EDITION_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def institution_level(raw_level: str, name: str) -> str:
    """本科 → 本科 or 职业本科 (name ends in 职业大学/职业技术大学/职业技术学院); 专科 → 高职专科."""
    s = norm(raw_level)
    if s == "本科":
        return "职业本科" if _VOC_BACHELOR.search(norm(name)) else "本科"
    if s == "专科":
        return "高职专科"
    return raw_level.strip()


def _ownership(note: str) -> str:
    return "民办" if "民办" in note else "公办"


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


def _moe_records(path: Path) -> list[tuple[Sheet, dict[str, str], list[_MoeRecord], dict[str, _Edition]]]:
    """Raw school rows of every sheet that holds an MOE list, with their province and edition."""
    out = []
    for sheet, hr, cols in headed(path, ("学校名称", "学校标识码", "所在地")):
        col = {k: cols.get(norm(h)) for k, h in _MOE_FIELDS.items()}
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
            seq = as_code(sheet.cell(r, col["seq"]))
            inst = as_code(sheet.cell(r, col["id"]))
            if not inst and not seq.isdigit():
                continue  # a repeated header, a note or a footer
            if norm(sheet.cell(r, col["id"])) == norm("学校标识码"):
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


def _moe_table(path: Path, sheet: Sheet, headers: dict[str, str], records: list[_MoeRecord],
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
    t = public_table("institutions", path, sheet, hdr, extra, edition.cite)
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
            records = [r for r in records if same_province(r.province, province)]
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
