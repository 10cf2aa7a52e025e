"""Commands that compare: ``compare`` (the cities of a province side by side) and ``trend`` (one scope over the
years) — each asks the service (:mod:`iekg.service.comparison`) and draws its answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from iekg.cli.console import (
    NO_DATA_CELL,
    Fmt,
    RichTable,
    Text,
    answers,
    err,
    figure_cell,
    illustrative_line,
    open_store,
    out,
    output_option,
    render,
    safe_text,
    takeaway,
)
from iekg.cli.remote import service  # the service here, or the server's (--server)
from iekg.cli.root import app

SOURCE_CELL = {"yours": "你的数据 yours", "illustrative": "示例 illustrative", "public": "公开 public"}
GAP_SHORT = {"unmet_demand": "无供给", "shortage": "短缺", "surplus": "过剩", "uncovered_segment": "未覆盖环节",
             "no_cooperation": "无合作", "no_training_base": "无基地", "target_shortfall": "目标差距"}




@app.command()
def compare(
    province: str | None = typer.Option(None, "--province", help="a province code: its cities side by side"),
    city: list[str] = typer.Option([], "--city", help="compare these cities (repeat; with --province: some of its cities)"),
    year: int | None = typer.Option(None, "--year", min=2000, max=2100,
                                    help="default: the latest year with programs in any of the cities"),
    sort: str = typer.Option("sai", "--sort", help="rank by sai | coverage | targets | coupling"),
    target_year: int | None = typer.Option(None, "--target-year", min=2000, max=2100,
                                           help="also each city's figures projected to this year (预测), beside "
                                                "today's; the ranking stays today's"),
    html: Path | None = typer.Option(None, "--html", help="also write the comparison page (table + schematic tile "
                                                          "map) to this file: one offline HTML page"),
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
    output: Path | None = output_option(),
) -> None:
    """Cities side by side: SAI, observed SAI, coverage, targets met, coupling, gaps by type, data completeness."""
    store = open_store()
    with answers():
        answer = service.compare(store, province=province, cities=city or None, year=year, sort=sort,
                                 target_year=target_year)
    d = answer.data
    if html is not None:
        from iekg.viz.compare import compare_html

        page = compare_html(store, sort=sort, answer=answer)
        try:
            page.write(html)
        except OSError as exc:
            err.print(safe_text(f"{html}: {exc}", "red"))
            raise typer.Exit(1) from None
        err.print(safe_text(f"城市比较页面 comparison page → {html}"))

    def draw() -> None:
        t = RichTable(title=f"{d['scope_name']} {d['year'] or ''} 城市比较 compare（按 {d['measure_name']} 排名）")
        ty = d.get("target_year")
        heads = ["#", "城市 city", "来源 source", "SAI", "观测 SAI", "覆盖率 coverage", "目标 targets"]
        heads += [f"{ty} SAI 预测", f"{ty} 目标 预测"] if ty else []
        for c in (*heads, "耦合 CCD", "缺口 gaps", "数据 completeness"):
            t.add_column(c, overflow="fold")
        for r in d["cities"]:
            comp = r["completeness"]
            if r["has_data"]:
                gaps = "、".join(f"{GAP_SHORT.get(k, k)}{n}" for k, n in (r["gaps"] or {}).items() if n) or "0"
                complete = (f"院校 {comp['institutions_with_programs']}/{comp['institutions_total']} 有专业点"
                            + ("" if comp["has_demand"] else "；无需求数据") + ("；年份数据偏少 partial" if comp["partial"] else ""))
                targets = f"{r['targets_met']}/{r['targets_total']}"
            else:
                gaps, targets = NO_DATA_CELL, NO_DATA_CELL
                complete = "公开名单 public list only" if comp.get("public_only") else f"{d['year']} 年无专业点和需求数据"
            proj = r.get("target")
            projected = ([figure_cell(proj["sai"]), f"{proj['targets_met']}/{proj['targets_total']}"] if proj
                         else [NO_DATA_CELL, NO_DATA_CELL]) if ty else []
            t.add_row("—" if r["rank"] is None else str(r["rank"]), f"{r['name']} {r['city']}",
                      SOURCE_CELL.get(r["source"], r["source"]), figure_cell(r["sai"]), figure_cell(r["sai_observed"]),
                      figure_cell(r["coverage"]), targets, *projected,
                      NO_DATA_CELL if r["coupling"] is None else f"{r['coupling']:.4f} {r['coupling_grade']}",
                      gaps, complete)
        out.print(t)
        if d.get("note"):
            out.print(Text(d["note"], "yellow"))
        if ty:
            out.print(Text(f"预测 projection：「{ty}」两列为按 {d['year']} 年数据预测的值，不是统计数据（方法同 iekg align / "
                           f"readiness --target-year）；排名仍按 {d['year']} 年 (the ranking is the data year's; the "
                           "projected columns are projections)", "bold yellow"))
        if d.get("coupling_note"):
            out.print(Text(f"耦合协调度 coupling: {d['coupling_note']}", "dim"))
        if any(r["source"] == "illustrative" for r in d["cities"]):
            out.print(Text("来源「示例」的行基于示意（演示）数据，不是真实情况；「你的数据」是你导入的数据；「公开」只在公开名单中 "
                           "(each row's source: illustrative demo data / yours / public lists only)", "yellow"))
        illustrative_line(answer)

    render(d, fmt, draw, take=takeaway("compare", answer, store), output=output)


@app.command()
def trend(
    city: list[str] = typer.Option([], "--city", help="city code (repeat for several cities)"),
    province: str | None = typer.Option(None, "--province", help="a province code: all its cities"),
    from_: int | None = typer.Option(None, "--from", min=2000, max=2100, help="first year (default: first with data)"),
    to: int | None = typer.Option(None, "--to", min=2000, max=2100, help="last year (default: last with data)"),
    chain: str | None = typer.Option(None, "--chain", help="restrict to one industry chain id"),
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
    output: Path | None = output_option(),
) -> None:
    """A scope over the years: S, D, SAI, coverage and per-industry supply and demand, with the change per year."""
    store = open_store()
    years = None if from_ is None and to is None else (from_, to)
    with answers():
        answer = service.trend(store, cities=city, province=province, years=years, chain=chain)
    d = answer.data

    def draw() -> None:
        t = RichTable(title=f"{d['scope_name']} {d['from'] or ''}–{d['to'] or ''} 趋势 trend" + (f" · {chain}" if chain else ""))
        for c in ("年份 year", "S 供给", "D 需求", "SAI", "观测 SAI", "覆盖率 coverage", "ΔS", "ΔD", "ΔSAI", "说明 note"):
            t.add_column(c, overflow="fold")
        rows: list[tuple[int, dict[str, Any] | None]] = [(y["year"], y) for y in d["years"]]
        rows += [(y, None) for y in d["missing_years"]]
        for year, y in sorted(rows, key=lambda r: r[0]):
            if y is None:
                t.add_row(str(year), NO_DATA_CELL, NO_DATA_CELL, "", "", "", "", "", "", "该年没有数据，不计为 0 (no data, not 0)")
                continue
            ch = y["change"] or {}
            note = []
            if y["partial"]:
                note.append(f"偏少 partial: {y['partial_reason']}")
            if ch.get("gap_years"):
                note.append(ch["note"])
            t.add_row(str(year), figure_cell(y["S"], 1), figure_cell(y["D"], 1), figure_cell(y["sai"]), figure_cell(y["sai_observed"]),
                      figure_cell(y["coverage"]), "—" if ch.get("S") is None else f"{ch['S']:+.1f}",
                      "—" if ch.get("D") is None else f"{ch['D']:+.1f}",
                      "—" if ch.get("sai") is None else f"{ch['sai']:+.4f}", "\n".join(note))
        out.print(t)
        if d["industries"] and d["years"]:
            top = sorted(d["industries"], key=lambda i: -max((b["supply"] or 0) + (b["demand"] or 0) for b in i["by_year"]))[:15]
            it = RichTable(title="行业供需 by industry（前 15，按规模）")
            it.add_column("行业 industry")
            for y in d["years"]:
                it.add_column(f"{y['year']} 供给/需求", justify="right")
            for i in top:
                it.add_row(f"{i['code']} {i['name']}", *(f"{figure_cell(b['supply'], 1)} / {figure_cell(b['demand'], 1)}"
                                                         for b in i["by_year"]))
            out.print(it)
        if d.get("reason"):
            out.print(safe_text(f"结果为空 empty: {d['reason']}", "yellow"))
        if d["missing_years"]:
            out.print(Text(f"无数据的年份 years without data: {', '.join(map(str, d['missing_years']))}（不计为 0，"
                           "也不跨过它们计算变化 no change across them）", "yellow"))
        out.print(Text(f"偏少年份规则 thin-year rule: {d['thin_rule']}", "dim"))
        illustrative_line(answer)

    render(d, fmt, draw, take=takeaway("trend", answer, store), output=output)

