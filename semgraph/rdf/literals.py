"""Literal ↔ Neo4j property codec: native values where lossless, a tagged string otherwise.

The values of one (subject, predicate) pair live under up to three property keys of the
subject node, where ``name`` is the predicate's Neo4j name (see ``names``):

* ``name`` — native Neo4j values (a scalar, or a homogeneous list for several values)
  when every literal converts to the same Neo4j type and back to the *identical* RDF
  term: plain strings, ``xsd:string``, ``xsd:integer`` (64-bit), ``xsd:boolean``,
  ``xsd:double``, ``xsd:decimal`` (when the float renders back to the same lexical form),
  ``xsd:date`` and ``xsd:dateTime`` with a time zone.
* ``_dt_{name}`` — the datatype's Neo4j name, only when it is not the default of the
  Neo4j type (``xsd:string`` on a string, ``xsd:decimal`` on a float).
* ``_lit_{name}`` — a list of tagged strings for everything else (language tags, other
  datatypes, mixed lists, out-of-range numbers): ``"lexical`` for a plain literal,
  ``@lang lexical`` and ``^^datatypeName lexical``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import neo4j.time
from rdflib import XSD, Literal, URIRef

from semgraph.exceptions import InvalidInputError
from semgraph.rdf.names import PrefixRegistry

LITERAL_KEY_PREFIX = "_lit_"
DATATYPE_KEY_PREFIX = "_dt_"

NativeValue = str | bool | int | float | dt.date | dt.datetime

_INT64 = (-(2**63), 2**63 - 1)
# The datatype a native value stands for when no ``_dt_`` key says otherwise.
_DEFAULT_DATATYPE: dict[type, URIRef | None] = {
    str: None,
    bool: XSD.boolean,
    int: XSD.integer,
    float: XSD.double,
    dt.date: XSD.date,
    dt.datetime: XSD.dateTime,
}
_ALTERNATE_DATATYPES: dict[type, frozenset[URIRef]] = {
    str: frozenset({XSD.string}),
    float: frozenset({XSD.decimal}),
}


def _candidate(lit: Literal) -> NativeValue | None:
    """The native value ``lit`` would be stored as, before the lossless check."""
    if lit.language is not None:
        return None
    datatype, value = lit.datatype, lit.value
    if datatype is None or datatype == XSD.string:
        return str(lit)
    if datatype == XSD.boolean and type(value) is bool:
        return value
    if datatype == XSD.integer and type(value) is int and _INT64[0] <= value <= _INT64[1]:
        return value
    if datatype == XSD.double and type(value) is float:
        return value
    if datatype == XSD.decimal and isinstance(value, Decimal) and value.is_finite():
        return float(value)
    if datatype == XSD.date and type(value) is dt.date:
        return value
    if datatype == XSD.dateTime and type(value) is dt.datetime and value.utcoffset() is not None:
        return value
    return None


def to_native(lit: Literal) -> NativeValue | None:
    """The Neo4j value that stores ``lit`` without loss, or None when there is none."""
    value = _candidate(lit)
    if value is None:
        return None
    back = from_native(value, lit.datatype)
    same = str(back) == str(lit) and back.datatype == lit.datatype and back.language is None
    return value if same else None


def from_native(value: Any, datatype: str | None = None) -> Literal:
    """The literal a native Neo4j value stands for; ``datatype`` is the ``_dt_`` marker.

    A marker that does not fit the value's type is ignored (the value was rewritten
    natively since it was imported).

    Raises:
        InvalidInputError: the value is not of a type this mapping produces.
    """
    if isinstance(value, neo4j.time.DateTime | neo4j.time.Date):
        value = value.to_native()
    kind = type(value)
    if kind not in _DEFAULT_DATATYPE:
        raise InvalidInputError(f"a Neo4j {kind.__name__} value has no RDF mapping")
    if kind is dt.datetime and value.utcoffset() is None:
        raise InvalidInputError("a DateTime without time zone has no lossless RDF mapping")
    target = _DEFAULT_DATATYPE[kind]
    if datatype is not None and URIRef(datatype) in _ALTERNATE_DATATYPES.get(kind, ()):
        target = URIRef(datatype)
    if target is None:
        return Literal(value)
    if target == XSD.decimal:
        try:
            return Literal(Decimal(repr(value)), datatype=XSD.decimal)
        except InvalidOperation:
            return Literal(value, datatype=XSD.double)
    return Literal(value, datatype=target)


def make_literal(lexical: str, lang: str | None = None, datatype: str | None = None) -> Literal:
    """The literal of a lexical form, normalised as rdflib does unless it is ill-typed.

    rdflib rewrites a lexical form from the value it parses, and for some datatypes it
    finds a value in an ill-typed form (``"none"^^xsd:boolean`` becomes ``"false"``,
    flagged ill-typed only in memory). Stored, that would be a valid boolean; an
    ill-typed literal is kept exactly as written, so SHACL's ``sh:datatype`` sees it.
    """
    lit = Literal(lexical, lang=lang, datatype=datatype)
    if lit.ill_typed and str(lit) != lexical:
        return Literal(lexical, lang=lang, datatype=datatype, normalize=False)
    return lit


def encode_literal(lit: Literal, registry: PrefixRegistry) -> str:
    """The tagged string of ``lit`` (reversible with ``decode_literal``)."""
    if lit.language is not None:
        return f"@{lit.language} {lit}"
    if lit.datatype is not None:
        return f"^^{registry.to_name(lit.datatype)} {lit}"
    return f'"{lit}'


def decode_literal(text: str, registry: PrefixRegistry) -> Literal:
    """The literal of a tagged string written by ``encode_literal``.

    Raises:
        InvalidInputError: ``text`` is not a tagged literal.
    """
    if text.startswith('"'):
        return Literal(text[1:])
    if text.startswith("@"):
        lang, sep, lexical = text[1:].partition(" ")
        if sep:
            return Literal(lexical, lang=lang)
    elif text.startswith("^^"):
        name, sep, lexical = text[2:].partition(" ")
        if sep:
            return Literal(lexical, datatype=registry.to_iri(name), normalize=False)
    raise InvalidInputError(f"`{text[:80]}` is not an encoded literal")


def encode_property(
    name: str, literals: Sequence[Literal], registry: PrefixRegistry
) -> dict[str, Any]:
    """The keys to set on a node for all values of one predicate; None removes a key.

    ``literals`` must be non-empty; the result always names all three keys, so a write
    replaces whatever an earlier import stored for this predicate.
    """
    ordered = sorted(literals, key=lambda lit: (str(lit.datatype), lit.language or "", str(lit)))
    natives = [to_native(lit) for lit in ordered]
    kinds = {type(v) for v in natives}
    datatypes = {lit.datatype for lit in ordered}
    lit_key, dt_key = LITERAL_KEY_PREFIX + name, DATATYPE_KEY_PREFIX + name
    if None not in natives and len(kinds) == 1 and len(datatypes) == 1:
        kind, datatype = kinds.pop(), datatypes.pop()
        default = _DEFAULT_DATATYPE[kind]
        marker = None if datatype == default or datatype is None else registry.to_name(datatype)
        value: Any = natives[0] if len(natives) == 1 else natives
        return {name: value, dt_key: marker, lit_key: None}
    encoded = [encode_literal(lit, registry) for lit in ordered]
    return {name: None, dt_key: None, lit_key: encoded}


def decode_property(name: str, props: dict[str, Any], registry: PrefixRegistry) -> list[Literal]:
    """Every literal stored under ``name`` (native, marked or encoded) on a node."""
    out: list[Literal] = []
    native = props.get(name)
    if native is not None:
        marker = props.get(DATATYPE_KEY_PREFIX + name)
        datatype = registry.to_iri(marker) if isinstance(marker, str) else None
        for value in native if isinstance(native, list) else [native]:
            out.append(from_native(value, datatype))
    encoded = props.get(LITERAL_KEY_PREFIX + name)
    if encoded is not None:
        for text in encoded if isinstance(encoded, list) else [encoded]:
            out.append(decode_literal(str(text), registry))
    return out
