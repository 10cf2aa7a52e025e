"""Migration of a legacy ``graph.json`` (format ``iekg-graph``, version 1: the networkx store's file) into any
store.

The file is read as a stream (a chunk at a time, one node or relationship decoded at a time), so a 1 GB
file never sits in memory as text and as parsed JSON at once; only the change set is built.  Everything is
checked before the target store is touched: a file that is not an iekg graph, is of a newer version, or is
corrupt (broken JSON, truncated, a relationship to a missing node …) raises :class:`LegacyGraphError`,
which says what the file is and how to recover, and nothing is changed.  The whole graph is then written
with one ``Store.apply(changes, fresh=True)``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from iekg.graph.schema import NODE_TYPES, REL_TYPES, rel_key
from iekg.graph.store import ApplyResult, ChangeSet, Node, Rel, Store, StoreError

FORMAT = "iekg-graph"
VERSION = 1
CHUNK = 1 << 20  # characters read at a time

RECOVER = ("Nothing was changed. To recover: if this was your graph, put back a copy of it (a graph.json.bak "
           "left by an earlier migration, or your own backup) and run `iekg migrate --from FILE`; or rebuild "
           "the graph with `iekg build` and import your files again. If the file is something else, move it "
           "out of the home folder.")


def _shared(props: dict[str, Any]) -> dict[str, Any]:
    """``props`` with its keys and short text values shared with every other item's (each item is decoded
    on its own, so the decoder cannot share them as it does within one document): a third less memory."""
    return {sys.intern(k): sys.intern(v) if isinstance(v, str) and len(v) <= 40 else v for k, v in props.items()}


class LegacyGraphError(StoreError):
    """The file cannot be migrated; the message says what it is and how to recover."""


@dataclass
class Migrated:
    source: Path
    nodes: int
    rels: int
    result: ApplyResult
    backup: Path | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"source": str(self.source), "nodes": self.nodes, "relationships": self.rels,
                "result": self.result.as_dict(), "backup": None if self.backup is None else str(self.backup)}


def _what(head: bytes) -> str:
    """A few words on what a file that is not an iekg graph looks like."""
    if not head.strip():
        return "an empty file"
    if head.startswith(b"SQLite format 3\x00"):
        return "a SQLite database, not a graph.json"
    if head.startswith(b"PK\x03\x04"):
        return "a zip archive (an .xlsx workbook?), not a graph.json"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "a UTF-16 text file, not a graph.json"
    if not head.lstrip().startswith((b"{", b"\xef\xbb\xbf{")):
        return "not a JSON object (it starts with " + repr(head[:24].decode("utf-8", "replace")) + ")"
    return ""


class _Stream:
    """Top-level JSON object reader that yields the items of its arrays one at a time."""

    def __init__(self, fh: TextIO, path: Path) -> None:
        self.fh, self.path = fh, path
        self.buf, self.pos, self.eof, self.consumed = "", 0, False, 0
        self.decoder = json.JSONDecoder()

    def _more(self) -> bool:
        if self.eof:
            return False
        chunk = self.fh.read(CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.consumed += self.pos
        self.buf = self.buf[self.pos:] + chunk
        self.pos = 0
        return True

    def bad(self, why: str) -> LegacyGraphError:
        return LegacyGraphError(f"{self.path} is a corrupt iekg graph file: {why} (near character "
                                f"{self.consumed + self.pos}). {RECOVER}")

    def peek(self) -> str:
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def expect(self, chars: str) -> str:
        c = self.peek()
        if not c or c not in chars:
            raise self.bad(f"expected {' or '.join(repr(x) for x in chars)}, found "
                           f"{'the end of the file' if not c else repr(c)} (the file is cut off or damaged)")
        self.pos += 1
        return c

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                v, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self._more():
                    continue
                cut = " where the file ends: it was cut off" if exc.pos >= len(self.buf) - 1 else ""
                raise self.bad(f"invalid JSON ({exc.msg}{cut})") from None
            if end >= len(self.buf) and self._more():  # a number may go on in the next chunk
                continue
            self.pos = end
            return v

    def members(self, arrays: Mapping[str, Callable[[int, Any], None]]) -> Iterator[tuple[str, Any, bool]]:
        """The top-level object's (key, value, False) triples; the arrays named in ``arrays`` are handed item
        by item to their callback (index, item) instead, and come back as (key, item count, True)."""
        self.expect("{")
        if self.peek() == "}":
            self.pos += 1
        else:
            while True:
                key = self.value()
                if not isinstance(key, str):
                    raise self.bad("a key that is not a string")
                self.expect(":")
                if key in arrays and self.peek() == "[":
                    self.pos += 1
                    n = 0
                    if self.peek() == "]":
                        self.pos += 1
                    else:
                        while True:
                            arrays[key](n, self.value())
                            n += 1
                            if self.expect(",]") == "]":
                                break
                    yield key, n, True
                else:
                    yield key, self.value(), False
                if self.expect(",}") == "}":
                    break
        if self.peek():
            raise self.bad("more text after the graph")


def read_legacy(path: str | Path) -> ChangeSet:
    """The graph in a legacy ``graph.json`` as one change set (checked completely; see the module doc)."""
    path = Path(path)
    try:
        with open(path, "rb") as raw:
            head = raw.read(64)
    except FileNotFoundError:
        raise LegacyGraphError(f"{path} does not exist: there is no graph file to migrate") from None
    except OSError as exc:
        raise LegacyGraphError(f"{path} cannot be read ({exc.strerror}); check its permissions") from None
    what = _what(head)
    if what:
        raise LegacyGraphError(f"{path} is not an iekg graph file: it is {what}. {RECOVER}")
    changes = ChangeSet()
    header: dict[str, Any] = {}

    def check_header(key: str | None) -> None:
        # nodes and rels come after "format" and "version" in every file version 1 wrote: a foreign JSON
        # file is refused before its content is read
        if header.get("format") != FORMAT:
            fmt = header.get("format")
            raise LegacyGraphError(f"{path} is not an iekg graph file: it is a JSON file "
                                   + (f"of format {fmt!r}" if fmt is not None else
                                      f"without the \"format\": \"{FORMAT}\" marker" if key is None else
                                      f"whose {key!r} comes before any \"format\": \"{FORMAT}\" marker")
                                   + f". {RECOVER}")
        if header.get("version") != VERSION:
            v = header.get("version")
            if isinstance(v, int) and v > VERSION:
                raise LegacyGraphError(f"{path} was written by a newer iekg (graph file version {v}; this one "
                                       f"reads version {VERSION}): use that version of iekg. Nothing was changed.")
            raise LegacyGraphError(f"{path} is a corrupt iekg graph file: unknown version {v!r}. {RECOVER}")

    def node(i: int, item: Any) -> None:
        if i == 0:
            check_header("nodes")
        try:
            uid, label, props = item["uid"], item["label"], item["props"]
            ok = isinstance(props, dict) and label in NODE_TYPES and uid == f"{label}:{props['id']}"
        except (TypeError, KeyError):
            ok = False
        if not ok:
            raise stream.bad(f"node #{i + 1} is not a valid node ({str(item)[:120]})")
        if uid in changes.nodes:
            raise stream.bad(f"node {uid} appears twice")
        changes.nodes[uid] = Node(uid, sys.intern(label), _shared(props))

    def rel(i: int, item: Any) -> None:
        if i == 0:
            check_header("rels")
        try:
            r = Rel(sys.intern(item["type"]), sys.intern(item["src"]), sys.intern(item["dst"]),
                    _shared(item["props"]) if isinstance(item["props"], dict) else item["props"])
            ok = isinstance(r.props, dict) and r.type in REL_TYPES and item["key"] == rel_key(
                r.type, r.src, r.dst, r.props)
        except (TypeError, KeyError):
            ok = False
        if not ok:
            raise stream.bad(f"relationship #{i + 1} is not a valid relationship ({str(item)[:120]})")
        changes.rels[item["key"]] = r

    try:
        with open(path, encoding="utf-8-sig") as fh:
            stream = _Stream(fh, path)
            arrays = set()
            for key, value, is_array in stream.members({"nodes": node, "rels": rel}):
                if key in ("format", "version"):
                    header[key] = value
                elif key in ("nodes", "rels"):
                    if not is_array:
                        check_header(key)
                        raise stream.bad(f"{key!r} is not a list")
                    arrays.add(key)
    except UnicodeDecodeError:
        raise LegacyGraphError(f"{path} is not an iekg graph file: it is not UTF-8 text. {RECOVER}") from None
    except OSError as exc:
        raise LegacyGraphError(f"{path} cannot be read ({exc.strerror}). Nothing was changed.") from None
    check_header(None)
    for key in ("nodes", "rels"):
        if key not in arrays:
            raise LegacyGraphError(f"{path} is a corrupt iekg graph file: it has no {key!r} list. {RECOVER}")
    for r in changes.rels.values():
        for end in (r.src, r.dst):
            if end not in changes.nodes:
                raise LegacyGraphError(f"{path} is a corrupt iekg graph file: relationship {r.key} refers to "
                                       f"the missing node {end}. {RECOVER}")
    return changes


def migrate(path: str | Path, store: Store, *, audit: Mapping[str, Any] | None = None) -> Migrated:
    """Replace ``store``'s graph by the graph in the legacy file ``path`` (read and checked first)."""
    changes = read_legacy(path)
    result = store.apply(changes, fresh=True, audit=audit)
    return Migrated(Path(path), len(changes.nodes), len(changes.rels), result)


def backup_path(path: Path) -> Path:
    """``graph.json.bak`` beside ``path``, or ``graph.json.bak.2``, ``.3`` … when that exists (never overwrite)."""
    candidate = path.with_name(path.name + ".bak")
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.bak.{n}")
        n += 1
    return candidate
