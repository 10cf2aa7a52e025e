"""The page frame every network picture shares: our own template, vis-network inlined, no external load.

pyvis builds the node and edge lists; its own template is not used, because it loads Bootstrap (and,
unless ``cdn_resources="in_line"``, vis-network) from CDNs.  Here the vis-network JavaScript and CSS
that pyvis ships inside its package are inlined into ``assets/network.html``, so a page works with the
network cable out.  :func:`external_loads` finds any load of a remote resource left in a page.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from iekg import __version__

ASSETS = Path(__file__).resolve().parent / "assets"

# --------------------------------------------------------------------------------------- palette
FONT = '"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC","SimHei",sans-serif'

TYPE_STYLE: dict[str, dict[str, str]] = {  # node label -> colour, Chinese and English names
    "Institution": {"color": "#2f6690", "zh": "院校", "en": "institution"},
    "Major": {"color": "#7fa7d1", "zh": "专业", "en": "major"},
    "MajorCategory": {"color": "#7fa7d1", "zh": "专业类", "en": "major category"},
    "MajorDivision": {"color": "#a9c4e2", "zh": "专业大类", "en": "major division"},
    "Industry": {"color": "#4f8a5b", "zh": "行业", "en": "industry"},
    "Enterprise": {"color": "#b07d48", "zh": "企业", "en": "enterprise"},
    "City": {"color": "#5f6b76", "zh": "城市", "en": "city"},
    "Province": {"color": "#3d4650", "zh": "省", "en": "province"},
    "Zone": {"color": "#8a96a3", "zh": "区域", "en": "zone"},
    "IndustryCluster": {"color": "#2e5e3a", "zh": "产业集群", "en": "industry cluster"},
    "IndustryChain": {"color": "#3e7550", "zh": "产业链", "en": "industry chain"},
    "ChainSegment": {"color": "#6fa37c", "zh": "产业链环节", "en": "chain segment"},
    "TrainingBase": {"color": "#2a8c88", "zh": "实训基地", "en": "training base"},
    "Platform": {"color": "#52a9a5", "zh": "平台载体", "en": "platform"},
    "Alliance": {"color": "#6d5a9c", "zh": "产教联盟", "en": "alliance"},
    "Policy": {"color": "#8c6d62", "zh": "政策", "en": "policy"},
    "Agency": {"color": "#a38b82", "zh": "部门", "en": "agency"},
    "Target": {"color": "#b55d5d", "zh": "目标", "en": "target"},
    "Task": {"color": "#b98b8b", "zh": "试点任务", "en": "pilot task"},
    "Problem": {"color": "#c0504d", "zh": "问题", "en": "problem"},
    "Measure": {"color": "#7b8f3a", "zh": "举措", "en": "measure"},
}

# supply–demand status (metrics.md) -> border/fill colours and words
STATUS_STYLE: dict[str, dict[str, str]] = {
    "unmet": {"border": "#b71c1c", "fill": "#f3c1bd", "zh": "无供给", "en": "unmet demand"},
    "shortage": {"border": "#d32f2f", "fill": "#f9d9d6", "zh": "短缺", "en": "shortage"},
    "surplus": {"border": "#e09b00", "fill": "#fbe7b5", "zh": "过剩", "en": "surplus"},
    "balanced": {"border": "#2e7d32", "fill": "#d3ead4", "zh": "平衡", "en": "balanced"},
    "no_demand": {"border": "#78909c", "fill": "#e3e8eb", "zh": "无需求", "en": "no demand"},
    "none": {"border": "#b0bec5", "fill": "#f1f3f4", "zh": "无数据", "en": "no data"},
}
GAP_STATUSES = ("unmet", "shortage", "surplus")
EDGE_GREY = "rgba(120,130,140,0.35)"

SOURCE_KIND_ZH = {"illustrative": "示意数据", "public": "公开数据", "reference": "参考数据", "document": "文件",
                  "user": "用户数据"}


def fmt_num(x: Any, digits: int = 0) -> str:
    """A figure for a tooltip: thousands separators, ``—`` for missing."""
    if x is None:
        return "—"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if v != v:  # NaN
        return "—"
    return f"{v:,.{digits}f}"


def short(text: str, n: int = 14) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def tooltip(title: str, kind: str, rows: Iterable[tuple[str, Any]] = ()) -> str:
    """Plain-text tooltip (vis-network shows a string title as text): name, type in both languages, figures."""
    lines = [title, kind]
    lines += [f"{k}: {v}" for k, v in rows if v is not None and v != ""]
    return "\n".join(lines)


def type_name(label: str) -> str:
    s = TYPE_STYLE.get(label, {"zh": label, "en": label})
    return f"{s['zh']} {s['en']}"


# ----------------------------------------------------------------------------------------- assets
def _vis_dir() -> Any:
    lib = resources.files("pyvis").joinpath("lib")
    dirs = sorted((d for d in lib.iterdir() if d.name.startswith("vis-")),
                  key=lambda d: tuple(int(x) for x in re.findall(r"\d+", d.name)))
    if not dirs:
        raise RuntimeError("pyvis ships no vis-network library (pyvis/lib/vis-*): reinstall pyvis")
    return dirs[-1]


@functools.cache
def vis_js() -> str:
    """vis-network's JavaScript as pyvis ships it, without the source-map comment (devtools would fetch it)."""
    text = _vis_dir().joinpath("vis-network.min.js").read_text(encoding="utf-8")
    return re.sub(r"//# sourceMappingURL=\S*", "", text).replace("</script", "<\\/script")


@functools.cache
def vis_css() -> str:
    text = _vis_dir().joinpath("vis-network.css").read_text(encoding="utf-8")
    return re.sub(r"/\*# sourceMappingURL=\S*\s*\*/", "", text)


@functools.cache
def asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def render(template: str, values: dict[str, str]) -> str:
    """Replace ``{{NAME}}`` placeholders in one pass (inserted text is never scanned again)."""
    return re.sub(r"\{\{([A-Z_]+)\}\}", lambda m: values[m.group(1)], template)


def script_json(data: Any) -> str:
    """JSON safe inside a <script> element."""
    text = json.dumps(data, ensure_ascii=False, default=str, allow_nan=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


_REMOTE = r"""(?:https?:)?//"""
_LOAD_PATTERNS = [
    re.compile(r"""\b(?:src|href|action|poster|data|srcset|formaction|background)\s*=\s*["']?\s*""" + _REMOTE, re.I),
    re.compile(r"""url\(\s*["']?\s*""" + _REMOTE, re.I),
    re.compile(r"""@import\s+(?:url\()?\s*["']?\s*""" + _REMOTE, re.I),
    re.compile(r"""\b(?:fetch|importScripts|import)\s*\(\s*["'`]\s*""" + _REMOTE, re.I),
]


def external_loads(page: str) -> list[str]:
    """Every place a page would load something from another host (src=, href=, url(, @import, fetch(…))."""
    found = []
    for pat in _LOAD_PATTERNS:
        for m in pat.finditer(page):
            found.append(page[max(0, m.start() - 40): m.end() + 60])
    return found


# ------------------------------------------------------------------------------------------- page
class Page(str):
    """A complete, self-contained HTML page (a ``str``) that can write itself to a file.

    ``meta`` holds what the page shows: node and edge counts, whether it was capped, whether the data
    is illustrative."""

    meta: dict[str, Any]

    def __new__(cls, text: str, meta: dict[str, Any] | None = None) -> Page:
        obj = super().__new__(cls, text)
        obj.meta = dict(meta or {})
        return obj

    def write(self, path: str | Path) -> Path:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(str(self), encoding="utf-8")
        return p


@dataclass
class LegendItem:
    zh: str
    en: str
    color: str = "#999"
    border: str | None = None
    shape: str = "dot"  # dot | box | line | dashed
    width: int = 2


@dataclass
class Frame:
    """Everything around the network: titles, notes, legend, banner."""

    title: str
    subtitle: str
    legend: list[LegendItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # shown under the header (e.g. capped)
    illustrative: bool = False
    legend_notes: list[str] = field(default_factory=list)  # small print under the legend (sizes …)
    kind: str = "network"
    link_prefix: str | None = None  # e.g. "/viz": the details panel links to "{prefix}/ego/{uid}"


def legend_html(items: Sequence[LegendItem], notes: Sequence[str]) -> str:
    out = []
    for it in items:
        e = html.escape
        if it.shape in ("line", "dashed"):
            style = "solid" if it.shape == "line" else "dashed"
            mark = f'<span class="lg-line" style="border-top:{it.width}px {style} {e(it.color)}"></span>'
        else:
            border = e(it.border or it.color)
            radius = "3px" if it.shape == "box" else "50%"
            mark = (f'<span class="lg-mark" style="background:{e(it.color)};border:{it.width}px solid {border};'
                    f'border-radius:{radius}"></span>')
        out.append(f'<li>{mark}<span class="lg-zh">{e(it.zh)}</span> <span class="lg-en">{e(it.en)}</span></li>')
    small = "".join(f"<p>{html.escape(n)}</p>" for n in notes)
    return f'<ul class="legend-list">{"".join(out)}</ul><div class="legend-notes">{small}</div>'


ILLUSTRATIVE_BANNER = ('<div class="banner" role="note" id="illustrative-banner"><strong>示意数据 (illustrative)</strong>'
                       '：本页图形基于示意（演示）数据生成，不代表真实情况。'
                       '<span class="en">Built from illustrative demo data — not real figures.</span></div>')


def network_page(frame: Frame, nodes: list[dict[str, Any]], edges: list[dict[str, Any]],
                 options: dict[str, Any]) -> Page:
    """The page for one network: pyvis's node and edge dicts, vis-network options, our frame."""
    e = html.escape
    notes = "".join(f'<div class="note capped" role="note">{e(n)}</div>' for n in frame.notes)
    data = {"nodes": nodes, "edges": edges, "options": options, "linkPrefix": frame.link_prefix, "kind": frame.kind}
    text = render(asset("network.html"), {
        "TITLE": e(frame.title),
        "SUBTITLE": e(frame.subtitle),
        "BANNER": ILLUSTRATIVE_BANNER if frame.illustrative else "",
        "NOTES": notes,
        "LEGEND": legend_html(frame.legend, frame.legend_notes),
        "COUNTS": f"节点 nodes {len(nodes):,} · 连线 edges {len(edges):,}",
        "FOOTER": e(f"iekg {__version__} · 生成于 generated {datetime.now().strftime('%Y-%m-%d %H:%M')}"),
        "VIS_CSS": vis_css(),
        "PAGE_CSS": asset("network.css"),
        "VIS_JS": vis_js(),
        "PAGE_JS": asset("network.js"),
        "DATA": script_json(data),
        "KIND": e(frame.kind),
    })
    return Page(text, {"nodes": len(nodes), "edges": len(edges), "illustrative": frame.illustrative,
                       "capped": bool(frame.notes and any("capped" in n for n in frame.notes)),
                       "notes": list(frame.notes), "title": frame.title})


def error_page(title: str, message: str, status: int = 404) -> Page:
    """A small page for a route that cannot draw (unknown code …)."""
    e = html.escape
    text = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>{e(title)}</title>'
            f'<style>body{{font-family:{FONT};margin:3rem;color:#222}} .en{{color:#666}}</style></head>'
            f'<body><h1>{e(title)}</h1><p>{e(message)}</p><p class="en">HTTP {status}</p></body></html>')
    return Page(text, {"status": status})
