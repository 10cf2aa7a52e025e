"""A memoised result is computed once when several threads ask for it at once (the API answers the dashboard's
requests in threads over one store): the others wait for it, and compute it themselves only if it failed."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ChangeSet


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    s = SqliteStore(tmp_path / "graph.sqlite")
    s.apply(ChangeSet())  # an empty graph
    return s


def test_asked_at_once_computed_once(store: SqliteStore) -> None:
    calls: list[str] = []
    started = threading.Barrier(4)

    def compute() -> dict[str, int]:
        calls.append(threading.current_thread().name)
        time.sleep(0.3)  # long enough for every other thread to arrive while it runs
        return {"answer": 42}

    def ask(_: int) -> dict[str, int]:
        started.wait()
        return store.memo(("slow",), compute)  # type: ignore[no-any-return]

    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(ask, range(4)))
    assert len(calls) == 1
    assert all(g is got[0] for g in got) and got[0] == {"answer": 42}


def test_a_failed_computation_is_computed_again_by_the_waiting(store: SqliteStore) -> None:
    calls: list[int] = []
    first_running = threading.Event()

    def compute() -> str:
        calls.append(1)
        if len(calls) == 1:
            first_running.set()
            time.sleep(0.2)
            raise RuntimeError("the first computation fails")
        return "second"

    def first() -> str:
        return store.memo(("flaky",), compute)  # type: ignore[no-any-return]

    def second() -> str:
        first_running.wait(5)
        return store.memo(("flaky",), compute)  # type: ignore[no-any-return]

    with ThreadPoolExecutor(2) as pool:
        a, b = pool.submit(first), pool.submit(second)
        with pytest.raises(RuntimeError):
            a.result()
        assert b.result() == "second"
    assert len(calls) == 2
    assert store.memo(("flaky",), lambda: "third") == "second"  # the second computation is kept


def test_asked_again_inside_its_own_computation_does_not_wait_for_itself(store: SqliteStore) -> None:
    # a many-city result that, for one city, memoises its one-city part under the same key
    # (iekg.queries.coverage: "coverage-institutions"); waiting for its own flight would hang
    def outer() -> str:
        return "outer:" + store.memo(("same",), lambda: "inner")  # type: ignore[operator]

    done: list[str] = []
    t = threading.Thread(target=lambda: done.append(store.memo(("same",), outer)), daemon=True)
    t.start()
    t.join(10)
    assert done == ["outer:inner"]


def test_a_result_of_an_older_version_is_not_kept_for_the_new_one(store: SqliteStore) -> None:
    def elsewhere() -> None:
        c = ChangeSet()
        c.add_node("City", "410200", {"name": "开封市"})
        store.apply(c)  # an import while the result is computed: the graph's version moves on
        store.memo(("other",), lambda: "x")  # a read at the new version (it drops the old memo)

    def compute() -> str:
        t = threading.Thread(target=elsewhere)
        t.start()
        t.join(10)
        return "old"

    assert store.memo(("k",), compute) == "old"
    assert store.memo(("k",), lambda: "new") == "new"
