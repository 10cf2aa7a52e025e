"""``iekg scenario``: named what-if scenarios laid over the graph without changing it (issue 23 item 2) — new,
add, show, compare, list, delete.  Each asks the service (:mod:`iekg.service.scenarios`) and draws its answer."""

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
    figure_cell,
    illustrative_line,
    open_store,
    out,
    output_option,
    render,
    safe_text,
    takeaway,
)
from iekg.cli.root import app

scenario_app = typer.Typer(help="What-if scenarios (情景): changes laid over the graph without changing it — new, "
                                "add, show, compare, list, delete", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")

FIGURES = (("S", "供给 S"), ("D", "需求 D"), ("sai", "SAI"), ("sai_observed", "观测 SAI"), ("coverage", "链条覆盖率"),
           ("unmet_demand", "未满足需求"), ("cooperating_enterprises", "有对口合作的企业"),
           ("targets_met", "目标达成"), ("conditions_met", "条件满足"))
STATUS = {"shortage": "短缺", "surplus": "过剩", "balanced": "平衡", "unmet": "无供给", "no_demand": "无需求",
          "none": "无数据"}
# the headers of a table of changes (--file), as people write them → the change's field
HEADERS = {"变动类型": "kind", "变动": "kind", "类型": "kind", "操作": "kind", "kind": "kind",
           "院校": "institution", "学校": "institution", "学校名称": "institution", "学校标识码": "institution",
           "institution": "institution", "专业": "major", "专业名称": "major", "专业代码": "major", "major": "major",
           "毕业生": "graduates", "毕业生数": "graduates", "graduates": "graduates", "在校生": "enrollment",
           "在校生数": "enrollment", "enrollment": "enrollment", "城市": "city", "城市代码": "city", "city": "city",
           "行业": "industry", "行业代码": "industry", "industry": "industry", "需求": "headcount",
           "需求人数": "headcount", "人数": "headcount", "headcount": "headcount", "企业": "enterprise",
           "企业名称": "enterprise", "统一社会信用代码": "enterprise", "enterprise": "enterprise",
           "起始年份": "year", "年份": "year", "year": "year", "合作类型": "type", "type": "type", "状态": "status",
           "status": "status", "名称": "name", "基地名称": "name", "name": "name", "级别": "level", "level": "level",
           "基地类型": "base_kind", "服务行业": "industries", "industries": "industries"}




def _row_numbers(rows: Any) -> list[int]:
    """The 1-based row numbers of the non-empty rows (what a person sees in Excel)."""
    from iekg.loaders.headers import cell_text

    return [n for n, r in enumerate(rows, 1) if any(cell_text(c).strip() for c in r)]


def read_changes(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """A table of changes (CSV in UTF-8 or GB18030, or a workbook's first sheet with rows) through the loaders'
    cell reader: the first non-empty row is the header (Chinese or English words, :data:`HEADERS`), each
    further non-empty row one change.  Returns the changes and where each is (``file 第 N 行``)."""
    from iekg.loaders.grid import read_grids
    from iekg.loaders.headers import canon, cell_text
    from iekg.loaders.limits import FileRejected

    try:
        sheets = read_grids(path)
    except (FileRejected, OSError, ValueError) as exc:
        raise ValueError(f"{path}：无法读取变动表 (cannot read the table of changes): {exc}") from None
    for sheet in sheets:
        rows = [[cell_text(c).strip() for c in r] for r in sheet.rows]
        rows = [r for r in rows if any(r)]
        if not rows:
            continue
        fields = []
        for h in rows[0]:
            key = (HEADERS.get(h) or HEADERS.get(canon(h))) if h else None
            if h and key is None:
                raise ValueError(f"{path}：不认识的列名「{h}」(unknown header)；可用：" + "、".join(sorted(set(HEADERS))))
            fields.append(key)
        return [{f: v for f, v in zip(fields, r, strict=False) if f and v} for r in rows[1:]], \
            [f"{path.name} 第 {n} 行" for n in _row_numbers(sheet.rows)[1:]]
    raise ValueError(f"{path}：变动表是空的 (the table of changes is empty)")


class _Order(dict[str, int]):
    def get_order(self, field: str) -> tuple[int, str]:
        return (self.get(field, len(self)), field)


# a change's fields in the order people read them (a stored scenario keeps its keys sorted)
_FIELD_ORDER = _Order({f: k for k, f in enumerate(
    ("institution", "major", "city", "industry", "enterprise", "name", "graduates", "enrollment", "headcount",
     "type", "status", "since", "level", "base_kind", "industries"))})


def _draw_doc(doc: dict[str, Any]) -> None:
    sc = doc.get("scope") or {}
    where = sc.get("city") or sc.get("province") or "、".join(sc.get("cities") or [])
    out.print(safe_text(f"情景 scenario「{doc['name']}」：范围 {where}，年份 {doc.get('year') or '最新'}"
                   + (f"，目标年 {doc['target_year']}" if doc.get("target_year") else "")
                   + (f"；{doc['note']}" if doc.get("note") else ""), "bold"))
    t = RichTable(title=f"变动 changes（{len(doc.get('changes') or [])} 项）")
    for c in ("#", "变动 kind", "内容 detail"):
        t.add_column(c, overflow="fold")
    for k, c in enumerate(doc.get("changes") or [], 1):
        fields = sorted((f for f in c if f != "kind" and c[f] not in (None, [])), key=_FIELD_ORDER.get_order)
        t.add_row(str(k), c["kind"], "；".join(f"{f}={c[f]}" for f in fields))
    out.print(t)


@scenario_app.command("new")
def new(
    name: str = typer.Argument(..., help="the scenario's name"),
    city: str | None = typer.Option(None, "--city", help="the scope: one city code"),
    province: str | None = typer.Option(None, "--province", help="the scope: a province code"),
    cities: list[str] = typer.Option([], "--cities", help="the scope: several cities (repeat)"),
    year: int | None = typer.Option(None, "--year", min=2000, max=2100, help="the data year changed (default: latest)"),
    target_year: int | None = typer.Option(None, "--target-year", min=2000, max=2100,
                                           help="evaluate against the projection for this year"),
    note: str | None = typer.Option(None, "--note", help="a note"),
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
) -> None:
    """A new, empty scenario for one scope (kept beside the graph; the graph is not changed)."""
    store = open_store()
    with answers():
        answer = service.scenario_new(store, name, city=city, province=province, cities=cities or None, year=year,
                                      target_year=target_year, note=note)
    render(answer.data, fmt, lambda: _draw_doc(answer.data))


@scenario_app.command("add")
def add(
    name: str = typer.Argument(..., help="the scenario"),
    add_program: list[str] = typer.Option([], "--add-program", help="INST MAJOR: a new program (with --graduates / "
                                          "--enrollment); institution and major by id/code or name", metavar="INST,MAJOR"),
    set_program: list[str] = typer.Option([], "--set-program", help="INST MAJOR: new figures of an offered program",
                                          metavar="INST,MAJOR"),
    close_program: list[str] = typer.Option([], "--close-program", help="INST MAJOR: the program stops",
                                            metavar="INST,MAJOR"),
    graduates: list[str] = typer.Option([], "--graduates", help="graduates of the program before it (150, 150人)"),
    enrollment: list[str] = typer.Option([], "--enrollment", help="enrolment of the program before it"),
    demand: list[str] = typer.Option([], "--demand", help="CITY INDUSTRY N: more demand (codes or names)",
                                     metavar="CITY,INDUSTRY,N"),
    cooperation: list[str] = typer.Option([], "--cooperation", help="INST ENT: a school–enterprise cooperation",
                                          metavar="INST,ENT"),
    coop_type: str | None = typer.Option(None, "--type", help="the cooperations' type (合作类型, e.g. 订单班)"),
    training_base: list[str] = typer.Option([], "--training-base", help="CITY NAME: a training base",
                                            metavar="CITY,NAME"),
    level: str | None = typer.Option(None, "--level", help="the training bases' level (级别: 市级, 省级, 国家级)"),
    file: Path | None = typer.Option(None, "--file", help="a table of changes (CSV or xlsx, Chinese headers: "
                                     "变动类型, 院校, 专业, 毕业生数, 在校生数, 城市, 行业, 需求人数, 企业, 名称, 级别 …)"),
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
) -> None:
    """Add changes to a scenario — every problem is reported at once and nothing is saved on a problem.

    Options of several values take them as one, separated by commas: ``--add-program 开封大学,食品检验检测技术
    --graduates 150``; the n-th ``--graduates`` / ``--enrollment`` goes with the n-th --add-program, then the
    --set-program ones, in order."""
    changes: list[dict[str, Any]] = []
    figures = iter(zip(graduates + [None] * 99, enrollment + [None] * 99, strict=False))
    for kind, items in (("add_program", add_program), ("set_program", set_program)):
        for pair in _pairs(items, 2, f"--{kind.replace('_', '-')}"):
            g, e = next(figures)
            changes.append({"kind": kind, "institution": pair[0], "major": pair[1], "graduates": g, "enrollment": e})
    for pair in _pairs(close_program, 2, "--close-program"):
        changes.append({"kind": "close_program", "institution": pair[0], "major": pair[1]})
    for c, ind, n in _pairs(demand, 3, "--demand"):
        changes.append({"kind": "add_demand", "city": c, "industry": ind, "headcount": n})
    for inst, ent in _pairs(cooperation, 2, "--cooperation"):
        changes.append({"kind": "add_cooperation", "institution": inst, "enterprise": ent, "type": coop_type})
    for c, base_name in _pairs(training_base, 2, "--training-base"):
        changes.append({"kind": "add_training_base", "city": c, "name": base_name, "level": level})
    store = open_store()
    where = [""] * len(changes)  # a change given by options is named by its number alone
    with answers():
        if file is not None:
            more, rows = read_changes(file)
            changes += more
            where += rows
        answer = _add(store, name, changes, where)
    render(answer.data, fmt, lambda: _draw_doc(answer.data))


def _add(store: Any, name: str, changes: list[dict[str, Any]], origins: list[str]) -> service.Answer:
    try:
        return service.scenario_add(store, name, [{k: v for k, v in c.items() if v is not None} for c in changes])
    except service.ScenarioError as exc:
        err.print(Text(f"情景有 {len(exc.problems)} 处问题，未保存 (nothing saved):", "red"))
        for p in exc.problems:
            k = p.get("change")
            where = (f"第 {k} 项（{origins[k - 1]}）" if isinstance(k, int) and 0 < k <= len(origins) and origins[k - 1]
                     else f"第 {k} 项" if k else "情景")
            err.print(safe_text(f"  {where} {p['field']}「{p['value']}」：{p['message']} → {p['fix']}", "red"))
        raise typer.Exit(1) from None


def _pairs(values: list[str], n: int, option: str) -> list[tuple[str, ...]]:
    """An option of several values is one value: ``INST,MAJOR`` (or ``"INST MAJOR"`` quoted), split here into
    ``n`` parts — the last part keeps any further comma (``开封,13,1,200``: 1,200 people)."""
    out: list[tuple[str, ...]] = []
    for v in values:
        sep = "," if "," in v.replace("，", ",") else None
        parts = [p.strip() for p in v.replace("，", ",").split(sep, n - 1)] if sep else v.split(None, n - 1)
        if len(parts) != n:
            raise typer.BadParameter(f"{option} 需要 {n} 个值，用空格或逗号分开 (takes {n} values): {v!r}")
        out.append(tuple(parts))
    return out


@scenario_app.command("show")
def show(
    name: str = typer.Argument(..., help="the scenario"),
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
    output: Path | None = output_option(),
) -> None:
    """A scenario beside the baseline: S, D, SAI, observed SAI, coverage, unmet demand, targets met, the
    industries that move."""
    store = open_store()
    with answers():
        answer = service.scenario_show(store, name)
    d = answer.data
    ev = d["evaluation"]

    def draw() -> None:
        _draw_doc(d["scenario"])
        t = RichTable(title=f"基线与情景 baseline vs scenario（{ev['scope_name']} {ev['year']}"
                            + (f"，目标年 {ev['target_year']}" if ev.get("target_year") else "") + "）")
        for c in ("指标 figure", "基线 baseline", "情景 scenario"):
            t.add_column(c)
        for k, label in FIGURES:
            if k in ev["baseline"]:
                t.add_row(label, figure_cell(ev["baseline"].get(k)), figure_cell(ev["scenario"].get(k)))
        out.print(t)
        _projection_line(ev)
        _draw_moved(ev["moved"])
        if ev.get("readiness_moved"):
            r = RichTable(title="准备度变化 readiness items that move")
            for c in ("指标 item", "基线 before", "情景 after", "达标 met"):
                r.add_column(c, overflow="fold")
            for i in ev["readiness_moved"]:
                r.add_row(str(i["name"]), figure_cell(i["value_before"]), figure_cell(i["value_after"]),
                          f"{_met(i['met_before'])} → {_met(i['met_after'])}")
            out.print(r)
        illustrative_line(answer)

    render(d, fmt, draw, take=takeaway("scenario_show", answer, store), output=output)


def _met(v: Any) -> str:
    return "—" if v is None else ("是" if v else "否")


def _projection_line(ev: dict[str, Any]) -> None:
    """The line that says the figures are a target year's projection, and how it was made."""
    if not ev.get("projection"):
        return
    info = ev.get("projection_info") or {}
    out.print(Text(f"以上为 {ev.get('target_year')} 年的预测值，基于 {info.get('base_year') or ev.get('year')} 年的数据。"
                   + (info.get("note") or "预测 projection：不是统计数据 (projected, not observed)"), "bold yellow"))


def _draw_moved(moved: list[dict[str, Any]]) -> None:
    if not moved:
        out.print(Text("没有行业变动 (no industry moves)", "dim"))
        return
    t = RichTable(title=f"变动的行业 industries that move（{len(moved)}）")
    for c in ("行业 industry", "供给 supply", "需求 demand", "状态 status"):
        t.add_column(c, overflow="fold")
    for m in moved:
        t.add_row(f"{m['name']} {m['code']}", f"{figure_cell(m['supply_before'], 1)} → {figure_cell(m['supply_after'], 1)}",
                  f"{figure_cell(m['demand_before'], 1)} → {figure_cell(m['demand_after'], 1)}",
                  f"{STATUS.get(str(m['status_before']), m['status_before'])} → "
                  f"{STATUS.get(str(m['status_after']), m['status_after'])}")
    out.print(t)


@scenario_app.command("compare")
def compare(
    names: list[str] = typer.Argument(..., help="the scenarios (one scope and year)"),
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
    output: Path | None = output_option(),
) -> None:
    """The baseline and each scenario side by side."""
    store = open_store()
    with answers():
        answer = service.scenario_compare(store, names)
    d = answer.data

    def draw() -> None:
        t = RichTable(title=f"情景比较 scenarios（{d['scope_name']} {d['year']}"
                            + (f"，目标年 {d['target_year']}" if d.get("target_year") else "") + "）")
        t.add_column("指标 figure")
        t.add_column("基线 baseline")
        for s in d["scenarios"]:
            t.add_column(str(s["name"]), overflow="fold")
        for k, label in FIGURES:
            if k in d["baseline"]:
                t.add_row(label, figure_cell(d["baseline"].get(k)), *(figure_cell(s["figures"].get(k)) for s in d["scenarios"]))
        out.print(t)
        _projection_line(d)
        illustrative_line(answer)

    render(d, fmt, draw, take=takeaway("scenario_compare", answer, store), output=output)


@scenario_app.command("list")
def list_(fmt: Fmt = typer.Option(Fmt.table, "--format")) -> None:
    """Every scenario kept beside the graph."""
    store = open_store()
    answer = service.scenario_list(store)
    rows = answer.data["scenarios"]

    def draw() -> None:
        if not rows:
            out.print(Text("还没有情景：iekg scenario new NAME --city CODE (no scenarios yet)", "yellow"))
            return
        t = RichTable(title=f"情景 scenarios（{len(rows)}）")
        for c in ("名称 name", "范围 scope", "年份 year", "变动 changes", "来源 origin", "更新 updated", "说明 note"):
            t.add_column(c, overflow="fold")
        for r in rows:
            sc = r["scope"] or {}
            t.add_row(r["name"], str(sc.get("city") or sc.get("province") or "、".join(sc.get("cities") or [])),
                      str(r["year"] or "最新") + (f" → {r['target_year']}" if r.get("target_year") else ""),
                      str(r["changes"]), str(r["origin"]), str(r["updated"]), r["note"] or "")
        out.print(t)

    render(answer.data, fmt, draw)


@scenario_app.command("delete")
def delete(name: str = typer.Argument(..., help="the scenario")) -> None:
    """Forget a scenario (the graph is not changed)."""
    store = open_store()
    with answers():
        service.scenario_delete(store, name)
    err.print(safe_text(f"已删除情景「{name}」(deleted)", "green"))
