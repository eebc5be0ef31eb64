"""A chunk of demo customers being generated: rows per output slot and id counters.

Slots are emitted in ``SLOTS`` order, which is a dependency order: every link points to
master data or to a slot listed earlier, so the loader can always find the other end.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from semgraph.demo.master_data import MasterData
from semgraph.demo.records import IdFactory, Link, Row

_CUSTOMER = Link("customer", "customer", "Customer")
# (slot, class, links); a class may fill several slots when its links differ.
SLOTS: list[tuple[str, str, tuple[Link, ...]]] = [
    ("Customer", "Customer", (
        Link("accountManager", "accountManager", "Employee"),
        Link("customerSuccessManager", "customerSuccessManager", "Employee"),
    )),
    ("SystemRecord", "SystemRecord", (
        Link("recordOf", "hasSystemRecord", "Customer", outgoing=False),
    )),
    ("Contact", "Contact", (_CUSTOMER,)),
    ("Opportunity", "Opportunity", (_CUSTOMER, Link("owner", "owner", "Employee"))),
    ("Quote", "Quote", (_CUSTOMER, Link("opportunity", "opportunity", "Opportunity"))),
    ("SalesOrder", "SalesOrder", (
        _CUSTOMER, Link("ownedBy", "ownedBy", "LegalEntity"), Link("quote", "quote", "Quote"),
    )),
    ("OrderLine", "OrderLine", (
        Link("salesOrder", "salesOrder", "SalesOrder"), Link("product", "product", "Product"),
    )),
    ("ServiceCredit", "ServiceCredit", ()),
    ("ServiceLevelAgreement", "ServiceLevelAgreement", (
        Link("hasServiceCredit", "hasServiceCredit", "ServiceCredit", many=True),
    )),
    ("RevenueSchedule", "RevenueSchedule", ()),
    ("PerformanceObligation", "PerformanceObligation", (
        Link("hasRevenueSchedule", "hasRevenueSchedule", "RevenueSchedule", many=True),
    )),
    ("Contract", "Contract", (
        _CUSTOMER, Link("ownedBy", "ownedBy", "LegalEntity"),
        Link("hasSla", "hasSla", "ServiceLevelAgreement"),
        Link("hasObligation", "hasObligation", "PerformanceObligation", many=True),
    )),
    ("OrderInvoice", "Invoice", (
        Link("invoices", "invoices", "SalesOrder"), Link("ownedBy", "ownedBy", "LegalEntity"),
    )),
    ("ContractInvoice", "Invoice", (
        Link("invoices", "invoices", "Contract"), Link("ownedBy", "ownedBy", "LegalEntity"),
    )),
    ("Payment", "Payment", (Link("pays", "pays", "Invoice"),)),
    ("SupportTicket", "SupportTicket", (
        _CUSTOMER, Link("contract", "contract", "Contract"),
        Link("assignee", "assignee", "Employee"),
    )),
    ("InteractionEvent", "InteractionEvent", (_CUSTOMER,)),
]  # fmt: skip


@dataclass
class CustomerCtx:
    """What a customer's documents need to know about it."""

    number: int  # 0-based
    id: str
    le: int
    currency: str
    rating: str
    account_manager: str
    since: int  # day offset the customer was created


class Chunk:
    """Rows of a chunk, per slot, plus the running id numbers of every class."""

    def __init__(
        self, ids: IdFactory, counters: dict[str, int], md: MasterData, rng: random.Random
    ) -> None:
        self.ids = ids
        self.counters = counters
        self.md = md
        self.rng = rng
        self.rows: dict[str, list[Row]] = {slot: [] for slot, _, _ in SLOTS}

    def new_id(self, cls: str) -> str:
        n = self.counters.get(cls, 0) + 1
        self.counters[cls] = n
        return self.ids(cls, n)

    def add(self, slot: str, props: Row, links: Row | None = None) -> None:
        self.rows[slot].append({"props": props, "links": links or {}})
