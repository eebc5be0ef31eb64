"""GraphQL types of the change pipeline: the change input, rule results, impact, audit.

``ChangeInput`` mirrors ``semgraph.changes.model.ChangeSet`` without its context: who
changes, from where, comes from the request (``Caller``), never from the input.
Results are the W3C validation report's terms plus semgraph's business annotations.
"""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Any, cast

import strawberry
from pydantic import TypeAdapter, ValidationError
from strawberry.scalars import JSON

from semgraph.api.graphql.auth import Caller
from semgraph.api.graphql.masking import ResultMasker, class_of_iri
from semgraph.api.graphql.write_names import WriteNames
from semgraph.changes.audit import AuditEntry
from semgraph.changes.model import MAX_OPERATIONS, ChangeContext, ChangeSet, Operation
from semgraph.changes.pipeline import ChangeResult
from semgraph.exceptions import InvalidInputError
from semgraph.validation.results import ValidationResult

_OPERATION: TypeAdapter[Operation] = TypeAdapter(Operation)


@strawberry.enum(description="What one change operation does.")
class ChangeOp(Enum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    LINK = "link"
    UNLINK = "unlink"


@strawberry.input(description="One operation: create/update/delete an entity, or (un)link two.")
class ChangeOperationInput:
    op: ChangeOp
    class_: str | None = strawberry.field(default=None, name="class")
    id: str | None = None
    properties: JSON | None = strawberry.field(
        default=None, description="Property → value; null removes it (update)."
    )
    rel: str | None = None
    from_class: str | None = None
    from_id: str | None = None
    to_class: str | None = None
    to_id: str | None = None
    expected_version: int | None = strawberry.field(
        default=None, description="Refuse with CONFLICT unless the entity is at this version."
    )


@strawberry.input(description="A change set; applied atomically. Who and from where: the request.")
class ChangeInput:
    operations: list[ChangeOperationInput]
    reason: str = ""
    customer_approved: bool = False


def _operation(index: int, o: ChangeOperationInput, names: WriteNames) -> Operation:
    raw: dict[str, Any] = {"op": o.op.value}
    fields: dict[str, Any]
    if o.op in (ChangeOp.LINK, ChangeOp.UNLINK):
        from_cls = names.cls(o.from_class) if o.from_class is not None else None
        fields = {
            "rel": names.relationship(from_cls, o.rel)
            if from_cls is not None and o.rel is not None
            else o.rel,
            "from_cls": from_cls,
            "from_id": o.from_id,
            "to_cls": names.cls(o.to_class) if o.to_class is not None else None,
            "to_id": o.to_id,
        }
    else:
        cls = names.cls(o.class_) if o.class_ is not None else None
        fields = {"class": cls, "id": o.id, "expected_version": o.expected_version}
        if o.op is not ChangeOp.DELETE:
            props: Any = o.properties if o.properties is not None else {}
            if cls is not None and isinstance(props, dict):
                props = names.properties(cls, props)
            fields["properties"] = props
    raw.update({k: v for k, v in fields.items() if v is not None})
    try:
        return _OPERATION.validate_python(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"][1:]) or "operation"
        raise InvalidInputError(
            f"operation {index + 1} ({o.op.value}): {where}: {first['msg']}",
            hint="create/update need class and id; link/unlink need rel, fromClass, fromId, "
            "toClass, toId; property values are strings, numbers, booleans or null",
        ) from None


def change_set(change: ChangeInput, caller: Caller, names: WriteNames) -> ChangeSet:
    """The pipeline's change set: operations from the input, context from the caller.
    Classes, properties and relationships may be named as reads show them (``Book``,
    ``title``) or by the model's names (``lib__Book``); ``names`` translates them.

    Raises:
        InvalidInputError: an operation lacks a field or has a value of the wrong shape.
        UnknownTermError: a class, property or relationship no read or model name matches.
    """
    if not change.operations:
        raise InvalidInputError("a change needs at least one operation")
    try:
        context = ChangeContext(
            actor=caller.actor,
            role=caller.role,
            source_system=caller.source_system or "graphql",
            session_id=caller.session_id or uuid.uuid4().hex,
            device_fingerprint=caller.device_fingerprint or "unknown",
            reason=change.reason,
            customer_approved=change.customer_approved,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInputError(f"{first['loc'][0]}: {first['msg']}") from None
    if len(change.operations) > MAX_OPERATIONS:
        raise InvalidInputError(
            f"a change set holds at most {MAX_OPERATIONS} operations, not {len(change.operations)}",
            hint="split it into several change sets (each is atomic on its own)",
        )
    operations = [_operation(i, o, names) for i, o in enumerate(change.operations)]
    return ChangeSet(context=context, operations=operations)


@strawberry.type(description="One rule result (sh:ValidationResult) with business annotations.")
class RuleResult:
    focus_node: str
    focus_class: str | None
    path: str | None
    value: str | None
    shape: str
    severity: str = strawberry.field(description="Violation (blocks), Warning or Info.")
    message_en: str
    message_zh: str
    risk_level: str | None
    business_area: str | None
    notify_role: str | None
    accounting_ref: str | None
    recommended_review: str | None
    pre_existing: bool = strawberry.field(
        description="A Violation the graph already had: reported, not blocking."
    )
    masked: bool = strawberry.field(description="Values hidden: the rule reads a masked field.")


def rule_result(r: ValidationResult, masker: ResultMasker, caller: Caller) -> RuleResult:
    shown, masked = masker.result(r, caller.roles)
    return RuleResult(
        focus_node=shown.focus_node,
        focus_class=shown.focus_class,
        path=shown.path,
        value=shown.value,
        shape=shown.shape,
        severity=shown.severity,
        message_en=shown.message_en,
        message_zh=shown.message_zh,
        risk_level=shown.risk_level,
        business_area=shown.business_area,
        notify_role=shown.notify_role,
        accounting_ref=shown.accounting_ref,
        recommended_review=shown.recommended_review,
        pre_existing=shown.pre_existing,
        masked=masked,
    )


def result_extension(r: RuleResult) -> dict[str, Any]:
    """A rule result as plain JSON for ``extensions.results`` of a refused change."""
    return {
        "focusNode": r.focus_node,
        "focusClass": r.focus_class,
        "path": r.path,
        "value": r.value,
        "shape": r.shape,
        "severity": r.severity,
        "messageEn": r.message_en,
        "messageZh": r.message_zh,
        "riskLevel": r.risk_level,
        "accountingRef": r.accounting_ref,
        "notifyRole": r.notify_role,
        "recommendedReview": r.recommended_review,
        "preExisting": r.pre_existing,
        "masked": r.masked,
    }


@strawberry.type(description="An entity reached over the ontology's impact relationships.")
class ImpactStep:
    iri: str
    class_: str = strawberry.field(name="class")
    via: str = strawberry.field(description="Relationship type walked to reach it.")
    depth: int
    path: str = strawberry.field(description="Human-readable path from the changed entity.")


def impact_step(step: dict[str, Any]) -> ImpactStep:
    return ImpactStep(
        iri=step["iri"], class_=step["cls"], via=step["via"], depth=step["depth"], path=step["path"]
    )


@strawberry.type(description="An entity a change operation touched.")
class TouchedEntity:
    op: str
    class_: str = strawberry.field(name="class")
    iri: str


@strawberry.type(description="What a change does (proposeChange) or did (applyChange).")
class ChangeOutcome:
    change_id: str
    committed: bool
    conforms: bool = strawberry.field(description="No Violation introduced: it may be applied.")
    results: list[RuleResult]
    violations: list[RuleResult] = strawberry.field(description="The blocking results.")
    impact: list[ImpactStep]
    touched: list[TouchedEntity]
    focus: list[str] = strawberry.field(description="Focus nodes re-validated for this change.")


def change_outcome(result: ChangeResult, masker: ResultMasker, caller: Caller) -> ChangeOutcome:
    results = [rule_result(r, masker, caller) for r in result.results]
    blocking = [
        rr
        for rr, r in zip(results, result.results, strict=True)
        if r.severity == "Violation" and not r.pre_existing
    ]
    return ChangeOutcome(
        change_id=result.change_id,
        committed=result.committed,
        conforms=not blocking,
        results=results,
        violations=blocking,
        impact=[impact_step(s) for s in result.impact],
        touched=[TouchedEntity(op=t["op"], class_=t["cls"], iri=t["iri"]) for t in result.touched],
        focus=result.focus,
    )


@strawberry.type(description="A rule that fired on a change.")
class FiredRule:
    rule: str
    severity: str | None
    focus: str | None
    message: str | None


@strawberry.type(description="An entity a change impacted, with the path.")
class ImpactedEntity:
    iri: str
    depth: int | None
    path: str | None


@strawberry.type(
    name="AuditEntry",
    description="One change event: who, when, from where, what, and its reach.",
)
class AuditEntryView:
    change_id: str
    at: str
    actor: str
    role: str
    source_system: str
    session_id: str
    device_fingerprint: str
    reason: str
    summary: str
    op: str | None = strawberry.field(
        description="What the change did to the entity: create, update or delete, else its "
        "first link or unlink."
    )
    ops: list[str] = strawberry.field(
        description="Every operation of the change on the entity, e.g. create, link:salesOrder."
    )
    before: JSON | None = strawberry.field(description="Properties before; masked ones null.")
    after: JSON | None = strawberry.field(description="Properties after; masked ones null.")
    masked_fields: list[str]
    fired: list[FiredRule]
    impacted: list[ImpactedEntity]


def audit_entry(
    entry: AuditEntry, iri: str, masker: ResultMasker, caller: Caller
) -> AuditEntryView:
    cls = class_of_iri(iri)
    before, hidden_before = masker.properties(cls, entry.before, caller.roles)
    after, hidden_after = masker.properties(cls, entry.after, caller.roles)
    fired = []
    for f in entry.fired:
        message = f.get("message")
        if message and masker.rule_hidden(str(f.get("rule")), caller.roles):
            message = masker.masked_text(str(f.get("rule")), "en", message)
        fired.append(
            FiredRule(
                rule=str(f.get("rule")),
                severity=f.get("severity"),
                focus=f.get("focus"),
                message=message,
            )
        )
    return AuditEntryView(
        change_id=entry.change_id,
        at=entry.at,
        actor=entry.actor,
        role=entry.role,
        source_system=entry.source_system,
        session_id=entry.session_id,
        device_fingerprint=entry.device_fingerprint,
        reason=entry.reason,
        summary=entry.summary,
        op=entry.op,
        ops=entry.ops,
        before=cast(JSON, before),
        after=cast(JSON, after),
        masked_fields=sorted(set(hidden_before) | set(hidden_after)),
        fired=fired,
        impacted=[
            ImpactedEntity(iri=i["iri"], depth=i.get("depth"), path=i.get("path"))
            for i in entry.impacted
        ],
    )
