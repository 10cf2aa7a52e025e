"""How the pictures look, said once: colours per node type and per supply–demand status, node and line
sizes, label fonts, tooltips, legend items and the vis-network options every view starts from.

Nothing here reads the graph; the views (:mod:`iekg.viz.views`) gather their data, then style it with
these helpers, and :mod:`iekg.viz.page` frames the result."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

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

# line colours
EDGE_GREY = "rgba(120,130,140,0.35)"
ENT_EDGE = "rgba(110,78,46,0.55)"  # enterprise → industry (brown, apart from the surplus amber)
SUPPLY_EDGE = "rgba(79,138,91,0.45)"  # aligned supply major → industry
COOP_EDGE = "rgba(109,90,156,0.55)"  # school–enterprise cooperation

SOURCE_KIND_ZH = {"illustrative": "示意数据", "public": "公开数据", "reference": "参考数据", "document": "文件",
                  "user": "用户数据"}
DEMO_MARK = "（示意）"  # the demo data's name suffix, left out of the short labels


# ----------------------------------------------------------------------------------------- words
def fmt_num(x: Any, digits: int = 0) -> str:
    """A figure for a tooltip: thousands separators, ``—`` for missing.

    Parameters
    ----------
    x : Any
        A number (or anything: what is not a number is shown as text).
    digits : int
        Decimal places.

    Returns
    -------
    str
        ``"1,234"``, ``"—"`` for None or NaN.
    """
    if x is None:
        return "—"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if v != v:  # NaN
        return "—"
    return f"{v:,.{digits}f}"


def num(x: Any) -> float:
    """A figure as a float, 0 for missing or not a number."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if v != v else v


def short(text: str, n: int = 14) -> str:
    """``text`` cut to ``n`` characters (an ellipsis marks the cut)."""
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def tooltip(title: str, kind: str, rows: Iterable[tuple[str, Any]] = ()) -> str:
    """Plain-text tooltip (vis-network shows a string title as text): name, type in both languages, figures.

    Parameters
    ----------
    title : str
        The first line (the entity's name).
    kind : str
        The second line (its type, id …).
    rows : iterable of (str, Any)
        ``label: value`` lines; empty values are left out.

    Returns
    -------
    str
        The lines joined with newlines.
    """
    lines = [title, kind]
    lines += [f"{k}: {v}" for k, v in rows if v is not None and v != ""]
    return "\n".join(lines)


def type_name(label: str) -> str:
    """A node label in both languages, e.g. ``院校 institution``."""
    s = TYPE_STYLE.get(label, {"zh": label, "en": label})
    return f"{s['zh']} {s['en']}"


def kind_word(kind: Any) -> str | None:
    """A source kind in both languages (``示意数据 illustrative``), None when missing."""
    if not kind or kind != kind:
        return None
    return f"{SOURCE_KIND_ZH.get(str(kind), str(kind))} {kind}"


def status_words(status: str) -> str:
    """A supply–demand status in both languages (``短缺 shortage``)."""
    s = STATUS_STYLE.get(status, STATUS_STYLE["none"])
    return f"{s['zh']} {s['en']}"


def ratio(s: float, d: float) -> str:
    """Supply ÷ demand for a tooltip, ``—`` without demand."""
    return fmt_num(s / d, 2) if d else "—"


# ---------------------------------------------------------------------------------- nodes, lines
def colour(label: str) -> str:
    """The fill colour of a node type."""
    return TYPE_STYLE.get(label, {"color": "#888"})["color"]


def node_colour(fill: str, border: str | None = None) -> dict[str, Any]:
    """vis-network's colour object for a node: fill, border, darker border when highlighted."""
    b = border or fill
    return {"background": fill, "border": b, "highlight": {"background": fill, "border": "#111"},
            "hover": {"background": fill, "border": "#111"}}


def size(v: float, vmax: float, lo: float = 8.0, hi: float = 34.0) -> float:
    """A node size between ``lo`` and ``hi``, growing with the square root of ``v / vmax``."""
    if not vmax or v is None or v != v or v <= 0:
        return lo
    return round(lo + (hi - lo) * math.sqrt(min(1.0, v / vmax)), 2)


def width(v: float, vmax: float, lo: float = 0.6, hi: float = 6.0) -> float:
    """A line width between ``lo`` and ``hi`` (as :func:`size`)."""
    return size(v, vmax, lo, hi)


def font(node_size: float, lo: int = 12, k: float = 0.85) -> dict[str, Any]:
    """Label size growing with the node, so the big nodes stay legible when the whole network is shown."""
    return {"size": int(round(max(lo, node_size * k)))}


def options(*, physics: dict[str, Any] | bool, layout: dict[str, Any] | None = None, n: int = 0,
            smooth: Any = False, font_size: int = 14) -> dict[str, Any]:
    """The vis-network options of a page with ``n`` nodes.

    Parameters
    ----------
    physics : dict or bool
        vis-network's physics (see :func:`force`), or ``{"enabled": False}`` for a fixed layout.
    layout : dict, optional
        vis-network's layout; default a seeded layout, improved for small networks.
    n : int
        Number of nodes (large networks hide their lines while dragged).
    smooth : Any
        How lines curve.
    font_size : int
        Default label size.

    Returns
    -------
    dict
        The options object the page passes to vis-network.
    """
    return {
        "autoResize": True,
        "nodes": {"font": {"face": FONT, "size": font_size, "color": "#1f2a33", "strokeWidth": 4,
                           "strokeColor": "#ffffff"},
                  "borderWidth": 1.5, "borderWidthSelected": 3},
        "edges": {"smooth": smooth, "color": {"inherit": False}, "selectionWidth": 2, "hoverWidth": 1.5,
                  "arrows": {"to": {"enabled": True, "scaleFactor": 0.45}},
                  "font": {"face": FONT, "size": 11, "color": "#5d6b78", "strokeWidth": 3, "strokeColor": "#ffffff"}},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": n > 200, "multiselect": False,
                        "navigationButtons": False, "keyboard": False},
        "physics": physics,
        "layout": layout or {"improvedLayout": n <= 120, "randomSeed": 20220729},
    }


def force(n: int) -> dict[str, Any]:
    """A force layout that settles (stabilization) before the page switches physics off."""
    return {"enabled": True, "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -70, "centralGravity": 0.012, "springLength": 110,
                                 "springConstant": 0.06, "damping": 0.55, "avoidOverlap": 0.6},
            "minVelocity": 1.0, "maxVelocity": 60, "timestep": 0.45,
            "stabilization": {"enabled": True, "iterations": 900 if n <= 400 else 600, "updateInterval": 25,
                              "fit": True}}


# ---------------------------------------------------------------------------------------- legend
@dataclass
class LegendItem:
    """One line of a legend: a mark (dot, box, line or dashed line) and its words."""

    zh: str
    en: str
    color: str = "#999"
    border: str | None = None
    shape: str = "dot"  # dot | box | line | dashed
    width: int = 2


def type_item(label: str, en: str | None = None) -> LegendItem:
    """The legend item of a node type: its colour and names (``en`` replaces the English name)."""
    s = TYPE_STYLE.get(label, {"zh": label, "en": label})
    return LegendItem(s["zh"], en or s["en"], colour(label))
