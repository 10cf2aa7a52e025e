"""What the drafts read from the graph besides the gaps: the names of what a row mentions
(:class:`Names`) and which local majors feed which industries (:class:`Feeding`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from iekg.graph.store import Store
from iekg.queries.facts import ScopeSums
from iekg.queries.scope import Scope, id_list, names_of


class Names:
    """Names of the industries, chains and segments a draft mentions, and which chain a segment belongs to.

    Only what is asked is read: the given industries, the given chains with all their segments, and the
    given segments with their chains."""

    def __init__(self, store: Store, *, industries: Iterable[Any] = (), chains: Iterable[Any] = (),
                 segments: Iterable[Any] = ()) -> None:
        part = pd.concat([
            store.rel_frame("PART_OF", src_label="ChainSegment", dst_label="IndustryChain", dst_ids=id_list(chains)),
            store.rel_frame("PART_OF", src_label="ChainSegment", dst_label="IndustryChain",
                            src_ids=id_list(segments))])
        part = part.drop_duplicates().sort_values(["src", "dst"])
        self.industry = names_of(store, "Industry", industries)
        self.chain = names_of(store, "IndustryChain", [*chains, *part["dst"]])
        self.segment = names_of(store, "ChainSegment", [*segments, *part["src"]])
        self.segment_chain = {str(a): str(b) for a, b in zip(part["src"], part["dst"], strict=True)}

    @classmethod
    def of_gaps(cls, store: Store, found: Iterable[dict[str, Any]], *, industries: Iterable[Any] = (),
                chains: Iterable[Any] = (), segments: Iterable[Any] = ()) -> Names:
        """The names the drafting of ``found`` needs (its industries, chains and segments), and more."""
        inds, chs, segs = set(industries), set(chains), set(segments)
        for g in found:
            d = g.get("detail") or {}
            label, _, ident = str(g["entity"]).partition(":")
            inds.add(d.get("industry"))
            chs |= {d.get("chain"), ident if label == "IndustryChain" else None}
            segs |= {d.get("segment"), ident if label == "ChainSegment" else None}
        return cls(store, industries=inds - {None}, chains=chs - {None}, segments=segs - {None})

    def chain_of_segment(self, seg: str) -> str:
        c = self.segment_chain.get(seg, "")
        return self.chain.get(c, c)


@dataclass
class Feeding:
    """Which local majors feed which industries, by crosswalk weight: what a recommendation about a major
    must know so that it never contradicts another (a major feeding a shortage is never proposed for a
    cut) and can say which industries the major feeds.

    ``by_industry``: industry → its feeding majors ``{major, name, weight, supply}``, largest supply
    first (the gap's own ``feeding_majors`` when the gap ranking gives them, else from the scope's
    programs and the crosswalk); ``feeds``: major → ``[(industry, weight)]``, largest weight first;
    ``short``: the industries with a shortage or unmet demand (all of the scope's gaps, drafted or not)."""

    by_industry: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    feeds: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    major_names: dict[str, str] = field(default_factory=dict)
    industry_names: dict[str, str] = field(default_factory=dict)
    short: set[str] = field(default_factory=set)

    @classmethod
    def gather(cls, store: Store, scope: Scope, found: Sequence[dict[str, Any]]) -> Feeding:
        sums = ScopeSums.gather(store, scope)
        w = sums.weights.frame[["major", "industry", "weight"]]
        w = w[w["weight"] > 0]
        vol = sums.offers.groupby("major")["volume"].sum()
        vol = vol[vol > 0]
        sup = w[w["major"].isin(set(vol.index))].copy()
        sup["supply"] = sup["major"].map(vol).astype(float) * sup["weight"]
        by_industry: dict[str, list[dict[str, Any]]] = {}
        for ind, g in sup.sort_values(["industry", "supply", "major"], ascending=[True, False, True]).groupby("industry"):
            by_industry[str(ind)] = [{"major": str(m), "weight": float(x), "supply": float(s)}
                                     for m, x, s in zip(g["major"], g["weight"], g["supply"], strict=True)]
        for gap in found:
            listed = gap.get("feeding_majors")
            code = (gap.get("detail") or {}).get("industry")
            if code is not None and isinstance(listed, list) and listed:
                by_industry[str(code)] = [{"major": str(m["major"]), "weight": float(m.get("weight") or 0),
                                           "supply": float(m.get("supply") or 0), "name": m.get("name")}
                                          for m in listed]
        majors = sorted({m["major"] for ms in by_industry.values() for m in ms})
        wf = w[w["major"].isin(set(majors))].sort_values(["major", "weight", "industry"], ascending=[True, False, True])
        feeds = {str(m): [(str(i), float(x)) for i, x in zip(g["industry"], g["weight"], strict=True)]
                 for m, g in wf.groupby("major")}
        major_names = names_of(store, "Major", majors)
        for ms in by_industry.values():
            for m in ms:
                if m.get("name"):
                    major_names.setdefault(m["major"], str(m["name"]))
        inds = sorted({i for fs in feeds.values() for i, _ in fs})
        short = {str((g.get("detail") or {}).get("industry")) for g in found if g["type"] in ("shortage", "unmet_demand")}
        return cls(by_industry, feeds, major_names, names_of(store, "Industry", inds), short)

    def name(self, major: str) -> str:
        return self.major_names.get(major, major)

    def feeds_text(self, major: str, top: int = 3) -> str:
        """``通用设备制造业、专用设备制造业``: the industries the major feeds, largest crosswalk weight first
        (the ``top`` largest), by name only: the codes and weights are figures for the evidence sheet (the
        row's ``majors`` record keeps them all), not words for an official text."""
        return "、".join(self.industry_names.get(i) or f"行业{i}" for i, _ in self.feeds.get(major, [])[:top])

    def record(self, major: str, action: str) -> dict[str, Any]:
        return {"code": major, "name": self.name(major), "action": action,
                "feeds": [{"industry": i, "name": self.industry_names.get(i, ""), "weight": x}
                          for i, x in self.feeds.get(major, [])]}

    def feeds_shortage(self, major: str) -> bool:
        return any(i in self.short for i, _ in self.feeds.get(major, []))

    def cut_majors(self, industry: str) -> list[str]:
        """The majors feeding a surplus industry that may be proposed for a cut: those feeding no shortage."""
        return [m["major"] for m in self.by_industry.get(industry, []) if not self.feeds_shortage(m["major"])]



_SKIP_PROPS = frozenset({"city_code", "major_code", "source", "illustrative"})


def evidence_labels(store: Store, keys: Iterable[str]) -> dict[str, str]:
    """Readable labels of evidence keys, for the evidence sheet: a node ``Industry:38`` →
    ``行业「电气机械和器材制造业」``; a relationship ``DEMANDS|City:410200|Industry:38|year=2024|…`` →
    ``开封市 — 人才需求 → 电气机械和器材制造业（2024年，高职专科）`` (no ``None``, no key names).

    Parameters
    ----------
    store : Store
    keys : iterable of str
        Evidence keys (node uids or relationship keys).

    Returns
    -------
    dict
        Key → label.
    """
    from iekg.graph.schema import NODE_TYPES, REL_TYPES

    names: dict[str, str] = {}

    def name(uid: str) -> str:
        if uid not in names:
            n = store.get(uid)
            names[uid] = n.name if n is not None and n.name else uid.partition(":")[2]
        return names[uid]

    def node(uid: str) -> str:
        label = uid.partition(":")[0]
        kind = NODE_TYPES[label].zh if label in NODE_TYPES else ""
        return f"{kind}「{name(uid)}」"

    out: dict[str, str] = {}
    for key in dict.fromkeys(keys):
        parts = str(key).split("|")
        if len(parts) < 3:
            out[key] = node(parts[0])
            continue
        rel = REL_TYPES[parts[0]].zh if parts[0] in REL_TYPES else parts[0]
        extra = []
        for p in parts[3:]:
            k, _, v = p.partition("=")
            if k in _SKIP_PROPS or v in ("", "None", "nan"):
                continue
            extra.append(f"{v}年" if k == "year" else v)
        out[key] = f"{name(parts[1])} — {rel} → {name(parts[2])}" + (f"（{'，'.join(extra)}）" if extra else "")
    return out
