"""The import templates of ``data-contract.md`` as data: tables, columns, value kinds and enumerations.

This module is the single place the contract lives in code.  Readers map headers with it, the
validator applies its value kinds, the template writer and the docs are generated from it.

Tables marked ``extension`` are not in the data contract: the project needs them for its shipped
reference data (major divisions and categories, the notice's targets and pilot tasks) and users may use
them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from iekg.loaders import vocab as _vocab

# ---------------------------------------------------------------------------------------------- enums
# The enumerations are data: iekg/data/rules/vocabularies.csv, read by iekg.loaders.vocab.  ENUMS holds
# each field's canonical terms and ENUM_SYNONYMS its synonyms (mapped with a warning) as shipped; an
# import uses the shipped vocabulary plus the user's (vocabularies table, IEKG_VOCABULARY_FILE).
_VOCAB = _vocab.shipped()
ENUMS: dict[str, tuple[str, ...]] = {f: _VOCAB.allowed(f) for f in _VOCAB.fields()}
ENUM_SYNONYMS: dict[str, dict[str, str]] = {f: _VOCAB.synonyms(f) for f in _VOCAB.fields()}

# ---------------------------------------------------------------------------------------- value kinds
# text        free text (stripped; required means non-empty)
# city_code   6-digit GB/T 2260 code
# inst_id     10-digit MOE 学校标识码
# major_code  6-digit catalogue code, optional trailing T/K (also TK)
# category_code  4-digit 专业类 code (vocational or undergraduate)
# division_code  2-digit 专业大类 / 门类 code
# industry_code  GB/T 4754-2017: 门类 letter, or 2/3/4 digits
# ent_id      18-char 统一社会信用代码 (check character verified) or an own id that cannot be mistaken for one
# year        integer 2000–2100
# count       non-negative integer
# rate        number in [0, 1], or a percentage (85% or 85 → 0.85)
# number      non-negative real number
# weight      number in (0, 1]
# bool        是/否 (also true/false, 1/0, Y/N)
# enum:NAME   one of ENUMS[NAME]
# list:KIND   several values of KIND separated by ; ； 、
# docnum      a 文号, normalised
# date        a date (YYYY-MM-DD, YYYY/MM/DD, YYYY年M月D日, YYYY-MM or YYYY)
# id          an own id (non-empty, no surrounding spaces)


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    kind: str = "text"
    required: bool = False
    # Which tables/labels a reference column must exist in ("institution", "enterprise", ...).
    ref: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    name: str
    zh: str
    columns: tuple[Column, ...]
    extension: bool = False
    # At least one of these columns must be given (talent_demand: industry_code or major_code).
    one_of: tuple[str, ...] = ()
    # Columns whose values identify a row; a repeated identity within one import is an error.
    identity: tuple[str, ...] = field(default=())

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)


C = Column
TABLES: dict[str, Table] = {t.name: t for t in (
    Table("cities", "城市", (
        C("code", "行政区划代码", "city_code", True), C("name", "名称", "text", True),
        C("province_code", "省级代码", "city_code"), C("gdp", "地区生产总值(亿元)", "number"),
        C("population", "常住人口(万人)", "number"), C("year", "年份", "year"),
    ), identity=("code",)),
    Table("zones", "区域", (
        C("id", "编号", "id", True), C("name", "名称", "text", True),
        C("city_code", "所在城市代码", "city_code", True, ("city",)), C("kind", "类型", "enum:zone_kind"),
    ), identity=("id",)),
    Table("institutions", "院校", (
        C("id", "学校标识码", "inst_id", True), C("name", "学校名称", "text", True),
        C("city_code", "所在城市代码", "city_code", True, ("city",)),
        C("level", "办学层次", "enum:institution_level", True), C("ownership", "举办性质", "enum:ownership"),
    ), identity=("id",)),
    Table("programs", "专业开设", (
        C("institution_id", "学校标识码", "inst_id", True, ("institution",)),
        C("major_code", "专业代码", "major_code", True, ("major",)), C("year", "年份", "year", True),
        C("enrollment", "在校生数", "count"), C("graduates", "毕业生数", "count"),
        C("employment_rate", "就业率", "rate"), C("local_employment_rate", "本地就业率", "rate"),
        C("leading", "省级领先", "bool"), C("group", "专业群"),
    ), identity=("institution_id", "major_code", "year")),
    Table("enterprises", "企业", (
        C("id", "统一社会信用代码", "ent_id", True), C("name", "企业名称", "text", True),
        C("city_code", "所在城市代码", "city_code", True, ("city",)),
        C("industry_code", "行业代码", "industry_code", True, ("industry",)),
        C("employees", "从业人数", "count"), C("iei_level", "产教融合型企业级别", "enum:iei_level"),
        C("iei_year", "认定年份", "year"), C("segment_id", "产业链环节", "id", False, ("segment",)),
        C("chain_role", "链上角色", "enum:chain_role"),
    ), identity=("id",)),
    Table("cooperations", "校企合作", (
        C("institution_id", "学校标识码", "inst_id", True, ("institution",)),
        C("enterprise_id", "统一社会信用代码", "ent_id", True, ("enterprise",)),
        C("type", "合作类型", "enum:cooperation_type", True), C("since", "起始年份", "year"),
        C("students", "受益学生数", "count"), C("status", "状态", "enum:cooperation_status"),
    ), identity=("institution_id", "enterprise_id", "type")),
    Table("training_bases", "实训基地", (
        C("id", "编号", "id", True), C("name", "名称", "text", True),
        C("city_code", "所在城市代码", "city_code", True, ("city",)),
        C("kind", "类型", "enum:training_base_kind"), C("level", "级别", "enum:base_level"),
        C("operator_id", "运营主体", "id", False, ("institution", "enterprise")),
        C("industry_codes", "服务行业", "list:industry_code", False, ("industry",)),
        C("stations", "工位数", "count"),
    ), identity=("id",)),
    Table("platforms", "平台载体", (
        C("id", "编号", "id", True), C("name", "名称", "text", True),
        C("city_code", "所在城市代码", "city_code", True, ("city",)),
        C("kind", "类型", "enum:platform_kind", True),
        C("operator_ids", "共建主体", "list:id", False, ("institution", "enterprise")),
    ), identity=("id",)),
    Table("alliances", "产教联盟", (
        C("id", "编号", "id", True), C("name", "名称", "text", True),
        C("kind", "类型", "enum:alliance_kind", True),
        C("city_code", "所在城市代码", "city_code", False, ("city",)),
        C("lead_id", "牵头单位", "id", False, ("institution", "enterprise")),
    ), identity=("id",)),
    Table("alliance_members", "联盟成员", (
        C("alliance_id", "联盟编号", "id", True, ("alliance",)),
        C("member_id", "成员编号", "id", True, ("institution", "enterprise")),
        C("role", "角色", "enum:member_role"),
    ), identity=("alliance_id", "member_id")),
    Table("talent_demand", "人才需求", (
        C("city_code", "城市代码", "city_code", True, ("city",)), C("year", "年份", "year", True),
        C("headcount", "需求人数", "count", True),
        C("industry_code", "行业代码", "industry_code", False, ("industry",)),
        C("major_code", "专业代码", "major_code", False, ("major",)),
        C("enterprise_id", "统一社会信用代码", "ent_id", False, ("enterprise",)),
        C("education_level", "学历层次", "enum:education_level"),
    ), one_of=("industry_code", "major_code"),
        identity=("city_code", "year", "industry_code", "major_code", "enterprise_id", "education_level")),
    # The planner's own demand for a future year (issue 23): a projection's ``plan`` figures, kept apart from
    # the observed demand (PLANS_DEMAND, never summed with DEMANDS).
    Table("demand_plan", "规划需求", (
        C("city_code", "城市代码", "city_code", True, ("city",)),
        C("year", "目标年份", "year", True, aliases=("规划年份", "规划年度", "年份", "年度")),
        C("headcount", "规划需求人数", "count", True,
          aliases=("计划需求人数", "预计需求人数", "规划需求", "计划需求", "需求人数")),
        C("industry_code", "行业代码", "industry_code", False, ("industry",)),
        C("major_code", "专业代码", "major_code", False, ("major",)),
        C("basis", "依据", aliases=("规划依据",)),
    ), extension=True, one_of=("industry_code", "major_code"),
        identity=("city_code", "year", "industry_code", "major_code")),
    Table("employment", "毕业生就业", (
        C("institution_id", "学校标识码", "inst_id", True, ("institution",)), C("year", "年份", "year", True),
        C("count", "人数", "count", True), C("major_code", "专业代码", "major_code", False, ("major",)),
        C("industry_code", "行业代码", "industry_code", False, ("industry",)),
        C("city_code", "就业城市代码", "city_code", False, ("city",)),
    ), one_of=("industry_code", "city_code"),
        identity=("institution_id", "year", "major_code", "industry_code", "city_code")),
    Table("policies", "政策文件", (
        C("doc_number", "文号", "docnum", True), C("title", "标题", "text", True),
        C("issuer", "发文单位", "list:text", True), C("level", "层级", "enum:policy_level"),
        C("city_code", "适用城市代码", "list:city_code", False, ("city",)), C("date", "发布日期", "date"),
        C("status", "有效性", "enum:policy_status"), C("kinds", "政策类型", "list:text"),
        C("cites", "引用文号", "list:docnum"),
        C("supports", "支持行业", "list:industry_code", False, ("industry",)),
    ), identity=("doc_number",)),
    Table("majors", "专业", (
        C("code", "专业代码", "major_code", True), C("name", "专业名称", "text", True),
        C("category_code", "专业类代码", "category_code", True, ("category",)),
        C("level", "层次", "enum:major_level"),
    ), identity=("code",)),
    Table("industries", "行业", (
        C("code", "行业代码", "industry_code", True), C("name", "行业名称", "text", True),
        C("parent_code", "上级代码", "industry_code", False, ("industry",)),
    ), identity=("code",)),
    Table("crosswalk", "专业-行业对应", (
        C("category_code", "专业类代码", "category_code", False, ("category",)),
        C("major_code", "专业代码", "major_code", False, ("major",)),
        C("industry_code", "行业代码", "industry_code", True, ("industry",)),
        C("weight", "权重", "weight", True), C("basis", "依据"),
    ), one_of=("category_code", "major_code"), identity=("category_code", "major_code", "industry_code")),
    Table("chains", "产业链", (
        C("id", "编号", "id", True), C("name", "名称", "text", True), C("cluster", "产业集群"),
    ), identity=("id",)),
    Table("chain_segments", "产业链环节", (
        C("id", "编号", "id", True), C("chain_id", "产业链编号", "id", True, ("chain",)),
        C("name", "名称", "text", True), C("position", "环节位置", "enum:segment_position"),
        C("industry_codes", "对应行业", "list:industry_code", True, ("industry",)),
        C("feeds", "下游环节", "list:id", False, ("segment",)),
    ), identity=("id",)),
    Table("city_focus", "城市重点产业链", (
        C("city_code", "城市代码", "city_code", True, ("city",)),
        C("chain_id", "产业链编号", "id", True, ("chain",)), C("level", "级别", "enum:focus_level"),
        C("integration_industry", "产教融合型行业", "bool"),
    ), identity=("city_code", "chain_id")),
    Table("problems", "问题清单", (
        C("city_code", "城市代码", "city_code", True, ("city",)), C("seq", "序号", "count", True),
        C("problem", "主要问题", "text", True), C("deadline", "解决时限", "text"),
    ), identity=("city_code", "seq")),
    Table("measures", "政策清单", (
        C("city_code", "城市代码", "city_code", True, ("city",)), C("seq", "序号", "count", True),
        C("content", "政策内容", "text", True), C("agency", "责任部门", "list:text", True),
        C("deadline", "完成时限", "text"), C("problem_seq", "对应问题序号", "list:count"),
    ), identity=("city_code", "seq")),
    # ----------------------------------------------------------------------------- extensions
    Table("vocabularies", "词表", (
        C("field", "字段", "text", True), C("term", "标准词", "text", True), C("english", "英文"),
        C("synonyms", "同义词", "list:text"), C("meaning", "含义"),
    ), extension=True, identity=("field", "term")),
    Table("major_divisions", "专业大类", (
        C("code", "专业大类代码", "division_code", True), C("name", "专业大类名称", "text", True),
        C("level", "层次", "enum:major_level"),
    ), extension=True, identity=("code",)),
    Table("major_categories", "专业类", (
        C("code", "专业类代码", "category_code", True), C("name", "专业类名称", "text", True),
        C("division_code", "专业大类代码", "division_code", True, ("division",)),
        C("level", "层次", "enum:major_level"),
    ), extension=True, identity=("code",)),
    Table("targets", "目标", (
        C("id", "编号", "id", True), C("doc_number", "文号", "docnum", True, ("policy",)),
        C("metric", "指标", "id", True), C("name", "指标名称", "text", True),
        C("comparison", "比较", "enum:comparison", True), C("value", "目标值", "number", True),
        C("unit", "单位"), C("deadline", "期限", "year"), C("text", "原文"),
    ), extension=True, identity=("id",)),
    Table("tasks", "试点任务", (
        C("id", "编号", "id", True), C("doc_number", "文号", "docnum", True, ("policy",)),
        C("seq", "序号", "count", True), C("title", "任务", "text", True), C("text", "原文"),
    ), extension=True, identity=("id",)),
)}

# The columns a measure counts (supply, demand, employment, readiness, coupling, the drafts): an unread column
# nearest to one of these that the table lacks is an error, never an extra property (iekg.loaders.headers).
MEASURED: dict[str, frozenset[str]] = {
    "programs": frozenset({"enrollment", "graduates", "employment_rate", "local_employment_rate", "leading"}),
    "talent_demand": frozenset({"headcount"}), "demand_plan": frozenset({"headcount"}), "employment": frozenset({"count"}),
    "enterprises": frozenset({"employees", "iei_level"}), "cooperations": frozenset({"students", "status"}),
    "training_bases": frozenset({"stations"}), "cities": frozenset({"gdp", "population"}),
}
# A table whose rows need at least one of these columns to carry a figure (a program's volume is its graduates,
# else its enrollment): without any of them, while unread columns hold numbers, the import stops.
FIGURES: dict[str, tuple[str, ...]] = {"programs": ("enrollment", "graduates")}
assert all(k in {c.key for c in TABLES[t].columns} for t, ks in MEASURED.items() for k in ks)
assert all(k in {c.key for c in TABLES[t].columns} for t, ks in FIGURES.items() for k in ks)

# Columns every table may carry for provenance (not listed per table).
PROVENANCE_COLUMNS = (Column("source", "来源"), Column("illustrative", "示意数据", "bool"))

# The order a multi-table import is applied in (references point backwards in this list).
TABLE_ORDER = (
    "vocabularies", "cities", "zones", "major_divisions", "major_categories", "majors", "industries", "crosswalk",
    "chains", "chain_segments", "city_focus", "institutions", "enterprises", "programs", "cooperations",
    "training_bases", "platforms", "alliances", "alliance_members", "talent_demand", "demand_plan",
    "employment", "policies", "targets", "tasks", "problems", "measures",
)
assert set(TABLE_ORDER) == set(TABLES)
