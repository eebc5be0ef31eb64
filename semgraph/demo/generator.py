"""Deterministic, streaming generator of a consistent multi-system demo dataset.

``generate(entities, seed, ontology)`` yields ``Batch``es of one class each (at most
``MAX_BATCH`` rows) in dependency order: roles, legal entities, employees, warehouses,
products, stock, then chunks of customers with their CRM/ERP records, contacts,
opportunities, quotes, orders and lines, contracts with SLA, service credits, performance
obligations and revenue schedules, invoices, payments and support tickets. Exactly
``entities`` entities come out; the same seed gives the same data, and memory stays
bounded by one chunk of customers (nothing is built for the whole dataset).

Data is consistent (see ``sales`` and ``contracts`` for the invariants) except for a
documented 0.5 % of seeded business conflicts, defined in ONE place:
``semgraph.demo.plan.CONFLICTS`` (one customer in ``CONFLICT_EVERY`` = 200 per kind):

- ``erp_blocked_while_crm_active``: customer active in CRM, its ERP record blocked;
- ``credit_limit_mismatch``: ERP reportedCreditLimit ≠ the CRM / golden creditLimit;
- ``large_order_without_countersign``: A-rated customer, confirmed order > 500,000,
  ``legalCountersigned`` false;
- ``invoice_currency_mismatch``: contract invoice in another currency than its contract;
- ``order_line_over_stock``: confirmed order line quantity above the product's available
  stock (Σ quantityOnHand − quantityReserved over its stock items).

``conflict_count(kind, customers)`` says how many a demo holds.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from semgraph.demo.chunk import SLOTS, Chunk
from semgraph.demo.contracts import add_contracts
from semgraph.demo.customers import add_customer, add_interactions, add_tickets
from semgraph.demo.master_data import generate_master_data, master_data_count
from semgraph.demo.plan import CONFLICT_EVERY, CONFLICTS, conflict_count, plan_customer
from semgraph.demo.records import MAX_BATCH, Batch, IdFactory
from semgraph.demo.sales import add_orders
from semgraph.exceptions import InvalidInputError
from semgraph.ontology.model import Ontology

__all__ = [
    "CONFLICTS",
    "CONFLICT_EVERY",
    "MAX_ENTITIES",
    "MIN_ENTITIES",
    "DemoSize",
    "conflict_count",
    "generate",
    "generate_units",
    "size_demo",
]

MIN_ENTITIES = 1_000
MAX_ENTITIES = 10_000_000


@dataclass(frozen=True)
class DemoSize:
    """How a demo of ``entities`` is made up: master data, customers, filler tickets."""

    entities: int
    master_data: int
    customers: int
    extra_tickets: int


def _shape_rng(seed: int) -> random.Random:
    return random.Random(f"semgraph-demo:{seed}:shape")


def size_demo(entities: int, seed: int, ontology: Ontology) -> DemoSize:
    """Size a demo: as many whole customers as fit, the remainder as extra tickets.

    Raises InvalidInputError when ``entities`` is outside MIN_ENTITIES..MAX_ENTITIES.
    """
    if not MIN_ENTITIES <= entities <= MAX_ENTITIES:
        raise InvalidInputError(
            f"--entities must be between {MIN_ENTITIES:,} and {MAX_ENTITIES:,}, got {entities:,}"
        )
    master = master_data_count(entities, len(ontology.access_roles()))
    rng = _shape_rng(seed)
    total, customers = master, 0
    while True:
        size = plan_customer(rng, customers).size()
        if total + size > entities:
            break
        total += size
        customers += 1
    return DemoSize(entities, master, customers, entities - total)


def generate(
    entities: int, seed: int, ontology: Ontology, *, customers_per_chunk: int = 500
) -> Iterator[Batch]:
    """Yield the demo dataset of exactly ``entities`` entities for ``seed``, batch by batch.

    Rows reference other entities by id only; every referenced entity was yielded in an
    earlier batch. Raises InvalidInputError for a size out of range.
    """
    for unit in generate_units(entities, seed, ontology, customers_per_chunk=customers_per_chunk):
        yield from unit


def generate_units(
    entities: int,
    seed: int,
    ontology: Ontology,
    *,
    customers_per_chunk: int = 500,
    id_tag: str = "",
) -> Iterator[list[Batch]]:
    """The same batches as ``generate``, grouped into units that may be written in
    parallel: first the master data, then one unit per chunk of customers.

    A chunk's batches link only to the master data and to earlier batches of the same
    chunk, never to another chunk; so once the master data is written, chunks can be
    written concurrently (each in its own order). The data does not depend on
    ``customers_per_chunk``. ``id_tag`` goes into every id (``IdFactory``).
    """
    size = size_demo(entities, seed, ontology)
    ids = IdFactory(
        {c.name: c.id_prefix or c.name[:3].upper() for c in ontology.concrete_classes()},
        id_tag,
    )
    rng = random.Random(f"semgraph-demo:{seed}:values")
    roles = [(r.key, r.label_en) for r in ontology.access_roles()]
    md, master_batches = generate_master_data(rng, ids, roles, entities)
    yield [split for batch in master_batches for split in _split(batch)]
    shapes = _shape_rng(seed)
    counters: dict[str, int] = {}
    base, extra = divmod(size.extra_tickets, max(size.customers, 1))
    for start in range(0, size.customers, customers_per_chunk):
        chunk = Chunk(ids, counters, md, rng)
        for number in range(start, min(start + customers_per_chunk, size.customers)):
            plan = plan_customer(shapes, number)
            ctx = add_customer(chunk, plan, number)
            add_orders(chunk, ctx, plan)
            contract = add_contracts(chunk, ctx, plan)
            add_tickets(chunk, ctx, plan.tickets + base + (number < extra), contract)
            add_interactions(chunk, ctx, plan.interactions)
        yield [
            split
            for slot, cls, links in SLOTS
            if chunk.rows[slot]
            for split in _split(Batch(cls, chunk.rows[slot], links))
        ]


def _split(batch: Batch) -> Iterator[Batch]:
    if len(batch.rows) <= MAX_BATCH:
        yield batch
        return
    for k in range(0, len(batch.rows), MAX_BATCH):
        yield Batch(batch.cls, batch.rows[k : k + MAX_BATCH], batch.links)
