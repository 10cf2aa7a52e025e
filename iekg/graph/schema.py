"""The graph schema: one definition of labels, relationship types and properties, shared by every store.

Every node has the identity property ``id`` (a string: the GB/T 2260 code of a city, the MOE 学校标识码 of
an institution, the catalogue code of a major, the GB/T 4754 code of an industry, the 统一社会信用代码 or
own id of an enterprise, the normalised 文号 of a policy, ...), unique within its label.  Its graph-wide
identity is ``uid = "<Label>:<id>"``.

Every node and relationship records its provenance in the properties of :data:`PROVENANCE`.
Labels and relationship types in Cypher come only from the names defined here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Provenance properties carried by every node and relationship.
PROVENANCE: dict[str, str] = {
    "source": "str — citation or file reference the fact comes from",
    "source_kind": "str — public | document | reference | illustrative | user",
    "source_file": "str — file (and sheet) it was loaded from",
    "source_row": "int — row as the user sees it in Excel / the line in a text file",
}


@dataclass(frozen=True)
class NodeType:
    label: str
    zh: str
    identity: str  # what ``id`` holds
    props: dict[str, str] = field(default_factory=dict)  # name -> type ("str", "int", "float", "bool", "list")
    search: tuple[str, ...] = ("name",)  # text properties searched by name


@dataclass(frozen=True)
class RelType:
    type: str
    zh: str
    pairs: tuple[tuple[str, str], ...]
    props: dict[str, str] = field(default_factory=dict)
    key: tuple[str, ...] = ()  # properties that, with the two ends, identify the relationship
    single: bool = False  # at most one such relationship per start node (a re-import replaces it)


NODE_TYPES: dict[str, NodeType] = {n.label: n for n in (
    NodeType("Province", "省", "GB/T 2260 code, e.g. 410000", {"name": "str"}),
    NodeType("City", "城市", "GB/T 2260 code, e.g. 410100; 济源 419001",
             {"name": "str", "gdp": "float", "population": "float", "year": "int", "note": "str",
              "pilot_level": "str", "pilot_batch": "str", "pilot_document": "str", "pilot_issued": "str",
              "pilot_source": "str", "pilot_source_kind": "str"}),
    NodeType("Zone", "区域", "own id", {"name": "str", "kind": "str"}),
    NodeType("Institution", "院校", "MOE 学校标识码 (10 digits)",
             {"name": "str", "level": "str", "ownership": "str", "aliases": "list", "authority": "str"},
             ("name", "aliases")),
    NodeType("Major", "专业", "catalogue code (6 digits, optional T/K)", {"name": "str", "level": "str"}),
    NodeType("MajorCategory", "专业类", "catalogue code (4 digits)", {"name": "str", "level": "str"}),
    NodeType("MajorDivision", "专业大类", "catalogue code (2 digits)", {"name": "str", "level": "str"}),
    NodeType("Industry", "行业", "GB/T 4754-2017 code (门类 letter, 2/3/4 digits)",
             {"name": "str", "level": "str"}),
    NodeType("IndustryCluster", "产业集群", "cluster name", {"name": "str"}),
    NodeType("IndustryChain", "产业链", "own id", {"name": "str", "confirmed": "str"}),
    NodeType("ChainSegment", "产业链环节", "own id", {"name": "str", "position": "str"}),
    NodeType("Enterprise", "企业", "统一社会信用代码 or own id",
             {"name": "str", "employees": "int", "iei_level": "str", "iei_year": "int"}),
    NodeType("TrainingBase", "实训基地", "own id",
             {"name": "str", "kind": "str", "level": "str", "stations": "int"}),
    NodeType("Platform", "平台载体", "own id", {"name": "str", "kind": "str"}),
    NodeType("Alliance", "产教联盟", "own id", {"name": "str", "kind": "str"}),
    NodeType("Policy", "政策", "normalised 文号",
             {"title": "str", "level": "str", "date": "str", "status": "str", "kinds": "list",
              "stub": "bool"}, ("title", "id")),
    NodeType("Agency", "部门", "agency name", {"name": "str"}),
    NodeType("Target", "目标", "own id",
             {"metric": "str", "name": "str", "comparison": "str", "value": "float", "unit": "str",
              "deadline": "int", "text": "str"}),
    NodeType("Task", "试点任务", "own id", {"seq": "int", "title": "str", "text": "str"}, ("title",)),
    NodeType("Problem", "问题", "city code + '-' + 序号", {"seq": "int", "problem": "str", "deadline": "str"},
             ("problem",)),
    NodeType("Measure", "举措", "city code + '-' + 序号",
             {"seq": "int", "content": "str", "agency": "str", "deadline": "str"},
             ("content",)),
)}

_ORGS = ("Institution", "Enterprise")
REL_TYPES: dict[str, RelType] = {r.type: r for r in (
    RelType("PART_OF", "属于", (("City", "Province"), ("Zone", "City"), ("ChainSegment", "IndustryChain"),
                               ("IndustryChain", "IndustryCluster")), single=True),
    RelType("LOCATED_IN", "位于", tuple((x, y) for x in ("Institution", "Enterprise", "TrainingBase", "Platform",
                                                        "Alliance") for y in ("City", "Zone")), single=True),
    RelType("OFFERS", "开设", (("Institution", "Major"),),
            {"year": "int", "enrollment": "int", "graduates": "int", "employment_rate": "float",
             "local_employment_rate": "float", "leading": "bool", "group": "str"}, key=("year",)),
    RelType("SUBCLASS_OF", "上级", (("Major", "MajorCategory"), ("MajorCategory", "MajorDivision"),
                                   ("Industry", "Industry")), single=True),
    RelType("ALIGNS_WITH", "对应", (("MajorCategory", "Industry"), ("Major", "Industry")),
            {"weight": "float", "basis": "str"}),
    RelType("IN_INDUSTRY", "所属行业", (("Enterprise", "Industry"),), single=True),
    RelType("IN_SEGMENT", "所在环节", (("Enterprise", "ChainSegment"),), {"role": "str"}, single=True),
    RelType("MAPS_TO", "对应行业", (("ChainSegment", "Industry"),)),
    RelType("FEEDS", "供给", (("ChainSegment", "ChainSegment"),)),
    RelType("FOCUSES_ON", "重点发展", (("City", "IndustryChain"),),
            {"level": "str", "integration_industry": "bool"}),
    RelType("COOPERATES_WITH", "校企合作", (("Institution", "Enterprise"),),
            {"type": "str", "since": "int", "students": "int", "status": "str"}, key=("type",)),
    RelType("OPERATED_BY", "运营主体", tuple((x, y) for x in ("TrainingBase", "Platform") for y in _ORGS)),
    RelType("SERVES", "服务", (("TrainingBase", "Industry"), ("TrainingBase", "ChainSegment"),
                             ("Platform", "Industry"), ("Platform", "ChainSegment"))),
    RelType("MEMBER_OF", "成员", (("Institution", "Alliance"), ("Enterprise", "Alliance")), {"role": "str"}),
    RelType("DEMANDS", "人才需求", (("City", "Industry"), ("City", "Major"), ("Enterprise", "Industry"),
                                ("Enterprise", "Major")),
            {"year": "int", "headcount": "int", "education_level": "str", "city_code": "str", "major_code": "str"},
            key=("year", "education_level", "city_code", "major_code")),
    # the planner's own demand for a future year (demand_plan, issue 23): apart from DEMANDS, so that the observed
    # demand and its kept sums never include a plan
    RelType("PLANS_DEMAND", "规划需求", (("City", "Industry"), ("City", "Major")),
            {"year": "int", "headcount": "int", "city_code": "str", "major_code": "str", "basis": "str"},
            key=("year", "city_code", "major_code")),
    RelType("GRADUATES_TO", "毕业去向", (("Institution", "Industry"), ("Institution", "City")),
            {"year": "int", "count": "int", "major_code": "str", "city_code": "str"},
            key=("year", "major_code", "city_code")),
    RelType("ISSUED_BY", "发文单位", (("Policy", "Agency"),)),
    RelType("CITES", "引用", (("Policy", "Policy"),)),
    RelType("APPLIES_TO", "适用", (("Policy", "City"),)),
    RelType("SUPPORTS", "支持", (("Policy", "Industry"),)),
    RelType("SETS_TARGET", "设定目标", (("Policy", "Target"),)),
    RelType("SETS_TASK", "部署任务", (("Policy", "Task"),)),
    RelType("RAISES", "提出问题", (("City", "Problem"),)),
    RelType("ADDRESSES", "解决", (("Measure", "Problem"),)),
    RelType("RESPONSIBLE", "责任部门", (("Measure", "Agency"),)),
    RelType("PROPOSES", "拟出台", (("City", "Measure"),)),
)}


# The audit trail's system label (Neo4j): one node per recorded import.  Not a domain label (outside
# NODE_TYPES), never counted, searched or returned by a query; a fixed name, like the schema's own.
AUDIT_LABEL = "IekgImport"
# Named what-if scenarios (Neo4j): one node per scenario, its document as JSON text.  A system label like the
# audit trail's: not graph content, never counted, searched, cleared by a build or returned by a query.
SCENARIO_LABEL = "IekgScenario"


def uid(label: str, ident: str) -> str:
    if label not in NODE_TYPES:
        raise KeyError(f"unknown label {label!r}")
    return f"{label}:{ident}"


def split_uid(u: str) -> tuple[str, str]:
    label, _, ident = u.partition(":")
    return label, ident


def rel_key(rel_type: str, src: str, dst: str, props: dict[str, object]) -> str:
    """The identity of a relationship: its type, its two ends and its key properties."""
    spec = REL_TYPES[rel_type]
    parts = [rel_type, src, dst] + [f"{k}={props.get(k)!s}" for k in spec.key]
    return "|".join(parts)


def compact_key(key: str) -> str:
    """A relationship key without its empty key properties (``|major_code=None``), as printed for people
    (drafts' evidence sheet); ``iekg show`` accepts both forms."""
    return re.sub(r"\|[^|=]+=(None|nan)(?=\||$)", "", key)


def mermaid() -> str:
    """The schema as a Mermaid flowchart (labels and relationship types)."""
    lines = ["flowchart LR"]
    for n in NODE_TYPES.values():
        lines.append(f'    {n.label}["{n.label}<br/>{n.zh}"]')
    for r in REL_TYPES.values():
        for a, b in r.pairs:
            lines.append(f"    {a} -->|{r.type}| {b}")
    return "\n".join(lines) + "\n"


def markdown() -> str:
    """The generated part of ``docs/schema.md``: the diagram and one table per kind of element."""
    out = ["```mermaid", mermaid().rstrip(), "```", "", "| label | 中文 | `id` holds | properties (besides id and provenance) |",
           "| --- | --- | --- | --- |"]
    for n in NODE_TYPES.values():
        props = ", ".join(f"{k}: {t}" for k, t in n.props.items())
        out.append(f"| {n.label} | {n.zh} | {n.identity} | {props} |")
    out += ["", "| relationship | 中文 | from → to | properties | identity key | single |", "| --- | --- | --- | --- | --- | --- |"]
    for r in REL_TYPES.values():
        pairs = "<br>".join(f"{a} → {b}" for a, b in r.pairs)
        props = ", ".join(f"{k}: {t}" for k, t in r.props.items())
        key = ", ".join(r.key) or "(ends only)"
        out.append(f"| {r.type} | {r.zh} | {pairs} | {props} | {key} | {'yes' if r.single else ''} |")
    out += ["", "Provenance on every node and relationship: " + "; ".join(f"`{k}` ({v})" for k, v in PROVENANCE.items())]
    return "\n".join(out) + "\n"
