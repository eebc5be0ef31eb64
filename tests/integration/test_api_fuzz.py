"""Fuzzing the running API with hypothesis-graphql: valid and invalid queries and
mutations generated from the served schema, as a viewer and as an admin; no answer may
be an HTTP 5xx or carry INTERNAL_SERVER_ERROR.

Bounded for CI: ``SEMGRAPH_FUZZ_EXAMPLES`` requests per role, kind (queries, mutations)
and mode (valid, invalid), 250 by default: 2,000 in all. A longer run:
``SEMGRAPH_FUZZ_EXAMPLES=2500 pytest -s -o timeout=0 tests/integration/test_api_fuzz.py``
(10,000 per role); each case prints its counts on one line.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import graphql
import hypothesis_graphql as hg
import neo4j
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from semgraph.config import Settings
from tests.integration.graphql_harness import ContractApp, Gql, contract_app

EXAMPLES = int(os.environ.get("SEMGRAPH_FUZZ_EXAMPLES", "250"))


@pytest.fixture(scope="module")
def env(driver: neo4j.Driver, settings: Settings) -> Iterator[ContractApp]:
    yield from contract_app(driver, settings)


def served_schema(gql: Gql) -> graphql.GraphQLSchema:
    """The schema as a client sees it (introspection as admin), subscriptions left out."""
    data = gql(graphql.get_introspection_query())
    schema = graphql.build_client_schema(data)  # type: ignore[arg-type]
    return graphql.GraphQLSchema(
        query=schema.query_type, mutation=schema.mutation_type, types=list(schema.type_map.values())
    )


SCALARS: dict[str, st.SearchStrategy[graphql.ValueNode]] = {
    "JSON": st.sampled_from(
        [
            graphql.ObjectValueNode(fields=()),
            graphql.ObjectValueNode(
                fields=(
                    graphql.ObjectFieldNode(
                        name=graphql.NameNode(value="name"),
                        value=graphql.StringValueNode(value="fuzz"),
                    ),
                )
            ),
            graphql.StringValueNode(value="x"),
            graphql.IntValueNode(value="7"),
        ]
    ),
    "Date": st.sampled_from(["2026-01-31", "31/01/2026", ""]).map(
        lambda v: graphql.StringValueNode(value=v)
    ),
    "DateTime": st.sampled_from(["2026-01-31T10:00:00Z", "yesterday"]).map(
        lambda v: graphql.StringValueNode(value=v)
    ),
}


def fuzz(gql: Gql, strategy: st.SearchStrategy[str], examples: int, tally: Counter[str]) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(query=strategy)
    def one(query: str) -> None:
        response = gql.raw(query)
        tally["requests"] += 1
        tally[f"http_{response.status_code}"] += 1
        body: Any = response.json()
        codes = [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]
        tally.update(str(c) for c in codes)
        assert response.status_code < 500, (query, response.text[:500])
        assert "INTERNAL_SERVER_ERROR" not in codes, (query, response.text[:500])

    one()


@pytest.mark.parametrize("mode", [hg.Mode.POSITIVE, hg.Mode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("kind", ["queries", "mutations"])
@pytest.mark.parametrize("key", ["k-viewer", "k-admin"])
def test_generated_requests_never_get_a_server_error(
    env: ContractApp, key: str, kind: str, mode: hg.Mode
) -> None:
    make = hg.queries if kind == "queries" else hg.mutations
    strategy = make(served_schema(env.gql), custom_scalars=SCALARS, mode=mode)
    tally: Counter[str] = Counter()
    started = time.monotonic()
    fuzz(env.gql.as_key(key), strategy, EXAMPLES, tally)
    seconds = time.monotonic() - started
    print(f"fuzz {key} {kind} {mode.name}: {seconds:.0f} s {dict(sorted(tally.items()))}")
    assert tally["requests"] >= EXAMPLES, "hypothesis ran the requests"
    assert not any(k.startswith("http_5") for k in tally)
