"""Master data of the demo: roles, legal entities, employees, warehouses, products, stock.

These sets stay small (thousands at most, even for a million entities), so they are built
once and kept in ``MasterData`` for the transactional data to refer to by id.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from semgraph.demo.records import Batch, IdFactory, Link, Row, day, instant, money

# (name, country, currency, ERP company code); the first ``n`` are used.
LEGAL_ENTITIES = [
    ("semgraph GmbH", "DE", "EUR", "1000"),
    ("semgraph Inc.", "US", "USD", "2000"),
    ("semgraph (Shanghai) Co., Ltd.", "CN", "CNY", "3000"),
    ("semgraph Ltd", "GB", "GBP", "4000"),
    ("semgraph K.K.", "JP", "JPY", "5000"),
    ("semgraph SAS", "FR", "EUR", "1100"),
    ("semgraph Pte. Ltd.", "SG", "SGD", "6000"),
    ("semgraph Pty Ltd", "AU", "AUD", "7000"),
    ("semgraph B.V.", "NL", "EUR", "1200"),
    ("semgraph Canada Inc.", "CA", "CAD", "8000"),
]
CITIES = [
    ("Hamburg", "DE"), ("Chicago", "US"), ("Shanghai", "CN"), ("Birmingham", "GB"),
    ("Osaka", "JP"), ("Lyon", "FR"), ("Singapore", "SG"), ("Sydney", "AU"),
    ("Rotterdam", "NL"), ("Toronto", "CA"), ("Shenzhen", "CN"), ("Dallas", "US"),
]  # fmt: skip
# Regular staff cycle through these departments; the index in the cycle decides the role.
DEPARTMENT_CYCLE = [
    ("Sales", "viewer", "Account Manager"),
    ("Customer Success", "csm", "Customer Success Manager"),
    ("Sales", "viewer", "Account Executive"),
    ("Support", "service", "Support Engineer"),
    ("Customer Success", "csm", "Customer Success Manager"),
    ("Operations", "viewer", "Operations Specialist"),
    ("Finance", "analyst", "Financial Analyst"),
    ("Sales", "viewer", "Account Manager"),
]
FIRST_NAMES = ["Anna", "Ben", "Chen", "Dana", "Emil", "Fatima", "Georg", "Hana", "Ivan",
               "Jia", "Kai", "Lena", "Ming", "Nora", "Omar", "Priya", "Quinn", "Rosa",
               "Sven", "Tao", "Uma", "Wei", "Xin", "Yara", "Zoe"]  # fmt: skip
LAST_NAMES = ["Schmidt", "Li", "Wang", "Smith", "Tanaka", "Martin", "Nguyen", "Garcia",
              "Müller", "Zhang", "Brown", "Rossi", "Kowalski", "Dubois",
              "Sato", "Chen"]  # fmt: skip
PRODUCT_LINES = [
    ("Platform License", "software", "license", 80_000, 480_000),
    ("Analytics Module", "software", "license", 20_000, 150_000),
    ("Industrial Sensor", "hardware", "piece", 2_000, 40_000),
    ("Edge Gateway", "hardware", "piece", 30_000, 250_000),
    ("Implementation Day", "services", "day", 90_000, 180_000),
    ("Training Seat", "services", "seat", 15_000, 60_000),
    ("Spare Parts Kit", "hardware", "kit", 1_000, 12_000),
]  # fmt: skip


@dataclass
class MasterData:
    """Ids and facts the transactional generators need (all small)."""

    legal_entities: list[tuple[str, str, str]] = field(default_factory=list)  # id, cur, country
    finance_leads: list[str] = field(default_factory=list)
    by_role: dict[str, list[str]] = field(default_factory=dict)  # role key -> employee ids
    products: list[tuple[str, int]] = field(default_factory=list)  # id, unit price cents
    available: list[int] = field(default_factory=list)  # per product: sum of on hand - reserved
    priciest_product: int = 0


def sizes(entities: int) -> dict[str, int]:
    """Counts of the master data classes for a demo of ``entities`` in total."""
    return {
        "LegalEntity": min(10, 4 + entities // 100_000),
        "Warehouse": min(12, 3 + entities // 100_000),
        "Employee": max(24, entities // 200),
        "Product": max(20, entities // 500),
    }


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def generate_master_data(
    rng: random.Random, ids: IdFactory, role_keys: list[tuple[str, str]], entities: int
) -> tuple[MasterData, Iterator[Batch]]:
    """Master data for ``entities``; ``role_keys`` are (key, name) of the access roles.

    Returns the lookup facts and the batches (already generated: they are small).
    """
    n = sizes(entities)
    md = MasterData()
    batches: list[Batch] = []
    role_id = {key: ids("Role", k + 1) for k, (key, _) in enumerate(role_keys)}
    batches.append(Batch("Role", [
        {"props": {"id": role_id[key], "key": key, "name": name,
                   "createdAt": instant(0, 3600)}, "links": {}}
        for key, name in role_keys
    ]))  # fmt: skip

    n_le = n["LegalEntity"]
    les: list[Row] = []
    for k in range(n_le):
        name, country, currency, code = LEGAL_ENTITIES[k]
        le_id = ids("LegalEntity", k + 1)
        md.legal_entities.append((le_id, currency, country))
        les.append({"props": {"id": le_id, "name": name, "country": country,
                              "currency": currency, "companyCode": code,
                              "createdAt": instant(0, 7200)}, "links": {}})  # fmt: skip
    batches.append(Batch("LegalEntity", les))

    # Employees: the CFO, then per legal entity its finance lead and legal counsel, then
    # the regular staff; managers always come before the people they manage.
    emp_rows: list[Row] = []
    md.by_role = {key: [] for key, _ in role_keys}

    def employee(num: int, le: int, dept: str, title: str, role: str, manager: str | None,
                 lead_of: str | None = None, counsel_of: str | None = None) -> str:  # fmt: skip
        emp_id = ids("Employee", num)
        name = person(rng)
        hired = rng.randrange(-3650, 600)
        emp_rows.append({
            "props": {
                "id": emp_id, "name": name, "title": title, "department": dept,
                "email": f"{name.lower().replace(' ', '.')}.{num}@semgraph.example",
                "phone": f"+1-555-{num % 10_000:04d}",
                "hireDate": day(hired), "status": "active",
                "salary": money(rng.randrange(4_500_000, 19_000_000, 100)),
                "nationalId": f"ID{rng.randrange(10**9, 10**10)}",
                "createdAt": instant(max(hired, 0), 32_400),
            },
            "links": {"employedBy": md.legal_entities[le][0], "hasRole": [role_id[role]],
                      "manager": manager, "leadOf": lead_of, "counselOf": counsel_of},
        })  # fmt: skip
        md.by_role.setdefault(role, []).append(emp_id)
        return emp_id

    cfo = employee(1, 0, "Finance", "Chief Financial Officer", "cfo", None)
    num = 2
    for le in range(n_le):
        le_id = md.legal_entities[le][0]
        md.finance_leads.append(
            employee(num, le, "Finance", "Finance Lead", "finance_lead", cfo, lead_of=le_id)
        )
        employee(num + 1, le, "Legal", "Legal Counsel", "legal", cfo, counsel_of=le_id)
        num += 2
    heads: list[str] = []
    for k in range(n["Employee"] - num + 1):
        dept, role, title = DEPARTMENT_CYCLE[k % len(DEPARTMENT_CYCLE)]
        is_head = k < len(DEPARTMENT_CYCLE)
        manager = cfo if is_head else heads[k % len(DEPARTMENT_CYCLE)]
        emp = employee(num, k % n_le, dept, f"Head of {dept}" if is_head else title, role, manager)
        if is_head:
            heads.append(emp)
        num += 1
    emp_links = (
        Link("employedBy", "employedBy", "LegalEntity"),
        Link("hasRole", "hasRole", "Role", many=True),
        Link("manager", "manager", "Employee"),
        Link("leadOf", "financeLead", "LegalEntity", outgoing=False),
        Link("counselOf", "legalCounsel", "LegalEntity", outgoing=False),
    )
    batches.extend(Batch("Employee", rows, emp_links) for rows in _after_managers(emp_rows))

    n_wh = n["Warehouse"]
    wh_ids = [ids("Warehouse", k + 1) for k in range(n_wh)]
    batches.append(Batch("Warehouse", [
        {"props": {"id": wh_ids[k], "code": f"W{k + 1:03d}", "name": f"{CITIES[k][0]} DC",
                   "city": CITIES[k][0], "country": CITIES[k][1],
                   "createdAt": instant(0, 10_800)}, "links": {}}
        for k in range(n_wh)
    ]))  # fmt: skip

    products: list[Row] = []
    stock: list[Row] = []
    best = 0
    for k in range(n["Product"]):
        line, category, unit, low, high = PRODUCT_LINES[k % len(PRODUCT_LINES)]
        # Product 1 is the flagship license: the priciest product in every demo.
        price = 499_000 if k == 0 else rng.randrange(low, high, 100)
        prd_id = ids("Product", k + 1)
        md.products.append((prd_id, price))
        if price > md.products[best][1]:
            best = k
        products.append({"props": {
            "id": prd_id, "sku": f"SKU-{k + 1:06d}", "name": f"{line} {k // 7 + 1}",
            "category": category, "unitOfMeasure": unit, "unitPrice": money(price),
            "status": "active", "description": f"{line}, model {k // 7 + 1}",
            "createdAt": instant(0, 14_400)}, "links": {}})  # fmt: skip
        total = 0
        for w in (k % n_wh, (k + 1) % n_wh):
            on_hand = rng.randrange(500, 5_000)
            reserved = rng.randrange(0, 200)
            total += on_hand - reserved
            stock.append({"props": {
                "id": ids("StockItem", len(stock) + 1), "quantityOnHand": float(on_hand),
                "quantityReserved": float(reserved), "reorderPoint": 250.0,
                "updatedAt": instant(rng.randrange(700, 730), 0)},
                "links": {"stockOf": prd_id, "storedIn": wh_ids[w]}})  # fmt: skip
        md.available.append(total)
    md.priciest_product = best
    batches.append(Batch("Product", products))
    stock_links = (Link("stockOf", "stockOf", "Product"), Link("storedIn", "storedIn", "Warehouse"))
    batches.append(Batch("StockItem", stock, stock_links))
    return md, iter(batches)


def _after_managers(rows: list[Row]) -> Iterator[list[Row]]:
    """``rows`` in order, cut so that each employee's manager is in an earlier batch: a
    batch links to the element ids of what earlier batches created."""
    batch: list[Row] = []
    ids: set[str] = set()
    for row in rows:
        if row["links"]["manager"] in ids:
            yield batch
            batch, ids = [], set()
        batch.append(row)
        ids.add(row["props"]["id"])
    if batch:
        yield batch


def master_data_count(entities: int, n_roles: int) -> int:
    """How many master data entities ``generate_master_data`` yields."""
    n = sizes(entities)
    return n_roles + n["LegalEntity"] + n["Employee"] + n["Warehouse"] + 3 * n["Product"]
