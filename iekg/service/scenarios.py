"""Named what-if scenarios (issue 23 item 2): stored sets of changes laid over the graph without changing it.

A scenario is a document kept by the store beside the graph (``Store.save_scenario``; never graph content: the
graph, its version and its sums stay as they were, and scenarios survive ``iekg build``).  Its changes are
given in the import's vocabulary — an institution by its 学校标识码 or its name, a major by its code or its
catalogue name, a city or an industry by code or name, numbers as people write them (``150``, ``１５０``,
``1,200``, ``150人``) — checked as the import checks its rows, every problem at once (change number, field,
value and the fix), nothing saved on a problem, and stored with ids and codes.

:func:`scenario_show` evaluates one: the baseline and the scenario side by side (S, D, SAI, observed SAI,
chain coverage, unmet demand, cooperating enterprises, readiness targets met for a one-city scope, the
industries that move and the readiness items that move), through the overlay of :mod:`iekg.plan.scenario`.
"""

from __future__ import annotations

import difflib
import getpass
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from iekg.graph.store import Store
from iekg.service.arguments import ArgumentError
from iekg.service.provenance import Answer, answer

KINDS = ("add_program", "set_program", "close_program", "add_demand", "add_cooperation", "add_training_base")
KIND_ZH = {"add_program": "新增专业点", "set_program": "调整专业点人数", "close_program": "撤销专业点",
           "add_demand": "新增需求", "add_cooperation": "新增校企合作", "add_training_base": "新增实训基地"}
# everyday words for a kind (a table of changes: 变动类型 column)
KIND_WORDS = {**{k: k for k in KINDS}, **{v: k for k, v in KIND_ZH.items()},
              "新增专业": "add_program", "增设专业": "add_program", "新设专业": "add_program", "开设": "add_program",
              "调整专业": "set_program", "调整": "set_program", "修改": "set_program", "扩招": "set_program",
              "撤销专业": "close_program", "撤销": "close_program", "停招": "close_program", "关闭": "close_program",
              "需求": "add_demand", "增加需求": "add_demand", "新增合作": "add_cooperation", "合作": "add_cooperation",
              "校企合作": "add_cooperation", "实训基地": "add_training_base", "新增基地": "add_training_base"}
FIELDS = {"add_program": ("institution", "major", "graduates", "enrollment"),
          "set_program": ("institution", "major", "graduates", "enrollment"),
          "close_program": ("institution", "major"),
          "add_demand": ("city", "industry", "major", "headcount"),
          "add_cooperation": ("institution", "enterprise", "year", "type", "status"),
          "add_training_base": ("city", "name", "level", "base_kind", "enterprise", "institution", "industries")}
FIELD_ZH = {"kind": "变动类型", "institution": "院校", "major": "专业", "graduates": "毕业生数", "enrollment": "在校生数",
            "city": "城市", "industry": "行业", "headcount": "需求人数", "enterprise": "企业", "year": "起始年份",
            "type": "合作类型", "status": "状态", "name": "名称", "level": "级别", "base_kind": "基地类型",
            "industries": "服务行业"}
MAX_PEOPLE = 100_000  # one program's graduates or enrolment, one city's added demand for one industry
NAME_RE = re.compile(r"^[^\x00-\x1f/\\?#%]{1,80}$")


class ScenarioError(ValueError):
    """The problems of a scenario's changes, all of them (nothing was saved).

    Parameters
    ----------
    problems : list of dict
        Each: ``change`` (1-based number, None for the document), ``field``, ``value``, ``message``, ``fix``.
    """

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        self.problems = problems
        lines = [f"第 {p['change']} 项" if p.get("change") else "情景" for p in problems]
        text = "；".join(f"{where} {FIELD_ZH.get(str(p['field']), p['field'])}「{p['value']}」：{p['message']} → {p['fix']}"
                        for where, p in zip(lines, problems, strict=True))
        super().__init__(f"情景有 {len(problems)} 处问题，未保存 ({len(problems)} problem(s), nothing saved)：{text}")


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
class _Problems:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, change: int | None, fld: str, value: Any, message: str, fix: str) -> None:
        self.items.append({"change": change, "field": fld, "value": "" if value is None else str(value),
                           "message": message, "fix": fix})


def _people(raw: Any) -> int:
    """A count of people as people write it: 150, １５０, 1,200, 150人, 150.0 (the import's count parser, after the
    unit word)."""
    from iekg.loaders import values

    if isinstance(raw, bool):
        raise values.Invalid(f"应为人数，实为 '{raw}'", "填写非负整数，如 150")
    if isinstance(raw, int):
        text = str(raw)
    elif isinstance(raw, float):
        text = str(int(raw)) if raw.is_integer() else str(raw)
    else:
        text = values.clean(str(raw))
        text = re.sub(r"\s*(人|名|个|人次)$", "", text)
    n = values.count(text)
    if n > MAX_PEOPLE:
        raise values.Invalid(f"{n} 人超过合理范围 (more than {MAX_PEOPLE:,})", f"填写不超过 {MAX_PEOPLE:,} 的人数")
    return n


def _free_text(v: Any) -> str | None:
    """A note as written (trimmed): free text keeps its full-width punctuation, unlike names and codes."""
    s = "" if v is None else str(v).strip()
    return s or None


def _text(v: Any) -> str | None:
    if v is None:
        return None
    from iekg.loaders import values

    s = values.clean(str(v))
    return s or None


class _Catalogue:
    """The graph's names and ids, read once per validation (institutions, majors, cities, industries,
    enterprises by name only when one is asked by name)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._frames: dict[str, Any] = {}

    def frame(self, label: str, props: tuple[str, ...] = ("name",)) -> Any:
        if label not in self._frames:
            self._frames[label] = self.store.node_frame(label, list(props))
        return self._frames[label]

    def find(self, label: str, raw: str, *, parse: Any = None, props: tuple[str, ...] = ("name",),
             prefer: Any = None) -> tuple[str | None, str]:
        """(id, problem) of ``raw``: an id (parsed by the import's ``parse`` when given) that exists, else an
        exact name (folded like the import folds text); the problem says why not and what is near."""
        from iekg.loaders import values
        from iekg.loaders.vocab import norm

        s = values.clean(raw)
        ident = s
        if parse is not None:
            try:
                got = parse(s)
                ident = got.value if isinstance(got, values.Repaired) else got
            except values.Invalid:
                ident = s
        if self.store.get(f"{label}:{ident}") is not None:
            return str(ident), ""
        f = self.frame(label, props)
        names = f["name"].astype(str)
        hit = f[(names == s) | (names.map(norm) == norm(s))]
        if len(hit) > 1 and prefer is not None:
            hit = prefer(hit)
        if len(hit) == 1:
            return str(hit["id"].iloc[0]), ""
        if len(hit) > 1:
            return None, "同名有多个：" + "、".join(f"{i}" for i in hit["id"].head(5)) + "，请用编号"
        near = difflib.get_close_matches(s, list(names.unique()), n=3, cutoff=0.5)
        return None, "不在图谱中" + (f"，相近的有：{'、'.join(near)}" if near else "")


def _resolve(store: Store, scope_cities: Sequence[str], changes: Sequence[Mapping[str, Any]],
             first: int = 1) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The changes in ids and codes, and every problem."""
    from iekg.loaders import values

    cat = _Catalogue(store)
    bad = _Problems()
    out: list[dict[str, Any]] = []
    in_scope = set(scope_cities)
    inst_city: dict[str, str] = {}
    inst_level: dict[str, str] = {}

    def institution(n: int, raw: Any) -> str | None:
        if not _text(raw):
            bad.add(n, "institution", raw, "缺少院校", "填写学校标识码 (10 位) 或学校全称")
            return None
        got, why = cat.find("Institution", str(raw), parse=values.inst_id)
        if got is None:
            bad.add(n, "institution", raw, f"院校{why}", "填写学校标识码 (10 位) 或学校全称 (iekg search 可查)")
            return None
        loc = store.rel_frame("LOCATED_IN", src_label="Institution", dst_label="City", src_ids=[got])
        city = str(loc["dst"].iloc[0]) if len(loc) else ""
        inst_city[got] = city
        node = store.get(f"Institution:{got}")
        inst_level[got] = str((node.props if node else {}).get("level") or "")
        return got

    def major(n: int, raw: Any, inst: str | None) -> str | None:
        if not _text(raw):
            bad.add(n, "major", raw, "缺少专业", "填写专业代码 (如 080901) 或专业目录中的名称")
            return None

        def same_level(hit: Any) -> Any:
            lv = inst_level.get(inst or "")
            pick = hit[hit["level"] == lv] if lv else hit
            return pick if len(pick) else hit

        got, why = cat.find("Major", str(raw), parse=values.major_code, props=("name", "level"), prefer=same_level)
        if got is None:
            bad.add(n, "major", raw, f"专业{why}", "填写专业目录中的代码 (如 080901 或 460701) 或名称")
        return got

    def people(n: int, fld: str, raw: Any, need: bool) -> int | None:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if need:
                bad.add(n, fld, raw, "缺少人数", "填写非负整数，如 150")
            return None
        try:
            return _people(raw)
        except values.Invalid as exc:
            bad.add(n, fld, raw, exc.problem, exc.fix)
            return None

    def city(n: int, raw: Any) -> str | None:
        if not _text(raw):
            bad.add(n, "city", raw, "缺少城市", "填写 6 位城市代码 (如 410200) 或城市名称 (如 开封市)")
            return None
        got, why = cat.find("City", str(raw), parse=values.city_code)
        if got is None:
            got2, _ = cat.find("City", f"{values.clean(str(raw))}市")
            got = got2
        if got is None:
            bad.add(n, "city", raw, f"城市{why}", "填写 6 位城市代码 (如 410200) 或城市名称 (如 开封市)")
        elif got not in in_scope:
            bad.add(n, "city", raw, "城市不在本情景的范围内", "只能改变本情景范围内的城市，或新建一个包含它的情景")
            return None
        return got

    def enum(n: int, fld: str, vocab: str, raw: Any) -> str | None:
        if not _text(raw):
            return None
        try:
            got = values.enum(vocab)(str(raw))
        except values.Invalid as exc:
            bad.add(n, fld, raw, exc.problem, exc.fix)
            return None
        return str(got.value if isinstance(got, values.Repaired) else got)

    for n, ch in enumerate(changes, first):
        kind_raw = ch.get("kind")
        kind = KIND_WORDS.get(_text(kind_raw) or "")
        if kind is None:
            bad.add(n, "kind", kind_raw, "不认识的变动类型", "填写 " + "、".join(f"{k}（{KIND_ZH[k]}）" for k in KINDS))
            continue
        unknown = sorted(set(ch) - {"kind", *FIELDS[kind]})
        for u in unknown:
            bad.add(n, u, ch.get(u), f"{KIND_ZH[kind]}没有这一项", "可填：" + "、".join(
                f"{f}（{FIELD_ZH[f]}）" for f in FIELDS[kind]))
        item: dict[str, Any] = {"kind": kind}
        if kind in ("add_program", "set_program", "close_program"):
            inst = institution(n, ch.get("institution"))
            maj = major(n, ch.get("major"), inst)
            if inst and inst_city.get(inst) not in in_scope:
                bad.add(n, "institution", ch.get("institution"), "院校不在本情景的范围内",
                        "只能改变本情景范围内院校的专业点")
            item.update(institution=inst, major=maj)
            if kind != "close_program":
                g = people(n, "graduates", ch.get("graduates"), False)
                e = people(n, "enrollment", ch.get("enrollment"), False)
                if g is None and e is None and not any(p["change"] == n and p["field"] in ("graduates", "enrollment")
                                                       for p in bad.items):
                    bad.add(n, "graduates", None, "毕业生数和在校生数都没有填", "至少填写其一，如 --graduates 150")
                item.update(graduates=g, enrollment=e)
        elif kind == "add_demand":
            c = city(n, ch.get("city"))
            ind_raw, maj_raw = _text(ch.get("industry")), _text(ch.get("major"))
            if bool(ind_raw) == bool(maj_raw):
                bad.add(n, "industry", ind_raw or maj_raw, "行业和专业须填且只填其一",
                        "填写行业代码或名称 (如 13 或 农副食品加工业)，或一个专业")
            elif ind_raw:
                got, why = cat.find("Industry", ind_raw, parse=values.industry_code)
                if got is None:
                    bad.add(n, "industry", ind_raw, f"行业{why}", "填写国民经济行业分类代码 (GB/T 4754，如 13) 或名称")
                item["industry"] = got
            else:
                item["major"] = major(n, maj_raw, None)
            item.update(city=c, headcount=people(n, "headcount", ch.get("headcount"), True))
        elif kind == "add_cooperation":
            inst = institution(n, ch.get("institution"))
            ent_raw = ch.get("enterprise")
            ent = None
            if not _text(ent_raw):
                bad.add(n, "enterprise", ent_raw, "缺少企业", "填写统一社会信用代码或企业全称")
            else:
                ent, why = cat.find("Enterprise", str(ent_raw), parse=values.ent_id)
                if ent is None:
                    bad.add(n, "enterprise", ent_raw, f"企业{why}", "填写统一社会信用代码或企业全称 (先导入该企业)")
            if inst and inst_city.get(inst) not in in_scope:
                bad.add(n, "institution", ch.get("institution"), "院校不在本情景的范围内", "只能为本范围内的院校新增合作")
            year = None
            if _text(ch.get("year")):
                try:
                    year = values.year(str(ch.get("year")))
                except values.Invalid as exc:
                    bad.add(n, "year", ch.get("year"), exc.problem, exc.fix)
            item.update(institution=inst, enterprise=ent, year=year,
                        type=enum(n, "type", "cooperation_type", ch.get("type")),
                        status=enum(n, "status", "cooperation_status", ch.get("status")) or "进行中")
            if inst and ent:
                have = store.rel_frame("COOPERATES_WITH", ["type"], src_label="Institution", src_ids=[inst],
                                       dst_ids=[ent])
                types = {None if t != t else t for t in have["type"]} if len(have) else set()
                if item["type"] in types:
                    bad.add(n, "type", item["type"], "图谱中已有这项合作", "换一种合作类型，或不必在情景中新增")
        else:  # add_training_base
            c = city(n, ch.get("city"))
            name = _text(ch.get("name"))
            if not name:
                bad.add(n, "name", ch.get("name"), "缺少基地名称", "填写实训基地名称")
            op = None
            for fld, label, parse in (("institution", "Institution", values.inst_id),
                                      ("enterprise", "Enterprise", values.ent_id)):
                if _text(ch.get(fld)):
                    got, why = cat.find(label, str(ch.get(fld)), parse=parse)
                    if got is None:
                        bad.add(n, fld, ch.get(fld), f"{FIELD_ZH[fld]}{why}", "填写编号或全称，或不填")
                    elif op is not None:
                        bad.add(n, fld, ch.get(fld), "运营主体只能有一个", "院校和企业只填其一")
                    else:
                        op = (fld, got)
            inds: list[str] = []
            raw_inds = ch.get("industries") or []
            for r in (values.LIST_SEPARATORS.split(raw_inds) if isinstance(raw_inds, str) else raw_inds):
                if not _text(r):
                    continue
                got, why = cat.find("Industry", str(r), parse=values.industry_code)
                if got is None:
                    bad.add(n, "industries", r, f"行业{why}", "填写行业代码或名称，多个用、分隔")
                else:
                    inds.append(got)
            item.update(city=c, name=name, level=enum(n, "level", "base_level", ch.get("level")),
                        base_kind=enum(n, "base_kind", "training_base_kind", ch.get("base_kind")),
                        enterprise=op[1] if op and op[0] == "enterprise" else None,
                        institution=op[1] if op and op[0] == "institution" else None, industries=inds)
        out.append(item)
    return out, bad.items


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
    bad = _Problems()
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
    doc = _new_doc(name, scope, year, target_year, _free_text(note), who or _user())
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
    resolved, problems = _resolve(store, _cities(store, doc), changes, first)
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
    base = _new_doc(name, scope, doc.get("year"), doc.get("target_year"), _free_text(doc.get("note")),
                    doc.get("who") or _user(), str(doc.get("origin") or "manual"))
    old = store.scenario(name)
    if old is not None:
        base["created"] = old.get("created", base["created"])
    base["constraints"] = doc.get("constraints")
    raw = [{k: v for k, v in c.items() if v is not None and v != []} for c in (doc.get("changes") or [])]
    resolved, problems = _resolve(store, _cities(store, base), raw, 1)
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
    from iekg.plan.scenario import _figures_of, compare_figures, figures, target_overlay_sums
    from iekg.plan.target import target_sums
    from iekg.queries.alignment import alignment

    ov, sc = _overlay_of(store, doc)
    one = len(sc.cities) == 1
    info: dict[str, Any] = {"projection": False}
    target_year = doc.get("target_year")
    if target_year is not None and target_year != sc.year:
        b_sums, info = target_sums(store, sc, target_year)
        s_sums, ov = target_overlay_sums(store, sc, _changes(doc), target_year)
        before = _figures_of(store, sc, alignment(store, sc, sums=b_sums), readiness=False)
        after = _figures_of(ov, sc, alignment(ov, sc, sums=s_sums), readiness=False)
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
