"""Neighbours and paths between entities (being split out of ``iekg.queries.relations``)."""

from iekg.queries.relations import (  # noqa: F401
    all_paths,
    neighbours,
    neighbours_reason,
    path_reason,
    search_reason,
    shortest_path,
)
