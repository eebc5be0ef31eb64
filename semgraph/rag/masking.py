"""Which sensitive *formats* RAG output masks for a role: ``redaction_for(ontology, role)``.

Graph facts and entity cards never contain a value the role may not see: they are built
from the ontology's sensitive-field list (``graph_expansion``, ``entity_cards``). Corpus
documents are free text, so as a second line of defence the common formats of sensitive
values (e-mail addresses, phone numbers, IBAN / bank accounts, tax and national ids) are
masked by pattern — unless the role may see *every* ontology property of that kind, in
which case that pattern stays off (a finance lead sees tax ids in facts and text alike).

Pass the result as ``redaction=`` to ``grounded_context`` / ``generate_answer``.
"""

from __future__ import annotations

from dataclasses import dataclass

from semgraph.exceptions import UnknownTermError
from semgraph.ontology.model import Ontology
from semgraph.rag.redaction import RedactionRules


@dataclass(frozen=True)
class SensitiveFormat:
    """A regex for one kind of sensitive value and the ontology properties holding it."""

    kind: str
    properties: tuple[str, ...]
    patterns: tuple[str, ...]


FORMATS = (
    SensitiveFormat(
        "email",
        ("email",),
        (r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",),
    ),
    SensitiveFormat(
        "phone",
        ("phone",),
        (
            # +, then at least 7 digits in groups: "+00-00000012", "+86 138 0013 8000"
            r"(?<![\w+])\+(?=(?:[ ()-]{0,2}\d){7})\d{1,3}(?:[ -]?\(?\d{1,4}\)?){1,6}(?!\w)",
            r"(?<!\w)\(\d{3}\) ?\d{3}-\d{4}(?!\w)",  # (555) 123-4567
            r"(?<!\d)1[3-9]\d{9}(?!\d)",  # mainland China mobile
        ),
    ),
    SensitiveFormat(
        "bank_account",
        ("bankAccount",),
        (
            # IBAN, plain or in groups of four: "DE89 3704 0044 0532 0130 00"
            r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?"
            r"(?![A-Za-z0-9])",
        ),
    ),
    SensitiveFormat(
        "tax_id",
        ("taxId",),
        (r"(?<![A-Za-z0-9])[A-Z]{2}\d{8,12}(?![A-Za-z0-9])",),  # EU VAT style
    ),
    SensitiveFormat(
        "national_id",
        ("nationalId",),
        (
            r"(?<!\d)\d{17}[\dXx](?![A-Za-z0-9])",  # PRC resident identity card
            r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)",  # US SSN
            r"(?<![A-Za-z0-9])ID\d{8,12}(?![A-Za-z0-9])",
        ),
    ),
)


def _sees_all(ontology: Ontology, properties: tuple[str, ...], roles: tuple[str, ...]) -> bool:
    found = [
        prop
        for cls in ontology.concrete_classes()
        for name, prop in ontology.sensitive_properties(cls.name).items()
        if name in properties
    ]
    return bool(found) and all(p.visible_for(roles) for p in found)


def redaction_for(ontology: Ontology, role: str | None) -> RedactionRules:
    """Redaction rules for callers holding ``role`` (None: anonymous, everything masked).

    Raises UnknownTermError (with a did-you-mean hint) for a role the ontology lacks.
    """
    roles: tuple[str, ...] = ()
    if role is not None:
        if role not in ontology.role_keys():
            raise UnknownTermError("role", role, sorted(ontology.role_keys()))
        roles = (role,)
    patterns = [
        pattern
        for fmt in FORMATS
        if not _sees_all(ontology, fmt.properties, roles)
        for pattern in fmt.patterns
    ]
    return RedactionRules(patterns=tuple(patterns))
