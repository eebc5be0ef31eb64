"""Errors of business rule files: every problem found, each with its file and line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from semgraph.exceptions import InvalidInputError


@dataclass(frozen=True)
class RuleProblem:
    """One problem in a rule file: ``file:line: message`` plus an optional hint."""

    file: str
    line: int | None
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.message}"
        return f"{text}; {self.hint}" if self.hint else text


class RuleFileError(InvalidInputError):
    """A rule (or shape) file that cannot be used; ``problems`` lists every problem found.

    ``file``/``line`` point at the first problem; ``str()`` lists them all, one per line.
    """

    def __init__(self, problems: Sequence[RuleProblem]) -> None:
        if not problems:
            raise ValueError("RuleFileError needs at least one problem")
        self.problems: tuple[RuleProblem, ...] = tuple(problems)
        first = self.problems[0]
        count = len(self.problems)
        summary = f"{count} problem{'s' if count > 1 else ''} in rule files:\n" + "\n".join(
            str(p) for p in self.problems
        )
        super().__init__(summary, hint=first.hint)
        # InvalidInputError prefixes file:line; keep the full list as the message instead.
        self.message = summary
        self.file = first.file
        self.line = first.line
        self.args = (summary,)

    def __str__(self) -> str:
        return self.message
