"""The names a GraphQL write may use: those the reads show, and the model's own.

Reads name a class by its GraphQL type (``Book``, namespaced only where two classes
share a local name) and a property by its GraphQL field (``title``); the change pipeline
speaks the model's names (``lib__Book``, ``lib__title``). A write given either form is
translated here, at the boundary, so the pipeline keeps one vocabulary; a name that is
neither is refused with the names reads show and a did-you-mean.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from semgraph.exceptions import UnknownTermError
from semgraph.ontology.model import Ontology
from semgraph.reads.model import EntityType, field_names


@dataclass(frozen=True)
class _ClassNames:
    """One class's write vocabulary: accepted name → model name."""

    type_name: str
    properties: dict[str, str] = field(default_factory=dict)
    relationships: dict[str, str] = field(default_factory=dict)
    shown_properties: tuple[str, ...] = ()
    shown_relationships: tuple[str, ...] = ()


class WriteNames:
    """Translates the class, property and relationship names of a GraphQL write into the
    model's names. Built once per schema from the ontology and the GraphQL model."""

    def __init__(self, ontology: Ontology, model: Mapping[str, EntityType]) -> None:
        self._ontology = ontology
        self._classes: dict[str, str] = {}
        self._per_class: dict[str, _ClassNames] = {}
        for label, entity in model.items():
            self._classes[entity.name] = label
            self._classes.setdefault(label, label)
            gql = field_names(ontology, label)
            datatype = ontology.datatype_properties(label)
            objects = ontology.object_properties(label)
            props = {gql[n]: n for n in datatype if n != "id"}
            rels = {gql[n]: n for n in objects}
            self._per_class[label] = _ClassNames(
                type_name=entity.name,
                properties={**{n: n for n in datatype if n != "id"}, **props},
                relationships={**{n: n for n in objects}, **rels},
                shown_properties=tuple(sorted(props)),
                shown_relationships=tuple(sorted(rels)),
            )
        self._shown_classes = tuple(sorted(e.name for e in model.values()))

    def cls(self, name: str) -> str:
        """The model name of the class a write calls ``name`` (GraphQL type or model name).

        Raises:
            UnknownTermError: no class goes by that name; the hint suggests the closest.
        """
        found = self._classes.get(name)
        if found is None:
            try:  # an abstract class: the pipeline refuses it and says why
                return self._ontology.cls(name).name
            except UnknownTermError:
                pass
            raise UnknownTermError("class", name, self._shown_classes)
        return found

    def properties(self, cls: str, props: Mapping[str, Any]) -> dict[str, Any]:
        """``props`` (of the model class ``cls``) keyed by the model's property names.

        Raises:
            UnknownTermError: a property the class lacks (the GraphQL field names are
                offered); ``id`` passes through for the pipeline to refuse as it does.
        """
        names = self._per_class.get(cls)
        if names is None:
            return dict(props)
        out: dict[str, Any] = {}
        for given, value in props.items():
            model_name = names.properties.get(given)
            if model_name is None:
                if given == "id":
                    model_name = given
                else:
                    raise UnknownTermError(
                        "property", given, names.shown_properties, where=names.type_name
                    )
            out[model_name] = value
        return out

    def relationship(self, cls: str, name: str) -> str:
        """The model name of relationship ``name`` going out of the model class ``cls``.

        Raises:
            UnknownTermError: the class has no such outgoing relationship.
        """
        names = self._per_class.get(cls)
        if names is None:
            return name
        found = names.relationships.get(name)
        if found is None:
            raise UnknownTermError(
                "relationship", name, names.shown_relationships, where=names.type_name
            )
        return found
