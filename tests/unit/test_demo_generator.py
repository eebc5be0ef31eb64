"""The demo generator, without a database: exact size, unique ids, links that resolve."""

from __future__ import annotations

from collections import Counter

import pytest

from semgraph.demo import conflict_count, generate, size_demo
from semgraph.demo.plan import CONFLICTS
from semgraph.exceptions import InvalidInputError
from semgraph.ontology.model import Ontology


@pytest.fixture(scope="module")
def ontology() -> Ontology:
    return Ontology.load()


def test_a_demo_has_exactly_the_requested_number_of_entities(ontology: Ontology) -> None:
    for n in (1_000, 1_234, 5_000):
        assert sum(len(b) for b in generate(n, 42, ontology)) == n


def test_every_concrete_class_is_generated_with_sane_proportions(ontology: Ontology) -> None:
    counts: Counter[str] = Counter()
    for batch in generate(1_000, 42, ontology):
        counts[batch.cls] += len(batch)
    assert set(counts) == {c.name for c in ontology.concrete_classes()}
    assert counts["Role"] == len(ontology.access_roles())
    assert counts["LegalEntity"] <= 10
    assert counts["OrderLine"] > counts["SalesOrder"] > counts["Customer"] / 2
    assert counts["ServiceLevelAgreement"] == counts["Contract"]
    assert counts["SystemRecord"] >= counts["Customer"]


def test_ids_are_unique_and_every_link_points_to_an_earlier_entity(ontology: Ontology) -> None:
    seen: dict[str, str] = {}
    prefixes = {c.name: c.id_prefix for c in ontology.concrete_classes()}
    for batch in generate(1_000, 7, ontology):
        assert len(batch) <= 10_000
        for row in batch.rows:  # a row may link to an earlier row of its batch (managers)
            for link in batch.links:
                value = row["links"].get(link.key)
                for target in value if link.many else [value]:
                    if target is not None:
                        assert seen.get(target) == link.target, (batch.cls, link, target)
            entity_id = row["props"]["id"]
            assert entity_id not in seen
            assert entity_id.startswith(f"{prefixes[batch.cls]}-")
            seen[entity_id] = batch.cls


def test_same_seed_same_data_other_seed_other_data(ontology: Ontology) -> None:
    def rows(seed: int) -> list[object]:
        return [(b.cls, b.rows) for b in generate(1_000, seed, ontology)]

    assert rows(3) == rows(3)
    assert rows(3) != rows(4)


def test_each_seeded_conflict_is_present_in_a_small_demo(ontology: Ontology) -> None:
    size = size_demo(1_000, 42, ontology)
    for kind in CONFLICTS:
        assert conflict_count(kind, size.customers) == 1
    assert conflict_count("credit_limit_mismatch", 10_000) == 50  # 0.5 %


def test_sizes_outside_the_supported_range_are_refused(ontology: Ontology) -> None:
    with pytest.raises(InvalidInputError, match="between"):
        size_demo(10, 42, ontology)
