"""A fresh question's process does less (issue 20: a city's gaps and an institution's partners within half a second,
compare within a second, in a fresh ``iekg`` process at national scale).

- The console script runs a question without Python's cyclic garbage collector (its collections walked every module
  being imported: 0.035–0.045 s of a fresh city's gaps); any other command keeps it.  ``import iekg.cli`` imports
  no typer, so that the collector is off before typer is imported.
- The institutions' ``leading`` is read only where it is given (``Store.nodes_with``; compare read 17,800 institutions
  of which none says): the same nodes and values as ``node_frame`` read whole and filtered, the same measure.
- A question on the embedded store never imports the Cypher module.

No clock here: the times are in docs/storage.md.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import demo_copy

from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet, Store
from iekg.queries import metrics
from iekg.queries.metrics import Batch, Measured

CITIES = ["410100", "410200"]
# what each institution says (None: nothing; "null": a JSON null written into its properties)
LEADING: dict[str, Any] = {"I01": True, "I02": "是", "I03": False, "I04": 0, "I05": "true", "I06": ["x"],
                           "I07": None, "I08": "True", "I09": 1, "I10": "null", "I11": "", "I12": "否"}


def graph(tmp_path: Path) -> SqliteStore:
    """Twelve institutions in two cities saying ``leading`` every way a graph may hold it; I03 in both cities."""
    cs = ChangeSet()
    for c in CITIES:
        cs.add_node("City", c, {"name": f"市{c}"})
    for k, (ident, value) in enumerate(LEADING.items()):
        said = {} if value is None or value == "null" else {"leading": value}
        cs.add_node("Institution", ident, {"name": f"学校{ident}", **said})
        cs.add_rel("LOCATED_IN", f"Institution:{ident}", f"City:{CITIES[k % 2]}")
    store = SqliteStore(tmp_path / "graph.sqlite")
    store.apply(cs, fresh=True)
    con = sqlite3.connect(tmp_path / "graph.sqlite")
    # a JSON null and an empty text (an import leaves both out; a graph written otherwise may hold them), and an
    # institution located in both cities (LOCATED_IN is single-valued: written beside the import)
    con.execute("UPDATE nodes SET props = json_set(props, '$.leading', json('null')) WHERE id = 'I10'")
    con.execute("UPDATE nodes SET props = json_set(props, '$.leading', '') WHERE id = 'I11'")
    con.execute("INSERT INTO rels (type, src_label, src_id, dst_label, dst_id, k, props) VALUES ('LOCATED_IN', "
                "'Institution', 'I03', 'City', '410200', '', '{}')")
    con.commit()
    con.close()
    store.forget()
    return store


def rows(f: pd.DataFrame) -> list[tuple[Any, ...]]:
    """The frame's rows with each value's type (True and 1 are not the same answer)."""
    return [tuple((type(v).__name__, v) for v in r) for r in f.itertuples(index=False, name=None)]


@pytest.mark.parametrize("ids", [None, ["I01", "I03", "I07", "I10", "I11", "I12", "nobody"], [], ["I07"]])
def test_nodes_with_are_node_frame_read_whole_and_filtered(tmp_path: Path, ids: list[str] | None) -> None:
    store = graph(tmp_path)
    got = store.nodes_with("Institution", "leading", ids=ids)
    whole = Store.nodes_with(store, "Institution", "leading", ids=ids)  # (node_frame, then the missing dropped)
    assert rows(got) == rows(whole)
    assert list(got.dtypes) == list(whole.dtypes) and list(got.columns) == ["id", "leading"]
    said = {i for i, v in LEADING.items() if v is not None and v != "null"} & (set(LEADING) if ids is None else set(ids))
    assert set(got["id"]) == said  # false, 0 and the empty text are said; the JSON null and the missing are not
    if ids is None:
        assert dict(zip(got["id"], got["leading"], strict=True))["I04"] == 0
        assert type(dict(zip(got["id"], got["leading"], strict=True))["I01"]) is bool
    store.close()


def _leading_as_before(b: Batch) -> dict[str, Measured]:
    """The leading institutions as measured from every institution read whole (the measure's code before)."""
    here = b.nodes_frame("Institution", ("leading",))
    known = set(here.loc[here["leading"].notna(), "city"].astype(str))
    here = here.loc[here["leading"].map(lambda v: v in (True, "是", "true", "True")).astype(bool)]
    lists = metrics._per_city(here, "city", metrics._uids("Institution", here["id"]))
    return {c: Measured(float(len(lists.get(str(c), []))), lists.get(str(c), [])) if str(c) in known else
            Measured(None, [], "本市院校没有「全省领先」的数据 (institutions 表可加 leading 列)") for c in b.cities}


@pytest.mark.parametrize("cities", [CITIES, CITIES[:1], CITIES[1:], [*CITIES, "419900"]])
def test_the_leading_institutions_are_measured_as_from_every_institution(tmp_path: Path, cities: list[str]) -> None:
    store = graph(tmp_path)
    got = metrics._leading_institutions_each(Batch(store, cities))
    assert got == _leading_as_before(Batch(store, cities))
    if cities == CITIES:  # (a city whose institutions say: counted; I03, in both, is not leading)
        assert got["410100"].evidence == ["Institution:I01", "Institution:I05", "Institution:I09"]  # (1 == True)
        assert got["410200"].evidence == ["Institution:I02", "Institution:I08"]
    store.close()


def test_a_city_none_of_whose_institutions_says_has_no_value(tmp_path: Path) -> None:
    store = graph(tmp_path)
    con = sqlite3.connect(tmp_path / "graph.sqlite")
    con.execute("UPDATE nodes SET props = json_remove(props, '$.leading') WHERE label = 'Institution'")
    con.commit()
    con.close()
    store.forget()
    got = metrics._leading_institutions_each(Batch(store, CITIES))
    assert got == _leading_as_before(Batch(store, CITIES))
    assert all(m.value is None for m in got.values())
    store.close()


# the console script, with a look at the collector: at the answer (the output drawn) and, for a command whose process
# ends as Python ends, in an exit handler
SCRIPT = """
import atexit, gc, sys
atexit.register(lambda: sys.stderr.write(f"at exit collector {gc.isenabled()}\\n"))
import iekg.cli.console as console
drawn = console.render
def render(*args, **kwargs):
    sys.stderr.write(f"at the answer collector {gc.isenabled()}\\n")
    return drawn(*args, **kwargs)
console.render = render
from iekg.cli import run
sys.argv = ["iekg", *sys.argv[1:]]
run()
"""


def test_a_question_runs_without_the_collector_and_other_commands_with_it(demo_graph: Path, tmp_path: Path) -> None:
    home = demo_copy(demo_graph, tmp_path / "home")
    p = subprocess.run([sys.executable, "-c", SCRIPT, "--home", str(home), "gaps", "--city", "410200", "--format",
                        "json"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["scope"] == "410200"
    assert "at the answer collector False" in p.stderr and "at exit" not in p.stderr
    p = subprocess.run([sys.executable, "-c", SCRIPT, "version"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "at exit collector True" in p.stderr


def test_importing_the_command_line_imports_no_typer() -> None:
    """The collector is switched off by the console script before typer and the question's modules are imported:
    ``iekg.cli`` itself imports neither."""
    p = subprocess.run([sys.executable, "-c", "import sys, iekg.cli; print(sorted(m for m in sys.modules if "
                        "m.split('.')[0] in ('typer', 'click', 'rich', 'pandas') or m == 'iekg.cli.console'))"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"


PROBE = """
import json, sys
sys.argv = ["iekg", *json.loads(sys.argv[1])]
from iekg.cli import main
try:
    main()
except SystemExit:
    pass
sys.stdout.flush()
print("\\n" + json.dumps(sorted(sys.modules)))
"""


def test_an_embedded_question_imports_no_cypher(demo_graph: Path, tmp_path: Path) -> None:
    from iekg.graph import cypher
    from iekg.queries import supply

    assert supply.VOLUME_CYPHER == cypher.VOLUME  # (still there for whoever asks)
    home = demo_copy(demo_graph, tmp_path / "home")
    argv = ["--home", str(home), "gaps", "--city", "410200", "--format", "json"]
    p = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    out, _, last = p.stdout.rstrip("\n").rpartition("\n")
    modules = json.loads(last)
    assert json.loads(out)["scope"] == "410200"
    assert "iekg.queries.supply" in modules and "iekg.graph.cypher" not in modules


def test_typer_is_given_only_the_asked_command_and_says_the_same() -> None:
    """``main()`` gives typer the app with the asked command only (it builds every command of the app before it
    parses): each command or group alone, its help and a usage error word for word as with the whole app, and the
    app itself left whole."""
    import typer.main
    from typer.testing import CliRunner

    from iekg import cli

    app = cli.app
    before = (list(app.registered_commands), list(app.registered_groups))
    runner = CliRunner()
    names = [cli._name_of(c) for c in app.registered_commands] + [g.name for g in app.registered_groups]
    assert sorted(names) == sorted(cli.COMMANDS)
    for name in names:
        one = cli.only(app, name)
        assert list(typer.main.get_command(one).commands) == [name]
        for argv in ([name, "--help"], [name, "--no-such-option"]):
            whole, alone = runner.invoke(app, argv), runner.invoke(one, argv)
            assert (alone.exit_code, alone.output) == (whole.exit_code, whole.output), (argv, alone.output)
    assert cli.only(app, "no-such-command") is app and cli.only(app, None) is app
    assert (list(app.registered_commands), list(app.registered_groups)) == before
