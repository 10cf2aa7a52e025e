"""Words the terminal and the files share (light: no pandas, imported when the CLI starts)."""

from __future__ import annotations

# A status of supply against demand, in Chinese (``iekg align``'s table, the CSV/xlsx 状态 column).
STATUS_ZH = {"unmet": "无供给", "shortage": "短缺", "balanced": "平衡", "surplus": "过剩", "no_demand": "无需求",
             "no_supply_data": "无供给数据"}
