"""The drafted plan never presents a city's totals as if every institution had data (issue 13, item 1)."""

from __future__ import annotations

from pathlib import Path

from iekg import reports, service
from iekg.settings import Settings

XUCHANG = "411000"
DATA = {
    "majors.csv": "code,name,category_code,level\n460701,汽车制造与试验技术,4607,高职专科\n",
    "institutions.csv": "id,name,city_code,level,ownership\n"
                        "4141099991,测试职业技术学院,411000,高职专科,公办\n"
                        "4141099992,无数据职业学院,411000,高职专科,公办\n"
                        "4141099993,另一所无数据学院,411000,高职专科,民办\n",
    "programs.csv": "institution_id,major_code,year,enrollment,graduates,employment_rate\n"
                    "4141099991,460701,2024,900,300,0.95\n",
    "talent_demand.csv": "city_code,year,headcount,industry_code,education_level\n411000,2024,800,36,高职专科\n",
}


def _build(home: Path) -> object:
    data = home / "data"
    data.mkdir(parents=True)
    for name, text in DATA.items():
        (data / name).write_text(text, encoding="utf-8")
    settings = Settings(home=home)
    store = service.open_store(settings)
    service.build(store, settings, [data], demo=False)
    return store


def test_plan_says_which_institutions_its_totals_come_from(tmp_path: Path) -> None:
    store = _build(tmp_path / "home")
    text = reports.plan_markdown(store, XUCHANG)  # type: ignore[arg-type]
    line = next(x for x in text.splitlines() if "共有院校" in x)
    assert "共有院校3所" in line
    assert "其中1所有2024年专业点数据" in line
    assert "另有2所暂无专业点数据（另一所无数据学院、无数据职业学院）" in line or \
           "另有2所暂无专业点数据（无数据职业学院、另一所无数据学院）" in line
    assert "在校生900人，毕业生300人" in line


def test_plan_says_nothing_extra_when_every_institution_has_data(tmp_path: Path) -> None:
    DATA_ALL = dict(DATA, **{"institutions.csv": "id,name,city_code,level,ownership\n"
                                                 "4141099991,测试职业技术学院,411000,高职专科,公办\n"})
    home = tmp_path / "home2"
    (home / "data").mkdir(parents=True)
    for name, text in DATA_ALL.items():
        (home / "data" / name).write_text(text, encoding="utf-8")
    settings = Settings(home=home)
    store = service.open_store(settings)
    service.build(store, settings, [home / "data"], demo=False)
    line = next(x for x in reports.plan_markdown(store, XUCHANG).splitlines() if "共有院校" in x)
    assert "共有院校1所" in line and "暂无专业点数据" not in line
