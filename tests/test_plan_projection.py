"""The target-year projection's worked example (docs/measures.md, "The target year"), exactly."""

from __future__ import annotations

import pandas as pd
import pytest

from iekg.plan.projection import project_demand, project_supply


def test_supply_worked_example() -> None:
    # base year 2024, target 2026 (h = 2): a 专科 program (L = 3) with 900 in school → 300 (in school now);
    # a 本科 program (L = 4) with 1,200 → 300 (in school); a program with graduates 80 but no enrolment → 80
    # carried; one with neither → None. Target 2029 (h = 5): both beyond their duration → steady 300.
    progs = pd.DataFrame({"key": ["a", "b", "c", "d"], "enrollment": [900, 1200, None, None],
                          "graduates": [250, 280, 80, None], "duration": [3, 4, 3, None]})
    p = project_supply(progs, 2024, 2026).set_index("key")
    assert p["projected"].to_dict() == {"a": 300.0, "b": 300.0, "c": 80.0, "d": None}
    assert p["method"].to_dict() == {"a": "in_school", "b": "in_school", "c": "carried", "d": None}
    q = project_supply(progs, 2024, 2028).set_index("key")  # h = 4: 专科 beyond, 本科 still in school
    assert q["method"].to_dict() == {"a": "steady", "b": "in_school", "c": "carried", "d": None}
    with pytest.raises(ValueError, match="须晚于"):
        project_supply(progs, 2024, 2024)


def test_demand_worked_example() -> None:
    # 36: 2022 400, 2023 450, 2024 500 → the line 50/year → 2026: 600 (trend). 38: 2024 only, 200 → held.
    # 65: planned 150 for 2026 (plan wins over its history 100, 120). 39: planned 90, no history → plan.
    # 13: falling 100, 40 → the line reaches −80 in 2026 → 0, never negative.
    hist = pd.DataFrame({"industry": ["36", "36", "36", "38", "65", "65", "13", "13"],
                         "year": [2022, 2023, 2024, 2024, 2023, 2024, 2023, 2024],
                         "demand": [400, 450, 500, 200, 100, 120, 100, 40]})
    d = project_demand(hist, 2026, plan={"65": 150, "39": 90}).set_index("industry")
    assert d["projected"].round(6).to_dict() == {"13": 0.0, "36": 600.0, "38": 200.0, "65": 150.0, "39": 90.0}
    assert d["method"].to_dict() == {"13": "trend", "36": "trend", "38": "held", "65": "plan", "39": "plan"}
    assert d.loc["36", "years"] == [2022, 2023, 2024]
