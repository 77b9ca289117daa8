"""A small hand-written corpus with known impact figures, action-item types and
related incidents, for the analytics and page tests.

Seven Markdown postmortems, two teams, as of 2025-07-15 (review quarter 2025Q2):

  2025Q1  P1-1 payments SEV2  2,000 customers, $10k revenue, 40 tickets
          S1-1 search   SEV3  at least 300 users
  2025Q2  P2-1 payments SEV2  12,000 customers, ~$45,000, 847 tickets, ~8 person-hours, no data loss/security
          P2-2 payments SEV3  front matter: 3,400 customers, EUR 12,000, 120 tickets, no data loss; names P1-1
          S2-1 search   SEV1  10,000-15,000 users, revenue 'unknown', tickets 'TBD', data loss yes; links S1-1
          S2-2 search   SEV4  a quick postmortem: no figures at all
          S2-3 search   SEV3  ~500 customers, GBP 2,000-3,000, 0 tickets, no security implications

2025Q2 impact (5 incidents): customers 12,000 + 3,400 + 500 = 15,900 (n 3, median 3,400); users 12,500
(range 10,000-15,000, n 1); revenue USD 45,000 / EUR 12,000 / GBP 2,500 (range 2,000-3,000), n 3 and 1
unknown; tickets 847 + 120 + 0 = 967 (n 3, median 120, 1 unknown); engineering 8 (n 1); data loss 1 yes
2 no; security 0 yes 2 no.

2025Q2 action items (12, none dropped): prevention 2, detection 6, mitigation 1, process 1, untyped 2;
typed by a Type column 2 (P2-1), the rest by the rules. Search: detection 3, process 1, untyped 2.
"""

from __future__ import annotations

AS_OF = "2025-07-15"


def _doc(fm: str, title: str, day: str, sev: str, times: list[tuple[str, str]], body: str) -> str:
    rows = "\n".join(f"| {t} | {e} |" for t, e in times)
    return (
        f"---\n{fm.strip()}\n---\n# Postmortem: {title}\n\n**Date:** {day}\n**Status:** Final\n"
        f"**Incident Severity:** {sev}\n\n## Timeline (All times UTC)\n\n| Time | Event |\n|---|---|\n{rows}\n\n"
        f"{body.strip()}\n"
    )


T55 = [("14:23", "Deployment v2.3.4 completed to production"), ("14:31", "First alert: payment_error_rate > 5%"),
       ("15:18", "Service fully recovered, incident resolved")]  # fmt: skip
T30 = [("10:00", "Config change pushed to all regions"), ("10:10", "Alert fired for checkout errors"),
       ("10:30", "Service fully recovered, incident resolved")]  # fmt: skip
T240 = [("08:00", "Index rebuild started on the search cluster"), ("08:20", "Alert fired for stale results"),
        ("12:00", "Service fully recovered, incident resolved")]  # fmt: skip
T90 = [("09:00", "Ranker v2 rolled out to production"), ("09:15", "Customer reports of empty results"),
       ("10:30", "Service fully recovered, incident resolved")]  # fmt: skip

P1_1 = _doc(
    "id: P1-1\nteam: payments",
    "Card processor timeouts",
    "2025-02-10",
    "SEV2",
    T55,
    """
## Executive Summary

**Impact:**
- 2,000 customers affected
- Revenue loss: $10k
- 40 support tickets created

## Action Items

| Priority | Action | Owner | Due Date |
|---|---|---|---|
| P1 | Add contract tests for the card processor | @alice | 2025-03-01 |
""",
)
S1_1 = _doc(
    "id: S1-1\nteam: search",
    "Search results stale in March",
    "2025-03-12",
    "SEV3",
    T90,
    """
## Impact

At least 300 users saw stale results for an hour.

## Action Items

- [ ] Add alert on query latency (@carol, due 2025-04-01)
""",
)
P2_1 = _doc(
    "id: P2-1\nteam: payments",
    "Payment processing outage",
    "2025-04-15",
    "SEV2",
    T55,
    """
## Executive Summary

On April 15, 2025 the payment service had a 47-minute outage affecting approximately 12,000 customers.

**Impact:**
- 12,000 customers unable to complete purchases
- Estimated revenue loss: $45,000
- 847 support tickets created
- Engineering time: ~8 person-hours
- No data loss or security implications

## Action Items

| Priority | Action | Type | Owner | Due Date | Status |
|---|---|---|---|---|---|
| P0 | Add integration test for connection pool behavior | Prevention | @alice | 2025-04-22 | Done |
| P0 | Lower database connection alert threshold to 70% | Detection | @bob | 2025-04-20 | Open |
| P1 | Evaluate canary deployment strategy | | @carol | 2025-05-15 | Open |
| P2 | Document connection management patterns | Tech debt | @dave | 2025-05-30 | Open |
""",
)
P2_2 = _doc(
    """
id: P2-2
team: payments
customers_affected: 3400
revenue_loss_eur: 12000
support_tickets: 120
data_loss: false
""",
    "Checkout errors after config push",
    "2025-05-06",
    "SEV3",
    T30,
    """
## Action Items

- [ ] Add alert on card-processor timeouts (@bob, due 2025-05-20)
- [ ] Add synthetic probe for checkout (@alice, due 2025-05-27)

## Appendix

### Related Incidents

- 2025-02-10: Card processor timeouts again (P1-1)
""",
)
S2_1 = _doc(
    "id: S2-1\nteam: search",
    "Index corruption after rebuild",
    "2025-05-20",
    "SEV1",
    T240,
    """
## Impact

### Customer Impact
- Between 10,000 and 15,000 users saw stale or missing results
- Support tickets: TBD

### Business Impact
- Revenue loss: unknown
- Data loss: yes, 200 index updates were dropped

See the [indexer runbook](../runbooks/indexer.md) and INC-9999 for the vendor's side.

## Action Items

- [x] Add alert on index staleness (@carol, due 2025-06-01)
- [ ] Define an owner for the indexer (@dave, due 2025-06-15)

## Related Incidents

- [The March staleness](s1-1.md)
""",
)
S2_2 = """# Quick Postmortem: Cache miss storm

**Date:** 2025-06-03 | **Duration:** 12 min | **Severity:** SEV4

## Timeline

- 10:00 - Cache flush initiated for config update
- 10:02 - Latency alerts fire
- 10:12 - Latency normalized, resolved

## Fix

- Immediate: Flushed the cache (done)
- Long-term: Add cache warming on deploy (SRCH-9)
"""
S2_3 = _doc(
    "id: S2-3\nteam: search",
    "Empty results from ranker v2",
    "2025-06-18",
    "SEV3",
    T90,
    """
## Impact

| Figure | Value |
|---|---|
| Customers affected | ~500 |
| Revenue loss | £2,000-£3,000 |
| Support tickets | 0 |
| Security implications | None |

## Action Items

- [ ] Add alert on index lag (@carol, due 2025-07-01)
- [ ] Add alert on indexer errors (@carol, due 2025-07-08)
""",
)


def files() -> dict[str, str]:
    return {
        "payments/p1-1.md": P1_1,
        "search/s1-1.md": S1_1,
        "payments/p2-1.md": P2_1,
        "payments/p2-2.md": P2_2,
        "search/s2-1.md": S2_1,
        "search/s2-2.md": S2_2,
        "search/s2-3.md": S2_3,
    }


def build(tmp, rules):
    """The corpus built into tmp/db.duckdb, as of AS_OF."""
    from tests.conftest import build_corpus

    return build_corpus(tmp, files(), rules, as_of=AS_OF)
