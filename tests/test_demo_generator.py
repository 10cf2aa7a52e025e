"""The demo generator: determinism, scale, provenance, the import contract, references, committed output."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from iekg.demo.generate import (
    CITY_CODES,
    DEFAULT_OUT_DIR,
    DEFAULT_REFERENCE_DIR,
    DEFAULT_SEED,
    OUTPUT_TABLES,
    generate,
    main,
)
from iekg.loaders.tables import ENUMS, TABLES

GENERATOR_SOURCE = "iekg demo generator (seed={seed}, scale={scale}) — 示意数据, not real"
# Tables whose rows may be public facts (illustrative = 否); everything else is generated.
PUBLIC_TABLES = {"institutions", "majors", "zones"}
REFERENCE_TABLES = ("cities", "industries", "major_categories", "crosswalk", "chains", "chain_segments")

Rows = dict[str, list[dict[str, str]]]


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _load(d: Path) -> Rows:
    return {t: _read(d / f"{t}.csv") for t in OUTPUT_TABLES}


def _split(cell: str) -> list[str]:
    return [p for p in re.split(r"[;；、]", cell) if p.strip()]


def _files(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory, public_dir: Path) -> Path:
    out = tmp_path_factory.mktemp("demo1")
    generate(out, public_dir=public_dir)
    return out


@pytest.fixture(scope="module")
def demo(demo_dir: Path) -> Rows:
    return _load(demo_dir)


@pytest.fixture(scope="module")
def reference() -> Rows:
    missing = [t for t in REFERENCE_TABLES if not (DEFAULT_REFERENCE_DIR / f"{t}.csv").is_file()]
    if missing:
        pytest.fail(f"reference tables missing in {DEFAULT_REFERENCE_DIR}: {missing}")
    return {t: _read(DEFAULT_REFERENCE_DIR / f"{t}.csv") for t in REFERENCE_TABLES}


# ------------------------------------------------------------------------------------- determinism
def test_same_seed_gives_identical_bytes(demo_dir: Path, tmp_path: Path, public_dir: Path) -> None:
    counts = generate(tmp_path, public_dir=public_dir)
    assert _files(tmp_path) == _files(demo_dir)
    assert set(counts) == set(OUTPUT_TABLES)
    for table, n in counts.items():
        assert len(_read(tmp_path / f"{table}.csv")) == n


def test_other_seed_gives_other_figures(demo_dir: Path, tmp_path: Path, public_dir: Path) -> None:
    generate(tmp_path, seed=DEFAULT_SEED + 1, public_dir=public_dir)
    assert (tmp_path / "programs.csv").read_bytes() != (demo_dir / "programs.csv").read_bytes()
    # the public facts do not depend on the seed
    assert (tmp_path / "institutions.csv").read_bytes() == (demo_dir / "institutions.csv").read_bytes()


def test_committed_demo_equals_a_fresh_generation(demo_dir: Path) -> None:
    committed = _files(DEFAULT_OUT_DIR)
    assert committed, f"{DEFAULT_OUT_DIR} is empty: run python -m iekg.demo.generate"
    fresh = _files(demo_dir)
    stale = sorted(n for n in set(committed) | set(fresh) if committed.get(n) != fresh.get(n))
    assert not stale, f"committed demo differs from a fresh generation in {stale}: regenerate it"


def test_cli_writes_the_same_files(demo_dir: Path, tmp_path: Path, public_dir: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--out", str(tmp_path), "--seed", str(DEFAULT_SEED), "--scale", "1",
                 "--public", str(public_dir)]) == 0
    assert "enterprises" in capsys.readouterr().out
    assert _files(tmp_path) == _files(demo_dir)


# ------------------------------------------------------------------------------------------- scale
def test_scale_two_doubles_enterprises_and_institutions(demo: Rows, tmp_path: Path, public_dir: Path) -> None:
    counts = generate(tmp_path, scale=2, public_dir=public_dir)
    assert counts["enterprises"] == 2 * len(demo["enterprises"])
    assert counts["institutions"] == 2 * len(demo["institutions"])
    assert counts["programs"] > 1.5 * len(demo["programs"])
    rows = _read(tmp_path / "institutions.csv")
    synthetic = [r for r in rows if r["illustrative"] == "是"]
    assert len(synthetic) == len(demo["institutions"])
    for r in synthetic:
        assert re.fullmatch(r"99\d{8}", r["id"]), r
        assert re.fullmatch(r"示意院校\d{5,}（示意）", r["name"]), r
        assert r["source"] == GENERATOR_SOURCE.format(seed=DEFAULT_SEED, scale=2)
    assert len({r["id"] for r in rows}) == len(rows)
    ents = _read(tmp_path / "enterprises.csv")
    assert len({r["id"] for r in ents}) == len(ents)
    assert all(len(r["id"]) != 18 for r in ents)


# ------------------------------------------------------------------------------------------ content
def test_institutions_are_the_public_list(demo: Rows, public_dir: Path) -> None:
    rows = _read(public_dir / "henan_hei_2024_2025.csv")
    public = {r["学校标识码"]: r for r in rows if r["版本"].startswith("2025")}
    real = [r for r in demo["institutions"] if r["illustrative"] == "否"]
    assert len(real) >= 60
    assert len(real) == len(public) == 178
    for r in real:
        pub = public[r["id"]]
        assert r["name"] == pub["学校名称"]
        assert "全国普通高等学校名单" in r["source"]
        if pub["所在地"] == "济源市":
            assert r["city_code"] == "419001"
        if pub["办学层次"] == "专科":
            assert r["level"] == "高职专科"
        else:
            assert r["level"] in ("本科", "职业本科")
        assert r["ownership"] == ("民办" if "民办" in pub["备注"] else "公办")
    by_name = {r["name"]: r for r in real}
    assert by_name["黄河水利职业技术大学"]["level"] == "职业本科"
    assert by_name["黄河水利职业技术大学"]["city_code"] == "410200"
    assert by_name["郑州大学"]["level"] == "本科"


def test_sizes_at_scale_one(demo: Rows) -> None:
    assert len(demo["enterprises"]) >= 300
    assert len(demo["programs"]) >= 3000
    assert {r["city_code"] for r in demo["enterprises"]} == set(CITY_CODES)
    focus = Counter(r["city_code"] for r in demo["city_focus"])
    assert set(focus) == set(CITY_CODES) and all(2 <= n <= 4 for n in focus.values())
    demand_keys = {(r["city_code"], r["year"]) for r in demo["talent_demand"]}
    assert demand_keys == {(c, y) for c in CITY_CODES for y in ("2023", "2024")}
    assert any(r["major_code"] for r in demo["talent_demand"])
    assert {r["city_code"] for r in demo["policies"]} == set(CITY_CODES)
    assert "410200" in {r["city_code"] for r in demo["problems"]}
    assert "410200" in {r["city_code"] for r in demo["measures"]}
    assert any(r["iei_level"] == "省级" for r in demo["enterprises"])
    assert any(r["level"] == "省级" for r in demo["training_bases"])
    assert any(r["kind"] == "产教融合重点区域" for r in demo["zones"])
    assert any(r["leading"] == "是" for r in demo["programs"])


def test_programs_follow_institution_level(demo: Rows, public_dir: Path) -> None:
    # 2023–2024 programs follow the level a school had then: the 2024 list's 专科 for the two schools
    # upgraded to 本科 in 2025; schools that are not in the 2024 list have 2024 programs only.
    level_2024 = {r["学校标识码"]: r["办学层次"] for r in _read(public_dir / "henan_hei_2024_2025.csv")
                  if r["版本"].startswith("2024")}
    level = {r["id"]: ("高职专科" if level_2024.get(r["id"]) == "专科" else r["level"])
             for r in demo["institutions"]}
    major_level = {r["code"]: r["level"] for r in demo["majors"]}
    per_inst: dict[tuple[str, str], int] = Counter()
    for r in demo["programs"]:
        il, ml = level[r["institution_id"]], major_level[r["major_code"]]
        allowed = {"本科": {"本科"}, "职业本科": {"职业本科", "高职专科"}, "高职专科": {"高职专科"}}[il]
        assert ml in allowed, r
        per_inst[(r["institution_id"], r["year"])] += 1
        if r["graduates"] == "":
            assert r["employment_rate"] == r["local_employment_rate"] == "", r
    assert all(12 <= n <= 33 for n in per_inst.values())
    new_schools = {r["id"] for r in demo["institutions"] if r["illustrative"] == "否"} - set(level_2024)
    assert len(new_schools) == 4
    for r in demo["programs"]:
        if r["institution_id"] in new_schools:
            assert r["year"] == "2024" and r["graduates"] == "", r
    with_programs = {r["institution_id"] for r in demo["programs"]}
    assert with_programs == {r["id"] for r in demo["institutions"]}


def test_name_keywords_steer_majors(demo: Rows) -> None:
    names = {r["id"]: r["name"] for r in demo["institutions"]}
    majors = {r["code"]: r for r in demo["majors"]}
    medical = [i for i, n in names.items() if "医学高等专科学校" in n]
    assert medical
    for inst in medical:
        codes = [r["major_code"] for r in demo["programs"]
                 if r["institution_id"] == inst and r["year"] == "2024"]
        share = sum(c.startswith("52") for c in codes) / len(codes)
        assert share >= 0.3, (names[inst], [majors[c]["name"] for c in codes])


def test_demand_has_the_order_of_graduates(demo: Rows) -> None:
    city = {r["id"]: r["city_code"] for r in demo["institutions"]}
    grads: dict[str, int] = defaultdict(int)
    for r in demo["programs"]:
        if r["year"] == "2024" and r["graduates"]:
            grads[city[r["institution_id"]]] += int(r["graduates"])
    demand: dict[str, int] = defaultdict(int)
    for r in demo["talent_demand"]:
        if r["year"] == "2024":
            demand[r["city_code"]] += int(r["headcount"])
    for c in CITY_CODES:
        assert 0.4 <= demand[c] / grads[c] <= 2.5, (c, demand[c], grads[c])


# --------------------------------------------------------------------------------------- provenance
def test_every_row_is_marked(demo: Rows) -> None:
    gen = GENERATOR_SOURCE.format(seed=DEFAULT_SEED, scale=1)
    for table, rows in demo.items():
        for r in rows:
            assert r["illustrative"] in ("是", "否"), (table, r)
            if r["illustrative"] == "是":
                assert r["source"] == gen, (table, r)
            else:
                assert table in PUBLIC_TABLES, (table, r)
                assert re.search(r"名单|目录|区划代码", r["source"]) and ".csv" in r["source"], (table, r)
    assert all(r["illustrative"] == "否" for r in demo["majors"])
    for table in OUTPUT_TABLES:
        if table not in PUBLIC_TABLES:
            assert all(r["illustrative"] == "是" for r in demo[table]), table


def test_fictional_entities_look_fictional(demo: Rows) -> None:
    for r in demo["enterprises"]:
        assert r["name"].endswith("（示意）"), r
        assert len(r["id"]) != 18, r
        assert re.fullmatch(r"DEMO-\d{6}-E\d{4,}", r["id"]), r
    for table in ("training_bases", "platforms", "alliances"):
        assert all(r["name"].endswith("（示意）") for r in demo[table]), table
    assert all(r["name"].endswith("（示意）") for r in demo["zones"] if r["illustrative"] == "是")
    for r in demo["policies"]:
        assert r["doc_number"].startswith("示例") and r["title"].startswith("（示意）"), r
        assert r["level"] == "市级" and r["city_code"] in CITY_CODES
        assert "2017-01-01" <= r["date"] <= "2024-12-31"


def test_attachments(demo: Rows) -> None:
    agencies = ("发展改革委", "教育局", "工业和信息化局", "财政局", "人力资源社会保障局", "国资委")
    city_names = {"410200": "开封市", "410300": "洛阳市"}
    problems: dict[str, set[int]] = defaultdict(set)
    for r in demo["problems"]:
        problems[r["city_code"]].add(int(r["seq"]))
    for seqs in problems.values():
        assert seqs == set(range(1, len(seqs) + 1))
    for r in demo["measures"]:
        for a in _split(r["agency"]):
            name = city_names[r["city_code"]]
            assert a.startswith(name) and a[len(name):] in agencies, r
        for s in _split(r["problem_seq"]):
            assert int(s) in problems[r["city_code"]], r


def test_alliance_leads_are_members(demo: Rows) -> None:
    members: dict[str, dict[str, str]] = defaultdict(dict)
    for r in demo["alliance_members"]:
        members[r["alliance_id"]][r["member_id"]] = r["role"]
    for a in demo["alliances"]:
        assert members[a["id"]].get(a["lead_id"]) == "牵头", a
        assert list(members[a["id"]].values()).count("牵头") == 1


# ------------------------------------------------------------------------------------------ contract
_KIND_PATTERNS = {
    "city_code": r"\d{6}",
    "inst_id": r"\d{10}",
    "major_code": r"\d{6}(T|K|TK)?",
    "category_code": r"\d{4}",
    "industry_code": r"[A-T]|\d{2,4}",
    "year": r"20\d{2}",
    "count": r"\d+",
    "bool": r"是|否",
}


def _check_value(kind: str, value: str) -> bool:
    if kind.startswith("list:"):
        return all(_check_value(kind[5:], v) for v in _split(value))
    if kind.startswith("enum:"):
        return value in ENUMS[kind[5:]]
    if kind == "rate":
        return 0.0 <= float(value) <= 1.0
    if kind in _KIND_PATTERNS:
        return re.fullmatch(_KIND_PATTERNS[kind], value) is not None
    return value == value.strip()


def test_values_follow_the_import_contract(demo: Rows, demo_dir: Path) -> None:
    for table in OUTPUT_TABLES:
        spec = TABLES[table]
        with (demo_dir / f"{table}.csv").open(encoding="utf-8") as f:
            header = f.readline().rstrip("\n").split(",")
        assert header == [c.key for c in spec.columns] + ["source", "illustrative"], table
        seen = set()
        for r in demo[table]:
            for col in spec.columns:
                v = r[col.key]
                if col.required:
                    assert v, (table, col.key, r)
                if v:
                    assert _check_value(col.kind, v), (table, col.key, v)
            if spec.one_of:
                assert any(r[k] for k in spec.one_of), (table, r)
            key = tuple(r[k] for k in spec.identity)
            assert key not in seen, (table, key)
            seen.add(key)


def test_all_references_resolve(demo: Rows, reference: Rows) -> None:
    known: dict[str, set[str]] = {
        "city": {r["code"] for r in reference["cities"]},
        "industry": {r["code"] for r in reference["industries"]},
        "category": {r["code"] for r in reference["major_categories"]},
        "chain": {r["id"] for r in reference["chains"]},
        "segment": {r["id"] for r in reference["chain_segments"]},
        "institution": {r["id"] for r in demo["institutions"]},
        "enterprise": {r["id"] for r in demo["enterprises"]},
        "major": {r["code"] for r in demo["majors"]},
        "alliance": {r["id"] for r in demo["alliances"]},
    }
    assert set(CITY_CODES) <= known["city"]
    for table in OUTPUT_TABLES:
        for col in TABLES[table].columns:
            if not col.ref:
                continue
            targets = set().union(*(known[label] for label in col.ref))
            for r in demo[table]:
                for v in _split(r[col.key]) if col.kind.startswith("list:") else [r[col.key]]:
                    if v:
                        assert v in targets, (table, col.key, v)
    # enterprises in a chain segment are in an industry the segment maps to (rolled up to 大类)
    seg_inds = {r["id"]: {c[:2] for c in _split(r["industry_codes"])} for r in reference["chain_segments"]}
    for r in demo["enterprises"]:
        if r["segment_id"]:
            assert r["industry_code"] in seg_inds[r["segment_id"]], r
            assert r["chain_role"] in ("链主", "配套")
