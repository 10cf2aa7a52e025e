"""Named what-if scenarios (issue 23 item 2): stored sets of changes laid over the graph without changing it.

A scenario is a document kept by the store beside the graph (``Store.save_scenario``; never graph content: the
graph, its version and its sums stay as they were, and scenarios survive ``iekg build``).  Its changes are
given in the import's vocabulary and checked as the import checks its rows, every problem at once, nothing saved
on a problem, and stored with ids and codes (:mod:`iekg.service.scenario_changes`).

:func:`scenario_show` evaluates one: the baseline and the scenario side by side (S, D, SAI, observed SAI,
chain coverage, unmet demand, cooperating enterprises, readiness targets met for a one-city scope, the
industries that move and the readiness items that move), through the overlay of :mod:`iekg.plan.scenario`.
"""

from __future__ import annotations

import difflib
import getpass
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from iekg.graph.store import Store
from iekg.service.arguments import ArgumentError
from iekg.service.provenance import Answer, answer
from iekg.service.scenario_changes import NAME_RE, Problems, ScenarioError, free_text, resolve_changes


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _doc(store: Store, name: str) -> dict[str, Any]:
    doc = store.scenario(name)
    if doc is None:
        names = [d["name"] for d in store.scenarios()]
        near = difflib.get_close_matches(name, names, n=1)
        hint = f"，是否是「{near[0]}」" if near else ("；已有：" + "、".join(names[:10]) if names else "；还没有情景")
        raise LookupError(f"没有名为「{name}」的情景{hint} (no scenario called {name!r}; `iekg scenario list`)")
    return doc


# ------------------------------------------------------------------------------------------ reading values
def _scope_of(doc: Mapping[str, Any]) -> dict[str, Any]:
    sc = doc.get("scope") or {}
    return {"city": sc.get("city"), "province": sc.get("province"), "cities": sc.get("cities")}


def _resolve_scope(store: Store, doc: Mapping[str, Any]) -> Any:
    from iekg.queries.scope import resolve_scope

    sc = _scope_of(doc)
    return resolve_scope(store, city=sc["city"], cities=sc["cities"], province=sc["province"], year=doc.get("year"))


def _check_program_changes(store: Store, doc: Mapping[str, Any], changes: list[dict[str, Any]],
                           first: int) -> list[dict[str, Any]]:
    """What the graph says about the program changes (add of an offered program, set/close of one not offered,
    a program changed twice), each located by its change number."""
    from iekg.queries.facts import ScopeSums

    progs = [(n, c) for n, c in enumerate(changes, first) if c["kind"].endswith("_program")
             and c.get("institution") and c.get("major")]
    if not progs:
        return []
    sc = _resolve_scope(store, doc)
    year = sc.year if sc.year is not None else ScopeSums.gather(store, sc).year
    bad = Problems()
    have = store.rel_frame("OFFERS", src_label="Institution", src_ids=sorted({c["institution"] for _, c in progs}),
                           where={"year": year})
    offered = {(str(a), str(b)) for a, b in zip(have["src"], have["dst"], strict=True)}
    earlier = [c for c in (doc.get("changes") or []) if str(c.get("kind", "")).endswith("_program")]
    seen = {(c["institution"], c["major"]) for c in earlier}
    for n, c in progs:
        key = (c["institution"], c["major"])
        if key in seen:
            bad.add(n, "major", c["major"], "这个专业点在本情景中已有一项变动", "合并为一项，或先删去原来那项")
        seen.add(key)
        if c["kind"] == "add_program" and key in offered:
            bad.add(n, "major", c["major"], f"该院校 {year} 年已开设此专业", "改用 set_program（调整人数）")
        if c["kind"] != "add_program" and key not in offered:
            bad.add(n, "major", c["major"], f"该院校 {year} 年没有开设此专业", "改用 add_program（新增专业点）")
    return bad.items


def _new_doc(name: str, scope: dict[str, Any], year: int | None, target_year: int | None, note: str | None,
             who: str | None, origin: str = "manual") -> dict[str, Any]:
    now = _now()
    return {"name": name, "scope": scope, "year": year, "target_year": target_year, "note": note, "origin": origin,
            "who": who, "created": now, "updated": now, "changes": [], "constraints": None}


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name.strip()):
        raise ArgumentError("{name} 须为 1–80 个字符的文字，不含 / \\ ? # % 和控制字符 (a scenario name: 1–80 "
                            "characters, none of / \\ ? # %)", "name")
    return name.strip()


def _check_scope(store: Store, city: str | None, province: str | None, cities: Sequence[str] | None,
                 year: int | None) -> dict[str, Any]:
    from iekg.queries.scope import resolve_scope

    given = [x for x in (city, province, cities) if x]
    if len(given) != 1:
        raise ArgumentError("情景需要且只需要一个范围：{city}、{province} 或 {cities} 之一 (exactly one scope)",
                            "city", "province", "cities")
    resolve_scope(store, city=city, cities=list(cities) if cities else None, province=province, year=year)
    return {"city": city} if city else ({"province": province} if province else {"cities": sorted(set(cities or []))})


def scenario_new(store: Store, name: str, *, city: str | None = None, province: str | None = None,
                 cities: Sequence[str] | None = None, year: int | None = None, target_year: int | None = None,
                 note: str | None = None, who: str | None = None) -> Answer:
    """A new, empty scenario for one scope (``iekg scenario new``, ``POST /scenarios``).

    Parameters
    ----------
    store : Store
        The graph (the scenario is kept beside it; the graph is not changed).
    name : str
        The scenario's name (1–80 characters); a name in use is refused.
    city, province, cities
        Exactly one: the scope the changes are made in.
    year : int, optional
        The data year the changes apply to (None: the latest year with programs).
    target_year : int, optional
        Evaluate against the projection for this year.
    note, who : str, optional
        A note; who made it (default: the OS user).

    Returns
    -------
    Answer
        ``data``: the scenario's document.

    Raises
    ------
    ArgumentError
        A bad name, not exactly one scope, or a target year before the data year.
    ValueError
        A name in use.
    LookupError
        An unknown city or province.
    """
    name = _check_name(name)
    if store.scenario(name) is not None:
        raise ValueError(f"已有名为「{name}」的情景：换一个名字，或先删除它 (a scenario called {name!r} exists)")
    scope = _check_scope(store, city, province, cities, year)
    if target_year is not None and year is not None and target_year < year:
        raise ArgumentError("{target_year} 不能早于 {year} (the target year is not before the data year)",
                            "target_year", "year")
    doc = _new_doc(name, scope, year, target_year, free_text(note), who or _user())
    store.save_scenario(doc)
    return _answer(store, doc, doc)


def _user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 — no user name is no reason to fail
        return None


def _cities(store: Store, doc: Mapping[str, Any]) -> list[str]:
    try:
        return list(_resolve_scope(store, doc).cities)
    except (LookupError, ValueError):
        return []


def _answer(store: Store, doc: Mapping[str, Any], data: Any) -> Answer:
    return answer(store, data, _cities(store, doc))


def scenario_add(store: Store, name: str, changes: Sequence[Mapping[str, Any]]) -> Answer:
    """Add changes to a scenario (``iekg scenario add``, ``POST /scenarios/{name}/changes``).

    Parameters
    ----------
    store : Store
        The graph.
    name : str
        The scenario.
    changes : sequence of dict
        In the import vocabulary: ``kind`` (add_program / set_program / close_program / add_demand /
        add_cooperation / add_training_base, or their Chinese words) and the kind's fields (names or codes,
        everyday numbers).

    Returns
    -------
    Answer
        ``data``: the updated document.

    Raises
    ------
    ScenarioError
        Every problem of the changes (nothing saved).
    LookupError
        No such scenario.
    """
    doc = _doc(store, name)
    if not changes:
        raise ArgumentError("没有要加入的变动 (no changes given)", "changes")
    first = len(doc.get("changes") or []) + 1
    resolved, problems = resolve_changes(store, _cities(store, doc), changes, first)
    if not problems:
        problems = _check_program_changes(store, doc, resolved, first)
    if problems:
        raise ScenarioError(problems)
    new = {**doc, "changes": [*(doc.get("changes") or []), *resolved], "updated": _now()}
    _overlay_of(store, new)  # the overlay checks what is left (nothing written)
    store.save_scenario(new)
    return _answer(store, new, new)


def scenario_save(store: Store, doc: Mapping[str, Any]) -> Answer:
    """Keep a whole scenario at once (``iekg plan majors --save-as NAME``): its scope and changes checked as
    :func:`scenario_new` and :func:`scenario_add` check them; a scenario of that name is replaced.

    Raises
    ------
    ScenarioError
        Every problem of the changes (nothing saved).
    """
    name = _check_name(doc.get("name"))
    sc = _scope_of(doc)
    scope = _check_scope(store, sc["city"], sc["province"], sc["cities"], doc.get("year"))
    base = _new_doc(name, scope, doc.get("year"), doc.get("target_year"), free_text(doc.get("note")),
                    doc.get("who") or _user(), str(doc.get("origin") or "manual"))
    old = store.scenario(name)
    if old is not None:
        base["created"] = old.get("created", base["created"])
    base["constraints"] = doc.get("constraints")
    raw = [{k: v for k, v in c.items() if v is not None and v != []} for c in (doc.get("changes") or [])]
    resolved, problems = resolve_changes(store, _cities(store, base), raw, 1)
    if not problems:
        problems = _check_program_changes(store, base, resolved, 1)
    if problems:
        raise ScenarioError(problems)
    base["changes"] = resolved
    _overlay_of(store, base)
    store.save_scenario(base)
    return _answer(store, base, base)


def scenario_delete(store: Store, name: str) -> Answer:
    """Forget a scenario (``iekg scenario delete``, ``DELETE /scenarios/{name}``).

    Raises
    ------
    LookupError
        No such scenario.
    """
    _doc(store, name)
    store.delete_scenario(name)
    return Answer({"name": name, "deleted": True})


def scenario_list(store: Store) -> Answer:
    """Every scenario: name, scope, year, target year, origin, how many changes, note, created, updated
    (``iekg scenario list``, ``GET /scenarios``)."""
    rows = [{"name": d["name"], "scope": d.get("scope"), "year": d.get("year"), "target_year": d.get("target_year"),
             "origin": d.get("origin"), "changes": len(d.get("changes") or []), "note": d.get("note"),
             "who": d.get("who"), "created": d.get("created"), "updated": d.get("updated")}
            for d in store.scenarios()]
    cities = sorted({c for d in store.scenarios() for c in _cities(store, d)})
    return answer(store, {"scenarios": rows}, cities)


# ------------------------------------------------------------------------------------------- evaluating
def _changes(doc: Mapping[str, Any]) -> Any:
    from iekg.plan.scenario import Changes, CooperationChange, DemandChange, ProgramChange, TrainingBaseChange

    progs, dems, coops, bases = [], [], [], []
    for k, c in enumerate(doc.get("changes") or [], 1):
        kind = c["kind"]
        if kind in ("add_program", "set_program", "close_program"):
            progs.append(ProgramChange(kind.split("_")[0], c["institution"], c["major"],  # type: ignore[arg-type]
                                       c.get("graduates"), c.get("enrollment")))
        elif kind == "add_demand":
            if c.get("industry"):
                dems.append(DemandChange(c["city"], c["industry"], float(c["headcount"]), "Industry"))
            else:
                dems.append(DemandChange(c["city"], c["major"], float(c["headcount"]), "Major"))
        elif kind == "add_cooperation":
            coops.append(CooperationChange(c["institution"], c["enterprise"], c.get("type"), c.get("year"),
                                           c.get("status")))
        elif kind == "add_training_base":
            bases.append(TrainingBaseChange(f"SCENARIO-TB-{k}", c["city"], c["name"], c.get("level"),
                                            c.get("base_kind"), c.get("institution") or c.get("enterprise"),
                                            tuple(c.get("industries") or ())))
    return Changes(tuple(progs), tuple(dems), tuple(coops), tuple(bases))


def _overlay_of(store: Store, doc: Mapping[str, Any]) -> tuple[Store, Any]:
    from iekg.plan.scenario import overlay

    return overlay(store, _resolve_scope(store, doc), _changes(doc))


def _evaluate(store: Store, doc: Mapping[str, Any]) -> dict[str, Any]:
    """The baseline's and the scenario's figures of one document (data year, or the target year), kept by the
    store's memo until the next import: the dashboard asks for a scenario's figures and then for its chart (the
    same evaluation), and the key is the whole document, so a changed scenario is evaluated again."""
    import copy
    import json

    key = ("scenario-evaluation", json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str))
    return copy.deepcopy(store.memo(key, lambda: _evaluate_now(store, doc)))


def _evaluate_now(store: Store, doc: Mapping[str, Any]) -> dict[str, Any]:
    from iekg.plan.figures import compare_figures, figures, figures_of
    from iekg.plan.scenario import target_overlay_sums
    from iekg.plan.target import target_sums
    from iekg.queries.alignment import alignment

    ov, sc = _overlay_of(store, doc)
    one = len(sc.cities) == 1
    info: dict[str, Any] = {"projection": False}
    target_year = doc.get("target_year")
    if target_year is not None and target_year != sc.year:
        b_sums, info = target_sums(store, sc, target_year)
        s_sums, ov = target_overlay_sums(store, sc, _changes(doc), target_year)
        before = figures_of(store, sc, alignment(store, sc, sums=b_sums), readiness=False)
        after = figures_of(ov, sc, alignment(ov, sc, sums=s_sums), readiness=False)
    else:
        before = figures(store, sc, readiness=one)
        after = figures(ov, sc, readiness=one)
    out = compare_figures(before, after)
    return {**out, "year": sc.year, "target_year": target_year, "scope_id": sc.id, "scope_name": sc.name,
            "projection": bool(info.get("projection")), "projection_info": info if info.get("projection") else None}


def scenario_show(store: Store, name: str) -> Answer:
    """A scenario and its evaluation (``iekg scenario show``, ``GET /scenarios/{name}``).

    Returns
    -------
    Answer
        ``data``: ``scenario`` (the document), ``evaluation``: ``baseline`` and ``scenario`` (S, D, sai,
        sai_observed, coverage, unmet_demand, cooperating_enterprises; one city: targets_met, targets_total,
        conditions_met, conditions_total), ``moved`` (the industries whose supply, demand or status moves:
        code, name, supply/demand/ratio/status before and after), ``readiness_moved`` (the readiness items
        whose value or met moves), ``year``, ``target_year``, ``projection``.

    Raises
    ------
    LookupError
        No such scenario (or its scope is no longer in the graph).
    ValueError
        A change the graph no longer takes (e.g. a program added that was imported since).
    """
    doc = _doc(store, name)
    return _answer(store, doc, {"scenario": doc, "evaluation": _evaluate(store, doc)})


def scenario_compare(store: Store, names: Sequence[str]) -> Answer:
    """The baseline and each named scenario side by side (``iekg scenario compare``,
    ``GET /scenarios/{name}/compare``): the scenarios must share one scope and year (the baseline is theirs).

    Returns
    -------
    Answer
        ``data``: ``scope``, ``year``, ``target_year``, ``baseline`` (figures), ``scenarios``: per name its
        ``figures``, ``changes`` (how many) and ``moved``.
    """
    if not names:
        raise ArgumentError("至少给一个情景名 {name} (at least one scenario)", "name")
    docs = [_doc(store, n) for n in dict.fromkeys(names)]
    evs = [_evaluate(store, d) for d in docs]
    # the year each is laid over (a scenario made without --year: the latest, resolved now), not as written
    keys = {(repr(sorted(_scope_of(d).items())), ev["year"], ev["target_year"]) for d, ev in zip(docs, evs,
                                                                                               strict=True)}
    if len(keys) > 1:
        raise ValueError("比较的情景须有相同的范围、年份和目标年 (scenarios compared share one scope, year and "
                         "target year): " + "；".join(f"{d['name']}（{ev['scope_name'] or ev['scope_id']} "
                                                     f"{ev['year']}" + (f" → {ev['target_year']}" if ev["target_year"]
                                                                        else "") + "）"
                                                     for d, ev in zip(docs, evs, strict=True)))
    rows, base = [], None
    for d, ev in zip(docs, evs, strict=True):
        base = ev["baseline"]
        rows.append({"name": d["name"], "note": d.get("note"), "origin": d.get("origin"),
                     "changes": len(d.get("changes") or []), "figures": ev["scenario"], "moved": ev["moved"],
                     "readiness_moved": ev["readiness_moved"]})
        year, target_year, sc_id, sc_name, proj = ev["year"], ev["target_year"], ev["scope_id"], ev["scope_name"], \
            ev["projection"]
    data = {"scope": docs[0].get("scope"), "scope_id": sc_id, "scope_name": sc_name, "year": year,
            "target_year": target_year, "projection": proj, "projection_info": evs[-1]["projection_info"],
            "baseline": base, "scenarios": rows}
    return _answer(store, docs[0], data)
