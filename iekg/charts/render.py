"""Specs to files without a browser: SVG (text kept as ``<text>``, so Chinese stays searchable and editable
in Word) and PNG (rasterised with the CJK fonts found on the machine), by vl-convert."""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path
from typing import Any

from iekg.charts import style

log = logging.getLogger(__name__)
FORMATS = {"svg": "image/svg+xml", "png": "image/png", "vl.json": "application/json"}
SUFFIXES = {".svg": "svg", ".png": "png", ".json": "vl.json"}


@functools.cache
def _converter() -> Any:
    """vl-convert with the CJK font folders registered (once per process)."""
    import vl_convert

    found = [d for d in style.FONT_DIRS if Path(d).is_dir()]
    for d in found:
        vl_convert.register_font_directory(d)
    if not found:
        log.warning("no Noto CJK font folder (%s): Chinese in PNG charts may show as empty boxes; install "
                    "fonts-noto-cjk", ", ".join(style.FONT_DIRS))
    return vl_convert


def to_svg(spec: dict[str, Any]) -> str:
    """The chart as an SVG document (text as ``<text>`` elements)."""
    return str(_converter().vegalite_to_svg(spec))


def to_png(spec: dict[str, Any], scale: float = 2) -> bytes:
    """The chart as a PNG, ``scale`` times its size in CSS pixels (2: sharp when pasted into Word)."""
    return bytes(_converter().vegalite_to_png(spec, scale=scale))


def to_json(spec: dict[str, Any]) -> str:
    """The Vega-Lite spec itself (for the page, or the Vega editor offline)."""
    return json.dumps(spec, ensure_ascii=False, indent=1)


def render(spec: dict[str, Any], fmt: str) -> bytes:
    """The chart in ``fmt`` (``svg``, ``png`` or ``vl.json``) as bytes."""
    if fmt == "png":
        return to_png(spec)
    if fmt == "svg":
        return to_svg(spec).encode("utf-8")
    if fmt == "vl.json":
        return to_json(spec).encode("utf-8")
    raise ValueError(f"unknown chart format {fmt!r}: one of {', '.join(FORMATS)}")


def format_for(path: Path, fmt: str | None = None) -> str:
    """The format asked for, or the one the file name's suffix says (``.svg``, ``.png``, ``.json``)."""
    if fmt:
        if fmt not in FORMATS:
            raise ValueError(f"unknown chart format {fmt!r}: one of {', '.join(FORMATS)}")
        return fmt
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"cannot tell the format from {path.name!r}: name it .png, .svg or .json, or give --format")
    return SUFFIXES[suffix]
