"""The notebooks in ``notebooks/`` run top to bottom and show what they promise.

Each notebook is copied into a temporary folder and executed there by nbclient in a fresh ``python3``
kernel (this interpreter's ipykernel), with a timeout per cell; any cell error fails the test.  01–03 run on
the embedded store; 04 runs twice: without ``IEKG_NEO4J_*`` (every code cell must skip with a message) and
against the real Neo4j of the ``neo4j_server`` fixture (its Cypher must equal ``alignment()``).  The kernel
gets this process's environment without any ``IEKG_*`` variable, so a developer's settings cannot leak in.
The committed notebooks must carry no outputs (``scripts/strip_notebooks.py``).  The charts in 02 and 03 are
the project's Vega-Lite charts (:mod:`iekg.charts`) rendered locally by vl-convert, shown as SVG outputs.
"""

from __future__ import annotations

import html
import importlib.util
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from servers import chromium, require_chromium

from iekg import service
from iekg.graph.store import Store
from iekg.queries.alignment import alignment
from iekg.queries.coupling import coupling
from iekg.queries.readiness import readiness_all
from iekg.queries.scope import resolve_scope
from iekg.reports import HEADERS1, HEADERS2
from iekg.settings import Settings
from iekg.viz.page import external_loads

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
NAMES = ("01_quick_start.ipynb", "02_city_alignment.ipynb", "03_readiness_across_henan.ipynb",
         "04_neo4j_cypher.ipynb")
CELL_TIMEOUT = 180  # seconds per cell (the Neo4j sync is the slowest, ~10 s)
CITY = "410200"


# ------------------------------------------------------------------------------------------ helpers
def kernel_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IEKG_")}
    env.update(extra)
    return env


def execute(name: str, work: Path, env: dict[str, str]) -> nbformat.NotebookNode:
    """Run a copy of the notebook with ``work`` as its working directory; cell errors raise."""
    work.mkdir(parents=True, exist_ok=True)
    shutil.copy(NOTEBOOKS / name, work / name)
    nb = nbformat.read(work / name, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(work)}})
    client.execute(env=env)
    return nb


def code_cells(nb: nbformat.NotebookNode) -> list[Any]:
    return [c for c in nb.cells if c.cell_type == "code"]


def tagged(nb: nbformat.NotebookNode, tag: str) -> Any:
    cells = [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"expected one cell tagged {tag!r}, found {len(cells)}"
    return cells[0]


def text(cell: Any) -> str:
    """What a cell printed and displayed as text (streams and text/plain)."""
    out = []
    for o in cell.get("outputs", []):
        if o.output_type == "stream":
            out.append(o.text)
        elif "data" in o:
            out.append(o.data.get("text/plain", ""))
    return "\n".join(out)


def rich(cell: Any, mime: str) -> list[str]:
    return [o.data[mime] for o in cell.get("outputs", []) if "data" in o and mime in o.data]


def chart(cell: Any, title: str) -> str:
    """The SVG chart a cell displayed (``image/svg+xml``, rendered locally by vl-convert), checked: its Chinese
    title and the illustrative note are text in it, and it loads nothing from the network."""
    svgs = rich(cell, "image/svg+xml")
    assert svgs, f"the chart {title!r} is missing (no image/svg+xml output)"
    mine = [s for s in svgs if title in s]
    assert mine, f"no chart output has the title {title!r} as text"
    svg = mine[0]
    assert "<text" in svg and "示意数据" in svg, "the chart must keep its text and say the data are illustrative"
    assert external_loads(svg) == [], "the chart loads something from the network"
    mimes = {m for o in cell.get("outputs", []) if "data" in o for m in o.data}
    assert not any("vega" in m for m in mimes), f"a renderer output that needs vega: {mimes}"
    assert "text/html" not in mimes, "the chart must be the locally rendered SVG, not an HTML (CDN) renderer"
    return svg


def no_errors(nb: nbformat.NotebookNode) -> None:
    for c in code_cells(nb):
        kinds = [o.output_type for o in c.outputs]
        assert "error" not in kinds, f"cell failed:\n{c.source}"
        stderr = [o.text for o in c.outputs if o.output_type == "stream" and o.name == "stderr"]
        assert not any("Traceback" in s for s in stderr), f"cell wrote a traceback:\n{c.source}\n{stderr}"


def strip_module() -> Any:
    spec = importlib.util.spec_from_file_location("strip_notebooks", REPO / "scripts" / "strip_notebooks.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The demo graph, built here, to check the notebooks' figures against the query functions."""
    home = tmp_path_factory.mktemp("nb-demo")
    settings = Settings(home=home, store="sqlite")
    store = service.open_store(settings)
    service.build(store, settings)
    return store


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], nbformat.NotebookNode]:
    """Execute a notebook once per module (on the embedded store) and keep the result."""
    done: dict[str, nbformat.NotebookNode] = {}

    def get(name: str) -> nbformat.NotebookNode:
        if name not in done:
            done[name] = execute(name, tmp_path_factory.mktemp(name.split("_")[0]), kernel_env())
        return done[name]

    return get


# -------------------------------------------------------------------------------------- repository
def test_committed_notebooks_are_stripped_and_say_illustrative() -> None:
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES)
    strip = strip_module()
    for name in NAMES:
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        nbformat.validate(nb)
        assert strip.dirty(nb) == [], f"{name} has outputs: run scripts/strip_notebooks.py"
        assert all(c.execution_count is None and not c.outputs for c in code_cells(nb))
        assert nb.metadata["kernelspec"]["name"] == "python3"
        markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        assert "示意数据" in markdown and "illustrative" in markdown, f"{name} must say the data are illustrative"
        source = "\n".join(c.source for c in code_cells(nb))
        assert "~/.iekg" not in source and "Path.home()" not in source
        assert not re.search(r"https?://", source), f"{name}: a code cell names a URL (notebooks run offline)"


def test_strip_script(tmp_path: Path) -> None:
    strip = strip_module()
    nb = nbformat.read(NOTEBOOKS / NAMES[0], as_version=4)
    cell = tagged(nb, "counts")
    cell.execution_count = 3
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
    cell.metadata["execution"] = {"iopub.status.idle": "2025-01-01"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    assert strip.main(["--check", str(path)]) == 1
    assert strip.main([str(path)]) == 0
    assert strip.main(["--check", str(path)]) == 0
    again = tagged(nbformat.read(path, as_version=4), "counts")  # tags survive: the tests find cells by them
    assert again.outputs == [] and again.execution_count is None and again.metadata == {"tags": ["counts"]}


# ---------------------------------------------------------------------------------------- notebooks
def test_01_quick_start(run: Callable[[str], nbformat.NotebookNode], demo: Store) -> None:
    nb = run("01_quick_start.ipynb")
    no_errors(nb)
    info = service.info(demo)
    counts = text(tagged(nb, "counts"))
    assert f"节点 nodes: {info['total_nodes']:,}" in counts
    assert f"关系 relationships: {info['total_relationships']:,}" in counts
    assert "黄河水利职业技术大学" in "\n".join(text(c) for c in code_cells(nb))

    frames = [h for c in code_cells(nb) for h in rich(c, "text/html") if "<iframe srcdoc=" in h]
    assert len(frames) >= 1, "no inline network view"
    for frame in frames:
        doc = html.unescape(re.search(r'srcdoc="([^"]*)"', frame).group(1))  # type: ignore[union-attr]
        assert doc.lstrip().lower().startswith("<!doctype html")
        assert external_loads(doc) == [], "the inline page loads something from the network"
        assert "vis.Network" in doc and "示意数据" in doc
    assert "开封市产教融合网络" in text(tagged(nb, "network"))


def test_02_city_alignment(run: Callable[[str], nbformat.NotebookNode], demo: Store) -> None:
    nb = run("02_city_alignment.ipynb")
    no_errors(nb)
    a = alignment(demo, resolve_scope(demo, city=CITY))
    out = text(tagged(nb, "sai"))
    assert f"SAI = {a['sai']:.4f}" in out
    assert f"覆盖率 coverage = {a['coverage']:.1%}" in out
    svg = chart(tagged(nb, "chart"), f"{a['scope_name']} {a['year']} 年 人才供需对比")
    assert "供给 supply" in svg and "需求 demand" in svg
    shortage = next(i for i in sorted(a["industries"], key=lambda i: i["supply"] - i["demand"])
                    if i["status"] == "shortage")
    evidence = text(tagged(nb, "evidence"))
    assert shortage["name"] in evidence and "DEMANDS|City:410200|Industry:" in evidence


def test_03_readiness_across_henan(run: Callable[[str], nbformat.NotebookNode], demo: Store) -> None:
    nb = run("03_readiness_across_henan.ipynb")
    no_errors(nb)
    ranking = readiness_all(demo)
    shown = text(tagged(nb, "ranking"))
    assert len(ranking) == 18 and ranking[0]["name"] in shown and ranking[-1]["name"] in shown
    cities = sorted(n.id for n in demo.nodes("City"))
    cc = coupling(demo, cities)
    mine = next(s for s in cc["scopes"] if s["city"] == CITY)
    assert f"开封市 CCD = {mine['ccd']:.4f} {mine['grade']} ({mine['grade_en']})" in text(tagged(nb, "ccd"))
    svg = chart(tagged(nb, "chart"), f"{cc['year']} 年 各城市产教耦合协调度")
    assert f"{mine['ccd']:.3f} {mine['grade']}" in svg and "开封市" in svg
    headers = text(tagged(nb, "headers"))
    assert str(list(HEADERS1)) in headers and str(list(HEADERS2)) in headers


def test_04_without_neo4j_skips_every_cell(tmp_path: Path) -> None:
    nb = execute("04_neo4j_cypher.ipynb", tmp_path, kernel_env())
    no_errors(nb)
    for c in code_cells(nb):
        assert "跳过 skipped" in text(c), f"cell did not say it skipped:\n{c.source}"
    assert not (tmp_path / "notebook-home").exists(), "nothing is built when Neo4j is not configured"


@pytest.mark.neo4j
def test_04_neo4j_cypher(neo4j_server: Any, tmp_path: Path) -> None:
    env = kernel_env(IEKG_NEO4J_URI=neo4j_server.uri, IEKG_NEO4J_USER=neo4j_server.user,
                     IEKG_NEO4J_PASSWORD=neo4j_server.password,
                     IEKG_NOTEBOOK_REPLACE="1")  # the test server is scratch: other tests' data may be on it
    nb = execute("04_neo4j_cypher.ipynb", tmp_path, env)
    no_errors(nb)
    assert not any("跳过 skipped" in text(c) for c in code_cells(nb))
    assert "两边计数相同 same counts: True" in text(tagged(nb, "sync"))
    compare = text(tagged(nb, "compare"))
    assert "Cypher == alignment() (tolerance 1e-09): True" in compare, compare


@pytest.mark.browser
def test_01_network_renders_inside_the_notebook_offline(run: Callable[[str], nbformat.NotebookNode],
                                                       tmp_path: Path) -> None:
    """The iframe output, as a notebook front end shows it, draws the network in Chromium with no request."""
    require_chromium()
    nb = run("01_quick_start.ipynb")
    frame = next(h for h in rich(tagged(nb, "network"), "text/html") if "<iframe" in h)
    page_file = tmp_path / "cell.html"
    page_file.write_text(f'<!doctype html><meta charset="utf-8"><body>{frame}</body>', encoding="utf-8")
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        requests: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(page_file.as_uri())
        inner = page.frames[1]
        inner.wait_for_selector("canvas", timeout=30_000)
        assert inner.locator("canvas").count() >= 1
    assert errors == []
    assert [u for u in requests if not u.startswith(("file:", "data:", "about:", "blob:"))] == []
