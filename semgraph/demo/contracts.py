"""Demo contracts with their SLA, service credits, performance obligations, revenue
schedules and the invoice that bills them.

Consistency the generator guarantees (to the cent): Σ allocatedPrice of a contract's
obligations = its totalValue; Σ plannedAmount of an obligation's schedules = its
allocatedPrice; the contract invoice's amount = totalValue; every contract has exactly one
SLA, one customer and one owning legal entity; SLA values follow the tier table.
"""

from __future__ import annotations

from semgraph.demo.chunk import Chunk, CustomerCtx
from semgraph.demo.plan import CustomerPlan
from semgraph.demo.records import DAYS, add_months, day, instant, money, split_cents
from semgraph.demo.sales import add_invoice

# tier: uptime %, response h, resolution h, credit % of the monthly fee, penalty cap % of
# the annual fee
SLA_TIERS: dict[str, tuple[float, float, float, float, float]] = {
    "bronze": (99.0, 24.0, 72.0, 5.0, 10.0),
    "silver": (99.5, 8.0, 24.0, 10.0, 15.0),
    "gold": (99.9, 4.0, 8.0, 15.0, 20.0),
    "platinum": (99.95, 1.0, 4.0, 25.0, 30.0),
}
# (description, share of the contract value, satisfied over time, series)
OBLIGATIONS = [
    ("Platform subscription", 70, True, True),
    ("Support and SLA", 20, True, True),
    ("Implementation services", 10, False, False),
]
TODAY = 547  # 2025-07-01: schedules before it are recognized


def _periods(start_day: int, count: int) -> list[tuple[str, int]]:
    """(label, first day offset) of ``count`` periods from ``start_day``: 1 = one-off,
    4 = quarters, 12 = months."""
    start = day(start_day)
    step = 3 if count == 4 else 1
    out = []
    for k in range(count):
        d = add_months(start, k * step)
        label = f"{d.year}-Q{(d.month - 1) // 3 + 1}" if count == 4 else f"{d:%Y-%m}"
        out.append((label, (d - day(0)).days))
    return out


def add_contracts(chunk: Chunk, ctx: CustomerCtx, plan: CustomerPlan) -> str | None:
    """The customer's contracts and everything under them; returns the first contract id."""
    rng, md = chunk.rng, chunk.md
    le_id = md.legal_entities[ctx.le][0]
    first: str | None = None
    for k, contract in enumerate(plan.contracts):
        ctr_id = chunk.new_id("Contract")
        first = first or ctr_id
        start = rng.randrange(ctx.since, DAYS - 120)
        months = rng.choice((12, 12, 24, 36))
        total = rng.randrange(24_000, 1_200_000) * 100
        # Obligations: shares normalised over those present; the last takes the rest.
        obligations = OBLIGATIONS[: len(contract.schedules)]
        weight = sum(o[1] for o in obligations)
        allocated = [total * o[1] // weight for o in obligations]
        allocated[-1] = total - sum(allocated[:-1])
        support = allocated[1] if len(allocated) > 1 else total // 5
        monthly_fee = max(support // months, 100)
        tier = rng.choice(("bronze", "silver", "silver", "gold", "gold", "platinum"))
        uptime, response, resolution, credit_pct, cap_pct = SLA_TIERS[tier]
        credit_ids = []
        for _ in range(contract.credits):
            credit_ids.append(chunk.new_id("ServiceCredit"))
            month = add_months(day(start), rng.randrange(min(months, 18)))
            chunk.add(
                "ServiceCredit",
                {"id": credit_ids[-1], "amount": money(monthly_fee * int(credit_pct) // 100),
                 "period": f"{month:%Y-%m}", "reason": f"uptime below {uptime} %",
                 "status": rng.choice(("estimated", "issued", "applied", "waived"))},
            )  # fmt: skip
        sla_id = chunk.new_id("ServiceLevelAgreement")
        chunk.add(
            "ServiceLevelAgreement",
            {"id": sla_id, "tier": tier, "uptimeTarget": uptime, "responseTimeHours": response,
             "resolutionTimeHours": resolution, "serviceCreditPercent": credit_pct,
             "penaltyCap": money(monthly_fee * 12 * int(cap_pct) // 100),
             "monthlyFee": money(monthly_fee),
             "creditFormula": f"{credit_pct:g}% of monthly fee per 0.1% below {uptime}%",
             "effectiveFrom": day(start), "approvalStatus": "approved", "priceStatus": "agreed",
             "isDistinctAddOn": False, "standaloneSellingPrice": money(monthly_fee * 12)},
            {"hasServiceCredit": credit_ids},
        )  # fmt: skip
        pob_ids = []
        for (desc, _, over_time, series), price, count in zip(
            obligations, allocated, contract.schedules, strict=True
        ):
            rvs_ids = []
            recognized = 0
            for (label, first_day), planned in zip(
                _periods(start, count), split_cents(price, count), strict=True
            ):
                done = first_day < TODAY and contract.status != "draft"
                recognized += planned if done else 0
                held = contract.status == "suspended" and not done
                rvs_ids.append(chunk.new_id("RevenueSchedule"))
                chunk.add(
                    "RevenueSchedule",
                    {"id": rvs_ids[-1], "period": label, "plannedAmount": money(planned),
                     "recognizedAmount": money(planned if done else 0),
                     "status": "recognized" if done else ("on_hold" if held else "planned")},
                )  # fmt: skip
            pob_ids.append(chunk.new_id("PerformanceObligation"))
            chunk.add(
                "PerformanceObligation",
                {"id": pob_ids[-1], "description": desc, "allocatedPrice": money(price),
                 "standaloneSellingPrice": money(price * rng.randrange(100, 115) // 100),
                 "isDistinct": True, "isSeries": series and count > 1,
                 "satisfiedOverTime": over_time and count > 1,
                 "percentComplete": round(100 * recognized / price, 2) if price else 0.0},
                {"hasRevenueSchedule": rvs_ids},
            )  # fmt: skip
        over_time = any(
            o[2] and c > 1 for o, c in zip(obligations, contract.schedules, strict=True)
        )
        terms = rng.choices(
            ("unconditional", "conditional_on_sla", "conditional_on_acceptance"), (90, 7, 3)
        )[0]
        chunk.add(
            "Contract",
            {"id": ctr_id, "contractNumber": f"C-{ctr_id[4:]}", "status": contract.status,
             "startDate": day(start), "endDate": add_months(day(start), months),
             "totalValue": money(total), "currency": ctx.currency, "paymentTerms": terms,
             "recognitionMethod": "over_time" if over_time else "point_in_time",
             "rightToPayment": terms == "unconditional",
             "terminationOnSlaBreach": tier == "platinum",
             "createdAt": instant(max(start - 5, 0), rng.randrange(86_400))},
            {"customer": ctx.id, "ownedBy": le_id, "hasSla": sla_id, "hasObligation": pob_ids},
        )  # fmt: skip
        if contract.invoice is not None:
            currency = ctx.currency
            if k == 0 and "invoice_currency_mismatch" in plan.conflicts:
                currency = "USD" if currency != "USD" else "EUR"
            add_invoice(
                chunk, "ContractInvoice", contract.invoice, amount=total, currency=currency,
                issued=start + rng.randrange(0, 15), billed=ctr_id, le_id=le_id,
            )  # fmt: skip
    return first
