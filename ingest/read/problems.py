"""Problems found while reading a document: file, line, level, code, message."""

from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(slots=True)
class Problem:
    level: str
    code: str
    line: int | None
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


PER_CODE_LIMIT = 50


class Problems(list):
    """A list of Problem with short helpers; what every parser stage appends to.

    A document can repeat one mistake many thousand times (a 100,000-row
    timeline out of order): after PER_CODE_LIMIT problems of one code the
    rest are counted, and `finish()` adds one line saying how many more."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self._counts: dict[str, int] = {}

    def _add(self, level: str, code: str, line: int | None, message: str) -> None:
        n = self._counts.get(code, 0) + 1
        self._counts[code] = n
        if n <= PER_CODE_LIMIT:
            self.append(Problem(level, code, line, message))

    def warn(self, code: str, line: int | None, message: str) -> None:
        self._add(WARNING, code, line, message)

    def error(self, code: str, line: int | None, message: str) -> None:
        self._add(ERROR, code, line, message)

    def finish(self) -> None:
        """Add the counts of the problems held back."""
        for code, n in self._counts.items():
            if n > PER_CODE_LIMIT:
                level = next(p.level for p in self if p.code == code)
                self.append(Problem(level, code, None, f"... and {n - PER_CODE_LIMIT:,} more '{code}' problems "
                                    "like the ones above in this document"))  # fmt: skip
                self._counts[code] = PER_CODE_LIMIT
