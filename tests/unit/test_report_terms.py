"""The RDF terms a W3C report is built from: path structures and tagged messages."""

from __future__ import annotations

from rdflib import SH, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from semgraph.validation.report_terms import MessageLanguages, path_turtle

EX = "http://example.org/"


def test_a_path_becomes_a_turtle_expression_of_its_structure() -> None:
    g = Graph().parse(
        data=f"""@prefix sh: <{SH}> . @prefix ex: <{EX}> .
        ex:s sh:path ( [ sh:inversePath ex:p ]
                       [ sh:alternativePath ( ex:a [ sh:zeroOrMorePath ex:b ] ) ] ) .""",
        format="turtle",
    )
    text = path_turtle(g, g.value(URIRef(EX + "s"), SH.path))
    assert text is not None
    back = Graph().parse(data=f"<{EX}s> <{SH.path}> {text} .", format="turtle")
    assert isomorphic(back, g)
    assert path_turtle(g, URIRef(EX + "p")) == f"<{EX}p>"


def test_a_filled_in_message_gets_back_its_templates_language() -> None:
    shapes = Graph()
    shape = URIRef(EX + "Shape")
    shapes.add((shape, SH.message, Literal("{$this} lacks a name", lang="en")))
    shapes.add((shape, SH.message, Literal("{$this} 没有名称", lang="zh")))
    languages = MessageLanguages(shapes)
    filled = [Literal("ex:a lacks a name"), Literal("ex:a 没有名称"), Literal("other")]
    assert languages.tagged(filled, [shape]) == [
        '"ex:a lacks a name"@en',
        '"ex:a 没有名称"@zh',
        '"other"',
    ]
    assert languages.tagged(filled[:1], [URIRef(EX + "Elsewhere")]) == ['"ex:a lacks a name"']
