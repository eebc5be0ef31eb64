"""Demo customers with their CRM/ERP records, contacts, opportunities, quotes, tickets and
interaction events."""

from __future__ import annotations

import string

from semgraph.demo.chunk import Chunk, CustomerCtx
from semgraph.demo.plan import CustomerPlan
from semgraph.demo.records import DAYS, day, instant, money

ADJECTIVES = ["Apex", "Blue", "Cedar", "Delta", "Evergreen", "Falcon", "Granite", "Harbor",
              "Iron", "Jade", "Kestrel", "Lumen", "Maple", "Nova", "Orion", "Pioneer",
              "Quantum", "River", "Summit", "Titan", "Union", "Vertex", "Willow", "Zenith",
              "Aurora", "Beacon", "Cobalt", "Dynamo", "Ember", "Frontier", "Golden",
              "Horizon", "Indigo", "Juniper", "Keystone", "Lotus", "Meridian", "Northern",
              "Octave", "Polar"]  # fmt: skip
NOUNS = ["Analytics", "Bioscience", "Logistics", "Machines", "Foods", "Energy", "Retail",
         "Systems", "Textiles", "Pharma", "Motors", "Robotics", "Media", "Finance",
         "Materials", "Networks", "Optics", "Plastics", "Solar", "Telecom", "Tools",
         "Aviation", "Chemicals", "Devices", "Electronics", "Farms", "Glass", "Health",
         "Instruments", "Labs", "Marine", "Metals", "Mobility", "Paper", "Power", "Rail",
         "Security", "Software", "Steel", "Water"]  # fmt: skip
SUFFIX = {"DE": "GmbH", "US": "Inc.", "GB": "Ltd", "JP": "K.K.", "FR": "SA", "SG": "Pte. Ltd.",
          "AU": "Pty Ltd", "NL": "B.V.", "CA": "Corp."}  # fmt: skip
ZH_CITY = ["上海", "北京", "深圳", "杭州", "苏州", "成都", "武汉", "南京"]
ZH_WORD = ["华信", "星辰", "瑞丰", "恒达", "博远", "天工", "新源", "海川", "金桥", "云帆"]
ZH_TRADE = ["科技", "电子", "物流", "制造", "医药", "能源", "零售", "材料"]
INDUSTRIES = ["manufacturing", "retail", "healthcare", "logistics", "energy", "software",
              "financial_services", "telecom"]  # fmt: skip
_B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_STAGES = [("prospecting", 0.1), ("qualification", 0.2), ("proposal", 0.5),
           ("negotiation", 0.7), ("closed_won", 1.0), ("closed_lost", 0.0)]  # fmt: skip
_QUOTE_STATUS = {"prospecting": "draft", "qualification": "draft", "proposal": "sent",
                 "negotiation": "sent", "closed_won": "accepted",
                 "closed_lost": "rejected"}  # fmt: skip
_RECORD_STATUS = {"active": "active", "prospect": "active", "blocked": "blocked",
                  "inactive": "inactive"}  # fmt: skip


def customer_name(number: int, country: str) -> str:
    """A unique company name for customer ``number`` (Chinese for customers in China)."""
    if country == "CN":
        a, b = divmod(number, len(ZH_TRADE))
        b2, c = divmod(a, len(ZH_WORD))
        tail = f"{b2 // len(ZH_CITY) + 1}" if b2 >= len(ZH_CITY) else ""
        return f"{ZH_CITY[b2 % len(ZH_CITY)]}{ZH_WORD[c]}{ZH_TRADE[b]}{tail}有限公司"
    a, b = divmod(number, len(NOUNS))
    tail = f" {a // len(ADJECTIVES) + 1}" if a >= len(ADJECTIVES) else ""
    return f"{ADJECTIVES[a % len(ADJECTIVES)]} {NOUNS[b]}{tail} {SUFFIX[country]}"


def crm_id(number: int) -> str:
    """A Salesforce-style 15-character Account id, unique per customer number."""
    tail = ""
    for _ in range(5):
        number, r = divmod(number, 62)
        tail = _B62[r] + tail
    return f"0015g00000{tail}"


def erp_id(number: int) -> str:
    """An SAP KUNNR-style 10-digit customer number."""
    return f"{100_000 + number:010d}"


def add_customer(chunk: Chunk, plan: CustomerPlan, number: int) -> CustomerCtx:
    """Customer ``number`` with its system records, contacts, opportunities and quotes."""
    rng, md = chunk.rng, chunk.md
    le = number % len(md.legal_entities)
    _, currency, country = md.legal_entities[le]
    cus_id = chunk.ids("Customer", number + 1)
    chunk.counters["Customer"] = number + 1
    name = customer_name(number, country)
    big = "large_order_without_countersign" in plan.conflicts
    rating = "A" if big else rng.choice("AABBBBCCCD")
    segment = rng.choice(("enterprise", "mid_market", "mid_market", "smb", "smb"))
    limit = rng.randrange(50_000, 2_000_000, 1_000) * 100 * (1 + (segment == "enterprise"))
    since = rng.randrange(0, DAYS // 3)
    sales, csms = md.by_role["viewer"], md.by_role["csm"]
    ctx = CustomerCtx(number, cus_id, le, currency, rating, sales[number % len(sales)], since)
    slug = name.split(" ")[0].lower() if country != "CN" else f"c{number}"
    chunk.add(
        "Customer",
        {"id": cus_id, "name": name, "status": plan.status, "rating": rating,
         "segment": segment, "industry": rng.choice(INDUSTRIES), "country": country,
         "currency": currency, "creditLimit": money(limit),
         "email": f"ap@{slug}{number}.example", "phone": f"+00-{number:08d}",
         "taxId": f"{country}{rng.randrange(10**8, 10**9)}",
         "createdAt": instant(since, rng.randrange(86_400)),
         "updatedAt": instant(since + rng.randrange(1, 300), rng.randrange(86_400))},
        {"accountManager": ctx.account_manager,
         "customerSuccessManager": csms[(number * 7) % len(csms)]},
    )  # fmt: skip
    synced = instant(DAYS - 200 + rng.randrange(30), rng.randrange(86_400))
    crm_status = _RECORD_STATUS[plan.status]
    chunk.add(
        "SystemRecord",
        {"id": chunk.new_id("SystemRecord"), "sourceSystem": "CRM", "externalId": crm_id(number),
         "recordStatus": crm_status, "reportedName": name, "reportedCreditLimit": money(limit),
         "syncedAt": synced},
        {"recordOf": cus_id},
    )  # fmt: skip
    if plan.has_erp:
        erp_status = crm_status
        if "erp_blocked_while_crm_active" in plan.conflicts:
            erp_status = "blocked"
        erp_limit = limit
        if "credit_limit_mismatch" in plan.conflicts:
            erp_limit = limit // 2 if rng.random() < 0.5 else limit * 3 // 2
        chunk.add(
            "SystemRecord",
            {"id": chunk.new_id("SystemRecord"), "sourceSystem": "ERP",
             "externalId": erp_id(number), "recordStatus": erp_status,
             "reportedName": name.upper() if country != "CN" else name,
             "reportedCreditLimit": money(erp_limit), "syncedAt": synced},
            {"recordOf": cus_id},
        )  # fmt: skip
    for k in range(plan.contacts):
        first, last = rng.choice(("Anna", "Li", "Tom", "Mei", "Raj")), rng.choice(("Ng", "Ito"))
        chunk.add(
            "Contact",
            {"id": chunk.new_id("Contact"), "name": f"{first} {last}", "isPrimary": k == 0,
             "title": rng.choice(("CFO", "Procurement Lead", "IT Director", "Controller")),
             "email": f"{first.lower()}.{last.lower()}.{k}@{slug}{number}.example",
             "phone": f"+00-{number:08d}-{k}", "createdAt": instant(since, 43_200)},
            {"customer": cus_id},
        )  # fmt: skip
    for _ in range(plan.opportunities):
        stage, prob = rng.choice(_STAGES)
        amount = rng.randrange(10_000, 800_000) * 100
        opp_id = chunk.new_id("Opportunity")
        close = since + rng.randrange(30, 400)
        chunk.add(
            "Opportunity",
            {"id": opp_id, "name": f"{name.split(' ')[0]} expansion {opp_id[-4:]}",
             "stage": stage, "amount": money(amount), "currency": currency,
             "probability": prob, "closeDate": day(min(close, DAYS - 1)),
             "createdAt": instant(since, 50_000)},
            {"customer": cus_id, "owner": ctx.account_manager},
        )  # fmt: skip
        quote_id = chunk.new_id("Quote")
        chunk.add(
            "Quote",
            {"id": quote_id, "quoteNumber": f"Q-{quote_id[4:]}", "status": _QUOTE_STATUS[stage],
             "totalAmount": money(amount), "currency": currency,
             "discountPercent": float(rng.choice((0, 0, 5, 10, 15))),
             "validUntil": day(min(close + 30, DAYS - 1)), "createdAt": instant(since, 60_000)},
            {"customer": cus_id, "opportunity": opp_id},
        )  # fmt: skip
    return ctx


def add_tickets(chunk: Chunk, ctx: CustomerCtx, count: int, contract_id: str | None) -> None:
    """``count`` support tickets of the customer (about its contract when it has one)."""
    rng = chunk.rng
    support = chunk.md.by_role["service"]
    for _ in range(count):
        opened = rng.randrange(ctx.since, DAYS - 1)
        status = rng.choice(("open", "in_progress", "resolved", "closed", "closed"))
        done = status in ("resolved", "closed")
        chunk.add(
            "SupportTicket",
            {"id": chunk.new_id("SupportTicket"),
             "subject": rng.choice(("Login fails", "Invoice question", "API latency",
                                    "Sensor offline", "数据同步延迟", "Report export error")),
             "priority": rng.choice(("low", "medium", "medium", "high", "urgent")),
             "status": status, "openedAt": instant(opened, rng.randrange(86_400)),
             "resolvedAt": instant(opened + 1, rng.randrange(86_400)) if done else None},
            {"customer": ctx.id, "contract": contract_id,
             "assignee": support[rng.randrange(len(support))]},
        )  # fmt: skip


_EVENTS = {
    "web": ("page_view", "add_to_cart", "purchase"),
    "app": ("login", "screen_view", "purchase"),
    "pos": ("purchase", "return"),
    "iot": ("reading",),
    "partner_api": ("order_created", "quote_requested"),
}


def add_interactions(chunk: Chunk, ctx: CustomerCtx, count: int) -> None:
    """``count`` interaction events of the customer, each traceable (UTC time, device
    fingerprint, session id) as the traceability rule requires."""
    rng = chunk.rng
    for _ in range(count):
        channel = rng.choice(tuple(_EVENTS))
        event_id = chunk.new_id("InteractionEvent")
        chunk.add(
            "InteractionEvent",
            {"id": event_id, "channel": channel, "eventType": rng.choice(_EVENTS[channel]),
             "occurredAt": instant(rng.randrange(ctx.since, DAYS), rng.randrange(86_400)),
             "deviceFingerprint": f"fp-{rng.getrandbits(48):012x}",
             "sessionId": f"s-{event_id[-6:]}-{rng.randrange(10_000):04d}"},
            {"customer": ctx.id},
        )  # fmt: skip
