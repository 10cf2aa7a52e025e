"""Dependencies: the store (opened once, shared by all requests), settings, the API key check, and the
validated parameter types every router uses."""

from __future__ import annotations

import asyncio
import hmac
import os
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Security
from fastapi.security import APIKeyHeader
from pydantic import AfterValidator, StringConstraints, WithJsonSchema

from iekg import service
from iekg.api.errors import STORE_DOWN, ProblemError, log
from iekg.graph.schema import NODE_TYPES, REL_TYPES
from iekg.graph.store import Store, StoreError
from iekg.queries.gaps import GAP_TYPES
from iekg.settings import Settings


# ------------------------------------------------------------------------------------------ the store
class RWLock:
    """Many readers or one writer; a waiting writer goes before new readers."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._waiting = 0

    def acquire_read(self) -> None:
        with self._cond:
            while self._writer or self._waiting:
                self._cond.wait()
            self._readers += 1

    def release_read(self) -> None:
        with self._cond:
            self._readers -= 1
            if not self._readers:
                self._cond.notify_all()

    def acquire_write(self) -> None:
        with self._cond:
            self._waiting += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._waiting -= 1
            self._writer = True

    def release_write(self) -> None:
        with self._cond:
            self._writer = False
            self._cond.notify_all()


class StoreHolder:
    """The one store of the app.  Requests read under a shared lock, imports write under an exclusive one —
    except on the embedded store on a file, whose readers read a committed snapshot (WAL): there a write
    excludes only other writes (:meth:`snapshot_reads`), and reads go on while an import writes.

    Waiting for the lock happens on a small executor of its own, never on the threads that run the
    endpoints: requests queued behind an import cannot starve the requests that hold the lock.
    The embedded store keeps the graph in memory: when ``graph.json`` is changed by someone else (an
    ``iekg import`` or ``iekg build`` in a terminal), the next request reloads it, so the API never
    serves — or overwrites — a stale graph."""

    def __init__(self, settings: Settings, store: Store | None = None,
                 opener: Callable[[Settings], Store] | None = None) -> None:
        self.settings = settings
        self.lock = RWLock()
        self._opener = opener or service.open_store
        self._own = store is None
        self.store: Store | None = store
        self.error: str | None = None
        self._mtime = self._file_mtime()
        self._waiters: ThreadPoolExecutor | None = None
        self.generation = 0  # +1 after every write through this holder and every reload of a changed file
        self._writers = threading.Lock()  # writers of a store with snapshot reads (see snapshot_reads)
        self._shared_write = False  # the write held now excludes writers only (set under the write lock)

    def _path(self) -> os.PathLike[str] | None:
        if getattr(self.store, "follows_writes", False):
            return None  # a database store reads the file on every request: nothing to reload
        return getattr(self.store, "path", None)

    def _file_mtime(self) -> int | None:
        p = self._path()
        try:
            return os.stat(p).st_mtime_ns if p is not None else None
        except OSError:
            return None

    def open(self) -> None:
        if self.store is not None:
            return
        try:
            self.store = self._opener(self.settings)
            self.error = None
        except (StoreError, OSError, ValueError) as exc:
            self.error = str(exc)
        self._mtime = self._file_mtime()

    def close(self) -> None:
        if self._waiters is not None:
            self._waiters.shutdown(wait=False)
            self._waiters = None
        if self.store is not None and self._own:
            self.store.close()
            self.store = None

    def _stale(self) -> bool:
        return self._path() is not None and self._file_mtime() != self._mtime

    def _ready(self) -> Store:
        if self.store is None:
            self.open()
        if self.store is None:  # the reason (address, driver message) goes to the log, not to the client
            log.warning("the graph store is not open: %s", self.error)
            raise ProblemError("store-unavailable", STORE_DOWN, headers={"Retry-After": "5"})
        if self._stale():
            self.lock.acquire_write()
            try:
                if self._stale():
                    try:
                        self.store = type(self.store)(self._path())  # type: ignore[call-arg]
                    except (OSError, ValueError) as exc:  # a half-written file: keep what we have
                        self.error = str(exc)
                    self._mtime = self._file_mtime()
                    self.generation += 1
            finally:
                self.lock.release_write()
        return self.store

    # blocking acquire / release (the acquire methods return the store to use)
    def acquire_read(self) -> Store:
        self._ready()
        self.lock.acquire_read()
        assert self.store is not None
        return self.store

    def snapshot_reads(self) -> bool:
        """Whether readers may go on while this server writes: the embedded store on a file (SQLite's WAL:
        a reader reads the last committed graph, never half an import).  Its writers then exclude only
        each other (``_writers``), not the readers."""
        store = self.store
        return bool(getattr(store, "follows_writes", False)) and getattr(store, "path", None) is not None

    def acquire_write(self) -> Store:
        self._ready()
        if self.snapshot_reads():
            self._writers.acquire()
            self._shared_write = True
        else:
            self.lock.acquire_write()
            self._shared_write = False
        assert self.store is not None
        return self.store

    def release_write(self) -> None:
        self._mtime = self._file_mtime()
        self.generation += 1
        if self._shared_write:
            self._writers.release()
        else:
            self.lock.release_write()

    def state(self) -> tuple[int, str | None]:
        """What an import validated against: this holder's write count and, for a store that others may
        write too (Neo4j: a CLI import next to the API), the store's own graph version."""
        version = getattr(self.store, "version", None)
        return self.generation, (version() if callable(version) else None)

    @contextmanager
    def reading(self) -> Iterator[Store]:
        store = self.acquire_read()
        try:
            yield store
        finally:
            self.lock.release_read()

    @contextmanager
    def writing(self) -> Iterator[Store]:
        store = self.acquire_write()
        try:
            yield store
        finally:
            self.release_write()

    async def _acquire(self, acquire: Callable[[], Store], release: Callable[[], None]) -> Store:
        if self._waiters is None:
            self._waiters = ThreadPoolExecutor(max_workers=16, thread_name_prefix="iekg-lock")
        future = asyncio.get_running_loop().run_in_executor(self._waiters, acquire)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:  # the client went away: release once the lock is ours
            future.add_done_callback(lambda f: None if f.cancelled() or f.exception() else release())
            raise

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Store]:
        store = await self._acquire(self.acquire_read, self.lock.release_read)
        try:
            yield store
        finally:
            self.lock.release_read()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Store]:
        store = await self._acquire(self.acquire_write, self.release_write)
        try:
            yield store
        finally:
            self.release_write()


def get_holder(request: Request) -> StoreHolder:
    return request.app.state.holder  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_store(request: Request) -> AsyncIterator[Store]:
    """The graph, read-locked for the duration of the request (an app that mounts only some routers over a
    store of its own, ``app.state.store``, reads it as it is)."""
    holder: StoreHolder | None = getattr(request.app.state, "holder", None)
    if holder is None:
        store = getattr(request.app.state, "store", None)
        if store is None:
            raise LookupError("the app has no graph store (app.state.holder or app.state.store)")
        yield store
        return
    async with holder.read() as store:
        yield store


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
HolderDep = Annotated[StoreHolder, Depends(get_holder)]

# ---------------------------------------------------------------------------------------- the API key
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="ApiKey",
                              description="the key configured as IEKG_API_KEY; needed for imports")


def api_key_problem(configured: str | None, key: str | None) -> ProblemError | None:
    """Why ``key`` (the X-API-Key header) may not write, or None when it may."""
    if not configured:
        return ProblemError("writes-disabled", "imports are disabled: no API key is configured. Set IEKG_API_KEY "
                                               "in the environment of `iekg serve` and send it as header X-API-Key")
    if not key:
        return ProblemError("unauthorized", "header X-API-Key is missing", headers={"WWW-Authenticate": "ApiKey"})
    if not hmac.compare_digest(key.encode("utf-8"), configured.encode("utf-8")):
        return ProblemError("forbidden", "the X-API-Key header does not match the configured key")
    return None


def require_api_key(settings: SettingsDep, key: Annotated[str | None, Security(api_key_header)]) -> None:
    """Writes need ``X-API-Key`` equal to ``IEKG_API_KEY``; with no key configured, writes are off.
    (Uploads are checked before their body is read, by the app's upload guard; this documents the
    scheme and guards every other write route.)"""
    problem = api_key_problem(settings.api_key, key)
    if problem is not None:
        raise problem


# ------------------------------------------------------------------------------------------ parameters
LabelName = StrEnum("LabelName", {k: k for k in NODE_TYPES})  # type: ignore[misc]
RelTypeName = StrEnum("RelTypeName", {k: k for k in REL_TYPES})  # type: ignore[misc]
GapType = StrEnum("GapType", {k: k for k in GAP_TYPES})  # type: ignore[misc]


class Direction(StrEnum):
    out = "out"
    in_ = "in"
    both = "both"


CITY_PATTERN = r"^\d{6}$"
CityCodeStr = Annotated[str, StringConstraints(pattern=CITY_PATTERN)]

CityQuery = Annotated[CityCodeStr | None, Query(description="city code (GB/T 2260, 6 digits)", examples=["410200"])]
CitiesQuery = Annotated[list[CityCodeStr] | None, Query(description="city codes (6 digits; repeat for several)",
                                                        examples=[["410200"]])]
YearQuery = Annotated[int | None, Query(ge=2000, le=2100, description="year (2000–2100); default: the latest with data",
                                        examples=[2024])]
TargetYear = Annotated[int | None, Query(ge=2000, le=2100, description=(
    "also the figures projected to this year (预测, after the data's year) beside today's: ``target`` in the answer, "
    "``projection: true`` and the methods named (docs/measures.md, The target year)"), examples=[2027])]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="rows to skip")]
Limit = Annotated[int, Query(ge=1, le=500, description="rows per page (at most 500)")]
NameQuery = Annotated[str | None, Query(max_length=100, description="name (or id) contains this text",
                                        examples=["开封"])]
IdText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
DetailLimit = Annotated[int, Query(ge=1, le=500, description="relationships shown per type and direction")]


def vocabulary(field: str) -> Any:
    """A filter on an enumerated field that takes what the import takes: a term of the one vocabulary or a
    synonym, mapped to its term (``高职`` → ``高职专科``; :func:`iekg.service.vocabulary_term`, read at each
    request, so a user's ``IEKG_VOCABULARY_FILE`` counts too).  The schema lists the shipped words."""

    def term(raw: str) -> str:
        return service.vocabulary_term(field, raw)  # type: ignore[return-value]

    return Annotated[str, AfterValidator(term),
                     WithJsonSchema({"type": "string", "enum": service.vocabulary_words(field)})]


InstitutionLevel = vocabulary("institution_level")
Ownership = vocabulary("ownership")
MajorLevel = vocabulary("major_level")
IeiLevel = vocabulary("iei_level")
BaseKind = vocabulary("training_base_kind")
BaseLevel = vocabulary("base_level")
AllianceKind = vocabulary("alliance_kind")
PolicyLevel = vocabulary("policy_level")
PolicyStatus = vocabulary("policy_status")


# ------------------------------------------------------------------------ the expensive-reads limit
class HeavyLimit:
    """At most ``limit`` expensive reads (paths, province-wide analyses, exports) at once.  A few more
    (``queue``) may wait up to ``wait`` seconds for a turn — the dashboard asks for three analyses at
    once — and anything beyond is refused at once: a 429 problem with ``Retry-After`` instead of piling
    up.  The counters live on the event loop (no lock needed); waiting polls, so the limit works whatever
    loop runs the request."""

    def __init__(self, limit: int, retry_after: int, *, queue: int = 16, wait: float = 15.0) -> None:
        self.limit = max(1, limit)
        self.retry_after = max(1, retry_after)
        self.queue = max(0, queue)
        self.wait = max(0.0, wait)
        self.busy = 0
        self.waiting = 0

    def refuse(self) -> ProblemError:
        return ProblemError("busy", f"{self.busy} expensive request(s) are running and {self.waiting} waiting "
                                    f"(the limit is {self.limit}); try again in {self.retry_after} s",
                            headers={"Retry-After": str(self.retry_after)})

    async def acquire(self) -> None:
        if self.busy >= self.limit:
            if self.waiting >= self.queue or not self.wait:
                raise self.refuse()
            self.waiting += 1
            try:
                end = asyncio.get_running_loop().time() + self.wait
                while self.busy >= self.limit:
                    if asyncio.get_running_loop().time() >= end:
                        raise self.refuse()
                    await asyncio.sleep(0.02)
            finally:
                self.waiting -= 1
        self.busy += 1


async def heavy_slot(request: Request) -> AsyncIterator[None]:
    """A route dependency (listed before the store's, so a refused request waits for nothing)."""
    limit: HeavyLimit = request.app.state.heavy
    await limit.acquire()
    try:
        yield
    finally:
        limit.busy -= 1


HEAVY = [Depends(heavy_slot)]
