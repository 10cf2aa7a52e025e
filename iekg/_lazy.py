"""Heavy libraries imported on first use.

A fresh ``iekg info`` should not spend most of its time importing pandas (about 0.3 s) for counts that SQLite
answers directly. Modules on that path write ``pd = lazy("pandas")`` (under ``if not TYPE_CHECKING``, so
type checkers still see the real module); the first attribute read imports the library and copies its
namespace onto the proxy, so later reads cost what a module attribute costs.
"""

from __future__ import annotations

import importlib
from typing import Any


class _Lazy:
    def __init__(self, name: str) -> None:
        self.__dict__["_name"] = name

    def __getattr__(self, attr: str) -> Any:  # called only for names not yet copied
        module = importlib.import_module(self.__dict__["_name"])
        self.__dict__.update(vars(module))
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self.__dict__['_name']!r}>"


def lazy(name: str) -> Any:
    """A stand-in for ``import name`` that imports on the first attribute read."""
    return _Lazy(name)
