"""Cypher owned by the alerts package: named, parameterised strings.

Times are Neo4j ``datetime()`` values taken from the database clock, so replicas with
skewed clocks agree on what is due and whose lease has expired.
"""

from __future__ import annotations

from semgraph.graph.identifiers import KEEP_PLAN, by_iri

SCHEMA = [
    "CREATE CONSTRAINT risk_alert_id IF NOT EXISTS FOR (a:RiskAlert) REQUIRE a.id IS UNIQUE",
    # Only alerts that are not resolved carry openKey = rule|focus: at most one per pair.
    "CREATE CONSTRAINT risk_alert_open_key IF NOT EXISTS "
    "FOR (a:RiskAlert) REQUIRE a.openKey IS UNIQUE",
    "CREATE CONSTRAINT delivery_id IF NOT EXISTS FOR (d:Delivery) REQUIRE d.id IS UNIQUE",
    "CREATE CONSTRAINT delivery_idempotency_key IF NOT EXISTS "
    "FOR (d:Delivery) REQUIRE d.idempotencyKey IS UNIQUE",
    "CREATE INDEX delivery_due IF NOT EXISTS FOR (d:Delivery) ON (d.status, d.nextAttemptAt)",
    "CREATE INDEX risk_alert_status IF NOT EXISTS FOR (a:RiskAlert) ON (a.status)",
]

# --- outbox (inside the change's transaction) ----------------------------------------------

# Raising a change's alerts takes two round trips. First each open alert for (rule, focus)
# is found or created, and locked by the MERGE on its unique openKey, so concurrent changes
# count occurrences one after the other; then everything else is written.
OPEN_ALERTS = (
    KEEP_PLAN
    + """UNWIND $alerts AS al
MERGE (a:RiskAlert {openKey: al.key})
ON CREATE SET a += al.first, a.status = 'open', a.count = 0, a.openedAt = datetime(),
              a.firstChangeId = $change_id
SET a.count = a.count
RETURN al.key AS key, a.id AS id, a.count AS count
"""
)

CREATE_DELIVERIES = """
MATCH (a:RiskAlert {id: $alert_id})
UNWIND $deliveries AS row
CREATE (a)-[:HAS_DELIVERY]->(:Delivery {
  id: row.id, idempotencyKey: row.key, channel: row.channel, target: row.target,
  event: row.event, changeId: row.change_id, payload: row.payload, status: 'pending',
  attempts: 0, createdAt: datetime(), nextAttemptAt: datetime()
})
"""

# What an alert's reader needs to know about its entity: the contract it concerns (the
# focus itself, or the contract that has the SLA) and that contract's customer.
ALERT_CONTEXT = (
    KEEP_PLAN
    + """UNWIND $focus AS iri
MATCH (f:Resource {iri: iri}) """
    + by_iri("f")
    + """
OPTIONAL MATCH (f)<-[:hasSla]-(under:Contract)
WITH iri, f, CASE WHEN f:Contract THEN f ELSE under END AS contract
OPTIONAL MATCH (contract)-[:customer]->(buyer:Customer)
WITH iri, contract, CASE WHEN f:Customer THEN f ELSE buyer END AS customer
RETURN iri, contract.contractNumber AS contractNumber, contract.totalValue AS value,
       contract.currency AS currency, customer.name AS customerName
"""
)

RAISE_ALERTS = (
    KEEP_PLAN
    + """MATCH (c:ChangeEvent {id: $change_id})
UNWIND $alerts AS al
MATCH (a:RiskAlert {id: al.id})
MATCH (r:Rule {iri: al.rule_iri})
MATCH (f:Resource {iri: al.focus_iri}) """
    + by_iri("f")
    + """
SET a += al.latest, a.count = a.count + 1, a.lastChangeId = $change_id,
    a.lastRaisedAt = datetime()
MERGE (a)-[:FIRED_RULE]->(r)
MERGE (a)-[:ABOUT]->(f)
CREATE (a)-[:RAISED_BY {occurrence: a.count}]->(c)
WITH a, al
CALL (a, al) {
  UNWIND al.impacted AS row
  MATCH (n:Resource {iri: row.iri}) """
    + by_iri("n")
    + """
  MERGE (a)-[p:ON_PATH]->(n)
  SET p.depth = row.depth, p.path = row.path
}
CALL (a, al) {
  UNWIND al.recipients AS row
  MATCH (e:Resource {iri: row.iri}) """
    + by_iri("e")
    + """
  MERGE (a)-[t:ROUTED_TO]->(e)
  SET t.role = row.role, t.via = row.via
}
CALL (a, al) {
  UNWIND al.deliveries AS row
  CREATE (a)-[:HAS_DELIVERY]->(d:Delivery {
    id: row.id, idempotencyKey: row.key, channel: row.channel, target: row.target,
    event: row.event, changeId: row.change_id, payload: row.payload, status: 'pending',
    attempts: 0, createdAt: datetime(), nextAttemptAt: datetime()
  })
  // Born claimed by this process's running dispatcher, which sends it right after the
  // commit; if that process dies, the lease runs out and any dispatcher takes it over.
  FOREACH (_ IN CASE WHEN $claim_by IS NULL THEN [] ELSE [1] END |
    SET d.claimedBy = $claim_by, d.attempts = 1,
        d.leaseUntil = datetime() + duration({milliseconds: $lease_ms}))
}
"""
)

# --- dispatcher: claim, then record the outcome -----------------------------------------

DUE_DELIVERIES = """
MATCH (d:Delivery)
WHERE d.status = 'pending' AND d.nextAttemptAt <= datetime()
  AND (d.leaseUntil IS NULL OR d.leaseUntil < datetime())
RETURN d.id AS id ORDER BY d.nextAttemptAt LIMIT $limit
"""

# Taking the write lock first, in a statement of its own, makes the re-check below read
# what a competing dispatcher committed: two workers never both win the same delivery.
LOCK_DELIVERIES = """
UNWIND $ids AS id
MATCH (d:Delivery {id: id})
SET d.claimToken = $token
"""

CLAIM_LOCKED = """
UNWIND $ids AS id
MATCH (d:Delivery {id: id})
WHERE d.status = 'pending' AND (d.leaseUntil IS NULL OR d.leaseUntil < datetime())
SET d.claimedBy = $worker, d.leaseUntil = datetime() + duration({milliseconds: $lease_ms}),
    d.attempts = d.attempts + 1
RETURN d.id AS id, d.idempotencyKey AS key, d.channel AS channel, d.target AS target,
       d.attempts AS attempts, d.payload AS payload
"""

RECORD_OUTCOMES = """
UNWIND $rows AS row
MATCH (d:Delivery {id: row.id})
WHERE d.status = 'pending'
SET d.leaseUntil = null, d.claimedBy = null,
    d.status = CASE
      WHEN row.outcome = 'delivered' THEN 'delivered'
      WHEN row.permanent OR d.attempts >= $max_attempts THEN 'dead'
      ELSE 'pending' END,
    d.deliveredAt = CASE WHEN row.outcome = 'delivered' THEN datetime() ELSE null END,
    d.lastError = row.error,
    d.nextAttemptAt = datetime() + duration({milliseconds: row.retry_ms})
CREATE (d)-[:ATTEMPT]->(:DeliveryAttempt {
  at: datetime(), attempt: d.attempts, outcome: row.outcome, error: row.error,
  worker: $worker, ms: row.ms
})
RETURN d.id AS id, d.status AS status
"""

# --- escalation ----------------------------------------------------------------------------

DUE_ESCALATIONS = """
MATCH (a:RiskAlert)
WHERE a.status = 'open' AND a.riskLevel IN $levels
  AND a.openedAt <= datetime() - duration({milliseconds: $after_ms})
RETURN a.id AS id ORDER BY a.openedAt LIMIT $limit
"""

LOCK_ALERTS = "UNWIND $ids AS id MATCH (a:RiskAlert {id: id}) SET a.lockToken = $token"

ESCALATE_LOCKED = """
UNWIND $ids AS id
MATCH (a:RiskAlert {id: id})
WHERE a.status = 'open'
SET a.status = 'escalated', a.escalatedAt = datetime()
RETURN a.id AS id, a.lastMessage AS message
"""

LINK_ESCALATED = (
    """
MATCH (a:RiskAlert {id: $alert_id})
UNWIND $recipients AS row
MATCH (e:Resource {iri: row.iri}) """
    + by_iri("e")
    + """
MERGE (a)-[t:ROUTED_TO]->(e)
SET t.role = row.role, t.via = row.via, t.escalation = true
"""
)


# --- operators (semgraph alerts …) -------------------------------------------------------

FIND_ALERT_IDS = """
MATCH (a:RiskAlert) WHERE a.id STARTS WITH $prefix RETURN a.id AS id LIMIT 2
"""

LIST_ALERTS = """
MATCH (a:RiskAlert)
WHERE ($status IS NULL OR a.status = $status)
  AND ($risk IS NULL OR a.riskLevel = $risk)
OPTIONAL MATCH (a)-[:HAS_DELIVERY]->(d:Delivery)
WITH a, collect(d {.*}) AS deliveries
WHERE $delivery IS NULL OR any(d IN deliveries WHERE d.status = $delivery)
OPTIONAL MATCH (a)-[t:ROUTED_TO]->(e)
WITH a, deliveries,
     collect({iri: e.iri, name: e.name, email: e.email, role: t.role, via: t.via}) AS routed
RETURN a {.*} AS alert, deliveries, routed
ORDER BY a.lastRaisedAt DESC LIMIT $limit
"""

ROUTED_TO_READER = """
MATCH (a:RiskAlert)-[:ROUTED_TO]->(e)
WHERE (toLower(e.email) = toLower($who) OR e.iri = $who)
  AND (NOT $open_only OR a.status <> 'resolved')
  AND ($status IS NULL OR a.status = $status)
  AND ($risk IS NULL OR a.riskLevel = $risk)
RETURN DISTINCT a.id AS id, a.lastRaisedAt AS at ORDER BY at DESC LIMIT $limit
"""

SHOW_ALERT = """
MATCH (a:RiskAlert {id: $id})
OPTIONAL MATCH (a)-[t:ROUTED_TO]->(e)
WITH a, collect({iri: e.iri, name: e.name, email: e.email, role: t.role, via: t.via}) AS routed
OPTIONAL MATCH (a)-[:HAS_DELIVERY]->(d:Delivery)
OPTIONAL MATCH (d)-[:ATTEMPT]->(x:DeliveryAttempt)
WITH a, routed, d, x ORDER BY x.at
WITH a, routed, d, collect(x {.*}) AS history
WITH a, routed, collect(CASE WHEN d IS NULL THEN null ELSE d {.*, history: history} END)
     AS deliveries
RETURN a {.*} AS alert, deliveries, routed
"""

ACKNOWLEDGE = """
MATCH (a:RiskAlert {id: $id})
WITH a, a.status AS was
FOREACH (_ IN CASE WHEN was IN ['open', 'escalated'] THEN [1] ELSE [] END |
  SET a.status = 'acknowledged', a.acknowledgedAt = datetime(), a.acknowledgedBy = $by,
      a.acknowledgeNote = $note)
RETURN was, a.status AS status
"""

RESOLVE = """
MATCH (a:RiskAlert {id: $id})
WITH a, a.status AS was
FOREACH (_ IN CASE WHEN was <> 'resolved' THEN [1] ELSE [] END |
  SET a.status = 'resolved', a.resolvedAt = datetime(), a.resolvedBy = $by,
      a.resolveNote = $note
  REMOVE a.openKey)
RETURN was, a.status AS status
"""
