"""The Attachment 1 + 2 workbook: one sheet per attachment (title, the notice's header row, the rows, its
注 line, and for illustrative data a red warning), and the evidence sheet behind the drafted rows; row
heights estimated from the text, A4 landscape with the header row repeated on every printed page."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from iekg import textsafe
from iekg.graph.schema import compact_key
from iekg.graph.store import Store
from iekg.reports.city import ILLUSTRATIVE_LINE, uses_illustrative_data
from iekg.reports.drafting import OWN, PLACEHOLDER, compose
from iekg.reports.lookups import evidence_labels
from iekg.reports.rules import Period, Rule
from iekg.reports.wording import GAP_LABELS, deadline_text, num

# The workbook: sheet names, titles, headers (row HEADER_ROW of each sheet), the notice's 注 lines.
HEADER_ROW = 2
SHEET1, SHEET2, SHEET3 = "附件1 问题清单", "附件2 政策清单", "依据 evidence"
TITLE1 = "附件1  产教融合改革问题清单"
TITLE2 = "附件2  产教融合试点政策清单"
HEADERS1 = ("序号", "主要问题", "解决时限")
HEADERS2 = ("序号", "政策内容", "责任部门", "完成时限", "对应问题序号")
HEADERS3 = ("附件", "序号", "来源", "缺口类型 gap type", "指标 metric", "排名 rank", "量级 magnitude",
            "对象 entity", "名称 name", "证据 evidence", "证据总数 evidence total", "依据 basis",
            "缺口 gap", "证据说明 evidence (readable)", "对口专业与权重 majors and weights")
# A report's sheets (a city already selected: iekg.reports.stage) say so in their titles.
REPORT_TITLES = ("附件1  产教融合改革问题清单（落实情况及新增问题）", "附件2  产教融合试点政策清单（落实情况及下一步举措）")
SOURCE_WORDS = {OWN: "本市已有清单", PLACEHOLDER: "待本市补充的举措"}
NOTE1 = "注：应在充分征求职业院校、高等学校和有关行业企业意见基础上编制问题清单。"
NOTE2 = "注：应在充分征求职业院校、高等学校和有关行业企业意见基础上编制政策清单。"

LINE_POINTS = 16.0  # one wrapped line of 11 pt text, with CJK fallback fonts (LibreOffice, WPS, Excel)
MAX_ROW_POINTS = 409.0  # Excel's largest row height


def _text_units(s: str) -> float:
    """Width of a line in Excel column units: wide (CJK, full-width) characters count 2, others 1.1."""
    return sum(2.0 if unicodedata.east_asian_width(ch) in "WF" else 1.1 for ch in s)


def _lines(value: Any, width: float) -> int:
    """How many lines ``value`` wraps to in a column ``width`` units wide (at least 1)."""
    if value is None or value == "":
        return 1
    usable = max(width - 1.5, 1.0)
    return sum(max(1, math.ceil(_text_units(part) / usable)) for part in str(value).split("\n"))


def _row_height(values: Sequence[Any], widths: Sequence[float]) -> float:
    """A row height (points) that shows every wrapped cell whole: the tallest cell's lines, plus padding."""
    n = max((_lines(v, w) for v, w in zip(values, widths, strict=False)), default=1)
    return min(MAX_ROW_POINTS, n * LINE_POINTS + 6.0)


def _deadline_cell(text: str, status: str) -> str:
    """A deadline cell in the column's one form (:func:`deadline_text`: ``2025年底`` → ``2025年12月``), with its
    state when past (``2024年12月（已逾期）``), never redated."""
    text = deadline_text(text)
    return f"{text}（{status}）" if text and status else text


def write_attachments_xlsx(rows1: Sequence[dict[str, Any]], rows2: Sequence[dict[str, Any]], path: str | Path, *,
                           city_name: str, illustrative: bool, titles: tuple[str, str] = (TITLE1, TITLE2),
                           labels: dict[str, str] | None = None) -> Path:
    """Write Attachment 1 and 2 (and the evidence sheet) to one workbook.

    Each sheet: row 1 the title, **row 2 the header** (exactly 序号 / 主要问题 / 解决时限 and 序号 / 政策内容
    / 责任部门 / 完成时限 / 对应问题序号), the rows from row 3, then the notice's 注 line and — for illustrative
    data — the line ``ILLUSTRATIVE_LINE`` (bold red).  A deadline already past is written as it is, with
    its state (``2024年12月（已逾期）``).  Sheet 3 ``依据 evidence`` lists, per row and gap, the gap type,
    rank, magnitude, evidence ids and their readable labels, and the majors a row names with their
    crosswalk weights (header also in row 2).

    Parameters
    ----------
    rows1, rows2 : sequence of dict
        Attachment 1 and 2 rows (:func:`~iekg.reports.drafting.attachments`).
    path : str or Path
        The workbook to write (its folder is made).
    city_name : str
        For the titles, the page footers and the document properties.
    illustrative : bool
        Whether to mark every sheet as built on illustrative data.
    titles : tuple of two str
        The titles of sheets 1 and 2 (:data:`TITLE1`, :data:`TITLE2`; a report's: :data:`REPORT_TITLES`).
    labels : dict or None
        Evidence key → readable label (:meth:`iekg.reports.lookups.evidence_labels`).

    Returns
    -------
    Path
        The workbook written.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="000000")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    center = Alignment(wrap_text=True, vertical="center", horizontal="center")
    warn_font = Font(bold=True, color="C00000", size=12)
    warn_fill = PatternFill("solid", fgColor="FFF2CC")

    wb = Workbook()
    ws1 = wb.active
    assert ws1 is not None
    ws1.title = SHEET1
    ws2 = wb.create_sheet(SHEET2)
    ws3 = wb.create_sheet(SHEET3)
    wb.properties.title = f"{city_name}建设省级产教融合型城市试点 附件1、附件2"
    wb.properties.creator = "iekg"

    def sheet(ws: Any, title: str, headers: Sequence[str], widths: Sequence[float], rows: Sequence[Sequence[Any]],
              note: str, centered: set[int]) -> None:
        ncol = len(headers)
        ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
        ws.cell(row=1, column=1).alignment = Alignment(horizontal="center", vertical="center")
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
        ws.row_dimensions[1].height = max(28.0, _row_height([title], [sum(widths) * 0.75]))  # 14 pt title
        ws.row_dimensions[HEADER_ROW].height = _row_height(headers, widths)
        for j, h in enumerate(headers, 1):
            c = ws.cell(row=HEADER_ROW, column=j, value=h)
            c.font = Font(bold=True)
            c.alignment = center
            c.border = box
            c.fill = PatternFill("solid", fgColor="D9E1F2")
        for i, values in enumerate(rows, HEADER_ROW + 1):
            for j, v in enumerate(values, 1):
                c = textsafe.xlsx_cell(ws, i, j, v)  # data, never a formula (iekg.textsafe)
                c.alignment = center if j in centered else wrap
                c.border = box
            # a set height per row, so that wrapped text neither overlaps the next row nor is cut off
            ws.row_dimensions[i].height = _row_height(values, widths)
        for j, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(j)].width = w
        r = HEADER_ROW + len(rows) + 1
        ws.cell(row=r, column=1, value=note).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncol)
        ws.row_dimensions[r].height = max(30.0, _row_height([note], [sum(widths)]))
        last = r
        if illustrative:
            c = ws.cell(row=r + 1, column=1, value=ILLUSTRATIVE_LINE)
            c.font = warn_font
            c.fill = warn_fill
            c.alignment = Alignment(wrap_text=True, vertical="center")
            ws.merge_cells(start_row=r + 1, start_column=1, end_row=r + 1, end_column=ncol)
            ws.row_dimensions[r + 1].height = max(30.0, _row_height([ILLUSTRATIVE_LINE], [sum(widths) * 0.9]))
            last = r + 1
            ws.sheet_properties.tabColor = "C00000"
            ws.oddHeader.center.text = "示意数据 illustrative — 不是真实情况"
        ws.oddFooter.center.text = f"{city_name}建设省级产教融合型城市试点 — 第 &P 页"
        ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
        # print: A4 landscape, the table fit to the page width, the header row repeated on every page
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        ws.print_area = f"A1:{get_column_letter(ncol)}{last}"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.5
        ws.page_margins.top = ws.page_margins.bottom = 0.8  # inches; room for the page header and footer
        ws.page_margins.header = ws.page_margins.footer = 0.35

    sheet(ws1, titles[0], HEADERS1, (8, 72, 18),
          [(r["序号"], r["主要问题"], _deadline_cell(r["解决时限"], r.get("时限状态", ""))) for r in rows1], NOTE1, {1, 3})
    sheet(ws2, titles[1], HEADERS2, (8, 64, 30, 18, 10),
          [(r["序号"], r["政策内容"], r["责任部门"], _deadline_cell(r["完成时限"], r.get("时限状态", "")),
            "、".join(str(x) for x in r.get("problem_seq") or [])) for r in rows2], NOTE2, {1, 4, 5})
    sheet(ws3, f"依据 evidence — {city_name}：附件各行对应的缺口与证据（供核对，不随申报材料报送）", HEADERS3,
          (8, 6, 26, 18, 22, 8, 12, 28, 30, 70, 10, 50, 40, 60, 50), evidence_rows(rows1, rows2, labels),
          "说明：来源“本市已有清单”为本市已有清单中的行；其余各行由 iekg 根据图谱缺口 (iekg gaps) 按规则表 draft_rules.csv "
          "起草，证据为图谱中的节点或关系标识（可用 iekg show 查看），证据说明为其可读形式。", {1, 2, 6})
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def _gap_words(g: dict[str, Any]) -> str:
    """A gap in words: its kind, what it is about and its size."""
    return f"{GAP_LABELS.get(g['type'], g['type'])}：{g['name']}（量级{num(g['magnitude'])}）"


def _majors_words(majors: Sequence[dict[str, Any]]) -> str:
    """The majors a row names with the industries they feed and the crosswalk weights (figures that stay
    out of the official text)."""
    return "\n".join(f"{m['name']}（{m['code']}，{'扩大' if m.get('action') == 'expand' else '压减'}）："
                     + "、".join(f"{f['industry']} {f['name']} {f['weight']:g}" for f in m.get("feeds") or [])
                     for m in majors)


def evidence_rows(rows1: Sequence[dict[str, Any]], rows2: Sequence[dict[str, Any]],
                  labels: dict[str, str] | None = None) -> list[tuple[Any, ...]]:
    """The rows of the ``依据 evidence`` sheet: one per (attachment row, gap); own rows once, with their node.

    Parameters
    ----------
    rows1, rows2 : sequence of dict
        Attachment 1 and 2 rows.
    labels : dict or None
        Evidence key → readable label; a key without one is shown as its compact form.

    Returns
    -------
    list of tuple
        One value per column of :data:`HEADERS3`.
    """
    lab = labels or {}
    out: list[tuple[Any, ...]] = []
    for att, rows in (("附件1", rows1), ("附件2", rows2)):
        for r in rows:
            rule = r.get("rule") or {}
            source = SOURCE_WORDS.get(r["来源"], "据图谱缺口起草")
            if not r.get("gaps"):
                out.append((att, r["序号"], source, None, None, None, None, r.get("node"), None, None, None,
                            "本市已有清单 (city's own list)" if r["来源"] == OWN else None,
                            None, None, None))
            majors = _majors_words(r.get("majors") or [])
            covered = r.get("gaps_covered") or []  # the gaps an own row covers: its figures from the graph
            for g in r.get("gaps") or covered:
                out.append((att, r["序号"], source + ("（涵盖的图谱缺口）" if covered and not r.get("gaps") else ""),
                            g["type"], g.get("metric"), g["rank"],
                            round(float(g["magnitude"]), 2), g["entity"], g["name"],
                            "\n".join(compact_key(k) for k in g["evidence"]),
                            g.get("evidence_total"), rule.get("basis") or None, _gap_words(g),
                            "\n".join(lab.get(k) or compact_key(k) for k in g["evidence"]), majors or None))
    return out


def export_attachments(store: Store, city: str, path: str | Path, *, year: int | None = None,
                       max_generated: int = 10, rules: Sequence[Rule] | str | Path | None = None,
                       period: Period | str | None = None, types: Iterable[str] | str | None = None,
                       min_people: float | None = None, today: date | None = None,
                       document: str | None = None) -> dict[str, Any]:
    """Draft and write the Attachment 1 + 2 workbook.

    Parameters
    ----------
    store : Store
        The graph to draft from.
    city : str
        The city's code.
    path : str or Path
        The workbook to write.
    year, max_generated, rules, period, types, min_people, today, document
        As for :func:`~iekg.reports.drafting.compose`.

    Returns
    -------
    dict
        A summary for the faces: path, city, city_name, year, illustrative, the numbers of rows (all, own,
        drafted, past their deadline), the period, the document (``application`` / ``progress`` /
        ``evaluation``), its title and the gaps skipped.
    """
    d = compose(store, city, year=year, max_generated=max_generated, rules=rules, period=period, types=types,
                min_people=min_people, today=today, document=document)
    illustrative = uses_illustrative_data(store, city)
    keys = [k for r in d.rows1 + d.rows2 for g in r.get("gaps") or [] for k in g["evidence"]]
    report = d.stage is not None and d.stage.is_report
    out = write_attachments_xlsx(d.rows1, d.rows2, path, city_name=d.city_name, illustrative=illustrative,
                                 titles=REPORT_TITLES if report else (TITLE1, TITLE2),
                                 labels=evidence_labels(store, keys))
    return {"path": str(out), "city": city, "city_name": d.city_name, "year": d.year,
            "illustrative": illustrative, "problems": len(d.rows1), "measures": len(d.rows2),
            "own_problems": sum(1 for r in d.rows1 if r["来源"] == OWN),
            "own_measures": sum(1 for r in d.rows2 if r["来源"] == OWN),
            "drafted_problems": sum(1 for r in d.rows1 if r["来源"] != OWN),
            "drafted_measures": sum(1 for r in d.rows2 if r["来源"] != OWN),
            "overdue": sum(1 for r in d.rows1 + d.rows2 if r.get("时限状态")),
            "period": [d.period.start, d.period.end], "skipped": d.skipped,
            "document": d.stage.kind if d.stage else "application",
            "title": d.stage.title(d.city_name) if d.stage else ""}

