"""How nodes and relationships become rows of the embedded SQLite store (and of a build's scratch file).

The JSON text of the properties is the truth; the typed columns (:data:`~iekg.graph.sqlite_sql.NODE_COLUMNS`,
:data:`~iekg.graph.sqlite_sql.REL_COLUMNS`) copy the values the indexes and sums use.  Shared by the store
(:mod:`iekg.graph.sqlitestore`) and the build spill (:mod:`iekg.graph.spill`), so both write one format.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from iekg.graph.schema import REL_TYPES
from iekg.graph.sqlite_sql import NODE_COLUMNS, REL_COLUMNS


def _number(v: Any) -> float | int | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return None if isinstance(v, float) and math.isnan(v) else v
    if isinstance(v, str):
        try:
            f = float(v)
        except ValueError:
            return None
        return None if math.isnan(f) else f
    return None


def _scalar(v: Any) -> Any:
    return v if isinstance(v, (str, int, float)) and not isinstance(v, bool) else None


def _flag(v: Any) -> int | None:
    return int(v) if isinstance(v, bool) else None


_CONVERT: dict[str, Callable[[Any], Any]] = {"num": _number, "bool": _flag, "scalar": _scalar}


def _typer(columns: Mapping[str, str]) -> Callable[[Mapping[str, Any]], list[Any]]:
    """The typed column values of a property dict (only the properties it has are looked at)."""
    names = set(columns)
    slot = {c: i for i, c in enumerate(columns)}
    conv = {c: _CONVERT[kind] for c, kind in columns.items()}
    width = len(columns)

    def typed(props: Mapping[str, Any]) -> list[Any]:
        out: list[Any] = [None] * width
        for c in names.intersection(props):
            out[slot[c]] = conv[c](props[c])
        return out
    return typed


typed_node = _typer(NODE_COLUMNS)
typed_rel = _typer(REL_COLUMNS)


def clean(props: Mapping[str, Any]) -> Mapping[str, Any]:
    """No NaN (Neo4j drops a property set to null/NaN; JSON has no NaN)."""
    for v in props.values():
        if type(v) is float and v != v:
            return {k: v for k, v in props.items() if not (isinstance(v, float) and math.isnan(v))}
    return props


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
_ORJSON = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME  # (datetimes through default=str, as json does)


def dumps(props: Mapping[str, Any]) -> str:
    """Properties as stored: compact JSON, keys sorted, text as written (not \\u-escaped), anything else
    as its str.  orjson writes what the standard encoder writes — a number may be spelled another way
    (0.00001 for 1e-05), the same value — four times faster (a national build writes millions); what it
    cannot write (an int beyond 64 bits) goes to the standard encoder."""
    try:
        return orjson.dumps(props, option=_ORJSON, default=str).decode()
    except TypeError:
        return _ENCODER.encode(props)


_KEYS: dict[str, tuple[str, ...]] = {t: tuple(spec.key) for t, spec in REL_TYPES.items()}


def key_part(rel_type: str, props: Mapping[str, Any]) -> str:
    """The ``k`` column: the key properties that are part of a relationship's identity."""
    return "|".join([f"{k}={props.get(k)!s}" for k in _KEYS[rel_type]])


def rel_row(rel_type: str, src: str, dst: str, props: Mapping[str, Any]) -> tuple[Any, ...]:
    """The columns of ``rels`` after ``type``: ends, ``k``, ``props`` and the typed copies.

    Parameters
    ----------
    rel_type, src, dst, props
        The relationship (``src`` / ``dst`` are uids ``"<Label>:<id>"``).

    Returns
    -------
    tuple
        ``(type, src_label, src_id, dst_label, dst_id, k, props, *typed)``.
    """
    sl, _, si = src.partition(":")  # (split_uid)
    dl, _, di = dst.partition(":")
    p = clean(props)
    return (rel_type, sl, si, dl, di, key_part(rel_type, props), dumps(p), *typed_rel(p))
