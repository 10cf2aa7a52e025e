"""Vocabularies as data: the allowed words of every enumerated field, their synonyms, and header synonyms.

One table, shipped with the package (``iekg/data/rules/vocabularies.csv``), is read here and nowhere
else: the value rules (``values.enum``), the template's drop-downs and 说明 sheet, the guide and the
error messages all use it.  Columns:

``field``     the enumeration (``institution_level``, ``cooperation_type`` …) or ``header``
``term``      the canonical term (for ``header``: the canonical Chinese header of a column)
``english``   the English word
``synonyms``  other words users write for it, ``;``-separated; mapped to ``term`` with a warning
``meaning``   what the term means where a measure depends on it
``use``       ``counted`` (a measure counts the field's values: an unknown value is an error),
              ``descriptive`` (no measure depends on it: an unknown value is kept with a warning),
              ``header`` (a header synonym)

Users extend it with a ``vocabularies`` import table (same columns; ``use`` is taken from the shipped
field) or with a file of the same shape named in settings (``IEKG_VOCABULARY_FILE``).
"""

from __future__ import annotations

import csv
import difflib
import functools
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as _field
from pathlib import Path

SHIPPED = Path(__file__).resolve().parent.parent / "data" / "rules" / "vocabularies.csv"
COUNTED, DESCRIPTIVE, HEADER = "counted", "descriptive", "header"
USES = (COUNTED, DESCRIPTIVE, HEADER)
SEPARATORS = re.compile(r"[;；、]")


def norm(text: str) -> str:
    """The form words are compared in: NFKC (全角 → 半角) without any white space."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))


@dataclass
class Term:
    field: str
    term: str
    english: str = ""
    synonyms: list[str] = _field(default_factory=list)
    meaning: str = ""
    origin: str = "shipped"  # shipped | a file name | an import table's file and row


@dataclass
class Vocabulary:
    """Terms per field (in the order they were added) and which fields a measure counts."""

    terms: dict[str, dict[str, Term]] = _field(default_factory=dict)
    uses: dict[str, str] = _field(default_factory=dict)

    # ---------------------------------------------------------------------------------- building
    def add(self, fld: str, term: str, english: str = "", synonyms: Iterable[str] = (), meaning: str = "",
            use: str | None = None, origin: str = "shipped") -> None:
        fld, term = fld.strip(), norm(term) if fld.strip() != HEADER else term.strip()
        if use:
            self.uses.setdefault(fld, use)
        fld_terms = self.terms.setdefault(fld, {})
        t = fld_terms.get(term)
        if t is None:
            t = fld_terms[term] = Term(fld, term, english.strip(), [], meaning.strip(), origin)
        for s in synonyms:
            s = s.strip() if fld == HEADER else norm(s)
            if s and s != term and s not in t.synonyms:
                t.synonyms.append(s)

    def copy(self) -> Vocabulary:
        out = Vocabulary(uses=dict(self.uses))
        for fld, ts in self.terms.items():
            out.terms[fld] = {k: Term(t.field, t.term, t.english, list(t.synonyms), t.meaning, t.origin)
                              for k, t in ts.items()}
        return out

    # ------------------------------------------------------------------------------------ reading
    def fields(self) -> list[str]:
        return [f for f in self.terms if f != HEADER]

    def allowed(self, fld: str) -> tuple[str, ...]:
        return tuple(self.terms.get(fld, {}))

    def use(self, fld: str) -> str:
        return self.uses.get(fld, DESCRIPTIVE)

    def counted(self, fld: str) -> bool:
        return self.use(fld) == COUNTED

    def synonyms(self, fld: str) -> dict[str, str]:
        """synonym → canonical term (a word that is itself a term of the field is never a synonym)."""
        own = self.terms.get(fld, {})
        out: dict[str, str] = {}
        for t in own.values():
            for s in t.synonyms:
                if s not in own:
                    out.setdefault(s, t.term)
        return out

    def header_synonyms(self) -> dict[str, list[str]]:
        """canonical Chinese header → the other headers users write for it."""
        return {t.term: list(t.synonyms) for t in self.terms.get(HEADER, {}).values()}

    def nearest(self, fld: str, word: str) -> str | None:
        """The allowed term closest to ``word`` (through its synonyms too), or None if nothing is close."""
        word = norm(word)
        candidates: dict[str, str] = {t: t for t in self.allowed(fld)}
        candidates.update(self.synonyms(fld))
        hits = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.4)
        if hits:
            return candidates[hits[0]]
        for w, term in candidates.items():  # a word inside the other: 国家级示范 ~ 国家级
            if w and (w in word or word in w):
                return term
        return None

    def lookup(self, fld: str, raw: str) -> tuple[str, str]:
        """(kind, value): ("term", t) for an allowed word, ("synonym", t) for a synonym, ("unknown", word)."""
        word = norm(raw)
        if word in self.terms.get(fld, {}):
            return "term", word
        syn = self.synonyms(fld)
        if word in syn:
            return "synonym", syn[word]
        return "unknown", word


def read_rows(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030")
    return [{(k or "").strip().lstrip("\ufeff"): (v or "") for k, v in r.items()} for r in csv.DictReader(text.splitlines())]


def add_rows(voc: Vocabulary, rows: Iterable[dict[str, str]], origin: str) -> None:
    aliases = {"字段": "field", "标准词": "term", "英文": "english", "同义词": "synonyms", "含义": "meaning",
               "用途": "use"}
    for r in rows:
        r = {aliases.get(k, k): v for k, v in r.items()}
        if not (r.get("field") or "").strip() or not (r.get("term") or "").strip():
            continue
        use = (r.get("use") or "").strip() or None
        voc.add(r["field"], r["term"], r.get("english") or "", SEPARATORS.split(r.get("synonyms") or ""),
                r.get("meaning") or "", use if use in USES else None, origin)


@functools.lru_cache(maxsize=1)
def shipped() -> Vocabulary:
    voc = Vocabulary()
    add_rows(voc, read_rows(SHIPPED), "shipped")
    return voc


@functools.lru_cache(maxsize=8)
def _with_file(path: str, mtime: float) -> Vocabulary:
    voc = shipped().copy()
    add_rows(voc, read_rows(Path(path)), Path(path).name)
    return voc


def settings_file() -> Path | None:
    """The user's vocabulary file named in settings (``IEKG_VOCABULARY_FILE``, ``Settings.vocabulary_file``).

    Read from the environment directly: it is asked for at every table an import reads."""
    raw = os.environ.get("IEKG_VOCABULARY_FILE", "").strip()
    return Path(raw).expanduser() if raw else None


def current() -> Vocabulary:
    """The shipped vocabulary plus the file named in settings (read again when it changes)."""
    p = settings_file()
    if p is None or not p.is_file():
        return shipped()
    return _with_file(str(p.resolve()), p.stat().st_mtime)


def describe(voc: Vocabulary, fld: str) -> str:
    """One line for a field: its terms, each with its synonyms (for the template's 说明 sheet and the guide)."""
    parts = []
    for t in voc.terms.get(fld, {}).values():
        parts.append(t.term + (f" ({'、'.join(t.synonyms)})" if t.synonyms else ""))
    return "；".join(parts)


def markdown_table(voc: Vocabulary | None = None) -> str:
    """The vocabularies as the guide shows them (docs/guide.md §3.5; a test keeps the two equal)."""
    voc = voc or shipped()
    lines = ["| field 字段 | use | 标准词 terms | 同义词 → 标准词 synonyms |", "| --- | --- | --- | --- |"]
    for f in voc.fields():
        syn = "，".join(f"{a}→{b}" for a, b in voc.synonyms(f).items())
        lines.append(f"| `{f}` | {voc.use(f)} | {'、'.join(voc.allowed(f))} | {syn} |")
    lines += ["", "| 表头 header | 也认得 also understood |", "| --- | --- |"]
    for term, syns in voc.header_synonyms().items():
        lines.append(f"| {term} | {'、'.join(syns)} |")
    return "\n".join(lines) + "\n"
