"""``iekg plan majors``: which majors to change (专业结构优化建议, issue 23 item 3) — asks the service
(:func:`iekg.service.planning.plan_majors`) and explains its answer line by line; ``--save-as`` keeps it as a
scenario (origin "optimiser").  Infeasible constraints exit 1 with the groups that cannot hold together and
the options that relax them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from iekg import service
from iekg.cli.console import (
    Fmt,
    RichTable,
    Text,
    answers,
    err,
    open_store,
    out,
    output_option,
    render,
    safe_text,
    takeaway,
    who,
)
from iekg.cli.root import app
from iekg.plan import SOLVED
from iekg.service.arguments import ArgumentError, cli_spelling
from iekg.takeaway.plan_tables import STATUS as STATUS_ZH

plan_app = typer.Typer(help="Plan forward: which majors to change (专业结构优化建议)", no_args_is_help=True)
app.add_typer(plan_app, name="plan")

KIND_ZH = {"more": "扩招 more", "fewer": "减招 fewer", "new": "新设 new"}
GROUP_OPTIONS = {"band": "--band / --band-down / --band-up", "never_cut": "--allow-cut-shortage",
                 "min_size": "--min-size", "min_change": "--min-change", "budget": "--new-programs",
                 "max_growth": "--max-growth / --max-share", "goal": "--goal-unmet"}


def _spell(name: str, valued: bool) -> str:
    """Options as the command line spells them (``band_down`` → ``--band-down``)."""
    return cli_spelling(name.replace("_", "-"), valued)


def people(x: float | None, nd: int = 1) -> str:
    """A number of places / people for a cell (one decimal; None: —)."""
    return "—" if x is None else f"{x:,.{nd}f}"


def serves_text(serves: list[dict[str, Any]], top: int = 3) -> str:
    """The industries a change serves, by weight: ``汽车制造业 36 ×0.60 短缺``."""
    parts = [f"{s.get('industry_name') or s['industry']} {s['industry']} ×{s['weight']:.2f} "
             f"{STATUS_ZH.get(str(s.get('status_before')), str(s.get('status_before') or ''))}".rstrip()
             for s in serves[:top]]
    more = len(serves) - top
    return "；".join(parts) + (f"；另 {more} 个行业" if more > 0 else "")


def _alternatives(ch: dict[str, Any]) -> str:
    """A new program's alternatives: the majors the model cannot tell from it (same 专业类 weights)."""
    alt = ch.get("alternatives") or []
    if not alt:
        return ""
    first = alt[0]
    more = f"等 {len(alt)} 个" if len(alt) > 1 else ""
    return f"（或同类 {first.get('major_name') or ''} {first['major']}{more}）"


def _draw(d: dict[str, Any], illustrative: bool) -> None:
    target = f" → 目标年 {d['target_year']}" if d.get("target_year") else ""
    t = RichTable(title=f"{d['scope_name']} {d['year']}{target} 专业结构优化建议 (which majors to change)")
    for col in ("#", "院校 institution", "专业 major", "类型 kind", "调整前→后 before→after（人/年）", "变动 change",
                "首届毕业 first graduates", "服务行业（权重）serves"):
        t.add_column(col, overflow="fold", justify="right" if col in ("#", "变动 change") else "left")
    for n, ch in enumerate(d["changes"], 1):
        first = "—" if ch["first_graduates"] is None else str(ch["first_graduates"])
        if ch.get("by_target") is False:
            first += "（晚于目标年）"
        t.add_row(str(n), f"{ch.get('institution_name') or ''} {ch['institution']}".strip(),
                  f"{ch.get('major_name') or ''} {ch['major']}".strip() + _alternatives(ch),
                  KIND_ZH.get(ch["kind"], ch["kind"]),
                  f"{people(ch['before'])} → {people(ch['after'])}", f"{ch['change']:+,.1f}", first,
                  serves_text(ch["serves"]))
    out.print(t)
    b, a = d["before"], d["after"]
    out.print(f"调整 {len(d['changes'])} 项 changes：扩招 {sum(c['kind'] == 'more' for c in d['changes'])}，"
              f"减招 {sum(c['kind'] == 'fewer' for c in d['changes'])}，新设 {sum(c['kind'] == 'new' for c in d['changes'])}")
    sai_b = "—" if b.get("sai") is None else f"{b['sai']:.4f}"
    sai_a = "—" if a.get("sai") is None else f"{a['sai']:.4f}"
    out.print(f"SAI {sai_b} → {sai_a}；未满足需求 unmet demand {people(b['unmet_demand'])} → "
              f"{people(a.get('unmet_demand'))} 人；超出过剩线的供给 surplus {people(b['surplus'])} → "
              f"{people(a.get('surplus'))} 人；供给总量 S {people(b['S'])} → {people(a.get('S'))} 人")
    moved = [i for i in d.get("industries") or [] if i["status_before"] != i["status_after"]]
    if moved:
        out.print("状态改变的行业 industries whose status moves：" + "；".join(
            f"{i.get('industry_name') or i['industry']} {STATUS_ZH.get(i['status_before'], i['status_before'])}→"
            f"{STATUS_ZH.get(i['status_after'], i['status_after'])}" for i in moved))
    s = d["size"]
    out.print(Text(f"问题规模 problem size：变量 {s['variables']}（整数 {s['integer_variables']}），约束 {s['constraints']}；"
                   f"专业点 {s['programs']}，候选新专业点 {s['candidates']}，行业 {s['industries']}；"
                   f"求解 {s.get('seconds', 0):.2f} s，总计 {s.get('total_seconds', 0):.2f} s（HiGHS {d.get('highs') or '?'}，"
                   "混合整数线性规划 MILP"
                   + (f"，与最优解的相对差距 ≤ {s['mip_gap']:.2%}" if s.get("mip_gap") is not None else "") + "）", "dim"))
    out.print(safe_text("所用约束 constraints（规划者设定，未设定的为本工具默认值，不是通知的要求）："
                        + "；".join(x["text"] for x in d["constraints_used"])))
    if d.get("constraints_not_set"):
        out.print(Text("未设置 not set：" + "、".join(GROUP_OPTIONS.get(g, g) for g in d["constraints_not_set"]), "dim"))
    left = d.get("left_out") or []
    out.print(Text(f"未纳入 left out：{len(left)} 个专业点既无在校生数也无毕业生数；模型不撤销专业点（撤销请用情景 "
                   "iekg scenario）；校企合作、实训基地不在模型中", "dim"))
    late = [c for c in d["changes"] if c.get("by_target") is False]
    if late:
        out.print(Text(f"{len(late)} 项调整的首届毕业生晚于目标年 {d['target_year']}：在目标年尚不改变供给，上面的“调整后”"
                       f"是稳态 ({len(late)} changes reach graduates only after the target year)", "yellow"))
    if d.get("projection"):
        p = d["projection"]
        out.print(Text(f"按 {p.get('target_year')} 年预测规划（基年 {p.get('base_year')}）：{p.get('note') or ''}", "yellow"))
    out.print(Text(d["steady_state"], "dim"))
    if illustrative:
        out.print("[bold yellow]示意数据：以上结果基于示意（演示）数据，不是真实情况 (illustrative demo data)[/bold yellow]")


def _infeasible(d: dict[str, Any]) -> None:
    if d["status"] != "infeasible":  # the solver stopped without a solution (time limit) or failed
        err.print(Text(f"未求得方案 no solution：{d['message']}", "red"))
        return
    err.print(Text(f"无可行方案 infeasible：{d['message']}", "red"))
    for b in d.get("binding_named") or []:
        err.print(Text(f"  · {b['text']} —— 可放宽 relax: {GROUP_OPTIONS.get(b['group'], b['group'])}", "red"))


@plan_app.command("majors")
def majors(
    city: list[str] = typer.Option([], "--city", help="city code (repeat for several cities)"),
    province: str | None = typer.Option(None, "--province", help="a province code: all its cities"),
    year: int | None = typer.Option(None, "--year", min=2000, max=2100, help="data year (default: latest with programs)"),
    target_year: int | None = typer.Option(None, "--target-year", min=2000, max=2100,
                                           help="plan against this year's projection (supply and demand)"),
    band: float | None = typer.Option(None, "--band", help="each institution's total intake within ±band (default 0.1)"),
    band_down: float | None = typer.Option(None, "--band-down", help="the band's lower side (0: no institution shrinks)"),
    band_up: float | None = typer.Option(None, "--band-up", help="the band's upper side"),
    min_size: float = typer.Option(30.0, "--min-size", help="a program keeps, and a new one opens with, ≥ this many places"),
    min_change: float = typer.Option(10.0, "--min-change",
                                     help="a program changes by 0 or ≥ this many places a year (0: any change)"),
    new_programs: int = typer.Option(3, "--new-programs", help="at most this many new programs"),
    max_growth: float | None = typer.Option(None, "--max-growth", help="a program grows by at most this many places"),
    max_share: float = typer.Option(0.5, "--max-share", help="a program changes by at most this share of its places"),
    goal_unmet: float | None = typer.Option(None, "--goal-unmet", help="require unmet demand after ≤ this (people)"),
    allow_cut_shortage: bool = typer.Option(False, "--allow-cut-shortage",
                                            help="allow cuts of majors that feed an industry in shortage"),
    change_cost: float = typer.Option(0.0, "--change-cost",
                                      help="a cost per changed program, in people of unmet demand (fewer, larger changes)"),
    time_limit: float = typer.Option(60.0, "--time-limit", help="seconds the solver may take (then: the best found)"),
    save_as: str | None = typer.Option(None, "--save-as", help="keep the recommendation as the scenario NAME"),
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
    output: Path | None = output_option(),
) -> None:
    """Which majors to change: the intake changes that best close shortages and unmet demand under your
    constraints (MILP solved by HiGHS), line by line with the industries each serves."""
    store = open_store()
    with answers():
        try:
            answer = service.plan_majors(
                store, city=city or None, province=province, year=year, target_year=target_year, band=band,
                band_down=band_down, band_up=band_up, min_size=min_size, min_change=min_change,
                new_programs=new_programs, max_growth=max_growth, max_share=max_share, goal_unmet=goal_unmet,
                allow_cut_shortage=allow_cut_shortage, change_cost=change_cost, time_limit=time_limit)
        except ArgumentError as exc:  # a usage error (exit 2), the options spelled as typed (--band-down)
            raise typer.BadParameter(exc.text(_spell), param_hint=_spell(exc.param, False)) from None
    d = answer.data
    if d["status"] not in SOLVED:
        if fmt is Fmt.json:
            render(d, fmt, output=output)
        _infeasible(d)
        raise typer.Exit(1)
    if d["status"] != "optimal":  # the time limit stopped the solver with a solution: said, not hidden
        err.print(Text(d["message"], "yellow"))
    render(d, fmt, lambda: _draw(d, answer.illustrative), take=takeaway("plan_majors", answer, store), output=output)
    if save_as is not None:
        with answers():
            saved = service.save_plan(store, answer, save_as, who=who())
        err.print(safe_text(f"已保存为情景 saved as scenario: {saved.data.get('name', save_as)}（{len(d['changes'])} 项调整；"
                       f"iekg scenario show {save_as}）", "green"))
