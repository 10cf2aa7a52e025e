"""Checks of the reference data shipped in iekg/data/reference (cities, GB/T 4754, catalogues, crosswalk, chains).

The first group reads only the repository's files.  The last test rebuilds the derivable tables from the
public files (``public_dir`` fixture) and compares them with the committed ones.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from iekg.loaders.tables import ENUMS, PROVENANCE_COLUMNS, TABLES

REF = Path(__file__).resolve().parent.parent / "iekg" / "data" / "reference"

FILES = {
    "cities.csv": "cities",
    "industries.csv": "industries",
    "major_divisions.csv": "major_divisions",
    "major_categories.csv": "major_categories",
    "crosswalk.csv": "crosswalk",
    "chains.csv": "chains",
    "chain_segments.csv": "chain_segments",
}
CLUSTERS = {"新材料", "新能源汽车", "电子信息", "先进装备", "现代医药", "现代食品", "现代轻纺"}


def load(name: str) -> list[dict[str, str]]:
    # csv.DictReader never converts types: every code stays a string with its zeros.
    with (REF / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def ref() -> dict[str, list[dict[str, str]]]:
    return {name: load(name) for name in FILES}


# ------------------------------------------------------------------------------------------- shape
@pytest.mark.parametrize("fname,table", sorted(FILES.items()))
def test_headers_use_contract_keys(fname: str, table: str) -> None:
    with (REF / fname).open(encoding="utf-8", newline="") as f:
        raw = f.read()
    assert not raw.startswith("\ufeff"), "reference CSVs are UTF-8 without BOM"
    header = next(csv.reader([raw.splitlines()[0]]))
    keys = {c.key for c in TABLES[table].columns}
    for c in TABLES[table].columns:
        if c.required:
            assert c.key in header, f"{fname}: required column {c.key} missing"
    assert "source" in header, f"{fname}: provenance column source missing"
    assert len(header) == len(set(header))
    # every contract key present is spelled exactly like tables.py; extra columns are allowed (kept as properties)
    assert keys & set(header)
    assert {p.key for p in PROVENANCE_COLUMNS} & set(header)


@pytest.mark.parametrize("fname", sorted(FILES))
def test_every_row_cites_a_source(ref, fname: str) -> None:
    for i, r in enumerate(ref[fname], start=2):
        assert r["source"].strip(), f"{fname} row {i}: empty source"


def test_identities_unique(ref) -> None:
    for fname, table in FILES.items():
        ident = TABLES[table].identity
        seen = set()
        for r in ref[fname]:
            key = tuple(r.get(k, "") for k in ident)
            assert key not in seen, f"{fname}: duplicate identity {key}"
            seen.add(key)


# ------------------------------------------------------------------------------------------ cities
def test_cities(ref) -> None:
    rows = ref["cities.csv"]
    codes = [r["code"] for r in rows]
    assert len(rows) == 19
    assert codes[0] == "410000" and rows[0]["province_code"] == ""
    expected = [f"41{n:02d}00" for n in range(1, 18)] + ["419001"]
    assert codes[1:] == expected
    assert all(r["province_code"] == "410000" for r in rows[1:])
    assert all(re.fullmatch(r"\d{6}", c) for c in codes)
    names = {r["code"]: r["name"] for r in rows}
    assert names["410100"] == "郑州市" and names["411700"] == "驻马店市" and names["419001"] == "济源市"
    assert "济源示范区" in next(r for r in rows if r["code"] == "419001")["note"]
    # statistics are not guessed
    assert all(r["gdp"] == "" and r["population"] == "" for r in rows)


# -------------------------------------------------------------------------------------- industries
def test_industries(ref) -> None:
    rows = ref["industries.csv"]
    letters = [r for r in rows if re.fullmatch(r"[A-T]", r["code"])]
    twos = [r for r in rows if re.fullmatch(r"\d{2}", r["code"])]
    assert len(letters) == 20 and len(twos) == 97 and len(rows) == 117
    assert [r["code"] for r in twos] == [f"{n:02d}" for n in range(1, 98)]
    letter_codes = {r["code"] for r in letters}
    assert all(r["parent_code"] == "" for r in letters)
    assert all(r["parent_code"] in letter_codes for r in twos)
    names = {r["code"]: r["name"] for r in rows}
    assert names["37"] == "铁路、船舶、航空航天和其他运输设备制造业"
    assert names["84"] == "卫生"
    assert names["36"] == "汽车制造业" and names["65"] == "软件和信息技术服务业" and names["83"] == "教育"


# ------------------------------------------------------------------------------------ catalogues
def test_major_divisions(ref) -> None:
    rows = ref["major_divisions.csv"]
    by_level = defaultdict(list)
    for r in rows:
        assert r["level"] in ENUMS["major_level"]
        assert re.fullmatch(r"\d{2}", r["code"])
        by_level[r["level"]].append(r["code"])
    assert sorted(by_level["中职"]) == [str(n) for n in range(61, 80)]
    assert sorted(by_level["高职专科"]) == [str(n) for n in range(41, 60)]
    assert sorted(by_level["职业本科"]) == [str(n) for n in range(21, 40)]
    assert len(by_level["本科"]) == 12 and "01" in by_level["本科"] and "08" in by_level["本科"]


def test_major_categories(ref) -> None:
    rows = ref["major_categories.csv"]
    divisions = {r["code"]: r["level"] for r in ref["major_divisions.csv"]}
    count = defaultdict(int)
    for r in rows:
        assert re.fullmatch(r"\d{4}", r["code"]), r["code"]
        assert r["division_code"] in divisions
        assert divisions[r["division_code"]] == r["level"]
        assert r["code"][:2] == r["division_code"]
        count[r["level"]] += 1
    assert dict(count) == {"中职": 88, "高职专科": 92, "职业本科": 92, "本科": 93}
    codes = {r["code"] for r in rows}
    assert {"0809", "0101", "5102", "4607", "7202"} <= codes  # leading zeros kept


# ---------------------------------------------------------------------------------------- crosswalk
def test_crosswalk(ref) -> None:
    cats = {r["code"] for r in ref["major_categories.csv"]}
    two_digit = {r["code"] for r in ref["industries.csv"] if re.fullmatch(r"\d{2}", r["code"])}
    sums: dict[str, Decimal] = defaultdict(Decimal)
    per_cat = defaultdict(set)
    for i, r in enumerate(ref["crosswalk.csv"], start=2):
        c, ind, w = r["category_code"], r["industry_code"], r["weight"]
        assert c in cats, f"crosswalk row {i}: unknown category {c}"
        assert ind in two_digit, f"crosswalk row {i}: {ind} is not a GB/T 4754 大类 in industries.csv"
        assert re.fullmatch(r"(0\.\d{1,2}|1)", w), f"crosswalk row {i}: weight {w!r} not in (0,1] with ≤2 decimals"
        wd = Decimal(w)
        assert Decimal(0) < wd <= Decimal(1)
        assert ind not in per_cat[c], f"crosswalk row {i}: {c}→{ind} repeated"
        per_cat[c].add(ind)
        sums[c] += wd
        assert r["basis"].strip() and r["judgement"] in ("是", "否")
    missing = cats - set(sums)
    assert not missing, f"categories without crosswalk rows: {sorted(missing)}"
    for c, s in sums.items():
        assert abs(float(s) - 1.0) < 1e-9, f"{c}: weights sum to {s}"
        assert len(per_cat[c]) <= 5
    # a few anchors of the judgement
    top = {}
    for r in ref["crosswalk.csv"]:
        if r["category_code"] not in top or Decimal(r["weight"]) > Decimal(top[r["category_code"]][1]):
            top[r["category_code"]] = (r["industry_code"], r["weight"])
    assert top["4607"][0] == "36"  # 汽车制造类
    assert top["5102"][0] == "65" and "39" in per_cat["5102"]  # 计算机类
    assert top["5202"][0] == "84"  # 护理类
    assert top["0401"][0] == "83"  # 教育学类
    assert top["5303"][0] == "72"  # 财务会计类


# ------------------------------------------------------------------------------------------- chains
def test_chains(ref) -> None:
    chains = ref["chains.csv"]
    assert len(chains) == 28
    assert {r["cluster"] for r in chains} == CLUSTERS
    for r in chains:
        assert re.fullmatch(r"HN-[A-Z]+-\d{2}", r["id"])
        assert r["confirmed"] in ("是", "否")
        if r["confirmed"] == "是":
            assert "http" in r["source"], f"{r['id']}: confirmed chain must cite a public source"
        else:
            assert r["source"] == "provisional — iekg judgement"


def test_chain_segments(ref) -> None:
    chain_ids = {r["id"] for r in ref["chains.csv"]}
    two_digit = {r["code"] for r in ref["industries.csv"] if re.fullmatch(r"\d{2}", r["code"])}
    segs = ref["chain_segments.csv"]
    seg_ids = {r["id"] for r in segs}
    pos = {r["id"]: r["position"] for r in segs}
    order = {"上游": 0, "中游": 1, "下游": 2}
    per_chain = defaultdict(list)
    for r in segs:
        assert r["chain_id"] in chain_ids, f"{r['id']}: unknown chain {r['chain_id']}"
        assert r["id"].startswith(r["chain_id"] + "-S")
        assert r["position"] in ENUMS["segment_position"]
        codes = re.split(r"[;；、]", r["industry_codes"])
        assert codes and all(c in two_digit for c in codes), f"{r['id']}: bad industry codes {codes}"
        feeds = [f for f in re.split(r"[;；、]", r["feeds"]) if f]
        for f in feeds:
            assert f in seg_ids, f"{r['id']}: feeds unknown segment {f}"
            assert f.startswith(r["chain_id"] + "-S"), f"{r['id']}: feeds a segment of another chain"
            assert order[pos[f]] >= order[r["position"]], f"{r['id']} feeds upstream segment {f}"
            assert f != r["id"]
        per_chain[r["chain_id"]].append(r)
    for cid in chain_ids:
        s = per_chain[cid]
        assert 3 <= len(s) <= 6, f"{cid}: {len(s)} segments"
        assert {x["position"] for x in s} == {"上游", "中游", "下游"}, f"{cid}: needs up-, mid- and downstream"


# --------------------------------------------------------------------------------- reproducibility
def test_derived_tables_match_public_files(public_dir: Path) -> None:
    script = Path(__file__).resolve().parent.parent / "scripts" / "build_reference.py"
    res = subprocess.run([sys.executable, str(script), str(public_dir), "--check"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
