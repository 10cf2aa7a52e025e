"""Readers for the official public formats (教育部名单、专业目录、GB/T 4754-2017、区划代码).

Each reader turns one official file, exactly as it is published (or as converted in
``shared/data/public``), into :class:`~iekg.loaders.source.SourceTable` objects of kind ``PUBLIC``
whose rows use the canonical keys of :mod:`iekg.loaders.tables`.  Values stay strings; validation and
normalisation are the import pipeline's job.  What the readers *do* undo is the damage specific to these
files, so that the pipeline sees the values the publisher meant:

* codes stored as numbers (``4141010078.0``, ``101`` for ``0101``): restored to their text form and, where
  the width is known (GB/T 4754 level, catalogue level), to their leading zeros;
* province header rows (``河南省（178所）``), title rows and repeated headers in the MOE lists;
* the GB/T 4754 hierarchy errors of the public conversion (mislabelled LEVEL_TYPE, a missing or wrong
  PARENT_ID, one duplicated code): every numeric code's parent is derived from the code itself, which is
  how the standard is built, and each repair is written to the row's ``note`` column;
* the statistical division coding: function zones (5th digit 7) and grouping codes (``4190``
  省直辖县级行政区划) are not cities; the county-level cities under a grouping code (济源市 419001) are.

``SourceRow.line`` is the row number the user sees in Excel (for a CSV: header = 1, first record = 2).

Public API (one module per format; the shared cells come from :mod:`iekg.loaders.grid`)
----------------------------------------------------------------------------------------
* ``moe``: :func:`read_moe_hei_list`, :func:`read_moe_renames`, :func:`compare_editions`
* ``cities``: :func:`city_code_map`, :func:`default_city_codes`, :func:`lookup_city`
* ``catalogs``: :func:`read_vocational_catalog`, :func:`read_undergraduate_catalog`
* ``gbt4754``: :func:`read_gbt4754`
* ``divisions``: :func:`read_divisions`
* ``pilot``: :func:`read_pilot_cities`
* ``detect``: :func:`detect_official`; here: :func:`read_official`, :func:`read_public_dir`
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from iekg.loaders.official.catalogs import (
    CITE_UNDERGRADUATE,
    CITE_VOCATIONAL,
    major_level,
    read_undergraduate_catalog,
    read_vocational_catalog,
)
from iekg.loaders.official.cities import (
    HENAN_CITY_CODES,
    PUBLIC_DIR_ENV,
    city_code_map,
    default_city_codes,
    lookup_city,
)
from iekg.loaders.official.common import PathLike
from iekg.loaders.official.detect import (
    CN_CITIES,
    CN_PROVINCES,
    FORMATS,
    GBT4754_1D,
    GBT4754_2D,
    HENAN_DIVISIONS,
    MOE_HEI_LIST,
    PILOT_CITIES,
    UNDERGRADUATE_CATALOG,
    VOCATIONAL_CATALOG,
    detect_official,
)
from iekg.loaders.official.divisions import CITE_DIVISIONS, read_divisions
from iekg.loaders.official.gbt4754 import CITE_GBT4754, GBT4754_ERRATA, GBT4754_SECTIONS, read_gbt4754
from iekg.loaders.official.moe import (
    EditionDiff,
    add_aliases,
    compare_editions,
    institution_level,
    read_moe_hei_list,
    read_moe_renames,
)
from iekg.loaders.official.pilot import PILOT_PROPS, read_pilot_cities
from iekg.loaders.source import SourceTable

__all__ = [
    "CITE_DIVISIONS", "CITE_GBT4754", "CITE_UNDERGRADUATE", "CITE_VOCATIONAL", "CN_CITIES", "CN_PROVINCES", "FORMATS",
    "GBT4754_1D", "GBT4754_2D", "GBT4754_ERRATA", "GBT4754_SECTIONS", "HENAN_CITY_CODES", "HENAN_DIVISIONS",
    "MOE_HEI_LIST", "PILOT_CITIES", "PILOT_PROPS", "PUBLIC_DIR_ENV", "UNDERGRADUATE_CATALOG", "VOCATIONAL_CATALOG",
    "EditionDiff", "PathLike", "add_aliases", "city_code_map", "compare_editions", "default_city_codes",
    "detect_official", "institution_level", "lookup_city", "major_level", "read_divisions", "read_gbt4754",
    "read_moe_hei_list", "read_moe_renames", "read_official", "read_pilot_cities", "read_public_dir",
    "read_undergraduate_catalog", "read_vocational_catalog",
]

_READERS: dict[str, Callable[..., list[SourceTable]]] = {
    MOE_HEI_LIST: read_moe_hei_list,
    VOCATIONAL_CATALOG: read_vocational_catalog,
    UNDERGRADUATE_CATALOG: read_undergraduate_catalog,
    GBT4754_1D: read_gbt4754,
    GBT4754_2D: read_gbt4754,
    HENAN_DIVISIONS: read_divisions,
    CN_CITIES: read_divisions,
    CN_PROVINCES: read_divisions,
    PILOT_CITIES: read_pilot_cities,
}


def read_official(path: PathLike, **options: Any) -> list[SourceTable]:
    """Read an official file with the reader its format calls for (see :func:`detect_official`).

    ``options`` go to that reader (``province=``, ``edition=``, ``city_codes=`` for the MOE list,
    ``include_zones=`` for divisions); an option the reader does not take raises ``TypeError``.
    """
    fmt = detect_official(path)
    if fmt is None:
        raise ValueError(f"{path}: 不是可识别的官方格式（教育部高校名单、专业目录、GB/T 4754、区划代码）")
    return _READERS[fmt](path, **options)


def read_public_dir(public_dir: PathLike, *, province: str | None = "河南省") -> list[SourceTable]:
    """The official lists of a folder laid out like ``shared/data/public`` (``iekg build --public DIR``).

    Reads, when present: the Henan division codes, the full GB/T 4754-2017 table, both major catalogues
    and the MOE institution list (2025 edition, with former names from the 2024 edition as aliases), and
    the pilot-city list (``henan_pilot_cities.csv``: each city's pilot status as a public fact).
    """
    d = Path(public_dir)
    out: list[SourceTable] = []
    for name, reader in (("henan_admin_divisions.csv", read_divisions), ("gbt4754_2017_industry_1d.csv", read_gbt4754),
                         ("vocational_major_catalog_2021_upd2025.csv", read_vocational_catalog),
                         ("undergraduate_major_catalog_2024.csv", read_undergraduate_catalog)):
        if (d / name).is_file():
            out += reader(d / name)
    newer = next((d / n for n in ("moe_hei_list_2025.xls", "moe_hei_list_2025.csv") if (d / n).is_file()), None)
    older = d / "moe_hei_list_2024.csv"
    if newer is not None and older.is_file():
        out += read_moe_renames(older, newer, province=province)
    elif newer is not None:
        out += read_moe_hei_list(newer, province=province)
    if (d / "henan_pilot_cities.csv").is_file():
        out += read_pilot_cities(d / "henan_pilot_cities.csv")
    return out
