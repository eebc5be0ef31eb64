"""A user's own ontology alone (tests/fixtures/ontologies/library.ttl: no sg: terms, no
Employee, Role or hasRole, no roles) runs the whole path: the change pipeline commits
valid changes and refuses what the ontology's restrictions forbid, GraphQL reads and
writes with the derived types, full validation checks the graph, and with no roles
declared the admin role writes everything and other roles nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import neo4j
import pytest

from semgraph.bootstrap import Container
from semgraph.changes.model import ChangeSet, CreateEntity, LinkEntities
from semgraph.config import Settings
from semgraph.exceptions import ChangeRefusedError, UnknownTermError
from semgraph.paths import REPO_ROOT
from semgraph.rdf.names import read_registry
from tests.integration.graphql_harness import Gql, api_settings, running
from tests.integration.world import ctx

LIBRARY = REPO_ROOT / "tests" / "fixtures" / "ontologies" / "library.ttl"
# GraphQL names are the local ones: type Book, fields title, pages, writtenBy, name
BOOKS = """{ books(sort: [{title: ASC}], where: {pages: {gt: 100}}) { totalCount
  edges { node { id title pages writtenBy { id name } } } } }"""
APPLY = "mutation($c: ChangeInput!) { applyChange(change: $c) { committed violations { shape } } }"


@pytest.fixture
def library(empty_db: neo4j.Driver, settings: Settings, tmp_path: Path) -> Iterator[Container]:
    shapes = tmp_path / "shapes"  # the user's ontology only: none of semgraph's own shapes
    shapes.mkdir()
    own = settings.model_copy(update={"ontology_files": [LIBRARY], "shapes_dir": shapes})
    c = Container(own)
    c.ensure_schema()
    yield c
    c.close()


def _book(c: Container, id: str, role: str = "admin", **props: object) -> ChangeSet:
    return ChangeSet(
        context=ctx(role=role),
        operations=[CreateEntity(cls="lib__Book", id=id, properties=dict(props))],
    )


def test_the_pipeline_commits_and_refuses_by_the_users_own_ontology(library: Container) -> None:
    done = library.changes.apply(
        ChangeSet(
            context=ctx(role="admin"),
            operations=[
                CreateEntity(cls="lib__Author", id="A1", properties={"lib__name": "F. Herbert"}),
                CreateEntity(
                    cls="lib__Book", id="B1", properties={"lib__title": "Dune", "lib__pages": 412}
                ),
                LinkEntities(
                    rel="lib__writtenBy",
                    from_cls="lib__Book",
                    from_id="B1",
                    to_cls="lib__Author",
                    to_id="A1",
                ),
            ],
        )
    )
    assert done.committed and not done.violations

    # `lib:Book rdfs:subClassOf [ owl:onProperty lib:title ; owl:cardinality 1 ]`
    with pytest.raises(ChangeRefusedError) as refused:
        library.changes.apply(_book(library, "B2", lib__pages=10))
    assert "“title”: required" in str(refused.value)
    assert not library.driver.execute_query("MATCH (b:lib__Book {id: 'B2'}) RETURN b").records, (
        "nothing of the refused change is written"
    )

    registry = read_registry(library.driver, library.settings.neo4j_database)
    assert registry.prefix_of("http://example.org/library#") == "lib"
    assert library.validate_all().outcome.conforms


def test_without_roles_in_the_ontology_admin_writes_everything_and_others_nothing(
    library: Container,
) -> None:
    assert library.changes.apply(_book(library, "B3", lib__title="Emma")).committed
    with pytest.raises(UnknownTermError) as refused:
        library.changes.apply(_book(library, "B4", role="csm", lib__title="Persuasion"))
    assert "`csm`" in str(refused.value) and "admin" in str(refused.value.hint)
    assert library.ontology.role_keys() == {"admin"}


def test_graphql_reads_and_writes_with_the_derived_types(library: Container) -> None:
    from semgraph.api.app import create_app

    app = create_app(library.settings, library, api_settings())
    with running(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        gql = Gql(client)
        write = {
            "operations": [
                {
                    "op": "CREATE",
                    "class": "lib__Author",
                    "id": "A9",
                    "properties": {"lib__name": "J. Austen"},
                },
                {
                    "op": "CREATE",
                    "class": "lib__Book",
                    "id": "B9",
                    "properties": {"lib__title": "Emma", "lib__pages": 474},
                },
                {
                    "op": "LINK",
                    "rel": "lib__writtenBy",
                    "fromClass": "lib__Book",
                    "fromId": "B9",
                    "toClass": "lib__Author",
                    "toId": "A9",
                },
            ]
        }
        applied = gql(APPLY, c=write)["applyChange"]
        assert applied["committed"], applied
        books = gql(BOOKS)["books"]
        assert books["totalCount"] == 1
        node = books["edges"][0]["node"]
        assert node == {
            "id": "B9",
            "title": "Emma",
            "pages": 474,
            "writtenBy": [{"id": "A9", "name": "J. Austen"}],
        }
        one = gql('{ author(id: "A9") { name books { title } } }')
        assert one["author"] == {"name": "J. Austen", "books": [{"title": "Emma"}]}
        stats = gql("{ booksAggregate { count pages { max } } }")["booksAggregate"]
        assert stats["count"] == 1 and stats["pages"]["max"] == 474
        typename = gql('{ book(id: "B9") { __typename } }')["book"]["__typename"]
        assert typename == "Book"


def test_graphql_writes_take_the_names_reads_show(library: Container) -> None:
    from semgraph.api.app import create_app

    app = create_app(library.settings, library, api_settings())
    with running(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        gql = Gql(client)
        write = {
            "operations": [
                {"op": "CREATE", "class": "Author", "id": "A7", "properties": {"name": "Eliot"}},
                {
                    "op": "CREATE",
                    "class": "Book",
                    "id": "B7",
                    # a read name and a model name side by side
                    "properties": {"title": "Middlemarch", "lib__pages": 880},
                },
                {
                    "op": "LINK",
                    "rel": "writtenBy",
                    "fromClass": "Book",
                    "fromId": "B7",
                    "toClass": "Author",
                    "toId": "A7",
                },
            ]
        }
        assert gql(APPLY, c=write)["applyChange"]["committed"]
        book = gql('{ book(id: "B7") { title pages writtenBy { name } } }')["book"]
        assert book == {"title": "Middlemarch", "pages": 880, "writtenBy": [{"name": "Eliot"}]}
        update = {"op": "UPDATE", "class": "Book", "id": "B7", "properties": {"pages": 900}}
        assert gql(APPLY, c={"operations": [update]})["applyChange"]["committed"]
        assert gql('{ book(id: "B7") { pages } }')["book"] == {"pages": 900}

        def refused(op: dict[str, object]) -> dict[str, object]:
            error = gql.error(APPLY, c={"operations": [op]})
            assert error["extensions"]["code"] == "UNKNOWN_TERM", error
            return error

        bad_class = refused({"op": "CREATE", "class": "Bok", "id": "B8", "properties": {}})
        assert "`Bok`" in bad_class["message"] and "`Book`" in bad_class["extensions"]["hint"]
        bad_prop = refused(
            {"op": "CREATE", "class": "Book", "id": "B8", "properties": {"titel": "x"}}
        )
        assert "`titel` on Book" in bad_prop["message"]
        assert "`title`" in bad_prop["extensions"]["hint"]
        bad_rel = refused(
            {
                "op": "LINK",
                "rel": "writenBy",
                "fromClass": "Book",
                "fromId": "B7",
                "toClass": "Author",
                "toId": "A7",
            }
        )
        assert "`writtenBy`" in bad_rel["extensions"]["hint"]
    assert not library.driver.execute_query("MATCH (b:lib__Book {id: 'B8'}) RETURN b").records


def test_a_read_of_a_class_lists_its_subclasses_instances(library: Container) -> None:
    # lib:Book rdfs:subClassOf lib:Work: `works` lists books too, with Work's fields
    work = CreateEntity(cls="lib__Work", id="W1", properties={"lib__title": "Beowulf"})
    assert library.changes.apply(ChangeSet(context=ctx(role="admin"), operations=[work])).committed
    assert library.changes.apply(
        _book(library, "B5", lib__title="Walden", lib__pages=352)
    ).committed
    from semgraph.api.app import create_app

    app = create_app(library.settings, library, api_settings())
    with running(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        gql = Gql(client)
        works = gql("{ works(sort: [{title: ASC}]) { totalCount edges { node { id title } } } }")
        assert works["works"]["totalCount"] == 2
        assert [e["node"] for e in works["works"]["edges"]] == [
            {"id": "W1", "title": "Beowulf"},
            {"id": "B5", "title": "Walden"},
        ]
        assert gql('{ work(id: "B5") { title } }')["work"] == {"title": "Walden"}
        assert gql("{ worksAggregate { count } }")["worksAggregate"]["count"] == 2
        # the subclass's own list holds only its own instances
        assert gql("{ books { totalCount } }")["books"]["totalCount"] == 1
    # the node keeps only its own class label: export and validation see one rdf:type
    labels = library.driver.execute_query("MATCH (b {id: 'B5'}) RETURN labels(b) AS l").records
    assert len(labels) == 1 and "lib__Book" in labels[0]["l"]
    assert "lib__Work" not in labels[0]["l"]
