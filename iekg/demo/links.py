"""What the demo generator adds between the places: zones, cooperations, training bases, platforms, alliances,
talent demand (shaped by the library's own ``volume``), employment, policies, Attachment 1 and 2.

Part of the demo generator (:mod:`iekg.demo.generate`)."""

from __future__ import annotations

from collections import defaultdict

from iekg.demo.places import _Places
from iekg.demo.sources import Enterprise, Institution, _weighted, load_zones
from iekg.demo.vocabulary import (
    ATTACHMENT_CITIES,
    CITED,
    CITY_ABBR,
    CITY_CODES,
    CITY_NAME,
    CITY_SHORT,
    COMMON_MAJORS,
    COOP_TYPE_WEIGHTS,
    DEADLINES,
    LUOYANG,
    MEASURES,
    POLICY_TITLES,
    PROBLEMS,
    RARE_NAME_TOKENS,
    SRC_ZONE,
    STUDENTS_RANGE,
    YEARS,
    ZHENGZHOU,
)
from iekg.loaders.tables import ENUMS
from iekg.queries.supply import DURATION, volume  # the library's own rules: years of study, volume


class _Links(_Places):
    """What joins the places: zones, cooperations, bases, platforms, alliances, demand, employment, policies,
    attachments, the majors table."""

    # ------------------------------------------------------------------------------------ zones
    def gen_zones(self) -> None:
        rng = self.rng("zones")
        for code, name, city, kind in load_zones(self.public_dir):
            self.add("zones", {"id": f"ZONE-{code}", "name": name, "city_code": city, "kind": kind},
                     illustrative=False, source=SRC_ZONE)
        for city in CITY_CODES:
            k = 0
            if rng.random() < 0.6 or city in (ZHENGZHOU, LUOYANG):
                k += 1
                self.add("zones", {"id": f"DEMO-ZONE-{city}-{k:02d}", "kind": "产教融合重点区域", "city_code": city,
                                   "name": f"{CITY_SHORT[city]}产教融合示范区（示意）"})
            if rng.random() < 0.45:
                k += 1
                self.add("zones", {"id": f"DEMO-ZONE-{city}-{k:02d}", "kind": "职教园区", "city_code": city,
                                   "name": f"{CITY_SHORT[city]}职教园区（示意）"})

    # ----------------------------------------------------------------------------- cooperations
    def _ent_index(self) -> tuple[dict[tuple[str, str], list[Enterprise]], dict[str, list[Enterprise]],
                                  dict[str, list[Enterprise]]]:
        by_city_ind: dict[tuple[str, str], list[Enterprise]] = defaultdict(list)
        by_city: dict[str, list[Enterprise]] = defaultdict(list)
        by_ind: dict[str, list[Enterprise]] = defaultdict(list)
        for e in self.enterprises:
            by_city_ind[(e.city, e.industry)].append(e)
            by_city[e.city].append(e)
            by_ind[e.industry].append(e)
        return by_city_ind, by_city, by_ind

    def gen_cooperations(self) -> None:
        rng = self.rng("cooperations")
        by_city_ind, by_city, by_ind = self._ent_index()
        types = list(COOP_TYPE_WEIGHTS)
        tweights = list(COOP_TYPE_WEIGHTS.values())
        for inst in self.institutions:
            k = rng.randint(2, 8) if inst.program_level != "本科" else rng.randint(1, 6)
            top = inst.industries[:6]
            done: set[tuple[str, str]] = set()
            for _ in range(k * 3):
                if len(done) >= k:
                    break
                r = rng.random()
                ent: Enterprise | None = None
                if top and r < 0.65:
                    cands = by_city_ind.get((inst.city, rng.choice(top)), [])
                    ent = rng.choice(cands) if cands else None
                elif r < 0.85:
                    cands = by_city.get(inst.city, [])
                    ent = rng.choice(cands) if cands else None
                elif top:
                    cands = by_ind.get(rng.choice(top), [])
                    ent = rng.choice(cands) if cands else None
                if ent is None:
                    continue
                ctype = _weighted(rng, types, tweights)
                if inst.program_level == "本科" and ctype in ("订单班", "现代学徒制") and rng.random() < 0.5:
                    ctype = "技术研发"
                if (ent.id, ctype) in done:
                    continue
                done.add((ent.id, ctype))
                since = rng.randint(2014, 2024)
                if since == 2024 and rng.random() < 0.4:
                    status = "筹建中"
                elif since <= 2019 and rng.random() < 0.35:
                    status = "已结束"
                else:
                    status = "进行中"
                lo, hi = STUDENTS_RANGE[ctype]
                self.add("cooperations", {
                    "institution_id": inst.id, "enterprise_id": ent.id, "type": ctype, "since": str(since),
                    "students": str(rng.randint(lo, hi)), "status": status,
                })

    # ---------------------------------------------------------------------------- training bases
    def _city_institutions(self) -> dict[str, list[Institution]]:
        out: dict[str, list[Institution]] = defaultdict(list)
        for inst in self.institutions:
            out[inst.city].append(inst)
        return out

    def gen_training_bases(self) -> None:
        rng = self.rng("training_bases")
        insts = self._city_institutions()
        _, by_city, _ = self._ent_index()
        kinds = list(ENUMS["training_base_kind"])
        for city in CITY_CODES:
            n = (2 + len([i for i in insts[city] if i.real]) // 8) * self.scale
            focus = sorted(self.focus_industries(city))
            for k in range(1, n + 1):
                if insts[city] and (rng.random() < 0.6 or not by_city[city]):
                    inst = rng.choice(insts[city])
                    operator_id = inst.id
                    inds = list(inst.industries[:3])
                    level_opts, level_w = ["国家级", "省级", "市级", "校级"], [0.03, 0.15, 0.35, 0.47]
                else:
                    ent = rng.choice(by_city[city])
                    operator_id = ent.id
                    inds = [ent.industry]
                    level_opts, level_w = ["国家级", "省级", "市级"], [0.03, 0.2, 0.77]
                if focus and rng.random() < 0.5:
                    inds.append(rng.choice(focus))
                inds = sorted(set(inds[: rng.randint(1, 3)] + inds[3:])) or [rng.choice(focus or ["65"])]
                kind = _weighted(rng, kinds, [0.3, 0.2, 0.3, 0.2])
                level = _weighted(rng, level_opts, level_w)
                self.add("training_bases", {
                    "id": f"DEMO-TB-{city}-{k:03d}",
                    "name": f"{CITY_SHORT[city]}{self.short_industry(inds[0])}{kind}{k:02d}（示意）",
                    "city_code": city, "kind": kind, "level": level, "operator_id": operator_id,
                    "industry_codes": ";".join(inds), "stations": str(rng.randint(30, 600)),
                })

    # --------------------------------------------------------------------------------- platforms
    def gen_platforms(self) -> None:
        rng = self.rng("platforms")
        insts = self._city_institutions()
        _, by_city, _ = self._ent_index()
        kinds = list(ENUMS["platform_kind"])
        kweights = [0.35, 0.2, 0.1, 0.1, 0.1, 0.15]
        for city in CITY_CODES:
            if not insts[city] or not by_city[city]:
                continue
            n = (2 + len([i for i in insts[city] if i.real]) // 10) * self.scale
            for k in range(1, n + 1):
                inst = rng.choice(insts[city])
                partners = rng.sample(by_city[city], k=min(len(by_city[city]), rng.randint(1, 2)))
                kind = _weighted(rng, kinds, kweights)
                ind = partners[0].industry
                self.add("platforms", {
                    "id": f"DEMO-PF-{city}-{k:03d}",
                    "name": f"{CITY_SHORT[city]}{self.short_industry(ind)}{kind}{k:02d}（示意）",
                    "city_code": city, "kind": kind,
                    "operator_ids": ";".join([inst.id] + sorted(p.id for p in partners)),
                })

    # --------------------------------------------------------------------------------- alliances
    def gen_alliances(self) -> None:
        rng = self.rng("alliances")
        insts = self._city_institutions()
        _, by_city, by_ind = self._ent_index()
        for city in CITY_CODES:
            if not insts[city] or not by_city[city]:
                continue
            kinds = []
            if rng.random() < 0.6 or city == ZHENGZHOU:
                kinds.append("市域产教联合体")
            kinds.append(_weighted(rng, ["产教融合联盟", "职教集团", "产教融合集团"], [0.4, 0.4, 0.2]))
            n = 0
            for _rep in range(self.scale):
                for kind in kinds:
                    n += 1
                    aid = f"DEMO-AL-{city}-{n:02d}"
                    leaders = [e for e in by_city[city] if e.chain_role == "链主"]
                    if kind in ("产教融合集团", "市域产教联合体") and leaders:
                        lead = rng.choice(leaders).id
                    else:
                        lead = rng.choice(insts[city]).id
                    members = {lead}
                    n_inst = min(len(insts[city]), rng.randint(2, 6))
                    members.update(i.id for i in rng.sample(insts[city], k=n_inst))
                    n_ent = min(len(by_city[city]), rng.randint(3, 10))
                    members.update(e.id for e in rng.sample(by_city[city], k=n_ent))
                    self._alliance(aid, f"{CITY_SHORT[city]}{kind}{n:02d}（示意）", kind, city, lead, members)
        # province-wide 行业产教融合共同体 around chains
        chain_ids = sorted(self.ref.segments)
        picked: list[str] = []
        for _rep in range(self.scale):
            picked += rng.sample(chain_ids, k=min(len(chain_ids), 4))
        for k, cid in enumerate(picked, start=1):
            inds = sorted({i for s in self.ref.segments[cid] for i in s.industries})
            ents = sorted({e.id: e for i in inds for e in by_ind.get(i, [])}.values(), key=lambda e: e.id)
            if not ents:
                continue
            lead_ent = max(ents, key=lambda e: (e.employees, e.id))
            members = {lead_ent.id}
            members.update(e.id for e in rng.sample(ents, k=min(len(ents), rng.randint(6, 15))))
            aligned = [i for i in self.institutions if set(i.industries[:5]) & set(inds)]
            members.update(i.id for i in rng.sample(aligned, k=min(len(aligned), rng.randint(4, 10))))
            name = self.ref.chains[cid][0] or cid
            self._alliance(f"DEMO-AL-HN-{k:03d}", f"河南省{name}行业产教融合共同体{k:02d}（示意）",
                           "行业产教融合共同体", "", lead_ent.id, members)

    def _alliance(self, aid: str, name: str, kind: str, city: str, lead: str, members: set[str]) -> None:
        self.add("alliances", {"id": aid, "name": name, "kind": kind, "city_code": city, "lead_id": lead})
        for m in sorted(members):
            role = "牵头" if m == lead else "成员"
            self.add("alliance_members", {"alliance_id": aid, "member_id": m, "role": role})

    # ----------------------------------------------------------------------------- talent demand
    def _city_supply(self, year: int) -> dict[str, dict[str, float]]:
        """city → 大类 → volume (iekg.queries.supply: graduates, else enrollment / duration) × crosswalk weight."""
        out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        city_of = {i.id: i.city for i in self.institutions}
        rows = [row for row in self.program_rows if row["year"] == str(year)]
        vols, _ = volume([row["graduates"] for row in rows], [row["enrollment"] for row in rows],
                         [DURATION[self.majors[row["major_code"]].level] for row in rows])
        for row, g in zip(rows, vols.tolist(), strict=True):
            for ind, w in self.major_weights(row["major_code"]).items():
                out[city_of[row["institution_id"]]][ind] += g * w
        return out

    def gen_talent_demand(self) -> None:
        rng = self.rng("talent_demand")
        emp: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        leaders: dict[tuple[str, str], list[Enterprise]] = defaultdict(list)
        for e in self.enterprises:
            emp[e.city][e.industry] += e.employees
            if e.chain_role == "链主":
                leaders[(e.city, e.industry)].append(e)
        local_majors: dict[str, set[str]] = defaultdict(set)
        city_of = {i.id: i.city for i in self.institutions}
        for row in self.program_rows:
            local_majors[city_of[row["institution_id"]]].add(row["major_code"])
        voc_codes = sorted(m.code for m in self.pool["高职专科"]
                           if m.name in COMMON_MAJORS or not any(t in m.name for t in RARE_NAME_TOKENS))
        supplies = {y: self._city_supply(y) for y in YEARS}
        for city in CITY_CODES:
            e_city = emp[city]
            s_first = supplies[YEARS[0]][city]
            inds = sorted(set(e_city) | set(s_first))
            # deliberate shortages (industries with employers) and surpluses (industries with supply)
            with_emp = [i for i in inds if e_city.get(i, 0) > 0]
            with_sup = [i for i in inds if s_first.get(i, 0) > 0]
            factor = {i: 1.0 for i in inds}
            for i in rng.sample(with_emp, k=min(2, len(with_emp))):
                factor[i] *= rng.uniform(1.8, 3.0)
            for i in rng.sample(with_sup, k=min(2, len(with_sup))):
                factor[i] *= rng.uniform(0.3, 0.5)
            s_total = sum(s_first.values()) or 1.0
            for i in inds:
                if e_city.get(i, 0) == 0 and s_first.get(i, 0) < 0.02 * s_total and rng.random() < 0.4:
                    factor[i] = 0.0  # supply with no recorded demand
            ratio = rng.uniform(0.75, 1.25)
            alpha = rng.uniform(0.2, 0.55)  # weight of the employers' shape against the graduates' shape
            p_voc = {i: rng.uniform(0.5, 0.8) for i in inds}
            noise = {i: rng.lognormvariate(0, 0.3) for i in inds}
            mset = sorted(local_majors[city])
            demand_majors = rng.sample(mset, k=min(len(mset), rng.randint(2, 3)))
            # and majors the focus chains need that no local institution offers
            focus = self.focus_industries(city)
            wanted = [c for c in voc_codes if c not in local_majors[city]
                      and any(i in focus and w >= 0.3 for i, w in self.major_weights(c).items())]
            demand_majors += rng.sample(wanted or voc_codes, k=min(2, len(wanted or voc_codes)))
            major_heads = {c: rng.randint(20, 200) for c in demand_majors}
            for y_idx, year in enumerate(YEARS):
                s_city = supplies[year][city]
                S, E = sum(s_city.values()), sum(e_city.values())
                total = S * ratio * (1.0 + 0.05 * y_idx) if S > 0 else E * 0.05
                raw = {i: factor[i] * noise[i] * ((alpha * e_city.get(i, 0) / E if E else 0.0)
                                                  + ((1 - alpha) * s_city.get(i, 0) / S if S else 0.0))
                       for i in inds}
                norm = sum(raw.values()) or 1.0
                for i in inds:
                    d = total * raw[i] / norm * rng.lognormvariate(0, 0.08)
                    voc = round(d * p_voc[i])
                    ug = round(d) - voc
                    for lead in sorted(leaders.get((city, i), []), key=lambda e: e.id):
                        part = round(voc * rng.uniform(0.1, 0.25))
                        if part >= 5:
                            voc -= part
                            self._demand(city, year, part, industry=i, enterprise=lead.id, level="不限")
                    if voc >= 3:
                        self._demand(city, year, voc, industry=i, level="高职专科")
                    if ug >= 3:
                        self._demand(city, year, ug, industry=i, level="本科")
                for code in demand_majors:
                    head = round(major_heads[code] * (1.0 + 0.08 * y_idx))
                    self._demand(city, year, head, major=code, level=self.majors[code].level)
                    self.used_majors.add(code)

    def _demand(self, city: str, year: int, headcount: int, *, industry: str = "", major: str = "",
                enterprise: str = "", level: str = "") -> None:
        self.add("talent_demand", {
            "city_code": city, "year": str(year), "headcount": str(headcount), "industry_code": industry,
            "major_code": major, "enterprise_id": enterprise, "education_level": level,
        })

    # -------------------------------------------------------------------------------- employment
    def gen_employment(self) -> None:
        city_of = {i.id: i.city for i in self.institutions}
        flows: dict[tuple[str, str, str], float] = defaultdict(float)

        def flush(inst: str) -> None:
            for (year, ind, city), count in sorted(flows.items()):
                n = round(count)
                if n >= 5:  # small flows are not recorded
                    self.add("employment", {"institution_id": inst, "year": year, "count": str(n),
                                            "industry_code": ind, "city_code": city})
            flows.clear()

        current = ""
        for row in self.program_rows:  # sorted by institution
            if row["institution_id"] != current:
                flush(current)
                current = row["institution_id"]
            if not row["graduates"]:
                continue
            employed = float(row["graduates"]) * float(row["employment_rate"])
            local = employed * float(row["local_employment_rate"])
            home = city_of[current]
            away = LUOYANG if home == ZHENGZHOU else ZHENGZHOU
            for ind, w in self.major_weights(row["major_code"]).items():
                flows[(row["year"], ind, home)] += local * w
                flows[(row["year"], ind, away)] += (employed - local) * 0.55 * w
        flush(current)

    # ---------------------------------------------------------------------------------- policies
    def gen_policies(self) -> None:
        rng = self.rng("policies")
        for city in CITY_CODES:
            focus = sorted(self.focus_industries(city))
            titles = rng.sample(POLICY_TITLES, k=rng.randint(2, 4))
            used: set[str] = set()
            for title, kind_prefix, kinds in titles:
                year = rng.randint(2017, 2024)
                n = rng.randint(1, 150)
                doc = f"示例{CITY_ABBR[city]}{kind_prefix}〔{year}〕{n}号"
                while doc in used:
                    n += 1
                    doc = f"示例{CITY_ABBR[city]}{kind_prefix}〔{year}〕{n}号"
                used.add(doc)
                issuer = {
                    "政": f"{CITY_NAME[city]}人民政府", "政办": f"{CITY_NAME[city]}人民政府办公室",
                    # 人力资源社会保障局: the notice's spelling, the one the measures use (one agency list)
                    "教": f"{CITY_NAME[city]}教育局", "人社": f"{CITY_NAME[city]}人力资源社会保障局",
                    "发改": f"{CITY_NAME[city]}发展和改革委员会",
                }[kind_prefix]
                if kind_prefix == "教" and rng.random() < 0.5:
                    issuer += f";{CITY_NAME[city]}发展和改革委员会"
                cites = [CITED[0]] + ([CITED[1]] if year >= 2020 and rng.random() < 0.7 else [])
                status = "失效" if year <= 2019 and rng.random() < 0.4 else "有效"
                supports = sorted(rng.sample(focus, k=min(len(focus), rng.randint(1, 3)))) if focus else []
                self.add("policies", {
                    "doc_number": doc, "title": f"（示意）{CITY_NAME[city]}{title}", "issuer": issuer,
                    "level": "市级", "city_code": city,
                    "date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", "status": status,
                    "kinds": ";".join(kinds), "cites": ";".join(cites), "supports": ";".join(supports),
                })

    # ---------------------------------------------------------------------- Attachment 1 and 2
    def gen_attachments(self) -> None:
        rng = self.rng("attachments")
        for city in ATTACHMENT_CITIES:
            idx = sorted(rng.sample(range(len(PROBLEMS)), k=rng.randint(5, 6)))
            seq_of = {}
            for seq, i in enumerate(idx, start=1):
                seq_of[i] = seq
                self.add("problems", {"city_code": city, "seq": str(seq), "problem": PROBLEMS[i],
                                      "deadline": rng.choice(DEADLINES)})
            seq = 0
            for content, agencies, p in MEASURES:
                if p not in seq_of and rng.random() < 0.6:
                    continue
                seq += 1
                self.add("measures", {
                    "city_code": city, "seq": str(seq), "content": content,
                    "agency": "、".join(f"{CITY_NAME[city]}{a}" for a in agencies),
                    "deadline": rng.choice(DEADLINES), "problem_seq": str(seq_of[p]) if p in seq_of else "",
                })

    # ------------------------------------------------------------------------------------ majors
    def gen_majors_table(self) -> None:
        for code in sorted(self.used_majors):
            m = self.majors[code]
            row = {"code": m.code, "name": m.name, "category_code": m.category_code, "level": m.level}
            self.add("majors", row, illustrative=False, source=m.source)
