"""The validation report: every problem of an import, each with where it is and how to fix it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"


@dataclass
class Issue:
    severity: str  # error | warning
    code: str  # machine-readable kind: required, invalid, enum, leading_zero, check_char, missing_ref, ...
    file: str
    row: int | None  # as the user sees it in Excel (header row included)
    column: str | None  # the header as the user wrote it
    value: str | None
    message: str  # what is wrong
    fix: str  # how to fix it
    sheet: str | None = None
    table: str | None = None
    repaired: str | None = None  # a warning's repair: the value used instead of ``value`` (e.g. the canonical term)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if d["repaired"] is None:  # only a repair says what the value became
            del d["repaired"]
        return d

    def where(self) -> str:
        parts = [self.file + (f" [{self.sheet}]" if self.sheet else "")]
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.column:
            parts.append(f"列「{self.column}」")
        return " ".join(parts)


@dataclass
class Report:
    issues: list[Issue] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)  # rows read per table

    def add(self, issue: Issue) -> None:
        self.issues.append(issue)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def extend(self, other: Report) -> None:
        self.issues.extend(other.issues)
        for k, v in other.tables.items():
            self.tables[k] = self.tables.get(k, 0) + v

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "errors": len(self.errors), "warnings": len(self.warnings),
            "rows": dict(self.tables), "issues": [i.as_dict() for i in self.issues],
        }


class ImportFailed(Exception):
    """Raised when an import has errors; nothing was written."""

    def __init__(self, report: Report) -> None:
        super().__init__(f"{len(report.errors)} error(s); nothing was changed")
        self.report = report
