"""The template's example rows: what marks a row as an example, the example values, and whether a marked row
was edited.  One home for the rule, used by the template writer (:mod:`iekg.loaders.template`) and the
readers (:mod:`iekg.loaders.readers`) alike.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from iekg.loaders.tables import PROVENANCE_COLUMNS, TABLES

MARKER = "【示例】"
# A template's example row is marked in its first cell, e.g. "【示例】4141010459" or "示例: …".
EXAMPLE_MARKERS = ("【示例】", "[示例]", "示例:", "示例：", "[example]", "example:")
assert MARKER in EXAMPLE_MARKERS

ENT = "91410200MA9XAMPLEA"  # a made-up 统一社会信用代码 with a correct GB 32100 check character
HENU = "4141010475"  # 河南大学 (教育部《全国普通高等学校名单》)
DOC = "豫发改社会〔2022〕646号"
MOE_LIST = "教育部《全国普通高等学校名单》（截至2025年6月20日）"
UG_CATALOGUE = "教育部《普通高等学校本科专业目录（2024年）》"
NOTICE = "河南省发展改革委等六部门 豫发改社会〔2022〕646号 (2022-07-29)"
EXAMPLE_NOTE = "示例：数值为示意，不是真实数据"

# One row per table, keyed like TABLES (+ source / illustrative).  Real public facts where the project has
# them (河南大学, 开封市, 080901 计算机科学与技术, GB/T 4754 65, the notice 豫发改社会〔2022〕646号 and the
# shipped chain 新型显示和智能终端); everything invented is marked 示意数据 = 是.
EXAMPLES: dict[str, dict[str, Any]] = {
    "cities": {"code": "410200", "name": "开封市", "province_code": "410000", "gdp": 2600.0, "population": 470.0,
               "year": 2023, "source": EXAMPLE_NOTE, "illustrative": "是"},
    "zones": {"id": "KF-ZONE-01", "name": "开封市产教融合重点区域（示意）", "city_code": "410200", "kind": "产教融合重点区域",
              "source": EXAMPLE_NOTE, "illustrative": "是"},
    "major_divisions": {"code": "08", "name": "工学", "level": "本科", "source": UG_CATALOGUE, "illustrative": "否"},
    "major_categories": {"code": "0809", "name": "计算机类", "division_code": "08", "level": "本科",
                         "source": UG_CATALOGUE, "illustrative": "否"},
    "majors": {"code": "080901", "name": "计算机科学与技术", "category_code": "0809", "level": "本科",
               "source": UG_CATALOGUE, "illustrative": "否"},
    "industries": {"code": "65", "name": "软件和信息技术服务业", "parent_code": "I",
                   "source": "GB/T 4754-2017 国民经济行业分类", "illustrative": "否"},
    "crosswalk": {"category_code": "0809", "industry_code": "65", "weight": 1,
                  "basis": "示例：本例只有一行，故权重为 1；同一专业类有多行时权重合计须为 1",
                  "source": EXAMPLE_NOTE, "illustrative": "是"},
    "chains": {"id": "HN-EI-01", "name": "新型显示和智能终端", "cluster": "电子信息",
               "source": "iekg 参考数据 reference/chains.csv", "illustrative": "否"},
    "chain_segments": {"id": "HN-EI-01-S1", "chain_id": "HN-EI-01", "name": "显示材料与电子元器件", "position": "上游",
                       "industry_codes": "39；26", "feeds": "HN-EI-01-S2；HN-EI-01-S3",
                       "source": "iekg 参考数据 reference/chain_segments.csv", "illustrative": "否"},
    "city_focus": {"city_code": "410200", "chain_id": "HN-EI-01", "level": "培育", "integration_industry": "否",
                   "source": EXAMPLE_NOTE, "illustrative": "是"},
    "institutions": {"id": HENU, "name": "河南大学", "city_code": "410200", "level": "本科", "ownership": "公办",
                     "source": MOE_LIST, "illustrative": "否"},
    "enterprises": {"id": ENT, "name": "开封示例软件科技有限公司（示意）", "city_code": "410200", "industry_code": "65",
                    "employees": 320, "iei_level": "省级培育", "iei_year": 2023, "segment_id": "HN-EI-01-S4",
                    "chain_role": "配套", "source": EXAMPLE_NOTE, "illustrative": "是"},
    "programs": {"institution_id": HENU, "major_code": "080901", "year": 2024, "enrollment": 480, "graduates": 115,
                 "employment_rate": 0.91, "local_employment_rate": 0.46, "leading": "否", "group": "计算机专业群",
                 "source": EXAMPLE_NOTE, "illustrative": "是"},
    "cooperations": {"institution_id": HENU, "enterprise_id": ENT, "type": "产业学院", "since": 2023, "students": 60,
                     "status": "进行中", "source": EXAMPLE_NOTE, "illustrative": "是"},
    "training_bases": {"id": "KF-TB-01", "name": "开封市软件公共实训基地（示意）", "city_code": "410200",
                       "kind": "公共实训基地", "level": "市级", "operator_id": HENU, "industry_codes": "65；64",
                       "stations": 120, "source": EXAMPLE_NOTE, "illustrative": "是"},
    "platforms": {"id": "KF-PF-01", "name": "河南大学软件产业学院（示意）", "city_code": "410200", "kind": "产业学院",
                  "operator_ids": f"{HENU}；{ENT}", "source": EXAMPLE_NOTE, "illustrative": "是"},
    "alliances": {"id": "KF-AL-01", "name": "开封市域产教联合体（示意）", "kind": "市域产教联合体", "city_code": "410200",
                  "lead_id": HENU, "source": EXAMPLE_NOTE, "illustrative": "是"},
    "alliance_members": {"alliance_id": "KF-AL-01", "member_id": ENT, "role": "成员", "source": EXAMPLE_NOTE,
                         "illustrative": "是"},
    "talent_demand": {"city_code": "410200", "year": 2024, "headcount": 120, "industry_code": "65",
                      "major_code": "080901", "enterprise_id": ENT, "education_level": "本科",
                      "source": EXAMPLE_NOTE, "illustrative": "是"},
    "demand_plan": {"city_code": "410200", "year": 2027, "headcount": 150, "industry_code": "65",
                    "basis": "（示意）开封市人才发展规划", "source": EXAMPLE_NOTE, "illustrative": "是"},
    "employment": {"institution_id": HENU, "year": 2024, "count": 85, "major_code": "080901", "industry_code": "65",
                   "city_code": "410200", "source": EXAMPLE_NOTE, "illustrative": "是"},
    "policies": {"doc_number": DOC, "title": "关于开展省级产教融合型城市建设试点遴选工作的通知",
                 "issuer": "河南省发展和改革委员会、河南省教育厅、河南省工业和信息化厅、河南省财政厅、"
                           "河南省人力资源和社会保障厅、河南省国有资产监督管理委员会",
                 "level": "省级", "date": dt.date(2022, 7, 29), "status": "有效", "kinds": "产教融合；试点",
                 "cites": "发改社会〔2019〕1558号；豫政办〔2018〕47号", "source": NOTICE, "illustrative": "否"},
    "vocabularies": {"field": "cooperation_status", "term": "进行中", "english": "ongoing",
                     "synonyms": "履约中；存续期内", "meaning": "合作仍在执行", "source": EXAMPLE_NOTE, "illustrative": "是"},
    "targets": {"id": "T-646-02", "doc_number": DOC, "metric": "key_zones", "name": "产教融合重点区域",
                "comparison": ">=", "value": 1, "unit": "个", "deadline": 2025, "text": "培育打造若干个产教融合重点区域",
                "source": NOTICE, "illustrative": "否"},
    "tasks": {"id": "TASK-646-3", "doc_number": DOC, "seq": 3, "title": "推进产教融合校企合作人才培养改革",
              "text": "(三)推进产教融合校企合作人才培养改革。", "source": NOTICE, "illustrative": "否"},
    "problems": {"city_code": "410200", "seq": 1, "problem": "（示意）本地院校专业设置与重点产业链需求衔接不够紧密",
                 "deadline": "2025年12月", "source": EXAMPLE_NOTE, "illustrative": "是"},
    "measures": {"city_code": "410200", "seq": 1, "content": "（示意）建立重点产业链专业动态调整机制",
                 "agency": "开封市教育局、开封市发展和改革委员会", "deadline": "2024年12月", "problem_seq": "1",
                 "source": EXAMPLE_NOTE, "illustrative": "是"},
}


def example_marked(texts: list[str]) -> bool:
    """Whether a row's first cell carries a template's example marker (【示例】, example: …).

    Parameters
    ----------
    texts : list of str
        The row's cells as text.

    Returns
    -------
    bool
    """
    return bool(texts) and texts[0].lstrip()[:12].lower().startswith(EXAMPLE_MARKERS)


def strip_marker(text: str) -> str:
    """An example row's first cell without its 【示例】 marker: the value a person would type."""
    return re.sub("^" + re.escape(MARKER), "", text)


def _same_cell(expected: Any, text: str) -> bool:
    text = (text or "").strip()
    if expected is None or expected == "":
        return text == ""
    if str(expected).strip() == text:
        return True
    try:
        want = float(expected)
        got = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except (TypeError, ValueError):
        return False
    return abs(want - got) < 1e-9


def example_unchanged(table: str, values: dict[str, str]) -> bool:
    """True when a row marked 【示例】 still holds the template's example (skipped silently on import);
    False when the user edited it (then the import says that it was skipped)."""
    ex = EXAMPLES.get(table)
    if ex is None:
        return False
    first = (*TABLES[table].columns, *PROVENANCE_COLUMNS)[0].key
    for key, text in values.items():
        if key == first:
            for m in EXAMPLE_MARKERS:
                if text.lower().startswith(m.lower()):
                    text = text[len(m):]
        if key not in ex and not (text or "").strip():
            continue
        if not _same_cell(ex.get(key), text):
            return False
    return True
