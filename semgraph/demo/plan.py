"""The shape of each demo customer's data (how many orders, lines, contracts, ...).

The generator decides the shape of a customer before its values, from its own random
stream, so that it can first size the whole demo (how many customers make N entities)
and then replay exactly the same shapes while generating.

Seeded conflicts live here, in ``CONFLICTS``: one customer in ``CONFLICT_EVERY`` (0.5 %)
carries each kind, picked by customer number (``number % CONFLICT_EVERY == offset``), so
even the smallest demo holds one of each and the count is exact for any size.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

CONFLICT_EVERY = 200
CONFLICTS: dict[str, int] = {
    # customer active in CRM (and golden record) but blocked in ERP
    "erp_blocked_while_crm_active": 3,
    # ERP credit limit differs from the CRM / golden one
    "credit_limit_mismatch": 5,
    # A-rated customer, confirmed order over 500,000, no legal countersign
    "large_order_without_countersign": 7,
    # contract invoice issued in another currency than the contract
    "invoice_currency_mismatch": 11,
    # confirmed order line asking more than the product's available stock
    "order_line_over_stock": 13,
}


def conflict_count(kind: str, customers: int) -> int:
    """How many of ``customers`` (numbered 0..customers-1) carry conflict ``kind``."""
    offset = CONFLICTS[kind]
    return 0 if customers <= offset else (customers - 1 - offset) // CONFLICT_EVERY + 1


@dataclass(frozen=True)
class Billing:
    """An invoice's status and how many payments settle it."""

    status: str
    payments: int


@dataclass(frozen=True)
class OrderPlan:
    status: str
    lines: int
    invoice: Billing | None


@dataclass(frozen=True)
class ContractPlan:
    status: str
    credits: int
    schedules: tuple[int, ...]  # per performance obligation: revenue schedule periods
    invoice: Billing | None


@dataclass(frozen=True)
class CustomerPlan:
    status: str
    has_erp: bool
    contacts: int
    opportunities: int
    orders: tuple[OrderPlan, ...]
    contracts: tuple[ContractPlan, ...]
    tickets: int
    conflicts: frozenset[str] = field(default_factory=frozenset)
    interactions: int = 0

    def size(self) -> int:
        """Entities this customer brings (itself, its records, documents, lines, events)."""
        n = 2 + self.has_erp + self.contacts + 2 * self.opportunities + self.tickets
        n += self.interactions
        for o in self.orders:
            n += 1 + o.lines + _billing_size(o.invoice)
        for c in self.contracts:
            n += 2 + c.credits + len(c.schedules) + sum(c.schedules)
            n += _billing_size(c.invoice)
        return n


def _billing_size(b: Billing | None) -> int:
    return 0 if b is None else 1 + b.payments


def _billing(rng: random.Random, status: str) -> Billing:
    if status == "paid":
        return Billing("paid", 1 if rng.random() < 0.8 else 2)
    if status in ("issued", "overdue"):
        return Billing(status, 1 if rng.random() < 0.25 else 0)  # a partial payment
    return Billing(status, 0)


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def plan_customer(rng: random.Random, number: int) -> CustomerPlan:
    """The shape of customer ``number`` (0-based), drawing only from ``rng``."""
    conflicts = frozenset(k for k, off in CONFLICTS.items() if number % CONFLICT_EVERY == off)
    status = _pick(rng, [("active", 85), ("prospect", 5), ("blocked", 3), ("inactive", 7)])
    if conflicts:
        status = "active"
    has_erp = status != "prospect" and rng.random() < 0.95
    if conflicts & {"erp_blocked_while_crm_active", "credit_limit_mismatch"}:
        has_erp = True
    orders = []
    for k in range(1 + (rng.random() < 0.5)):
        o_status = _pick(rng, [("shipped", 55), ("confirmed", 30), ("draft", 10), ("cancelled", 5)])
        if k == 0 and conflicts & {"large_order_without_countersign", "order_line_over_stock"}:
            o_status = "confirmed"
        invoice = None
        if o_status == "shipped":
            invoice = _billing(rng, _pick(rng, [("paid", 70), ("issued", 20), ("overdue", 10)]))
        elif o_status == "confirmed" and rng.random() < 0.5:
            invoice = _billing(rng, "issued")
        orders.append(OrderPlan(o_status, rng.randint(1, 5), invoice))
    contracts = []
    n_contracts = rng.choice((0, 1, 1, 1))
    if "invoice_currency_mismatch" in conflicts:
        n_contracts = max(1, n_contracts)
    for k in range(n_contracts):
        c_status = _pick(
            rng,
            [("active", 70), ("draft", 8), ("expired", 12), ("terminated", 5), ("suspended", 5)],
        )
        if k == 0 and "invoice_currency_mismatch" in conflicts:
            c_status = "active"
        invoice = None
        if c_status in ("expired", "terminated"):
            invoice = _billing(rng, "paid")
        elif c_status != "draft":
            invoice = _billing(rng, _pick(rng, [("paid", 60), ("issued", 30), ("overdue", 10)]))
        if k == 0 and "invoice_currency_mismatch" in conflicts:
            invoice = Billing("issued", 0)
        schedules = tuple(rng.choice((1, 4, 4, 12)) for _ in range(rng.randint(1, 3)))
        contracts.append(ContractPlan(c_status, rng.randint(0, 2), schedules, invoice))
    return CustomerPlan(
        status=status,
        has_erp=has_erp,
        contacts=rng.randint(1, 3),
        opportunities=rng.randint(1, 2),
        orders=tuple(orders),
        contracts=tuple(contracts),
        tickets=rng.randint(0, 2),
        conflicts=conflicts,
        interactions=rng.randint(1, 3),
    )
