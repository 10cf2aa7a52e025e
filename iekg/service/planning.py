"""Which majors to change (专业结构优化建议, issue 23 item 3) as a question both faces ask: ``iekg plan majors``
and ``GET /plan/majors``.  The arguments are checked (all errors at once), the scope resolved, the optimiser
of :mod:`iekg.plan.majors` run — against the data year, or against a target year's projection
(:func:`iekg.plan.target.target_sums`) — and the answer returned with its provenance.  Infeasible constraints
are an answer too (``status`` "infeasible", ``binding`` naming the groups that cannot hold together and what to
relax): each face says it in its own way (the CLI exits 1, the API answers 422).

:func:`scenario_of` turns a recommendation into a scenario document (origin "optimiser") and
:func:`save_plan` stores it through :func:`iekg.service.scenarios.scenario_save`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from iekg.graph.store import Store
from iekg.plan import SOLVED
from iekg.service.arguments import ArgumentError, city_or_province
from iekg.service.provenance import Answer, answer

# the constraint groups → the parameters that relax them (the API's names; the CLI spells them --band-down …)
GROUP_PARAMS = {"band": ["band", "band_down", "band_up"], "never_cut": ["allow_cut_shortage"],
                "min_size": ["min_size"], "min_change": ["min_change"], "budget": ["new_programs"],
                "max_growth": ["max_growth", "max_share"], "goal": ["goal_unmet"]}
STEADY_STATE = ("稳态假设：年招生人数变动 Δ 在学制走完后使每年毕业生变动 Δ；此前的毕业年份不受影响，每行的「首届毕业」"
                "为调整后首届毕业生的年份 (steady state: a change of annual intake Δ changes a year's graduates by Δ "
                "once it has worked through the programme's duration)")


def constraints(*, band: float | None = None, band_down: float | None = None, band_up: float | None = None,
                min_size: float = 30.0, min_change: float = 10.0, new_programs: int = 3,
                max_growth: float | None = None, max_share: float | None = 0.5, goal_unmet: float | None = None,
                allow_cut_shortage: bool = False, change_cost: float = 0.0) -> Any:
    """The planner's constraints from the faces' arguments, every error at once.

    ``band`` is the symmetric band (default 0.1); ``band_down`` / ``band_up`` set one side each (the other stays
    ``band``'s).  Shares are fractions (0.1 = 10 %).

    Raises
    ------
    ArgumentError
        Values out of range (all of them named in one message, the first one blamed).
    """
    from iekg.plan.optimise import Constraints

    bad: list[tuple[str, str]] = []

    def share(name: str, v: float | None) -> None:
        if v is not None and not 0 <= v <= 1:
            bad.append((name, f"{{{name}_v}}{v:g}：应在 0 到 1 之间（0.1 表示 10%）(a share between 0 and 1)"))

    for name, v in (("band", band), ("band_down", band_down), ("band_up", band_up), ("max_share", max_share)):
        share(name, v)
    for name, x in (("min_size", min_size), ("min_change", min_change), ("new_programs", new_programs),
                    ("max_growth", max_growth), ("goal_unmet", goal_unmet), ("change_cost", change_cost)):
        if x is not None and x < 0:
            bad.append((name, f"{{{name}_v}}{x:g}：不能为负 (must not be negative)"))
    if bad:
        raise ArgumentError("；".join(text for _, text in bad), *[name for name, _ in bad])
    c = Constraints(band=0.10 if band is None else band, band_down=band_down, band_up=band_up, min_size=min_size,
                    min_change=min_change, new_programs=new_programs, max_growth=max_growth,
                    max_change_share=max_share, goal_unmet=goal_unmet, never_cut_shortage=not allow_cut_shortage,
                    change_cost=change_cost)
    wrong = c.check()
    if wrong:
        raise ArgumentError("；".join(w.replace("{", "{{").replace("}", "}}") for w in wrong), "min_size")
    return c


def plan_majors(store: Store, *, city: str | Sequence[str] | None = None, province: str | None = None,
                year: int | None = None, target_year: int | None = None, time_limit: float = 60.0,
                **limits: Any) -> Answer:
    """The recommended intake changes of a scope (``iekg plan majors``, ``GET /plan/majors``).

    Parameters
    ----------
    store : Store
        The graph.
    city, province
        The scope: a city (or several) or a province.
    year : int, optional
        The data year of today's programs (default: the latest with programs).
    target_year : int, optional
        Plan against this year's projection (:func:`iekg.plan.target.target_sums`) instead of the data year's
        figures.
    time_limit : float
        Seconds the solver may take (then the best solution found, ``status`` "feasible", or none).
    **limits
        The constraints as :func:`constraints` takes them.

    Returns
    -------
    Answer
        ``data``: the recommendation of :func:`iekg.plan.majors.recommend` plus ``scope_name``, ``cities``,
        ``projection`` (the target year's info, or None), ``highs`` (the solver's version), ``steady_state`` (the
        caveat) and ``illustrative`` is asked of the answer as for the other measures.

    Raises
    ------
    ArgumentError
        Arguments that do not go together or values out of range.
    LookupError
        An unknown city or province, no programs or no supply data in scope.
    """
    from iekg.plan.majors import recommend
    from iekg.plan.optimise import highs_version
    from iekg.queries.scope import resolve_scope

    cities = [city] if isinstance(city, str) else list(city or [])
    city_or_province(cities, province)
    c = constraints(**limits)
    if not time_limit > 0:
        raise ArgumentError("{time_limit} 应为正数 (must be positive)", "time_limit")
    if target_year is not None and year is not None and target_year <= year:
        raise ArgumentError("{target_year} 应晚于数据年份 {year}（target_year must be after the data year）",
                            "target_year", "year")
    scope = resolve_scope(store, cities=cities or None, province=province, year=year)
    sums, base_year, projection = None, None, None
    if target_year is not None:
        from iekg.plan.target import target_sums  # the target year's projection (issue 23 item 1)

        sums, info = target_sums(store, scope, target_year)
        base_year = info.get("base_year")
        projection = {k: info.get(k) for k in ("projection", "base_year", "target_year", "horizon", "supply_methods",
                                               "demand_method_counts", "demand_years", "plan_rows", "note")}
        projection["not_projected"] = (info.get("not_projected") or {}).get("programs")
    data = recommend(store, scope, c, sums=sums, base_year=base_year, target_year=target_year,
                     time_limit=time_limit)
    data.update(scope_name=scope.name, scope_kind=scope.kind, cities=list(scope.cities), province=province,
                projection=projection,
                highs=highs_version(), steady_state=STEADY_STATE,
                relax={g: GROUP_PARAMS.get(g, []) for g in data.get("binding") or []})
    return answer(store, data, scope.cities)


def scenario_of(data: dict[str, Any], name: str, *, who: str | None = None, note: str | None = None) -> dict[str, Any]:
    """A recommendation as a scenario document (the contract's; origin "optimiser").

    The optimiser changes annual intake (places a year); a program's figures are its graduates of a year and
    its enrolment (students in school, all years of study).  In the steady state a change Δ of annual intake
    changes the graduates of a year by Δ and the enrolment by Δ × duration, so a changed program is stored
    with graduates = today's + Δ (when it has graduates) and enrolment = today's + Δ × duration (when it has
    enrolment); a new one with enrolment = places × duration and no graduates (it has none yet; its supply is
    then read as enrolment ÷ duration = its places, the steady state).  The import takes whole people: each
    figure is rounded to the nearest whole number (never below 0).
    """
    if data.get("status") not in SOLVED:
        raise ValueError("只有求得方案时才能保存为情景 (only a recommendation with a plan can be saved): "
                         + str(data.get("message")))
    changes = []
    for ch in data["changes"]:
        dur = ch.get("duration")
        delta = float(ch["change"])
        if ch["kind"] == "new":
            changes.append({"kind": "add_program", "institution": ch["institution"], "major": ch["major"],
                            "graduates": None,
                            "enrollment": _whole(float(ch["after"]) * dur) if dur else None})
            continue
        g, e = ch.get("graduates_before"), ch.get("enrollment_before")
        changes.append({"kind": "set_program", "institution": ch["institution"], "major": ch["major"],
                        "graduates": None if g is None else _whole(g + delta),
                        "enrollment": None if e is None or not dur else _whole(e + delta * dur)})
    cities = data.get("cities") or []
    scope: dict[str, Any] = ({"province": data["province"]} if data.get("province")
                             else {"city": cities[0]} if len(cities) == 1 else {"cities": cities})
    now = datetime.now(UTC).isoformat(timespec="seconds")
    text = note or (f"由 iekg plan majors 生成的专业结构优化建议（{len(changes)} 项调整）。招生变动按稳态折算："
                    "毕业生 = 现有毕业生 + Δ，在校生 = 现有在校生 + Δ × 学制；新设专业点只记在校生 = 招生 × 学制；"
                    "均取整到人 (intake changes stored in the steady state, rounded to whole people)")
    return {"name": name, "scope": scope, "year": data.get("year"), "target_year": data.get("target_year"),
            "note": text, "origin": "optimiser", "who": who, "created": now, "updated": now, "changes": changes,
            "constraints": data.get("constraints")}


def _whole(x: float) -> int:
    """A figure as the import takes it: whole people, never below 0."""
    return max(int(round(x)), 0)


def save_plan(store: Store, plan: Answer, name: str, *, who: str | None = None) -> Answer:
    """Store the recommendation as the scenario ``name`` (:func:`iekg.service.scenarios.scenario_save`)."""
    from iekg.service.scenarios import scenario_save  # the scenarios' service (issue 23 item 2)

    return scenario_save(store, scenario_of(plan.data, name, who=who))  # type: ignore[no-any-return]
