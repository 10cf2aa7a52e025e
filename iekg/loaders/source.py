"""What every reader hands to the import pipeline: tables of raw cell values with their origin.

A reader (template CSV/XLSX, an official public list, the seed notice, the demo generator) turns its
input into :class:`SourceTable` objects whose columns use the canonical English keys of the data
contract (``iekg.loaders.tables``).  Validation, reference checks and the write to a store are then the
same for every kind of input, and every error can name the file, sheet, Excel row, column and value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
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


class LazyRows(list):  # type: ignore[type-arg]  # a list to every reader of SourceTable.rows, holding nothing
    """The rows of a big CSV file, read from the file again each time they are iterated, so that a
    national-scale build never holds a whole file's cells (``iekg build``; :func:`iekg.loaders.readers.read_csv`).

    The first reading (when the file was read) applied the limits, the encoding check and the text rules
    and counted the rows; ``len`` is that count.  Iterating yields the same rows, with the same repairs."""

    checked = True  # the text rules were applied while reading (textrules.check_tables skips it)

    def __init__(self, produce: Callable[[], Iterator[SourceRow]], count: int) -> None:
        super().__init__()
        self._produce = produce
        self._count = count

    def __iter__(self) -> Iterator[SourceRow]:
        return self._produce()

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def __repr__(self) -> str:
        return f"<LazyRows {self._count} rows>"


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
