"""Drafts for a pilot application: Attachment 1 and 2 of the notice, the pilot plan and its internal diagnosis.

The notice (豫发改社会〔2022〕646号) asks each applicant city for a pilot plan following an 8-section
outline, **附件1 产教融合改革问题清单** (序号 / 主要问题 / 解决时限) and **附件2 产教融合试点政策清单**
(序号 / 政策内容 / 责任部门 / 完成时限).  This package drafts them from the graph (issue 13 for what makes
them fit to send after editing):

- :mod:`~iekg.reports.stage` — which document the city needs now: the application, or (a city already
  selected) its progress or final evaluation report (:mod:`~iekg.reports.report`), and the period the
  drafted deadlines fall in (never before today);
- :mod:`~iekg.reports.rules` — the rule table ``iekg/data/rules/draft_rules.csv`` (one row per gap type,
  and per metric for ``target_shortfall``; ``iekg/data/rules/README.md``), the department names
  (``agencies.csv``: one spelling per department), the pilot period (:class:`Period`, ``--period
  2026-2028``) that dates the deadlines written ``第N年M月``, the gap types one may choose;
- :mod:`~iekg.reports.drafting` — one list of problems and one of measures: the city's own loaded rows
  first, in 序号 order and unchanged (a past deadline marked, never redated), then rows drafted from the
  city's ranked gaps (:mod:`~iekg.reports.candidates`) where no own row covers the same gap
  (:func:`~iekg.reports.drafting.covers`), every problem answered by a measure numbered through
  对应问题序号, shortages fed by the same majors answered by one measure; minor supply gaps left out; no
  recommendation contradicting another (:class:`Feeding`, in :mod:`~iekg.reports.lookups`);
- :mod:`~iekg.reports.workbook` — the Attachment 1 + 2 workbook with the evidence sheet ``依据 evidence``;
- :mod:`~iekg.reports.plan` — the plan, facts and plans only (:mod:`~iekg.reports.facts` reads the city's
  figures once); :mod:`~iekg.reports.diagnosis` — every self-assessment, in a **separate internal file**
  ``<plan>-内部诊断.md`` headed "不随方案报送";
- :mod:`~iekg.reports.docx` — the Markdown as an A4 公文 .docx; :mod:`~iekg.reports.wording` — how values
  are written (never ``None``/``nan``); :mod:`~iekg.reports.city` — the city's node, what is located in
  it, and whether its data are illustrative (then every draft says so).

One-liners for the faces::

    export_attachments(store, "410200", "附件.xlsx", period="2026-2028")   # Attachment 1 + 2 workbook
    write_plan(store, "410200", "方案.md")   # the plan (+ .docx) and 方案-内部诊断.md (+ .docx)
"""

from iekg.reports.city import ILLUSTRATIVE_LINE, uses_illustrative_data
from iekg.reports.diagnosis import INTERNAL_BANNER, REFERENCE_LABEL, diagnosis_markdown
from iekg.reports.docx import DOCX_FONTS, DOCX_MARGINS_MM, markdown_to_docx
from iekg.reports.drafting import (
    DEFAULT_MIN_PEOPLE,
    OWN,
    PLACEHOLDER,
    SUPPLY_TYPES,
    Candidate,
    Draft,
    attachments,
    compose,
    covers,
    draft_candidates,
    is_minor,
    own_rows,
)
from iekg.reports.facts import pilot_fact
from iekg.reports.lookups import Feeding, Names, evidence_labels
from iekg.reports.plan import INTERNAL_SUFFIX, PLAN_SECTIONS, plan_markdown, write_plan
from iekg.reports.report import assess_targets, report_markdown
from iekg.reports.rules import (
    AGENCIES,
    AGENCIES_FILE,
    DUE,
    OVERDUE,
    RULES_FILE,
    TARGET_METRICS,
    Period,
    Rule,
    canonical_agencies,
    canonical_agency,
    deadline_month,
    deadline_status,
    load_agencies,
    load_rules,
    parse_types,
)
from iekg.reports.stage import APPLICATION, EVALUATION, KINDS, PROGRESS, Stage, stage_of
from iekg.reports.workbook import (
    HEADER_ROW,
    HEADERS1,
    HEADERS2,
    HEADERS3,
    NOTE1,
    NOTE2,
    REPORT_TITLES,
    SHEET1,
    SHEET2,
    SHEET3,
    TITLE1,
    TITLE2,
    evidence_rows,
    export_attachments,
    write_attachments_xlsx,
)

__all__ = [
    "APPLICATION", "DUE", "EVALUATION", "KINDS", "OVERDUE", "PLACEHOLDER", "PROGRESS", "REPORT_TITLES", "Stage",
    "assess_targets", "covers", "deadline_month", "deadline_status", "evidence_labels", "report_markdown",
    "stage_of",
    "AGENCIES", "AGENCIES_FILE", "DEFAULT_MIN_PEOPLE", "DOCX_FONTS", "DOCX_MARGINS_MM", "HEADERS1", "HEADERS2",
    "HEADERS3", "HEADER_ROW", "ILLUSTRATIVE_LINE", "INTERNAL_BANNER", "INTERNAL_SUFFIX", "NOTE1", "NOTE2", "OWN",
    "PLAN_SECTIONS", "REFERENCE_LABEL", "RULES_FILE", "SHEET1", "SHEET2", "SHEET3", "SUPPLY_TYPES",
    "TARGET_METRICS", "TITLE1", "TITLE2", "Candidate", "Draft", "Feeding", "Names", "Period", "Rule", "attachments",
    "canonical_agencies", "canonical_agency", "compose", "diagnosis_markdown", "draft_candidates",
    "evidence_rows", "export_attachments", "is_minor", "load_agencies", "load_rules", "markdown_to_docx",
    "own_rows", "parse_types", "pilot_fact", "plan_markdown", "uses_illustrative_data", "write_attachments_xlsx",
    "write_plan",
]
