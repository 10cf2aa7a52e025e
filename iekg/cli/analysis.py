"""Commands that measure: align, gaps, readiness, coupling, partners, trains, hires — each asks the service
(:mod:`iekg.service.analysis`) and draws its answer."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from iekg.cli.console import (
    NO_DATA_CELL,
    Fmt,
    RichTable,
    Text,
    answers,
    empty_reason,
    figure_cell,
    fnum,
    illustrative_line,
    open_store,
    out,
    output_option,
    render,
    resolve,
    takeaway,
    tr,
)
from iekg.cli.remote import service  # the service here, or the server's (--server)
from iekg.cli.root import app
from iekg.takeaway.coverage import coverage_lines
from iekg.takeaway.words import STATUS_ZH

if TYPE_CHECKING:
    from iekg.service import Answer



def _coverage_line(cov: dict[str, Any] | None) -> None:
    """What the figures rest on: cities and institutions with data, and those without (the wording is
    :func:`iekg.takeaway.coverage.coverage_lines`, which the CSV and xlsx notes use too)."""
    for text, style in coverage_lines(cov):
        out.print(Text(text, style))


@app.command()
def align(
    city: list[str] = typer.Option([], "--city", help="city code (repeat for several cities)"),
    province: str | None = typer.Option(None, "--province", help="a province code: all its cities"),
    year: int | None = typer.Option(None, "--year", min=2000, max=2100, help="default: latest year with programs"),
    chain: str | None = typer.Option(None, "--chain", help="restrict to one industry chain id"),
    target_year: int | None = typer.Option(None, "--target-year", min=2000, max=2100,
                                           help="also the figures projected to this year (预测), beside today's"),
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
    output: Path | None = output_option(),
) -> None:
    """Chain alignment of a scope: supply, demand, ratio, status, deviation per industry; S, D, SAI, coverage."""
    store = open_store()
    with answers():
        answer = service.alignment(store, city, province, year, chain, target_year=target_year)
    a = answer.data

    def draw() -> None:
        t = RichTable(title=f"{a['scope_name']} {a['year']} 产教匹配 alignment" + (f" · {chain}" if chain else ""))
        for c in ("行业 code", "名称 name", "供给 supply", "需求 demand", "供需比 ratio", "状态 status",
                  "结构偏离度 deviation", "合作密度 coop."):
            t.add_column(c, justify="right" if c[0] in "供需结合" else "left")
        for i in a["industries"]:
            st = i["status"]
            colour = {"unmet": "red", "shortage": "yellow", "surplus": "cyan"}.get(st, "white")
            label = "无需求数据 no demand data" if not i.get("demand_data", True) else f"{STATUS_ZH.get(st, st)} {st}"
            t.add_row(i["code"], i["name"], NO_DATA_CELL if i["supply"] is None else fnum(i["supply"], 1),
                      fnum(i["demand"], 1) if i.get("demand_data", True) else NO_DATA_CELL, fnum(i["ratio"]) or "—",
                      Text(label, colour), fnum(i["deviation"]) or "—",
                      NO_DATA_CELL if i["cooperation_density"] is None else fnum(i["cooperation_density"]))
        out.print(t)
        seg = a["segments"]
        out.print(f"S = {NO_DATA_CELL if a['S'] is None else format(a['S'], '.1f') + ' 人'}  D = {a['D']:.1f} 人  "
                  f"SAI = {fnum(a['sai']) or '—'}  "
                  f"观测 SAI observed (有需求数据的行业) = {fnum(a.get('sai_observed')) or '—'}  "
                  f"覆盖率 coverage = {fnum(a['coverage']) or '— (无重点产业链 no focus chain)'} "
                  f"({'—' if seg['covered'] is None else seg['covered']}/{seg['total']} 个环节 segments)")
        if a.get("supply_reason"):
            out.print(Text(f"供给无数据 no supply data: {a['supply_reason']}", "yellow"))
        if seg.get("uncovered_named") and a.get("supply_data", True):
            out.print("未覆盖环节 uncovered: " + "、".join(f"{x['name']} ({x['id']})" for x in seg["uncovered_named"]))
        dc = a.get("demand_coverage") or {}
        if dc.get("note"):
            out.print(Text(f"需求覆盖 demand coverage: {dc['note']}", "yellow"))
        if a.get("sai_note"):
            out.print(Text(a["sai_note"], "yellow"))
        if (a.get("cooperation") or {}).get("note"):  # ended and not-begun cooperations are left out (issue 18)
            out.print(Text(f"合作密度 cooperation density: {a['cooperation']['note']}", "dim"))
        for i in a["industries"]:
            if i.get("note"):
                out.print(Text(f"{i['code']} {i['name']}: {i['note']}", "dim"))
        th = a["thresholds"]
        out.print(f"短缺 shortage < {th['shortage_below']:g}，过剩 surplus > {th['surplus_above']:g}："
                  f"{a.get('thresholds_label', '')} ({a.get('thresholds_label_en', '')})")
        _coverage_line(a.get("data_coverage"))
        empty_reason(a.get("reason"))
        if a["estimates"]:
            out.print(f"[yellow]估算 estimate: {a['estimated_programs']} 个专业点缺毕业生数，按在校生/学制估算[/yellow]")
        if a.get("target"):
            _draw_target_alignment(a, a["target"])
        illustrative_line(answer)

    render(a, fmt, draw, take=takeaway("alignment", answer, store), output=output)


def _methods_cell(methods: dict[str, int] | None) -> str:
    return "、".join(f"{m} {n}" for m, n in (methods or {}).items()) or "—"


def _draw_target_alignment(a: dict[str, Any], t: dict[str, Any]) -> None:
    """Today's figures beside the target year's projection (flagged 预测, the methods named)."""
    now = {i["code"]: i for i in a["industries"]}
    tt = RichTable(title=f"{a['scope_name']} {t['target_year']} 年预测 projection（基于 {t['base_year']} 年数据）")
    for c in ("行业 code", "名称 name", f"供给 {t['base_year']}", f"供给 {t['target_year']} 预测", f"需求 {t['base_year']}",
              f"需求 {t['target_year']} 预测", "状态 status 预测", "需求方法 demand method", "供给方法 supply methods"):
        tt.add_column(c, justify="right" if c[0] in "供需" else "left")
    for i in t["industries"]:
        b = now.get(i["code"], {})
        has_d = i.get("demand_data", True)
        st = i["status"]
        label = "无需求数据 no demand data" if not has_d else f"{STATUS_ZH.get(st, st)} {st}"
        tt.add_row(i["code"], i["name"], figure_cell(b.get("supply"), 1) if b else "—",
                   figure_cell(i["supply"], 1), (figure_cell(b.get("demand"), 1) if b.get("demand_data", True) else NO_DATA_CELL) if b else "—",
                   figure_cell(i["demand"], 1) if has_d else NO_DATA_CELL, label, i.get("demand_method") or "none",
                   _methods_cell(i.get("supply_methods")))
    out.print(tt)
    out.print(f"预测 projection {t['target_year']}: S = {figure_cell(t['S'], 1)}  D = {figure_cell(t['D'], 1)}  SAI = {fnum(t['sai']) or '—'}"
              f"  观测 SAI observed = {fnum(t.get('sai_observed')) or '—'}  覆盖率 coverage = {fnum(t['coverage']) or '—'}"
              f"   （{t['base_year']} 年：S = {figure_cell(a['S'], 1)}  D = {figure_cell(a['D'], 1)}  SAI = {fnum(a['sai']) or '—'}）")
    out.print(Text(t["methods_text"], "cyan"))
    info = t.get("projection_info") or {}
    words = info.get("methods") or {}
    out.print(Text("方法 methods: " + "；".join(f"{k} = {v}" for k, v in words.items()), "dim"))
    np_ = (info.get("not_projected") or {}).get("note")
    if np_:
        out.print(Text(np_, "yellow"))
    out.print(Text(t["note"], "bold yellow"))


@app.command()
def gaps(
    city: list[str] = typer.Option([], "--city"), province: str | None = typer.Option(None, "--province"),
    year: int | None = typer.Option(None, "--year", min=2000, max=2100), chain: str | None = typer.Option(None, "--chain"),
    gap_type: list[str] = typer.Option([], "--type", help="only these gap types"),
    limit: int = typer.Option(50, "--limit", min=1), fmt: Fmt = typer.Option(Fmt.table, "--format"),
    output: Path | None = output_option(),
) -> None:
    """Gaps of a scope, ranked, each with its evidence (node and relationship ids)."""
    store = open_store()
    with answers():
        answer = service.gaps(store, city, province, year, chain, types=gap_type, limit=limit)
    g = answer.data

    def draw() -> None:
        t = RichTable(title=f"{g['scope_name']} {g['year']} 缺口 gaps")
        for c in ("#", "type", "对象 entity", "优先度 priority", "幅度 magnitude", "说明", "证据 evidence"):
            t.add_column(c, overflow="fold")
        for x in g["gaps"]:
            items = x.get("evidence_items") or [{"key": k, "label": None} for k in x["evidence"]]
            first = f"{items[0]['label'] or items[0]['key']} [{items[0]['key']}]" if items else ""
            more = f" …（共 {x['evidence_total']} 条，iekg show KEY 查看）" if x["evidence_total"] > 1 else ""
            msg = x["message"] + (f"\n{x['note']}" if x.get("note") else "")
            t.add_row(str(x["rank"]), x["type"] + (" (minor 次要)" if x.get("minor") else ""), x["name"],
                      f"{x.get('priority', x['severity']):.3f}", f"{fnum(x['magnitude'], 1)} {x.get('unit', '')}".strip(), msg,
                      first + more)
        out.print(t)
        out.print(" ".join(f"{k}={v}" for k, v in g["counts"].items()))
        rk = g.get("ranking")
        if rk:
            out.print(f"排序 ranking: 供需缺口少于 {rk['gap_min_people']:g} 人为次要 (minor)，排在最后；其余按 严重度 × "
                      f"min(1, 人数/{rk['gap_full_people']:g}) 排序 — 人数阈值为{rk['label']}")
        if g.get("not_computed"):
            out.print(Text(f"未计算 not computed: {', '.join(g['not_computed']['types'])} — {g['not_computed']['reason']}",
                           "yellow"))
        if (g.get("cooperation") or {}).get("note"):  # ended and not-begun cooperations are left out (issue 18)
            out.print(Text(f"校企合作 cooperation: {g['cooperation']['note']}", "dim"))
        _coverage_line(g.get("data_coverage"))
        empty_reason(g.get("reason"))
        illustrative_line(answer)

    render(g, fmt, draw, take=takeaway("gaps", answer, store), output=output)


@app.command()
def readiness(
    city: str | None = typer.Option(None, "--city"), all_: bool = typer.Option(False, "--all", help="rank all cities"),
    year: int | None = typer.Option(None, "--year", min=2000, max=2100),
    target_year: int | None = typer.Option(None, "--target-year", min=2000, max=2100,
                                           help="also the readiness projected to this year (预测), beside today's"),
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
    output: Path | None = output_option(),
) -> None:
    """Readiness against the notice's targets and conditions (one city, or all cities ranked)."""
    if bool(city) == bool(all_):
        raise typer.BadParameter("give either --city CODE or --all", param_hint="--city")
    store = open_store()
    with answers():
        answer = service.readiness_all(store, year, target_year=target_year) if all_ else \
            service.readiness(store, str(city), year, target_year=target_year)
    if all_:
        render(answer.data, fmt, lambda: _draw_ranking(answer), take=takeaway("readiness_all", answer, store),
               output=output)
        return
    r = answer.data

    def draw() -> None:
        t = RichTable(title=f"{r['name']} 试点准备度 readiness ({r['policy']})")
        for c in ("目标/条件", "指标", "现值 value", "阈值 threshold（依据 basis）", "达成 met", "差距 shortfall", "说明"):
            t.add_column(c, overflow="fold")
        for i in r["items"]:
            met = i["effective_met"]
            mark = Text("—") if met is None else (Text("✓", "green") if met else Text("✗", "red"))
            basis = i.get("threshold_label") or ""
            t.add_row(("条件 " if i["kind"] == "condition" else "目标 ") + i["target"], str(i["name"]),
                      "无法衡量 (无数据 no data)" if not i["measurable"] else fnum(i["value"]),
                      f"{i['comparison']} {i['threshold']:g} {i['unit'] or ''}\n{basis}",
                      mark + Text(" (二选一)" if i["any_of"] else ""), fnum(i["shortfall"]), i["note"])
        pilot = r.get("pilot") or {}
        if pilot.get("text"):
            src = f"  来源 source: {pilot['source']}" if pilot.get("source") else ""
            who = r["name"] if pilot.get("selected") else ""
            out.print(Text(f"试点身份（公开信息）pilot status: {who}{pilot['text']}{src}",
                           "bold green" if pilot.get("selected") else ""))
        out.print(t)
        out.print(f"目标达成 {r['targets_met']}/{r['targets_total']}，无法衡量 {r['targets_unmeasurable']}；"
                  f"条件满足 {r['conditions_met']}/{r['conditions_total']}")
        if any(i.get("threshold_basis") == "reading" for i in r["items"]):
            out.print(Text("标为「本工具对“…”的解读」的阈值是本工具对通知中没有数字的表述（若干、一定数量、一批等）的解读，"
                           "不是通知给出的数字 (our reading of the notice's vague words, not its numbers)", "dim"))
        if any(i.get("threshold_basis") == "assumption" for i in r["items"]):
            out.print(Text("标为「参考值（本工具假设，可在设置中修改）」的阈值不是通知的要求：通知只说“关联度高”“就业质量高” "
                           "(IEKG_REFERENCE_SAI, IEKG_REFERENCE_EMPLOYMENT)", "dim"))
        _coverage_line(r.get("data_coverage"))
        if r.get("target"):
            _draw_target_readiness(r, r["target"])
        illustrative_line(answer)

    render(r, fmt, draw, take=takeaway("readiness", answer, store), output=output)


def _draw_target_readiness(r: dict[str, Any], t: dict[str, Any]) -> None:
    """Today's readiness beside the target year's: the supply- and demand-based items projected, the rest today's."""
    now = {i["target"]: i for i in r["items"]}
    tt = RichTable(title=f"{r['name']} {t['target_year']} 年预测 projection（基于 {t['base_year']} 年数据）")
    for c in ("目标/条件", "指标", f"现值 {t['base_year']}", f"{t['target_year']} 值", "依据 basis", "达成 met"):
        tt.add_column(c, overflow="fold")
    for i in t["items"]:
        b = now.get(i["target"], {})
        met = i["effective_met"]
        mark = Text("—") if met is None else (Text("✓", "green") if met else Text("✗", "red"))
        was = "无法衡量" if not b.get("measurable") else fnum(b.get("value"))
        val = "无法衡量" if not i["measurable"] else fnum(i["value"])
        tt.add_row(("条件 " if i["kind"] == "condition" else "目标 ") + i["target"], str(i["name"]), was, val,
                   Text("预测 projection", "cyan") if i.get("projected") else Text(f"现状 held ({t['base_year']})", "dim"),
                   mark)
    out.print(tt)
    out.print(f"{t['target_year']} 年预测：目标达成 {t['targets_met']}/{t['targets_total']}，无法衡量 {t['targets_unmeasurable']}；"
              f"条件满足 {t['conditions_met']}/{t['conditions_total']}（{t['base_year']} 年：目标 {r['targets_met']}/"
              f"{r['targets_total']}，条件 {r['conditions_met']}/{r['conditions_total']}）")
    out.print(Text(t["methods_text"], "cyan"))
    out.print(Text(f"标为「现状」的项与供需预测无关，保持 {t['base_year']} 年的值 (items not resting on supply and demand "
                   "keep today's value)", "dim"))
    out.print(Text(t["note"], "bold yellow"))


# Where a ranking row's figures come from (issue 21: marked per row, not once for the whole table).
RANKING_SOURCES = {"yours": "你的数据 yours", "illustrative": "示例 illustrative", "public": "公开 public"}


def _draw_ranking(answer: Answer) -> None:
    ranked = answer.data
    t = RichTable(title="试点准备度排名 readiness ranking")
    target = any("target" in r for r in ranked)
    ty = next((r["target"]["target_year"] for r in ranked if r.get("target")), None)
    for c in ("#", "城市", "来源 source", "目标达成 targets met", "条件 conditions", "无法衡量 unmeasurable",
              "相对差距 rel. shortfall", *((f"{ty or ''} 预测 目标/条件 projected",) if target else ())):
        t.add_column(c)
    for r in ranked:
        src = RANKING_SOURCES.get(str(r.get("source")), "")
        tr_ = r.get("target")
        extra = ((f"{tr_['targets_met']}/{tr_['targets_total']}，{tr_['conditions_met']}/{tr_['conditions_total']}"
                  if tr_ else "—"),) if target else ()
        if not r.get("has_data", True):
            cell = "公开名单 public list only" if r.get("public_only") else NO_DATA_CELL
            t.add_row(str(r["rank"]), f"{r['name']} {r['city']}", src, cell, cell, "", "", *extra)
            continue
        yc = (r.get("data_coverage") or {}).get("years") or {}
        thin = f"\n{r['year']} 年数据偏少 partial year" if yc.get("partial") else ""
        t.add_row(str(r["rank"]), f"{r['name']} {r['city']}{thin}", src, f"{r['targets_met']}/{r['targets_total']}",
                  f"{r['conditions_met']}/{r['conditions_total']}", str(r["targets_unmeasurable"]),
                  f"{r['relative_shortfall']:.3f}", *extra)
    out.print(t)
    if target:
        out.print(Text("预测 projection：目标年份一列为预测值（结构匹配指数、毕业生就业率按预测的供需计算，其余各项保持现状），"
                       "排名仍按今年 (the ranking is today's; the projected column is a projection)", "bold yellow"))
    kinds = {str(r.get("source")) for r in ranked}
    if "illustrative" in kinds:
        out.print(Text("来源「示例」的行基于示意（演示）数据，不是真实情况；「你的数据」是你导入的数据；「公开」只在公开名单中 "
                       "(each row's source: illustrative demo data / yours / public lists only)", "yellow"))
    public = [r["name"] for r in ranked if r.get("public_only")]
    if public:
        out.print(Text(f"{len(public)} 个城市只在公开名单中、不在你的数据里，不算缺数据，未参与比较 (in the public "
                       "lists, not in your data): " + "、".join(public), "dim"))
    nodata = [r["name"] for r in ranked if not r.get("has_data", True) and not r.get("public_only")]
    if nodata:
        out.print(Text(f"{len(nodata)} 个城市在该年没有专业点和需求数据，排在最后、未参与比较 (no data, ranked last): "
                       + "、".join(nodata), "yellow"))


@app.command()
def coupling(
    city: list[str] = typer.Option([], "--city", help="cities to compare (default: all cities)"),
    year: int | None = typer.Option(None, "--year", min=2000, max=2100), fmt: Fmt = typer.Option(Fmt.table, "--format"),
    output: Path | None = output_option(),
) -> None:
    """Coupling coordination degree (耦合协调度) of the education and industry systems across cities."""
    store = open_store()
    with answers():
        answer = service.coupling(store, city, year)
    res = answer.data

    def draw() -> None:
        t = RichTable(title=f"耦合协调度 coupling coordination {res['year']}")
        for c in ("城市", "U1 教育", "U2 产业", "C", "T", "CCD", "等级 grade"):
            t.add_column(c)
        names = {n.id: n.name for n in store.nodes("City")}
        for r in res["scopes"]:
            t.add_row(f"{names.get(r['city'], r['city'])} {r['city']}", fnum(r["u1"]), fnum(r["u2"]), fnum(r["c"]), fnum(r["t"]),
                      fnum(r["ccd"]), r["grade"])
        for w in res.get("without_data", []):
            t.add_row(f"{w['name']} {w['city']}", "", "", "", "", NO_DATA_CELL, Text("未参与比较 not compared", "dim"))
        out.print(t)
        if res.get("without_data"):
            out.print(Text(f"{len(res['without_data'])} 个城市没有专业点或需求/企业数据，未参与归一化与比较 "
                           f"(cities without data are left out, not graded)", "yellow"))
        if res["excluded"]:
            out.print("未纳入的指标 excluded: " + ", ".join(f"{k} ({v})" for k, v in res["excluded"].items()))
        illustrative_line(answer)

    render(res, fmt, draw, take=takeaway("coupling", answer, store), output=output)


@app.command()
def partners(ident: str = typer.Argument(..., help="an enterprise or institution id (or exact name)"),
             limit: int = typer.Option(10, "--limit", min=1), year: int | None = typer.Option(None, "--year"),
             fmt: Fmt = typer.Option(Fmt.table, "--format"), output: Path | None = output_option()) -> None:
    """Recommended partners: institutions for an enterprise, enterprises for an institution, each explained."""
    store = open_store()
    node = resolve(store, ident)
    with answers():
        answer = service.partners(store, node, limit=limit, year=year)
    res = answer.data

    def draw() -> None:
        t = RichTable(title=f"{node.name} 的合作伙伴推荐 partners")
        for c in ("#", tr("name"), "score", "对口 align", "距离 dist.", "容量 cap.", "已合作", "说明 explanation"):
            t.add_column(c, overflow="fold")
        for n, r in enumerate(res["results"], 1):
            c = r["components"]
            t.add_row(str(n), f"{r['name']} ({r['id']})", f"{r['score']:.3f}", f"{c['alignment']:.2f}", f"{c['distance']:.2f}",
                      f"{c['capacity']:.2f}", "✓" if r["existing"] else "", r["explanation"])
        out.print(t)
        _coverage_line(res.get("data_coverage"))
        empty_reason(res.get("reason"))

    render(res, fmt, draw, take=takeaway("partners", answer, store), output=output)


@app.command()
def trains(industry: str | None = typer.Option(None, "--industry"), segment: str | None = typer.Option(None, "--segment"),
           chain: str | None = typer.Option(None, "--chain"), city: list[str] = typer.Option([], "--city"),
           year: int | None = typer.Option(None, "--year"), limit: int = typer.Option(30, "--limit", min=1),
           fmt: Fmt = typer.Option(Fmt.table, "--format"), output: Path | None = output_option()) -> None:
    """Who trains for an industry, a chain segment or a chain: institutions and majors with graduates."""
    store = open_store()
    with answers():
        answer = service.who_trains(store, industry=industry, segment=segment, chain=chain, cities=city, year=year,
                                    limit=limit)
    res = answer.data

    def draw() -> None:
        t = RichTable(title=f"谁在培养 who trains for {res['target'].get('name', '')} ({res['year']})")
        for c in ("院校 institution", "城市", "专业 major", "毕业生 volume", "权重 w", "贡献 supply"):
            t.add_column(c, overflow="fold")
        for r in res["rows"][:limit]:
            t.add_row(r["institution_name"], r["city_name"], f"{r['major_name']} {r['major']}",
                      f"{r['volume']:.0f}{'*' if r['estimate'] else ''}", f"{r['weight']:g}", f"{r['contribution']:.1f}")
        out.print(t)
        out.print(f"合计 total {res['total']:.1f} 人" + ("  (* 按在校生估算 estimated)" if res["estimates"] else "")
                  + (f"；共 {res['rows_total']} 行，显示前 {len(res['rows'])} 行 · {res['rows_total']} rows, first "
                     f"{len(res['rows'])} shown" if res["rows_total"] > len(res["rows"]) else ""))
        _coverage_line(res.get("data_coverage"))
        empty_reason(res.get("reason"))

    render(res, fmt, draw, take=takeaway("who_trains", answer, store), output=output)


@app.command()
def hires(major: str = typer.Argument(..., help="a major code"), city: list[str] = typer.Option([], "--city"),
          year: int | None = typer.Option(None, "--year"), limit: int = typer.Option(30, "--limit", min=1),
          fmt: Fmt = typer.Option(Fmt.table, "--format"), output: Path | None = output_option()) -> None:
    """Who hires a major: the industries it aligns with, their enterprises and the talent demand."""
    store = open_store()
    with answers():
        answer = service.who_hires(store, major, cities=city, year=year)
    res = answer.data

    def draw() -> None:
        t = RichTable(title=f"谁需要 who hires {res['major'].get('name', major)} {major}")
        for c in ("行业 industry", "权重 w", "企业数", "需求 demand"):
            t.add_column(c)
        for r in res["industries"]:
            t.add_row(f"{r.get('code')} {r.get('name', '')}", f"{r.get('weight', 0):g}", str(r.get("enterprises", "")),
                      fnum(r.get("demand"), 1) if r.get("demand_data", True) else NO_DATA_CELL)
        out.print(t)
        e = RichTable(title="企业 enterprises")
        for c in ("企业", "城市", "行业", "从业人数"):
            e.add_column(c, overflow="fold")
        for r in res["enterprises"][:limit]:
            emp = r.get("employees")
            e.add_row(f"{r.get('name')} ({r.get('id')})", str(r.get("city_name", r.get("city", ""))), str(r.get("industry", "")),
                      NO_DATA_CELL if emp is None else f"{emp:,.0f} 人")
        out.print(e)
        for why in (res.get("reasons") or {}).values():
            empty_reason(why)

    render(res, fmt, draw, take=takeaway("who_hires", answer, store), output=output)


