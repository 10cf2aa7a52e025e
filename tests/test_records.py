"""``records`` (every answer's rows as JSON-ready dicts) is built a column at a time; it gives exactly the dicts
the cell-by-cell reading gave (``DataFrame.to_dict`` and :func:`py_value` on every cell), for the column types
answers hold: integers, floats with NaN, nullable integers with NA, booleans, text with None, mixed objects,
dates with NaT."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from iekg.queries.scope import py_value, records


def cell_by_cell(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): py_value(v) for k, v in row.items()} for row in df.to_dict("records")]


def same(a: Any, b: Any) -> bool:
    """Equal values of the same type (1 == 1.0 == True would hide a changed type)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


n_rows = st.integers(min_value=0, max_value=6)


@st.composite
def frames(draw: Any) -> pd.DataFrame:
    n = draw(n_rows)
    cols: dict[str, Any] = {}
    for i, kind in enumerate(draw(st.lists(st.sampled_from(
            ["int", "float", "Int64", "bool", "text", "object", "date", "boolean"]), min_size=1, max_size=6))):
        name = f"c{i}_{kind}"
        if kind == "int":
            cols[name] = np.array(draw(st.lists(st.integers(-10**12, 10**12), min_size=n, max_size=n)), dtype="int64")
        elif kind == "float":
            cols[name] = np.array(draw(st.lists(st.one_of(st.floats(allow_infinity=False, allow_nan=False),
                                                          st.just(float("nan"))), min_size=n, max_size=n)),
                                  dtype="float64")
        elif kind == "Int64":
            cols[name] = pd.array(draw(st.lists(st.one_of(st.none(), st.integers(-1000, 1000)), min_size=n, max_size=n)),
                                  dtype="Int64")
        elif kind == "bool":
            cols[name] = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
        elif kind == "boolean":
            cols[name] = pd.array(draw(st.lists(st.one_of(st.none(), st.booleans()), min_size=n, max_size=n)),
                                  dtype="boolean")
        elif kind == "text":
            cols[name] = pd.Series(draw(st.lists(st.one_of(st.none(), st.text(max_size=5)), min_size=n, max_size=n)),
                                   dtype=object)
        elif kind == "object":
            cols[name] = pd.Series(draw(st.lists(st.one_of(
                st.none(), st.integers(-5, 5), st.floats(allow_nan=True), st.text(max_size=3),
                st.lists(st.text(max_size=2), max_size=2), st.just(np.int64(7)), st.just(np.float64("nan"))),
                min_size=n, max_size=n)), dtype=object)
        else:
            cols[name] = pd.to_datetime(pd.Series(draw(st.lists(st.one_of(st.none(), st.dates()), min_size=n,
                                                                  max_size=n)), dtype=object))
    return pd.DataFrame(cols, index=pd.RangeIndex(n))


@settings(max_examples=300, deadline=None)
@given(frames())
def test_records_are_the_cell_by_cell_dicts(df: pd.DataFrame) -> None:
    got, want = records(df), cell_by_cell(df)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert list(g) == list(w)
        assert all(same(g[k], w[k]) for k in w), (g, w)


def test_a_frame_without_columns_has_a_dict_per_row() -> None:
    assert records(pd.DataFrame(index=range(3))) == [{}, {}, {}]
    assert records(pd.DataFrame()) == []
