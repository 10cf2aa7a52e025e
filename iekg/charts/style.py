"""The one look of every chart: fonts (a CJK family first, so Chinese renders in SVG, PNG and the page) and
colours — the status colours are the dashboard's (``iekg/viz/assets/dashboard.css``, ``--shortage`` …)."""

from __future__ import annotations

from typing import Any

FONT = "Noto Sans CJK SC"
FONT_STACK = ('"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "SimHei", '
              "sans-serif")  # the dashboard's --font: the page falls back where Noto is missing
FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto", "/usr/share/fonts/noto-cjk")

INK, MUTED, LINE, PAPER = "#1f2a33", "#5d6b78", "#d5dbe1", "#ffffff"
SUPPLY, DEMAND, ACCENT = "#2f6690", "#9aa5b1", "#1f4e79"
STATUS_COLOURS = {"unmet": "#b71c1c", "shortage": "#d32f2f", "surplus": "#c68400", "balanced": "#2e7d32",
                  "no_demand": "#78909c", "no_supply_data": "#b0bec5"}
STATUS_ZH = {"unmet": "无供给", "shortage": "短缺", "balanced": "平衡", "surplus": "过剩", "no_demand": "无需求",
             "no_supply_data": "无供给数据"}
COVERED, UNCOVERED, NO_DATA = STATUS_COLOURS["balanced"], STATUS_COLOURS["unmet"], "#b0bec5"
SOURCE_OPACITY = {"yours": 1.0, "public": 0.55, "illustrative": 0.85}
SOURCE_ZH = {"yours": "你的数据", "public": "仅公开名单", "illustrative": "示意数据"}

ILLUSTRATIVE_NOTE = "示意数据：基于示意（演示）数据，不是真实情况 (illustrative demo data)"
NO_DATA_TEXT = "无数据 no data"


def config() -> dict[str, Any]:
    """The Vega-Lite ``config`` of every chart."""
    font = FONT_STACK
    return {
        "font": font,
        "background": PAPER,
        "padding": 12,
        "title": {"font": font, "fontSize": 16, "fontWeight": "bold", "color": INK, "anchor": "start",
                  "subtitleFont": font, "subtitleFontSize": 11, "subtitleColor": MUTED, "offset": 12},
        "axis": {"labelFont": font, "titleFont": font, "labelColor": INK, "titleColor": MUTED, "gridColor": LINE,
                 "domainColor": LINE, "tickColor": LINE, "labelFontSize": 11, "titleFontSize": 11},
        "legend": {"labelFont": font, "titleFont": font, "labelColor": INK, "titleColor": MUTED,
                   "labelLimit": 260, "orient": "bottom", "direction": "horizontal", "columns": 4},
        "header": {"labelFont": font, "titleFont": font, "labelFontSize": 12, "labelColor": INK},
        "text": {"font": font},
        "view": {"stroke": None},
    }
