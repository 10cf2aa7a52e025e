"""Pilot readiness: a city's values against the notice's targets and conditions, read from the graph.

The targets are Target nodes of the notice's Policy (``SETS_TARGET``), not constants here: this module
only knows how to *measure* each metric.  A metric the data cannot support is reported as such
(``measurable: false`` with the reason), never as zero.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from iekg.graph.schema import rel_key
from iekg.graph.store import Store
from iekg.queries.alignment import ASSUMPTION_LABEL, ASSUMPTION_LABEL_EN
from iekg.queries.coverage import data_coverage, institutions_each, years_each
from iekg.queries.facts import ScopeSums
from iekg.queries.metrics import METRICS, Batch, Context, Measured

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BASES", "METRICS", "NOTICE", "Batch", "Context", "Measured", "baseline_year", "effective_met",
           "pilot_status", "readiness", "readiness_all", "targets", "threshold_basis"]

NOTICE = "豫发改社会〔2022〕646号"
COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq}


# Metrics whose threshold the notice does not give (its words are 关联度高, 就业质量高): ours, settable.
ASSUMED_METRICS = {"condition_major_industry_relevance": "reference_sai",
                   "condition_graduate_employment": "reference_employment"}
PILOT_PROPS = ("pilot_level", "pilot_batch", "pilot_document", "pilot_issued", "pilot_source")
# The notice's vague words and the words our reading of them quotes (a target whose text has one of them and
# no number is read by us, labelled 本工具对“若干”的解读：不少于1个).
VAGUE_WORDS: tuple[tuple[str, str], ...] = (
    (r"若干", "若干"), (r"一定数量", "一定数量"), (r"一批", "一批"),
    (r"完善的[^，。；]*政策框架体系", "完善的政策框架体系"), (r"出台过[^，。；]*支持政策", "出台过支持政策"))
_CN_DIGITS = {1: "一", 2: "两|二", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九", 10: "十"}
_WORDS = {">=": "不少于", ">": "多于", "<=": "不多于", "<": "少于", "==": "等于"}
BASES = ("notice", "reading", "assumption")
# Targets that ask for something new (新培育 … 进入全省领先行列): counted against a baseline year.
NEW_WORDS = re.compile(r"新培育|新进入|新增")


def _number_in(text: str, value: float) -> bool:
    """Whether ``text`` prints ``value`` as a count (``20个左右``, ``2-3个``, ``两个``)."""
    if value != value:  # NaN
        return False
    n = f"{value:g}"
    if re.search(rf"(?<![\d.]){re.escape(n)}(?![\d.])", text):
        return True
    cn = _CN_DIGITS.get(int(value)) if float(value).is_integer() else None
    return bool(cn and re.search(rf"(?:{cn})(?:个|所|家|项|条)", text))


def threshold_basis(t: dict[str, Any]) -> tuple[str, str, str]:
    """(basis, label, label_en) of a target's threshold, one of :data:`BASES`:

    - ``assumption`` — a number the notice does not give at all (关联度高, 就业质量高), shown as
      参考值（本工具假设，可在设置中修改）;
    - ``reading`` — the notice's words give no number (「若干」「一定数量」「一批」「完善的政策框架体系」
      「出台过…支持政策」) and the threshold is our reading of them, shown as 本工具对“若干”的解读：不少于1个;
    - ``notice`` — the notice prints the number: its words quoted (通知原文：「培育20个左右…」, with → 按下限判定
      where it gives an approximate number or a range).

    Parameters
    ----------
    t : dict
        A target's properties (``metric``, ``note``, ``text`` or ``name``, ``value``, ``comparison``, ``unit``).

    Returns
    -------
    (str, str, str)
        The basis, the Chinese label and the English label.
    """
    note = str(t.get("note") or "")
    if str(t.get("metric")) in ASSUMED_METRICS or "假设" in note:
        return "assumption", ASSUMPTION_LABEL, ASSUMPTION_LABEL_EN
    text = str(t.get("text") or t.get("name") or "")
    try:
        value = float(t.get("value"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = float("nan")
    n = f"{value:g}" if value == value else "?"
    unit = str(t.get("unit") or "") if t.get("unit") == t.get("unit") else ""
    cmp = str(t.get("comparison") or ">=")
    vague = next((word for pattern, word in VAGUE_WORDS if re.search(pattern, text)), None)
    if vague is None and _number_in(text, value):
        how = " → 按下限判定" if "下限" in note else ""
        return "notice", f"通知原文：「{text}」{how}", f"the notice's own target: \"{text}\"" + (
            " (read at its lower bound)" if how else "")
    word = vague or text
    en_cmp = {">=": "at least", ">": "more than", "<=": "at most", "<": "less than", "==": "exactly"}.get(cmp, cmp)
    return ("reading", f"本工具对“{word}”的解读：{_WORDS.get(cmp, cmp)}{n}{unit}",
            f"our reading of \"{word}\" (the notice gives no number): {en_cmp} {n}")


def baseline_year(pilot: dict[str, Any]) -> int | None:
    """The baseline year of the "new" targets (新培育 …): the year the city was put on the provincial pilot list
    (:func:`pilot_status`'s ``level`` 省级 and its ``issued`` date; the earliest when listed twice), as the
    selected city's report counts them (:mod:`iekg.reports.report`); None when the city is not on it."""
    levels = re.split(r"[；;]", str(pilot.get("level") or ""))
    issued = re.split(r"[；;]", str(pilot.get("issued") or ""))
    years = [int(m.group(0)) for lv, d in zip(levels, issued, strict=False)
             if lv.strip() == "省级" and (m := re.match(r"\d{4}", d.strip()))]
    return min(years) if years else None


def _new_since(ctx: Context, t: dict[str, Any], m: Measured, pilot: dict[str, Any]) -> Measured:
    """A "new" target (:data:`NEW_WORDS`) counts what is new since the baseline year: the programs leading in the
    data year that were not in the baseline year; without two such years (or for institutions, whose
    「全省领先」 has no year) it cannot be checked — value None with the reason and the current count in the note."""
    if m.value is None:
        return m
    now, base = ctx.year, baseline_year(pilot)
    have = f"现有全省领先{'专业点' if t.get('metric') == 'leading_majors' else '院校'}{m.value:g}{t.get('unit') or '个'}"
    if t.get("metric") == "leading_majors" and base is not None and now is not None and base < now:
        rows = ctx.store.rel_frame("OFFERS", ["leading"], src_label="Institution",
                                   src_ids=ctx.located("Institution")["id"], where={"year": base})
        if len(rows) and rows["leading"].notna().any():
            then = {(str(a), str(b)) for a, b in zip(*(ctx.leading_offers(base)[k] for k in ("src", "dst")), strict=True)}
            cur = ctx.leading_offers(now).sort_values(["src", "dst"])
            new = [(str(a), str(b)) for a, b in zip(cur["src"], cur["dst"], strict=True) if (str(a), str(b)) not in then]
            return Measured(float(len(new)), [rel_key("OFFERS", f"Institution:{a}", f"Major:{b}", {"year": now})
                                              for a, b in new],
                            f"{now}年全省领先的专业点{len(cur)}个，其中{base}年不在领先行列的{len(new)}个，按新培育计"
                            f"（基线年{base}年：列入省级试点当年）")
        why = f"图谱没有本市{base}年（基线年）的「全省领先」专业点数据"
    elif t.get("metric") == "leading_institutions":
        why = "院校的「全省领先」没有分年度数据"
    elif base is None:
        why = ("图谱中没有试点城市名单，没有基线年（列入试点当年）" if pilot.get("selected") is None
               else "本市不在已加载的省级试点名单中，没有基线年（列入试点当年）")
    else:
        why = f"现状数据年度（{now}年）不晚于基线年（{base}年）"
    return Measured(None, m.evidence, f"{have}（{now}年）；“新培育”须与基线年比较，{why}，无法判断是否为新培育")


def pilot_status(store: Store, city: str, frame: pd.DataFrame | None = None) -> dict[str, Any]:
    """The city's real pilot status, a public fact read from the City node (loaded from the official pilot
    list with its source): ``selected`` true / false (a list is loaded but the city is not on it) / null
    (no pilot list in the graph), and the level, batch, document, issue date and source.

    Parameters
    ----------
    store : Store
        The graph.
    city : str
        The city code.
    frame : pandas.DataFrame, optional
        Every City node's pilot fields (``node_frame("City", PILOT_PROPS)``) when the caller has read them.

    Returns
    -------
    dict
        ``selected``, ``level``, ``batch``, ``document``, ``issued``, ``source``, ``text`` and ``text_en``.

    Examples
    --------
    >>> pilot_status(store, "410200")["selected"]
    """
    f = store.node_frame("City", list(PILOT_PROPS)) if frame is None else frame
    known = f["pilot_level"].notna().any() if len(f) else False
    row = f[f["id"] == city]
    return _pilot(None if row.empty else {k: row[k].iloc[0] for k in PILOT_PROPS}, bool(known))


def _pilots(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """:func:`pilot_status` of every city of ``frame`` (every City node's pilot fields), from its rows read once
    (``readiness --all``, compare: not the frame filtered again for each city); a city absent from the frame is
    absent here."""
    known = bool(frame["pilot_level"].notna().any()) if len(frame) else False
    out: dict[str, dict[str, Any]] = {}
    for rec in frame[["id", *PILOT_PROPS]].to_dict("records"):
        if rec["id"] not in out:  # (the first row of a city, as the frame filtered by id gives it)
            out[rec["id"]] = _pilot({str(k): v for k, v in rec.items()}, known)
    return out


def _pilot(row: dict[str, Any] | None, known: bool) -> dict[str, Any]:
    """A city's pilot status from its City node's pilot fields (``row``; None: no such node) and whether any city
    has a pilot level (a pilot list is loaded)."""
    props = {k: (None if row is None or row[k] is None or row[k] != row[k] else str(row[k])) for k in PILOT_PROPS}
    out: dict[str, Any] = {k.removeprefix("pilot_"): v for k, v in props.items()}
    if props["pilot_level"]:
        out["selected"] = True
        out["text"] = (f"已入选{props['pilot_level']}产教融合试点城市（{props['pilot_batch'] or ''}"
                       f"{'，' + props['pilot_document'] if props['pilot_document'] else ''}"
                       f"{'，' + props['pilot_issued'] if props['pilot_issued'] else ''}）").replace("（，", "（")
        out["text_en"] = f"already selected as a {props['pilot_level']} pilot city"
    elif known:
        out["selected"] = False
        out["text"] = "不在已加载的试点城市名单中 (not on the loaded pilot list)"
        out["text_en"] = "not on the loaded pilot list"
    else:
        out["selected"] = None
        out["text"] = "图中没有试点城市名单数据 (no pilot list loaded)"
        out["text_en"] = "no pilot list loaded"
    return out


def targets(store: Store, policy: str = NOTICE) -> list[dict[str, Any]]:
    """The Target nodes the policy sets, in id order.

    Parameters
    ----------
    store : Store
        The graph.
    policy : str
        The Policy id (default: the notice).

    Returns
    -------
    list of dict
        The Target nodes' properties (``id``, ``metric``, ``name``, ``comparison``, ``value``, ``unit`` …);
        LookupError when the policy sets none in the graph.
    """
    out = [n.props for r, n in store.neighbours(f"Policy:{policy}", ["SETS_TARGET"], "out")]
    if not out:
        raise LookupError(f"policy {policy} sets no targets in the graph (build the graph first)")
    return sorted(out, key=lambda p: str(p["id"]))


def effective_met(item: dict[str, Any]) -> bool | None:
    """Whether a readiness item counts as met: an either/or member (``any_of``) by its group (met when any
    measurable member is met; None when none is measurable), every other item by its own ``met``.

    Parameters
    ----------
    item : dict
        One of :func:`readiness`'s ``items`` (``met``, ``any_of`` and, for a group member, ``group_met``).

    Returns
    -------
    bool or None
        None when it cannot be measured.
    """
    return item.get("group_met", item["met"]) if item["any_of"] else item["met"]


def readiness(store: Store, city: str, year: int | None = None, policy: str = NOTICE,
              ctx: Context | None = None, settings: Any = None, *, conditions: bool = True) -> dict[str, Any]:
    """Every target and condition with the city's value, threshold, met, shortfall and evidence.

    Each threshold says what it rests on (``threshold_basis``: notice — the notice's number, quoted —,
    reading — our reading of the notice's vague words — or assumption, with ``threshold_label``:
    :func:`threshold_basis`); a "new" target (新培育) counts what is new since ``baseline_year`` (the year the
    city was selected) or is not measurable, saying why (:func:`_new_since`); an either/or member has
    ``group_met``; every item has ``effective_met`` — what counts (:func:`effective_met`), so no reader recomputes it; ``pilot`` is the city's real pilot status;
    ``data_coverage`` what it rests on.

    Parameters
    ----------
    store : Store
        The graph the targets and the city's facts are read from.
    city : str
        The city's code, e.g. ``410200``.
    year : int, optional
        The year (default: the latest with programs in the city).
    policy : str
        The notice whose targets are read.
    ctx : Context, optional
        Frames already read for the city.
    settings : Settings, optional
        The thresholds that are ours (default: read from the environment).
    conditions : bool
        False: the conditions are not measured and left out of ``items`` (and of the condition counts) —
        for a caller that reads only the targets (:func:`iekg.queries.gaps.gaps`' target shortfalls); a
        condition in an either/or group with a target is kept, so the group's ``group_met`` is unchanged.

    Returns
    -------
    dict
        ``city``, ``name``, ``year``, ``targets_met`` / ``targets_total`` / ``targets_unmeasurable``,
        ``conditions_met`` / ``conditions_total``, ``items``, ``pilot``, ``has_data``, ``data_coverage``,
        ``public_only``, ``assumption_label``.
    """
    node = store.get(f"City:{city}") if ctx is None or ctx.batch is None else ctx.batch.city_node(city)
    if node is None:
        raise LookupError(f"city {city} is not in the graph")
    if settings is None:
        from iekg.settings import Settings

        settings = Settings()
    ctx = ctx or Context(store, city, year)
    batch = ctx.batch
    if batch is None:
        pilot = pilot_status(store, city)
    else:  # every city's at once, from the City nodes' pilot fields read once
        every = batch.once(("pilots", PILOT_PROPS), lambda: _pilots(batch.label_nodes("City", PILOT_PROPS)))
        pilot = dict(every[city]) if city in every else pilot_status(store, city, batch.label_nodes(
            "City", PILOT_PROPS))
    base = baseline_year(pilot)
    rows = []
    every = targets(store, policy) if batch is None else batch.once(("targets", policy), lambda: targets(store, policy))
    if not conditions:  # (the groups a target is in: their conditions still count toward group_met)
        with_target = {t.get("any_of") for t in every if t.get("kind", "target") != "condition" and t.get("any_of")}
        every = [t for t in every if t.get("kind", "target") != "condition" or t.get("any_of") in with_target]
    for t in every:
        fn = METRICS.get(str(t.get("metric")))
        threshold = float(t["value"])
        override = getattr(settings, ASSUMED_METRICS.get(str(t.get("metric")), "-"), None)
        if override is not None:
            threshold = float(override)
        basis, label, label_en = threshold_basis(t)
        row = {"target": t["id"], "metric": t.get("metric"), "name": t.get("name"),
               "kind": t.get("kind", "target"), "comparison": t.get("comparison"), "threshold": threshold,
               "threshold_basis": basis, "threshold_label": label, "threshold_label_en": label_en,
               "unit": t.get("unit"), "deadline": t.get("deadline"), "any_of": t.get("any_of"),
               "text": t.get("text"), "interpretation": t.get("note")}
        if fn is None:
            row.update(measurable=False, value=None, met=None, shortfall=None, evidence=[],
                       note=f"iekg 还不会计算指标 {t.get('metric')}")
        else:
            m = fn(ctx)
            if NEW_WORDS.search(f"{t.get('text') or ''}{t.get('name') or ''}"):  # 新培育: since the baseline year
                m = _new_since(ctx, t, m, pilot)
            if m.value is None:
                row.update(measurable=False, value=None, met=None, shortfall=None, evidence=m.evidence, note=m.note)
            else:
                ok = COMPARE[str(t["comparison"])](m.value, threshold)
                short = max(0.0, threshold - m.value) if str(t["comparison"]).startswith(">") else \
                    max(0.0, m.value - threshold)
                row.update(measurable=True, value=m.value, met=ok, shortfall=0.0 if ok else short,
                           evidence=m.evidence, note=m.note)
        rows.append(row)
    # either/or groups: met when any member is met
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r["any_of"]:
            groups.setdefault(str(r["any_of"]), []).append(r)
    for members in groups.values():
        measured = [x for x in members if x["measurable"]]
        group_met = any(x["met"] for x in measured) if measured else None
        for x in members:
            x["group_met"] = group_met
    for r in rows:  # what counts: an either/or member by its group, every other item by itself
        r["effective_met"] = effective_met(r)

    tgt = [r for r in rows if r["kind"] != "condition"]
    seen_groups: set[str] = set()
    n_met = total = unmeasurable = 0
    for r in tgt:
        if r["any_of"]:
            if r["any_of"] in seen_groups:
                continue
            seen_groups.add(str(r["any_of"]))
        total += 1
        status = r["effective_met"]
        if status is None:
            unmeasurable += 1
        elif status:
            n_met += 1
    cov = data_coverage(store, ctx.scope, year, ctx.sums)
    has_data = bool(cov["cities"]["with_programs"] or cov["cities"]["with_demand"])
    return {"city": city, "name": node.name, "year": ctx.year, "policy": policy,
            "targets_met": n_met, "targets_total": total, "targets_unmeasurable": unmeasurable,
            "conditions_met": len({r["any_of"] or r["target"] for r in rows if r["kind"] == "condition" and r["effective_met"]}),
            "conditions_total": len({r["any_of"] or r["target"] for r in rows if r["kind"] == "condition"}),
            "items": rows,
            "pilot": pilot, "baseline_year": base, "has_data": has_data, "data_coverage": cov,
            "public_only": city in (cov["cities"].get("public_only") or []),
            "assumption_label": ASSUMPTION_LABEL}


def readiness_all(store: Store, year: int | None = None, policy: str = NOTICE) -> list[dict[str, Any]]:
    """Every city, ranked: most targets met, then most conditions met, then smallest relative shortfall.
    Cities with neither programs nor demand in the year are ranked after all the others, marked
    ``has_data: false`` (their zeros are no data, not a measured 0).

    Parameters
    ----------
    store : Store
        The graph.
    year : int, optional
        The year (None: each city's latest with programs).
    policy : str
        The Policy id whose targets are measured (default: the notice).

    Returns
    -------
    list of dict
        One :func:`readiness` result per city, ranked, each with ``rank`` and ``relative_shortfall`` (the sum of
        shortfall / threshold over the measurable targets).
    """
    from iekg.settings import Settings

    cities = sorted(n.id for n in store.nodes("City"))
    settings = Settings()  # read once (environment, .env), not once per city
    # set at a time: every city's sums in one read per year, the metrics' frames in one read per kind
    years_each(store, cities)  # every city's years with programs (its latest among them) in one read
    each = ScopeSums.gather_each(store, cities, year)
    institutions_each(store, {c: each[c].year for c in cities})  # what each city's data coverage reads, at once
    years_each(store, cities, {c: each[c].year for c in cities})  # and the years it reads, at once
    batch = Batch(store, cities)
    out = [readiness(store, c, year, policy, settings=settings,
                     ctx=Context(store, c, year, sums=each[c], batch=batch)) for c in cities]

    def rel_short(r: dict[str, Any]) -> float:
        return sum((i["shortfall"] or 0) / i["threshold"] for i in r["items"]
                   if i["measurable"] and i["threshold"] and i["kind"] != "condition")

    out.sort(key=lambda r: (not r["has_data"], -r["targets_met"], -r["conditions_met"], rel_short(r), r["city"]))
    for rank, r in enumerate(out, 1):
        r["rank"] = rank
        r["relative_shortfall"] = rel_short(r)
    return out
