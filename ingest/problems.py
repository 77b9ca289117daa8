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


class Problems(list):
    """A list of Problem with short helpers; what every parser stage appends to."""

    def warn(self, code: str, line: int | None, message: str) -> None:
        self.append(Problem(WARNING, code, line, message))

    def error(self, code: str, line: int | None, message: str) -> None:
        self.append(Problem(ERROR, code, line, message))
