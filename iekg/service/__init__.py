"""The application layer: what the CLI and the API both call, and nothing else.  No printing here.

For each question: check the arguments (:mod:`~iekg.service.arguments`), resolve the scope, run the query,
attach provenance and data coverage (:mod:`~iekg.service.provenance`).  Modules: ``stores`` (open, sync,
history, migrate, export), ``loading`` (build, import), ``explore`` (show, search, neighbours, paths),
``analysis`` (the measures), ``drafting`` (the application drafts), ``places`` (cities), ``pictures`` (a chart's
spec, a network page).

A submodule is imported when one of its names is first used (:func:`__getattr__`): a command that needs
none of the measures (``iekg version``, ``info``) does not import pandas and the queries."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from iekg.service.analysis import (
        alignment,
        coupling,
        gaps,
        partners,
        readiness,
        readiness_all,
        scope,
        who_hires,
        who_trains,
    )
    from iekg.service.arguments import (
        ArgumentError,
        cli_spelling,
        gap_types,
        labels,
        rel_types,
        vocabulary_term,
        vocabulary_words,
    )
    from iekg.service.comparison import compare, trend
    from iekg.service.explore import (
        neighbours,
        paths,
        resolve,
        search,
        search_reason,
        show,
        show_relationship,
    )
    from iekg.service.loading import (
        DEMO_ROWS,
        LoadOutcome,
        Progress,
        audit_for,
        build,
        file_facts,
        import_paths,
        read_sources,
    )
    from iekg.service.pictures import chart_spec, network_page
    from iekg.service.places import all_cities, located, require_cities
    from iekg.service.planning import plan_majors, save_plan
    from iekg.service.provenance import Answer, is_illustrative, scope_is_illustrative
    from iekg.service.scenarios import (
        ScenarioError,
        scenario_add,
        scenario_compare,
        scenario_delete,
        scenario_list,
        scenario_new,
        scenario_save,
        scenario_show,
    )
    from iekg.service.stores import (
        EMBEDDED,
        copy_graph,
        export_graph,
        history,
        info,
        migrate_file,
        migrate_home,
        open_store,
        sync,
    )

_WHERE: dict[str, str] = {
    **dict.fromkeys(('alignment', 'coupling', 'gaps', 'partners', 'readiness', 'readiness_all', 'scope', 'who_hires', 'who_trains'), 'analysis'),
    **dict.fromkeys(('ArgumentError', 'cli_spelling', 'gap_types', 'labels', 'rel_types', 'vocabulary_term', 'vocabulary_words'), 'arguments'),
    **dict.fromkeys(('compare', 'trend'), 'comparison'),
    **dict.fromkeys(('neighbours', 'paths', 'resolve', 'search', 'search_reason', 'show', 'show_relationship'), 'explore'),
    **dict.fromkeys(('DEMO_ROWS', 'LoadOutcome', 'Progress', 'audit_for', 'build', 'file_facts', 'import_paths', 'read_sources'), 'loading'),
    **dict.fromkeys(('chart_spec', 'network_page'), 'pictures'),
    **dict.fromkeys(('all_cities', 'located', 'require_cities'), 'places'),
    **dict.fromkeys(('plan_majors', 'save_plan'), 'planning'),
    **dict.fromkeys(('Answer', 'is_illustrative', 'scope_is_illustrative'), 'provenance'),
    **dict.fromkeys(('ScenarioError', 'scenario_add', 'scenario_compare', 'scenario_delete', 'scenario_list',
                     'scenario_new', 'scenario_save', 'scenario_show'), 'scenarios'),
    **dict.fromkeys(('EMBEDDED', 'copy_graph', 'export_graph', 'history', 'info', 'migrate_file', 'migrate_home', 'open_store', 'sync'), 'stores'),
}

__all__ = [
    "DEMO_ROWS", "EMBEDDED", "Answer", "ArgumentError", "LoadOutcome", "Progress", "alignment", "all_cities", "audit_for", "build",
    "gap_types", "labels", "rel_types", "cli_spelling", "compare", "copy_graph", "coupling", "export_graph", "file_facts", "gaps",
    "history", "import_paths", "info", "is_illustrative", "located", "migrate_file", "migrate_home", "neighbours",
    "open_store", "partners", "paths", "read_sources", "readiness", "readiness_all", "require_cities", "resolve",
    "scope", "scope_is_illustrative", "search", "search_reason", "show", "show_relationship", "sync", "trend", "vocabulary_term",
    "vocabulary_words", "who_hires", "who_trains",
    "plan_majors", "save_plan", "chart_spec", "network_page",
    "ScenarioError", "scenario_add", "scenario_compare", "scenario_delete", "scenario_list", "scenario_new",
    "scenario_save", "scenario_show",
]


def __getattr__(name: str) -> Any:
    """``service.<name>``: the name from its submodule, imported on first use (and kept in this module)."""
    mod = _WHERE.get(name)
    if mod is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{mod}"), name)
    globals()[name] = value
    return value
