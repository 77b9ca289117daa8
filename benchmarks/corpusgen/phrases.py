"""The sentences generated postmortems are made of.

Timeline texts are grouped by the kind the timeline rules should give them,
factor texts by the taxonomy category they should fall into; a test checks
every one of them against data/timeline_rules.yaml and data/taxonomy.yaml,
so a rule edit that changes their meaning shows up at once. Many phrasings
per group keep the corpus from being one sentence repeated. Placeholders:
{svc} service, {who} handle, {ver}/{prev} versions, {sev} severity, {pct}
percentage, {metric} metric name, {flag} feature flag, {n} a number.
"""

from __future__ import annotations

# --- timeline events ---------------------------------------------------------

# What set the incident off, by the kind of cause.
START: dict[str, tuple[str, ...]] = {
    "deploy": (
        "Deployment of {svc} v{ver} completed to production",
        "{svc} v{ver} rolled out to production",
        "Release {ver} of {svc} went out to all regions",
    ),
    "config": (
        "Config change to {svc} pushed to all regions",
        "Feature flag `{flag}` enabled for 100% of traffic",
        "Terraform change for {svc} merged and applied",
        "Configuration update for {svc} applied in eu-west-1",
    ),
    "load": (
        "Nightly batch job started on {svc}",
        "Marketing campaign traffic started; batch job kicked off at the same time",
        "Disk on the {svc} primary filled",
        "Database migration {n} started on {svc}",
    ),
    "external": (
        "Upstream provider began returning errors to {svc}",
        "Requests from {svc} to the vendor API started timing out",
        "{svc} began failing on calls to the third-party API",
    ),
    "bug": (
        "Upgrade of {svc} to v{ver} applied",
        "Release {ver} of {svc} deployed to production",
        "{svc} started crashing after the morning release",
    ),
    "security": (
        "{svc} began failing TLS handshakes",
        "Errors began on {svc} login requests from a single ASN",
        "Impact began: credential stuffing attack against {svc}",
    ),
}
# Changes that name no impact: a change is the start only when the first
# alert or report follows at once (FORMAT.md), so these are used only then
# and exercise that rule.
START_UNNAMED: dict[str, tuple[str, ...]] = {
    "deploy": ("Deploy of {svc} build {ver} finished in prod",),
    "config": ("New routing rules for {svc} pushed",),
    "load": ("Cache flush initiated for {svc}",),
    "external": ("Vendor maintenance window on their side",),
    "bug": ("Nightly cron job on {svc} started on the new code path",),
    "security": ("Certificate rotation job on {svc} started",),
}
# Start phrases that tell a change, not impact: when the first alert or
# report comes later than that, the writer says the impact began at once.
START_CHANGES = frozenset({
    *START["deploy"], *START["config"], "Nightly batch job started on {svc}",
    "Marketing campaign traffic started; batch job kicked off at the same time", "Database migration {n} started on {svc}",
    "Upgrade of {svc} to v{ver} applied", "Release {ver} of {svc} deployed to production",
})  # fmt: skip
IMPACT_AT_ONCE = ", and errors began at once"
# Start phrases that state a cause where a document tells what happened ('Config change to {svc} pushed'):
# a document that writes them in its What Happened has that category too.
START_STATES = {
    "Config change to {svc} pushed to all regions": "config-change",
    "Feature flag `{flag}` enabled for 100% of traffic": "deploy-safety",
    "Terraform change for {svc} merged and applied": "config-change",
    "Configuration update for {svc} applied in eu-west-1": "config-change",
    "Upstream provider began returning errors to {svc}": "dependency-failure",
    "Requests from {svc} to the vendor API started timing out": "dependency-failure",
    "{svc} began failing on calls to the third-party API": "dependency-failure",
    "Impact began: credential stuffing attack against {svc}": "security",
}
CHANGE_START_MINUTES = 30  # data/timeline_rules.yaml: change_start_minutes
START_GROUP = {
    "deploy-safety": "deploy", "code-review-gap": "deploy", "testing-gap": "deploy", "staging-parity": "deploy",
    "config-change": "config", "capacity-limits": "load", "monitoring-gap": "load", "process-gap": "config",
    "documentation-gap": "load", "dependency-failure": "external", "software-bug": "bug", "security": "security",
}  # fmt: skip

TIMELINE: dict[str, tuple[str, ...]] = {
    "detect": (
        "First alert: {metric} > {pct}%",
        "Alert fired: {metric} above threshold",
        "PagerDuty page fired for {svc} error rate",
        "Latency alert fired for {svc} p99",
        "Synthetic check for {svc} failing; alerts triggered",
        "Datadog monitor sent an alert to #ops",
        "Customers report failed requests in #support",
        "Support escalates reports of slow {svc} responses",
        "Users reported errors through the in-app feedback form",
        "Grafana alert: {metric} dropped to zero",
        "On-call paged by the error budget burn alert",
    ),
    "detect_customer": (
        "Customers report failed requests in #support",
        "Support escalates reports of slow {svc} responses",
        "Users reported errors through the in-app feedback form",
        "First customer report of errors on {svc} via Zendesk",
    ),
    "acknowledge": (
        "On-call engineer @{who} acknowledges alert",
        "@{who} acknowledged the page",
        "Page acked by @{who}",
        "Alert acknowledged by @{who}",
        "On-call responded, @{who} looking at {svc}",
        "@{who} (on-call) acknowledged and started looking",
    ),
    "declare": (
        "Incident declared {sev}, @{who} is incident commander",
        "Declared a {sev} incident; @{who} takes incident command",
        "Incident channel created, @{who} coordinating",
        "War room opened, @{who} as incident commander",
        "Escalated to an incident, @{who} as IC",
        "Status page incident posted",
    ),
    "resolve": (
        "Service fully recovered, incident resolved",
        "All clear: {metric} back to baseline",
        "Error rates back to normal; incident closed",
        "{svc} stable again, resolved",
        "Latency normalized across all regions",
        "Backlog fully processed; incident closed",
        "Confirmed recovery after 30 minutes of watching {metric}",
    ),
}

# Investigation steps: any incident, and the ones that fit its kind of cause.
OTHER = (
    "Initial investigation begins, error rate at {pct}%",
    "@{who} joins to help with the analysis",
    "Looking at {svc} logs for the failing requests",
    "Customer support given a holding statement",
    "Traced the failures to a single availability zone",
    "Heap dump taken from one {svc} pod",
    "Suspect the cache layer; checking hit ratio",
)
# Investigation steps that are responders at work (an acknowledgement, where none is written).
NOT_RESPONSES = frozenset({"Customer support given a holding statement",
                           "Vendor status page confirms a problem on their side"})  # fmt: skip
OTHER_BY_GROUP: dict[str, tuple[str, ...]] = {
    "deploy": ("Decision to roll back the deployment", "Rollback to v{prev} initiated",
               "Correlated the errors with the {svc} deploy"),
    "config": ("Compared the config of {svc} across regions", "Found the setting that changed in the last push"),
    "load": ("Database connection exhaustion identified", "Scaling {svc} from 6 to 12 pods",
             "Identified a cache miss storm"),
    "external": ("Opened a case with the vendor", "Vendor status page confirms a problem on their side"),
    "bug": ("Root cause hypothesis: connection leak in {svc}", "Reproduced the crash locally"),
    "security": ("Security team engaged", "Suspicious IPs identified in the access logs"),
}  # fmt: skip
MITIGATE_BY_GROUP: dict[str, tuple[str, ...]] = {
    "deploy": ("Rollback complete, error rate dropping", "Rolled back {svc} to v{prev}",
               "Reverted the release, impact stopped"),
    "config": ("Reverted config, impact stopped", "Flag disabled, latency recovering",
               "Config change reverted; error rate dropping"),
    "load": ("Queue draining after consumers were scaled up", "Batch job paused, queue draining",
             "Load shed at the edge; latency recovering", "Disk space freed, writes recovering"),
    "external": ("Traffic shifted to the secondary region", "Failover completed, {svc} partially restored",
                 "Workaround applied: requests routed around the vendor"),
    "bug": ("Hotfix deployed to {svc}, errors decreasing", "Rolled back {svc} to v{prev}",
            "Workaround applied: the bad code path disabled"),
    "security": ("Credentials rotated; errors decreasing", "Certificate replaced, handshakes recovering",
                 "Offending traffic blocked at the edge, impact stopped"),
}  # fmt: skip

METRICS = ("error_rate", "p99_latency_ms", "http_5xx_ratio", "queue_depth", "login_success_rate",
           "checkout_error_rate", "index_lag_seconds", "crash_free_sessions")  # fmt: skip
FLAGS = ("new-session-store", "fast-checkout", "ranker-v2", "async-ledger", "edge-cache", "bulk-export")

# --- contributing factors ----------------------------------------------------

FACTORS: dict[str, tuple[str, ...]] = {
    "testing-gap": (
        "No integration tests covered the retry path in {svc}",
        "Unit tests did not exercise the empty-cart case",
        "The change shipped without a load test at peak volume",
        "Test coverage for the currency conversion module was below 20%",
        "The schema migration was not tested against a realistic dataset",
        "Our smoke tests only check that {svc} starts, not that it serves requests",
        "The end-to-end test suite was skipped to meet the release date",
        "Contract tests between {svc} and its clients did not exist",
        "The failing case was untested because fixtures used only US addresses",
        "Regression tests for the pricing rules were missing",
        "There was no test for the timezone rollover case",
        "Performance tests ran against 5% of the production data volume",
        "The presubmit suite did not run the provider mocks",
        "Chaos tests for zone failure were never scheduled",
        "Automated tests covered the happy path only",
        "Missing test coverage for the batch retry code",
        "No stress test simulated a cold cache after a restart",
        "The new endpoint was merged with insufficient testing",
    ),
    "code-review-gap": (
        "Code review did not catch the connection handling change",
        "The reviewer focused on the business logic and missed the timeout change",
        "The pull request was approved without a second pair of eyes on the SQL",
        "A 2,000-line PR was rubber-stamped in code review",
        "Change review did not include anyone from the owning team",
        "The review checklist has no item for database access patterns",
        "Reviewers overlooked the changed timeout default",
        "The diff hid the behaviour change; code reviews look at business logic only",
        "The patch was self-approved without code review",
        "Pull request review happened after the merge",
        "The reviewer did not catch that the cache key dropped the tenant id",
        "Code review focused on style comments, not on failure modes",
        "Nobody on the PR review looked at the downstream consumers",
    ),
    "monitoring-gap": (
        "Database connection metrics alert threshold was too high (90%)",
        "No alert on the {svc} error ratio",
        "Dashboards showed averages, hiding the p99 latency",
        "There was no monitoring on the replication lag",
        "Customers noticed it first; our checks were green",
        "The health check only looked at the TCP port",
        "Missing dashboard for queue consumer lag",
        "Alerting was routed to a channel nobody watches",
        "The synthetic probe did not cover the EU region",
        "The pager went to a retired schedule",
        "Error-rate alerts fired only after a 15 minute window",
        "Lack of metrics on the cache hit ratio",
        "No visibility into third-party webhook latency",
        "The latency alert was muted during an earlier incident and never re-enabled",
        "Missing logs for {svc}: sampling dropped 99% of error lines",
        "Nobody was paged for the disk usage warning",
    ),
    "staging-parity": (
        "Staging environment has lower traffic, masking the issue",
        "Staging runs a single replica, so the race never showed up",
        "Pre-production uses a different {svc} version than production",
        "The staging dataset is 1% of production size",
        "The dev environment does not enable regional failover",
        "Staging does not mirror production flag state",
        "There is no production-like environment for the batch jobs",
        "Environment parity drifted: staging still used the old load balancer",
        "Staging had the cache disabled, hiding the stale-key behaviour",
        "The test environment runs without realistic {svc} traffic",
        "Staging and production resolve the {svc} endpoint differently",
        "Pre-prod uses synthetic users that never hit the legacy path",
        "Staging was two schema versions behind production",
    ),
    "deploy-safety": (
        "No canary stage: the release went to all regions together",
        "The deployment went to every region at once",
        "Rollback took 12 minutes because images had to be rebuilt",
        "There is no automated rollback when error rates rise",
        "The feature flag was flipped for 100% of users in one step",
        "The deploy pipeline has no gradual rollout for {svc}",
        "Deployment bypassed the canary because of a pipeline override",
        "The release was a big-bang cutover with no way back",
        "Blue-green switch sent all requests to the new pool before warm-up",
        "A phased rollout was planned but dropped under time pressure",
        "Rollbacks of {svc} need a full rebuild and take 20 minutes",
        "The deployment was pushed without canary analysis",
        "Percentage ramp was set to 100% by default",
        "Deploys of {svc} do not use a staged rollout",
        "A rollback required restoring the previous image by hand",
    ),
    "config-change": (
        "A configuration change lowered the {svc} connection timeout to 1s",
        "A config push to the EU region set an invalid backend host",
        "The Helm values for {svc} were edited by hand",
        "A typo in the YAML config disabled the cache",
        "The DNS record for {svc} was changed to point at the old cluster",
        "A Terraform change removed the NAT gateway route",
        "The nginx config update dropped the keep-alive setting",
        "Misconfigured retry budget in the service mesh",
        "A setting was changed in the admin console without a record",
        "The batch size was hard-coded in the config map",
        "Config drift between regions left one cluster on the old value",
        "An ingress config change routed requests to the wrong backend",
        "The config file was updated with an invalid value",
        "The load balancer config had the wrong health port",
        "Config error in the {svc} routing file",
    ),
    "capacity-limits": (
        "Database connection pool exhausted under peak load",
        "{svc} ran out of memory during the nightly batch",
        "Disk on the primary filled up with WAL files",
        "The API hit the provider's rate limit",
        "CPU saturation on the {svc} nodes",
        "Traffic spike from a marketing email tripled request volume",
        "Autoscaling was capped at 10 pods",
        "Queue depth grew faster than consumers could drain it",
        "The cluster quota for load balancers was reached",
        "Thundering herd after the cache flush",
        "OOM kills on the {svc} pods under the new mapping",
        "Storage volume ran out of space",
        "Max connections on the database was set too low for the new pods",
        "Batch job and checkout share one queue with no priority lanes",
        "IOPS limits on the volume were reached during compaction",
        "We did not have capacity headroom for the holiday peak",
        "The backlog of events took hours to drain",
    ),
    "dependency-failure": (
        "An upstream DNS provider outage",
        "A third-party API returned malformed responses",
        "AWS us-east-1 had an EBS incident",
        "A vendor outage took down SMS delivery",
        "A library upgrade changed the default serializer",
        "The SDK update introduced a breaking change",
        "Cloudflare had a partial outage in two PoPs",
        "An external dependency timed out without a fallback",
        "GitHub was down, blocking the hotfix build",
        "Our upstream identity provider changed its response format",
        "Slack's API degraded, delaying chat notifications",
        "A Stripe incident delayed webhooks",
        "A transitive dependency pulled in an incompatible version",
        "The cloud provider throttled our API calls",
        "Okta had a degradation affecting SSO logins",
    ),
    "documentation-gap": (
        "No documentation on connection management patterns",
        "The runbook for {svc} failover was stale",
        "The on-call engineer was unfamiliar with {svc}",
        "Recovery steps were tribal knowledge",
        "The wiki page described the old architecture",
        "No playbook existed for partial region loss",
        "The behaviour of the retry header was not documented",
        "Nobody knew the cron job depended on the cache",
        "The failover procedure was not well understood",
        "Onboarding does not cover the billing data model",
        "Knowledge of the legacy queue sat with one engineer",
        "The API contract was never documented",
        "Developer unfamiliar with codebase patterns",
        "The architecture documentation did not mention the shared cache",
    ),
    "process-gap": (
        "Escalation path to the database team was unclear",
        "No clear ownership of {svc}",
        "The handoff between shifts dropped the open issue",
        "The change went out during a change freeze",
        "Communication with support lagged by 40 minutes",
        "The failover steps were run manually",
        "On-call rotation had a gap over the weekend",
        "No checklist for the quarterly maintenance window",
        "Coordination between the data and platform teams was ad hoc",
        "The release process has no sign-off step for schema changes",
        "Teams worked siloed during the response",
        "Manual database maintenance had no second operator",
        "Ownership of the shared cron host was unclear",
        "The incident process did not assign a commander for 30 minutes",
        "Approval for the emergency change took an hour",
    ),
    "software-bug": (
        "A race condition in the session refresh code",
        "Null pointer exception when the profile had no avatar",
        "The retry logic retried non-idempotent requests",
        "An off-by-one error in the pagination cursor",
        "A regression in v{ver} broke currency rounding",
        "A goroutine leak bug in {svc}",
        "Unhandled timeout in the webhook consumer",
        "A deadlock between the two writers",
        "Code path for legacy accounts skipped validation",
        "An N+1 query pattern overloaded the database",
        "Retry storm from clients without backoff",
        "Edge case in daylight-saving handling",
        "A bug in the deduplication logic dropped valid events",
        "The refactor changed the connection acquisition method",
        "Infinite loop in the sitemap generator",
        "Panic on an empty field in the request payload",
        "The parser crashed on emoji in display names",
    ),
    "security": (
        "An expired TLS certificate on the {svc} endpoint",
        "An API key was leaked in a public repository and abused",
        "Credential stuffing attack against the login endpoint",
        "A vulnerable image library was exploited",
        "Overly broad IAM permissions on the export bucket",
        "A DDoS attack saturated the edge",
        "The service account token was not rotated after the contractor left",
        "Phishing compromised a support agent's account",
        "Missing access control check on the admin API",
        "A supply-chain compromise in a build plugin",
        "Security patch for {svc} was delayed two weeks",
        "Certificate expiry was not tracked for internal endpoints",
        "Secrets were exposed in debug output",
        "Privilege misuse through the legacy admin role",
    ),
}
CATEGORIES = tuple(FACTORS)

# Deliberately uncategorizable: the taxonomy should leave these alone.

# Factor phrases that state a second cause beside their own ('An N+1 query pattern overloaded the
# database': a bug, and the load it put on the database); the document then has both categories.
ALSO = {
    "The reviewer focused on the business logic and missed the timeout change": "config-change",
    "The review checklist has no item for database access patterns": "process-gap",
    "Reviewers overlooked the changed timeout default": "config-change",
    "An external dependency timed out without a fallback": "design-weakness",
    "The cloud provider throttled our API calls": "capacity-limits",
    "Knowledge of the legacy queue sat with one engineer": "process-gap",
    "An N+1 query pattern overloaded the database": "capacity-limits",
    "A DDoS attack saturated the edge": "capacity-limits",
}
VAGUE: tuple[str, ...] = (
    "Unlucky timing: two unrelated changes landed the same afternoon",
    "Still under investigation",
    "Several small things went wrong at once",
    "The exact trigger is unclear",
    "Hard to say; the system behaved unexpectedly",
    "A combination of factors",
    "It was a Friday afternoon",
    "Root cause not yet determined",
)

# --- titles, actions, lessons ------------------------------------------------

TITLES: dict[str, tuple[str, ...]] = {
    "testing-gap": ("{Svc} errors after an untested change", "Broken {svc} release reached production",
                    "{Svc} failures on an uncovered path"),
    "code-review-gap": ("{Svc} outage from a reviewed-but-broken change", "{Svc} errors after a large merge"),
    "monitoring-gap": ("Silent {svc} degradation", "{Svc} errors noticed late", "Unalerted {svc} lag"),
    "staging-parity": ("{Svc} failure that staging could not reproduce", "{Svc} errors only in production"),
    "deploy-safety": ("{Svc} outage after deploy", "Bad {svc} release to all regions", "{Svc} errors after rollout"),
    "config-change": ("{Svc} outage after config push", "{Svc} misrouted after config change",
                      "{Svc} timeouts after settings change"),
    "capacity-limits": ("{Svc} saturation at peak", "{Svc} connection pool exhaustion", "{Svc} disk full",
                        "{Svc} backlog during batch run"),
    "dependency-failure": ("{Svc} degraded by upstream outage", "{Svc} errors from vendor API",
                           "{Svc} broken by library upgrade"),
    "documentation-gap": ("Slow {svc} recovery", "{Svc} failover stalled"),
    "process-gap": ("{Svc} outage during maintenance", "{Svc} change during freeze"),
    "software-bug": ("{Svc} crash loop", "{Svc} data corruption bug", "{Svc} regression in release"),
    "security": ("{Svc} certificate expiry", "{Svc} credential abuse", "{Svc} under attack"),
}  # fmt: skip

ACTIONS: dict[str, tuple[str, ...]] = {
    "testing-gap": ("Add integration test for {svc} connection pool behavior", "Add load test for peak volume on {svc}",
                    "Cover the empty-input case with unit tests", "Run contract tests for {svc} in CI",
                    "Add a migration dry run against a production snapshot"),
    "code-review-gap": ("Add infrastructure items to the review checklist", "Require an owner review for {svc} changes",
                        "Split large changes before review"),
    "monitoring-gap": ("Lower database connection alert threshold to 70%", "Add alert on {svc} error ratio",
                       "Add p99 latency panel to the {svc} dashboard", "Add synthetic probe for the EU region",
                       "Alert on consumer lag for {svc}"),
    "staging-parity": ("Load test staging with production-like traffic", "Refresh staging data weekly",
                       "Run two replicas of {svc} in staging"),
    "deploy-safety": ("Add canary stage to the {svc} pipeline", "Implement automated rollback on error-rate rise",
                      "Ramp {svc} releases by percentage", "Make rollback a one-click action"),
    "config-change": ("Validate {svc} config in CI", "Move {svc} settings into version control",
                      "Add a diff preview to config pushes"),
    "capacity-limits": ("Raise connection pool limits for {svc}", "Set autoscaling ceiling from load tests",
                        "Add disk usage forecast alert", "Split batch traffic onto its own queue",
                        "Request quota increase for {svc}"),
    "dependency-failure": ("Add a fallback for the vendor API", "Pin library versions for {svc}",
                           "Add timeouts and a circuit breaker on upstream calls", "Subscribe to the vendor status feed"),
    "documentation-gap": ("Document connection management patterns", "Update the {svc} failover runbook",
                          "Write onboarding notes for {svc}"),
    "process-gap": ("Define an owner for {svc}", "Add the database team to the escalation policy",
                    "Write a handoff checklist for on-call shifts", "Agree a change freeze calendar"),
    "software-bug": ("Fix the race in the session refresh", "Handle empty payloads in {svc}",
                     "Add idempotency keys to retried requests", "Add backoff with jitter to client retries"),
    "security": ("Automate certificate renewal for {svc}", "Rotate service account tokens quarterly",
                 "Add access control check to admin endpoints", "Enable secret scanning on all repositories"),
}  # fmt: skip

# The Type an author writes in an action-items table with a Type column, by the
# category the action answers (the guide's Systemic Improvements types).
ACTION_TYPE = {
    "testing-gap": "Prevention", "code-review-gap": "Detection", "monitoring-gap": "Detection",
    "staging-parity": "Prevention", "deploy-safety": "Mitigation", "config-change": "Prevention",
    "capacity-limits": "Prevention", "dependency-failure": "Mitigation", "documentation-gap": "Prevention",
    "process-gap": "Process", "software-bug": "Prevention", "security": "Prevention",
}  # fmt: skip

# Technical Impact items of a full Impact section (no figures in them).
TECHNICAL_IMPACT = (
    "{svc} primary experienced elevated load",
    "Some replica lag on {svc} during the incident",
    "No permanent damage to {svc} or its data stores",
    "Queue backlog on {svc} drained within the hour",
)
SECURITY_IMPACT = (
    "session tokens of affected accounts were exposed and have been rotated",
    "credentials for {svc} were exposed; all were rotated",
    "an access token was leaked in logs; it was revoked",
)

WENT_WELL = (
    "Alerting detected the issue before customer reports",
    "Team collaborated effectively under pressure",
    "Rollback procedure worked smoothly",
    "Communication was clear and timely",
    "The incident channel kept everyone on one page",
    "Support had a holding statement within minutes",
    "The runbook steps for traffic shifting worked as written",
    "On-call handed over cleanly between shifts",
)
LUCKY = (
    "Incident occurred during business hours with full team available",
    "The database handled the load without failing completely",
    "No other incidents occurred simultaneously",
    "Traffic was at its weekly low",
    "The bad build reached one region before the deploy window closed",
    "A responder happened to know the legacy code path",
)
QUICK_LESSONS = (
    "Don't full-flush caches in production; use targeted invalidation.",
    "Small changes still need a staged rollout.",
    "The alert fired quickly; the fix took longer than it should have.",
    "Check the dependency's status page before digging into our own code.",
    "Write down the manual steps as they happen; we needed them again the next day.",
)
DETECTION_WORKED = ("Error rate alert fired within minutes", "Grafana dashboard clearly showed the spike",
                    "On-call response was swift")  # fmt: skip
# What didn't work in detection, with the category each states (a cause like any other).
DETECTION_MISSED = (("No deployment-correlated alerting", "monitoring-gap"),
                    ("Canary deployment would have caught this earlier", "deploy-safety"),
                    ("The alert only fired after customers complained", "monitoring-gap"))  # fmt: skip

WHY_QUESTIONS = (
    "Why did {svc} fail?",
    "Why did that happen?",
    "Why was it not caught earlier?",
    "Why was that safeguard missing?",
    "Why was this gap never addressed?",
)
SYMPTOMS = (
    "Requests to {svc} timed out",
    "{svc} returned 5xx errors for most requests",
    "Every request opened a new connection",
    "The workers stopped consuming from the queue",
    "Clients retried and multiplied the load",
)
EVIDENCE = (
    "Metrics showed the error rate above 40% for the whole window.",
    "The deploy log shows the change at the start time.",
    "Traces show every request waiting on the same lock.",
    "Review comments only discuss business logic.",
    "The wiki has no page on this part of the system.",
    "The alert history shows no page before the first report.",
)

MITIGATIONS = {
    "deploy": "rolling back {svc} to the previous release", "config": "reverting the configuration change",
    "load": "scaling out {svc} and pausing the batch job", "external": "failing over to the secondary provider",
    "bug": "deploying a hotfix to {svc}", "security": "rotating the affected credentials and blocking the source",
}  # fmt: skip

# Template 3's "Immediate:" fix, by the kind of cause.
IMMEDIATE = {
    "deploy": "Rolled back {svc} to the previous release", "config": "Reverted the configuration change",
    "load": "Scaled out {svc} and paused the batch job", "external": "Failed over to the secondary provider",
    "bug": "Deployed a hotfix to {svc}", "security": "Rotated the affected credentials",
}  # fmt: skip

BLAME = (
    "This was human error: {Name} forgot to scale the {svc} pool before the campaign.",
    "{Name} forgot to run the migration dry run, and the release went out anyway.",
    "The outage came down to human error during a manual change to {svc}.",
)
# Blame that names its cause as human error states operator error, blameful as it is.
BLAME_STATES = {BLAME[0]: "operator-error", BLAME[2]: "operator-error"}

NOTES = (
    (
        "on-call-handbook",
        "# {Team} on-call handbook\n\nHow we hand over the pager between shifts.\n\n"
        "## Handover\n\n- Read the open incidents channel\n- Check the error budget panel\n- Note anything odd in the "
        "shift log\n\n## Contacts\n\nEscalate to the team manager after 30 minutes.\n",
    ),
    (
        "notes",
        "# Notes from the {team} retro, not a postmortem\n\nWe talked about reducing alert noise and about the "
        "next quarter's reliability goals. Follow-ups live in the tracker.\n",
    ),
)

# Detection phrases that say the incident was first known from a report, not an alert: with an action
# item about monitoring, a document states a monitoring gap by its own timeline (docs/FACTORS.md).
REPORTED = frozenset({*TIMELINE["detect_customer"], *(t for t in TIMELINE["detect"] if "eport" in t)})
