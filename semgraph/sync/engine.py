"""The mapping engine: one source row (a dict of column -> text) to a ``MappedRow``.

Pure logic, no I/O: the sync service decides what the mapped row means for the graph
(create, update, nothing). A row that cannot be mapped raises ``RowRejectedError`` naming the
field, its value and the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from semgraph.sync.errors import RowRejectedError
from semgraph.sync.mapping import KEY_SEPARATOR, FieldRule, TableMapping
from semgraph.sync.transforms import parse_date, parse_datetime, parse_decimal, parse_yes_no
from semgraph.sync.transforms import transform as transform_fn

Plain = str | int | float | bool | dt.date | dt.datetime


@dataclass(frozen=True)
class MappedRow:
    """What one source row says, in the ontology's terms.

    ``golden`` holds the entity's properties, ``record`` those of the system's record;
    values are Python values of the property's XSD type (decimal as float, dates as
    ``datetime.date``). ``references`` maps a relationship to (referenced table, key).
    """

    key: str
    golden: dict[str, Plain]
    record: dict[str, Plain]
    references: dict[str, tuple[str, str]] = field(default_factory=dict)
    match_value: str | None = None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _typed(value: object, datatype: str) -> Plain:
    """A transformed value as the Python type of ``datatype``; ValueError when it is not one."""
    if datatype == "string":
        return value.isoformat() if isinstance(value, dt.date) else _text(value)
    if datatype == "decimal":
        if isinstance(value, bool):
            raise ValueError("not a number")
        number = value if isinstance(value, Decimal | int | float) else parse_decimal(str(value))
        return float(number)
    if datatype == "integer":
        if isinstance(value, Decimal | float) and value == int(value):
            return int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        if not text.lstrip("+-").isdigit():
            raise ValueError("not a whole number")
        return int(text)
    if datatype == "boolean":
        return value if isinstance(value, bool) else parse_yes_no(str(value))
    if datatype == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        return value if isinstance(value, dt.date) else parse_date(str(value))
    if datatype == "dateTime":
        if isinstance(value, dt.datetime):
            return value
        if isinstance(value, dt.date):
            return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
        return parse_datetime(str(value))
    return _text(value)


def apply_rule(rule: FieldRule, raw: object) -> Plain | None:
    """The value ``rule`` writes for the source value ``raw`` (None: nothing to write).

    Order: constant, else the source text (empty -> ``default``), transform, value map,
    the property's type, its allowed codes. Raises RowRejectedError.
    """
    text = rule.constant if rule.constant is not None else _text(raw)
    if text.strip() == "" and rule.default is not None:
        text = rule.default
    fn = transform_fn(
        rule.transform, date_pattern=rule.date_pattern, separator=rule.decimal_separator
    )
    field_name = rule.source_field or rule.target_property
    mapped_codes = dict(rule.value_map)
    if text.strip() == "" and "" not in mapped_codes:
        return None
    try:
        value: object = fn(text)
        if isinstance(value, str) and value in mapped_codes:
            value = mapped_codes[value]
        if isinstance(value, str) and value == "":
            return None
        typed = _typed(value, rule.datatype)
    except ValueError as exc:
        raise RowRejectedError(field_name, text, f"{text!r} is {exc}") from None
    if rule.allowed_values and str(typed) not in rule.allowed_values:
        raise RowRejectedError(
            field_name,
            text,
            f"{typed!r} is not an allowed {rule.target_property} "
            f"({', '.join(rule.allowed_values)}); add a sgm:valueMap entry for it",
        )
    return typed


def map_row(mapping: TableMapping, row: Mapping[str, Any]) -> MappedRow:
    """Map one source row; raises RowRejectedError (missing key, bad value, bad code)."""
    parts: list[str] = []
    for rule in mapping.keys:
        value = apply_rule(rule, row.get(rule.source_field or ""))
        if value is None:
            raise RowRejectedError(
                rule.source_field or "", "", f"missing key: {rule.source_field} is empty"
            )
        parts.append(str(value))
    key = KEY_SEPARATOR.join(parts)
    golden: dict[str, Plain] = {}
    record: dict[str, Plain] = {"externalId": key}
    match_value: str | None = None
    for rule in mapping.fields:
        value = apply_rule(rule, row.get(rule.source_field or ""))
        if value is None:
            continue
        (record if rule.on_record else golden)[rule.target_property] = value
        if rule.match_key:
            match_value = str(value)
    references: dict[str, tuple[str, str]] = {}
    for ref in mapping.references:
        text = _text(row.get(ref.source_field)).strip()
        if ref.transform == "upper":
            text = text.upper()
        elif ref.transform == "lower":
            text = text.lower()
        if text:
            references[ref.relationship] = (ref.referenced_table, text)
    return MappedRow(key, golden, record, references, match_value)
