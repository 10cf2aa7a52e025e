# Over 500 lines on purpose: the template's words (descriptions, rules, instructions) sit with the layout they fill.
"""The import workbook (导入模板): one sheet per table of the data contract, generated from ``tables.py``.

``write_template(path)`` writes an ``.xlsx`` a data officer can fill without the manual:

* a first sheet ``说明`` (instructions, Chinese with English): what each sheet is for, the order to fill
  them, the value rules, the allowed values, how to validate and import;
* one sheet per table, in ``TABLE_ORDER``, named with the table's English name (``programs``), with a
  title row (the Chinese name and what a row is), a frozen bilingual header row (``学校标识码*`` over
  ``institution_id``; required columns highlighted, a note on every header cell with the rule), the
  provenance columns ``来源`` / ``示意数据`` at the end, and one example row whose first cell starts with
  ``【示例】`` (skipped on import);
* drop-down lists for enumerations and 是/否 columns, and number formats that keep codes as text, so
  ``080901`` keeps its zero.

Everything about columns (names, kinds, required, references, allowed values) comes from
:mod:`iekg.loaders.tables`; this module only adds words (the table descriptions, the rule of each
value kind) and the example rows.  The example rows are consistent with each other and with the
shipped reference data: with their markers removed, they import into a graph built with
``iekg build --no-demo`` (a test checks it).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from iekg import __version__
from iekg.loaders import vocab as _vocab
from iekg.loaders.builder import REF_LABELS, TABLE_OF_LABEL
from iekg.loaders.examples import EXAMPLES, MARKER
from iekg.loaders.headers import norm as _norm_header
from iekg.loaders.tables import PROVENANCE_COLUMNS, TABLE_ORDER, TABLES, Column, Table

TITLE_ROW, HEADER_ROW, EXAMPLE_ROW = 1, 2, 3
# rows below the header whose cells carry the column's number format.  Below them the column's own style carries it
# (Excel, WPS and LibreOffice give a cell typed there the column's format).  Each formatted cell, even blank, is a cell
# record that every reader of the file parses: 2,000 rows on each of 27 sheets made validating or importing a template
# with one filled row read 54,500 rows, 3.5-4.4 s a read; with 200 rows (a city's usual sheet) 1.1-1.5 s
DATA_ROWS = 200
LAST_ROW = 1_048_576  # data validations cover the whole column
DEFAULT_NAME = "iekg-导入模板.xlsx"
INSTRUCTIONS_SHEET = "说明"

# ------------------------------------------------------------------------------------ words
# What each sheet holds: (中文, English).  Every table of TABLES has one (checked by the tests).
DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "cities": ("每行一个行政区划 (省或省辖市)，可附地区生产总值、常住人口",
               "one administrative division (province or city) per row, with GDP and population"),
    "zones": ("产教融合重点区域、职教园区、开发区、产业园区",
              "key integration zones, vocational parks, development zones, industrial parks"),
    "major_divisions": ("专业目录的大类/门类 (扩展表)", "the catalogues' top level (extension)"),
    "major_categories": ("专业目录的专业类 (扩展表)", "the catalogues' categories (extension)"),
    "majors": ("专业目录中的专业；开设专业、人才需求引用的专业须在此表或图中",
               "majors of the catalogues; every major a program or a demand refers to must be here or in the graph"),
    "industries": ("GB/T 4754-2017 国民经济行业分类", "the GB/T 4754-2017 industry classification"),
    "crosswalk": ("专业类 (或专业) 面向的行业及权重，同一专业类的权重合计为 1",
                  "the industries a major category (or a major) serves, weights summing to 1"),
    "chains": ("重点产业链及其所属产业集群", "industry chains and their clusters"),
    "chain_segments": ("产业链的上游/中游/下游环节、对应行业、下游环节",
                       "chain segments: position, the industries they map to, the segments they feed"),
    "city_focus": ("城市主导/重点/培育的产业链，是否为产教融合型行业",
                   "the chains a city focuses on (主导/重点/培育), and whether each is an integration industry"),
    "institutions": ("每行一所学校 (教育部学校标识码)", "one school per row (MOE institution code)"),
    "enterprises": ("每行一家企业 (统一社会信用代码)：所属行业、产业链环节、产教融合型企业认定",
                    "one enterprise per row (unified social credit code): industry, chain segment, IEI level"),
    "programs": ("院校在某年开设的专业，及在校生、毕业生、就业率",
                 "a major an institution offers in a year, with enrollment, graduates and employment rates"),
    "cooperations": ("院校与企业的合作项目", "cooperation projects between institutions and enterprises"),
    "training_bases": ("实训基地及其运营主体、服务行业、工位数",
                       "training bases with their operator, the industries they serve and their stations"),
    "platforms": ("产业学院、创新平台、中试基地等平台载体及其共建主体",
                  "industry colleges, innovation platforms, pilot bases … and who runs them"),
    "alliances": ("产教融合集团、联盟、市域产教联合体、行业产教融合共同体",
                  "integration groups, alliances, city-level consortia, industry communities"),
    "alliance_members": ("联盟的成员单位 (院校或企业)", "the members (institutions or enterprises) of an alliance"),
    "talent_demand": ("城市 (或企业) 某年对某行业或专业的需求人数",
                      "the headcount a city (or an enterprise) needs in a year, by industry or major"),
    "demand_plan": ("本市对某目标年份、某行业或专业的规划 (计划) 需求人数，目标年份的预测以它为准 (扩展表)",
                    "the city's own planned headcount for a target year, by industry or major: a projection "
                    "takes it over the trend (extension)"),
    "employment": ("院校某年毕业生的去向 (行业、城市) 及人数",
                   "where an institution's graduates went (industry, city) in a year"),
    "policies": ("文号、标题、发文单位、适用城市、引用文件、支持行业",
                 "policy documents: number, title, issuers, cities, cited documents, supported industries"),
    "vocabularies": ("本省/本市自己的词：给某个字段加标准词或同义词，对同一次导入生效 (扩展表；field 取 "
                     "institution_level、cooperation_type 等；表头同义词请写进 IEKG_VOCABULARY_FILE 指向的文件)",
                     "your own words: terms or synonyms added to a field's vocabulary for this import (extension; "
                     "field is institution_level, cooperation_type …; header synonyms go in IEKG_VOCABULARY_FILE)"),
    "targets": ("政策文件中的量化目标 (扩展表)", "the measurable targets a policy sets (extension)"),
    "tasks": ("政策文件中的试点任务 (扩展表)", "the tasks a policy sets (extension)"),
    "problems": ("附件1 产教融合改革问题清单：城市提出的问题及解决时限",
                 "Attachment 1: the problems a city raises, with deadlines"),
    "measures": ("附件2 产教融合试点政策清单：政策内容、责任部门、完成时限",
                 "Attachment 2: policy content, responsible agencies, deadline"),
}

# Tables the project ships (reference data) or loads from official lists: fill them only to add or override.
SHIPPED = {"cities", "major_divisions", "major_categories", "industries", "crosswalk", "chains", "chain_segments"}

# The rule of each value kind, as a person reads it: (中文, English).
KIND_RULES: dict[str, tuple[str, str]] = {
    "text": ("文本", "text"),
    "id": ("编号：自定义的文本编号，不超过 100 个字符", "an own id (text, at most 100 characters)"),
    "city_code": ("6 位行政区划代码 (GB/T 2260)，如 410200 (开封市)", "6-digit division code (GB/T 2260), e.g. 410200"),
    "inst_id": ("10 位教育部学校标识码，如 4141010475 (河南大学)", "10-digit MOE institution code, e.g. 4141010475"),
    "major_code": ("6 位专业代码，可带 T/K 后缀，如 080901、460701", "6-digit major code, optional T/K, e.g. 080901"),
    "category_code": ("4 位专业类代码，如 0809、4607", "4-digit major category code, e.g. 0809"),
    "division_code": ("2 位专业大类 (门类) 代码，如 08、46", "2-digit major division code, e.g. 08"),
    "industry_code": ("GB/T 4754-2017 行业代码：门类字母或 2/3/4 位数字，如 C、36、367、3670",
                      "GB/T 4754-2017 code: a section letter or 2/3/4 digits, e.g. C, 36, 3670"),
    "ent_id": ("18 位统一社会信用代码 (校验位须正确)；没有的单位填不是 18 位的自编编号",
               "18-character unified social credit code (check character verified), or an own id not 18 long"),
    "year": ("四位年份，2000–2100，如 2024", "a year 2000–2100, e.g. 2024"),
    "count": ("非负整数，不带单位", "a non-negative whole number, no unit"),
    "rate": ("比率：85% 或 0.85 (0%–100%)", "a rate: 85% or 0.85 (0–100%)"),
    "number": ("非负数，不带单位", "a non-negative number, no unit"),
    "weight": ("权重：大于 0、不超过 1 的小数；同一专业类 (或专业) 的权重合计为 1",
               "a weight in (0, 1]; the weights of one category (or major) sum to 1"),
    "bool": ("是 或 否", "是 (yes) or 否 (no)"),
    "docnum": ("文号，如 豫发改社会〔2022〕646号 (〔〕[]()（） 均可)", "a document number, e.g. 豫发改社会〔2022〕646号"),
    "date": ("日期，如 2022-07-29、2022年7月29日 或 2022-07", "a date: 2022-07-29, 2022年7月29日 or 2022-07"),
}

CODE_KINDS = {"city_code", "inst_id", "major_code", "category_code", "division_code", "industry_code", "ent_id",
              "id", "docnum"}

# ------------------------------------------------------------------------------------ styling
REQUIRED_FILL = "FCE4D6"  # light orange
OPTIONAL_FILL = "DDEBF7"  # light blue
PROVENANCE_FILL = "E2EFDA"  # light green
EXAMPLE_FILL = "FFF9E6"
TAB_COLORS = {"shipped": "8EA9DB", "data": "70AD47", "extension": "A6A6A6"}
TEXT_COLORS = {"shipped": "2F5597", "data": "38761D", "extension": "595959"}


def sheet_group(name: str) -> str:
    """shipped (reference data the project ships), extension (not in the contract) or data (the user's)."""
    return "shipped" if name in SHIPPED else "extension" if TABLES[name].extension else "data"


def all_columns(table: Table) -> tuple[Column, ...]:
    """The template's columns of ``table``: the contract's, then the provenance columns."""
    return (*table.columns, *PROVENANCE_COLUMNS)


def resolve_tables(names: Iterable[str] | None) -> list[str]:
    """Table names (English or Chinese, any case) → canonical names in ``TABLE_ORDER``; unknown → ValueError."""
    if names is None:
        return list(TABLE_ORDER)
    by_name = {}
    for t in TABLES.values():
        by_name[_norm_header(t.name)] = t.name
        by_name[_norm_header(t.zh)] = t.name
    wanted: set[str] = set()
    for n in names:
        key = by_name.get(_norm_header(n))
        if key is None:
            raise ValueError(f"unknown table {n!r}; use one of: {', '.join(TABLE_ORDER)}")
        wanted.add(key)
    return [t for t in TABLE_ORDER if t in wanted]


def number_format(kind: str) -> str:
    """The cell format of a value kind: text (``@``) for codes, ids, lists and words; numbers otherwise."""
    if kind in ("year", "count"):
        return "0"
    if kind == "rate":
        return "0.0%"
    if kind in ("number", "weight"):
        return "General"
    if kind == "date":
        return "yyyy-mm-dd"
    return "@"


def rule(kind: str) -> tuple[str, str]:
    """What a value of ``kind`` must look like, in Chinese and English."""
    if kind.startswith("enum:"):
        voc = _vocab.current()
        terms = voc.allowed(kind[5:])
        values = "、".join(terms)
        if voc.counted(kind[5:]):
            return (f"从下拉列表选择：{values} (参与度量计算；常见简称如 省→省级 会自动换成标准词并提示)",
                    f"choose from the list: {', '.join(terms)} (counted by a measure; common abbreviations are mapped "
                    "with a warning)")
        return (f"从下拉列表选择：{values} (常见简称会换成标准词并提示；列表外的词照原样保留并提示)",
                f"choose from the list: {', '.join(terms)} (abbreviations are mapped with a warning; other words are "
                "kept as given, with a warning)")
    if kind.startswith("list:"):
        zh, en = rule(kind[5:])
        return f"可填多个，用 ；或 、 分隔；每个值：{zh}", f"several values separated by ； or 、, each: {en}"
    return KIND_RULES[kind]


def header_text(col: Column, lang: str = "zh") -> str:
    star = "*" if col.required else ""
    return f"{col.zh}{star}\n{col.key}" if lang == "zh" else f"{col.key}{star}\n{col.zh}"


def _ref_tables(col: Column) -> list[str]:
    return list(dict.fromkeys(TABLE_OF_LABEL.get(REF_LABELS[r], r) for r in col.ref))


def note(table: Table, col: Column) -> str:
    """The note on a header cell: name, required or not, the rule, references, one-of."""
    zh, en = rule(col.kind)
    lines = [f"{col.zh} ({col.key})", "必填 required" if col.required else "选填 optional", f"规则：{zh}", f"Rule: {en}"]
    if col.kind.split(":")[-1] in CODE_KINDS and not col.kind.startswith("enum:"):
        lines.append("本列为文本格式，代码按原样填写 (保留前导零)。Text column: codes keep their leading zeros.")
    refs = _ref_tables(col)
    if refs:
        names = "、".join(f"{TABLES[t].zh}({t})" if t in TABLES else t for t in refs)
        lines.append(f"须在本文件的 {names} 表中或图中已存在。Must exist in {', '.join(refs)} (this file or the graph).")
    if col.key in table.one_of:
        others = "、".join(f"「{table.column(k).zh}」" for k in table.one_of)
        lines.append(f"{others} 至少填一项。At least one of {', '.join(table.one_of)}.")
    if col.key == "source":
        lines.append("数据出处，如统计年鉴、文件名或网址。Where the row comes from.")
    if col.key == "illustrative":
        lines.append("估算、虚构或演示数据填「是」。是 for estimated, invented or demo data.")
    return "\n".join(lines)


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _example_values(table: Table) -> list[Any]:
    ex = EXAMPLES[table.name]
    row: list[Any] = [ex.get(c.key) for c in all_columns(table)]
    row[0] = MARKER + str(row[0] if row[0] is not None else "")
    return row


# --------------------------------------------------------------------------------- the sheets
def _data_sheet(wb: Any, table: Table, lang: str, rows: int) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    ws = wb.create_sheet(table.name)
    cols = all_columns(table)
    last = get_column_letter(len(cols))
    ws.sheet_properties.tabColor = TAB_COLORS[sheet_group(table.name)]

    zh, en = DESCRIPTIONS[table.name]
    required = "、".join(c.zh for c in table.columns if c.required)
    title = (f"{table.zh} {table.name} — {zh}。带 * 的列必填 ({required})；第 {EXAMPLE_ROW} 行为示例 (【示例】)，导入时跳过。"
             if lang == "zh" else
             f"{table.name} {table.zh} — {en}. Columns with * are required; row {EXAMPLE_ROW} is an example "
             "(【示例】), skipped on import.")
    ws.cell(TITLE_ROW, 1, title).font = Font(bold=True, size=12, color="1F3864")
    ws.cell(TITLE_ROW, 1).alignment = Alignment(vertical="center", wrap_text=True)
    ws.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    total_width = 0

    thin = Side(style="thin", color="A6A6A6")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    example = _example_values(table)
    for i, col in enumerate(cols, start=1):
        letter = get_column_letter(i)
        cell = ws.cell(HEADER_ROW, i, header_text(col, lang))
        is_prov = col in PROVENANCE_COLUMNS
        fill = PROVENANCE_FILL if is_prov else REQUIRED_FILL if col.required else OPTIONAL_FILL
        cell.fill = PatternFill("solid", fgColor=fill)
        cell.font = Font(bold=True, color="C00000" if col.required else "000000")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
        text = note(table, col)
        n_lines = sum(max(1, math.ceil(_display_width(line) / 48)) for line in text.splitlines())
        cell.comment = Comment(text, "iekg", width=340, height=max(80, 17 * n_lines + 10))

        fmt = number_format(col.kind)
        value = example[i - 1]
        ex = ws.cell(EXAMPLE_ROW, i, value)
        ex.number_format = fmt
        ex.font = Font(italic=True, color="7F7F7F")
        ex.fill = PatternFill("solid", fgColor=EXAMPLE_FILL)
        for r in range(EXAMPLE_ROW + 1, EXAMPLE_ROW + rows):
            ws.cell(r, i).number_format = fmt
        ws.column_dimensions[letter].number_format = fmt  # the rest of the column, for cells typed later

        shown = "" if value is None else value.isoformat() if isinstance(value, dt.date) else str(value)
        width = max(_display_width(col.zh) + 4, len(col.key) + 3, min(_display_width(shown) + 2, 40), 10)
        ws.column_dimensions[letter].width = width
        total_width += width

        allowed: tuple[str, ...] | None = None
        if col.kind.startswith("enum:"):
            allowed = _vocab.current().allowed(col.kind[5:])
        elif col.kind == "bool":
            allowed = ("是", "否")
        if allowed is not None:
            formula = '"' + ",".join(allowed) + '"'
            assert len(formula) <= 255 and not any("," in a or '"' in a for a in allowed), col
            dv = DataValidation(type="list", formula1=formula, allow_blank=True, errorStyle="warning",
                                showErrorMessage=True, showInputMessage=True,
                                errorTitle="取值不在列表中 not in the list",
                                error="可选值 allowed: " + "、".join(allowed),
                                promptTitle=col.zh[:32], prompt="从下拉列表选择 choose from the list")
            dv.add(f"{letter}{EXAMPLE_ROW}:{letter}{LAST_ROW}")
            ws.add_data_validation(dv)
        elif col.kind in ("year", "count", "rate", "weight"):
            lo, hi, vtype = {"year": (2000, 2100, "whole"), "count": (0, 10**9, "whole"),
                             "rate": (0, 1, "decimal"), "weight": (0, 1, "decimal")}[col.kind]
            dv = DataValidation(type=vtype, operator="between", formula1=str(lo), formula2=str(hi), allow_blank=True,
                                errorStyle="warning", showErrorMessage=True, errorTitle=col.zh[:32],
                                error=rule(col.kind)[0][:255])
            dv.add(f"{letter}{EXAMPLE_ROW + 1}:{letter}{LAST_ROW}")
            ws.add_data_validation(dv)

    ws.row_dimensions[TITLE_ROW].height = 20 * max(1, math.ceil(_display_width(title) * 1.1 / max(total_width, 1)))
    ws.row_dimensions[HEADER_ROW].height = 36
    ws.freeze_panes = f"B{EXAMPLE_ROW}"


def _instructions(wb: Any, tables: list[str], lang: str) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    ws = wb.active
    ws.title = INSTRUCTIONS_SHEET
    ws.sheet_properties.tabColor = "FFC000"
    widths = {"A": 5, "B": 20, "C": 18, "D": 52, "E": 52, "F": 40}
    for letter, w in widths.items():
        ws.column_dimensions[letter].width = w
    wrap = Alignment(wrap_text=True, vertical="top")
    zh_first = lang == "zh"
    row = 1

    def height(*texts_widths: tuple[str, float]) -> float:
        lines = max(sum(max(1, math.ceil(_display_width(line) * 1.05 / w)) for line in t.split("\n"))
                    for t, w in texts_widths)
        return 16.0 * lines + 4

    def heading(zh: str, en: str) -> None:
        nonlocal row
        row += 1
        ws.cell(row, 1, zh if zh_first else en).font = Font(bold=True, size=12, color="1F3864")
        ws.cell(row, 5, en if zh_first else zh).font = Font(bold=True, size=12, color="1F3864")
        row += 1

    def para(label: str, zh: str, en: str) -> None:
        nonlocal row
        first, second = (zh, en) if zh_first else (en, zh)
        ws.cell(row, 2, label).font = Font(bold=True)
        ws.cell(row, 3, first).alignment = wrap
        ws.merge_cells(start_row=row, start_column=3, end_row=row, end_column=4)
        ws.cell(row, 5, second).alignment = wrap
        ws.cell(row, 5).font = Font(color="595959")
        ws.merge_cells(start_row=row, start_column=5, end_row=row, end_column=6)
        ws.cell(row, 2).alignment = wrap
        ws.row_dimensions[row].height = height((first, 70), (second, 92), (label, 20))
        row += 1

    ws.cell(row, 1, f"产教融合知识图谱 · 数据导入模板    iekg import template (iekg {__version__})").font = \
        Font(bold=True, size=16, color="1F3864")
    ws.row_dimensions[row].height = 26
    row += 1
    ws.cell(row, 1, "先读本页，再按顺序填写后面的工作表。Read this sheet first, then fill the sheets in order.").font = \
        Font(italic=True, color="595959")
    row += 1

    heading("一、用途", "1. What this workbook is for")
    para("用途 Purpose",
         "把本地的院校、专业开设、企业、校企合作、人才需求等数据导入产教融合知识图谱。"
         "每个工作表对应一张表，表名即工作表名 (如 programs)；不需要的工作表可以留空或删除。",
         "Bring your institutions, programs, enterprises, cooperations, demand … into the knowledge graph. "
         "Each sheet is one table, named like the table (e.g. programs); leave empty or delete the ones you do not need.")
    para("表头 Header",
         f"第 {HEADER_ROW} 行是表头：上为中文列名，下为英文列名，两者都能识别。带 * 且标为橙色的列必填；"
         "鼠标移到表头单元格上可看到该列的填写规则。列的顺序可以调整，多出的列会作为属性保留。",
         f"Row {HEADER_ROW} is the header: Chinese name over the English key; either is recognised. Orange columns "
         "with * are required; hover over a header cell for its rule. Columns may be reordered; extra columns "
         "are kept as properties.")
    para("示例行 Example",
         f"每个工作表第 {EXAMPLE_ROW} 行是示例 (灰色斜体，首格以「{MARKER}」开头)，导入时自动跳过。"
         "可以保留、删除，或直接覆盖 (覆盖时请删去首格中的「【示例】」)。示例行的取值都能通过校验。",
         f"Row {EXAMPLE_ROW} of every sheet is an example (grey italics, first cell starting with {MARKER}); "
         "it is skipped on import. Keep it, delete it, or overwrite it (then remove the marker). Its values pass "
         "validation.")

    heading("二、填写规则", "2. How to fill the cells")
    para("必填 Required", "带 * 的列必须填写；其余列可留空。",
         "Columns marked * are required; the others may be empty.")
    para("代码 Codes",
         "代码和编号列 (行政区划代码、学校标识码、专业代码、行业代码、统一社会信用代码等) 已设为文本格式，"
         "按原样填写，前导零会保留 (如 080901、0809、08)。从别处粘贴时请用「选择性粘贴 → 值」，"
         "以免把文本格式覆盖掉；丢失前导零的代码会被报错并给出修正建议。",
         "Code and id columns are formatted as text: type codes as they are and leading zeros stay (080901, 0809). "
         "When pasting, paste values only so the text format is kept; a code that lost its zero is reported "
         "with the repaired code.")
    para("多个值 Lists",
         "一个单元格填多个值时 (如 服务行业、共建主体、引用文号、发文单位、责任部门)，用 ；(中文分号)、; 或 、 分隔，"
         "如 65；64 或 开封市教育局、开封市发展和改革委员会。",
         "Several values in one cell are separated by ；, ; or 、, e.g. 65；64.")
    para("比率 Rates", "就业率等比率填 85% 或 0.85 (比率列已设为百分比格式)。",
         "Rates such as employment rates: 85% or 0.85 (the rate columns are formatted as percentages).")
    para("数字 Numbers", "人数、工位数等填非负整数，不带单位；年份填四位数 (2000–2100)；金额按表头中的单位填写 (如 亿元)。",
         "Counts are non-negative whole numbers without units; years have four digits (2000–2100); "
         "amounts in the header's unit (亿元).")
    para("是/否 Yes/No", "是否类的列 (省级领先、产教融合型行业、示意数据) 从下拉列表选择 是 或 否。",
         "Yes/no columns: choose 是 or 否 from the list.")
    para("日期 Dates", "日期填 2022-07-29、2022年7月29日 或 2022-07。", "Dates: 2022-07-29, 2022年7月29日 or 2022-07.")
    para("文号 Doc. numbers", "文号如 豫发改社会〔2022〕646号；〔〕、[]、()、（） 都可以。",
         "Document numbers like 豫发改社会〔2022〕646号; any bracket style is accepted.")
    para("引用 References",
         "表中引用的学校、企业、城市、专业、行业、产业链环节、联盟等，须在本文件 (前面的工作表) 或图中已存在。"
         "项目已内置河南省各市、专业类、GB/T 4754 行业大类、专业-行业对应和重点产业链 (iekg build 后即在图中)；"
         "专业目录随 --public 官方名单或演示数据载入，否则请在 majors 工作表中填写用到的专业。",
         "Every id a row refers to must be in this file (an earlier sheet) or already in the graph. The project "
         "ships Henan's cities, the major categories, the GB/T 4754 divisions, the crosswalk and the chains; the "
         "majors come with the official lists (--public) or the demo, otherwise list the majors you use in majors.")
    para("来源 Source", "「来源」列写明数据出处 (统计年鉴、文件、网址等)。",
         "The 来源 (source) column says where the row comes from.")
    para("示意数据 Illustrative",
         "估算、虚构或演示用的数据，必须在「示意数据」列填「是」，图中会标为示意数据、不会当作事实；真实数据填「否」或留空。",
         "Estimated, invented or demo data must be marked 是 in the 示意数据 (illustrative) column; the graph then "
         "labels it illustrative. Real data: 否 or empty.")

    heading("三、填写顺序与工作表", "3. The sheets, in the order to fill them")
    head = ("序号", "工作表 sheet", "中文名", "内容 (中文)", "Contents (English)", "必填列 required")
    for i, h in enumerate(head, start=1):
        c = ws.cell(row, i, h)
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="D9E1F2")
    row += 1
    for n, name in enumerate(tables, start=1):
        t = TABLES[name]
        zh, en = DESCRIPTIONS[name]
        if name in SHIPPED:
            zh += "。项目已内置，填写即补充或覆盖"
            en += "; shipped with the project: fill only to add or override"
        req = "、".join(f"{c.zh}" for c in t.columns if c.required)
        if t.one_of:
            req += "；" + " 或 ".join(t.column(k).zh for k in t.one_of) + " 至少一项"
        values = (n, name, t.zh, zh, en, req)
        for i, v in enumerate(values, start=1):
            c = ws.cell(row, i, v)
            c.alignment = wrap
        ws.cell(row, 2).font = Font(bold=True, color=TEXT_COLORS[sheet_group(name)])
        ws.row_dimensions[row].height = height((zh, 52), (en, 52), (req, 40))
        row += 1
    para("顺序 Order",
         "按上表顺序填写：后面的表可以引用前面的表 (如 programs 引用 institutions 和 majors)。"
         "一个文件里可以只填其中几张表。绿色标签为常用数据表，蓝色为项目已内置的参考表，灰色为扩展表。",
         "Fill in this order: later sheets refer to earlier ones (programs refers to institutions and majors). "
         "A file may fill only some sheets. Green tabs: your data; blue: shipped reference tables; grey: extensions.")

    heading("四、可选值", "4. Allowed values (drop-down lists)")
    used: dict[str, list[str]] = {}
    for name in tables:
        for c in TABLES[name].columns:
            if c.kind.startswith("enum:"):
                used.setdefault(c.kind[5:], []).append(f"{name}.{c.key} {c.zh}")
    for i, h in enumerate(("", "列 column", "", "可选值 allowed values"), start=1):
        if h:
            ws.cell(row, i, h).font = Font(bold=True)
    row += 1
    voc = _vocab.current()
    for enum, where in used.items():
        counted = voc.counted(enum)
        where_text = "\n".join(where) + ("\n(参与度量计算 counted)" if counted else "\n(描述性 descriptive)")
        ws.cell(row, 2, where_text).alignment = wrap
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=3)
        # the terms, then the synonyms and abbreviations that are mapped to them (vocabularies.csv)
        syn = voc.synonyms(enum)
        allowed_text = "、".join(voc.allowed(enum)) + (
            "\n同义词 synonyms：" + "，".join(f"{a}→{b}" for a, b in syn.items()) if syn else "")
        ws.cell(row, 4, allowed_text).alignment = wrap
        ws.merge_cells(start_row=row, start_column=4, end_row=row, end_column=6)
        ws.row_dimensions[row].height = max(height((allowed_text, 140)), 16.0 * (len(where) + 1) + 4)
        row += 1
    para("说明 Note",
         "下拉列表中的词即标准词，括号中是会被换成它的同义词和简称 (换时给出提示)；全角/半角、空格等细微差别会被自动规范。"
         "标为「参与度量计算」的列只能取词表中的词，其他取值会报错并给出最接近的词；描述性的列中，列表外的词照原样保留并提示。"
         "本省自己的说法可写进 vocabularies 表 (或设置 IEKG_VOCABULARY_FILE 指向的词表文件)。是否类的列取 是/否。",
         "The words of the lists are the canonical terms; in brackets the synonyms and abbreviations mapped to "
         "them (with a warning); width and spacing variants are normalised. Columns marked counted take only "
         "vocabulary words (anything else is an error naming the nearest term); in descriptive columns other "
         "words are kept as given, with a warning. Add your province's own words in a vocabularies sheet (or "
         "the file named by IEKG_VOCABULARY_FILE). Yes/no columns take 是/否.")

    heading("五、校验与导入", "5. Validate and import")
    para("校验 Validate", "iekg validate 文件.xlsx\n只检查、不改变图：列出所有问题，每条都有 工作表、行号 (即 Excel 中的行号)、列、值、问题和修改建议。",
         "iekg validate FILE.xlsx — checks without changing anything: every problem with sheet, row (as Excel "
         "shows it), column, value, what is wrong and how to fix it.")
    para("导入 Import", "iekg import 文件.xlsx\n全部通过才写入；只要有一个错误，图就保持原样。重复导入同一文件不会产生重复数据。",
         "iekg import FILE.xlsx — all or nothing: any error leaves the graph unchanged. Importing the same file "
         "twice changes nothing the second time.")
    para("提示 Warnings", "提示 (如 示例行已跳过、文号缺括号已修复) 不影响导入。",
         "Warnings (example row skipped, a repaired 文号) do not block the import.")
    para("新模板 New template", "iekg template -o 文件.xlsx [--table programs …] 生成新的空白模板。",
         "iekg template -o FILE.xlsx [--table programs …] writes a fresh template.")
    ws.freeze_panes = "A2"


def write_template(path: str | Path, *, tables: Iterable[str] | None = None, lang: str = "zh",
                   rows: int = DATA_ROWS) -> Path:
    """Write the import workbook to ``path`` (``.xlsx``) and return the path.

    ``tables``: only these tables (English or Chinese names; default all, in ``TABLE_ORDER``);
    ``lang``: ``zh`` puts Chinese first in headers and instructions, ``en`` English; ``rows``: how many rows
    below the header carry the columns' number formats (the whole column does too, for typed cells).
    """
    import openpyxl

    if lang not in ("zh", "en"):
        raise ValueError("lang must be zh or en")
    names = resolve_tables(tables)
    path = Path(path)
    wb = openpyxl.Workbook()
    _instructions(wb, names, lang)
    for name in names:
        _data_sheet(wb, TABLES[name], lang, rows)
    wb.properties.title = "iekg 数据导入模板 import template"
    wb.properties.creator = f"iekg {__version__}"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
