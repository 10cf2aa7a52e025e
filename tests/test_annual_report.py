"""The annual supply–demand report (issue 22 item 5): a city's and a province's year as an A4 Word document with
its data-coverage section, the same tables as the downloads and the same charts as ``iekg chart``; it opens in
LibreOffice and keeps every table row."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import demo_copy

from iekg import service
from iekg.graph.sqlitestore import SqliteStore
from iekg.service.annual import REPORT_VIEW, annual_report
from iekg.settings import Settings
from iekg.takeaway.convert import tabular

TODAY = dt.date(2026, 12, 6)


@pytest.fixture(scope="module")
def store(demo_graph: Path, tmp_path_factory: pytest.TempPathFactory) -> SqliteStore:
    home = demo_copy(demo_graph, tmp_path_factory.mktemp("annual"))
    return service.open_store(Settings(home=home), lambda m: None)  # type: ignore[return-value]


def docx_tables(path: Path) -> list[list[list[str]]]:
    import docx

    return [[[c.text for c in row.cells] for row in t.rows] for t in docx.Document(str(path)).tables]


def test_a_citys_report_holds_the_downloads_tables_and_its_charts(store: SqliteStore, tmp_path: Path) -> None:
    out = tmp_path / "kf.docx"
    res = annual_report(store, out, city="410200", today=TODAY)
    assert res["title"] == "开封市2024年产教供需分析报告" and res["illustrative"] is True
    assert res["figures"] == 2 and res["skipped_charts"] == []  # supply/demand and the trend
    assert res["scope"] == "410200" and res["year"] == 2024
    tables = docx_tables(out)
    # the first table is the alignment's main sheet, row for row the xlsx download's (the report cuts at 60)
    a = service.alignment(store, ["410200"], None, 2024)
    sheet = tabular("alignment", a, store).sheets[0]
    shown = REPORT_VIEW["alignment"]["行业"]  # the columns an A4 page holds (the xlsx has them all)
    assert tables[0][0] == [c.header for c in sheet.columns if c.key in shown]
    assert len(tables[0]) - 1 == min(len(sheet.rows), 60)
    by_code = {r[0]: r for r in tables[0][1:]}
    for ind in a.data["industries"][:60]:
        row = by_code[ind["code"]]
        assert row[1] == ind["name"]
        if ind["demand_data"]:
            assert row[3] == f"{ind['demand']:,.1f}"
        else:
            assert row[3] == "无数据"  # no demand data: never a 0
    import docx

    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "一、数据覆盖" in text and "示意数据" in text and "口径说明" in text
    assert "不是通知的要求" in text  # thresholds are labelled the tool's own
    media = [n for n in __import__("zipfile").ZipFile(out).namelist() if n.startswith("word/media/")]
    assert len(media) == 2 and all(n.endswith(".png") for n in media)


def test_a_provinces_report_compares_its_cities(store: SqliteStore, tmp_path: Path) -> None:
    out = tmp_path / "hn.docx"
    res = annual_report(store, out, province="410000", today=TODAY)
    assert res["title"] == "河南省2024年产教供需分析报告" and res["figures"] == 3 and res["scope"] == "410000"
    cmp = service.compare(store, "410000", None, 2024)
    table = next(t for t in docx_tables(out) if t[0][:2] == ["排名", "城市"])
    assert [r[1] for r in table[1:]] == [c["name"] for c in cmp.data["cities"]]  # every city, in the ranking's order
    for row, c in zip(table[1:], cmp.data["cities"], strict=True):
        assert row[3] == ("无数据" if c["sai"] is None else f"{c['sai']:.4f}")
    years = next(t for t in docx_tables(out) if t[0][0] == "年份")
    assert [r[0] for r in years[1:]] == ["2023", "2024"]  # years as years; 2020–2022 have no data: no rows


def test_the_cli_and_the_api_give_the_report(store: SqliteStore, demo_graph: Path, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from iekg.api.main import create_app
    from iekg.cli import app

    out = tmp_path / "r.docx"
    r = CliRunner().invoke(app, ["--home", str(store.path.parent), "export", "report", "--city", "410200", "-o", str(out),
                                 "--today", "2026-12-06", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert out.exists() and "开封市2024年产教供需分析报告" in r.output
    bad = CliRunner().invoke(app, ["--home", str(store.path.parent), "export", "report", "--city", "410200",
                                   "--province", "410000", "-o", str(out)])
    assert bad.exit_code == 2
    with TestClient(create_app(Settings(home=store.path.parent), store)) as client:
        resp = client.get("/exports/report", params={"city": "410200", "today": "2026-12-06"})
        assert resp.status_code == 200, resp.text
        assert resp.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
        assert "filename*=UTF-8''" in resp.headers["content-disposition"] and resp.content[:2] == b"PK"
        assert resp.headers["x-iekg-illustrative"] == "true"
        assert client.get("/exports/report", params={"city": "419999"}).status_code == 404
        assert client.get("/exports/report", params={"city": "410200", "year": 1999}).status_code in (404, 422)


@pytest.mark.skipif(not shutil.which("soffice") and not os.environ.get("CI"), reason="LibreOffice is not installed")
def test_the_report_opens_in_libreoffice_and_keeps_every_row(store: SqliteStore, tmp_path: Path) -> None:
    out = tmp_path / "kf.docx"
    res = annual_report(store, out, city="410200", today=TODAY)
    assert shutil.which("soffice") and shutil.which("pdftotext"), "LibreOffice and poppler are needed (scripts/ci-deps)"
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                   check=True, capture_output=True, timeout=240,
                   env={**os.environ, "HOME": str(tmp_path)})  # a profile of its own
    pdf = tmp_path / "kf.pdf"
    assert pdf.exists() and pdf.stat().st_size > 10_000
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "开封市2024年产教供需分析报告" in re.sub(r"\s+", "", text)
    lines = [re.sub(r"\s+", " ", line) for line in text.splitlines()]

    def on_a_line(row: list[str]) -> bool:  # a row's first cell and the start of its second on one printed line
        first, second = row[0].strip(), re.sub(r"\s+", "", row[1])[:3]
        return any(first in line.split(" ") and second in line.replace(" ", "") for line in lines)

    missing = [row[:2] for row in res["rows"] if not on_a_line(row)]
    assert len(res["rows"]) > 60 and not missing, missing[:5]  # every table row is in the PDF
