"""The city's figures the plan and its internal diagnosis quote (:class:`Facts`, read once), the focus
chains' standing, the pilot status as a public fact, and :func:`plan_parts`: the facts, the draft and
the names that both the plan and the diagnosis are written from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from iekg.graph.store import Store
from iekg.graph.sums import rollup
from iekg.queries import cooperation
from iekg.queries.alignment import alignment
from iekg.queries.readiness import readiness
from iekg.queries.scope import Scope, names_of
from iekg.reports.city import city_node, located
from iekg.reports.drafting import Draft, compose
from iekg.reports.lookups import Names
from iekg.reports.rules import Period, Rule


def without_programs(f: Facts) -> tuple[list[str], int]:
    """The names (at most 50) and the number of the city's institutions without programs in the facts' year
    (alignment's data coverage)."""
    cov = (f.align.get("data_coverage") or {}).get("institutions") or {}
    ids = [str(i) for i in cov.get("without_programs") or []]
    names = names_of(f.store, "Institution", ids)
    return [names.get(i, i) for i in ids], int(cov.get("without_programs_total") or len(ids))


class Facts:
    """The city's figures the plan quotes, read from the graph once (only the city's: every read is
    filtered by the store to the city, its institutions, enterprises and training bases)."""

    def __init__(self, store: Store, city: str, year: int | None) -> None:
        self.store = store
        self.city = city
        node = self.node = city_node(store, city)
        self.scope = Scope((city,), year, name=node.name)

        def here(label: str, props: list[str]) -> pd.DataFrame:
            return store.node_frame(label, props, ids=sorted(located(store, label, city))).sort_values("id")

        self.institutions = here("Institution", ["name", "level", "ownership"])
        self.enterprises = here("Enterprise", ["name", "employees", "iei_level"]).copy()
        self.enterprises["employees"] = pd.to_numeric(self.enterprises["employees"], errors="coerce")
        self.bases = here("TrainingBase", ["name", "kind", "level", "stations"])
        self.platforms = here("Platform", ["name", "kind"])
        insts, ents = sorted(self.institutions["id"]), sorted(self.enterprises["id"])
        joined = {str(a) for label, orgs in (("Institution", insts), ("Enterprise", ents))
                  for a in store.rel_frame("MEMBER_OF", src_label=label, src_ids=orgs)["dst"]}
        self.alliances = store.node_frame("Alliance", ["name", "kind"],
                                          ids=sorted(located(store, "Alliance", city) | joined)).sort_values("id")
        part = store.rel_frame("PART_OF", src_label="Zone", dst_label="City", dst_ids=[city])
        self.zones = store.node_frame("Zone", ["name", "kind"], ids=sorted(part["src"])).sort_values("id")
        coop_props = ["type", "students", "status"]
        coop = pd.concat([  # the cooperation of the city's institutions, and with the city's enterprises
            store.rel_frame("COOPERATES_WITH", coop_props, src_label="Institution", src_ids=insts),
            store.rel_frame("COOPERATES_WITH", coop_props, dst_label="Enterprise", dst_ids=ents)], ignore_index=True)
        coop["_type"] = coop["type"].fillna("")
        coop = coop.drop_duplicates(["src", "dst", "_type"]).sort_values(["src", "dst", "_type"]).drop(
            columns="_type")
        # the plan counts ongoing cooperations only (iekg.queries.cooperation); ended and not-begun ones apart
        live = cooperation.counted(coop["status"])
        self.coop = coop[live]
        self.coop_left_out = coop[~live]
        focus = store.rel_frame("FOCUSES_ON", ["level", "integration_industry"], src_label="City", src_ids=[city])
        self.focus = focus.sort_values("dst")
        ap = store.rel_frame("APPLIES_TO", dst_label="City", dst_ids=[city])
        self.policies = store.node_frame("Policy", ["title", "date", "status"], ids=sorted(ap["src"])).sort_values("id")
        self.align = alignment(store, self.scope)
        self.ready = readiness(store, city, year)
        self.year = self.align["year"]
        self.year_text = f"{self.year}年" if self.year is not None else ""
        self.programs = store.rel_frame("OFFERS", ["year", "graduates", "enrollment"], src_label="Institution",
                                        src_ids=insts, where={"year": self.year})
        ins = store.rel_frame("IN_INDUSTRY", src_label="Enterprise", src_ids=ents)
        self.ent_industry = dict(zip(ins["src"], ins["dst"], strict=True))
        seg = store.rel_frame("IN_SEGMENT", ["role"], src_label="Enterprise", src_ids=ents)
        self.ent_segment = {a: (b, r) for a, b, r in zip(seg["src"], seg["dst"], seg["role"], strict=True)}
        bases = sorted(self.bases["id"])
        self.serves = store.rel_frame("SERVES", src_label="TrainingBase", src_ids=bases).sort_values(["src", "dst"])
        op = store.rel_frame("OPERATED_BY", src_label="TrainingBase", src_ids=bases).sort_values(["src", "dst"])
        org_names = {**names_of(store, "Institution", op["dst"]), **names_of(store, "Enterprise", op["dst"])}
        self.operator = {str(a): org_names.get(str(b), str(b)) for a, b in zip(op["src"], op["dst"], strict=True)}

    def names(self, found: Iterable[dict[str, Any]]) -> Names:
        """The names the plan quotes: of the gaps, the focus chains (and their segments), the enterprises'
        industries and segments, and what the training bases serve (an industry or a segment)."""
        served = list(self.serves["dst"])
        return Names.of_gaps(self.store, found, industries=[*self.ent_industry.values(), *served],
                              chains=self.focus["dst"], segments=[*(s for s, _ in self.ent_segment.values()), *served])

    def item(self, metric: str) -> dict[str, Any] | None:
        return next((i for i in self.ready["items"] if i["metric"] == metric), None)


def chain_stats(f: Facts, names: Names) -> list[dict[str, Any]]:
    """Per focus chain: level, integration industry, local enterprises (and how many cooperate), bases."""
    coop_ents = set(f.coop["dst"])
    served = set(f.serves["dst"])
    served_inds = set(rollup(f.serves["dst"])) if len(f.serves) else set()
    focus_segs = sorted(s for s, c in names.segment_chain.items() if c in set(f.focus["dst"]))
    maps = f.store.rel_frame("MAPS_TO", src_label="ChainSegment", src_ids=focus_segs)
    seg_inds: dict[str, set[str]] = {}
    for seg, ind in zip(maps["src"], rollup(maps["dst"]) if len(maps) else [], strict=True):
        seg_inds.setdefault(str(seg), set()).add(str(ind))
    out = []
    for chain, level, ii in zip(f.focus["dst"], f.focus["level"], f.focus["integration_industry"], strict=True):
        segs = {s for s, c in names.segment_chain.items() if c == chain}
        ents = [e for e in f.enterprises["id"] if f.ent_segment.get(e, ("", ""))[0] in segs]
        # a segment is served by a base serving it or one of the industries it maps to (as in gaps.py)
        with_base = {s for s in segs if s in served or seg_inds.get(s, set()) & served_inds}
        out.append({"chain": chain, "name": names.chain.get(chain, chain), "level": level if isinstance(level, str) else "",
                    "integration_industry": bool(ii) if not pd.isna(ii) else False,
                    "segments": len(segs), "enterprises": len(ents),
                    "cooperating": sum(1 for e in ents if e in coop_ents),
                    "bases": len(with_base)})
    return out


def pilot_fact(props: dict[str, Any], city_name: str) -> str:
    """The city's pilot status as a public fact with its source (from the official pilot-city list,
    ``iekg build --public``), or "" when the graph holds none."""
    level, batch = props.get("pilot_level"), props.get("pilot_batch")
    if not level and not batch:
        return ""
    parts = [str(x) for x in (props.get("pilot_level"), props.get("pilot_document"), props.get("pilot_issued")) if x]
    src = props.get("pilot_source")
    return (f"{city_name}已列入{batch or '产教融合型城市（试点）'}（{'，'.join(parts)}"
            + (f"；来源：{src}" if src else "") + "）。〔公开信息〕")


def plan_parts(store: Store, city: str, *, year: int | None, max_generated: int,
               rules: Sequence[Rule] | str | Path | None, period: Period | str | None,
               types: Iterable[str] | str | None, min_people: float | None, today: date | None = None,
               document: str | None = None) -> tuple[Facts, Draft, Names]:
    """What the plan, the report and the diagnosis are written from: the city's :class:`Facts`, its
    :class:`~iekg.reports.drafting.Draft` (the options are :func:`~iekg.reports.drafting.compose`'s) and the
    :class:`Names` the plan quotes."""
    d = compose(store, city, year=year, max_generated=max_generated, rules=rules, period=period, types=types,
                min_people=min_people, today=today, document=document)
    f = Facts(store, city, year)
    return f, d, f.names(d.gaps["gaps"])

