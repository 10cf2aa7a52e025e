"""Deterministic generator of the Henan demo dataset, written in the import-template format.

One UTF-8 CSV per table (``<table>.csv``) whose header row is the canonical English column keys of
``iekg.loaders.tables`` plus the provenance columns ``source`` and ``illustrative`` (是/否).

The golden rule: **data is never invented and passed off as real.**

* Public facts are taken from the public files and cite them (``illustrative`` = 否): the Henan
  institutions of the MOE 2025 list (name, 标识码, 所在地, 办学层次, 民办), the majors of the national
  catalogues, and the statistical function zones (开发区) of the division codes.
* Everything else is generated (``illustrative`` = 是, ``source`` = ``iekg demo generator (seed=…,
  scale=…) — 示意数据, not real``) and looks fictional: enterprise names end with ``（示意）`` and use
  own ids such as ``DEMO-410100-E0001`` (never 18 characters, so never mistaken for a 统一社会信用代码);
  policy 文号 start with ``示例`` and titles with ``（示意）``; bases, platforms, alliances and zones are
  named ``…（示意）``; synthetic institutions (scale > 1) have ids starting with ``99`` (no province has
  that code) and names ``示意院校NNNNN（示意）``.

The shipped reference tables (cities, industries, major categories, crosswalk, chains, chain segments)
are read from ``reference_dir`` so that every id the demo refers to exists in the dataset or in them.

Same seed and scale ⇒ byte-identical files.  Every random choice comes from ``random.Random`` objects
seeded from (seed, scale, part); global random state is never used.

Usage::

    python -m iekg.demo.generate --out DIR --seed 20220729 --scale 1 --public ../shared/data/public
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iekg.loaders.tables import ENUMS, TABLES

DEFAULT_SEED = 20220729
YEARS = (2023, 2024)
PACKAGE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_REFERENCE_DIR = PACKAGE_DIR / "data" / "reference"
DEFAULT_OUT_DIR = PACKAGE_DIR / "data" / "demo"

# The tables the generator writes, in TABLE_ORDER.
OUTPUT_TABLES = (
    "zones", "majors", "city_focus", "institutions", "enterprises", "programs", "cooperations",
    "training_bases", "platforms", "alliances", "alliance_members", "talent_demand", "employment",
    "policies", "problems", "measures",
)
PROVENANCE = ("source", "illustrative")
YES, NO = "是", "否"

# ------------------------------------------------------------------------------------ public sources
SRC_HEI = ("教育部《全国普通高等学校名单》（截至2025年6月20日）, via henan_hei_2024_2025.csv "
           "(版本 2025; YangZhi2007/ar-campus-guide)")
SRC_VOC = ("教育部《职业教育专业目录（2021年）》及至2025年增补, via vocational_major_catalog_2021_upd2025.csv "
           "(flyboat403/occupation-analysis)")
SRC_UG = "教育部《普通高等学校本科专业目录（2024年）》, via undergraduate_major_catalog_2024.csv (p180j/gk-job-helper)"
SRC_ZONE = ("国家统计局 统计用区划代码（2023）统计用功能区, via henan_admin_divisions.csv "
            "(modood/Administrative-divisions-of-China)")

# ------------------------------------------------------------------------------------------- cities
# (GB/T 2260 code, name, short name, 文号 abbreviation)
CITIES: tuple[tuple[str, str, str, str], ...] = (
    ("410100", "郑州市", "郑州", "郑"), ("410200", "开封市", "开封", "汴"), ("410300", "洛阳市", "洛阳", "洛"),
    ("410400", "平顶山市", "平顶山", "平"), ("410500", "安阳市", "安阳", "安"), ("410600", "鹤壁市", "鹤壁", "鹤"),
    ("410700", "新乡市", "新乡", "新"), ("410800", "焦作市", "焦作", "焦"), ("410900", "濮阳市", "濮阳", "濮"),
    ("411000", "许昌市", "许昌", "许"), ("411100", "漯河市", "漯河", "漯"), ("411200", "三门峡市", "三门峡", "三"),
    ("411300", "南阳市", "南阳", "宛"), ("411400", "商丘市", "商丘", "商"), ("411500", "信阳市", "信阳", "信"),
    ("411600", "周口市", "周口", "周"), ("411700", "驻马店市", "驻马店", "驻"), ("419001", "济源市", "济源", "济"),
)
CITY_CODES = tuple(c[0] for c in CITIES)
CITY_NAME = {c[0]: c[1] for c in CITIES}
CITY_SHORT = {c[0]: c[2] for c in CITIES}
CITY_ABBR = {c[0]: c[3] for c in CITIES}
CITY_BY_NAME = {c[1]: c[0] for c in CITIES}
ZHENGZHOU, LUOYANG = "410100", "410300"

# Enterprises per city at scale 1 (×scale): weighted towards 郑州 and 洛阳.
ENTERPRISES_PER_CITY = {
    "410100": 80, "410200": 16, "410300": 40, "410400": 16, "410500": 16, "410600": 10, "410700": 20,
    "410800": 16, "410900": 12, "411000": 20, "411100": 12, "411200": 10, "411300": 20, "411400": 14,
    "411500": 12, "411600": 14, "411700": 14, "419001": 8,
}
# Mean share of a program's employed graduates who stay in the city.
LOCAL_STAY = {ZHENGZHOU: 0.68, LUOYANG: 0.5}
# Words that steer a city's choice of focus chains (matched against chain names and clusters).
CITY_CHAIN_HINTS: dict[str, tuple[str, ...]] = {
    "410100": ("智能终端", "新能源汽车", "超硬材料", "工程机械", "传感器", "冷链食品", "先进计算", "耐火"),
    "410200": ("新能源汽车", "农机", "化工", "休闲食品", "纺织"),
    "410300": ("农机", "工程机械", "光电", "机器人", "耐火", "铜基", "铝基", "航空"),
    "410400": ("尼龙", "新型电力", "化工", "钢铁", "耐火"),
    "410500": ("钢铁", "航空", "卫星", "生物医药", "预制菜"),
    "410600": ("新能源汽车", "传感器", "化工", "冷链食品", "绿色建材"),
    "410700": ("新型电力", "生物医药", "医疗器械", "卫材", "新能源汽车", "工程机械"),
    "410800": ("纳米", "新能源汽车", "化工", "铝基"),
    "410900": ("化工", "耐火", "纺织", "现代家居"),
    "411000": ("新型电力", "机器人", "绿色建材", "现代家居", "超硬材料"),
    "411100": ("休闲食品", "冷链食品", "预制菜", "酒饮品", "生物医药"),
    "411200": ("铝基", "铜基", "化工", "休闲食品", "纳米"),
    "411300": ("光电", "生物医药", "纺织", "新型电力", "酒饮品"),
    "411400": ("纺织", "冷链食品", "现代家居", "超硬材料", "机器人"),
    "411500": ("酒饮品", "智能终端", "现代家居", "预制菜", "半导体"),
    "411600": ("纺织", "预制菜", "休闲食品", "现代家居"),
    "411700": ("预制菜", "休闲食品", "生物医药", "绿色建材"),
    "419001": ("钢铁", "铜基", "铝基", "化工", "新型电力"),
}

# ------------------------------------------------------------------- institution themes (name → majors)
# theme: (keywords in the institution name, 高职专科 code prefixes, 本科 code prefixes).
# 职业本科 prefixes are the 高职 ones with the division code lowered by 20 (46 → 26).
THEMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "medicine": (("医", "护理", "卫生", "健康", "药", "推拿"), ("52", "4902"), ("10", "0826", "0711")),
    "agriculture": (("农", "牧", "林业", "畜"), ("41", "4901", "4903"), ("09", "0823", "0824", "1203")),
    "education": (("师范", "幼儿", "教育", "文理"), ("57", "5901", "5904", "520802", "5502"),
                  ("04", "0501", "0502", "0701", "0702", "0703", "0711", "0601")),
    "commerce": (("财经", "财政", "财税", "商", "金融", "经贸", "贸易", "会计", "统计", "管理"),
                 ("53", "5401"), ("02", "1202", "1201", "1206", "1208", "0712")),
    "water": (("水利", "水电", "水资源"), ("45", "4403", "4406", "4203"), ("0811", "0810", "0812", "0825")),
    "transport": (("交通", "铁路", "铁道", "轨道", "汽车", "物流"), ("50", "4604", "4607", "5308"),
                  ("0818", "1206", "0802")),
    "manufacturing": (("工业", "机电", "科技", "理工", "工学", "工程", "装备", "机械", "电气", "质量", "智能"),
                      ("46", "51", "4301", "4303"),
                      ("0802", "0803", "0804", "0806", "0807", "0808", "0809", "1207")),
    "it": (("信息", "软件", "电子", "计算机", "网络", "数据"), ("51", "5601"), ("0807", "0809", "0808", "1208")),
    "construction": (("建筑", "建设", "城建", "测绘"), ("44", "4203"), ("0810", "0828", "0812", "1201")),
    "energy": (("能源", "电力", "煤炭", "化工", "石油", "石化", "地矿", "新材料", "安全"),
               ("42", "43", "47", "4209"), ("0805", "0813", "0815", "0806", "0814", "0804", "0829")),
    "food": (("食品", "粮食", "烹饪"), ("49", "4802", "5402"), ("0827", "0830")),
    "textile": (("纺织", "服装", "陶瓷", "轻工"), ("48", "4306"), ("0816", "0817", "1305")),
    "tourism": (("旅游", "文旅", "烹饪"), ("54",), ("1209",)),
    "arts": (("艺术", "美术", "音乐", "传媒", "影视", "文化", "工艺"), ("55", "56"), ("13", "0503")),
    "law": (("警察", "警官", "司法", "政法", "公安", "检察"), ("58",), ("03", "0306", "0831")),
    "sports": (("体育", "武术"), ("5703",), ("0402",)),
    "aviation": (("航空", "航天"), ("5004", "4606"), ("0820",)),
    "language": (("外国语", "外语", "涉外"), ("5702",), ("0502",)),
}
# Prior weight of a division (高职 2-digit / 本科 门类) for the majors not chosen by theme.
VOC_PRIOR = {
    "41": 0.8, "42": 0.5, "43": 1.0, "44": 2.0, "45": 0.4, "46": 3.0, "47": 0.7, "48": 0.5, "49": 0.8,
    "50": 1.5, "51": 3.0, "52": 1.5, "53": 3.0, "54": 1.0, "55": 1.5, "56": 0.8, "57": 1.0, "58": 0.4,
    "59": 0.8,
}
UG_PRIOR = {
    "01": 0.1, "02": 1.0, "03": 0.6, "04": 0.8, "05": 1.2, "06": 0.2, "07": 1.0, "08": 3.0, "09": 0.4,
    "10": 0.5, "12": 2.0, "13": 1.2,
}
# Majors that most institutions of their level offer (boosted), and categories few Henan schools offer.
COMMON_MAJORS = frozenset((
    # 本科
    "计算机科学与技术", "软件工程", "电气工程及其自动化", "机械设计制造及其自动化", "会计学", "财务管理", "英语",
    "土木工程", "电子商务", "通信工程", "电子信息工程", "工商管理", "视觉传达设计", "法学", "学前教育",
    "数据科学与大数据技术", "人工智能", "护理学", "金融学", "车辆工程", "工程管理", "工程造价", "建筑学",
    "数学与应用数学", "汉语言文学", "自动化", "物联网工程", "物流管理", "市场营销", "环境设计", "临床医学", "药学",
    "国际经济与贸易", "材料成型及控制工程", "化学工程与工艺", "食品科学与工程", "网络工程", "智能制造工程",
    "机器人工程", "旅游管理", "酒店管理", "体育教育", "音乐学", "美术学", "小学教育", "思想政治教育", "日语",
    "翻译", "商务英语", "新能源汽车工程", "人力资源管理", "审计学",
    # 高职专科 / 职业本科
    "计算机应用技术", "软件技术", "大数据技术", "计算机网络技术", "大数据与会计", "机械制造及自动化",
    "机电一体化技术", "工业机器人技术", "新能源汽车技术", "汽车检测与维修技术", "建筑工程技术", "护理",
    "现代物流管理", "电气自动化技术", "数控技术", "物联网应用技术", "人工智能技术应用", "云计算技术应用",
    "医学检验技术", "康复治疗技术", "旅游管理", "酒店管理与数字化运营", "室内艺术设计", "数字媒体技术",
    "环境艺术设计", "金融服务与管理", "城市轨道交通运营管理", "道路与桥梁工程技术", "建设工程管理",
    "新能源汽车工程技术", "软件工程技术", "计算机应用工程", "大数据工程技术", "电气工程及自动化",
    "机械设计制造及自动化", "建筑工程", "大数据与财务管理", "网络营销与直播电商", "跨境电子商务",
))
RARE_CATEGORIES = (
    "0304", "0306", "0704", "0706", "0707", "0708", "0819", "0821", "0822", "0831", "0906", "0907", "1009",
    "4204", "4207", "4605", "5003", "5005", "5503", "2204", "2207", "2605", "3003", "3005", "3503",
)
RARE_NAME_TOKENS = (
    "藏医", "蒙医", "维医", "壮医", "哈医", "傣医", "回医", "藏药", "蒙药", "维药", "远洋", "海洋", "海岸", "港口",
    "航海", "蜂", "蚕", "冰雪", "高尔夫", "轮机", "船舶", "邮轮", "渔", "民族", "古生物",
)
DURATION = {"本科": 4, "职业本科": 4, "高职专科": 3}

# ------------------------------------------------------------------------------- industry vocabulary
# Other plausible 大类 for enterprises outside the focus chains (code, weight).
OTHER_INDUSTRIES: tuple[tuple[str, float], ...] = (
    ("13", 2), ("14", 2), ("17", 1), ("18", 1), ("26", 1.5), ("27", 1), ("29", 1), ("30", 1.5), ("33", 1.5),
    ("34", 2), ("35", 2), ("36", 1.5), ("38", 2), ("39", 1.5), ("44", 1), ("47", 1.5), ("48", 1),
    ("54", 1.5), ("59", 1.5), ("61", 0.7), ("62", 0.8), ("63", 0.8), ("64", 1), ("65", 2), ("66", 0.5),
    ("72", 1), ("73", 0.7), ("74", 0.8), ("80", 0.5), ("84", 1.5), ("85", 0.5), ("87", 0.4),
)
INDUSTRY_NOUN: dict[str, tuple[str, ...]] = {
    "01": ("农业科技", "种业"), "03": ("牧业", "畜牧"), "05": ("农业服务",), "06": ("煤业",), "08": ("矿业",),
    "09": ("矿业",), "13": ("农产品加工", "粮油"), "14": ("食品", "乳业"), "15": ("饮品", "酒业"),
    "17": ("纺织",), "18": ("服饰",), "19": ("皮革制品",), "20": ("木业",), "22": ("纸业",),
    "23": ("印务",), "25": ("石化",), "26": ("化工", "新材料"), "27": ("药业", "生物医药"),
    "28": ("化纤", "尼龙新材料"), "29": ("塑胶", "橡塑"), "30": ("建材", "新材料"), "31": ("钢铁",),
    "32": ("铝业", "有色金属"), "33": ("金属制品",), "34": ("机械", "通用设备"),
    "35": ("重工", "专用装备", "智能装备"), "36": ("汽车零部件", "汽车", "新能源汽车"),
    "37": ("轨道装备", "航空科技"), "38": ("电气", "电力装备", "新能源"), "39": ("电子", "智能终端"),
    "40": ("仪器仪表",), "42": ("再生资源",), "44": ("电力", "能源"), "45": ("燃气",), "46": ("水务",),
    "47": ("建设", "建工"), "48": ("路桥", "工程"), "50": ("装饰工程",), "51": ("商贸",), "52": ("商业",),
    "53": ("铁路服务",), "54": ("运输", "客运"), "56": ("航空服务",), "58": ("多式联运",),
    "59": ("物流", "仓储"), "60": ("快递",), "61": ("酒店",), "62": ("餐饮",), "63": ("通信技术",),
    "64": ("网络科技", "互联网"), "65": ("软件", "信息技术", "数据科技"), "66": ("金融服务",),
    "70": ("置业",), "71": ("租赁",), "72": ("企业管理", "商务服务"), "73": ("检测技术", "科技研发"),
    "74": ("工程技术", "设计"), "77": ("环保科技",), "80": ("家政服务",), "81": ("汽车服务",),
    "83": ("职业培训",), "84": ("康复医疗", "健康管理"), "85": ("养老服务",), "86": ("文化传媒",),
    "87": ("影视文化",), "88": ("文化旅游", "文旅"), "89": ("体育",),
}
BRANDS = (
    "恒瑞", "华泰", "宏达", "鑫源", "德信", "博远", "嘉盛", "泰和", "远航", "安达", "盛通", "利民", "通宇",
    "科创", "新锐", "源丰", "中联", "豫丰", "天成", "瑞祥", "金诺", "润泽", "启明", "东方", "汇川", "卓越",
    "星辰", "广源", "佳美", "众诚", "同舟", "信诚", "宇航", "明德", "开元", "永兴",
)
COOP_TYPE_WEIGHTS = {
    "订单班": 3.0, "现代学徒制": 2.0, "企业新型学徒制": 1.0, "产业学院": 1.0, "共建实训基地": 1.5,
    "实习实训": 4.0, "共建专业": 1.0, "技术研发": 1.0, "教师企业实践": 1.0, "其他": 0.3,
}
STUDENTS_RANGE = {
    "订单班": (20, 60), "现代学徒制": (15, 50), "企业新型学徒制": (10, 40), "产业学院": (80, 400),
    "共建实训基地": (50, 300), "实习实训": (20, 300), "共建专业": (40, 200), "技术研发": (0, 12),
    "教师企业实践": (0, 0), "其他": (0, 50),
}
POLICY_TITLES = (
    ("关于深化产教融合的实施意见", "政", ("产教融合", "校企合作", "人才培养")),
    ("产教融合型企业认定管理办法", "政办", ("产教融合型企业认定", "财税支持")),
    ("支持校企共建实训基地的若干措施", "政办", ("实训基地建设", "土地保障", "财税支持")),
    ("现代学徒制试点工作方案", "教", ("人才培养", "现代学徒制")),
    ("职业教育提质培优行动计划", "教", ("职业教育", "专业建设")),
    ("促进高校毕业生留本地就业创业的若干措施", "人社", ("就业创业", "人才引进")),
    ("产教融合型城市建设试点实施方案", "政", ("产教融合", "金融支持", "土地保障", "财税支持")),
    ("重点产业链人才支撑行动方案", "发改", ("人才培养", "产业链")),
)
CITED = ("豫政办〔2018〕47号", "发改社会〔2019〕1558号")
PROBLEMS = (
    "本地院校专业设置与重点产业链需求衔接不够紧密，部分紧缺专业布点不足",
    "校企对接合作渠道不畅，缺少常态化的供需对接机制和信息服务平台",
    "企业参与职业教育积极性不高，进入省级产教融合型企业培育名单的企业偏少",
    "高水平产教融合实验实训基地数量不足，现有基地开放共享程度低",
    "高校毕业生本地就业比例偏低，重点产业技术技能人才供给不足",
    "产教融合支持政策落实不到位，金融、财政、土地等激励措施缺乏细则",
    "“双师型”教师比例偏低，企业兼职教师聘用和管理机制不健全",
    "混合所有制办学、产业学院等办学体制改革探索不够深入",
)
# (content, agency keys, problem index into PROBLEMS)
MEASURES = (
    ("建立重点产业链专业动态调整机制，围绕主导产业新增和改造一批专业点", ("教育局", "发展改革委"), 0),
    ("建设市级产教融合信息服务平台，定期发布企业用工需求和院校专业供给信息", ("发展改革委", "人力资源社会保障局"), 1),
    ("制定产教融合型企业认定和培育办法，落实“金融+财政+土地+信用”组合式激励", ("发展改革委", "财政局"), 2),
    ("支持龙头企业与院校共建高水平产教融合实验实训基地，给予建设补助", ("工业和信息化局", "财政局"), 3),
    ("出台高校毕业生留本地就业创业支持政策，落实就业补贴和人才公寓", ("人力资源社会保障局",), 4),
    ("制定产教融合项目用地、税收、融资支持细则并明确兑现流程", ("财政局", "发展改革委"), 5),
    ("推行产业导师特设岗位，完善企业兼职教师聘用和校企人员双向交流机制", ("教育局", "人力资源社会保障局"), 6),
    ("支持市属国有企业参与举办职业院校和产业学院，探索混合所有制办学", ("国资委", "教育局"), 7),
)
DEADLINES = ("2023年12月", "2024年6月", "2024年12月", "2025年6月", "2025年12月")
ATTACHMENT_CITIES = ("410200", "410300")  # cities that get an illustrative Attachment 1 and 2

INDUSTRY_SHORT: dict[str, str] = {
    "13": "农产品加工", "14": "食品制造", "15": "饮料", "17": "纺织", "18": "服装", "25": "石油化工",
    "26": "化工", "27": "医药", "28": "化纤", "29": "橡塑", "30": "建材", "31": "钢铁", "32": "有色金属",
    "33": "金属制品", "34": "通用装备", "35": "专用装备", "36": "汽车", "37": "轨道交通装备", "38": "电气装备",
    "39": "电子信息", "40": "仪器仪表", "44": "电力", "47": "建筑", "48": "土木工程", "54": "道路运输",
    "59": "仓储物流", "61": "酒店", "62": "餐饮", "63": "通信", "64": "互联网", "65": "软件信息",
    "66": "金融", "72": "商务服务", "73": "研发检测", "74": "工程技术", "84": "医疗卫生", "85": "养老服务",
    "88": "文化旅游",
}


# ========================================================================================= data model
@dataclass(frozen=True)
class Major:
    code: str
    name: str
    category_code: str
    category_name: str
    division_code: str
    level: str
    source: str


@dataclass
class Institution:
    id: str
    name: str
    city: str
    level: str
    ownership: str
    real: bool
    themes: tuple[str, ...] = ()
    # The level whose majors it offered in the program years (the 2024 list's level when it was upgraded
    # from 专科 in 2025) and the first program year (2024 for schools that are not in the 2024 list).
    program_level: str = ""
    first_year: int = YEARS[0]
    majors: dict[int, list[str]] = field(default_factory=dict)
    industries: list[str] = field(default_factory=list)  # supplied 大类, strongest first


@dataclass
class Enterprise:
    id: str
    name: str
    city: str
    industry: str
    employees: int
    chain_id: str = ""
    segment_id: str = ""
    chain_role: str = ""
    iei_level: str = ""
    iei_year: str = ""


@dataclass
class Segment:
    id: str
    chain_id: str
    industries: tuple[str, ...]


@dataclass
class Reference:
    industries: dict[str, str]  # code → name
    categories: set[str]
    cw_category: dict[str, dict[str, float]]  # category → 大类 → weight
    cw_major: dict[str, dict[str, float]]
    chains: dict[str, tuple[str, str]]  # id → (name, cluster)
    segments: dict[str, list[Segment]]  # chain id → segments (with at least one known industry)


def _columns(table: str) -> tuple[str, ...]:
    return tuple(c.key for c in TABLES[table].columns) + PROVENANCE


@dataclass
class Dataset:
    """Rows per table as tuples in the order of ``_columns(table)``."""

    rows: dict[str, list[tuple[str, ...]]] = field(default_factory=lambda: defaultdict(list))


# ============================================================================================ helpers
def _rng(seed: int, scale: int, part: str) -> random.Random:
    return random.Random(f"iekg-demo/{seed}/{scale}/{part}")


def _weighted(rng: random.Random, items: Sequence[str], weights: Sequence[float]) -> str:
    return rng.choices(items, weights=weights, k=1)[0]


def _rate(x: float) -> str:
    return f"{min(max(x, 0.0), 1.0):.3f}"


def _clamp(x: float, lo: float, hi: float) -> float:
    return min(max(x, lo), hi)


def _roll(code: str) -> str:
    """A GB/T 4754 code rolled up to its 大类 (letters are kept)."""
    code = code.strip()
    return code[:2] if len(code) >= 2 and code[:2].isdigit() else code


def _split_list(cell: str) -> list[str]:
    for sep in ("；", "、"):
        cell = cell.replace(sep, ";")
    return [p.strip() for p in cell.split(";") if p.strip()]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def _read_reference_table(ref_dir: Path, table: str, required: bool = True) -> list[dict[str, str]]:
    """A shipped reference table with its headers mapped to the canonical keys (English or Chinese)."""
    path = ref_dir / f"{table}.csv"
    if not path.is_file():
        if required:
            raise FileNotFoundError(f"reference table {table}.csv not found in {ref_dir}")
        return []
    header_map: dict[str, str] = {}
    for col in TABLES[table].columns:
        header_map[col.key] = col.key
        header_map[col.zh] = col.key
        for alias in col.aliases:
            header_map[alias] = col.key
    out = []
    for row in _read_csv(path):
        out.append({header_map.get(k, k): v for k, v in row.items()})
    return out


# The shipped demo was generated with the crosswalk as it was before the review of 2026-12
# (docs/crosswalk-review.md).  The generator draws its programmes and demand through the crosswalk, so any
# changed weight reshuffles the whole illustrative dataset (and every figure quoted from it).  These rows keep
# the generation as it was; the queries always use the shipped crosswalk as it is now.  Remove an entry (and
# regenerate) to generate with the reviewed weights.
GENERATION_CROSSWALK_PIN: dict[str, dict[str, float]] = {
    **{c: {"38": 0.4, "34": 0.3, "40": 0.2, "65": 0.1} for c in ("6603", "4603", "2603")},
    "0826": {"35": 0.6, "84": 0.4},
}


def default_public_dir() -> Path:
    env = os.environ.get("IEKG_PUBLIC_DIR")
    return Path(env) if env else PACKAGE_DIR.parent.parent / "shared" / "data" / "public"


# ======================================================================================== load inputs
def load_reference(ref_dir: Path) -> Reference:
    cities = {r.get("code", "") for r in _read_reference_table(ref_dir, "cities")}
    missing = [c for c in CITY_CODES if c not in cities]
    if missing:
        raise ValueError(f"reference cities.csv lacks the Henan cities {missing}")
    industries = {r["code"]: r.get("name", "")
                  for r in _read_reference_table(ref_dir, "industries") if r.get("code")}
    categories = {r["code"] for r in _read_reference_table(ref_dir, "major_categories", False)
                  if r.get("code")}
    cw_category: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    cw_major: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in _read_reference_table(ref_dir, "crosswalk"):
        ind = _roll(r.get("industry_code", ""))
        if ind not in industries:
            continue
        try:
            w = float(r.get("weight", "") or 0)
        except ValueError:
            continue
        if w <= 0:
            continue
        if r.get("major_code"):
            cw_major[r["major_code"]][ind] += w
        elif r.get("category_code"):
            cw_category[r["category_code"]][ind] += w
    if Path(ref_dir).resolve() == DEFAULT_REFERENCE_DIR.resolve():
        cw_category.update(GENERATION_CROSSWALK_PIN)  # see GENERATION_CROSSWALK_PIN
    chains = {r["id"]: (r.get("name", ""), r.get("cluster", ""))
              for r in _read_reference_table(ref_dir, "chains")}
    segments: dict[str, list[Segment]] = defaultdict(list)
    for r in _read_reference_table(ref_dir, "chain_segments"):
        if r.get("chain_id") not in chains:
            continue
        inds = sorted({_roll(c) for c in _split_list(r.get("industry_codes", ""))} & set(industries))
        if inds:
            segments[r["chain_id"]].append(Segment(r["id"], r["chain_id"], tuple(inds)))
    for segs in segments.values():
        segs.sort(key=lambda s: s.id)
    return Reference(
        industries=industries, categories=categories,
        cw_category={k: dict(v) for k, v in cw_category.items()},
        cw_major={k: dict(v) for k, v in cw_major.items()},
        chains=chains, segments=dict(segments),
    )


def load_institutions(public_dir: Path) -> list[Institution]:
    """The Henan institutions of the 2025 MOE list (with their 2024 level, if they were in that list)."""
    all_rows = _read_csv(public_dir / "henan_hei_2024_2025.csv")
    rows = [r for r in all_rows if r.get("版本", "").startswith("2025")]
    level_2024 = {r["学校标识码"]: r["办学层次"] for r in all_rows if r.get("版本", "").startswith("2024")}
    out = []
    for r in rows:
        name = r["学校名称"]
        city = CITY_BY_NAME.get(r["所在地"])
        if city is None:
            raise ValueError(f"unknown 所在地 {r['所在地']!r} for {name}")
        if r["办学层次"] == "本科":
            level = "职业本科" if ("职业技术大学" in name or "职业大学" in name) else "本科"
        else:
            level = "高职专科"
        ownership = "民办" if "民办" in r.get("备注", "") else "公办"
        iid = r["学校标识码"]
        program_level = "高职专科" if level_2024.get(iid) == "专科" else level
        first_year = YEARS[0] if (iid in level_2024 or not level_2024) else YEARS[-1]
        out.append(Institution(iid, name, city, level, ownership, True, _themes(name), program_level, first_year))
    out.sort(key=lambda i: i.id)
    return out


def load_majors(public_dir: Path) -> list[Major]:
    out = []
    for r in _read_csv(public_dir / "vocational_major_catalog_2021_upd2025.csv"):
        level = {"高职专科": "高职专科", "职教本科": "职业本科"}.get(r["层次"])
        if level:
            out.append(Major(r["专业代码"], r["专业名称"], r["专业类代码"], r["专业类"], r["专业大类代码"], level, SRC_VOC))
    for r in _read_csv(public_dir / "undergraduate_major_catalog_2024.csv"):
        if r["itemLevel"] == "MAJOR":
            out.append(Major(r["majorCode"], r["majorName"], r["classCode"], r["className"],
                             r["categoryCode"],
                             "本科", SRC_UG))
    out.sort(key=lambda m: m.code)
    return out


def load_zones(public_dir: Path) -> list[tuple[str, str, str, str]]:
    """Real statistical function zones that are development/industrial zones: (code, name, city, kind)."""
    out = []
    for r in _read_csv(public_dir / "henan_admin_divisions.csv"):
        name, note = r.get("name", ""), r.get("note", "")
        if "功能区" not in note or r.get("parent_code6") not in CITY_NAME:
            continue
        if "开发区" in name or "实验区" in name:
            out.append((r["code6"], name, r["parent_code6"], "开发区"))
        elif "园区" in name or "聚集区" in name:
            out.append((r["code6"], name, r["parent_code6"], "产业园区"))
    return sorted(out)


def _themes(name: str) -> tuple[str, ...]:
    stripped = name
    for short in (*CITY_SHORT.values(), "河南", "中原", "黄河", "黄淮", "嵩山", "豫北", "长垣", "兰考", "永城",
                  "汝州", "林州", "西亚斯"):
        stripped = stripped.replace(short, "")
    return tuple(t for t, (kws, _, _) in THEMES.items() if any(k in stripped for k in kws))


# ========================================================================================= generator
class _Generator:
    def __init__(self, seed: int, scale: int, public_dir: Path, ref: Reference) -> None:
        self.seed, self.scale, self.ref = seed, scale, ref
        self.public_dir = public_dir
        self.src = f"iekg demo generator (seed={seed}, scale={scale}) — 示意数据, not real"
        self.majors = {m.code: m for m in load_majors(public_dir)
                       if not ref.categories or m.category_code in ref.categories}
        self.pool: dict[str, list[Major]] = defaultdict(list)
        for m in self.majors.values():
            self.pool[m.level].append(m)
        self.out = Dataset()
        self._cols: dict[str, tuple[str, ...]] = {}
        self.used_majors: set[str] = set()
        self.institutions: list[Institution] = []
        self.enterprises: list[Enterprise] = []
        self.focus: dict[str, list[tuple[str, str]]] = {}  # city → [(chain id, level)]
        self.program_rows: list[dict[str, str]] = []

    # ------------------------------------------------------------------------------ common pieces
    def rng(self, part: str) -> random.Random:
        return _rng(self.seed, self.scale, part)

    def add(self, table: str, row: dict[str, str], illustrative: bool = True,
            source: str | None = None) -> None:
        cols = self._cols.get(table)
        if cols is None:
            cols = self._cols[table] = _columns(table)[:-2]
        provenance = (source if source is not None else self.src, YES if illustrative else NO)
        self.out.rows[table].append(tuple(row.get(c, "") for c in cols) + provenance)

    def major_weights(self, code: str) -> dict[str, float]:
        if code in self.ref.cw_major:
            return self.ref.cw_major[code]
        return self.ref.cw_category.get(self.majors[code].category_code, {})

    def short_industry(self, code: str) -> str:
        if code in INDUSTRY_SHORT:
            return INDUSTRY_SHORT[code]
        name = self.ref.industries.get(code, code)
        for token in ("制造业", "业", "和", "及", "、", "其他"):
            name = name.replace(token, "")
        return name[:6] or code

    # ------------------------------------------------------------------------------------ run
    def run(self) -> None:
        self.gen_city_focus()
        self.gen_institutions()
        self.gen_enterprises()
        self.gen_programs()
        self.gen_zones()
        self.gen_cooperations()
        self.gen_training_bases()
        self.gen_platforms()
        self.gen_alliances()
        self.gen_talent_demand()
        self.gen_employment()
        self.gen_policies()
        self.gen_attachments()
        self.gen_majors_table()

    # --------------------------------------------------------------------------------- city focus
    def gen_city_focus(self) -> None:
        rng = self.rng("city_focus")
        chain_ids = sorted(c for c in self.ref.chains if c in self.ref.segments)
        for city in CITY_CODES:
            hints = CITY_CHAIN_HINTS.get(city, ())
            scored = []
            for cid in chain_ids:
                text = "".join(self.ref.chains[cid])
                score = sum(len(hints) - i for i, h in enumerate(hints) if h in text)
                scored.append((-(score + rng.random() * 2.5), cid))
            scored.sort()
            n = min(len(scored), rng.randint(2, 4))
            picked = []
            for rank, (_, cid) in enumerate(scored[:n]):
                level = "主导" if rank == 0 else ("重点" if rank < 3 else "培育")
                if rank == n - 1 and n >= 3 and rng.random() < 0.6:
                    level = "培育"
                picked.append((cid, level))
                chance = 0.7 if rank == 0 else (0.3 if rank == 1 else 0.0)
                integration = YES if rng.random() < chance else NO
                self.add("city_focus", {"city_code": city, "chain_id": cid, "level": level,
                                        "integration_industry": integration})
            self.focus[city] = picked

    def focus_industries(self, city: str) -> set[str]:
        out: set[str] = set()
        for cid, _ in self.focus.get(city, []):
            for seg in self.ref.segments.get(cid, []):
                out.update(seg.industries)
        return out

    # ------------------------------------------------------------------------------ institutions
    def gen_institutions(self) -> None:
        real = load_institutions(self.public_dir)
        if len(real) < 60:
            raise ValueError(f"only {len(real)} Henan institutions in the 2025 list")
        rng = self.rng("institutions")
        synthetic = []
        n_synth = (self.scale - 1) * len(real)
        for k in range(1, n_synth + 1):
            model = real[rng.randrange(len(real))]
            ownership = "民办" if rng.random() < 0.3 else "公办"
            synthetic.append(Institution(f"99{k:08d}", f"示意院校{k:05d}（示意）", model.city, model.level,
                                         ownership, False, program_level=model.level))
        self.institutions = real + synthetic
        for inst in self.institutions:
            row = {"id": inst.id, "name": inst.name, "city_code": inst.city, "level": inst.level,
                   "ownership": inst.ownership}
            if inst.real:
                self.add("institutions", row, illustrative=False, source=SRC_HEI)
            else:
                self.add("institutions", row)

    # ------------------------------------------------------------------------------- enterprises
    def gen_enterprises(self) -> None:
        rng = self.rng("enterprises")
        other_codes = [c for c, _ in OTHER_INDUSTRIES if c in self.ref.industries]
        other_weights = [w for c, w in OTHER_INDUSTRIES if c in self.ref.industries]
        names: set[str] = set()
        for city in CITY_CODES:
            n = ENTERPRISES_PER_CITY[city] * self.scale
            focus = [(cid, lvl) for cid, lvl in self.focus.get(city, []) if self.ref.segments.get(cid)]
            ents: list[Enterprise] = []
            for k in range(1, n + 1):
                eid = f"DEMO-{city}-E{k:04d}" if k < 10000 else f"DEMO-{city}-E{k:06d}"
                employees = int(_clamp(rng.lognormvariate(math.log(260), 0.9), 20, 8000))
                ent = Enterprise(eid, "", city, "", employees)
                if focus and (rng.random() < 0.78 or not other_codes):
                    cid = _weighted(rng, [c for c, _ in focus],
                                    [{"主导": 3.0, "重点": 2.0, "培育": 1.0}[lvl] for _, lvl in focus])
                    seg = rng.choice(self.ref.segments[cid])
                    ent.chain_id, ent.segment_id, ent.industry = cid, seg.id, rng.choice(seg.industries)
                    ent.chain_role = "配套"
                else:
                    ent.industry = _weighted(rng, other_codes, other_weights)
                ents.append(ent)
            # one 链主 per (city, chain): the largest enterprise, made a large one
            by_chain: dict[str, list[Enterprise]] = defaultdict(list)
            for e in ents:
                if e.chain_id:
                    by_chain[e.chain_id].append(e)
            levels = dict(focus)
            for cid in sorted(by_chain):
                members = by_chain[cid]
                n_leaders = len(members) // 12 or (1 if levels.get(cid) == "主导" else 0)
                for lead in sorted(members, key=lambda e: (-e.employees, e.id))[:n_leaders]:
                    lead.chain_role = "链主"
                    lead.employees = max(lead.employees, rng.randint(3000, 20000))
            for e in ents:
                r = rng.random()
                if e.chain_role == "链主":
                    r *= 0.35
                if r < 0.015:
                    e.iei_level, e.iei_year = "国家级", str(rng.randint(2019, 2023))
                elif r < 0.10:
                    e.iei_level, e.iei_year = "省级", str(rng.randint(2020, 2024))
                elif r < 0.20:
                    e.iei_level, e.iei_year = "省级培育", str(rng.randint(2021, 2024))
                elif r < 0.26:
                    e.iei_level, e.iei_year = "市级", str(rng.randint(2019, 2024))
                e.name = self._enterprise_name(rng, e, names)
            self.enterprises.extend(ents)
        for e in self.enterprises:
            self.add("enterprises", {
                "id": e.id, "name": e.name, "city_code": e.city, "industry_code": e.industry,
                "employees": str(e.employees), "iei_level": e.iei_level, "iei_year": e.iei_year,
                "segment_id": e.segment_id, "chain_role": e.chain_role,
            })

    def _enterprise_name(self, rng: random.Random, e: Enterprise, names: set[str]) -> str:
        nouns = INDUSTRY_NOUN.get(e.industry) or (self.short_industry(e.industry),)
        suffix = "集团有限公司" if e.chain_role == "链主" else ("股份有限公司" if rng.random() < 0.2 else "有限公司")
        for _ in range(30):
            name = f"{CITY_SHORT[e.city]}{rng.choice(BRANDS)}{rng.choice(nouns)}{suffix}（示意）"
            if name not in names:
                break
        else:
            name = f"{CITY_SHORT[e.city]}{rng.choice(BRANDS)}{rng.choice(nouns)}{e.id[-4:]}{suffix}（示意）"
        names.add(name)
        return name

    # --------------------------------------------------------------------------------- programs
    def _pool_for(self, inst: Institution) -> list[tuple[Major, float]]:
        """The majors an institution may offer, with selection weights."""
        if inst.program_level == "本科":
            majors, prior, div_len = self.pool["本科"], UG_PRIOR, 2
        elif inst.program_level == "职业本科":
            majors, prior, div_len = self.pool["职业本科"], {f"{int(k) - 20}": v for k, v in VOC_PRIOR.items()}, 2
        else:
            majors, prior, div_len = self.pool["高职专科"], VOC_PRIOR, 2
        cats_in_div: dict[str, set[str]] = defaultdict(set)
        per_cat: dict[str, int] = defaultdict(int)
        for m in majors:
            cats_in_div[m.code[:div_len]].add(m.category_code)
            per_cat[m.category_code] += 1
        div_norm = {d: sum(math.sqrt(per_cat[c]) for c in cats) for d, cats in cats_in_div.items()}
        focus = self.focus_industries(inst.city)
        out = []
        for m in majors:
            div = m.code[:div_len]
            # a division's weight is shared by its categories in proportion to √(majors in the category)
            w = prior.get(div, 0.3) / div_norm[div] / math.sqrt(per_cat[m.category_code])
            common = m.name in COMMON_MAJORS
            if common:
                w *= 5.0
            elif (m.category_code.startswith(RARE_CATEGORIES) or m.category_code == "0502"
                  or any(t in m.name for t in RARE_NAME_TOKENS)):
                w *= 0.05
            elif m.code.endswith("K"):
                w *= 0.1
            elif m.code[6:].startswith("T"):
                w *= 0.6
            if focus and any(i in focus and x >= 0.2 for i, x in self.major_weights(m.code).items()):
                w *= 2.0
            out.append((m, w))
        return out

    def _theme_match(self, inst: Institution, m: Major) -> bool:
        for t in inst.themes:
            _, voc, ug = THEMES[t]
            if m.level == "本科":
                prefixes = ug
            elif m.level == "职业本科":
                prefixes = tuple(f"{int(p[:2]) - 20}{p[2:]}" for p in voc)
            else:
                prefixes = voc
            if m.code.startswith(prefixes):
                return True
        return False

    def gen_programs(self) -> None:
        rng = self.rng("programs")
        pool_cache: dict[tuple[str, str, tuple[str, ...]], tuple[list[Major], list[float], list[float]]] = {}
        voc_for_vocbachelor = self._pool_for(Institution("", "", ZHENGZHOU, "高职专科", "", False,
                                                         program_level="高职专科"))
        for inst in self.institutions:
            key = (inst.program_level, inst.city, inst.themes)
            if key not in pool_cache:
                pool = self._pool_for(inst)
                themed = [w if self._theme_match(inst, m) else 0.0 for m, w in pool]
                plain = [w for _, w in pool]
                pool_cache[key] = ([m for m, _ in pool], list(_cum(themed)), list(_cum(plain)))
            population, cum_themed, cum_plain = pool_cache[key]
            n = rng.randint(15, 30)
            chosen: list[str] = []
            seen: set[str] = set()
            share_themed = rng.uniform(0.55, 0.75) if inst.themes and cum_themed[-1] > 0 else 0.0
            n_voc = rng.randint(2, 5) if inst.program_level == "职业本科" else 0
            attempts = 0
            while len(chosen) < n and attempts < n * 20:
                attempts += 1
                if n_voc and len(chosen) >= n - n_voc:
                    m = rng.choices([x for x, _ in voc_for_vocbachelor],
                                    cum_weights=self._voc_cum(voc_for_vocbachelor), k=1)[0]
                else:
                    cum = cum_themed if rng.random() < share_themed else cum_plain
                    m = rng.choices(population, cum_weights=cum, k=1)[0]
                if m.code not in seen:
                    seen.add(m.code)
                    chosen.append(m.code)
            chosen.sort()
            y0, y1 = YEARS
            dropped = set(rng.sample(chosen, k=min(len(chosen) - 1, rng.randint(0, 1))))
            added: list[str] = []
            for _ in range(rng.randint(0, 2)):
                m = rng.choices(population, cum_weights=cum_themed if share_themed else cum_plain, k=1)[0]
                if m.code not in seen:
                    seen.add(m.code)
                    added.append(m.code)
            if inst.first_year > y0:  # founded after the 2024 list: a first cohort in every major
                inst.majors = {y1: chosen}
                added = chosen
            else:
                inst.majors = {y0: chosen, y1: sorted([c for c in chosen if c not in dropped] + added)}
            self._program_rows(rng, inst, set(added))
        self.program_rows.sort(key=lambda r: (r["institution_id"], r["major_code"], r["year"]))
        for row in self.program_rows:
            self.add("programs", row)
            self.used_majors.add(row["major_code"])

    _voc_cum_cache: list[float] | None = None

    def _voc_cum(self, pool: list[tuple[Major, float]]) -> list[float]:
        if self._voc_cum_cache is None:
            self._voc_cum_cache = list(_cum([w for _, w in pool]))
        return self._voc_cum_cache

    def _program_rows(self, rng: random.Random, inst: Institution, new_in_last_year: set[str]) -> None:
        y0, y1 = YEARS
        if inst.program_level == "本科":
            median = 520 if inst.name.endswith("大学") else 360
        elif inst.program_level == "职业本科":
            median = 400
        else:
            median = 300
        stay = LOCAL_STAY.get(inst.city, 0.36)
        all_codes = sorted({c for codes in inst.majors.values() for c in codes})
        # 专业群: vocational categories with at least three majors, named after their first major
        groups: dict[str, str] = {}
        if inst.program_level != "本科":
            by_cat: dict[str, list[str]] = defaultdict(list)
            for c in all_codes:
                by_cat[self.majors[c].category_code].append(c)
            for codes in by_cat.values():
                if len(codes) >= 3:
                    for c in codes:
                        groups[c] = f"{self.majors[codes[0]].name}专业群"
        supply: dict[str, float] = defaultdict(float)
        for code in all_codes:
            m = self.majors[code]
            duration = DURATION[m.level]
            base = _clamp(rng.lognormvariate(math.log(median), 0.6), 40, 3000)
            themed_bonus = 1.3 if self._theme_match(inst, m) else 1.0
            leading = YES if rng.random() < (0.06 if themed_bonus > 1 else 0.025) else NO
            emp_rate = _clamp(rng.gauss(0.88 + (0.03 if leading == YES else 0.0), 0.05), 0.6, 0.99)
            local_rate = _clamp(rng.gauss(stay, 0.1), 0.05, 0.95)
            enrollment = base * themed_bonus
            for year in YEARS:
                if code not in inst.majors.get(year, ()):
                    continue
                if year == y1:
                    enrollment *= rng.uniform(0.92, 1.12)
                new = year == y1 and code in new_in_last_year
                enr = round(enrollment / duration) if new else round(enrollment)
                grads = "" if new else str(round(enr / duration * rng.uniform(0.85, 1.05)))
                er = _rate(_clamp(emp_rate + rng.gauss(0, 0.015), 0.5, 0.99))
                lr = _rate(_clamp(local_rate + rng.gauss(0, 0.02), 0.02, 0.98))
                if new:  # no graduates yet, so no employment figures
                    er = lr = ""
                self.program_rows.append({
                    "institution_id": inst.id, "major_code": code, "year": str(year), "enrollment": str(enr),
                    "graduates": grads, "employment_rate": er, "local_employment_rate": lr,
                    "leading": leading, "group": groups.get(code, ""),
                })
                if year == y1:
                    for ind, w in self.major_weights(code).items():
                        supply[ind] += enr * w
        inst.industries = [i for i, _ in sorted(supply.items(), key=lambda kv: (-kv[1], kv[0]))]

    # ------------------------------------------------------------------------------------ zones
    def gen_zones(self) -> None:
        rng = self.rng("zones")
        for code, name, city, kind in load_zones(self.public_dir):
            self.add("zones", {"id": f"ZONE-{code}", "name": name, "city_code": city, "kind": kind},
                     illustrative=False, source=SRC_ZONE)
        for city in CITY_CODES:
            k = 0
            if rng.random() < 0.6 or city in (ZHENGZHOU, LUOYANG):
                k += 1
                self.add("zones", {"id": f"DEMO-ZONE-{city}-{k:02d}", "kind": "产教融合重点区域", "city_code": city,
                                   "name": f"{CITY_SHORT[city]}产教融合示范区（示意）"})
            if rng.random() < 0.45:
                k += 1
                self.add("zones", {"id": f"DEMO-ZONE-{city}-{k:02d}", "kind": "职教园区", "city_code": city,
                                   "name": f"{CITY_SHORT[city]}职教园区（示意）"})

    # ----------------------------------------------------------------------------- cooperations
    def _ent_index(self) -> tuple[dict[tuple[str, str], list[Enterprise]], dict[str, list[Enterprise]],
                                  dict[str, list[Enterprise]]]:
        by_city_ind: dict[tuple[str, str], list[Enterprise]] = defaultdict(list)
        by_city: dict[str, list[Enterprise]] = defaultdict(list)
        by_ind: dict[str, list[Enterprise]] = defaultdict(list)
        for e in self.enterprises:
            by_city_ind[(e.city, e.industry)].append(e)
            by_city[e.city].append(e)
            by_ind[e.industry].append(e)
        return by_city_ind, by_city, by_ind

    def gen_cooperations(self) -> None:
        rng = self.rng("cooperations")
        by_city_ind, by_city, by_ind = self._ent_index()
        types = list(COOP_TYPE_WEIGHTS)
        tweights = list(COOP_TYPE_WEIGHTS.values())
        for inst in self.institutions:
            k = rng.randint(2, 8) if inst.program_level != "本科" else rng.randint(1, 6)
            top = inst.industries[:6]
            done: set[tuple[str, str]] = set()
            for _ in range(k * 3):
                if len(done) >= k:
                    break
                r = rng.random()
                ent: Enterprise | None = None
                if top and r < 0.65:
                    cands = by_city_ind.get((inst.city, rng.choice(top)), [])
                    ent = rng.choice(cands) if cands else None
                elif r < 0.85:
                    cands = by_city.get(inst.city, [])
                    ent = rng.choice(cands) if cands else None
                elif top:
                    cands = by_ind.get(rng.choice(top), [])
                    ent = rng.choice(cands) if cands else None
                if ent is None:
                    continue
                ctype = _weighted(rng, types, tweights)
                if inst.program_level == "本科" and ctype in ("订单班", "现代学徒制") and rng.random() < 0.5:
                    ctype = "技术研发"
                if (ent.id, ctype) in done:
                    continue
                done.add((ent.id, ctype))
                since = rng.randint(2014, 2024)
                if since == 2024 and rng.random() < 0.4:
                    status = "筹建中"
                elif since <= 2019 and rng.random() < 0.35:
                    status = "已结束"
                else:
                    status = "进行中"
                lo, hi = STUDENTS_RANGE[ctype]
                self.add("cooperations", {
                    "institution_id": inst.id, "enterprise_id": ent.id, "type": ctype, "since": str(since),
                    "students": str(rng.randint(lo, hi)), "status": status,
                })

    # ---------------------------------------------------------------------------- training bases
    def _city_institutions(self) -> dict[str, list[Institution]]:
        out: dict[str, list[Institution]] = defaultdict(list)
        for inst in self.institutions:
            out[inst.city].append(inst)
        return out

    def gen_training_bases(self) -> None:
        rng = self.rng("training_bases")
        insts = self._city_institutions()
        _, by_city, _ = self._ent_index()
        kinds = list(ENUMS["training_base_kind"])
        for city in CITY_CODES:
            n = (2 + len([i for i in insts[city] if i.real]) // 8) * self.scale
            focus = sorted(self.focus_industries(city))
            for k in range(1, n + 1):
                if insts[city] and (rng.random() < 0.6 or not by_city[city]):
                    inst = rng.choice(insts[city])
                    operator_id = inst.id
                    inds = list(inst.industries[:3])
                    level_opts, level_w = ["国家级", "省级", "市级", "校级"], [0.03, 0.15, 0.35, 0.47]
                else:
                    ent = rng.choice(by_city[city])
                    operator_id = ent.id
                    inds = [ent.industry]
                    level_opts, level_w = ["国家级", "省级", "市级"], [0.03, 0.2, 0.77]
                if focus and rng.random() < 0.5:
                    inds.append(rng.choice(focus))
                inds = sorted(set(inds[: rng.randint(1, 3)] + inds[3:])) or [rng.choice(focus or ["65"])]
                kind = _weighted(rng, kinds, [0.3, 0.2, 0.3, 0.2])
                level = _weighted(rng, level_opts, level_w)
                self.add("training_bases", {
                    "id": f"DEMO-TB-{city}-{k:03d}",
                    "name": f"{CITY_SHORT[city]}{self.short_industry(inds[0])}{kind}{k:02d}（示意）",
                    "city_code": city, "kind": kind, "level": level, "operator_id": operator_id,
                    "industry_codes": ";".join(inds), "stations": str(rng.randint(30, 600)),
                })

    # --------------------------------------------------------------------------------- platforms
    def gen_platforms(self) -> None:
        rng = self.rng("platforms")
        insts = self._city_institutions()
        _, by_city, _ = self._ent_index()
        kinds = list(ENUMS["platform_kind"])
        kweights = [0.35, 0.2, 0.1, 0.1, 0.1, 0.15]
        for city in CITY_CODES:
            if not insts[city] or not by_city[city]:
                continue
            n = (2 + len([i for i in insts[city] if i.real]) // 10) * self.scale
            for k in range(1, n + 1):
                inst = rng.choice(insts[city])
                partners = rng.sample(by_city[city], k=min(len(by_city[city]), rng.randint(1, 2)))
                kind = _weighted(rng, kinds, kweights)
                ind = partners[0].industry
                self.add("platforms", {
                    "id": f"DEMO-PF-{city}-{k:03d}",
                    "name": f"{CITY_SHORT[city]}{self.short_industry(ind)}{kind}{k:02d}（示意）",
                    "city_code": city, "kind": kind,
                    "operator_ids": ";".join([inst.id] + sorted(p.id for p in partners)),
                })

    # --------------------------------------------------------------------------------- alliances
    def gen_alliances(self) -> None:
        rng = self.rng("alliances")
        insts = self._city_institutions()
        _, by_city, by_ind = self._ent_index()
        for city in CITY_CODES:
            if not insts[city] or not by_city[city]:
                continue
            kinds = []
            if rng.random() < 0.6 or city == ZHENGZHOU:
                kinds.append("市域产教联合体")
            kinds.append(_weighted(rng, ["产教融合联盟", "职教集团", "产教融合集团"], [0.4, 0.4, 0.2]))
            n = 0
            for _rep in range(self.scale):
                for kind in kinds:
                    n += 1
                    aid = f"DEMO-AL-{city}-{n:02d}"
                    leaders = [e for e in by_city[city] if e.chain_role == "链主"]
                    if kind in ("产教融合集团", "市域产教联合体") and leaders:
                        lead = rng.choice(leaders).id
                    else:
                        lead = rng.choice(insts[city]).id
                    members = {lead}
                    n_inst = min(len(insts[city]), rng.randint(2, 6))
                    members.update(i.id for i in rng.sample(insts[city], k=n_inst))
                    n_ent = min(len(by_city[city]), rng.randint(3, 10))
                    members.update(e.id for e in rng.sample(by_city[city], k=n_ent))
                    self._alliance(aid, f"{CITY_SHORT[city]}{kind}{n:02d}（示意）", kind, city, lead, members)
        # province-wide 行业产教融合共同体 around chains
        chain_ids = sorted(self.ref.segments)
        picked: list[str] = []
        for _rep in range(self.scale):
            picked += rng.sample(chain_ids, k=min(len(chain_ids), 4))
        for k, cid in enumerate(picked, start=1):
            inds = sorted({i for s in self.ref.segments[cid] for i in s.industries})
            ents = sorted({e.id: e for i in inds for e in by_ind.get(i, [])}.values(), key=lambda e: e.id)
            if not ents:
                continue
            lead_ent = max(ents, key=lambda e: (e.employees, e.id))
            members = {lead_ent.id}
            members.update(e.id for e in rng.sample(ents, k=min(len(ents), rng.randint(6, 15))))
            aligned = [i for i in self.institutions if set(i.industries[:5]) & set(inds)]
            members.update(i.id for i in rng.sample(aligned, k=min(len(aligned), rng.randint(4, 10))))
            name = self.ref.chains[cid][0] or cid
            self._alliance(f"DEMO-AL-HN-{k:03d}", f"河南省{name}行业产教融合共同体{k:02d}（示意）",
                           "行业产教融合共同体", "", lead_ent.id, members)

    def _alliance(self, aid: str, name: str, kind: str, city: str, lead: str, members: set[str]) -> None:
        self.add("alliances", {"id": aid, "name": name, "kind": kind, "city_code": city, "lead_id": lead})
        for m in sorted(members):
            role = "牵头" if m == lead else "成员"
            self.add("alliance_members", {"alliance_id": aid, "member_id": m, "role": role})

    # ----------------------------------------------------------------------------- talent demand
    def _city_supply(self, year: int) -> dict[str, dict[str, float]]:
        """city → 大类 → graduates (enrollment / duration when graduates are missing) × crosswalk weight."""
        out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        city_of = {i.id: i.city for i in self.institutions}
        for row in self.program_rows:
            if row["year"] != str(year):
                continue
            m = self.majors[row["major_code"]]
            g = float(row["graduates"]) if row["graduates"] else float(row["enrollment"]) / DURATION[m.level]
            for ind, w in self.major_weights(m.code).items():
                out[city_of[row["institution_id"]]][ind] += g * w
        return out

    def gen_talent_demand(self) -> None:
        rng = self.rng("talent_demand")
        emp: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        leaders: dict[tuple[str, str], list[Enterprise]] = defaultdict(list)
        for e in self.enterprises:
            emp[e.city][e.industry] += e.employees
            if e.chain_role == "链主":
                leaders[(e.city, e.industry)].append(e)
        local_majors: dict[str, set[str]] = defaultdict(set)
        city_of = {i.id: i.city for i in self.institutions}
        for row in self.program_rows:
            local_majors[city_of[row["institution_id"]]].add(row["major_code"])
        voc_codes = sorted(m.code for m in self.pool["高职专科"]
                           if m.name in COMMON_MAJORS or not any(t in m.name for t in RARE_NAME_TOKENS))
        supplies = {y: self._city_supply(y) for y in YEARS}
        for city in CITY_CODES:
            e_city = emp[city]
            s_first = supplies[YEARS[0]][city]
            inds = sorted(set(e_city) | set(s_first))
            # deliberate shortages (industries with employers) and surpluses (industries with supply)
            with_emp = [i for i in inds if e_city.get(i, 0) > 0]
            with_sup = [i for i in inds if s_first.get(i, 0) > 0]
            factor = {i: 1.0 for i in inds}
            for i in rng.sample(with_emp, k=min(2, len(with_emp))):
                factor[i] *= rng.uniform(1.8, 3.0)
            for i in rng.sample(with_sup, k=min(2, len(with_sup))):
                factor[i] *= rng.uniform(0.3, 0.5)
            s_total = sum(s_first.values()) or 1.0
            for i in inds:
                if e_city.get(i, 0) == 0 and s_first.get(i, 0) < 0.02 * s_total and rng.random() < 0.4:
                    factor[i] = 0.0  # supply with no recorded demand
            ratio = rng.uniform(0.75, 1.25)
            alpha = rng.uniform(0.2, 0.55)  # weight of the employers' shape against the graduates' shape
            p_voc = {i: rng.uniform(0.5, 0.8) for i in inds}
            noise = {i: rng.lognormvariate(0, 0.3) for i in inds}
            mset = sorted(local_majors[city])
            demand_majors = rng.sample(mset, k=min(len(mset), rng.randint(2, 3)))
            # and majors the focus chains need that no local institution offers
            focus = self.focus_industries(city)
            wanted = [c for c in voc_codes if c not in local_majors[city]
                      and any(i in focus and w >= 0.3 for i, w in self.major_weights(c).items())]
            demand_majors += rng.sample(wanted or voc_codes, k=min(2, len(wanted or voc_codes)))
            major_heads = {c: rng.randint(20, 200) for c in demand_majors}
            for y_idx, year in enumerate(YEARS):
                s_city = supplies[year][city]
                S, E = sum(s_city.values()), sum(e_city.values())
                total = S * ratio * (1.0 + 0.05 * y_idx) if S > 0 else E * 0.05
                raw = {i: factor[i] * noise[i] * ((alpha * e_city.get(i, 0) / E if E else 0.0)
                                                  + ((1 - alpha) * s_city.get(i, 0) / S if S else 0.0))
                       for i in inds}
                norm = sum(raw.values()) or 1.0
                for i in inds:
                    d = total * raw[i] / norm * rng.lognormvariate(0, 0.08)
                    voc = round(d * p_voc[i])
                    ug = round(d) - voc
                    for lead in sorted(leaders.get((city, i), []), key=lambda e: e.id):
                        part = round(voc * rng.uniform(0.1, 0.25))
                        if part >= 5:
                            voc -= part
                            self._demand(city, year, part, industry=i, enterprise=lead.id, level="不限")
                    if voc >= 3:
                        self._demand(city, year, voc, industry=i, level="高职专科")
                    if ug >= 3:
                        self._demand(city, year, ug, industry=i, level="本科")
                for code in demand_majors:
                    head = round(major_heads[code] * (1.0 + 0.08 * y_idx))
                    self._demand(city, year, head, major=code, level=self.majors[code].level)
                    self.used_majors.add(code)

    def _demand(self, city: str, year: int, headcount: int, *, industry: str = "", major: str = "",
                enterprise: str = "", level: str = "") -> None:
        self.add("talent_demand", {
            "city_code": city, "year": str(year), "headcount": str(headcount), "industry_code": industry,
            "major_code": major, "enterprise_id": enterprise, "education_level": level,
        })

    # -------------------------------------------------------------------------------- employment
    def gen_employment(self) -> None:
        city_of = {i.id: i.city for i in self.institutions}
        flows: dict[tuple[str, str, str], float] = defaultdict(float)

        def flush(inst: str) -> None:
            for (year, ind, city), count in sorted(flows.items()):
                n = round(count)
                if n >= 5:  # small flows are not recorded
                    self.add("employment", {"institution_id": inst, "year": year, "count": str(n),
                                            "industry_code": ind, "city_code": city})
            flows.clear()

        current = ""
        for row in self.program_rows:  # sorted by institution
            if row["institution_id"] != current:
                flush(current)
                current = row["institution_id"]
            if not row["graduates"]:
                continue
            employed = float(row["graduates"]) * float(row["employment_rate"])
            local = employed * float(row["local_employment_rate"])
            home = city_of[current]
            away = LUOYANG if home == ZHENGZHOU else ZHENGZHOU
            for ind, w in self.major_weights(row["major_code"]).items():
                flows[(row["year"], ind, home)] += local * w
                flows[(row["year"], ind, away)] += (employed - local) * 0.55 * w
        flush(current)

    # ---------------------------------------------------------------------------------- policies
    def gen_policies(self) -> None:
        rng = self.rng("policies")
        for city in CITY_CODES:
            focus = sorted(self.focus_industries(city))
            titles = rng.sample(POLICY_TITLES, k=rng.randint(2, 4))
            used: set[str] = set()
            for title, kind_prefix, kinds in titles:
                year = rng.randint(2017, 2024)
                n = rng.randint(1, 150)
                doc = f"示例{CITY_ABBR[city]}{kind_prefix}〔{year}〕{n}号"
                while doc in used:
                    n += 1
                    doc = f"示例{CITY_ABBR[city]}{kind_prefix}〔{year}〕{n}号"
                used.add(doc)
                issuer = {
                    "政": f"{CITY_NAME[city]}人民政府", "政办": f"{CITY_NAME[city]}人民政府办公室",
                    # 人力资源社会保障局: the notice's spelling, the one the measures use (one agency list)
                    "教": f"{CITY_NAME[city]}教育局", "人社": f"{CITY_NAME[city]}人力资源社会保障局",
                    "发改": f"{CITY_NAME[city]}发展和改革委员会",
                }[kind_prefix]
                if kind_prefix == "教" and rng.random() < 0.5:
                    issuer += f";{CITY_NAME[city]}发展和改革委员会"
                cites = [CITED[0]] + ([CITED[1]] if year >= 2020 and rng.random() < 0.7 else [])
                status = "失效" if year <= 2019 and rng.random() < 0.4 else "有效"
                supports = sorted(rng.sample(focus, k=min(len(focus), rng.randint(1, 3)))) if focus else []
                self.add("policies", {
                    "doc_number": doc, "title": f"（示意）{CITY_NAME[city]}{title}", "issuer": issuer,
                    "level": "市级", "city_code": city,
                    "date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", "status": status,
                    "kinds": ";".join(kinds), "cites": ";".join(cites), "supports": ";".join(supports),
                })

    # ---------------------------------------------------------------------- Attachment 1 and 2
    def gen_attachments(self) -> None:
        rng = self.rng("attachments")
        for city in ATTACHMENT_CITIES:
            idx = sorted(rng.sample(range(len(PROBLEMS)), k=rng.randint(5, 6)))
            seq_of = {}
            for seq, i in enumerate(idx, start=1):
                seq_of[i] = seq
                self.add("problems", {"city_code": city, "seq": str(seq), "problem": PROBLEMS[i],
                                      "deadline": rng.choice(DEADLINES)})
            seq = 0
            for content, agencies, p in MEASURES:
                if p not in seq_of and rng.random() < 0.6:
                    continue
                seq += 1
                self.add("measures", {
                    "city_code": city, "seq": str(seq), "content": content,
                    "agency": "、".join(f"{CITY_NAME[city]}{a}" for a in agencies),
                    "deadline": rng.choice(DEADLINES), "problem_seq": str(seq_of[p]) if p in seq_of else "",
                })

    # ------------------------------------------------------------------------------------ majors
    def gen_majors_table(self) -> None:
        for code in sorted(self.used_majors):
            m = self.majors[code]
            row = {"code": m.code, "name": m.name, "category_code": m.category_code, "level": m.level}
            self.add("majors", row, illustrative=False, source=m.source)


def _cum(weights: Iterable[float]) -> Iterable[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


# ============================================================================================ output
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "problems": ("city_code", "#seq"),
    "measures": ("city_code", "#seq"),
}


def _sort_key(table: str) -> Callable[[tuple[str, ...]], tuple[Any, ...]]:
    cols = _columns(table)
    keys = SORT_KEYS.get(table) or TABLES[table].identity
    numeric = [(cols.index(k.lstrip("#")), k.startswith("#")) for k in keys]

    def key(row: tuple[str, ...]) -> tuple[Any, ...]:
        return tuple(int(row[i]) if num else row[i] for i, num in numeric)

    return key


def _write_table(path: Path, table: str, rows: list[tuple[str, ...]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(_columns(table))
        ordered: list[tuple[str, ...]] = sorted(rows, key=_sort_key(table))
        w.writerows(ordered)


def _readme(seed: int, scale: int, counts: dict[str, int]) -> str:
    lines = [
        "# iekg demo dataset (示意数据)",
        "",
        f"Generated by `python -m iekg.demo.generate --seed {seed} --scale {scale}`; do not edit by hand.",
        "",
        "Each CSV is one import table (header = the English column keys of `iekg/loaders/tables.py`)",
        "with two provenance columns: `source` and `illustrative` (是/否).",
        "",
        "- `illustrative` = 否: a public fact, and `source` cites the public list it comes from: the Henan",
        "  institutions of the MOE list 全国普通高等学校名单 (2025), the majors of the national catalogues, the",
        "  statistical function zones (开发区) of the division codes.",
        "- `illustrative` = 是: **generated, not real** (enrollments, rates, enterprises, cooperations,",
        "  bases, platforms, alliances, demand, employment, policies, Attachment 1/2). Fictional entities",
        "  look fictional: names end with （示意）, enterprise ids are `DEMO-<city>-E<n>` (never 18 characters),",
        "  policy 文号 start with 示例 and titles with （示意）.",
        "",
        "Caveats: institutions are those of the 2025 list; their 2023–2024 programs use the level they had",
        "in the 2024 list (two schools became 本科 in 2025) and the four schools new in 2025 have 2024",
        "programs only. The vocational catalogue copy lacks the K-coded 高职 majors (e.g. 临床医学,",
        "学前教育), so no 高职 program offers them. Enterprise names, chains, sizes and levels are fictional.",
        "",
        "| table | rows |",
        "| --- | ---: |",
    ]
    lines += [f"| {t} | {n} |" for t, n in counts.items()]
    return "\n".join(lines) + "\n"


def generate(out_dir: str | Path, *, seed: int = DEFAULT_SEED, scale: int = 1,
             public_dir: str | Path | None = None, reference_dir: str | Path | None = None) -> dict[str, int]:
    """Write the demo dataset into ``out_dir`` (one ``<table>.csv`` each, plus README.md); rows per table."""
    if scale < 1:
        raise ValueError("scale must be >= 1")
    pub = Path(public_dir) if public_dir is not None else default_public_dir()
    if not (pub / "henan_hei_2024_2025.csv").is_file():
        raise FileNotFoundError(
            f"public reference files not found in {pub} (pass public_dir or set IEKG_PUBLIC_DIR)")
    ref = load_reference(Path(reference_dir) if reference_dir is not None else DEFAULT_REFERENCE_DIR)
    gen = _Generator(seed, scale, pub, ref)
    gen.run()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for table in OUTPUT_TABLES:
        rows = gen.out.rows.get(table, [])
        _write_table(out / f"{table}.csv", table, rows)
        counts[table] = len(rows)
    (out / "README.md").write_text(_readme(seed, scale, counts), encoding="utf-8")
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m iekg.demo.generate",
                                description="Write the deterministic Henan demo dataset (示意数据).")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT_DIR,
                   help="output directory (default: the package's data/demo)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--scale", type=int, default=1)
    p.add_argument("--public", type=Path, default=None,
                   help="directory of the public files (default: $IEKG_PUBLIC_DIR or ../shared/data/public)")
    p.add_argument("--reference", type=Path, default=None, help="directory of the reference tables")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    counts = generate(args.out, seed=args.seed, scale=args.scale, public_dir=args.public,
                      reference_dir=args.reference)
    for table, n in counts.items():
        print(f"{table:18s} {n:>9d}")
    print(f"{'total':18s} {sum(counts.values()):>9d}   ({time.perf_counter() - t0:.1f} s) → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
