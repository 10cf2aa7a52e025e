"""Search by name or id (Chinese), and by pinyin: ``kaifeng`` or the initials ``kf`` find 开封."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from iekg import service
from iekg.api.deps import LabelName, StoreDep
from iekg.api.models import SearchResult
from iekg.api.takeaway import FormatQuery, negotiate, respond, takeaway_responses
from iekg.graph.schema import NODE_TYPES
from iekg.graph.store import Store

router = APIRouter(tags=["search"])
PINYIN_QUERY = re.compile(r"^[a-z][a-z ']*$")


def pinyin_index(store: Store) -> list[tuple[str, str, str, str, str, int]]:
    """(label, id, name, full pinyin, initials, name length) of every named node, built once per graph version."""

    def compute() -> list[tuple[str, str, str, str, str, int]]:
        from pypinyin import Style, lazy_pinyin

        out = []
        for label in NODE_TYPES:
            for n in store.nodes(label):
                name = n.name
                if not any("\u4e00" <= ch <= "\u9fff" for ch in name):
                    continue
                syllables = lazy_pinyin(name, errors="ignore")
                full = "".join(syllables).lower()
                initials = "".join(s[0] for s in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore") if s).lower()
                out.append((label, n.id, name, full, initials, len(name)))
        return out

    return store.memo(("api", "pinyin"), compute)  # type: ignore[no-any-return]


def pinyin_hits(store: Store, q: str, labels: set[str] | None, limit: int, seen: set[str]) -> list[dict[str, Any]]:
    key = re.sub(r"[\s']", "", q.lower())
    if not key:
        return []
    ranked = []
    for label, ident, name, full, initials, length in pinyin_index(store):
        if labels is not None and label not in labels:
            continue
        uid = f"{label}:{ident}"
        if uid in seen:
            continue
        if full.startswith(key) or initials.startswith(key):
            rank = 0
        elif key in full or (len(key) >= 2 and key in initials):
            rank = 1
        else:
            continue
        ranked.append((rank, length, uid, label, ident, name))
    ranked.sort()
    out = []
    for _, _, uid, label, ident, name in ranked[:limit]:
        node = store.get(uid)
        out.append({"uid": uid, "label": label, "id": ident, "name": name,
                    "source_kind": node.props.get("source_kind") if node else None, "match": "pinyin"})
    return out


@router.get("/search", response_model=SearchResult, summary="Search entities 按名称搜索",
            responses=takeaway_responses(None, None))
def search(request: Request, store: StoreDep,
           q: Annotated[str, Query(min_length=1, max_length=100, description="text in the name or id (中文), "
                                   "or pinyin / initials (kaifeng, kf)", examples=["黄河水利"])],
           label: Annotated[list[LabelName] | None, Query(description="only these labels (repeatable)")] = None,
           limit: Annotated[int, Query(ge=1, le=500, description="at most this many hits")] = 20,
           format: FormatQuery = None) -> dict[str, Any] | Response:
    """Entities whose name (or id) contains the text, exact matches first, then shorter names; a query in
    Latin letters also matches the pinyin of Chinese names (full syllables or initials, via pypinyin).
    ``format=csv|xlsx`` (or ``Accept``): the hits as a download."""
    from iekg.takeaway.convert import search_answer

    fmt = negotiate(request, format)
    text = q.strip()
    labels = [lab.value for lab in label] if label else None
    items = [{**h, "match": "name"} for h in service.search(store, text, labels, limit)] if text else []
    if text and PINYIN_QUERY.match(text.lower()) and len(items) < limit:
        seen = {h["uid"] for h in items}
        items += pinyin_hits(store, text, set(labels) if labels else None, limit - len(items), seen)
    reason = None if items else service.search_reason(text, labels)
    if fmt == "json":
        return {"q": q, "total": len(items), "items": items, "reason": reason}
    return respond(fmt, "search", search_answer(q, items, reason), None, store)
