"""The store a face works on: opening it (and converting an earlier iekg's ``graph.json``), copying it
into Neo4j, its counts, its import history, and the graph as a file."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iekg.graph.sqlitestore import SqliteStore
from iekg.graph.store import ApplyResult, ChangeSet, Store, StoreError, audit_entry
from iekg.settings import Settings

if TYPE_CHECKING:  # the loaders only where a file is read (a question's store opens without them)
    from iekg.service.loading import Progress

EMBEDDED = ("sqlite", "networkx", "embedded")  # the embedded store's name and its earlier names


def open_store(settings: Settings, say: Progress | None = None, *, migrate_legacy: bool = True) -> Store:
    """The configured store.  The embedded one converts a home's ``graph.json`` of an earlier iekg on first
    open (:func:`migrate_home`; ``say`` tells the user, else the log), unless ``migrate_legacy`` is off.

    Parameters
    ----------
    settings : Settings
        ``store`` (``sqlite`` — also its earlier names ``networkx``, ``embedded`` — or ``neo4j``), the
        database file and the Neo4j connection.
    say : callable, optional
        Tells the user about a conversion (default: a warning in the ``iekg`` log).
    migrate_legacy : bool
        Convert a legacy ``graph.json`` on first open (default: True).

    Returns
    -------
    Store
        A :class:`~iekg.graph.sqlitestore.SqliteStore` or a ``Neo4jStore``.

    Raises
    ------
    StoreError
        For an unknown store name, or a database the embedded store cannot open (a folder, a newer schema …).
    iekg.graph.migrate.LegacyGraphError
        When a legacy ``graph.json`` to convert is foreign or corrupt (a :class:`StoreError`).

    Examples
    --------
    >>> store = open_store(Settings(), print)
    """
    if settings.store in EMBEDDED:
        store = SqliteStore(settings.db_file, write_wait=settings.write_wait)
        if migrate_legacy and settings.graph_file.is_file():
            migrate_home(settings, store, say or logging.getLogger("iekg").warning, via="migrate")
        return store
    if settings.store == "neo4j":
        from iekg.graph.neo4jstore import Neo4jStore  # type: ignore[import-not-found]

        return Neo4jStore.from_settings(settings)  # type: ignore[no-any-return]
    raise StoreError(f"unknown store {settings.store!r}: use sqlite (the embedded default) or neo4j")


def copy_graph(src: Store) -> ChangeSet:
    """Everything in ``src`` as one change set (nodes with all properties, relationships with theirs).

    Parameters
    ----------
    src : Store
        The graph to copy (only read).

    Returns
    -------
    ChangeSet
        ``nodes`` by uid (every label of the schema) and ``rels`` by key (each relationship once, from its
        start node).
    """
    changes = ChangeSet()
    for n in src.iter_nodes():
        changes.nodes[n.uid] = n
    for r in src.iter_rels():
        changes.rels[r.key] = r
    return changes


def sync(src: Store, dst: Store) -> ApplyResult:
    """Replace ``dst``'s graph by ``src``'s (``iekg sync --to neo4j``: the embedded graph into Neo4j).

    Parameters
    ----------
    src : Store
        The graph to copy (:func:`copy_graph`).
    dst : Store
        The store whose graph is replaced, all or nothing.

    Returns
    -------
    ApplyResult
        Nodes and relationships created, updated and deleted in ``dst``.

    Examples
    --------
    >>> sync(open_store(settings), neo4j_store)

    The named scenarios of ``src`` come along (one of the same name in ``dst`` is replaced; ``dst``'s others
    stay, as its import history does).
    """
    load = getattr(dst, "load_fresh", None)
    if load is None:
        res = dst.apply(copy_graph(src), fresh=True)
    else:  # (Neo4j) streamed from the source's store, never the whole graph at once: 3 million relationships
        labels, types = src.counts()  # held as one change set took 5.4 GB, and its CSV files 11.7 GB at the peak
        res = load(src.iter_nodes, lambda: ((r.key, r) for r in src.iter_rels()),
                   sum(labels.values()) + sum(types.values()))
    for doc in src.scenarios():
        dst.save_scenario(doc)
    return res


def info(store: Store) -> dict[str, Any]:
    """The store's name and counts (``iekg info``).

    Parameters
    ----------
    store : Store
        The graph.

    Returns
    -------
    dict
        ``store`` (its name), ``nodes`` (label → count), ``relationships`` (type → count), ``total_nodes``,
        ``total_relationships`` and ``nodes_by_source_kind``.
    """
    labels, types = store.counts()
    return {"store": store.name, "nodes": labels, "relationships": types,
            "total_nodes": sum(labels.values()), "total_relationships": sum(types.values()),
            "nodes_by_source_kind": store.source_kind_counts()}


def reindex(store: Store) -> dict[str, Any]:
    """Recompute the sums kept with the data from the relationships (``iekg reindex``): for a graph in doubt,
    or one written by an older iekg that has not been opened for writing since.

    Parameters
    ----------
    store : Store
        The graph.

    Returns
    -------
    dict
        ``store``, ``cities`` and ``city_codes`` recomputed, ``seconds``, ``sums_ready``.
    """
    import time

    t = time.perf_counter()
    cities, codes = store.reindex()
    return {"store": store.name, "cities": cities, "city_codes": codes,
            "seconds": round(time.perf_counter() - t, 3), "sums_ready": store.sums_ready()}


def history(store: Store, limit: int = 50) -> list[dict[str, Any]]:
    """The store's recorded imports, newest first: id, at, who, via, files (name, size, sha256), changes.

    Parameters
    ----------
    store : Store
        The graph.
    limit : int
        At most this many entries (default 50).

    Returns
    -------
    list of dict
        One per import, with the keys above (``changes``: nodes_created … rels_deleted).
    """
    return store.import_history(limit)


def migrate_file(store: Store, source: str | Path, *, who: str | None = None, via: str = "cli",
                 backup: bool = False) -> Any:
    """Replace ``store``'s graph by the legacy ``graph.json`` ``source`` (format iekg-graph, version 1).

    Raises :class:`iekg.graph.migrate.LegacyGraphError` (nothing changed) for a foreign or corrupt file.
    With ``backup`` the file is then renamed to ``graph.json.bak`` (never deleted, never overwriting an
    earlier backup).  Recorded in the import history like an import.

    Parameters
    ----------
    store : Store
        The store whose graph is replaced.
    source : str or Path
        The legacy ``graph.json``.
    who : str, optional
        Who migrates, for the import history.
    via : str
        Through what, for the import history (default ``cli``).
    backup : bool
        Rename the file to its backup name afterwards (the backup stays None when another process already
        moved it).

    Returns
    -------
    iekg.graph.migrate.Migrated
        ``source``, ``nodes``, ``rels``, ``result`` (the :class:`ApplyResult`) and ``backup`` (Path or None).

    Raises
    ------
    iekg.graph.migrate.LegacyGraphError
        For a foreign or corrupt file (nothing changed).

    Examples
    --------
    >>> migrate_file(store, "old/graph.json", backup=True)
    """
    from iekg.graph import migrate
    from iekg.service.loading import file_facts

    source = Path(source)
    done = migrate.migrate(source, store, audit=audit_entry(who, via, file_facts([source])))
    if backup:
        done.backup = migrate.backup_path(source)
        try:
            source.rename(done.backup)
        except FileNotFoundError:  # another process migrated the same home at the same time
            done.backup = None
    return done


def migrate_home(settings: Settings, target_store: Store, say: Progress | None = None, *,
                 who: str | None = None, via: str = "cli") -> Any:
    """On first open of a home that holds a ``graph.json`` from an earlier version: convert it into
    ``target_store`` (the new database), tell the user, and keep the old file as ``graph.json.bak``.

    Nothing happens when there is no legacy file, or when ``target_store`` is that file itself.  When the
    target already holds a graph, the legacy file is left alone and ``say`` tells how to migrate it
    explicitly.  Returns the :class:`~iekg.graph.migrate.Migrated` outcome, or None.

    Parameters
    ----------
    settings : Settings
        The home: its ``graph_file`` (the legacy file) and ``db_file`` (named in the messages).
    target_store : Store
        The new database.
    say : callable, optional
        Tells the user what happens (default: nothing).
    who : str, optional
        Who migrates, for the import history.
    via : str
        Through what, for the import history (default ``cli``).

    Returns
    -------
    iekg.graph.migrate.Migrated or None
        The outcome of :func:`migrate_file` (with ``backup``), or None when nothing was converted.

    Raises
    ------
    iekg.graph.migrate.LegacyGraphError
        When the legacy file is foreign or corrupt (nothing changed).
    """
    legacy = settings.graph_file
    say = say or (lambda _m: None)
    if not legacy.is_file():
        return None
    own = getattr(target_store, "path", None)
    if own is not None and Path(own).resolve() == legacy.resolve():
        return None  # the networkx store reads this file itself
    labels, _ = target_store.counts()
    if labels:
        say(f"{legacy} (a graph file of an earlier iekg) was not converted: the database {settings.db_file} "
            f"already holds a graph. To replace that graph by the file's: iekg migrate --from {legacy} --replace")
        return None
    say(f"converting {legacy} (graph file of an earlier iekg) into {settings.db_file} …")
    done = migrate_file(target_store, legacy, who=who, via=via, backup=True)
    say(f"converted: {done.nodes} nodes, {done.rels} relationships; the old file is kept as {done.backup}")
    return done


def export_graph(store: Store, fmt: str, path: str | Path, city: str | None = None) -> dict[str, Any]:
    """Write the graph (or ``city``'s subgraph: iekg.graph.export) as graphml, gexf or node-link json.

    Parameters
    ----------
    store : Store
        The graph.
    fmt : str
        The format (one of :data:`iekg.graph.export.FORMATS`).
    path : str or Path
        The file to write.
    city : str, optional
        Only this city's subgraph (default: the whole graph).

    Returns
    -------
    dict
        What was written: ``format``, ``city``, ``file``, ``nodes`` and ``relationships``.

    Raises
    ------
    ValueError
        For an unknown format.

    Examples
    --------
    >>> export_graph(store, "graphml", "graph.graphml", city="4401")
    """
    from iekg.graph import export

    return export.export_graph(store, fmt, path, city)
