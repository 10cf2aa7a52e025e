"""scripts/bench_queries.py, the benchmark of every planner-facing question (issue 20), run once on the demo.

The benchmark prints figures and asserts none, so a question whose command or route changed would show up only as a
figure marked "(exit N)" in a table someone reads later. Here every question's CLI command must exit 0 (asked of the
graph here, and of the running server with ``--server``) and its API route must answer 200, and the table must hold
every question, the dashboard's first view and the start-up floors.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from conftest import demo_copy

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bench_queries.py"
FIGURE = re.compile(r"^\d+\.\d\d( ✱)?$")


def _table(out: str) -> dict[str, list[str]]:
    rows = {}
    for line in out.splitlines():
        if line.startswith("| ") and not line.startswith(("| question", "| ---")):
            name, *cells = [c.strip() for c in line.strip().strip("|").split("|")]
            rows[name] = cells
    return rows


def test_every_question_answers_on_both_faces(demo_graph: Path, tmp_path: Path) -> None:
    home = demo_copy(demo_graph, tmp_path / "home")
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import bench_queries
    finally:
        sys.path.remove(str(SCRIPT.parent))
    ids = bench_queries.pick(home)
    asked = [q[0] for q in bench_queries.questions(ids)]
    assert len(asked) == 18
    p = subprocess.run([sys.executable, str(SCRIPT), "--home", str(home), "--repeat", "1", "--store", "sqlite"],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    rows = _table(p.stdout)
    assert "| question | SQLite CLI | SQLite CLI → server | SQLite API |" in p.stdout
    assert set(rows) == {*asked, "dashboard first view", bench_queries.FLOOR}
    for name in asked:
        assert all(FIGURE.match(c) for c in rows[name]), (name, rows[name], p.stderr[-2000:])  # no "(exit N)"
    assert rows["dashboard first view"][:2] == ["–", "–"] and FIGURE.match(rows["dashboard first view"][2])
    *floors, none = rows[bench_queries.FLOOR]
    assert none == "–" and all(re.fullmatch(r"\d+\.\d\d", f) for f in floors)  # figures, never marked: no aim
