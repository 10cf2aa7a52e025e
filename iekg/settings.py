"""Settings from the environment (``IEKG_*``) and the command line, in one place.

:class:`Settings` reads the fields below from ``IEKG_<FIELD>`` (any case) and from its keyword arguments, which
win.  The rules are pydantic-settings' (the model :func:`model` builds from the same fields); the common case —
every given value plainly of its type (``IEKG_WRITE_WAIT=30``, ``--home DIR``) — is read here without it, which
spares a fresh ``iekg`` process the import of pydantic and pydantic-settings (a tenth of a second of a city's
question, issue 20).  Any other value (``yes`` for a flag, ``1e3``, an empty path, a wrong type, an unknown argument) goes
through the model, so its value and its validation error are pydantic-settings' own, word for word.
"""

from __future__ import annotations

import copy
import functools
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, get_type_hints

PACKAGE_DATA = Path(__file__).resolve().parent / "data"


class Settings:
    """The settings: each field is ``IEKG_<FIELD>`` in the environment, or a keyword argument (which wins).

    ``Settings(**values)`` reads the environment at that moment; a value that is not valid raises pydantic's
    ``ValidationError`` (the model's, :func:`model`).  ``model_copy(update=…)`` and ``model_dump()`` as on a
    pydantic model."""

    home: Path = Path.home() / ".iekg"  # IEKG_HOME: where the embedded graph lives
    store: str = "sqlite"  # IEKG_STORE: sqlite (embedded; "networkx"/"embedded" are aliases) | neo4j
    write_wait: float = 600.0  # IEKG_WRITE_WAIT: seconds an import waits for another one writing the embedded graph
    lang: str = "zh"  # IEKG_LANG: zh | en (messages and table headers)
    server: str | None = None  # IEKG_SERVER: ask a running `iekg serve` at this address (http://host:port) the CLI's questions
    server_timeout: float = 300.0  # IEKG_SERVER_TIMEOUT: seconds a question asked of the server may take
    public_dir: Path | None = None  # IEKG_PUBLIC_DIR: folder of official public lists to load on build
    reference_dir: Path = PACKAGE_DATA / "reference"
    demo_dir: Path = PACKAGE_DATA / "demo"
    vocabulary_file: Path | None = None  # IEKG_VOCABULARY_FILE: the user's own terms and synonyms (vocabularies.csv shape)

    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str = "neo4j"

    # Thresholds that are NOT in the notice: our assumptions, shown as
    # "参考值（本工具假设，可在设置中修改）" wherever they appear (docs/measures.md).
    shortage_below: float = 0.8  # IEKG_SHORTAGE_BELOW: supply/demand ratio below this is a shortage
    surplus_above: float = 1.25  # IEKG_SURPLUS_ABOVE: ratio above this is a surplus
    gap_min_people: float = 50.0  # IEKG_GAP_MIN_PEOPLE: a supply/demand gap smaller than this is "minor"
    gap_full_people: float = 500.0  # IEKG_GAP_FULL_PEOPLE: a gap this large weighs fully in the ranking
    reference_sai: float | None = None  # IEKG_REFERENCE_SAI: readiness's SAI reference (None: the target data's 0.6)
    reference_employment: float | None = None  # IEKG_REFERENCE_EMPLOYMENT: employment reference (None: 0.9)

    # the API (``iekg serve``)
    api_key: str | None = None  # IEKG_API_KEY: writes (imports) need header X-API-Key with this value; unset → writes off
    cors_origins: list[str] = []  # IEKG_CORS_ORIGINS: comma-separated origins; empty → no CORS
    max_upload_bytes: int = 20 * 1024 * 1024  # IEKG_MAX_UPLOAD_BYTES: largest accepted import upload
    api_key_label: str = "api-key"  # IEKG_API_KEY_LABEL: who API imports are recorded as in the import history

    # bounded work per imported file (iekg.loaders.limits): the error of a file over a limit names the setting
    max_file_bytes: int = 200 * 1024 * 1024  # IEKG_MAX_FILE_BYTES: one CSV/XLS/XLSX file on disk
    max_rows: int = 200_000  # IEKG_MAX_ROWS: non-empty rows of one file (and a sheet's last used row)
    max_cells: int = 5_000_000  # IEKG_MAX_CELLS: cells of one file
    max_inflated_bytes: int = 200 * 1024 * 1024  # IEKG_MAX_INFLATED_BYTES: an XLSX archive, inflated
    max_zip_members: int = 2_000  # IEKG_MAX_ZIP_MEMBERS: members of an XLSX archive
    max_zip_ratio: int = 200  # IEKG_MAX_ZIP_RATIO: compression ratio of one XLSX member over 1 MB
    max_parse_seconds: float = 300.0  # IEKG_MAX_PARSE_SECONDS: time to read one file
    max_name_chars: int = 500  # IEKG_MAX_NAME_CHARS: one cell of an id, code, name or other one-line field
    max_cell_chars: int = 32_767  # IEKG_MAX_CELL_CHARS: any one cell (Excel's own limit), e.g. a long 备注
    import_job_bytes: int = 1024 * 1024  # IEKG_IMPORT_JOB_BYTES: uploads above this run as a job (202 + status URL)
    heavy_concurrency: int = 2  # IEKG_HEAVY_CONCURRENCY: expensive reads (paths, province-wide analyses) at once
    heavy_queue: int = 16  # IEKG_HEAVY_QUEUE: expensive reads that may wait for a turn; more are refused (429)
    heavy_wait: float = 15.0  # IEKG_HEAVY_WAIT: seconds one may wait for a turn before it is refused (429)
    retry_after: int = 5  # IEKG_RETRY_AFTER: seconds a client is told to wait when the server is busy (429)
    upload_dir: Path | None = None  # IEKG_UPLOAD_DIR: where uploads wait while validated (default: system temp)
    header_timeout: float = 10.0  # IEKG_HEADER_TIMEOUT: seconds a connection has to send a whole request head
    max_connections: int = 1000  # IEKG_MAX_CONNECTIONS: open connections at once; one more gets 503 and is closed
    keep_alive: float = 5.0  # IEKG_KEEP_ALIVE: seconds an idle keep-alive connection is kept open
    # Neo4j: a server that is down or hung (a stopped process, connections open) must be answered fast
    # (seconds), not after the driver's 30–60 s defaults or never (iekg.graph.neo4jstore.driver_options)
    neo4j_connection_timeout: float = 3.0  # IEKG_NEO4J_CONNECTION_TIMEOUT: seconds to open a connection
    neo4j_acquisition_timeout: float = 3.0  # IEKG_NEO4J_ACQUISITION_TIMEOUT: seconds to get a working connection
    #   (from the pool after its liveness check, or a new one: TCP, Bolt handshake and login), all included
    neo4j_liveness_check: float = 0.0  # IEKG_NEO4J_LIVENESS_CHECK: a pooled connection idle longer than this
    #   (seconds) is checked (RESET) before use, within the acquisition timeout; 0 = always; <0 = never
    neo4j_retry_time: float = 1.0  # IEKG_NEO4J_RETRY_TIME: seconds a failing transaction is retried
    neo4j_query_timeout: float = 120.0  # IEKG_NEO4J_QUERY_TIMEOUT: seconds an answer's reads may run together (its
    #   read transaction), or a read outside an answer (0 = no limit)
    neo4j_keep_alive: bool = True  # IEKG_NEO4J_KEEP_ALIVE: TCP keep-alive on the driver's sockets (a dead peer)
    # a fresh build (iekg build / sync) into the Neo4j of scripts/neo4j-local uses Neo4j's offline importer
    neo4j_local_data: Path | None = None  # IEKG_NEO4J_LOCAL_DATA: the neo4j-local data folder of the server at
    #   IEKG_NEO4J_URI (the default folder, <repo>/.neo4j-local/data, is found by itself when its server runs there)
    neo4j_bulk_min_rows: int = 100_000  # IEKG_NEO4J_BULK_MIN_ROWS: smaller fresh builds use batched UNWIND (the
    #   offline import stops and restarts the server: ~20 s); negative = never the offline importer

    def __init__(self, **values: Any) -> None:
        given = _ANSWER.get()
        if given:  # a question asked of this server with the asker's thresholds (answer_settings): below the arguments
            values = {**given, **values}
        read = _plain(values)
        if read is None:  # not plainly of its type somewhere: pydantic-settings reads it (or says what is wrong)
            made = model()(**values)
            read = {name: getattr(made, name) for name in FIELDS}
        self.__dict__.update(read)

    @property
    def db_file(self) -> Path:
        """The embedded graph (SQLite)."""
        return self.home / "graph.sqlite"

    @property
    def graph_file(self) -> Path:
        """The embedded graph of earlier versions (one JSON file): only read to migrate it."""
        return self.home / "graph.json"

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Settings:
        """A copy with ``update``'s fields replaced (not validated, as pydantic's ``model_copy``)."""
        new = copy.deepcopy(self) if deep else copy.copy(self)
        new.__dict__.update(update or {})
        return new

    def model_dump(self) -> dict[str, Any]:
        """The fields and their values."""
        return {name: copy.deepcopy(self.__dict__[name]) for name in FIELDS}

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]  # mutable, like a pydantic model

    def __repr__(self) -> str:
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in self.__dict__.items())})"


# The settings that shape an answer and are plain numbers: a question asked of a server (``iekg --server``) brings the
# asker's values of these, and the server answers with them (:func:`answer_settings`).  The vocabulary file is not
# among them: it is a file of the asker's machine.
ANSWER_FIELDS = ("shortage_below", "surplus_above", "gap_min_people", "gap_full_people", "reference_sai",
                 "reference_employment")
_ANSWER: ContextVar[dict[str, Any] | None] = ContextVar("iekg_answer_settings", default=None)


@contextmanager
def answer_settings(values: Mapping[str, Any]) -> Iterator[None]:
    """Within the block, every :class:`Settings` made in this context (this thread, this request) takes ``values``
    (fields of :data:`ANSWER_FIELDS`, as text or numbers) over the environment's, below its own arguments.  They are
    checked first: an unknown field is a ``ValueError``, a value not of its type pydantic's ``ValidationError``."""
    unknown = sorted(set(values) - set(ANSWER_FIELDS))
    if unknown:
        raise ValueError(f"not a setting of an answer: {', '.join(unknown)} (they are {', '.join(ANSWER_FIELDS)})")
    made = Settings(**values) if values else None  # (checked, and read as Settings reads them)
    token = _ANSWER.set({k: getattr(made, k) for k in values} if made is not None else None)
    try:
        yield
    finally:
        _ANSWER.reset(token)


def _split_origins(v: Any) -> Any:
    """``IEKG_CORS_ORIGINS``: comma-separated."""
    if isinstance(v, str):
        return [o.strip() for o in v.split(",") if o.strip()]
    return v


HINTS: dict[str, Any] = get_type_hints(Settings)
FIELDS: tuple[str, ...] = tuple(HINTS)
DEFAULTS: dict[str, Any] = {name: getattr(Settings, name) for name in FIELDS}
for _name in FIELDS:  # the class keeps no field values: an instance has them all
    delattr(Settings, _name)


@functools.cache
def model() -> type:
    """The pydantic-settings model of :class:`Settings` (the same fields, defaults and rules): what reads any
    value that is not plainly of its type, and whose ``ValidationError`` names what is wrong."""
    from typing import Annotated

    from pydantic import field_validator
    from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

    hints = {**HINTS, "cors_origins": Annotated[list[str], NoDecode]}
    namespace: dict[str, Any] = {
        "__module__": __name__, "__qualname__": "Settings", "__annotations__": hints,
        "model_config": SettingsConfigDict(env_prefix="IEKG_", extra="ignore"),
        "_split_origins": field_validator("cors_origins", mode="before")(classmethod(
            lambda cls, v: _split_origins(v))),
        **DEFAULTS,
    }
    return type("Settings", (BaseSettings,), namespace)


# ------------------------------------------------------------------------- values read without pydantic
# Only what pydantic-settings reads to the very same value: anything else goes to the model.
_INT = re.compile(r"(?:0|-?[1-9][0-9]{0,17})")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,6})?")
_BOOL = {"true": True, "false": False, "1": True, "0": False}
_NOT_GIVEN = object()


def _kind(hint: Any) -> tuple[Any, bool]:
    """A field's type and whether it may be None."""
    args = getattr(hint, "__args__", ())
    if type(None) in args:
        (base,) = (a for a in args if a is not type(None))
        return base, True
    return (list if hint == list[str] else hint), False


KINDS: dict[str, tuple[Any, bool]] = {name: _kind(hint) for name, hint in HINTS.items()}


def _from_env(kind: Any, text: str) -> Any:
    """An environment value of a field of ``kind``, or ``_NOT_GIVEN`` when it is not plainly one."""
    if kind is str:
        return text
    if kind is float:
        return float(text) if _FLOAT.fullmatch(text) else _NOT_GIVEN
    if kind is int:
        return int(text) if _INT.fullmatch(text) else _NOT_GIVEN
    if kind is bool:
        return _BOOL.get(text, _NOT_GIVEN)
    if kind is Path:
        return Path(text) if text.strip() == text and text not in ("", ".") else _NOT_GIVEN
    if kind is list:
        return _split_origins(text)
    return _NOT_GIVEN


def _from_argument(kind: Any, optional: bool, v: Any) -> Any:
    """A keyword argument of a field of ``kind``, or ``_NOT_GIVEN`` when it is not plainly one."""
    if v is None:
        return None if optional else _NOT_GIVEN
    if kind is str:
        return v if type(v) is str else _NOT_GIVEN
    if kind is float:
        return float(v) if type(v) in (int, float) else _NOT_GIVEN
    if kind is int or kind is bool:
        return v if type(v) is kind else _NOT_GIVEN
    if kind is Path:
        if isinstance(v, Path):
            return v
        return _from_env(Path, v) if type(v) is str else _NOT_GIVEN
    if kind is list:
        if type(v) is str:
            return _split_origins(v)
        return list(v) if type(v) is list and all(type(o) is str for o in v) else _NOT_GIVEN
    return _NOT_GIVEN


def _plain(values: dict[str, Any]) -> dict[str, Any] | None:
    """Every field's value when each given one (the arguments, ``IEKG_*`` in any case) is plainly of its type;
    None otherwise (the model then reads them)."""
    if any(name not in KINDS for name in values):
        return None
    env = {k.lower(): v for k, v in os.environ.items()}
    read: dict[str, Any] = {}
    for name, (kind, optional) in KINDS.items():
        if name in values:
            v = _from_argument(kind, optional, values[name])
        elif (text := env.get("iekg_" + name)) is not None:
            v = _from_env(kind, text)
        else:
            v = copy.deepcopy(DEFAULTS[name])
        if v is _NOT_GIVEN:
            return None
        read[name] = v
    return read
