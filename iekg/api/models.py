"""Response models (pydantic): list pages, entities, search hits, health, version, import results, and
the documented shape of the analysis answers (which carry extra keys as the CLI's JSON does)."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from iekg.api.errors import IssueModel, Problem

T = TypeVar("T")


def ex(example: Any) -> ConfigDict:
    return ConfigDict(json_schema_extra={"example": example})


class Page(BaseModel, Generic[T]):
    """One page of a list: ``total`` rows match the filters; ``items`` holds rows offset … offset + limit."""

    total: int = Field(description="rows matching the filters (all pages)")
    offset: int
    limit: int
    items: list[T]


class Item(BaseModel):
    uid: str = Field(description="graph-wide id: Label:id")
    id: str
    name: str
    source_kind: str | None = Field(None, description="public | document | reference | illustrative | user")


class CityItem(Item):
    model_config = ex({"uid": "City:410200", "id": "410200", "name": "开封市", "source_kind": "reference",
                       "province": "410000", "gdp": None, "population": None, "institutions": 9, "enterprises": 20,
                       "training_bases": 3, "focus_chains": 3})
    province: str | None = None
    gdp: float | None = Field(None, description="地区生产总值 (亿元)")
    population: float | None = Field(None, description="常住人口 (万人)")
    institutions: int = 0
    enterprises: int = 0
    training_bases: int = 0
    focus_chains: int = 0


class Located(Item):
    city: str | None = Field(None, description="city code")
    city_name: str | None = None


class InstitutionItem(Located):
    model_config = ex({"uid": "Institution:4141010873", "id": "4141010873", "name": "黄河水利职业技术学院",
                       "source_kind": "public", "level": "高职专科", "ownership": "公办", "city": "410200",
                       "city_name": "开封市"})
    level: str | None = None
    ownership: str | None = None


class EnterpriseItem(Located):
    model_config = ex({"uid": "Enterprise:DEMO-410200-E0001", "id": "DEMO-410200-E0001",
                       "name": "开封某汽车零部件有限公司（示意）", "source_kind": "illustrative", "city": "410200",
                       "city_name": "开封市", "industry": "36", "industry_name": "汽车制造业", "employees": 420,
                       "iei_level": "省级", "iei_year": 2023, "segment": "HN-NEV-01-S2"})
    industry: str | None = Field(None, description="GB/T 4754 code of its industry")
    industry_name: str | None = None
    employees: int | None = None
    iei_level: str | None = Field(None, description="产教融合型企业级别")
    iei_year: int | None = None
    segment: str | None = Field(None, description="chain segment id")


class MajorItem(Item):
    model_config = ex({"uid": "Major:460701", "id": "460701", "name": "汽车制造与试验技术", "source_kind": "public",
                       "level": "高职专科", "category": "4607", "category_name": "汽车制造类"})
    level: str | None = None
    category: str | None = Field(None, description="major category (专业类) code")
    category_name: str | None = None


class IndustryItem(Item):
    model_config = ex({"uid": "Industry:36", "id": "36", "name": "汽车制造业", "source_kind": "public",
                       "level": "大类", "parent": "C"})
    level: str | None = Field(None, description="门类 / 大类 / 中类 / 小类")
    parent: str | None = None


class ChainItem(Item):
    model_config = ex({"uid": "IndustryChain:HN-NEV-01", "id": "HN-NEV-01", "name": "新能源汽车",
                       "source_kind": "reference", "cluster": "新能源汽车", "confirmed": "是", "segments": 3})
    cluster: str | None = None
    confirmed: str | None = None
    segments: int = 0


class TrainingBaseItem(Located):
    model_config = ex({"uid": "TrainingBase:DEMO-TB-410200-001", "id": "DEMO-TB-410200-001",
                       "name": "开封汽车生产性实训基地01（示意）", "source_kind": "illustrative", "city": "410200",
                       "city_name": "开封市", "kind": "生产性实训基地", "level": "省级", "stations": 180})
    kind: str | None = None
    level: str | None = None
    stations: int | None = None


class AllianceItem(Located):
    model_config = ex({"uid": "Alliance:DEMO-AL-410200-01", "id": "DEMO-AL-410200-01",
                       "name": "开封市域产教联合体01（示意）", "source_kind": "illustrative", "city": "410200",
                       "city_name": "开封市", "kind": "市域产教联合体", "members": 12})
    kind: str | None = None
    members: int = 0


class PolicyItem(Item):
    model_config = ex({"uid": "Policy:豫发改社会〔2022〕646号", "id": "豫发改社会〔2022〕646号",
                       "name": "关于开展省级产教融合型城市建设试点遴选工作的通知", "source_kind": "document",
                       "level": "省级", "date": "2022-07-29", "status": "有效", "kinds": None, "cities": []})
    level: str | None = None
    date: str | None = None
    status: str | None = None
    kinds: list[str] | None = None
    cities: list[str] = Field(default_factory=list, description="cities it applies to")


class RelationshipOut(BaseModel):
    type: str
    direction: str = Field(description="out (from this entity) or in")
    other: str = Field(description="uid of the node at the other end")
    other_label: str
    other_name: str
    props: dict[str, Any]


class EntityDetail(BaseModel):
    """One entity, its properties, and its relationships grouped by type and direction (at most ``limit``
    of each group; ``relationship_counts`` gives the full count of each group)."""

    model_config = ex({
        "uid": "City:410200", "label": "City", "id": "410200", "name": "开封市", "illustrative": False,
        "props": {"id": "410200", "name": "开封市", "source_kind": "reference"},
        "relationship_counts": {"LOCATED_IN in": 30, "PART_OF out": 1},
        "relationships": [{"type": "PART_OF", "direction": "out", "other": "Province:410000", "other_label": "Province",
                           "other_name": "河南省", "props": {"source_kind": "reference"}}]})
    uid: str
    label: str
    id: str
    name: str
    illustrative: bool = Field(description="true when this entity is illustrative (demo) data")
    props: dict[str, Any]
    relationship_counts: dict[str, int]
    relationships: list[RelationshipOut]


class SearchHit(BaseModel):
    uid: str
    label: str
    id: str
    name: str
    source_kind: str | None = None
    match: str = Field(description="name (the name or id contains the text) or pinyin (拼音 / initials)")


class SearchResult(BaseModel):
    model_config = ex({"q": "kaifeng", "total": 1, "items": [
        {"uid": "City:410200", "label": "City", "id": "410200", "name": "开封市", "source_kind": "reference",
         "match": "pinyin"}]})
    q: str
    total: int = Field(description="hits returned")
    items: list[SearchHit]
    reason: str | None = Field(None, description="why the answer is empty and what to try (null when it is not)")


class Health(BaseModel):
    model_config = ex({"status": "ok", "store": "sqlite", "reachable": True, "empty": False, "nodes": 2690,
                       "relationships": 33340, "counts": {"City": 18, "Institution": 178},
                       "writes_enabled": False, "version": "0.1.0"})
    status: str = Field(description="ok, or empty when the graph has no data yet (run `iekg build`)")
    store: str
    reachable: bool
    empty: bool
    nodes: int
    relationships: int
    counts: dict[str, int] = Field(description="nodes per label")
    writes_enabled: bool = Field(description="true when an API key is configured and the graph is writable for the "
                                            "server (imports possible)")
    version: str


class Version(BaseModel):
    model_config = ex({"name": "iekg", "version": "0.1.0", "api": "1", "store": "sqlite"})
    name: str
    version: str
    api: str
    store: str


class ImportResult(BaseModel):
    """A successful import or dry run: the validation report (warnings only) and what was written."""

    model_config = ex({"ok": True, "errors": 0, "warnings": 0, "rows": {"enterprises": 2}, "issues": [],
                       "dry_run": False, "changed": True, "files": ["enterprises.csv"],
                       "result": {"nodes_created": 2, "nodes_updated": 0, "rels_created": 4, "rels_updated": 0,
                                  "rels_deleted": 0}})
    ok: bool
    errors: int
    warnings: int
    rows: dict[str, int]
    issues: list[IssueModel]
    dry_run: bool
    changed: bool = Field(description="whether the graph was changed (false for a dry run or a repeat)")
    files: list[str]
    result: dict[str, int] | None = Field(None, description="nodes/relationships created, updated, deleted "
                                                            "(null for a dry run)")


class ImportJob(BaseModel):
    """A big import running in the background (``POST /imports`` answered 202)."""

    model_config = ex({"id": "3f2a9c0d4b1e4f5a8c7d6e5f4a3b2c1d", "status": "validating", "progress": 0.5,
                       "files": ["programs.csv"], "bytes": 5242880, "dry_run": False,
                       "created": "2026-01-05T08:00:00Z", "updated": "2026-01-05T08:00:03Z",
                       "location": "/imports/jobs/3f2a9c0d4b1e4f5a8c7d6e5f4a3b2c1d", "result": None,
                       "problem": None})
    id: str
    status: Literal["queued", "validating", "applying", "done", "failed"]
    progress: float = Field(description="0 … 1 (a rough share of the work done)")
    files: list[str]
    bytes: int = Field(description="the upload's size")
    dry_run: bool
    created: str = Field(description="UTC, ISO 8601")
    updated: str = Field(description="UTC, ISO 8601")
    location: str = Field(description="this status URL")
    result: ImportResult | None = Field(None, description="when done: what POST /imports answers for a small upload")
    problem: Problem | None = Field(None, description="when failed: the problem details (e.g. every data error)")


# ---------------------------------------------------------------------------------- analysis (docs)
class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class IndustryAlignment(Open):
    code: str
    name: str
    supply: float | None = Field(description="null: no program of the scope has a figure — supply is NO DATA, not 0")
    demand: float
    ratio: float | None
    status: str = Field(description="unmet | shortage | balanced | surplus | no_demand | no_supply_data (no "
                                    "program of the scope has graduates or enrolment: not graded)")
    deviation: float | None
    cooperation_density: float | None = Field(description="null: no enterprise of the scope in the industry (no data); "
                                              "ongoing cooperations only (ended and in-preparation ones left out)")
    cooperating: int = Field(0, description="enterprises of the industry with an ongoing aligned cooperation")
    cooperations_left_out: dict[str, int] = Field(default_factory=dict, description="aligned cooperations left out: "
                                                  "ended (已结束), in_preparation (筹建中), and the enterprises with only such")
    enterprises: int
    estimated_supply: float | None
    supply_data: bool = Field(True, description="false: supply is no data (programs without any figure)")
    demand_data: bool = Field(True, description="false: no demand row for the industry — its demand is NO DATA, "
                                                "counted as 0 only in SAI as metrics.md defines it")
    observed_demand: float | None = Field(None, description="the demand when there is demand data, else null")
    note: str | None = Field(None, description="why ratio and deviation disagree (deviation compares shares)")


class Alignment(Open):
    """``iekg align --format json`` plus ``illustrative`` (see docs/measures.md)."""

    scope: str
    scope_name: str
    scope_kind: str
    cities: list[str]
    chain: str | None
    year: int | None
    S: float | None = Field(description="total supply; null when no program of the scope has a figure (no data, not 0)")
    D: float
    sai: float | None
    coverage: float | None
    supply_data: bool = Field(True, description="false: the scope has programs (or demand) but no program with "
                                                "graduates or enrolment — S, SAI, statuses and coverage are not graded")
    supply_reason: str | None = Field(None, description="why supply is no data (null when it is not)")
    estimates: bool
    estimated_programs: int
    unmapped_programs: int
    segments: dict[str, Any]
    thresholds: dict[str, float]
    thresholds_label: str = Field("参考值（本工具假设，可在设置中修改）",
                                  description="the status thresholds are our assumption, not the notice's")
    sai_observed: float | None = Field(None, description="SAI over the industries with demand data only")
    sai_note: str | None = Field(None, description="a sentence when SAI and the observed SAI differ")
    demand_coverage: dict[str, Any] = Field(default_factory=dict, description="industries with supply but no "
                                            "demand rows and their share of supply")
    data_coverage: dict[str, Any] = Field(default_factory=dict, description="cities, institutions, programs and years "
                                          "with data and without: programs without figures (listed), thin years, "
                                          "public-list entries not in your data (docs/measures.md)")
    cooperation: dict[str, Any] = Field(default_factory=dict, description="the rule of cooperation density (ongoing "
                                        "cooperations only; no status counts as ongoing), what was left out (listed) "
                                        "and a sentence (docs/measures.md)")
    industries: list[IndustryAlignment]
    illustrative: bool
    reason: str | None = Field(None, description="why the answer is empty and what to try (null when it is not)")


class Gap(Open):
    rank: int
    type: str
    entity: str
    name: str
    magnitude: float
    severity: float
    message: str
    evidence: list[str]
    evidence_total: int
    unit: str = Field("", description="the magnitude's unit: 人, 个环节, 个行业, 人（从业人员）, the target's unit")
    priority: float = Field(0.0, description="ranking key: severity × min(1, people / gap_full_people) for "
                                              "supply/demand gaps, else severity")
    minor: bool = Field(False, description="a supply/demand gap below gap_min_people (ranked last)")
    people: float | None = Field(None, description="the gap in people (supply/demand gaps), else null")
    evidence_items: list[dict[str, Any]] = Field(default_factory=list, description="{key, label}: each evidence "
                                                 "key with a readable label")
    feeding_majors: list[dict[str, Any]] | None = Field(None, description="supply/demand gaps: the scope's majors "
                                                        "feeding the industry {major, name, weight, supply}")
    note: str | None = None


class Gaps(Open):
    scope: str
    scope_name: str
    year: int | None
    counts: dict[str, int]
    total: int = Field(description="gaps found (before the limit)")
    gaps: list[Gap]
    illustrative: bool
    reason: str | None = Field(None, description="why the answer is empty and what to try (null when it is not)")
    supply_data: bool = Field(True, description="false: no program has a figure — supply gaps are not computed")
    data_coverage: dict[str, Any] = Field(default_factory=dict, description="as in alignment")


class ReadinessItem(Open):
    target: str
    metric: str | None = None
    kind: str = "target"
    threshold: float | None = None
    threshold_basis: Literal["notice", "reading", "assumption"] = Field(
        description="notice: the notice prints the number (threshold_label quotes it); reading: our reading of the "
                    "notice's vague words (若干, 一定数量, 一批 …); assumption: our reference value, adjustable")
    threshold_label: str = Field(description="the basis in words, shown wherever the threshold is")
    threshold_label_en: str | None = None


class Readiness(Open):
    city: str
    name: str
    year: int | None
    targets_met: int
    targets_total: int
    conditions_met: int
    conditions_total: int
    items: list[ReadinessItem] = Field(description="each target/condition; threshold_basis is notice (the notice's "
                                                    "own number, threshold_label quotes it), reading (our reading of "
                                                    "the notice's vague words: 本工具对“若干”的解读：不少于1个) or "
                                                    "assumption (参考值（本工具假设，可在设置中修改）)")
    baseline_year: int | None = Field(None, description="the year the city was put on the provincial pilot list: "
                                                       "\"new\" targets (新培育) count what is new since then")
    pilot: dict[str, Any] | None = Field(None, description="the city's real pilot status (public fact) with source")
    has_data: bool = Field(True, description="false: no programs and no demand in the year")
    public_only: bool = Field(False, description="true: the city is only in the public lists, not in your data")
    data_coverage: dict[str, Any] = Field(default_factory=dict, description="as in alignment")
    illustrative: bool


class ReadinessRanking(Open):
    year: int | None
    cities: list[dict[str, Any]] = Field(description="readiness of every city, ranked (rank, relative_shortfall)")
    illustrative: bool


class Coupling(Open):
    year: int | None
    scopes: list[dict[str, Any]] = Field(description="the compared cities (with data), by CCD")
    without_data: list[dict[str, Any]] = Field(default_factory=list, description="cities left out: no data")
    illustrative: bool


class Partners(Open):
    results: list[dict[str, Any]]
    illustrative: bool
    reason: str | None = Field(None, description="why the answer is empty and what to try (null when it is not)")


class Trains(Open):
    target: dict[str, Any]
    rows: list[dict[str, Any]]
    total: float
    illustrative: bool
    reason: str | None = Field(None, description="why the answer is empty and what to try (null when it is not)")


class Hires(Open):
    major: dict[str, Any]
    industries: list[dict[str, Any]]
    enterprises: list[dict[str, Any]]
    illustrative: bool
    reason: str | None = Field(None, description="why the answer is empty and what to try (null when it is not)")


class Neighbours(BaseModel):
    node: dict[str, Any] = Field(description="uid, label, id and name of the entity")
    total: int
    items: list[dict[str, Any]] = Field(description="type, zh, direction, props, other, other_label, other_id, other_name")
    reason: str | None = Field(None, description="why the answer is empty and what to try (null when it is not)")


class PathOut(BaseModel):
    found: bool
    path: dict[str, Any] | None = Field(description="length, nodes, relationships, text — or null")
    reason: str | None = Field(None, description="why the answer is empty and what to try (null when it is not)")


class PathsOut(BaseModel):
    total: int
    paths: list[dict[str, Any]]
    reason: str | None = Field(None, description="why the answer is empty and what to try (null when it is not)")


def page_example(item: type[BaseModel], total: int = 1) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a list route: one page holding the item model's example."""
    extra = item.model_config.get("json_schema_extra")
    example = extra.get("example") if isinstance(extra, dict) else None
    return {200: {"content": {"application/json": {"example": {
        "total": total, "offset": 0, "limit": 50, "items": [example] if example else []}}}}}


class ImportedFile(BaseModel):
    name: str = Field(description="file name as uploaded or read")
    size: int = Field(description="bytes")
    sha256: str = Field(description="SHA-256 of the file's bytes (hex)")


class ImportRecord(BaseModel):
    """One recorded import (``iekg history``): who, when, via which interface, which files, what changed."""

    model_config = ex({"id": 3, "at": "2026-12-04T18:02:11+00:00", "who": "api-key", "via": "api",
                       "files": [{"name": "enterprises.csv", "size": 215,
                                  "sha256": "2a3d8b02158ba86eb409aa18b1a365489ab8280bf69704e56b3d4f250194fe18"}],
                       "changes": {"nodes_created": 2, "nodes_updated": 0, "rels_created": 4, "rels_updated": 0,
                                   "rels_deleted": 0}})
    id: int = Field(description="increasing number of the import in this store")
    at: str = Field(description="when (ISO-8601, UTC)")
    who: str | None = Field(None, description="the OS user (CLI) or the API key's label (IEKG_API_KEY_LABEL)")
    via: str = Field(description="cli | api | build")
    files: list[ImportedFile]
    changes: dict[str, int] = Field(description="nodes/relationships created, updated, deleted")
