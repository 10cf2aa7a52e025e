"""Which school–enterprise cooperations count (issue 18, item 7): the one rule every count of
cooperations uses — cooperation density and counts (alignment, ``Store.cooperation_counts``), the
``no_cooperation`` gap, the drafts' counts and the partner recommendations.

A cooperation (``COOPERATES_WITH``) counts when it is **ongoing**: its ``status`` is 进行中, or not given
(most cooperations without a status are running ones; how many were counted so is said).  It is **left
out** — never counted as a partner, and listed apart with how many — when its status is 已结束 (ended:
everyday words 已到期, 到期, 终止 … map to it) or 筹建中 (in preparation: not begun yet).  The words are
the vocabulary's (``iekg/data/rules/vocabularies.csv``, field ``cooperation_status``, plus the user's own
vocabulary file): a stored status equal to one of those terms or to one of their synonyms is left out;
any other word counts like 进行中.  docs/measures.md states the rule for planners.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from iekg._lazy import lazy
from iekg.graph.schema import rel_key
from iekg.graph.sums import CrosswalkAligned

if TYPE_CHECKING:
    import pandas as pd

    from iekg.graph.store import Store
    from iekg.queries.facts import ScopeSums
else:
    pd = lazy("pandas")

FIELD = "cooperation_status"
ONGOING, ENDED, IN_PREPARATION = "进行中", "已结束", "筹建中"
# the statuses left out, with the key each has in the JSON answers
LEFT_OUT = {ENDED: "ended", IN_PREPARATION: "in_preparation"}
LIST_CAP = 50  # left-out cooperations listed in an answer (the counts are always complete)
RULE = ("合作密度和合作数只计进行中的校企合作（未填状态的按进行中计）；已结束（含已到期、到期、终止等）和筹建中"
        "（尚未开始）的合作不计入，单独列出")
RULE_EN = ("cooperation density and counts use ongoing cooperations only (a cooperation without a status counts as "
           "ongoing); ended ones (已结束: expired, terminated …) and ones in preparation (筹建中: not begun) are "
           "left out and listed apart")


def status_words() -> dict[str, tuple[str, ...]]:
    """Per left-out status (已结束, 筹建中): every stored word that means it — the term and its synonyms in
    the current vocabulary (shipped + ``IEKG_VOCABULARY_FILE``), sorted.

    Returns
    -------
    dict of str to tuple of str
        已结束 and 筹建中, each → its words.
    """
    from iekg.loaders import vocab

    syn = vocab.current().synonyms(FIELD)  # synonym → term, as the import maps them
    return {term: tuple(sorted({term, *(w for w, t in syn.items() if t == term)})) for term in LEFT_OUT}


def inactive_words() -> tuple[str, ...]:
    """Every stored status word that is left out (the stores' ``inactive`` parameter), sorted.

    Returns
    -------
    tuple of str
        The words of :func:`status_words`, all statuses together.
    """
    return tuple(sorted({w for ws in status_words().values() for w in ws}))


def classify(status: pd.Series) -> pd.Series:
    """Each status as 已结束 or 筹建中 (left out) or None (counted: 进行中, another word, or not given).

    Over the cooperations' ``status`` values (a Series); returns pandas.Series: object series on the same
    index: 已结束, 筹建中 or None.
    """
    to_term = {w: term for term, ws in status_words().items() for w in ws}
    c = status.astype(object).map(to_term)
    return c.astype(object).where(c.notna(), None)


def counted(status: pd.Series) -> pd.Series:
    """True for the cooperations that count (the rule above), vectorised over a status column.

    Over the cooperations' ``status`` values (a Series); returns pandas.Series: boolean series on the same
    index (a missing status counts).
    """
    return ~status.astype(object).isin(list(inactive_words()))


def without_status(status: pd.Series) -> pd.Series:
    """True where no status is given (counted as ongoing, and said).

    Over the cooperations' ``status`` values (a Series); returns pandas.Series: boolean series on the same
    index.
    """
    return status.astype(object).isna()


def left_out_counts(status: pd.Series) -> dict[str, int]:
    """How many of these cooperations are left out, per JSON key (``ended``, ``in_preparation``).

    Over the cooperations' ``status`` values (a Series); returns dict of str to int: ``ended`` and
    ``in_preparation``.
    """
    c = classify(status)
    return {key: int((c == term).sum()) for term, key in LEFT_OUT.items()}


def left_out_phrase(counts: dict[str, Any], sep: str = " ") -> str:
    """「已结束 2 项、筹建中 1 项」 for the non-zero counts (empty when none); ``sep`` between word and number.

    Parameters
    ----------
    counts : dict
        Counts per JSON key (:func:`left_out_counts`); a missing or None count is 0.
    sep : str
        The separator between word and number.

    Returns
    -------
    str

    Examples
    --------
    >>> left_out_phrase({"ended": 2, "in_preparation": 1})
    '已结束 2 项、筹建中 1 项'
    """
    return "、".join(f"{term}{sep}{int(counts.get(key) or 0)}{sep}项" for term, key in LEFT_OUT.items()
                    if int(counts.get(key) or 0))


def plain(v: Any) -> Any:
    """A frame's cell as JSON: missing → None, whole floats → int (the stores may differ in NaN vs None).

    Parameters
    ----------
    v : Any
        A cell of a frame.

    Returns
    -------
    Any
        None, an int, or the plain Python value of ``v``.
    """
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v.item() if hasattr(v, "item") else v


def coop_key(institution: str, enterprise: str, ctype: Any) -> str:
    """The relationship key of a cooperation (``iekg show KEY`` opens it).

    Parameters
    ----------
    institution : str
        The institution's id.
    enterprise : str
        The enterprise's id.
    ctype : Any
        The cooperation's ``type`` (part of the key; None when not given).

    Returns
    -------
    str
        The ``COOPERATES_WITH`` relationship key.
    """
    return rel_key("COOPERATES_WITH", f"Institution:{institution}", f"Enterprise:{enterprise}", {"type": plain(ctype)})


def describe_rows(store: Store, rows: pd.DataFrame, cap: int | None = LIST_CAP) -> list[dict[str, Any]]:
    """Left-out cooperations as the answers list them: key, institution and enterprise (ids and names), type,
    status, since (and industry when the rows have one), in the rows' order, at most ``cap``.

    Parameters
    ----------
    store : Store
        The graph (for the institutions' and enterprises' names).
    rows : pandas.DataFrame
        Cooperations with ``institution``, ``enterprise``, ``type``, ``status`` and optionally ``since`` and
        ``industry``.
    cap : int, optional
        The most rows listed (None: all).

    Returns
    -------
    list of dict
        ``key``, (``industry``), ``institution``, ``institution_name``, ``enterprise``, ``enterprise_name``,
        ``type``, ``status`` and ``since``.
    """
    rows = rows if cap is None else rows.head(cap)
    names: dict[str, dict[str, str]] = {}
    for label, col in (("Institution", "institution"), ("Enterprise", "enterprise")):
        ids = sorted({str(x) for x in rows[col]})
        f = store.node_frame(label, ["name"], ids=ids) if ids else pd.DataFrame(columns=["id", "name"])
        names[col] = {str(i): (str(n) if isinstance(n, str) else str(i)) for i, n in zip(f["id"], f["name"], strict=True)}
    out = []
    for r in rows.to_dict("records"):
        inst, ent = str(r["institution"]), str(r["enterprise"])
        item = {"key": coop_key(inst, ent, r["type"])}
        if "industry" in r:
            item["industry"] = str(r["industry"])
        item.update({"institution": inst, "institution_name": names["institution"].get(inst, inst),
                     "enterprise": ent, "enterprise_name": names["enterprise"].get(ent, ent),
                     "type": plain(r["type"]), "status": plain(r["status"]), "since": plain(r.get("since"))})
        out.append(item)
    return out


def item_label(item: dict[str, Any]) -> str:
    """「某职业学院 — 某公司 订单班合作（已结束，2018 年起）」

    One left-out cooperation as a readable label, as above.

    Parameters
    ----------
    item : dict
        One item of :func:`describe_rows`.

    Returns
    -------
    str
    """
    since = f"，{item['since']} 年起" if item.get("since") is not None else ""
    return (f"{item['institution_name']} — {item['enterprise_name']} {item.get('type') or ''}合作"
            f"（{item.get('status')}{since}）")


@dataclass
class CooperationSummary:
    """What cooperation density rests on, for one scope: per industry the counts of the store
    (:meth:`Store.cooperation_counts`) and the aligned cooperations left out by the rule
    (:meth:`Store.cooperation_list`), restricted to the industries the answer shows."""

    counts: pd.DataFrame  # indexed by industry: enterprises, cooperating, left_out_enterprises, unstated
    left: pd.DataFrame    # the left-out aligned cooperations (COOPERATION_LIST_COLUMNS)
    store: Store

    @classmethod
    def of(cls, store: Store, sums: ScopeSums, counts: pd.DataFrame, industries: Iterable[str]) -> CooperationSummary:
        cities = tuple(sorted(sums.scope.cities))
        words = inactive_words()
        left = store.memo(("cooperation_list", cities, sums.year, words),
                          lambda: store.cooperation_list(cities, sums.year, CrosswalkAligned(sums.aligned), words))
        shown = [str(i) for i in industries]
        return cls(counts.reindex(shown).fillna(0).astype(int), left[left["industry"].astype(str).isin(shown)], store)

    def per_industry(self, code: str) -> dict[str, int]:
        """``cooperations_left_out`` of one industry: ended and in-preparation aligned cooperations, and the
        enterprises that cooperate only through such (so not counted in the density)."""
        got = self._per_industry.get(str(code), {})
        out = {key: int(got.get(key, 0)) for key in LEFT_OUT.values()}
        out["enterprises"] = int(self._left_enterprises.get(code, 0))
        return out

    # (an answer asks for every industry's: each worked out once, as plain values)
    @cached_property
    def _per_industry(self) -> dict[str, dict[str, int]]:
        """:attr:`_by_industry` as plain dicts per industry."""
        by = self._by_industry
        return {str(k): {c: int(v) for c, v in zip(by.columns, row, strict=True)}
                for k, row in zip(by.index, by.to_numpy().tolist(), strict=True)}

    @cached_property
    def _left_enterprises(self) -> dict[Any, int]:
        """``left_out_enterprises`` per industry as a plain dict."""
        col = self.counts["left_out_enterprises"]
        return dict(zip(col.index.tolist(), col.tolist(), strict=True))

    @cached_property
    def _by_industry(self) -> pd.DataFrame:
        """The left-out cooperations counted per industry and status key (a column per key)."""
        if not len(self.left):
            return pd.DataFrame(columns=list(LEFT_OUT.values()), dtype=int)
        kinds = classify(self.left["status"]).map(LEFT_OUT)
        return (pd.crosstab(self.left["industry"].astype(str), kinds)
                .reindex(columns=list(LEFT_OUT.values()), fill_value=0))

    def as_dict(self) -> dict[str, Any]:
        """The scope's ``cooperation`` key: the rule, what was counted and what was left out (listed)."""
        n = left_out_counts(self.left["status"])
        ents = int(self.counts["left_out_enterprises"].sum())
        unstated = int(self.counts["unstated"].sum())
        total = len(self.left)
        parts = []
        if total:
            parts.append(f"另有{left_out_phrase(n)}对口校企合作未计入合作密度" +
                         (f"（{ents} 家企业只有这类合作，不计为有合作）" if ents else ""))
        if unstated:
            parts.append(f"{unstated} 项对口合作未填状态，按进行中计入")
        return {"rule": RULE, "rule_en": RULE_EN,
                "cooperating_enterprises": int(self.counts["cooperating"].sum()),
                **n, "left_out_enterprises": ents, "without_status": unstated,
                "left_out_total": total, "left_out": describe_rows(self.store, self.left),
                "note": "；".join(parts) + f" ({total} cooperation(s) left out, {unstated} without status)"
                if parts else None}
