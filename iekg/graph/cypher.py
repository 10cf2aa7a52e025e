"""The Cypher of the Neo4j store, every statement a named constant (:mod:`iekg.graph.neo4jstore` runs them).

- Labels and relationship types come only from the schema's fixed names: the fixed ones are written in
  below through :func:`label` / :func:`rel_type` (which refuse any other name); a statement for any label
  or type is a template with ``{label}``, ``{type}``, ``{src}``, ``{dst}`` filled in by :func:`fill`, which
  checks them the same way (literal braces of such a template are doubled).
- Every value is a ``$parameter``; property names too are values where a statement reads them (``n[p]``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from iekg.graph.schema import AUDIT_LABEL, NODE_TYPES, REL_TYPES, SCENARIO_LABEL

KEY = "_key"  # relationship identity property (type|start|end|key props), indexed per type
# One node of this fixed internal label (not a schema label, never counted) holds the graph's version: every
# write changes it, so memoised results of any process on the same database are dropped after anyone's write.
META = "`IekgMeta`"
# The import history (audit trail): one node per recorded import, of the schema's fixed system label, outside
# the domain labels, with no relationships; kept by clear() and by fresh loads, never counted or searched.
AUDIT = f"`{AUDIT_LABEL}`"
SCENARIO = f"`{SCENARIO_LABEL}`"


def label(name: str) -> str:
    """A schema label, quoted for Cypher; any other name is refused (``ValueError``)."""
    if name not in NODE_TYPES:
        raise ValueError(f"not a schema label: {name!r}")
    return f"`{name}`"


def rel_type(name: str) -> str:
    """A schema relationship type, quoted for Cypher; any other name is refused (``ValueError``)."""
    if name not in REL_TYPES:
        raise ValueError(f"not a schema relationship type: {name!r}")
    return f"`{name}`"


def fill(template: str, *, node: str | None = None, rel: str | None = None, src: str | None = None,
         dst: str | None = None) -> str:
    """A template of this module with its names checked and quoted.

    Parameters
    ----------
    template
        One of the ``…`` templates below.
    node, src, dst
        Schema labels for ``{label}``, ``{src}``, ``{dst}``.
    rel
        A schema relationship type for ``{type}``.

    Returns
    -------
    str
        The statement.
    """
    names = {"label": node, "src": src, "dst": dst}
    kw = {k: label(v) for k, v in names.items() if v is not None}
    if rel is not None:
        kw["type"] = rel_type(rel)
        kw["name"] = rel
    if node is not None:
        kw["name"] = node
    return template.format(**kw)


_CITY, _INST, _MAJOR, _ENT = label("City"), label("Institution"), label("Major"), label("Enterprise")
_LOCATED, _OFFERS = rel_type("LOCATED_IN"), rel_type("OFFERS")

# ------------------------------------------------------------------------------------------ schema
ID_CONSTRAINT = "CREATE CONSTRAINT `iekg_{name}_id` IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE"
OLD_KEY_INDEX = "DROP INDEX `iekg_{name}_key` IF EXISTS"  # a plain index of earlier versions
KEY_CONSTRAINT = (f"CREATE CONSTRAINT `iekg_{{name}}_key_unique` IF NOT EXISTS "
                  f"FOR ()-[r:{{type}}]-() REQUIRE r.{KEY} IS UNIQUE")
AUDIT_CONSTRAINT = f"CREATE CONSTRAINT `iekg_{AUDIT_LABEL}_id` IF NOT EXISTS FOR (n:{AUDIT}) REQUIRE n.id IS UNIQUE"
SCENARIO_CONSTRAINT = (f"CREATE CONSTRAINT `iekg_{SCENARIO_LABEL}_name` IF NOT EXISTS "
                       f"FOR (s:{SCENARIO}) REQUIRE s.name IS UNIQUE")
AWAIT_INDEXES = "CALL db.awaitIndexes(300)"

# ------------------------------------------------------------------------------------------ version, history
BUMP = f"MERGE (m:{META} {{id: 'graph'}}) SET m.version = randomUUID(), m.source = 'iekg', m.source_kind = 'system'"
VERSION = f"MATCH (m:{META} {{id: 'graph'}}) RETURN m.version AS v"
# The graph version and the kept sums' layout (``IekgMeta.sums``, iekg.graph.neo4j_sums) in one read.  Every
# kept sum node carries the META label too, so finding the version node by label and id scans them all (a
# quarter of a million at scale 100: 0.15 s a read); STATE finds it once and returns its element id, STATE_AT
# reads it again through that id (a seek: a millisecond), checked to be still that node.
STATE = f"MATCH (m:{META} {{id: 'graph'}}) RETURN m.version AS v, m.sums AS s, elementId(m) AS e"
STATE_AT = (f"MATCH (m) WHERE elementId(m) = $e AND m:{META} AND m.id = 'graph' "
            "RETURN m.version AS v, m.sums AS s, elementId(m) AS e")
LAST_IMPORT = f"MATCH (e:{AUDIT}) RETURN max(e.id) AS last"
ADD_IMPORT = f"CREATE (e:{AUDIT}) SET e = $props"
IMPORTS = f"MATCH (e:{AUDIT}) RETURN properties(e) AS p ORDER BY e.id DESC LIMIT $limit"
# named scenarios (iekg.service.scenarios): kept beside the graph, their documents as JSON text
SAVE_SCENARIO = (f"MERGE (s:{SCENARIO} {{name: $name}}) "
                 "SET s.doc = $doc, s.source = 'iekg', s.source_kind = 'system'")
GET_SCENARIO = f"MATCH (s:{SCENARIO} {{name: $name}}) RETURN s.doc AS doc"
ALL_SCENARIOS = f"MATCH (s:{SCENARIO}) RETURN s.doc AS doc ORDER BY s.name"
DELETE_SCENARIO = f"MATCH (s:{SCENARIO} {{name: $name}}) DELETE s RETURN count(*) AS n"
# Emptying the graph (the import history stays): the relationships first, 10,000 to a transaction, then the
# nodes. DETACH DELETE of the nodes alone put every relationship of a dense node (a city, a major) into one
# batch's transaction and ran out of the transaction memory pool at scale 100 with a 1 GB heap.
CLEAR_RELS = "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS"
CLEAR = f"MATCH (n) WHERE NOT n:{AUDIT} AND NOT n:{SCENARIO} CALL (n) {{ DETACH DELETE n }} IN TRANSACTIONS OF 10000 ROWS"

# ------------------------------------------------------------------------------------------ writes (templates)
DELETE_NODES = ("UNWIND $rows AS row MATCH (n:{label} {{id: row.id}}) "
                "WITH n, COUNT {{ (n)-[]-() }} AS d DETACH DELETE n RETURN sum(d) AS deleted")
CREATE_NODES = "UNWIND $rows AS row CREATE (n:{label}) SET n = row.props RETURN count(*) AS created, 0 AS updated"
MERGE_NODES = ("UNWIND $rows AS row OPTIONAL MATCH (old:{label} {{id: row.id}}) "
               "WITH row, properties(old) AS before "
               "MERGE (n:{label} {{id: row.id}}) SET n += row.props "
               "RETURN sum(CASE WHEN before IS NULL THEN 1 ELSE 0 END) AS created, "
               "sum(CASE WHEN before IS NOT NULL AND before <> properties(n) THEN 1 ELSE 0 END) AS updated")
REPLACE_RELS = (f"UNWIND $rows AS row MATCH (a:{{label}} {{{{id: row.id}}}})-[r:{{type}}]->() "
                f"WHERE NOT r.{KEY} IN row.keep DELETE r RETURN count(*) AS deleted")
# existing relationships are found through the unique index on _key (never by expanding a dense node)
UPDATE_RELS = (f"UNWIND $rows AS row MATCH ()-[r:{{type}} {{{{{KEY}: row.key}}}}]->() "
               f"WITH row, r, properties(r) AS before SET r = row.props, r.{KEY} = row.key "
               f"RETURN row.key AS key, before <> properties(r) AS changed")
CREATE_RELS = (f"UNWIND $rows AS row MATCH (a:{{src}} {{{{id: row.src}}}}) MATCH (b:{{dst}} {{{{id: row.dst}}}}) "
               f"CREATE (a)-[r:{{type}}]->(b) SET r = row.props, r.{KEY} = row.key "
               f"RETURN count(*) AS created")

# ------------------------------------------------------------------------------------------ reads
GET_NODE = "MATCH (n:{label} {{id: $id}}) RETURN properties(n) AS p"
EXISTING = "UNWIND $ids AS id MATCH (n:{label} {{id: id}}) RETURN n.id AS id"
NODES_OF = "MATCH (n:{label}) RETURN properties(n) AS p ORDER BY n.id"
GET_MANY = "UNWIND $ids AS i MATCH (n:{label} {{id: i}}) RETURN properties(n) AS p"
_NEIGHBOURS = ("MATCH (n:{{label}} {{{{id: $id}}}}){pattern}(m) "
               "WHERE ($types IS NULL OR type(r) IN $types) AND ($labels IS NULL OR labels(m)[0] IN $labels) "
               "RETURN type(r) AS type, startNode(r) = n AS out, properties(r) AS rp, labels(m)[0] AS ml, "
               "properties(m) AS mp")
NEIGHBOURS = {d: _NEIGHBOURS.format(pattern=p) for d, p in (("out", "-[r]->"), ("in", "<-[r]-"), ("both", "-[r]-"))}
# every outgoing relationship of one label's nodes, in one record (the snapshot: not one statement per node)
OUT_RELS = ("MATCH (n:{label})-[r]->(m) "
            "RETURN collect([n.id, type(r), properties(r), labels(m)[0], m.id]) AS rows")
LINKS = ("UNWIND $ids AS i MATCH (n:{label} {{id: i}})-[r]-(m) "
         "WHERE m <> n AND ($types IS NULL OR type(r) IN $types) "
         "RETURN n.id AS id, type(r) AS type, startNode(r) = n AS out, properties(r) AS rp, "
         "labels(m)[0] AS ml, m.id AS mid")
# LINKS without the properties (path search: ids and keys first) and, by key, the few a path shows
LINK_KEYS = ("UNWIND $ids AS i MATCH (n:{label} {{id: i}})-[r]-(m) "
             "WHERE m <> n AND ($types IS NULL OR type(r) IN $types) "
             f"RETURN n.id AS id, type(r) AS type, startNode(r) = n AS out, r.{KEY} AS k, "
             "labels(m)[0] AS ml, m.id AS mid")
RELS_BY_KEY = f"UNWIND $keys AS k MATCH ()-[r:{{type}} {{{{{KEY}: k}}}}]->() RETURN r.{KEY} AS k, properties(r) AS rp"
SEARCH = ("MATCH (n:{label}) WITH n, [f IN $fields | n[f]] AS vals "
          "WHERE toLower(n.id) CONTAINS $q OR any(v IN vals WHERE "
          "  (v IS :: STRING AND toLower(v) CONTAINS $q) OR "
          "  (v IS :: LIST<ANY> AND any(x IN v WHERE toLower(toString(x)) CONTAINS $q))) "
          "RETURN properties(n) AS p")
LABEL_COUNTS = f"MATCH (n) WHERE NOT n:{META} AND NOT n:{AUDIT} AND NOT n:{SCENARIO} RETURN labels(n)[0] AS l, count(*) AS n"
TYPE_COUNTS = "MATCH ()-[r]->() RETURN type(r) AS t, count(*) AS n"
KIND_COUNTS = (f"MATCH (n) WHERE NOT n:{META} AND NOT n:{AUDIT} AND NOT n:{SCENARIO} "
               "RETURN coalesce(n.source_kind, 'unknown') AS k, count(*) AS n")
# Frames come back as one record holding every row (the Python driver spends about 50 µs on each record it
# receives, a list element costs a fraction of that: 35,000 enterprises' cities 1.7 s as records, 0.2 s as one
# list), by columns: the ids, then each property's values, in the rows' order (``rows`` is [[ids…], [[values…] per
# property]] for nodes, [[start ids…], [end ids…], [[values…] per property]] for relationships — relationship r from
# a to b, after rel_match(…)).  A list made per row cost more than the walk: the 35,000 enterprises' IN_INDUSTRY
# 0.07 s as one list per row, 0.04 s by columns; the province's enterprises with their staff 0.14 → 0.05 s
NODE_COLUMNS = "MATCH (n:{label}) WITH collect(n) AS ns RETURN [[x IN ns | x.id], [p IN $props | [x IN ns | x[p]]]] AS rows"
NODE_COLUMNS_IDS = ("UNWIND $ids AS i MATCH (n:{label} {{id: i}}) WITH collect(n) AS ns "
                    "RETURN [[x IN ns | x.id], [p IN $props | [x IN ns | x[p]]]] AS rows")
# (node_frame) many ids of a catalogue label — a national list, a few thousand nodes at most (the 1,876 majors, the
# industries): one pass over the label with a map lookup per node instead of a seek per id (the 1,547 majors of a
# city's gaps: 6 → 3 ms on the server), from CATALOGUE_SCAN_MIN ids (below, the seeks cost less than the pass); rows
# in the label's order (the store sorts them as the seeks gave them).  An id that is not text is no map key: skipped
# (no id asked is other than text)
CATALOGUE_LABELS = frozenset({"Major", "MajorCategory", "MajorDivision", "Industry"})
CATALOGUE_SCAN_MIN = 1000
NODE_COLUMNS_KEEP = ("MATCH (n:{label}) WHERE CASE WHEN n.id IS :: STRING THEN $keep[n.id] IS NOT NULL ELSE false END "
                     "WITH collect(n) AS ns RETURN [[x IN ns | x.id], [p IN $props | [x IN ns | x[p]]]] AS rows")
REL_COLUMNS = ("WITH collect(a.id) AS s, collect(b.id) AS d, collect(r) AS rs "
               "RETURN [s, d, [p IN $props | [x IN rs | x[p]]]] AS rows")

SOURCES_WITH = "RETURN DISTINCT a.id AS src"
# after the MATCH of rel_match(…) anchored on the end ids (its UNWIND taken off): the first relationship found
# per end id is enough
TARGETS_WITH = "UNWIND $dst AS did CALL (did) {{ {match}RETURN b.id AS dst LIMIT 1 }} RETURN dst"
REL_MAX = "WITH r[$prop] AS v WHERE v IS :: INTEGER OR v IS :: FLOAT RETURN max(v) AS m"


def collected(statement: str, columns: Iterable[str]) -> str:
    """``statement`` (whose RETURN names ``columns``) with all its rows in one record, ``rows``: a list of
    [column values…].  Row order is not kept: for statements whose caller sorts."""
    cols = list(columns)
    for c in cols:
        if not c.isidentifier():
            raise ValueError(f"not a column name: {c!r}")
    return f"CALL () {{ {statement} }} RETURN collect([{', '.join(cols)}]) AS rows"


# Relationship properties with an index (iekg.graph.neo4j_sums.INDEXES: the year's leading programs), fixed names
# that rel_match writes as ``r.<name> = $eq_<name>`` (an index is sought only for a written-out property)
INDEXED_REL_PROPS: dict[str, frozenset[str]] = {"OFFERS": frozenset({"leading", "year"})}
SEEK_MAX = 1000  # more start ids than this, with every indexed property filtered: the index, not the ids
# (then) after rel_match's WHERE, the index's rows kept to the start ids ($keep_src: a map of them, one lookup a
# row; ``a.id IN $src`` over a list of 1,000 ids took 2.5 times as long, the ids expanded one by one 2 times)
KEEP_SRC = "AND $keep_src[a.id] IS NOT NULL "
KEEP_MAX = 4000  # up to this many start ids (a city's institutions), not more (a province's 17,800: 16 → 24 ms)


def rel_match(rel: str, src: str | None, dst: str | None, src_ids: Iterable[str] | None,
              dst_ids: Iterable[str] | None, where: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """The ``MATCH … WHERE …`` of ``Store.rel_frame``'s filters (relationship ``r`` from ``a`` to ``b``).

    An id list anchors the match on the indexed ``id`` of that end; with both lists, the shorter one
    (e.g. 30 majors' OFFERS, not 17,800 institutions').

    Parameters
    ----------
    rel, src, dst, src_ids, dst_ids, where
        As ``rel_type``, ``src_label``, ``dst_label``, … of :meth:`iekg.graph.store.Store.rel_frame`.

    Returns
    -------
    tuple
        The statement's beginning (ending in a space) and its parameters.
    """
    a = f"(a:{label(src)}" if src else "(a"
    b = f"(b:{label(dst)}" if dst else "(b"
    params: dict[str, Any] = {}
    conds = []
    anchor = ""  # the end matched through its unique id index: no list filter on it
    src_list = None if src_ids is None else sorted(set(src_ids))
    dst_list = None if dst_ids is None else sorted(set(dst_ids))
    if src_list is not None and src and (dst_list is None or not dst or len(src_list) <= len(dst_list)):
        head, a, anchor = "UNWIND $src AS sid ", a + " {id: sid})", "src"
    elif dst_list is not None and dst:
        head, b, anchor = "UNWIND $dst AS did ", b + " {id: did})", "dst"
    else:
        head = ""
    a = a if a.endswith(")") else a + ")"
    b = b if b.endswith(")") else b + ")"
    if src_list is not None:
        params["src"] = src_list
        if anchor != "src":
            conds.append("a.id IN $src")
    if dst_list is not None:
        params["dst"] = dst_list
        if anchor != "dst":
            conds.append("b.id IN $dst")
    eq = {k: v for k, v in (where or {}).items() if not isinstance(v, (list, tuple, set, frozenset))}
    inn = {k: sorted(v) for k, v in (where or {}).items() if isinstance(v, (list, tuple, set, frozenset))}
    for k in sorted(INDEXED_REL_PROPS.get(rel, ())):  # written out so the planner can seek the index
        if k in eq:
            params[f"eq_{k}"] = eq.pop(k)
            conds.append(f"r.{k} = $eq_{k}")
    if eq:
        params["eq"] = eq
        conds.append("all(k IN keys($eq) WHERE r[k] = $eq[k])")
    if inn:
        params["inn"] = inn
        conds.append("all(k IN keys($inn) WHERE r[k] IN $inn[k])")
    where_clause = (" WHERE " + " AND ".join(conds)) if conds else ""
    return f"{head}MATCH {a}-[r:{rel_type(rel)}]->{b}{where_clause} ", params


# ------------------------------------------------------------------------------------------ aggregations
# One Cypher aggregation each (the pandas versions and the columns' meaning: iekg.graph.sums); only the
# groups come back over Bolt.
_CITY_INSTITUTIONS = f"UNWIND $cities AS cid MATCH (:{_CITY} {{id: cid}})<-[:{_LOCATED}]-(i:{_INST})"

# The volume rule — graduates, else enrollment ÷ the duration ``dur`` of the level (the major's, else the
# institution's), else 0 — over ``g`` (graduates) and ``e`` (enrollment) as numbers.  Its Python home is
# iekg.queries.supply.volume; its SQL twin iekg.graph.sqlite_sql.VOLUME; the pandas reference iekg.graph.sums.
VOLUME = "CASE WHEN g IS NOT NULL THEN g WHEN e IS NOT NULL AND dur IS NOT NULL THEN e / toFloat(dur) ELSE 0.0 END"

# grouped by the Major node and the institution's level read once per institution; the groups'
# properties are read after the aggregation (half the time of grouping by properties)
# The 13 sums of OFFER_SUM_COLUMNS after ``programs`` (iekg.graph.sums) over ``g`` (graduates), ``e``
# (enrollment), ``rt`` (rate), ``lead`` and ``est`` (an estimate from enrolment): the one text of them, in
# OFFER_SUMS and in the kept sums' refresh (iekg.graph.neo4j_sums.FILL_OFFERS)
OFFER_AGGREGATES = (
    "sum(coalesce(g, 0.0)) AS graduates, count(g) AS with_graduates, "
    "count(CASE WHEN g > 0 THEN 1 END) AS positive_graduates, "
    "sum(CASE WHEN est THEN e ELSE 0.0 END) AS enrollment_only, "
    "count(CASE WHEN est THEN 1 END) AS enrollment_only_n, "
    "count(CASE WHEN est AND e > 0 THEN 1 END) AS enrollment_only_positive, "
    "sum(CASE WHEN g IS NOT NULL AND rt IS NOT NULL THEN g ELSE 0.0 END) AS rated_graduates, "
    "sum(CASE WHEN g IS NOT NULL AND rt IS NOT NULL THEN rt * g ELSE 0.0 END) AS rate_graduates, "
    "count(CASE WHEN rt IS NOT NULL AND g > 0 THEN 1 END) AS rated_positive, "
    "sum(CASE WHEN est AND rt IS NOT NULL THEN e ELSE 0.0 END) AS rated_enrollment, "
    "sum(CASE WHEN est AND rt IS NOT NULL THEN rt * e ELSE 0.0 END) AS rate_enrollment, "
    "count(CASE WHEN lead = true THEN 1 END) AS leading, count(lead) AS leading_known")
OFFER_SUMS = (
    f"{_CITY_INSTITUTIONS} "
    "WITH cid, i, i.level AS il "
    f"MATCH (i)-[o:{_OFFERS}]->(m:{_MAJOR}) "
    "WHERE o.year = $year AND ($majors IS NULL OR m.id IN $majors) "
    "WITH cid, il, m, toFloatOrNull(o.graduates) AS g, toFloatOrNull(o.enrollment) AS e, "
    "     toFloatOrNull(o.employment_rate) AS rt, o.leading AS lead "
    "WITH cid, il, m, g, e, rt, lead, (g IS NULL AND e IS NOT NULL) AS est "
    "WITH cid, il, m, count(*) AS programs, "
    f"  {OFFER_AGGREGATES} "
    "RETURN cid AS city, m.id AS major, m.level AS major_level, il AS inst_level, programs, graduates, "
    "  with_graduates, positive_graduates, enrollment_only, enrollment_only_n, enrollment_only_positive, "
    "  rated_graduates, rate_graduates, rated_positive, rated_enrollment, rate_enrollment, leading, "
    "  leading_known")
_CITY_OFFERS = f"{_CITY_INSTITUTIONS}-[o:{_OFFERS}]->(m:{_MAJOR}) "
OFFER_YEARS = (f"{_CITY_OFFERS}"
               "WITH o.year AS y WHERE y IS :: INTEGER RETURN y, count(*) AS n ORDER BY y")
OFFER_YEAR_COUNTS = (f"{_CITY_OFFERS}"
                     "WITH o.year AS y, i WHERE y IS :: INTEGER AND ($years IS NULL OR y IN $years) "
                     "RETURN y, count(*) AS n, count(DISTINCT i) AS k ORDER BY y")
LOCATED = f"UNWIND $cities AS cid MATCH (:{_CITY} {{{{id: cid}}}})<-[:{_LOCATED}]-(n:{{label}}) "
LOCATED_COUNTS = "RETURN cid AS city, count(*) AS nodes"
# (readiness --all / compare: Store.located_nodes) after LOCATED: every link's node with its properties, the city:
# per city its nodes' ids and each property's values, in the nodes' order (by columns, as NODE_COLUMNS)
LOCATED_COLUMNS = "WITH cid, collect(n) AS ns RETURN collect([cid, [x IN ns | x.id], [p IN $props | [x IN ns | x[p]]]]) AS rows"
# (Store.located_nodes' among) between LOCATED and LOCATED_COLUMNS: the node's value of each property is one of the
# listed ones (the property names are values here, never query text)
LOCATED_AMONG = "WITH n, cid WHERE all(k IN keys($among) WHERE n[k] IN $among[k]) "


def located_props(n: int) -> str:
    """After LOCATED: per city its nodes and, of each of the ``n`` properties ``$props``, the sum of its number
    values (others 0) and how many nodes have it (``total_k``, ``given_k``: the k-th property), in one pass: the
    counts and the sums of the province's 35,000 enterprises by two statements took 0.08 s, by one 0.04 s.  Only
    positions are query text here; the property names are values (``$props[k]``).  Each city's values are collected and
    summed in their order, as ``sum`` adds them (one after the other, the same float), not aggregated row by row:
    the province's enterprises' staff 0.063 → 0.036 s."""
    vs = "".join(f", collect(n[$props[{k}]]) AS v{k}" for k in range(n))  # (collect leaves the missing out)
    sums = "".join(f", reduce(t = 0.0, v IN v{k} | t + CASE WHEN v IS :: INTEGER NOT NULL OR v IS :: FLOAT NOT NULL "
                   f"THEN toFloat(v) ELSE 0.0 END) AS total_{k}, size(v{k}) AS given_{k}" for k in range(n))
    return f"WITH cid, count(*) AS nodes{vs} RETURN cid AS city, nodes{sums}"


DEMAND_SUMS = (
    f"MATCH (a)-[r:{rel_type('DEMANDS')}]->(b) "
    "WHERE r.year = $year AND r.city_code IN $cities "
    f"  AND (a:{_CITY} OR a:{_ENT}) AND (b:{label('Industry')} OR b:{_MAJOR}) "
    f"RETURN r.city_code AS city, CASE WHEN b:{label('Industry')} THEN 'Industry' ELSE 'Major' END AS target_label, "
    "  b.id AS target, sum(toFloat(r.headcount)) AS headcount, count(*) AS rows")
# the aligned cooperations of an enterprise ``e`` of the cities, given its aligned ``majors``: relationships
# from an institution located in $cities that offers in $year one of them (iekg.graph.sums)
_ALIGNED_COOP = (
    f"MATCH (c:{_CITY})<-[:{_LOCATED}]-(i:{_INST})-[r:{rel_type('COOPERATES_WITH')}]->(e) "
    "WHERE c.id IN $cities AND size(majors) > 0 AND EXISTS { "
    f"  MATCH (i)-[o:{_OFFERS}]->(m:{_MAJOR}) WHERE o.year = $year AND m.id IN majors }} ")
_SCOPE_ENTERPRISES = (
    f"UNWIND $cities AS cid MATCH (:{_CITY} {{id: cid}})<-[:{_LOCATED}]-(e:{_ENT})-[:{rel_type('IN_INDUSTRY')}]->(ind) "
    "WITH DISTINCT e, CASE WHEN ind.id =~ $rollup THEN left(ind.id, 2) ELSE ind.id END AS code "
    "WITH e, code, coalesce($aligned[code], []) AS majors ")
COOPERATION_COUNTS = (
    _SCOPE_ENTERPRISES +
    "CALL (e, majors) { "
    "  OPTIONAL " + _ALIGNED_COOP +
    "  WITH DISTINCT r "
    "  RETURN count(CASE WHEN r.status IS NULL OR NOT r.status IN $inactive THEN r END) AS counted, "
    "    count(CASE WHEN r.status IN $inactive THEN r END) AS dropped, "
    "    count(CASE WHEN r.status IS NULL THEN r END) AS unstated } "
    "RETURN code AS industry, count(DISTINCT e) AS enterprises, "
    "  count(DISTINCT CASE WHEN counted > 0 THEN e END) AS cooperating, "
    "  count(DISTINCT CASE WHEN counted = 0 AND dropped > 0 THEN e END) AS left_out_enterprises, "
    "  sum(unstated) AS unstated")
COOPERATION_LIST = (
    _SCOPE_ENTERPRISES + _ALIGNED_COOP + "AND r.status IN $statuses "
    "WITH DISTINCT code, r, i, e "
    "RETURN code AS industry, i.id AS institution, e.id AS enterprise, r.type AS type, r.status AS status, "
    "  r.since AS since ORDER BY industry, enterprise, institution, coalesce(type, '')")
# each wanted major's first $limit programs by volume, then institution (neo4jstore.top_offers merges them)
TOP_OFFERS = (
    f"{_CITY_INSTITUTIONS} "
    "WITH i, i.level AS il "
    f"MATCH (i)-[o:{_OFFERS}]->(m:{_MAJOR}) "
    "WHERE o.year = $year AND $wanted[m.id] IS NOT NULL "
    "WITH i, il, m, o, toFloatOrNull(o.graduates) AS g, toFloatOrNull(o.enrollment) AS e, "
    "     $durations[coalesce(m.level, il, '')] AS dur "
    f"WITH m.id AS major, i.id AS institution, o.year AS year, {VOLUME} AS volume "
    "ORDER BY major, volume DESC, institution "
    "WITH major, collect([institution, year, volume]) AS rows "
    "RETURN major, rows[..$limit] AS top")
# the weight-0 majors' first $limit programs by institution (their supply is 0 whatever the volume)
TOP_OFFERS_BY_INSTITUTION = (
    f"{_CITY_OFFERS}"
    "WHERE o.year = $year AND $zero[m.id] IS NOT NULL "
    "WITH m.id AS major, i.id AS institution, o.year AS year ORDER BY major, institution "
    "WITH major, collect([institution, year, 0.0]) AS rows RETURN major, rows[..$limit] AS top")

# (gaps) Store.chain_enterprises on the server: per [key, city, the key's segments] of $pairs, the city's
# enterprises' IN_SEGMENT links into those segments, each with its staff and its cooperations counted by the
# status rule (iekg.queries.cooperation: a missing status counts, one in $inactive does not) — only the rows come
# back, never a cooperation
CHAIN_ENTERPRISES = (
    f"UNWIND $pairs AS p MATCH (:{_CITY} {{id: p[1]}})<-[:{_LOCATED}]-(e:{_ENT}) "
    "WITH DISTINCT p[0] AS key, p[2] AS segs, e "
    f"MATCH (e)-[r:{rel_type('IN_SEGMENT')}]->(s:{label('ChainSegment')}) WHERE s.id IN segs "
    "CALL (e) { "
    f"  OPTIONAL MATCH ()-[c:{rel_type('COOPERATES_WITH')}]->(e) "
    "  RETURN count(CASE WHEN c.status IS NULL OR NOT c.status IN $inactive THEN c END) AS counted, "
    "    collect(CASE WHEN c.status IN $inactive THEN c.status END) AS left_out } "
    "RETURN collect([key, e.id, s.id, r.role, e.employees, counted, left_out]) AS rows")
