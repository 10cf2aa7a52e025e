# Over 500 lines on purpose: one parser of one document, whose patterns and reading go together (_Parser is one pass).
"""Reader of the seed notice 豫发改社会〔2022〕646号 (a raw web-page dump) into import tables.

:func:`parse_notice` turns the notice text into three :class:`SourceTable` objects:

* ``policies`` — the notice itself (文号, title, the signing departments, level, 成文日期, status, the two
  documents it cites *as printed*, plus the web page's metadata, the recipients, the plan outline and the
  format of the two attachments) and one row for each cited document;
* ``targets`` — the 2025 targets per pilot city of 二、试点目标 (``kind`` = ``target``) and the conditions to
  apply of 三、申报条件 (``kind`` = ``condition``), as data: metric, comparison, value, unit, deadline and the
  exact source phrase; where the reading needed an interpretation, ``note`` says which;
* ``tasks`` — the pilot tasks of 试点任务 with their sequence number, title and paragraph.

Every row carries ``line`` = the 1-based line of the text file where its fact is found, and a ``source``
value naming the notice and that line (the shipped CSVs keep it when the line number is lost).

The parser works on patterns, not on line numbers: blank lines, full-width characters, a heading without
its numeral (the dump prints ``、试点任务`` for ``四、试点任务``) and paragraphs wrapped over several lines are
tolerated.  A text that does not look like the notice raises :class:`NoticeFormatError` naming what is
missing.  The cited 文号 are kept exactly as printed (the notice misprints both); repairing them is the
validator's job, with a warning.

:func:`write_notice_csvs` / :func:`read_notice_csvs` store the tables as the shipped reference CSVs
``iekg/data/reference/notice_*.csv`` so that a machine without the seed file still gets them;
:func:`notice_tables` returns the parse of the seed when it is there and the shipped CSVs otherwise.
"""

from __future__ import annotations

import bisect
import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from iekg.loaders.source import DOCUMENT, SourceRow, SourceTable
from iekg.loaders.tables import PROVENANCE_COLUMNS, TABLES

__all__ = [
    "NOTICE_CSV_FILES",
    "NoticeFormatError",
    "REFERENCE_DIR",
    "notice_tables",
    "parse_notice",
    "parse_notice_text",
    "read_notice_csvs",
    "write_notice_csvs",
]

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"
NOTICE_CSV_FILES = {
    "policies": "notice_policies.csv",
    "targets": "notice_targets.csv",
    "tasks": "notice_tasks.csv",
}

# Extra (non-contract) columns written by this reader, in order.
POLICY_EXTRAS = ("published", "index_number", "office", "recipients", "attachment_formats", "outline", "note")
TARGET_EXTRAS = ("kind", "any_of", "note")
TASK_EXTRAS: tuple[str, ...] = ()
_EXTRAS = {"policies": POLICY_EXTRAS, "targets": TARGET_EXTRAS, "tasks": TASK_EXTRAS}
SOURCE_COLUMN = "source"


class NoticeFormatError(ValueError):
    """The text is not (or no longer looks like) the pilot-city notice; the message says what is missing."""


# ------------------------------------------------------------------------------------ normalisation
# A 1:1 character map (so offsets in the normalised text are offsets in the original): full-width ASCII to
# half-width, every kind of space to a plain space, dash variants to ``-``.
_WIDTH: dict[int, int] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_WIDTH.update({cp: 0x20 for cp in (0x3000, 0x00A0, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x0009)})
_WIDTH.update({cp: 0x20 for cp in range(0x2000, 0x200B)})
_WIDTH.update({cp: ord("-") for cp in (0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212)})
_WIDTH.update({0x3014: 0x3014, 0x3015: 0x3015})  # 〔〕 stay as they are (the 文号 brackets)


def _norm(s: str) -> str:
    return s.translate(_WIDTH)


@dataclass(frozen=True)
class _Line:
    no: int  # 1-based line number in the file
    raw: str  # the line as printed, surrounding blanks removed
    norm: str  # the same characters normalised (same length as raw)


def _split_lines(text: str) -> list[_Line]:
    out: list[_Line] = []
    for i, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        n = _norm(line)
        stripped = n.strip()
        if not stripped:
            continue
        start = len(n) - len(n.lstrip())
        end = start + len(stripped)
        out.append(_Line(i, line[start:end], stripped))
    return out


@dataclass
class _Block:
    """Consecutive lines joined without separator (Chinese text wrapped over lines reads on), with the
    line number of every offset, so that a phrase found anywhere can be traced to its line."""

    raw: str
    norm: str
    offsets: list[int]
    numbers: list[int]

    @classmethod
    def of(cls, lines: Iterable[_Line]) -> _Block:
        raw: list[str] = []
        norm: list[str] = []
        offsets: list[int] = []
        numbers: list[int] = []
        pos = 0
        for ln in lines:
            raw.append(ln.raw)
            norm.append(ln.norm)
            offsets.append(pos)
            numbers.append(ln.no)
            pos += len(ln.raw)
        return cls("".join(raw), "".join(norm), offsets, numbers)

    def line_at(self, pos: int) -> int:
        return self.numbers[bisect.bisect_right(self.offsets, pos) - 1]

    def clause(self, pattern: str, stops: str = ",，;；。") -> tuple[str, int] | None:
        """The clause (between ``stops``) around the first match of ``pattern``: (text as printed, line)."""
        m = re.search(pattern, self.norm)
        if m is None:
            return None
        start = max(self.norm.rfind(c, 0, m.start()) for c in stops) + 1
        ends = [i for i in (self.norm.find(c, m.end()) for c in stops) if i >= 0]
        end = min(ends) if ends else len(self.norm)
        while start < end and self.norm[start] in " ":
            start += 1
        return self.raw[start:end].strip(), self.line_at(start)


# -------------------------------------------------------------------------------------------- patterns
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUM = "一二三四五六七八九十"


def _cn_int(s: str) -> int:
    """Chinese numerals up to 99 (一 … 十 … 九十九)."""
    if s.isdigit():
        return int(s)
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS[s]


def _cn_numeral(n: int) -> str:
    if n <= 10:
        return "零一二三四五六七八九十"[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_NUM[tens - 1]) + "十" + ("" if ones == 0 else _CN_NUM[ones - 1])


_HAN = r"\u4e00-\u9fff"
# A 文号: issuer code, bracketed year, serial, 号.  Brackets after normalisation: 〔〕 [] () 【】.
_DOCNUM = re.compile(rf"[{_HAN}]{{1,12}}\s*[〔\[(【]\s*\d{{4}}\s*[〕\])】]\s*\d{{1,5}}\s*号")
_SERIAL = re.compile(r"(\d{1,5})\s*号$")
_HEADER_LABELS = ("公开事项名称", "文号", "主办单位", "索引号", "成文日期", "发布时间", "失效时间", "有效性")
_HEADER_FIELD = re.compile(
    rf"({'|'.join(_HEADER_LABELS)})\s*:\s*(.*?)\s*(?=(?:{'|'.join(_HEADER_LABELS)})\s*:|$)")
# A body or outline heading: 一、总体要求 (the numeral may be missing, as in the dump's "、试点任务").
_HEADING = re.compile(rf"^([{_CN_NUM}]{{0,3}})\s*[、.]\s*([{_HAN}()]{{2,30}})$")
_ITEM = re.compile(rf"^\(\s*([{_CN_NUM}]{{1,3}})\s*\)\s*")
_DATE_CN = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DATE_LINE = re.compile(rf"^{_DATE_CN.pattern}$")
_AGENCY = re.compile(rf"^[{_HAN}()]{{2,40}}(?:委员会|办公厅|办公室|厅|局|委|部|院|政府|中心|会|署)$")
_CITED = re.compile(r"《(?P<title>[^《》]{2,100})》\s*\(\s*(?P<num>[^()《》]{2,40}?号)\s*\)")
_CITED_ISSUER_BEFORE = re.compile(rf"(?:贯彻落实|落实|贯彻|根据|按照|依据|依照)\s*(?P<issuer>[{_HAN}\d]{{2,30}})$")
_ISSUER_IN_TITLE = re.compile(rf"^(?P<issuer>[{_HAN}]{{2,30}}?(?:办公厅|人民政府|委员会|部|厅|局|委|院))关于")
_NATIONAL = ("国家", "国务院", "中共中央", "教育部", "财政部", "工业和信息化部", "人力资源社会保障部",
             "人力资源和社会保障部", "国务院国资委")

# Section names of the notice body (the numerals are not trusted).
_S_GOALS, _S_CONDITIONS, _S_TASKS = "试点目标", "申报条件", "试点任务"
_SECTION_NAMES = ("总体要求", _S_GOALS, _S_CONDITIONS, _S_TASKS, "申报程序", "其他要求")

# Target rules: metric, name, pattern (on the normalised text; group n = the number, q = 以上/左右), unit,
# note.  The recorded text is the matched phrase as printed.
_NUM = r"(?P<n>\d+|若干|[一二两三四五六七八九十]+)"
_Q = r"(?P<q>以上|左右|以下)?"
_TARGET_RULES: tuple[tuple[str, str, str, str], ...] = (
    ("key_zones", "产教融合重点区域",
     rf"(?:培育|打造|建设|形成)*\s*{_NUM}\s*个\s*{_Q}\s*产教融合重点区域", "个"),
    ("integration_industries", "产教融合型行业",
     rf"(?:围绕[^,，;；。]{{0,30}}?)?(?:培育|打造|建设|形成)+\s*{_NUM}\s*个\s*{_Q}\s*产教融合型行业", "个"),
    ("provincial_iei_enterprises", "省级产教融合型企业",
     rf"(?:培育|打造|建设|形成)*\s*{_NUM}\s*[个家]\s*{_Q}\s*省级产教融合型企业", "个"),
    ("high_level_training_bases", "高水平产教融合实验实训基地",
     rf"(?:培育|打造|建设|形成)*\s*{_NUM}\s*个\s*{_Q}\s*高水平产教融合实验实训基地", "个"),
)
_POLICY_FRAMEWORK = r"(?:构建|建立|形成|健全)?\s*完善的[^,，;；。]{0,30}?政策框架体系"
_LEADING = (r"(?:至少)?\s*(?:新)?\s*(?:培育)?\s*(?P<ni>\d+|[一二两三])\s*所\s*院校\s*或\s*"
            r"(?P<nm>\d+|[一二两三])(?:\s*[-~至到]\s*(?P<nm2>\d+|[一二两三四五]))?\s*个\s*专业\s*"
            r"(?:\(\s*群\s*\))?\s*进入全省领先行列")
_DEADLINE = re.compile(r"到\s*(\d{4})\s*年")


# ---------------------------------------------------------------------------------------- the parse
def parse_notice(path: str | Path) -> list[SourceTable]:
    """Parse the notice text file at ``path`` into the tables ``policies``, ``targets`` and ``tasks``.

    The file may be UTF-8 (with or without BOM) or GB18030/GBK.  Raises :class:`NoticeFormatError` when the
    text does not look like the notice.
    """
    p = Path(path)
    return parse_notice_text(_read_text(p), file=str(p))


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data:
        raise NoticeFormatError(f"{path}: binary file, expected the text of the notice")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise NoticeFormatError(f"{path}: neither UTF-8 nor GB18030 text")  # pragma: no cover


def parse_notice_text(text: str, file: str = "<notice>") -> list[SourceTable]:
    """Parse the notice from its text; ``file`` is the name used in tables and messages."""
    return _Parser(text, file).parse()


class _Parser:
    def __init__(self, text: str, file: str) -> None:
        self.file = file
        self.lines = _split_lines(text)
        self.missing: list[str] = []

    # -- helpers
    def _fail(self) -> None:
        if self.missing:
            raise NoticeFormatError(
                f"{self.file}: does not look like the notice on provincial industry–education integration "
                f"pilot cities (关于开展省级产教融合型城市建设试点遴选工作的通知): "
                f"missing {'; '.join(self.missing)}")

    def parse(self) -> list[SourceTable]:
        if not self.lines:
            self.missing.append("any text (the file is empty)")
            self._fail()
        sig = self._signature()
        body_end = sig[0] if sig else len(self.lines)
        body = self.lines[:body_end]
        sections = self._sections(body)
        first_heading = min((s[0] for s in sections.values()), default=len(body))
        header = self._header(body[:first_heading])
        doc = self._doc_number(header, body[:first_heading])
        title = self._title(header, body[:first_heading])
        if title and "产教融合" not in title[0]:
            self.missing.append(f"a title about 产教融合 (found 「{title[0]}」)")
        if sig is None:
            self.missing.append("the signature block (departments followed by a date such as 2022年7月29日)")
        for name in (_S_GOALS, _S_CONDITIONS, _S_TASKS):
            if name not in sections:
                self.missing.append(f"section 「{name}」")
        self._fail()
        assert doc is not None and title is not None and sig is not None

        serial = _SERIAL.search(_norm(doc[0]))
        assert serial is not None
        self.serial = serial.group(1)
        issuers, date, date_line = sig[1], sig[2], sig[3]
        self.doc = doc[0]
        self.cite = _cite(doc[0], date, issuers)

        goals = _Block.of(body[sections[_S_GOALS][0] + 1:sections[_S_GOALS][1]])
        conditions = _Block.of(body[sections[_S_CONDITIONS][0] + 1:sections[_S_CONDITIONS][1]])
        target_rows = self._targets(goals) + self._conditions(conditions)
        task_rows = self._tasks(body[sections[_S_TASKS][0] + 1:sections[_S_TASKS][1]], sections[_S_TASKS][0])
        self._fail()
        for i, (_, values) in enumerate(target_rows, start=1):
            values["id"] = f"T-{self.serial}-{i:02d}"

        recipients = self._recipients(body[:first_heading], doc)
        preamble_start = next((i for i, ln in enumerate(body) if ln.no > recipients[1]), 0) if recipients else 0
        cited = self._cited(_Block.of(body[preamble_start:first_heading]))
        after = self.lines[body_end:]
        notice = {
            "doc_number": doc[0],
            "title": title[0],
            "issuer": ";".join(issuers),
            "level": _level(issuers[0], doc[0]),
            "date": date,
            "status": header.get("有效性", ("", 0))[0],
            "cites": ";".join(c["doc_number"] for _, c in cited),
            "published": _iso_date(header.get("发布时间", ("", 0))[0]),
            "index_number": header.get("索引号", ("", 0))[0],
            "office": header.get("主办单位", ("", 0))[0],
            "recipients": recipients[0] if recipients else "",
            "attachment_formats": self._attachments(after),
            "outline": self._outline(after),
            "note": (f"成文日期取自落款（第{date_line}行）；网页元数据中的成文日期为空。"
                     if not _iso_date(header.get("成文日期", ("", 0))[0]) else ""),
        }
        policy_rows = [(doc[1], notice)] + cited
        return [
            self._table("policies", policy_rows),
            self._table("targets", target_rows),
            self._table("tasks", task_rows),
        ]

    def _table(self, name: str, rows: list[tuple[int, dict[str, str]]]) -> SourceTable:
        table = TABLES[name]
        extras = _EXTRAS[name]
        keys = [c.key for c in table.columns] + list(extras)
        out = []
        for line, values in rows:
            full = {k: values.get(k, "") for k in keys}
            full[SOURCE_COLUMN] = f"{self.cite}, line {line}"
            out.append(SourceRow(line, full))
        headers = {c.key: c.zh for c in table.columns}
        headers.update({k: k for k in extras})
        headers[SOURCE_COLUMN] = "来源"
        return SourceTable(name, self.file, out, headers=headers, extra=list(extras), kind=DOCUMENT,
                           cite=self.cite)

    # -- header, title, recipients
    def _header(self, lines: list[_Line]) -> dict[str, tuple[str, int]]:
        found: dict[str, tuple[str, int]] = {}
        for ln in lines:
            for m in _HEADER_FIELD.finditer(ln.norm):
                if m.group(1) not in found:
                    found[m.group(1)] = (ln.raw[m.start(2):m.end(2)].strip(), ln.no)
        return found

    def _doc_number(self, header: dict[str, tuple[str, int]], lines: list[_Line]) -> tuple[str, int] | None:
        value, no = header.get("文号", ("", 0))
        m = _DOCNUM.fullmatch(_norm(value))
        if m:
            return value, no
        for ln in lines:
            if _DOCNUM.fullmatch(ln.norm):
                return ln.raw, ln.no
        self.missing.append("the 文号 (e.g. 豫发改社会〔2022〕646号) before the first section")
        return None

    def _title(self, header: dict[str, tuple[str, int]], lines: list[_Line]) -> tuple[str, int] | None:
        value, no = header.get("公开事项名称", ("", 0))
        if value:
            return value, no
        for ln in lines:
            if re.fullmatch(r"关于.{4,80}的通知", ln.norm):
                return ln.raw, ln.no
        # The title may be wrapped: join the lines after the standalone 文号 up to the recipients.
        for i, ln in enumerate(lines):
            if _DOCNUM.fullmatch(ln.norm):
                parts = []
                for nxt in lines[i + 1:]:
                    if nxt.norm.startswith("各") or nxt.norm.startswith("为"):
                        break
                    parts.append(nxt)
                if parts and parts[0].norm.startswith("关于"):
                    return "".join(p.raw for p in parts), parts[0].no
        self.missing.append("the title (关于…的通知)")
        return None

    def _recipients(self, lines: list[_Line], doc: tuple[str, int]) -> tuple[str, int] | None:
        for ln in lines:
            if ln.no <= doc[1]:
                continue
            if ln.norm.startswith("各") and "。" not in ln.norm and len(ln.norm) < 200:
                return ln.raw.rstrip(":：").strip(), ln.no
        return None

    # -- cited documents
    def _cited(self, block: _Block) -> list[tuple[int, dict[str, str]]]:
        rows = []
        for m in _CITED.finditer(block.norm):
            title = block.raw[m.start("title"):m.end("title")].strip()
            num = block.raw[m.start("num"):m.end("num")].strip()
            before = _CITED_ISSUER_BEFORE.search(block.norm[:m.start()])
            in_title = _ISSUER_IN_TITLE.match(_norm(title))
            issuer = ""
            notes = []
            if before:
                issuer = block.raw[before.start("issuer"):before.end("issuer")]
                if re.search(r"等\s*\d+\s*(?:个)?\s*部(?:委|门)", issuer):
                    notes.append(f"发文单位按原文记为「{issuer}」，通知未列出其余各部门名称。")
            elif in_title:
                issuer = in_title.group("issuer")
                notes.append("发文单位取自标题。")
            if not _DOCNUM.fullmatch(_norm(num)):
                notes.append(f"文号按原文照录「{num}」（原文印刷有误，年份括号不完整），由校验程序修复并给出警告。")
            rows.append((block.line_at(m.start()), {
                "doc_number": num,
                "title": title,
                "issuer": issuer,
                "level": _level(issuer, num),
                "note": f"被{self.doc}引用。" + "".join(notes),
            }))
        if not rows:
            self.missing.append("the cited documents (《…》(文号)) in the preamble")
        return rows

    # -- sections
    def _sections(self, body: list[_Line]) -> dict[str, tuple[int, int]]:
        """Known section name → (index of its heading, index of the next heading) in ``body``."""
        heads: list[tuple[int, str]] = []
        for i, ln in enumerate(body):
            m = _HEADING.match(ln.norm)
            if m:
                heads.append((i, m.group(2)))
            elif ln.norm in _SECTION_NAMES:  # a heading that lost both its numeral and its 、
                heads.append((i, ln.norm))
        out: dict[str, tuple[int, int]] = {}
        for k, (i, name) in enumerate(heads):
            end = heads[k + 1][0] if k + 1 < len(heads) else len(body)
            # The body ends before the "附件:" line of the notice's own attachment.
            for j in range(i + 1, end):
                if body[j].norm.startswith("附件"):
                    end = j
                    break
            for known in _SECTION_NAMES:
                if known in name and known not in out:
                    out[known] = (i, end)
        return out

    def _signature(self) -> tuple[int, list[str], str, int] | None:
        """(index of the first signature line, departments in order, ISO date, date line number)."""
        for i, ln in enumerate(self.lines):
            m = _DATE_LINE.match(ln.norm)
            if not m:
                continue
            agencies: list[str] = []
            j = i - 1
            while j >= 0:
                parts = self.lines[j].raw.split()
                if parts and all(_AGENCY.match(_norm(p)) for p in parts):
                    agencies[:0] = parts
                    j -= 1
                else:
                    break
            if agencies:
                return j + 1, agencies, _iso(m), ln.no
        return None

    # -- targets and conditions
    def _target(self, block: _Block, metric: str, name: str, m: re.Match[str], comparison: str,
                value: str, unit: str, kind: str, note: str, any_of: str = "", deadline: str = ""
                ) -> tuple[int, dict[str, str]]:
        start = m.start()
        while start < m.end() and block.norm[start] == " ":
            start += 1
        return block.line_at(start), {
            "doc_number": self.doc, "metric": metric, "name": name, "comparison": comparison,
            "value": value, "unit": unit, "deadline": deadline,
            "text": block.raw[start:m.end()].strip(), "kind": kind, "any_of": any_of, "note": note,
        }

    def _targets(self, block: _Block) -> list[tuple[int, dict[str, str]]]:
        dl = _DEADLINE.search(block.norm)
        if dl is None:
            self.missing.append(f"the target year (到20XX年) in section 「{_S_GOALS}」")
            return []
        deadline = dl.group(1)
        found: list[tuple[int, tuple[int, dict[str, str]]]] = []  # (offset, row) to keep the text's order

        m = re.search(_POLICY_FRAMEWORK, block.norm)
        if m is None:
            self.missing.append(f"target 政策框架体系 in section 「{_S_GOALS}」")
        else:
            found.append((m.start(), self._target(
                block, "policy_framework", "深化产教融合发展政策框架体系", m, ">=", "1", "项", "target",
                "定性目标的近似：value 1 表示本市至少出台1项（市级）产教融合政策；"
                "政策框架体系是否“完善”无法由数据判断。", deadline=deadline)))

        for metric, name, pattern, unit in _TARGET_RULES:
            m = re.search(pattern, block.norm)
            if m is None:
                self.missing.append(f"target {name} in section 「{_S_GOALS}」")
                continue
            n, q = m.group("n"), m.group("q") or ""
            value, notes = _count(n)
            comparison = ">="
            if q == "以上":
                notes.append("“以上”含本数。")
            elif q == "左右":
                notes.append(f"“{n}个左右”为约数，按下限（不少于{value}个）判定。")
            elif q == "以下":
                comparison = "<="
                notes.append("“以下”含本数。")
            found.append((m.start(), self._target(block, metric, name, m, comparison, value, unit, "target",
                                                  "".join(notes), deadline=deadline)))

        m = re.search(_LEADING, block.norm)
        if m is None:
            self.missing.append(f"target 院校或专业(群)进入全省领先行列 in section 「{_S_GOALS}」")
        else:
            group = f"G-{self.serial}-1"
            ni, nm, nm2 = m.group("ni"), m.group("nm"), m.group("nm2")
            vi, _ = _count(ni)
            vm, _ = _count(nm)
            either = "与 {other} 为“或”关系（any_of 相同），任一满足即达成。"
            found.append((m.start(), self._target(
                block, "leading_institutions", "新进入全省领先行列的院校", m, ">=", vi, "所", "target",
                either.format(other="leading_majors") + "“新培育”指试点期间新进入全省领先行列。",
                any_of=group, deadline=deadline)))
            range_note = f"“{nm}-{nm2}个”取下限{vm}。" if nm2 else ""
            found.append((m.start() + 1, self._target(
                block, "leading_majors", "新进入全省领先行列的专业(群)", m, ">=", vm, "个", "target",
                range_note + either.format(other="leading_institutions"), any_of=group, deadline=deadline)))
        found.sort(key=lambda x: x[0])
        return [row for _, row in found]

    def _conditions(self, block: _Block) -> list[tuple[int, dict[str, str]]]:
        rows: list[tuple[int, dict[str, str]]] = []
        rules = (
            ("condition_major_industry_relevance", "本地院校专业(群)与本地产业关联度",
             r"专业[^,，;；。]{0,12}与[^,，;；。]{0,10}产业[^,，;；。]{0,6}关联度", ",，;；。",
             ">=", "0.6", "SAI",
             "原文“关联度高”无量化标准；近似为本市结构匹配指数 SAI（metrics.md）不低于0.6，阈值为假设，可在设置中调整。"),
            ("condition_graduate_employment", "毕业生就业质量", r"毕业生就业[^,，;；。]{0,10}",
             ",，;；。", ">=", "0.9", "比率",
             "原文“就业质量高”无量化标准；近似为本市院校毕业生就业率不低于90%，阈值为假设，可在设置中调整；"
             "就业质量不止就业率。"),
            ("condition_iei_cultivation_list", "进入省级产教融合型企业培育名单的企业",
             r"进入[^,，;；。]{0,10}产教融合型企业培育名单", ",，;；。", ">=", "1", "家",
             "“一定数量”按至少1家理解；计入省级培育名单上的企业及已认定的省级、国家级产教融合型企业。"),
            ("condition_training_platforms", "已建产教融合实训平台载体",
             r"已建有[^,，;；。]{0,12}实训平台", ",，;；。", ">=", "1", "个",
             "“一批”按至少1个理解；计入本市的实训基地和产教融合平台载体。"),
            ("condition_policies_since_2016", "“十三五”以来出台的产教融合支持政策",
             r"十三五[^。]{0,30}?支持政策", "。", ">=", "1", "项",
             "“十三五”以来即2016年起：计入2016-01-01以后发布、适用于本市的产教融合政策至少1项；"
             "“已贯彻落实”无法由数据判断。"),
        )
        for metric, name, pattern, stops, comparison, value, unit, note in rules:
            found = block.clause(pattern, stops)
            if found is None:
                self.missing.append(f"condition {name} in section 「{_S_CONDITIONS}」")
                continue
            text, line = found
            rows.append((line, {
                "doc_number": self.doc, "metric": metric, "name": name, "comparison": comparison,
                "value": value, "unit": unit, "deadline": "", "text": text, "kind": "condition",
                "any_of": "", "note": note,
            }))
        # "…培育名单，或已建有一批…": the two are alternatives.
        by_metric = {r["metric"]: r for _, r in rows}
        iei, platforms = by_metric.get("condition_iei_cultivation_list"), by_metric.get(
            "condition_training_platforms")
        if iei and platforms and _norm(platforms["text"]).startswith("或"):
            group = f"G-{self.serial}-2"
            platforms["text"] = platforms["text"][1:].strip()
            iei["any_of"] = platforms["any_of"] = group
            iei["note"] += "与 condition_training_platforms 为“或”关系（any_of 相同），任一满足即可。"
            platforms["note"] += "与 condition_iei_cultivation_list 为“或”关系（any_of 相同），任一满足即可。"
        return rows

    # -- tasks
    def _tasks(self, lines: list[_Line], heading_index: int) -> list[tuple[int, dict[str, str]]]:
        items: list[tuple[int, list[_Line]]] = []
        for ln in lines:
            m = _ITEM.match(ln.norm)
            if m:
                items.append((_cn_int(m.group(1)), [ln]))
            elif items:
                items[-1][1].append(ln)  # a wrapped paragraph reads on
        rows = []
        for expected, (seq, paragraph) in enumerate(items, start=1):
            if seq != expected:
                self.missing.append(f"task ({_cn_numeral(expected)}) in section 「{_S_TASKS}」 "
                                    f"(found ({_cn_numeral(seq)}) at line {paragraph[0].no})")
                return []
            block = _Block.of(paragraph)
            marker = _ITEM.match(block.norm)
            assert marker is not None
            stop = block.norm.find("。", marker.end())
            title = block.raw[marker.end():stop if stop >= 0 else len(block.raw)].strip()
            rows.append((paragraph[0].no, {
                "id": f"TASK-{self.serial}-{seq}", "doc_number": self.doc, "seq": str(seq),
                "title": title, "text": block.raw,
            }))
        if not rows:
            self.missing.append(f"the numbered tasks ((一)…) of section 「{_S_TASKS}」")
        return rows

    # -- after the signature: the plan outline and the attachments
    def _outline(self, lines: list[_Line]) -> str:
        start = next((i for i, ln in enumerate(lines) if "编制提纲" in ln.norm), None)
        if start is None:
            return ""
        titles = []
        for ln in lines[start + 1:]:
            if ln.norm.startswith("附件"):
                break
            m = _HEADING.match(ln.norm)
            if m and m.group(1):
                titles.append(ln.raw[m.start(2):m.end(2)])
        return ";".join(titles)

    def _attachments(self, lines: list[_Line]) -> str:
        out = []
        for i, ln in enumerate(lines):
            m = re.fullmatch(r"附件\s*(\d+)", ln.norm)
            if not m or i + 1 >= len(lines):
                continue
            name = lines[i + 1].raw
            cols = []
            for nxt in lines[i + 2:]:
                if nxt.norm.isdigit() or nxt.norm.startswith("注") or nxt.norm.startswith("附件"):
                    break
                cols.append(nxt.raw)
            out.append(f"附件{m.group(1)} {name}: {'/'.join(cols)}")
        return " | ".join(out)


# ------------------------------------------------------------------------------------------ helpers
def _iso(m: re.Match[str]) -> str:
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"


def _iso_date(s: str) -> str:
    m = _DATE_CN.search(_norm(s))
    return _iso(m) if m else ""


def _count(n: str) -> tuple[str, list[str]]:
    """A count as printed → (value, notes)."""
    if n == "若干":
        return "1", ["“若干”按至少1个理解。"]
    return str(_cn_int(n)), []


def _level(issuer: str, doc_number: str) -> str:
    name = _norm(issuer)
    if name.startswith(_NATIONAL):
        return "国家级"
    if name.startswith("河南省") or _norm(doc_number).startswith("豫"):
        return "省级"
    if re.match(rf"[{_HAN}]{{2,8}}省", name):
        return "省级"
    return ""


def _cite(doc_number: str, date: str, issuers: list[str]) -> str:
    """河南省发展改革委等六部门 豫发改社会〔2022〕646号 (2022-07-29)."""
    lead = issuers[0].replace("发展和改革委员会", "发展改革委")
    if len(issuers) > 1:
        lead += f"等{_cn_numeral(len(issuers))}部门"
    return f"{lead} {doc_number} ({date})"


# -------------------------------------------------------------------------------- shipped CSV files
def _columns(table: SourceTable) -> list[str]:
    return [c.key for c in TABLES[table.table].columns] + list(table.extra) + [SOURCE_COLUMN]


def write_notice_csvs(tables: list[SourceTable], directory: str | Path = REFERENCE_DIR) -> list[Path]:
    """Write ``notice_<table>.csv`` (UTF-8, English key headers) for each table; returns the paths."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in tables:
        path = d / NOTICE_CSV_FILES[table.table]
        cols = _columns(table)
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
            w.writeheader()
            for row in table.rows:
                w.writerow({k: row.values.get(k, "") for k in cols})
        paths.append(path)
    return paths


def read_notice_csvs(directory: str | Path = REFERENCE_DIR) -> list[SourceTable]:
    """The shipped notice tables, in the order policies, targets, tasks (``line`` = the CSV row)."""
    d = Path(directory)
    tables = []
    for name, filename in NOTICE_CSV_FILES.items():
        path = d / filename
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            fields = list(reader.fieldnames or [])
            rows = [SourceRow(i, {k: (v or "") for k, v in rec.items() if k is not None})
                    for i, rec in enumerate(reader, start=2)]
        known = {c.key for c in TABLES[name].columns} | {c.key for c in PROVENANCE_COLUMNS}
        tables.append(SourceTable(name, str(path), rows, headers={k: k for k in fields},
                                  extra=[k for k in fields if k not in known], kind=DOCUMENT))
    policies = tables[0]
    if policies.rows:
        first = policies.rows[0].values
        cite = _cite(first["doc_number"], first["date"], first["issuer"].split(";"))
        for t in tables:
            t.cite = cite
    return tables


def notice_tables(seed: str | Path | None = None, directory: str | Path = REFERENCE_DIR) -> list[SourceTable]:
    """The notice's tables: parsed from ``seed`` when that file exists, else the shipped CSVs."""
    if seed is not None and Path(seed).is_file():
        return parse_notice(seed)
    return read_notice_csvs(directory)
