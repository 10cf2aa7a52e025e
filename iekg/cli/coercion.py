"""Option values read without pydantic: a fresh ``iekg`` process spends no time building typer's pydantic adapters.

typer ≥ 0.2x checks and converts every option's value through a pydantic ``TypeAdapter`` built for it on first
use — about 9 ms each, a tenth of a second for a command's options, plus the import of pydantic (issue 20: a
city's question in a fresh process within half a second).  :func:`install` puts a reader in front of typer's
(``typer.core.build_runtime_param``) for the plain types our commands use — ``str``, ``int`` and ``float`` (with
``min`` / ``max``), ``bool``, an ``Enum`` of choices, ``Path``, and lists of them — that gives what typer's
would give for a plain value (a digit string in range, one of the choices …) by the same typer functions, and
hands any other value, and every error, to typer's own coercion: its values and messages stay typer's, word for
word (``tests/test_cli_startup.py`` compares both on every option of every command).  With a typer that has no
such layer (older ones check options with click) :func:`install` does nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

_INT = re.compile(r"(?:0|-?[1-9][0-9]{0,17})")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,6})?")
NOT_PLAIN: Any = object()  # a value left to typer's own coercion


def _in_range(v: Any, info: Any) -> Any:
    if (info.min is not None and v < info.min) or (info.max is not None and v > info.max):
        return NOT_PLAIN  # typer says what the range is
    return v


def _leaf(annotation: Any, info: Any, value: Any, param: Any, ctx: Any) -> Any:
    """One value of a leaf annotation, in the order typer's ``build_leaf_adapter`` looks at them."""
    from typer import _param_types as pt

    if info.parser is not None:
        return NOT_PLAIN
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return pt.coerce_cli_choice(value, choices=list(annotation), case_sensitive=info.case_sensitive, ctx=ctx)
    if annotation is int or annotation is float:
        if info.clamp:
            return NOT_PLAIN
        if type(value) is str:
            if not (_INT if annotation is int else _FLOAT).fullmatch(value):
                return NOT_PLAIN
            return _in_range(annotation(value), info)
        if type(value) is annotation or (annotation is float and type(value) is int):
            return _in_range(annotation(value), info)
        return NOT_PLAIN
    if annotation is bool:
        return value if type(value) is bool else NOT_PLAIN
    if annotation is str:
        return value if type(value) is str else NOT_PLAIN
    if isinstance(annotation, type) and issubclass(annotation, Path) and pt.routes_to_path(annotation, info):
        path_type = info.path_type or annotation
        if not (isinstance(path_type, type) and issubclass(path_type, Path)):
            return NOT_PLAIN
        if type(value) is str:
            if not value or value != value.strip() or "\0" in value:
                return NOT_PLAIN
            value = path_type(value)  # what typer's pydantic adapter makes of it
        elif not isinstance(value, path_type):
            return NOT_PLAIN
        return pt.coerce_cli_path(value, info, path_type=path_type, param=param, ctx=ctx)
    return NOT_PLAIN


def plain_value(annotation: Any, info: Any, value: Any, param: Any = None, ctx: Any = None) -> Any:
    """``value`` as typer would coerce it for ``annotation`` (a plain value), or :data:`NOT_PLAIN` (any other,
    or one typer would refuse)."""
    try:
        if get_origin(annotation) is list:
            (item,) = get_args(annotation)
            items = [_leaf(item, info, v, param, ctx) for v in (value if isinstance(value, (list, tuple)) else [value])]
            return NOT_PLAIN if any(v is NOT_PLAIN for v in items) else items
        return _leaf(annotation, info, value, param, ctx)
    except Exception:  # typer's own coercion raises it, with its message
        return NOT_PLAIN


def install() -> bool:
    """Put the plain reader in front of typer's coercion (once); False when this typer has no such layer."""
    try:
        from typer import _coercion
        from typer import core as typer_core
    except ImportError:  # typer < 0.2x: click checks the options
        return False
    typers: Any = getattr(typer_core, "build_runtime_param", None)
    if typers is None or not hasattr(_coercion, "RuntimeParam"):
        return False
    if getattr(typers, "iekg_plain", False):  # installed already
        return True

    @dataclass(frozen=True)
    class PlainRuntimeParam(_coercion.RuntimeParam):  # type: ignore[misc,name-defined]
        """A plain value read here; any other through typer's runtime parameter, built on first need."""

        descriptor: Any = None

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            v = plain_value(self.annotation, self.parameter_info, value, param, ctx)
            if v is not NOT_PLAIN:
                return v
            return typers(self.descriptor)._coerce_value(value, param=param, ctx=ctx)

    def build_runtime_param(descriptor: Any) -> Any:
        try:
            if descriptor.file_annotation is None and descriptor.parameter_info.parser is None:
                return PlainRuntimeParam(annotation=descriptor.annotation, parameter_info=descriptor.parameter_info,
                                         descriptor=descriptor)
        except Exception:  # a typer whose private layer has changed shape: its own coercion, as without us
            pass
        return typers(descriptor)

    build_runtime_param.iekg_plain = True  # type: ignore[attr-defined]
    build_runtime_param.typers = typers  # type: ignore[attr-defined]  # typer's own, for the tests
    typer_core.build_runtime_param = build_runtime_param
    return True
