"""The service's lazily loaded names stay what they are once every submodule has been imported: a submodule
named like one of its functions would replace the function on the package (``service.compare`` became the
module ``iekg.service.compare`` after a trend was asked — a 500 on /analysis/compare)."""

from __future__ import annotations

import importlib
import pkgutil

import iekg.service as service


def test_every_service_name_is_its_function_after_all_submodules_are_imported() -> None:
    for info in pkgutil.iter_modules(service.__path__):
        importlib.import_module(f"iekg.service.{info.name}")
    modules = {info.name for info in pkgutil.iter_modules(service.__path__)}
    assert not modules & set(service.__all__), "a submodule is named like a service function"
    for name in service.__all__:
        value = getattr(service, name)
        assert not isinstance(value, type(service)), f"service.{name} is a module"
