"""Gaps: findings with a type, the entity concerned, a magnitude, a severity and the evidence to open.

Types (metrics.md): ``unmet_demand``, ``shortage``, ``surplus``, ``uncovered_segment``,
``no_cooperation``, ``no_training_base``, ``target_shortfall``.

``magnitude`` is in the gap's own unit (people for supply/demand gaps, employees for an enterprise
without partner, segments for a chain without base, the target's unit for a shortfall).  Gaps are
ranked by ``severity`` in [0, 1], comparable across types, then by magnitude:

| type | severity |
| --- | --- |
| unmet_demand | 1 (demand with no supply at all) |
| shortage | 1 − r (r = supply / demand) |
| surplus | 1 − 1/r |
| uncovered_segment | 1 (a focus-chain segment no local major supplies) |
| no_training_base | 1 (a focus chain no local base serves) |
| target_shortfall | shortfall / threshold |
| no_cooperation | 0.5 × the enterprise's share of the largest focus-chain enterprise's employees, at least 0.05 |
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from iekg.graph.schema import rel_key
from iekg.graph.store import Store
from iekg.queries.alignment import (
    DURATION,
    Scope,
    ScopeSums,
    Thresholds,
    alignment,
    focus_segments,
    join_demand,
    rollup,
    scope_demand,
)
from iekg.queries.readiness import NOTICE, Context, readiness

GAP_TYPES = ("unmet_demand", "shortage", "surplus", "uncovered_segment", "no_cooperation", "no_training_base",
             "target_shortfall")
EVIDENCE_CAP = 20


def _gap(kind: str, entity: str, name: str, magnitude: float, severity: float, evidence: list[str],
         detail: dict[str, Any], message: str, evidence_total: int | None = None) -> dict[str, Any]:
    total = len(evidence) if evidence_total is None else evidence_total
    return {"type": kind, "entity": entity, "name": name, "magnitude": float(magnitude),
            "severity": round(float(severity), 10), "message": message, "detail": detail,
            "evidence": evidence[:EVIDENCE_CAP], "evidence_total": total}


def _supply_evidence(store: Store, sums: ScopeSums, industries: list[str]) -> dict[str, tuple[list[str], int]]:
    """Per industry: the keys of its largest programs (supply = volume × weight, ties by institution and
    major), at most EVIDENCE_CAP of them, chosen by the store (on Neo4j, ORDER BY … LIMIT on the server),
    and how many programs feed it in all (from the sums)."""
    w = sums.weights.frame
    w = w[w["industry"].isin(industries)]
    pairs = {str(code): list(zip(g["major"], g["weight"], strict=True)) for code, g in w.groupby("industry")}
    top = store.top_offers(sorted(sums.scope.cities), sums.year, pairs, DURATION, EVIDENCE_CAP)
    n = sums.offers[["major", "programs"]].merge(w[["major", "industry"]], on="major").groupby("industry")["programs"].sum()
    out: dict[str, tuple[list[str], int]] = {}
    for code in industries:
        rows = top[top["key"] == code]
        keys = [rel_key("OFFERS", f"Institution:{a}", f"Major:{b}", {"year": y})
                for a, b, y in zip(rows["institution"], rows["major"], rows["year"], strict=True)]
        out[code] = (keys, int(n.get(code, 0)))
    return out


def _demand_evidence(demand_rows: pd.DataFrame, industry: str) -> list[str]:
    rows = demand_rows[demand_rows["industry"] == industry]
    keys = [rel_key("DEMANDS", f"{sl}:{s}", f"{tl}:{t}", {"year": y, "education_level": _clean(e), "city_code": c,
                                                          "major_code": _clean(m)})
            for sl, s, tl, t, y, e, c, m in zip(rows["src_label"], rows["src"], rows["target_label"], rows["target"],
                                                 rows["year"], rows["education_level"], rows["city_code"],
                                                 rows["major_code"], strict=True)]
    # largest demand first; the key breaks ties, so every store gives the same order
    return [k for _, k in sorted(zip(-rows["demand"].to_numpy(), keys, strict=True))]


def _clean(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and pd.isna(v)) else v


def supply_gaps(store: Store, align: dict[str, Any], sums: ScopeSums) -> list[dict[str, Any]]:
    """Unmet demand, shortage and surplus per industry, with the rows behind each (demand rows, then the
    largest programs; a surplus the other way round)."""
    out = []
    flagged = [i for i in align["industries"] if i["status"] in ("unmet", "shortage", "surplus")]
    supply_ev = _supply_evidence(store, sums, [i["code"] for i in flagged])
    demand_rows = join_demand(scope_demand(store, sorted(sums.scope.cities), sums.year), sums.weights)
    for ind in flagged:
        s, d, code = ind["supply"], ind["demand"], ind["code"]
        status = ind["status"]
        sup, n_sup = supply_ev[code]
        dem = _demand_evidence(demand_rows, code)
        detail = {"industry": code, "supply": s, "demand": d, "ratio": ind["ratio"]}
        name = f"{code} {ind['name']}"
        if status == "unmet":
            out.append(_gap("unmet_demand", f"Industry:{code}", name, d, 1.0, dem + sup, detail,
                            f"{ind['name']} 需求 {d:.0f} 人，本地无对口专业供给", len(dem) + n_sup))
        elif status == "shortage":
            out.append(_gap("shortage", f"Industry:{code}", name, d - s, 1 - s / d, dem + sup, detail,
                            f"{ind['name']} 供给 {s:.0f} 人，需求 {d:.0f} 人，缺口 {d - s:.0f} 人", len(dem) + n_sup))
        else:
            out.append(_gap("surplus", f"Industry:{code}", name, s - d, 1 - d / s, sup + dem, detail,
                            f"{ind['name']} 供给 {s:.0f} 人，需求 {d:.0f} 人，过剩 {s - d:.0f} 人", len(dem) + n_sup))
    return out


def chain_gaps(store: Store, scope: Scope, align: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    segs = focus_segments(store, scope)
    if segs.empty:
        return out
    seg_names = store.node_frame("ChainSegment", ["name"], ids=segs["segment"]).set_index("id")["name"]
    chain_names = store.node_frame("IndustryChain", ["name"], ids=segs["chain"]).set_index("id")["name"]
    for seg in align["segments"]["uncovered"]:
        inds = sorted(set(segs.loc[segs["segment"] == seg, "industry"]) - {""})
        chain = segs.loc[segs["segment"] == seg, "chain"].iloc[0]
        ev = [f"ChainSegment:{seg}", f"IndustryChain:{chain}"] + [
            rel_key("MAPS_TO", f"ChainSegment:{seg}", f"Industry:{i}", {}) for i in inds]
        out.append(_gap("uncovered_segment", f"ChainSegment:{seg}", str(seg_names.get(seg, seg)), len(inds), 1.0, ev,
                        {"chain": chain, "industries": inds},
                        f"重点产业链「{chain_names.get(chain, chain)}」的环节「{seg_names.get(seg, seg)}」没有本地专业供给"))

    cities = sorted(scope.cities)
    # enterprises of focus-chain segments in scope with no school partner at all
    ins = store.rel_frame("IN_SEGMENT", ["role"], dst_label="ChainSegment", dst_ids=segs["segment"]).rename(
        columns={"src": "enterprise", "dst": "segment"})
    local = set(store.rel_frame("LOCATED_IN", src_label="Enterprise", dst_label="City", dst_ids=cities)["src"])
    ins = ins[ins["enterprise"].isin(local)]
    coop = store.rel_frame("COOPERATES_WITH", dst_label="Enterprise", dst_ids=ins["enterprise"])
    lonely = ins[~ins["enterprise"].isin(set(coop["dst"]))]
    ents = store.node_frame("Enterprise", ["name", "employees"], ids=ins["enterprise"]).set_index("id")
    employees = pd.to_numeric(ents["employees"], errors="coerce").fillna(0.0)
    emp = employees.reindex(ins["enterprise"]).fillna(0.0)
    biggest = float(emp.max()) if len(emp) and emp.max() > 0 else 1.0
    for e, seg, role in sorted(zip(lonely["enterprise"], lonely["segment"], lonely["role"], strict=True)):
        n = float(employees.get(e, 0.0))
        out.append(_gap("no_cooperation", f"Enterprise:{e}", str(ents["name"].get(e, e)), n,
                        max(0.05, 0.5 * n / biggest),
                        [f"Enterprise:{e}", rel_key("IN_SEGMENT", f"Enterprise:{e}", f"ChainSegment:{seg}", {})],
                        {"segment": seg, "role": _clean(role), "employees": n},
                        f"重点产业链企业「{ents['name'].get(e, e)}」({_clean(role) or '成员'}) 没有任何院校合作伙伴"))

    # focus chains that no training base in scope serves (through a segment or a mapped industry)
    bases = store.rel_frame("LOCATED_IN", src_label="TrainingBase", dst_label="City", dst_ids=cities)["src"]
    serves = store.rel_frame("SERVES", src_label="TrainingBase", src_ids=bases)
    served_inds = set(rollup(serves["dst"])) if len(serves) else set()
    served_segs = set(serves["dst"])
    for chain_key, g in segs.groupby("chain"):
        chain = str(chain_key)
        if (g["segment"].isin(served_segs) | g["industry"].isin(served_inds)).any():
            continue
        n = g["segment"].nunique()
        out.append(_gap("no_training_base", f"IndustryChain:{chain}", str(chain_names.get(chain, chain)), n, 1.0,
                        [f"IndustryChain:{chain}"] + [f"ChainSegment:{s}" for s in sorted(set(g["segment"]))],
                        {"segments": n},
                        f"重点产业链「{chain_names.get(chain, chain)}」没有本地实训基地服务 ({n} 个环节)"))
    return out


def target_gaps(ready: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    seen_groups: set[str] = set()
    for r in ready["items"]:
        if r["kind"] == "condition" or not r["measurable"]:
            continue
        if r["any_of"]:
            if r.get("group_met") or r["any_of"] in seen_groups:
                continue
            seen_groups.add(r["any_of"])
        elif r["met"]:
            continue
        out.append(_gap("target_shortfall", f"Target:{r['target']}", str(r["name"]), r["shortfall"],
                        min(1.0, r["shortfall"] / r["threshold"]) if r["threshold"] else 1.0,
                        [f"Target:{r['target']}"] + r["evidence"],
                        {"metric": r["metric"], "value": r["value"], "threshold": r["threshold"], "unit": r["unit"]},
                        f"{r['name']}：现有 {r['value']:g}，目标 {r['comparison']} {r['threshold']:g} {r['unit'] or ''}，差 {r['shortfall']:g}".rstrip()))
    return out


def gaps(store: Store, scope: Scope, thresholds: Thresholds | None = None, *,
         types: tuple[str, ...] | None = None, with_targets: bool = True, policy: str = NOTICE) -> dict[str, Any]:
    """All gaps of a scope, ranked by severity then magnitude (then type and entity, for stable order)."""
    sums = ScopeSums.gather(store, scope)
    align = alignment(store, scope, thresholds, sums)
    found = supply_gaps(store, align, sums) + chain_gaps(store, scope, align)
    if with_targets and scope.kind == "city":
        ctx = Context(store, scope.cities[0], align["year"], sums=sums, align=align)
        try:
            found += target_gaps(readiness(store, scope.cities[0], align["year"], policy, ctx=ctx))
        except LookupError:
            pass  # the graph holds no targets of that policy: no target gaps to report
    if types:
        found = [g for g in found if g["type"] in types]
    found.sort(key=lambda g: (-g["severity"], -g["magnitude"], g["type"], g["entity"]))
    for rank, g in enumerate(found, 1):
        g["rank"] = rank
    counts = {t: sum(1 for g in found if g["type"] == t) for t in GAP_TYPES}
    return {"scope": scope.id, "scope_name": scope.name, "year": align["year"], "counts": counts, "gaps": found}
