"""Demo sales orders, their lines, the invoices that bill them and the payments.

Amounts are kept in integer cents while generating, so ``lineAmount = quantity ×
unitPrice``, ``totalAmount = Σ lineAmount`` and ``Σ payments ≤ invoice amount`` hold
exactly (to the cent) in the written data.
"""

from __future__ import annotations

from semgraph.demo.chunk import Chunk, CustomerCtx
from semgraph.demo.plan import Billing, CustomerPlan
from semgraph.demo.records import DAYS, day, instant, money

LARGE_ORDER = 50_000_000  # cents: orders above 500,000 need legal countersign
_LINE_STATUS = {"draft": "open", "confirmed": "reserved", "shipped": "shipped",
                "cancelled": "cancelled"}  # fmt: skip


def add_invoice(
    chunk: Chunk, slot: str, billing: Billing, *, amount: int, currency: str,
    issued: int, billed: str, le_id: str,
) -> None:  # fmt: skip
    """An invoice for ``amount`` cents billing ``billed``, and the payments that settle it.

    A paid invoice is settled exactly; an issued or overdue one may carry one partial
    payment (less than the amount).
    """
    rng = chunk.rng
    inv_id = chunk.new_id("Invoice")
    issued = min(issued, DAYS - 31)
    chunk.add(
        slot,
        {"id": inv_id, "invoiceNumber": f"INV-{inv_id[4:]}", "amount": money(amount),
         "currency": currency, "status": billing.status, "issueDate": day(issued),
         "dueDate": day(issued + 30)},
        {"invoices": billed, "ownedBy": le_id},
    )  # fmt: skip
    if billing.payments == 0:
        return
    if billing.status == "paid":
        first = amount if billing.payments == 1 else amount * rng.randrange(20, 80) // 100
        parts = [first, amount - first][: billing.payments]
    else:
        parts = [amount * rng.randrange(10, 90) // 100]
    for k, part in enumerate(parts):
        chunk.add(
            "Payment",
            {"id": chunk.new_id("Payment"), "amount": money(part), "currency": currency,
             "paidAt": instant(issued + 5 + 10 * k, rng.randrange(86_400)),
             "method": rng.choice(("bank_transfer", "bank_transfer", "card", "direct_debit")),
             "bankAccount": f"DE89{rng.randrange(10**17, 10**18)}"},
            {"pays": inv_id},
        )  # fmt: skip


def add_orders(chunk: Chunk, ctx: CustomerCtx, plan: CustomerPlan) -> None:
    """The customer's sales orders with lines, and the invoices of billed orders."""
    rng, md = chunk.rng, chunk.md
    le_id = md.legal_entities[ctx.le][0]
    for k, order in enumerate(plan.orders):
        so_id = chunk.new_id("SalesOrder")
        ordered = rng.randrange(ctx.since, DAYS - 40)
        big = k == 0 and "large_order_without_countersign" in plan.conflicts
        over_stock = k == 0 and "order_line_over_stock" in plan.conflicts
        lines: list[tuple[int, int, int]] = []  # product index, quantity, unit price cents
        for _ in range(order.lines):
            p = rng.randrange(len(md.products))
            discount = rng.choice((100, 100, 95, 90))
            lines.append((p, rng.randint(1, 50), md.products[p][1] * discount // 100))
        if over_stock:
            p, _, price = lines[0]
            lines[0] = (p, md.available[p] + rng.randint(1, 50), price)
        total = sum(q * price for _, q, price in lines)
        if big and total <= LARGE_ORDER:
            # The first line becomes enough of the flagship product to pass 500,000.
            p = md.priciest_product
            price = md.products[p][1]
            rest = total - lines[0][1] * lines[0][2]
            lines[0] = (p, (LARGE_ORDER - rest) // price + 1, price)
            total = sum(q * price for _, q, price in lines)
        chunk.add(
            "SalesOrder",
            {"id": so_id, "orderNumber": f"4500{so_id[3:]}", "status": order.status,
             "totalAmount": money(total), "currency": ctx.currency, "orderDate": day(ordered),
             "legalCountersigned": total > LARGE_ORDER and not big,
             "createdAt": instant(ordered, rng.randrange(86_400))},
            {"customer": ctx.id, "ownedBy": le_id},
        )  # fmt: skip
        for n, (p, qty, price) in enumerate(lines, start=1):
            chunk.add(
                "OrderLine",
                {"id": chunk.new_id("OrderLine"), "lineNumber": n * 10,
                 "quantity": float(qty), "unitPrice": money(price),
                 "lineAmount": money(qty * price), "status": _LINE_STATUS[order.status]},
                {"salesOrder": so_id, "product": md.products[p][0]},
            )  # fmt: skip
        if order.invoice is not None:
            add_invoice(
                chunk, "OrderInvoice", order.invoice, amount=total, currency=ctx.currency,
                issued=ordered + rng.randrange(1, 10), billed=so_id, le_id=le_id,
            )  # fmt: skip
