"""What every reader hands to the import pipeline: tables of raw cell values with their origin.

A reader (template CSV/XLSX, an official public list, the seed notice, the demo generator) turns its
input into :class:`SourceTable` objects whose columns use the canonical English keys of the data
contract (``iekg.loaders.tables``).  Validation, reference checks and the write to a store are then the
same for every kind of input, and every error can name the file, sheet, Excel row, column and value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Provenance kinds recorded on every node and relationship (property ``source_kind``).
PUBLIC = "public"  # an official public list or standard (MOE list, catalogues, GB/T 4754, division codes)
DOCUMENT = "document"  # a policy document (the seed notice)
REFERENCE = "reference"  # the project's own reference tables (each row cites its sources)
ILLUSTRATIVE = "illustrative"  # generated demo figures, not facts
USER = "user"  # a user's own import
SOURCE_KINDS = (PUBLIC, DOCUMENT, REFERENCE, ILLUSTRATIVE, USER)


@dataclass
class SourceRow:
    """One input row: ``line`` is the row number as the user sees it (Excel row / file line)."""

    line: int
    values: dict[str, str]


@dataclass
class SourceTable:
    """One table of one input file.

    ``headers`` maps each canonical key to the header text as written in the file, so that messages
    name the column the user sees.  ``extra`` lists unknown columns (kept as properties).
    """

    table: str
    file: str
    rows: list[SourceRow] = field(default_factory=list)
    sheet: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)
    kind: str = USER
    cite: str | None = None

    def header(self, key: str) -> str:
        return self.headers.get(key, key)
