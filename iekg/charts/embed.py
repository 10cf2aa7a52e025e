"""What a page needs to show a chart interactively, offline: the vendored vega, vega-lite and vega-embed
(served by the API at ``/charts/vendor/{name}``, or inlined), and the call that draws a spec placed in a
``<script type="application/json">`` block.

A page using these::

    <head>{script_tags(root)}</head>
    <div id="chart-sd"></div>
    {data_block("chart-sd-spec", spec)}
    <script>{embed_call("#chart-sd", "chart-sd-spec")}</script>

Vega compiles its expressions with ``Function`` unless told otherwise: :data:`EMBED_OPTIONS` sets ``ast: true``,
so vega-embed evaluates them with its bundled interpreter and the page runs under a Content-Security-Policy
without ``'unsafe-eval'`` (the dashboard's).
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

VENDOR_DIR = Path(__file__).resolve().parent.parent / "viz" / "assets" / "vendor"
SCRIPTS = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")  # in the order a page loads them
VENDOR_FILES = {**dict.fromkeys(SCRIPTS, "text/javascript; charset=utf-8"),
                **dict.fromkeys(("LICENSE-vega", "LICENSE-vega-lite", "LICENSE-vega-embed", "README.md"),
                                "text/plain; charset=utf-8")}
VENDOR_ROUTE = "/charts/vendor"
# ast: expressions evaluated by vega-embed's bundled interpreter, not compiled with Function (no eval: CSP-safe)
EMBED_OPTIONS = {"actions": {"export": True, "source": False, "compiled": False, "editor": False},
                 "renderer": "svg", "ast": True,
                 "i18n": {"SVG_ACTION": "保存为 SVG", "PNG_ACTION": "保存为 PNG"}}


def script_tags(root: str = "") -> str:
    """``<script src>`` tags for the vendored builds, served by the API under ``root`` (its root path)."""
    base = html.escape(root.rstrip("/") + VENDOR_ROUTE, quote=True)
    return "\n".join(f'<script src="{base}/{name}"></script>' for name in SCRIPTS)


def inline_scripts() -> list[str]:
    """The vendored builds' texts, for a page that must stand alone (a file opened without the server);
    a ``</script`` inside them is escaped."""
    return [(VENDOR_DIR / n).read_text(encoding="utf-8").replace("</script", "<\\/script") for n in SCRIPTS]


def spec_json(spec: dict[str, Any]) -> str:
    """The spec as JSON safe inside ``<script type="application/json">``: ``<``, ``>``, ``&`` and the line
    separators escaped, so no text in it (a name, a title) can close the block or become markup."""
    text = json.dumps(spec, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                    ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def data_block(block_id: str, spec: dict[str, Any]) -> str:
    """The spec in a JSON data block with id ``block_id``."""
    return f'<script type="application/json" id="{html.escape(block_id, quote=True)}">{spec_json(spec)}</script>'


def embed_call(target: str, block_id: str) -> str:
    """The JavaScript that reads the data block ``block_id`` and draws it into ``target`` (a CSS selector);
    it returns vega-embed's promise (its ``view`` for the page to use)."""
    options = json.dumps(EMBED_OPTIONS, ensure_ascii=True)
    return (f"vegaEmbed({json.dumps(target)}, JSON.parse(document.getElementById({json.dumps(block_id)})"
            f".textContent), {options})")
