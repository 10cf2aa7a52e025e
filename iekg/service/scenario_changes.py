"""The changes of a what-if scenario (issue 23 item 2): their vocabulary and their checks.

A scenario's changes are given in the import's vocabulary — an institution by its 学校标识码 or its name, a major
by its code or its catalogue name, a city or an industry by code or name, numbers as people write them (``150``,
``１５０``, ``1,200``, ``150人``) — and :func:`resolve_changes` checks them as the import checks its rows: every problem at
once (change number, field, value and the fix, in a :class:`ScenarioError`), and the changes with ids and codes
when there is none.  :mod:`iekg.service.scenarios` keeps, evaluates and compares the scenarios.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from iekg.graph.store import Store

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




class Problems:
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


def free_text(v: Any) -> str | None:
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


def resolve_changes(store: Store, scope_cities: Sequence[str], changes: Sequence[Mapping[str, Any]],
             first: int = 1) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The changes in ids and codes, and every problem."""
    from iekg.loaders import values

    cat = _Catalogue(store)
    bad = Problems()
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
