"""One builder per table of the data contract: a parsed row → the nodes and relationships it stands for
(:data:`BUILDERS`, checked against :data:`iekg.loaders.tables.TABLES`), and the crosswalk's weight check.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from iekg.loaders.builder import WEIGHT_TOLERANCE, Builder, Parsed, Ref
from iekg.loaders.report import ERROR
from iekg.loaders.tables import TABLES


def _industry_level(code: str) -> str:
    return {1: "门类", 2: "大类", 3: "中类", 4: "小类"}[len(code)]


def _pick(v: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v[k] for k in keys if k in v}


def build_rows(b: Builder, table: str, rows: list[Parsed]) -> None:
    fn = BUILDERS[table]
    for p in rows:
        fn(b, p)


def _cities(b: Builder, p: Parsed) -> None:
    v = p.v
    code = v["code"]
    if code.endswith("0000"):
        b.node(p, "Province", code, {"name": v["name"]})
        return
    u = b.node(p, "City", code, _pick(v, "name", "gdp", "population", "year"))
    prov = v.get("province_code") or code[:2] + "0000"
    b.rel(p, "PART_OF", u, b.ref(p, "province_code", prov, "Province"))


def _zones(b: Builder, p: Parsed) -> None:
    u = b.node(p, "Zone", p.v["id"], _pick(p.v, "name", "kind"))
    b.rel(p, "PART_OF", u, b.ref(p, "city_code", p.v["city_code"]))


def _institutions(b: Builder, p: Parsed) -> None:
    u = b.node(p, "Institution", p.v["id"], _pick(p.v, "name", "level", "ownership"))
    b.rel(p, "LOCATED_IN", u, b.ref(p, "city_code", p.v["city_code"]))


def _programs(b: Builder, p: Parsed) -> None:
    v = p.v
    b.rel(p, "OFFERS", b.ref(p, "institution_id", v["institution_id"]), b.ref(p, "major_code", v["major_code"]),
          _pick(v, "year", "enrollment", "graduates", "employment_rate", "local_employment_rate", "leading", "group"))


def _enterprises(b: Builder, p: Parsed) -> None:
    v = p.v
    u = b.node(p, "Enterprise", v["id"], _pick(v, "name", "employees", "iei_level", "iei_year"))
    b.rel(p, "LOCATED_IN", u, b.ref(p, "city_code", v["city_code"]))
    b.rel(p, "IN_INDUSTRY", u, b.ref(p, "industry_code", v["industry_code"]))
    if "segment_id" in v:
        b.rel(p, "IN_SEGMENT", u, b.ref(p, "segment_id", v["segment_id"]), {"role": v.get("chain_role")})


def _cooperations(b: Builder, p: Parsed) -> None:
    v = p.v
    b.rel(p, "COOPERATES_WITH", b.ref(p, "institution_id", v["institution_id"]),
          b.ref(p, "enterprise_id", v["enterprise_id"]), _pick(v, "type", "since", "students", "status"))


def _placed(b: Builder, p: Parsed, label: str, *props: str) -> Any:
    """The row's node of ``label`` (its ``props``), LOCATED_IN the row's city."""
    u = b.node(p, label, p.v["id"], _pick(p.v, *props))
    b.rel(p, "LOCATED_IN", u, b.ref(p, "city_code", p.v["city_code"]))
    return u


def _training_bases(b: Builder, p: Parsed) -> None:
    v = p.v
    u = _placed(b, p, "TrainingBase", "name", "kind", "level", "stations")
    if "operator_id" in v:
        b.rel(p, "OPERATED_BY", u, b.ref(p, "operator_id", v["operator_id"]))
    for code in v.get("industry_codes", []):
        b.rel(p, "SERVES", u, b.ref(p, "industry_codes", code))


def _platforms(b: Builder, p: Parsed) -> None:
    u = _placed(b, p, "Platform", "name", "kind")
    for op in p.v.get("operator_ids", []):
        b.rel(p, "OPERATED_BY", u, b.ref(p, "operator_ids", op))


def _alliances(b: Builder, p: Parsed) -> None:
    v = p.v
    u = b.node(p, "Alliance", v["id"], _pick(v, "name", "kind"))
    if "city_code" in v:
        b.rel(p, "LOCATED_IN", u, b.ref(p, "city_code", v["city_code"]))
    if "lead_id" in v:
        b.rel(p, "MEMBER_OF", b.ref(p, "lead_id", v["lead_id"]), u, {"role": "牵头"})


def _alliance_members(b: Builder, p: Parsed) -> None:
    v = p.v
    b.rel(p, "MEMBER_OF", b.ref(p, "member_id", v["member_id"]), b.ref(p, "alliance_id", v["alliance_id"]),
          {"role": v.get("role", "成员")})


def _either(b: Builder, p: Parsed, first: str, second: str) -> str | Ref:
    """A row's target given by one of two columns: ``first`` when the row has it (``second``, if given too,
    must then only exist), else ``second``."""
    v = p.v
    if first not in v:
        return b.ref(p, second, v[second])
    dst = b.ref(p, first, v[first])
    if second in v:
        b.need(b.ref(p, second, v[second]))
    return dst


def _talent_demand(b: Builder, p: Parsed) -> None:
    v = p.v
    src: str | Ref = b.ref(p, "enterprise_id", v["enterprise_id"]) if "enterprise_id" in v else \
        b.ref(p, "city_code", v["city_code"])
    if "enterprise_id" in v:
        b.need(b.ref(p, "city_code", v["city_code"]))
    dst = _either(b, p, "industry_code", "major_code")
    props = _pick(v, "year", "headcount", "education_level", "city_code")
    if "industry_code" in v and "major_code" in v:
        props["major_code"] = v["major_code"]
    b.rel(p, "DEMANDS", src, dst, props)


def _demand_plan(b: Builder, p: Parsed) -> None:
    """The planner's own demand for a target year: PLANS_DEMAND, apart from the observed DEMANDS."""
    v = p.v
    dst = _either(b, p, "industry_code", "major_code")
    props = _pick(v, "year", "headcount", "city_code", "basis")
    if "industry_code" in v and "major_code" in v:
        props["major_code"] = v["major_code"]
    b.rel(p, "PLANS_DEMAND", b.ref(p, "city_code", v["city_code"]), dst, props)


def _employment(b: Builder, p: Parsed) -> None:
    v = p.v
    inst = b.ref(p, "institution_id", v["institution_id"])
    if "major_code" in v:
        b.need(b.ref(p, "major_code", v["major_code"]))
    dst = _either(b, p, "industry_code", "city_code")
    b.rel(p, "GRADUATES_TO", inst, dst, _pick(v, "year", "count", "major_code", "city_code"))


def _agency(b: Builder, p: Parsed, name: str) -> str:
    return b.changes.add_node("Agency", name, {"name": name, **p.prov})


def _policies(b: Builder, p: Parsed) -> None:
    v = p.v
    doc = v["doc_number"]
    u = b.node(p, "Policy", doc, {**_pick(v, "title", "level", "date", "status", "kinds"), "stub": False})
    b.stub_policies.pop(doc, None)
    for name in v["issuer"]:
        b.rel(p, "ISSUED_BY", u, _agency(b, p, name))
    for code in v.get("city_code", []):
        b.rel(p, "APPLIES_TO", u, b.ref(p, "city_code", code))
    for code in v.get("supports", []):
        b.rel(p, "SUPPORTS", u, b.ref(p, "supports", code))
    for cited in v.get("cites", []):
        if f"Policy:{cited}" not in b.changes.nodes:
            b.stub_policies.setdefault(cited, {"title": f"(被引用文件 {cited})", "stub": True, **p.prov})
        b.rel(p, "CITES", u, Ref(("Policy",), cited, p.origin("cites")))


def _majors(b: Builder, p: Parsed) -> None:
    u = b.node(p, "Major", p.v["code"], _pick(p.v, "name", "level"))
    b.rel(p, "SUBCLASS_OF", u, b.ref(p, "category_code", p.v["category_code"]))


def _major_divisions(b: Builder, p: Parsed) -> None:
    b.node(p, "MajorDivision", p.v["code"], _pick(p.v, "name", "level"))


def _major_categories(b: Builder, p: Parsed) -> None:
    u = b.node(p, "MajorCategory", p.v["code"], _pick(p.v, "name", "level"))
    b.rel(p, "SUBCLASS_OF", u, b.ref(p, "division_code", p.v["division_code"]))


def _industries(b: Builder, p: Parsed) -> None:
    code = p.v["code"]
    u = b.node(p, "Industry", code, {"name": p.v["name"], "level": _industry_level(code)})
    parent = p.v.get("parent_code") or (code[:-1] if len(code) in (3, 4) else None)
    if parent:
        b.rel(p, "SUBCLASS_OF", u, b.ref(p, "parent_code", parent, "Industry"))


def _crosswalk(b: Builder, p: Parsed) -> None:
    v = p.v
    src = b.ref(p, "major_code", v["major_code"]) if "major_code" in v else b.ref(p, "category_code", v["category_code"])
    b.rel(p, "ALIGNS_WITH", src, b.ref(p, "industry_code", v["industry_code"]), _pick(v, "weight", "basis"))


def _chains(b: Builder, p: Parsed) -> None:
    u = b.node(p, "IndustryChain", p.v["id"], {"name": p.v["name"]})
    if "cluster" in p.v:
        c = b.changes.add_node("IndustryCluster", p.v["cluster"], {"name": p.v["cluster"], **p.prov})
        b.rel(p, "PART_OF", u, c)


def _chain_segments(b: Builder, p: Parsed) -> None:
    v = p.v
    u = b.node(p, "ChainSegment", v["id"], _pick(v, "name", "position"))
    b.rel(p, "PART_OF", u, b.ref(p, "chain_id", v["chain_id"]))
    for code in v["industry_codes"]:
        b.rel(p, "MAPS_TO", u, b.ref(p, "industry_codes", code))
    for seg in v.get("feeds", []):
        b.rel(p, "FEEDS", u, b.ref(p, "feeds", seg))


def _city_focus(b: Builder, p: Parsed) -> None:
    v = p.v
    b.rel(p, "FOCUSES_ON", b.ref(p, "city_code", v["city_code"]), b.ref(p, "chain_id", v["chain_id"]),
          _pick(v, "level", "integration_industry"))


def _problems(b: Builder, p: Parsed) -> None:
    v = p.v
    u = b.node(p, "Problem", f"{v['city_code']}-{v['seq']}", _pick(v, "seq", "problem", "deadline"))
    b.rel(p, "RAISES", b.ref(p, "city_code", v["city_code"]), u)


def _measures(b: Builder, p: Parsed) -> None:
    v = p.v
    u = b.node(p, "Measure", f"{v['city_code']}-{v['seq']}",
               {**_pick(v, "seq", "content", "deadline"), "agency": "、".join(v["agency"])})  # the cell as written
    b.rel(p, "PROPOSES", b.ref(p, "city_code", v["city_code"]), u)
    for name in v["agency"]:
        b.rel(p, "RESPONSIBLE", u, _agency(b, p, name))
    for seq in v.get("problem_seq", []):
        b.rel(p, "ADDRESSES", u, Ref(("Problem",), f"{v['city_code']}-{seq}", p.origin("problem_seq")))


def _targets(b: Builder, p: Parsed) -> None:
    v = p.v
    u = b.node(p, "Target", v["id"], _pick(v, "metric", "name", "comparison", "value", "unit", "deadline", "text"))
    b.rel(p, "SETS_TARGET", b.ref(p, "doc_number", v["doc_number"]), u)


def _tasks(b: Builder, p: Parsed) -> None:
    v = p.v
    u = b.node(p, "Task", v["id"], _pick(v, "seq", "title", "text"))
    b.rel(p, "SETS_TASK", b.ref(p, "doc_number", v["doc_number"]), u)


def _vocabularies(b: Builder, p: Parsed) -> None:
    """Terms of the user's vocabularies are applied while the import is read (``prepare``); no graph data."""


BUILDERS = {
    "vocabularies": _vocabularies, "cities": _cities, "zones": _zones, "institutions": _institutions, "programs": _programs,
    "enterprises": _enterprises, "cooperations": _cooperations, "training_bases": _training_bases,
    "platforms": _platforms, "alliances": _alliances, "alliance_members": _alliance_members,
    "talent_demand": _talent_demand, "demand_plan": _demand_plan, "employment": _employment, "policies": _policies, "majors": _majors,
    "major_divisions": _major_divisions, "major_categories": _major_categories, "industries": _industries,
    "crosswalk": _crosswalk, "chains": _chains, "chain_segments": _chain_segments, "city_focus": _city_focus,
    "problems": _problems, "measures": _measures, "targets": _targets, "tasks": _tasks,
}
assert set(BUILDERS) == set(TABLES)


def check_crosswalk(rows: list[Parsed], b: Builder) -> None:
    """Per category (or major) the weights of one import must sum to 1; they replace the old weights."""
    groups: dict[tuple[str, str], list[Parsed]] = defaultdict(list)
    for p in rows:
        key = ("Major", p.v["major_code"]) if "major_code" in p.v else ("MajorCategory", p.v["category_code"])
        groups[key].append(p)
    for (label, code), ps in groups.items():
        total = math.fsum(p.v["weight"] for p in ps)
        if abs(total - 1) > WEIGHT_TOLERANCE:
            lines = "、".join(str(p.row.line) for p in ps)
            col = "major_code" if label == "Major" else "category_code"
            b.report.add(ps[0].origin(col).issue(
                ERROR, "weights_sum", f"{code} 的权重合计为 {total:g}，应为 1 (第 {lines} 行)",
                "调整这些行的权重，使同一专业类 (或专业) 的权重合计为 1",
                "+".join(f"{p.v['weight']:g}" for p in ps) + f"={total:g}", "weight"))
        b.changes.replace.add((f"{label}:{code}", "ALIGNS_WITH"))
