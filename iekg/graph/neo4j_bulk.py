"""A fresh Neo4j build through Neo4j's own offline bulk importer (``neo4j-admin database import full``).

:meth:`iekg.graph.neo4jstore.Neo4jStore.apply` with ``fresh=True`` uses it when the server is the one of
``scripts/neo4j-local`` on this machine (its data folder known: ``IEKG_NEO4J_LOCAL_DATA``, or the default
folder when its server is the one at the URI) and the build is large (``IEKG_NEO4J_BULK_MIN_ROWS``);
otherwise, and whenever a value has no exact CSV form, the batched ``UNWIND`` path runs instead.

The graph is written as CSV files in the importer's format, typed from the values (so an int stays an
int, a bool a bool, a list of text a ``string[]``), with the store's own node ids numbered here
(``--id-type=ACTUAL``: the importer maps no text ids), and ``neo4j-local import`` runs the importer on database
``neo4j`` (replacing it): the running server does it itself (that database stopped, imported, started again;
no restart), or, with an older server or ``IEKG_NEO4J_LIVE_IMPORT=0``, the server is stopped, the importer runs
in a JVM of its own and the server starts again on the same port.  The result is
the graph the ``UNWIND`` path writes: the same nodes with the same properties (``id`` included), the same
relationships with the same properties and the same identity ``_key``, and the import history (audit nodes)
kept; the store then creates its uniqueness constraints (:meth:`Neo4jStore.ensure_schema`).

Labels and relationship types come only from the schema (checked by :func:`iekg.graph.cypher.label` /
:func:`~iekg.graph.cypher.rel_type`); no value is ever part of a command line, only file names are.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from iekg.graph import cypher as cy
from iekg.graph.cypher import KEY
from iekg.graph.schema import AUDIT_LABEL
from iekg.graph.store import grouped_chunks

REPO = Path(__file__).resolve().parents[2]
LAUNCHER = REPO / "scripts" / "neo4j-local" / "neo4j-local"
DEFAULT_DATA = REPO / ".neo4j-local" / "data"
ARRAY_DELIMITER = "\x1f"  # the unit separator: never in the data (a value holding it is not written this way)
LONG_MIN, LONG_MAX = -(2 ** 63), 2 ** 63 - 1


class Unsupported(Exception):
    """A value (or name) with no exact form in the importer's CSV: the caller loads with UNWIND instead."""


# ------------------------------------------------------------------------------------------ where
def local_data(uri: str, configured: Path | str | None, launcher: Path = LAUNCHER) -> Path | None:
    """The neo4j-local data folder of the server at ``uri``, or None when the offline importer cannot be used.

    It must be a server of this machine (``127.0.0.1`` / ``localhost``, scheme ``bolt`` or ``neo4j``), the
    launcher must exist, and the folder's port file (written by ``neo4j-local start``) must name the URI's
    port while its pid file names a live process: only then is the folder that server's.  ``configured``
    (``IEKG_NEO4J_LOCAL_DATA``) is the folder to check; without it the launcher's folder (``IEKG_NEO4J_DATA``, else
    its default) is tried.
    """
    if not launcher.is_file():
        return None
    parts = urlsplit(uri)
    if parts.scheme not in ("bolt", "neo4j") or parts.hostname not in ("127.0.0.1", "localhost"):
        return None
    port = parts.port or 7687
    configured = configured or os.environ.get("IEKG_NEO4J_DATA")  # the launcher's own variable for its folder
    data = Path(configured).expanduser().absolute() if configured else DEFAULT_DATA
    try:  # the files neo4j-local start writes beside the folder
        named = int((data.parent / f"{data.name}.port").read_text().strip() or 0)
        pid = int((data.parent / f"{data.name}.pid").read_text().strip() or 0)
    except (OSError, ValueError):
        return None
    if named != port or pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except OSError:
        return None
    return data


# ------------------------------------------------------------------------------------------ CSV
_SIMPLE = {bool: "boolean", int: "long", float: "double", str: "string"}


def _kind(v: Any) -> str | None:
    """The importer's type of a value (``None``: no property)."""
    if v is None:
        return None
    t = type(v)
    if t is str:
        return "string"
    if t is bool or isinstance(v, bool):
        return "boolean"
    if t is int or isinstance(v, int):
        if not LONG_MIN <= v <= LONG_MAX:
            raise Unsupported("an integer beyond 64 bits")
        return "long"
    if t is float or isinstance(v, float):
        if v != v:  # NaN: no property (neo4jstore._clean)
            return None
        if not math.isfinite(v):
            raise Unsupported("an infinite number")
        return "double"
    if isinstance(v, str):
        return "string"
    if isinstance(v, (list, tuple)):
        kinds = {_kind(x) for x in v}
        if len(kinds) != 1 or None in kinds or any(k.endswith("[]") for k in kinds):  # type: ignore[union-attr]
            raise Unsupported("an empty, mixed or nested list, or one holding null")
        (k,) = kinds
        if k == "string" and any(x == "" or ARRAY_DELIMITER in x for x in v):
            raise Unsupported("a list holding an empty text or the array delimiter")
        return f"{k}[]"
    raise Unsupported(f"a value of type {type(v).__name__}")


class _Cells:
    """Cells of the importer's CSV: nothing for no value, text always quoted (so "" is an empty text, not a
    missing one), and whether any text holds a line break (the importer then reads multi-line fields)."""

    def __init__(self) -> None:
        self.multiline = False

    def text(self, s: str) -> str:
        if "\n" in s or "\r" in s:
            self.multiline = True
        return '"' + s.replace('"', '""') + '"' if '"' in s else '"' + s + '"'

    def __call__(self, v: Any) -> str:
        t = type(v)
        if t is str:
            return self.text(v)
        if v is None:
            return ""
        if t is bool:
            return "true" if v else "false"
        if t is int:
            return str(v)
        if t is float:
            return repr(v) if v == v else ""  # NaN: no value
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(int(v))
        if isinstance(v, float):
            return repr(float(v)) if v == v else ""
        if isinstance(v, str):
            return self.text(str(v))
        return self.text(ARRAY_DELIMITER.join(x if type(x) is str else self(x) for x in v))


def _check_name(name: str) -> str:
    if not name or any(c in name for c in ':,"\n\r') or name.startswith(" ") or name.endswith(" "):
        raise Unsupported(f"a property name the importer's header cannot hold: {name!r}")
    return name


def _typed(rows: list[dict[str, Any]], skip: tuple[str, ...]) -> Iterator[tuple[list[tuple[str, str]], list[int]]]:
    """The rows split by the types of their properties: one typing (name, kind) per group, with the rows'
    indexes.  A property whose values are all of one type gives one column; only a property of several types
    (an int here, a text there) splits the rows, so that each keeps its own type."""
    kinds: dict[str, set[str]] = defaultdict(set)
    simple = _SIMPLE
    for props in rows:
        for k, v in props.items():
            kind = simple.get(type(v))
            if kind is None:  # lists, None, subclasses, odd types
                kind = _kind(v)
                if kind is None:
                    continue
            elif kind == "long":
                if not LONG_MIN <= v <= LONG_MAX:
                    raise Unsupported("an integer beyond 64 bits")
            elif kind == "double" and not math.isfinite(v):
                if v != v:  # NaN: no property, as the UNWIND path cleans it (neo4jstore._clean)
                    continue
                raise Unsupported("an infinite number")
            kinds[k].add(kind)
    for k in skip:
        kinds.pop(k, None)
    names = sorted(kinds)
    mixed = [k for k in names if len(kinds[k]) > 1]
    if not mixed:
        yield [(k, next(iter(kinds[k]))) for k in names], list(range(len(rows)))
        return
    groups: dict[tuple[str | None, ...], list[int]] = defaultdict(list)
    for i, props in enumerate(rows):
        groups[tuple(_kind(props.get(k)) for k in mixed)].append(i)
    for sig, idx in sorted(groups.items(), key=lambda g: g[1][0]):
        typing = dict(zip(mixed, sig, strict=True))
        cols: list[tuple[str, str]] = []
        for k in names:
            kind = typing[k] if k in typing else next(iter(kinds[k]))
            if kind is not None:
                cols.append((k, kind))
        yield cols, idx


def _header(cols: list[tuple[str, str]]) -> list[str]:
    return [f"{_check_name(k)}:{kind}" for k, kind in cols]


@dataclass
class Written:
    """The files of one import and what they hold."""

    folder: Path
    args: list[str]
    nodes: int = 0
    rels: int = 0


def _column(values: list[Any], kind: str, cell: _Cells) -> list[str]:
    """The cells of one column, a whole column at a time (every value of the column is of ``kind`` or none)."""
    if kind == "string":
        given = [v for v in values if v is not None]
        if given and not all(type(v) is str for v in given):
            return [cell(v) for v in values]
        text = "".join(given)
        if "\n" in text or "\r" in text:
            cell.multiline = True
        if '"' in text:
            return ["" if v is None else '"' + v.replace('"', '""') + '"' for v in values]
        return ["" if v is None else '"' + v + '"' for v in values]
    if kind == "long":
        return ["" if v is None else str(v) if type(v) is int else str(int(v)) for v in values]
    if kind == "double":
        return ["" if v is None or v != v else repr(v) if type(v) is float else repr(float(v)) for v in values]
    if kind == "boolean":
        return ["" if v is None else "true" if v else "false" for v in values]
    return [cell(v) for v in values]


def _write_columns(path: Path, head: list[str], columns: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="", buffering=1 << 22) as f:
        f.write(",".join(head) + "\n")
        if columns and columns[0]:
            f.write("\n".join(map(",".join, zip(*columns, strict=True))))
            f.write("\n")


CHUNK = 100_000  # rows of one label or relationship type held before they are written (a file each)


def write_csv(folder: Path, nodes: Iterable[Any], rels: Iterable[tuple[str, Any]],
              history: list[dict[str, Any]], *, chunk: int | None = None) -> Written:
    """The CSV files of a fresh graph in ``folder`` and the importer's arguments for them.

    The nodes and relationships are read once, in any order, and written as they come: each label's (each
    relationship type × end labels') rows are held until ``chunk`` of them are there, then written as files of
    their own (one per typing, each with its header), so a graph of millions of relationships streamed from a
    store is never held whole (``iekg sync``).  The importer reads every file of a label or type as one.

    Parameters
    ----------
    folder
        An empty folder (created).
    nodes
        The nodes (``label``, ``props`` with ``id``), every one before the relationships.
    rels
        ``(key, relationship)`` pairs: the key is the relationship's ``_key``, as the UNWIND path writes it.
    history
        The import history's nodes (their properties) to carry over: the importer replaces the database.
        A NaN is no value, as in the UNWIND path (``neo4jstore._clean``); the properties are not copied.
    chunk
        Rows of one label or type held at most before they are written (default :data:`CHUNK`).

    Raises
    ------
    Unsupported
        For a value or property name with no exact CSV form (nothing is imported then).
    """
    folder.mkdir(parents=True, exist_ok=True)
    chunk = chunk or CHUNK
    args: list[str] = []
    out = Written(folder, args)
    cell = _Cells()
    files: dict[str, int] = defaultdict(int)  # (a label's or type's files so far: each file's number)
    # The importer's node ids are the store's own (--id-type=ACTUAL): 0, 1, 2, … numbered here, so that it maps
    # no text ids (no encoding, sorting or lookups of 1 M relationship ends); ``id`` is an ordinary property.
    number: dict[str, int] = {}

    def write_nodes(label: str, rows: list[dict[str, Any]]) -> None:
        cy.label(label)  # a schema label, or ValueError
        for cols, idx in _typed(rows, ("id",)):
            path = folder / f"n-{label}-{files[label]}.csv"
            files[label] += 1
            part = rows if len(idx) == len(rows) else [rows[i] for i in idx]
            first = len(number)
            number.update((f"{label}:{p['id']}", first + i) for i, p in enumerate(part))
            _write_columns(path, [":ID", "id:string", *_header(cols)],
                           [[str(first + i) for i in range(len(part))],
                            _column([p["id"] for p in part], "string", cell),
                            *[_column([p.get(k) for p in part], kind, cell) for k, kind in cols]])
            args.append(f"--nodes={label}={path}")
            out.nodes += len(idx)

    def checked(n: Any) -> Any:
        if not isinstance(n.props.get("id"), str):
            raise Unsupported(f"a node id that is not a text: {n.label} {n.props.get('id')!r}")
        return n

    for label, part in grouped_chunks(map(checked, nodes), lambda n: n.label, chunk):
        write_nodes(label, [n.props for n in part])
    if history:
        first = len(number)
        for g, (cols, idx) in enumerate(_typed(history, ())):
            path = folder / f"n-{AUDIT_LABEL}-{g}.csv"
            part = history if len(idx) == len(history) else [history[i] for i in idx]
            _write_columns(path, [":ID", *_header(cols)], [[str(first + i) for i in idx],
                                                            *[_column([p.get(k) for p in part], kind, cell) for k, kind in cols]])
            args.append(f"--nodes={AUDIT_LABEL}={path}")

    def write_rels(group: tuple[str, str, str], ends: list[tuple[int, int, str, dict[str, Any]]]) -> None:
        rel_type, sl, dl = group
        cy.rel_type(rel_type)
        name = f"{rel_type}-{sl}-{dl}"
        rel_props = [p for *_, p in ends]
        for cols, idx in _typed(rel_props, (KEY,)):
            path = folder / f"r-{name}-{files[name]}.csv"
            files[name] += 1
            chosen = ends if len(idx) == len(ends) else [ends[i] for i in idx]
            props = [e[3] for e in chosen]
            _write_columns(path, [":START_ID", ":END_ID", f"{KEY}:string", *_header(cols)],
                           [[str(e[0]) for e in chosen], [str(e[1]) for e in chosen],
                            _column([e[2] for e in chosen], "string", cell),
                            *[_column([p.get(k) for p in props], kind, cell) for k, kind in cols]])
            args.append(f"--relationships={rel_type}={path}")
            out.rels += len(idx)

    def ends(pair: tuple[str, Any]) -> tuple[tuple[str, str, str], tuple[int, int, str, dict[str, Any]]]:
        key, r = pair  # (numbered after every node is: read as the relationships come)
        si, di = number.get(r.src), number.get(r.dst)
        if si is None or di is None:
            raise Unsupported("a relationship to a node the build does not hold")
        return (r.type, r.src.partition(":")[0], r.dst.partition(":")[0]), (si, di, key, r.props)

    for group, part in grouped_chunks(map(ends, rels), lambda e: e[0], chunk):
        write_rels(group, [e[1] for e in part])
    args += ["--array-delimiter=U+001F", "--quote=\"", "--delimiter=,", "--id-type=ACTUAL",
             "--skip-bad-relationships=false", "--skip-duplicate-nodes=false", "--bad-tolerance=0",
             f"--multiline-fields={'true' if cell.multiline else 'false'}", "--ignore-empty-strings=false",
             "--trim-strings=false", "--normalize-types=false"]
    return out


# ------------------------------------------------------------------------------------------ run
def run_import(data: Path, password: str, args: list[str], launcher: Path = LAUNCHER,
               timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    """``neo4j-local import --data DATA -- ARGS``: the running server imports into its database ``neo4j``
    (or is stopped, imported into and started again on its port with ``password``, given through the
    environment, never on a command line)."""
    env = {**os.environ, "IEKG_NEO4J_PASSWORD": password}
    return subprocess.run([str(launcher), "import", "--data", str(data), "--", *args], capture_output=True,
                          text=True, env=env, stdin=subprocess.DEVNULL, timeout=timeout, check=False)


def scratch(data: Path) -> Path:
    """A folder for the CSV files beside the data folder (same disk, removed after the import)."""
    data.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{data.name}.import-", dir=data.parent))


def remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
