"""Who and what a generated corpus is about: teams, their services and people.

Everything here is a plain, ordered constant so that generation never depends
on dict/set iteration order or hash randomisation."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Person:
    handle: str
    name: str
    team: str
    manager: str | None


@dataclass(frozen=True, slots=True)
class Team:
    name: str
    ticket_prefix: str
    services: tuple[str, ...]
    people: tuple[str, ...]  # engineers' handles, the manager excluded
    manager: str
    weight: float  # relative number of incidents
    symptom: str  # what customers saw, for summaries ("customers unable to ...")


TEAMS: tuple[Team, ...] = (
    Team("payments", "PAY", ("payments-api", "checkout-web", "ledger-db", "billing-worker"),
         ("alice", "bob", "carlos", "dana", "erin"), "maria", 1.5,
         "customers unable to complete purchases"),
    Team("search", "SRCH", ("search-api", "indexer", "query-router"),
         ("gina", "hank", "ines", "jon"), "nora", 0.9,
         "search results stale or empty"),
    Team("identity", "IDN", ("auth-service", "session-store", "sso-gateway", "user-directory"),
         ("kim", "lee", "mo", "priya", "quinn"), "olga", 0.8,
         "users unable to log in"),
    Team("platform", "PLAT", ("k8s-ingress", "coredns", "ci-runners", "service-mesh"),
         ("pat", "raj", "sven", "tara", "uma"), "yvonne", 1.3,
         "internal services failing to reach each other"),
    Team("data", "DATA", ("etl-scheduler", "warehouse", "kafka-cluster", "insights-api"),
         ("wei", "xena", "yusuf", "zoe"), "fatima", 1.1,
         "reports and dashboards showing stale numbers"),
    Team("mobile", "MOB", ("mobile-bff", "push-notifier", "ios-app", "android-app"),
         ("liam", "mei", "noah", "omar", "ruth"), "hiro", 0.7,
         "the app failing to load the home feed"),
)  # fmt: skip
TEAM_BY_NAME = {t.name: t for t in TEAMS}

NAMES = {
    "alice": "Alice Chen", "bob": "Bob Martin", "carlos": "Carlos Ruiz", "dana": "Dana Kim",
    "erin": "Erin Walsh", "maria": "Maria Lopez",
    "gina": "Gina Park", "hank": "Hank Moore", "ines": "Ines Costa", "jon": "Jon Berg", "nora": "Nora Lind",
    "kim": "Kim Tran", "lee": "Lee Wong", "mo": "Mo Haddad", "priya": "Priya Nair", "quinn": "Quinn Foster",
    "olga": "Olga Ivanova",
    "pat": "Pat Reilly", "raj": "Raj Patel", "sven": "Sven Olsen", "tara": "Tara Singh", "uma": "Uma Rao",
    "yvonne": "Yvonne Blake",
    "wei": "Wei Zhang", "xena": "Xena Doyle", "yusuf": "Yusuf Demir", "zoe": "Zoe Adams", "fatima": "Fatima Khan",
    "liam": "Liam Byrne", "mei": "Mei Suzuki", "noah": "Noah Fischer", "omar": "Omar Aziz", "ruth": "Ruth Evans",
    "hiro": "Hiro Tanaka",
}  # fmt: skip

# The person who also owns action items for another team (the platform
# engineer pulled into payments' database work), and the person whose items
# are sometimes written with their display name instead of a handle.
CROSS_TEAM_OWNER = ("raj", "payments")
ALIASED = "alice"
# An owner no people file knows (a shared rotation, not a person).
UNKNOWN_OWNER = "dbre-oncall"

# Services that keep failing the same way: (team, service) -> category.
REPEAT_SERVICES: dict[tuple[str, str], str] = {
    ("payments", "payments-api"): "deploy-safety",
    ("search", "indexer"): "config-change",
    ("data", "etl-scheduler"): "capacity-limits",
    ("mobile", "push-notifier"): "dependency-failure",
}

# Per-team tendencies for the primary (proximate) cause.
PRIMARY_WEIGHTS: dict[str, dict[str, float]] = {
    "payments": {"deploy-safety": 6, "capacity-limits": 5, "software-bug": 2, "testing-gap": 2,
                 "code-review-gap": 1, "config-change": 1, "dependency-failure": 1},
    "search": {"config-change": 5, "staging-parity": 3, "capacity-limits": 2, "software-bug": 2,
               "monitoring-gap": 1, "testing-gap": 1},
    "identity": {"dependency-failure": 4, "software-bug": 3, "config-change": 2, "documentation-gap": 2,
                 "process-gap": 1},
    "platform": {"config-change": 4, "capacity-limits": 3, "dependency-failure": 2, "process-gap": 2,
                 "deploy-safety": 2, "monitoring-gap": 1},
    "data": {"capacity-limits": 4, "monitoring-gap": 3, "software-bug": 2, "process-gap": 2,
             "documentation-gap": 1, "staging-parity": 1},
    "mobile": {"testing-gap": 4, "deploy-safety": 3, "dependency-failure": 2, "code-review-gap": 2,
               "software-bug": 2},
}  # fmt: skip
# Conditions that let a trigger become an incident, for every team.
CONTRIBUTING_WEIGHTS: dict[str, float] = {
    "monitoring-gap": 4, "testing-gap": 3, "staging-parity": 2, "code-review-gap": 2, "documentation-gap": 2,
    "process-gap": 2, "deploy-safety": 2, "capacity-limits": 1, "config-change": 1, "dependency-failure": 1,
    "software-bug": 1,
}  # fmt: skip
# Where a chain of whys tends to end: the systemic gaps.
ROOT_WEIGHTS: dict[str, float] = {
    "documentation-gap": 3,
    "process-gap": 3,
    "testing-gap": 2,
    "code-review-gap": 1,
    "monitoring-gap": 2,
}
# The failure mode that first appears in the last quarter, and the teams it hits.
NEW_CATEGORY = "security"
NEW_CATEGORY_SHARE = {"identity": 0.45, "platform": 0.3, "mobile": 0.25, "payments": 0.15, "search": 0.1, "data": 0.1}

# Median time to resolve, per team, as a factor at the first and at the last
# quarter (linear in between): payments clearly improves, data gets worse.
TTR_TREND: dict[str, tuple[float, float]] = {
    "payments": (3.0, 0.4),
    "search": (1.0, 1.0),
    "identity": (1.1, 0.9),
    "platform": (0.9, 1.0),
    "data": (0.4, 3.0),
    "mobile": (1.0, 1.1),
}
