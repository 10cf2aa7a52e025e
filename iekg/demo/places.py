"""The demo generator's state and the places it generates: focus chains, institutions, enterprises, programs.

Part of the demo generator (:mod:`iekg.demo.generate`); programs use the library's own rules (durations,
volume: :mod:`iekg.queries.supply`)."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from pathlib import Path

from iekg.demo.sources import (
    Dataset,
    Enterprise,
    Institution,
    Major,
    Reference,
    _clamp,
    _columns,
    _cum,
    _rate,
    _rng,
    _weighted,
    load_institutions,
    load_majors,
)
from iekg.demo.vocabulary import (
    BRANDS,
    CITY_CHAIN_HINTS,
    CITY_CODES,
    CITY_SHORT,
    COMMON_MAJORS,
    ENTERPRISES_PER_CITY,
    INDUSTRY_NOUN,
    INDUSTRY_SHORT,
    LOCAL_STAY,
    NO,
    OTHER_INDUSTRIES,
    RARE_CATEGORIES,
    RARE_NAME_TOKENS,
    SRC_HEI,
    THEMES,
    UG_PRIOR,
    VOC_PRIOR,
    YEARS,
    YES,
    ZHENGZHOU,
)
from iekg.queries.supply import DURATION  # the library's own rules: years of study, volume


class _Places:
    """The generator's state and its common pieces, and the places: focus chains, institutions, enterprises,
    programs."""

    def __init__(self, seed: int, scale: int, public_dir: Path, ref: Reference) -> None:
        self.seed, self.scale, self.ref = seed, scale, ref
        self.public_dir = public_dir
        self.src = f"iekg demo generator (seed={seed}, scale={scale}) — 示意数据, not real"
        self.majors = {m.code: m for m in load_majors(public_dir)
                       if not ref.categories or m.category_code in ref.categories}
        self.pool: dict[str, list[Major]] = defaultdict(list)
        for m in self.majors.values():
            self.pool[m.level].append(m)
        self.out = Dataset()
        self._cols: dict[str, tuple[str, ...]] = {}
        self.used_majors: set[str] = set()
        self.institutions: list[Institution] = []
        self.enterprises: list[Enterprise] = []
        self.focus: dict[str, list[tuple[str, str]]] = {}  # city → [(chain id, level)]
        self.program_rows: list[dict[str, str]] = []

    # ------------------------------------------------------------------------------ common pieces
    def rng(self, part: str) -> random.Random:
        return _rng(self.seed, self.scale, part)

    def add(self, table: str, row: dict[str, str], illustrative: bool = True,
            source: str | None = None) -> None:
        cols = self._cols.get(table)
        if cols is None:
            cols = self._cols[table] = _columns(table)[:-2]
        provenance = (source if source is not None else self.src, YES if illustrative else NO)
        self.out.rows[table].append(tuple(row.get(c, "") for c in cols) + provenance)

    def major_weights(self, code: str) -> dict[str, float]:
        if code in self.ref.cw_major:
            return self.ref.cw_major[code]
        return self.ref.cw_category.get(self.majors[code].category_code, {})

    def short_industry(self, code: str) -> str:
        if code in INDUSTRY_SHORT:
            return INDUSTRY_SHORT[code]
        name = self.ref.industries.get(code, code)
        for token in ("制造业", "业", "和", "及", "、", "其他"):
            name = name.replace(token, "")
        return name[:6] or code

    # --------------------------------------------------------------------------------- city focus
    def gen_city_focus(self) -> None:
        rng = self.rng("city_focus")
        chain_ids = sorted(c for c in self.ref.chains if c in self.ref.segments)
        for city in CITY_CODES:
            hints = CITY_CHAIN_HINTS.get(city, ())
            scored = []
            for cid in chain_ids:
                text = "".join(self.ref.chains[cid])
                score = sum(len(hints) - i for i, h in enumerate(hints) if h in text)
                scored.append((-(score + rng.random() * 2.5), cid))
            scored.sort()
            n = min(len(scored), rng.randint(2, 4))
            picked = []
            for rank, (_, cid) in enumerate(scored[:n]):
                level = "主导" if rank == 0 else ("重点" if rank < 3 else "培育")
                if rank == n - 1 and n >= 3 and rng.random() < 0.6:
                    level = "培育"
                picked.append((cid, level))
                chance = 0.7 if rank == 0 else (0.3 if rank == 1 else 0.0)
                integration = YES if rng.random() < chance else NO
                self.add("city_focus", {"city_code": city, "chain_id": cid, "level": level,
                                        "integration_industry": integration})
            self.focus[city] = picked

    def focus_industries(self, city: str) -> set[str]:
        out: set[str] = set()
        for cid, _ in self.focus.get(city, []):
            for seg in self.ref.segments.get(cid, []):
                out.update(seg.industries)
        return out

    # ------------------------------------------------------------------------------ institutions
    def gen_institutions(self) -> None:
        real = load_institutions(self.public_dir)
        if len(real) < 60:
            raise ValueError(f"only {len(real)} Henan institutions in the 2025 list")
        rng = self.rng("institutions")
        synthetic = []
        n_synth = (self.scale - 1) * len(real)
        for k in range(1, n_synth + 1):
            model = real[rng.randrange(len(real))]
            ownership = "民办" if rng.random() < 0.3 else "公办"
            synthetic.append(Institution(f"99{k:08d}", f"示意院校{k:05d}（示意）", model.city, model.level,
                                         ownership, False, program_level=model.level))
        self.institutions = real + synthetic
        for inst in self.institutions:
            row = {"id": inst.id, "name": inst.name, "city_code": inst.city, "level": inst.level,
                   "ownership": inst.ownership}
            if inst.real:
                self.add("institutions", row, illustrative=False, source=SRC_HEI)
            else:
                self.add("institutions", row)

    # ------------------------------------------------------------------------------- enterprises
    def gen_enterprises(self) -> None:
        rng = self.rng("enterprises")
        other_codes = [c for c, _ in OTHER_INDUSTRIES if c in self.ref.industries]
        other_weights = [w for c, w in OTHER_INDUSTRIES if c in self.ref.industries]
        names: set[str] = set()
        for city in CITY_CODES:
            n = ENTERPRISES_PER_CITY[city] * self.scale
            focus = [(cid, lvl) for cid, lvl in self.focus.get(city, []) if self.ref.segments.get(cid)]
            ents: list[Enterprise] = []
            for k in range(1, n + 1):
                eid = f"DEMO-{city}-E{k:04d}" if k < 10000 else f"DEMO-{city}-E{k:06d}"
                employees = int(_clamp(rng.lognormvariate(math.log(260), 0.9), 20, 8000))
                ent = Enterprise(eid, "", city, "", employees)
                if focus and (rng.random() < 0.78 or not other_codes):
                    cid = _weighted(rng, [c for c, _ in focus],
                                    [{"主导": 3.0, "重点": 2.0, "培育": 1.0}[lvl] for _, lvl in focus])
                    seg = rng.choice(self.ref.segments[cid])
                    ent.chain_id, ent.segment_id, ent.industry = cid, seg.id, rng.choice(seg.industries)
                    ent.chain_role = "配套"
                else:
                    ent.industry = _weighted(rng, other_codes, other_weights)
                ents.append(ent)
            # one 链主 per (city, chain): the largest enterprise, made a large one
            by_chain: dict[str, list[Enterprise]] = defaultdict(list)
            for e in ents:
                if e.chain_id:
                    by_chain[e.chain_id].append(e)
            levels = dict(focus)
            for cid in sorted(by_chain):
                members = by_chain[cid]
                n_leaders = len(members) // 12 or (1 if levels.get(cid) == "主导" else 0)
                for lead in sorted(members, key=lambda e: (-e.employees, e.id))[:n_leaders]:
                    lead.chain_role = "链主"
                    lead.employees = max(lead.employees, rng.randint(3000, 20000))
            for e in ents:
                r = rng.random()
                if e.chain_role == "链主":
                    r *= 0.35
                if r < 0.015:
                    e.iei_level, e.iei_year = "国家级", str(rng.randint(2019, 2023))
                elif r < 0.10:
                    e.iei_level, e.iei_year = "省级", str(rng.randint(2020, 2024))
                elif r < 0.20:
                    e.iei_level, e.iei_year = "省级培育", str(rng.randint(2021, 2024))
                elif r < 0.26:
                    e.iei_level, e.iei_year = "市级", str(rng.randint(2019, 2024))
                e.name = self._enterprise_name(rng, e, names)
            self.enterprises.extend(ents)
        for e in self.enterprises:
            self.add("enterprises", {
                "id": e.id, "name": e.name, "city_code": e.city, "industry_code": e.industry,
                "employees": str(e.employees), "iei_level": e.iei_level, "iei_year": e.iei_year,
                "segment_id": e.segment_id, "chain_role": e.chain_role,
            })

    def _enterprise_name(self, rng: random.Random, e: Enterprise, names: set[str]) -> str:
        nouns = INDUSTRY_NOUN.get(e.industry) or (self.short_industry(e.industry),)
        suffix = "集团有限公司" if e.chain_role == "链主" else ("股份有限公司" if rng.random() < 0.2 else "有限公司")
        for _ in range(30):
            name = f"{CITY_SHORT[e.city]}{rng.choice(BRANDS)}{rng.choice(nouns)}{suffix}（示意）"
            if name not in names:
                break
        else:
            name = f"{CITY_SHORT[e.city]}{rng.choice(BRANDS)}{rng.choice(nouns)}{e.id[-4:]}{suffix}（示意）"
        names.add(name)
        return name

    # --------------------------------------------------------------------------------- programs
    def _pool_for(self, inst: Institution) -> list[tuple[Major, float]]:
        """The majors an institution may offer, with selection weights."""
        if inst.program_level == "本科":
            majors, prior, div_len = self.pool["本科"], UG_PRIOR, 2
        elif inst.program_level == "职业本科":
            majors, prior, div_len = self.pool["职业本科"], {f"{int(k) - 20}": v for k, v in VOC_PRIOR.items()}, 2
        else:
            majors, prior, div_len = self.pool["高职专科"], VOC_PRIOR, 2
        cats_in_div: dict[str, set[str]] = defaultdict(set)
        per_cat: dict[str, int] = defaultdict(int)
        for m in majors:
            cats_in_div[m.code[:div_len]].add(m.category_code)
            per_cat[m.category_code] += 1
        div_norm = {d: sum(math.sqrt(per_cat[c]) for c in cats) for d, cats in cats_in_div.items()}
        focus = self.focus_industries(inst.city)
        out = []
        for m in majors:
            div = m.code[:div_len]
            # a division's weight is shared by its categories in proportion to √(majors in the category)
            w = prior.get(div, 0.3) / div_norm[div] / math.sqrt(per_cat[m.category_code])
            common = m.name in COMMON_MAJORS
            if common:
                w *= 5.0
            elif (m.category_code.startswith(RARE_CATEGORIES) or m.category_code == "0502"
                  or any(t in m.name for t in RARE_NAME_TOKENS)):
                w *= 0.05
            elif m.code.endswith("K"):
                w *= 0.1
            elif m.code[6:].startswith("T"):
                w *= 0.6
            if focus and any(i in focus and x >= 0.2 for i, x in self.major_weights(m.code).items()):
                w *= 2.0
            out.append((m, w))
        return out

    def _theme_match(self, inst: Institution, m: Major) -> bool:
        for t in inst.themes:
            _, voc, ug = THEMES[t]
            if m.level == "本科":
                prefixes = ug
            elif m.level == "职业本科":
                prefixes = tuple(f"{int(p[:2]) - 20}{p[2:]}" for p in voc)
            else:
                prefixes = voc
            if m.code.startswith(prefixes):
                return True
        return False

    def gen_programs(self) -> None:
        rng = self.rng("programs")
        pool_cache: dict[tuple[str, str, tuple[str, ...]], tuple[list[Major], list[float], list[float]]] = {}
        voc_for_vocbachelor = self._pool_for(Institution("", "", ZHENGZHOU, "高职专科", "", False,
                                                         program_level="高职专科"))
        for inst in self.institutions:
            key = (inst.program_level, inst.city, inst.themes)
            if key not in pool_cache:
                pool = self._pool_for(inst)
                themed = [w if self._theme_match(inst, m) else 0.0 for m, w in pool]
                plain = [w for _, w in pool]
                pool_cache[key] = ([m for m, _ in pool], list(_cum(themed)), list(_cum(plain)))
            population, cum_themed, cum_plain = pool_cache[key]
            n = rng.randint(15, 30)
            chosen: list[str] = []
            seen: set[str] = set()
            share_themed = rng.uniform(0.55, 0.75) if inst.themes and cum_themed[-1] > 0 else 0.0
            n_voc = rng.randint(2, 5) if inst.program_level == "职业本科" else 0
            attempts = 0
            while len(chosen) < n and attempts < n * 20:
                attempts += 1
                if n_voc and len(chosen) >= n - n_voc:
                    m = rng.choices([x for x, _ in voc_for_vocbachelor],
                                    cum_weights=self._voc_cum(voc_for_vocbachelor), k=1)[0]
                else:
                    cum = cum_themed if rng.random() < share_themed else cum_plain
                    m = rng.choices(population, cum_weights=cum, k=1)[0]
                if m.code not in seen:
                    seen.add(m.code)
                    chosen.append(m.code)
            chosen.sort()
            y0, y1 = YEARS
            dropped = set(rng.sample(chosen, k=min(len(chosen) - 1, rng.randint(0, 1))))
            added: list[str] = []
            for _ in range(rng.randint(0, 2)):
                m = rng.choices(population, cum_weights=cum_themed if share_themed else cum_plain, k=1)[0]
                if m.code not in seen:
                    seen.add(m.code)
                    added.append(m.code)
            if inst.first_year > y0:  # founded after the 2024 list: a first cohort in every major
                inst.majors = {y1: chosen}
                added = chosen
            else:
                inst.majors = {y0: chosen, y1: sorted([c for c in chosen if c not in dropped] + added)}
            self._program_rows(rng, inst, set(added))
        self.program_rows.sort(key=lambda r: (r["institution_id"], r["major_code"], r["year"]))
        for row in self.program_rows:
            self.add("programs", row)
            self.used_majors.add(row["major_code"])

    _voc_cum_cache: list[float] | None = None

    def _voc_cum(self, pool: list[tuple[Major, float]]) -> list[float]:
        if self._voc_cum_cache is None:
            self._voc_cum_cache = list(_cum([w for _, w in pool]))
        return self._voc_cum_cache

    def _program_rows(self, rng: random.Random, inst: Institution, new_in_last_year: set[str]) -> None:
        y0, y1 = YEARS
        if inst.program_level == "本科":
            median = 520 if inst.name.endswith("大学") else 360
        elif inst.program_level == "职业本科":
            median = 400
        else:
            median = 300
        stay = LOCAL_STAY.get(inst.city, 0.36)
        all_codes = sorted({c for codes in inst.majors.values() for c in codes})
        # 专业群: vocational categories with at least three majors, named after their first major
        groups: dict[str, str] = {}
        if inst.program_level != "本科":
            by_cat: dict[str, list[str]] = defaultdict(list)
            for c in all_codes:
                by_cat[self.majors[c].category_code].append(c)
            for codes in by_cat.values():
                if len(codes) >= 3:
                    for c in codes:
                        groups[c] = f"{self.majors[codes[0]].name}专业群"
        supply: dict[str, float] = defaultdict(float)
        for code in all_codes:
            m = self.majors[code]
            duration = DURATION[m.level]
            base = _clamp(rng.lognormvariate(math.log(median), 0.6), 40, 3000)
            themed_bonus = 1.3 if self._theme_match(inst, m) else 1.0
            leading = YES if rng.random() < (0.06 if themed_bonus > 1 else 0.025) else NO
            emp_rate = _clamp(rng.gauss(0.88 + (0.03 if leading == YES else 0.0), 0.05), 0.6, 0.99)
            local_rate = _clamp(rng.gauss(stay, 0.1), 0.05, 0.95)
            enrollment = base * themed_bonus
            for year in YEARS:
                if code not in inst.majors.get(year, ()):
                    continue
                if year == y1:
                    enrollment *= rng.uniform(0.92, 1.12)
                new = year == y1 and code in new_in_last_year
                enr = round(enrollment / duration) if new else round(enrollment)
                grads = "" if new else str(round(enr / duration * rng.uniform(0.85, 1.05)))
                er = _rate(_clamp(emp_rate + rng.gauss(0, 0.015), 0.5, 0.99))
                lr = _rate(_clamp(local_rate + rng.gauss(0, 0.02), 0.02, 0.98))
                if new:  # no graduates yet, so no employment figures
                    er = lr = ""
                self.program_rows.append({
                    "institution_id": inst.id, "major_code": code, "year": str(year), "enrollment": str(enr),
                    "graduates": grads, "employment_rate": er, "local_employment_rate": lr,
                    "leading": leading, "group": groups.get(code, ""),
                })
                if year == y1:
                    for ind, w in self.major_weights(code).items():
                        supply[ind] += enr * w
        inst.industries = [i for i, _ in sorted(supply.items(), key=lambda kv: (-kv[1], kv[0]))]
