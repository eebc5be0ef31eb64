"""The one door every served string passes through: ``redact()``.

Another component (ontology-based masking) decides *what* is sensitive; this module only
applies it. Give ``RedactionRules`` literal values, regular expressions and/or a callable;
``grounded_context`` and the answer pass every passage, title, fact and context text
through ``redact`` before returning them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

MASK = "[REDACTED]"


@dataclass(frozen=True)
class RedactionRules:
    """What to hide: exact ``values`` (case-insensitive), regex ``patterns``, a ``mask`` hook.

    The hook runs last and receives the text with values and patterns already replaced.
    """

    values: Sequence[str] = ()
    patterns: Sequence[str] = ()
    mask: Callable[[str], str] | None = None
    replacement: str = MASK

    @cached_property
    def _regex(self) -> re.Pattern[str] | None:
        parts = [re.escape(v) for v in sorted(self.values, key=len, reverse=True) if v]
        parts += [f"(?:{p})" for p in self.patterns]
        return re.compile("|".join(parts), re.IGNORECASE) if parts else None


NO_REDACTION = RedactionRules()


def redact(text: str, rules: RedactionRules | None = None) -> str:
    """Return ``text`` with every sensitive value, pattern match and hook result masked."""
    if rules is None:
        return text
    regex = rules._regex
    if regex is not None:
        text = regex.sub(rules.replacement, text)
    if rules.mask is not None:
        text = rules.mask(text)
    return text
