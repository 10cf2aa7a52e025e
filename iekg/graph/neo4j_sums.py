"""The sums kept with the data in the Neo4j store: the same three aggregations as the embedded store's
(:mod:`iekg.graph.sqlite_derived`), kept as nodes of fixed internal labels that are never counted, searched
or exported (each also carries the internal ``IekgMeta`` label the counts leave out).

* ``IekgOfferSum`` — OFFERS sums per city × year × major × major level × institution level;
* ``IekgInstYearSum`` — programs per city × year × institution;
* ``IekgDemandSum`` — DEMANDS headcount and rows per city code × year × target.

When they change: ``Neo4jStore.apply`` works out, before it writes, which cities the change set touches
(:func:`touched_before` — the cities of the institutions whose programs, location or level change, of the
institutions offering a major whose level changes, the city codes of the demand rows replaced or deleted)
and again after (:func:`touched_after`); the sums of those cities are recomputed (:data:`REFRESH`) in the
final transaction of the import, the one that sets the new graph version and records the import, so a reader
sees new sums exactly when it sees the new version.  A fresh load (and ``iekg reindex``) recomputes every city
in batches of cities, then marks the sums complete (``IekgMeta.sums``).  Until marked complete (a database
written by an older iekg, or after ``clear``), the reads sum the relationships as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from iekg.graph.cypher import META, OFFER_AGGREGATES, label, rel_type
from iekg.graph.schema import split_uid

SUMS_VERSION = 1
OFFER_SUM = "`IekgOfferSum`"
INST_YEAR_SUM = "`IekgInstYearSum`"
DEMAND_SUM = "`IekgDemandSum`"
CITY_BATCH = 25  # cities per transaction when everything is recomputed

_CITY, _INST, _MAJOR = label("City"), label("Institution"), label("Major")
_LOCATED, _OFFERS, _DEMANDS = rel_type("LOCATED_IN"), rel_type("OFFERS"), rel_type("DEMANDS")

INDEXES = (
    f"CREATE INDEX iekg_offer_sum_at IF NOT EXISTS FOR (s:{OFFER_SUM}) ON (s.city, s.year)",
    f"CREATE INDEX iekg_inst_year_sum_at IF NOT EXISTS FOR (s:{INST_YEAR_SUM}) ON (s.city)",
    f"CREATE INDEX iekg_demand_sum_at IF NOT EXISTS FOR (s:{DEMAND_SUM}) ON (s.city, s.year)",
)

# ------------------------------------------------------------------------------------------ what is touched
# the cities of institutions (by id), and of the institutions offering majors (by id)
CITIES_OF_INSTITUTIONS = (f"UNWIND $ids AS id MATCH (:{_INST} {{id: id}})-[:{_LOCATED}]->(c:{_CITY}) "
                          "RETURN DISTINCT c.id AS city")
CITIES_OF_MAJORS = (f"UNWIND $ids AS id MATCH (:{_MAJOR} {{id: id}})<-[:{_OFFERS}]-(:{_INST})-[:{_LOCATED}]->"
                    f"(c:{_CITY}) RETURN DISTINCT c.id AS city")
# the city codes of the demand rows of some start nodes (a replaced or deleted source's rows)
DEMAND_CODES_OF = ("UNWIND $rows AS row MATCH (a {id: row.id})-[r:" + _DEMANDS + "]->() "
                   "WHERE row.label IN labels(a) AND r.city_code IS NOT NULL RETURN DISTINCT r.city_code AS code")
ALL_CITIES = f"MATCH (:{_INST})-[:{_LOCATED}]->(c:{_CITY}) RETURN DISTINCT c.id AS city"
ALL_DEMAND_CODES = f"MATCH ()-[r:{_DEMANDS}]->() WHERE r.city_code IS NOT NULL RETURN DISTINCT r.city_code AS code"

# ------------------------------------------------------------------------------------------ recompute
DROP = (
    f"MATCH (s:{OFFER_SUM}) WHERE s.city IN $cities DETACH DELETE s",
    f"MATCH (s:{INST_YEAR_SUM}) WHERE s.city IN $cities DETACH DELETE s",
    f"MATCH (s:{DEMAND_SUM}) WHERE s.city IN $codes DETACH DELETE s",
)
FILL_OFFERS = (
    f"UNWIND $cities AS cid MATCH (:{_CITY} {{id: cid}})<-[:{_LOCATED}]-(i:{_INST})-[o:{_OFFERS}]->(m:{_MAJOR}) "
    "WITH cid, o.year AS year, m, i.level AS il, toFloatOrNull(o.graduates) AS g, "
    "  toFloatOrNull(o.enrollment) AS e, toFloatOrNull(o.employment_rate) AS rt, o.leading AS lead "
    "WITH cid, year, m, il, g, e, rt, lead, (g IS NULL AND e IS NOT NULL) AS est "
    "WITH cid, year, m, il, count(*) AS programs, "
    f"  {OFFER_AGGREGATES} "
    f"CREATE (s:{META}:{OFFER_SUM}) SET s.city = cid, s.year = year, s.major = m.id, s.major_level = m.level, "
    "  s.inst_level = il, s.programs = programs, s.graduates = graduates, s.with_graduates = with_graduates, "
    "  s.positive_graduates = positive_graduates, s.enrollment_only = enrollment_only, "
    "  s.enrollment_only_n = enrollment_only_n, s.enrollment_only_positive = enrollment_only_positive, "
    "  s.rated_graduates = rated_graduates, s.rate_graduates = rate_graduates, s.rated_positive = rated_positive, "
    "  s.rated_enrollment = rated_enrollment, s.rate_enrollment = rate_enrollment, s.leading = leading, "
    "  s.leading_known = leading_known")
FILL_INST_YEARS = (
    f"UNWIND $cities AS cid MATCH (:{_CITY} {{id: cid}})<-[:{_LOCATED}]-(i:{_INST})-[o:{_OFFERS}]->(:{_MAJOR}) "
    "WITH cid, i.id AS inst, o.year AS year, count(*) AS n "
    f"CREATE (s:{META}:{INST_YEAR_SUM}) SET s.city = cid, s.year = year, s.institution = inst, s.programs = n")
FILL_DEMAND = (
    f"MATCH (a)-[r:{_DEMANDS}]->(b) WHERE r.city_code IN $codes "
    f"  AND (a:{_CITY} OR a:{label('Enterprise')}) AND (b:{label('Industry')} OR b:{_MAJOR}) "
    f"WITH r.city_code AS city, r.year AS year, CASE WHEN b:{label('Industry')} THEN 'Industry' ELSE 'Major' END "
    "  AS target_label, b.id AS target, sum(toFloat(r.headcount)) AS headcount, count(*) AS rows "
    f"CREATE (s:{META}:{DEMAND_SUM}) SET s.city = city, s.year = year, s.target_label = target_label, "
    "  s.target = target, s.headcount = headcount, s.rows = rows")
SET_READY = f"MERGE (m:{META} {{id: 'graph'}}) SET m.sums = $version"
UNSET_READY = f"MATCH (m:{META} {{id: 'graph'}}) REMOVE m.sums"
DROP_ALL = tuple("MATCH (s:" + fixed + ") CALL (s) { DELETE s } IN TRANSACTIONS OF 10000 ROWS"
                 for fixed in (OFFER_SUM, INST_YEAR_SUM, DEMAND_SUM))  # (the module's own fixed labels)
READY = f"MATCH (m:{META} {{id: 'graph'}}) RETURN m.sums AS v"

# ------------------------------------------------------------------------------------------ reads
READ_OFFERS = (
    f"MATCH (s:{OFFER_SUM}) WHERE s.city IN $cities AND s.year = $year AND ($majors IS NULL OR s.major IN $majors) "
    "RETURN s.city AS city, s.major AS major, s.major_level AS major_level, s.inst_level AS inst_level, "
    "  s.programs AS programs, s.graduates AS graduates, s.with_graduates AS with_graduates, "
    "  s.positive_graduates AS positive_graduates, s.enrollment_only AS enrollment_only, "
    "  s.enrollment_only_n AS enrollment_only_n, s.enrollment_only_positive AS enrollment_only_positive, "
    "  s.rated_graduates AS rated_graduates, s.rate_graduates AS rate_graduates, "
    "  s.rated_positive AS rated_positive, s.rated_enrollment AS rated_enrollment, "
    "  s.rate_enrollment AS rate_enrollment, s.leading AS leading, s.leading_known AS leading_known")
READ_YEARS = (f"MATCH (s:{INST_YEAR_SUM}) WHERE s.city IN $cities AND s.year IS :: INTEGER "
              "RETURN s.year AS y, sum(s.programs) AS n ORDER BY y")
READ_YEAR_COUNTS = (f"MATCH (s:{INST_YEAR_SUM}) WHERE s.city IN $cities AND s.year IS :: INTEGER AND s.programs > 0 "
                    "AND ($years IS NULL OR s.year IN $years) "
                    "RETURN s.year AS y, sum(s.programs) AS n, count(DISTINCT s.institution) AS k ORDER BY y")
READ_DEMAND = (f"MATCH (s:{DEMAND_SUM}) WHERE s.city IN $cities AND s.year = $year "
               "RETURN s.city AS city, s.target_label AS target_label, s.target AS target, "
               "  s.headcount AS headcount, s.rows AS rows")


@dataclass
class Touched:
    """The cities (institutions' cities) and city codes (demand rows') whose sums a change set touches."""

    cities: set[str] = field(default_factory=set)
    codes: set[Any] = field(default_factory=set)
    everything: bool = False
    _insts: list[str] = field(default_factory=list)
    _majors: list[str] = field(default_factory=list)


def touched_before(read: Any, changes: Any, fresh: bool) -> Touched:
    """What ``changes`` touches, read before it is written (``read``: the store's read function taking a
    statement and keyword parameters).  A fresh load touches everything."""
    t = Touched(everything=fresh)
    if fresh:
        return t
    insts: set[str] = set()
    majors: set[str] = set()
    sources: list[dict[str, str]] = []
    for uid in getattr(changes, "delete_nodes", ()) or ():
        lab, ident = split_uid(uid)
        if lab == "Institution":
            insts.add(ident)
        elif lab == "Major":
            majors.add(ident)
        elif lab == "City":
            t.cities.add(ident)
        sources.append({"label": lab, "id": ident})
    for n in changes.nodes.values():
        if n.label == "Institution":
            insts.add(str(n.props["id"]))
        elif n.label == "Major":
            majors.add(str(n.props["id"]))
    for src, rt in getattr(changes, "replace", ()) or ():
        lab, ident = split_uid(src)
        if rt in ("OFFERS", "LOCATED_IN") and lab == "Institution":
            insts.add(ident)
        elif rt == "DEMANDS":
            sources.append({"label": lab, "id": ident})
    for r in changes.rels.values():
        if r.type in ("OFFERS", "LOCATED_IN") and r.src.startswith("Institution:"):
            insts.add(split_uid(r.src)[1])
            if r.type == "LOCATED_IN" and r.dst.startswith("City:"):
                t.cities.add(split_uid(r.dst)[1])
        elif r.type == "DEMANDS" and r.props.get("city_code") is not None:
            t.codes.add(r.props["city_code"])
    t._insts, t._majors = sorted(insts), sorted(majors)
    t.cities |= _cities(read, t._insts, t._majors)
    if sources:
        t.codes |= {r["code"] for r in read(DEMAND_CODES_OF, rows=sources)}
    return t


def touched_after(read: Any, t: Touched) -> Touched:
    """The cities the touched institutions and majors are in after the write (an institution moved)."""
    if not t.everything:
        t.cities |= _cities(read, t._insts, t._majors)
    return t


def _cities(read: Any, insts: list[str], majors: list[str]) -> set[str]:
    out: set[str] = set()
    if insts:
        out |= {r["city"] for r in read(CITIES_OF_INSTITUTIONS, ids=insts)}
    if majors:
        out |= {r["city"] for r in read(CITIES_OF_MAJORS, ids=majors)}
    return out


def refresh(tx: Any, cities: Iterable[str], codes: Iterable[Any]) -> None:
    """Recompute the sums of ``cities`` and demand ``codes`` in the transaction ``tx``."""
    cities, codes = sorted(set(cities)), list(set(codes))
    if not cities and not codes:
        return
    for stmt in DROP:
        tx.run(stmt, cities=cities, codes=codes).consume()
    if cities:
        tx.run(FILL_OFFERS, cities=cities).consume()
        tx.run(FILL_INST_YEARS, cities=cities).consume()
    if codes:
        tx.run(FILL_DEMAND, codes=codes).consume()
