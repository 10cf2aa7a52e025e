"""``--format json`` writes what the standard encoder writes, character for character, whether orjson or the
standard encoder wrote it (iekg.cli.console.json_text)."""

from __future__ import annotations

import datetime
import enum
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from iekg.cli import console


def standard(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


class Plain(enum.Enum):
    A = 1


class Word(enum.StrEnum):
    A = "a"


@contextmanager
def no_standard_encoder() -> Iterator[None]:
    """The standard encoder made to fail: what is written then was written by orjson."""
    real = console.json.dumps

    def refuse(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("the standard encoder was used")

    console.json.dumps = refuse  # type: ignore[assignment]
    try:
        yield
    finally:
        console.json.dumps = real  # type: ignore[assignment]


ANSWER = {  # an answer's kinds of values: nested, empty, Chinese, control characters, figures of every size
    "scope": "410200", "scope_name": "开封市", "year": 2024, "ok": True, "none": None, "empty": [], "nothing": {},
    "figures": [0.0, -0.0, 1.0, 0.1 + 0.2, 0.0001, 0.00012345, 1234.5678, 1e15, 1e16, 1.5e300, -2.5, 2**63, -(2**63)],
    "text": "a\u2028b\x7f\x00\x1f\t\n\"\\/é中 [bold]", "rows": [{"k": [1, [2, {}], ()], "v": (3, "x")}],
}


def test_a_plain_answer_is_written_by_orjson_as_the_standard_encoder_writes_it() -> None:
    want = standard(ANSWER)
    with no_standard_encoder():
        got = console.json_text(ANSWER)
    assert got == want
    assert '"scope_name": "开封市"' in got and "\n  " in got


@pytest.mark.parametrize("value", [
    1e-05, -3.2e-07, 5e-324, 0.00009999, float("nan"), float("inf"), -float("inf"),  # spelled otherwise by orjson
    {1: "a"}, {None: 1}, {2.5: "x"}, {True: 1},  # non-str keys
    np.float64(1.5), np.int64(2), np.bool_(True), Plain.A, Word.A,  # subclasses and types orjson spells otherwise
    datetime.date(2024, 1, 2), datetime.datetime(2024, 1, 2, 3, 4, 5), uuid.UUID(int=7), Decimal("1.10"), {1, 2},
    2**64, -(2**64) - 1, "\ud800",  # beyond orjson
])
def test_what_orjson_would_write_otherwise_goes_to_the_standard_encoder(value: Any) -> None:
    for data in (value, [value], {"a": {"b": [1, value]}}):
        assert console.json_text(data) == standard(data)


def test_deep_nesting_is_written_as_the_standard_encoder_writes_it() -> None:
    deep: list[Any] = []
    inner = deep
    for _ in range(300):  # beyond orjson's depth
        inner.append([])
        inner = inner[0]
    assert console.json_text(deep) == standard(deep)


def test_print_json_and_a_json_file_write_the_same_text(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    console.print_json(ANSWER)
    assert capsys.readouterr().out == standard(ANSWER) + "\n"
    path = tmp_path / "a.json"
    console._write_json(console.Output(ANSWER, None, None, path))
    assert path.read_text(encoding="utf-8") == standard(ANSWER) + "\n"
