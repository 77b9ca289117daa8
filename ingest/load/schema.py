"""The database schema: defined once, here; docs/SCHEMA.md is generated from it.

Every table that holds rows parsed from a document carries `source_path` (the
file they came from) and `incident_id` (the incident they belong to after the
corpus-level resolution of ids and 5-whys attachments). Rows parsed from a
file depend only on that file's bytes, the parser version and the rule files,
which is what lets a rebuild reuse them for unchanged files.

Every table with an `incident_id` (but `problems`) has the incident's
`incident_key` beside it: a number given when ids are resolved
(ingest/load/resolve.py), which the dashboard's queries join on, since
integers hash and compare faster than text.
"""

from __future__ import annotations

# (table, description, [(column, type, description)])
TABLES: list[tuple[str, str, list[tuple[str, str, str]]]] = [
    ("sources", "Every file the build saw and what became of it.", [
        ("path", "VARCHAR", "the file, as the corpus root was given plus its path under it"),
        ("root", "VARCHAR", "the corpus root it was found under"),
        ("relpath", "VARCHAR", "its path under the corpus root"),
        ("outcome", "VARCHAR", "incident | attached | skipped | rejected"),
        ("reason", "VARCHAR", "why it was skipped or rejected; for attached, what it joined"),
        ("kind", "VARCHAR", "standard | quick | five_whys | structured"),
        ("doc_id", "VARCHAR", "the id the document declares, else the one derived from its path"),
        ("id_explicit", "BOOLEAN", "the id was written in the document"),
        ("attach_to", "VARCHAR", "for 5-whys documents: the incident id they name"),
        ("incident_id", "VARCHAR", "the incident the file became or joined"),
        ("incident_key", "INTEGER", "the incident's incident_key"),
        ("content_hash", "VARCHAR", "SHA-256 of the bytes (first 32 hex digits)"),
        ("size_bytes", "BIGINT", "file size"),
        ("mtime_ns", "BIGINT", "the file's modification time (ns since the epoch) when it was read"),
        ("reused", "BOOLEAN", "records reused from the previous build (file unchanged)"),
    ]),
    ("documents", "One row per postmortem document read (incidents and attached parts), as the document says it.", [
        ("source_path", "VARCHAR", "the file"),
        ("incident_id", "VARCHAR", "resolved incident id"),
        ("incident_key", "INTEGER", "the incident's incident_key"),
        ("doc_id", "VARCHAR", "declared or derived id"),
        ("kind", "VARCHAR", "standard | quick | five_whys | structured"),
        ("title", "VARCHAR", ""),
        ("date", "DATE", "incident date"),
        ("severity", "VARCHAR", "SEV1..SEV5 or NULL"),
        ("status", "VARCHAR", "draft | in review | final or NULL"),
        ("team", "VARCHAR", "from front matter, header, else the first folder under the corpus root"),
        ("services", "VARCHAR[]", ""),
        ("tags", "VARCHAR[]", ""),
        ("authors", "VARCHAR[]", ""),
        ("timezone", "VARCHAR", "zone named in front matter or header"),
        ("started_at", "TIMESTAMP", "UTC"),
        ("detected_at", "TIMESTAMP", "UTC"),
        ("acknowledged_at", "TIMESTAMP", "UTC"),
        ("declared_at", "TIMESTAMP", "UTC"),
        ("mitigated_at", "TIMESTAMP", "UTC"),
        ("resolved_at", "TIMESTAMP", "UTC"),
        ("published_at", "TIMESTAMP", "UTC, from the document"),
        ("milestone_sources", "JSON", "{milestone: front_matter | timeline | header | prose | correction}"),
        ("duration_doubts", "JSON", "{duration id: why it is doubtful}: weak evidence, or the stated duration disagrees"),
        ("reported_duration_minutes", "DOUBLE", "the header's Incident Duration"),
        ("has_went_well_section", "BOOLEAN", "a What Went Well section is present"),
        ("custom_fields", "JSON", "front-matter keys the parser has no field for (impact keys too, as written)"),
        ("content_hash", "VARCHAR", ""),
    ]),
    ("incidents", "One row per incident: its main document's fields, resolved milestones and durations.", [
        ("incident_id", "VARCHAR", "unique"),
        ("incident_key", "INTEGER", "unique: the number the other tables join on; a rebuild in place keeps it"),
        ("title", "VARCHAR", ""),
        ("kind", "VARCHAR", "kind of the main document"),
        ("date", "DATE", ""),
        ("severity", "VARCHAR", ""),
        ("status", "VARCHAR", ""),
        ("team", "VARCHAR", ""),
        ("services", "VARCHAR[]", ""),
        ("tags", "VARCHAR[]", ""),
        ("authors", "VARCHAR[]", ""),
        ("started_at", "TIMESTAMP", "UTC"),
        ("detected_at", "TIMESTAMP", "UTC"),
        ("acknowledged_at", "TIMESTAMP", "UTC"),
        ("declared_at", "TIMESTAMP", "UTC"),
        ("mitigated_at", "TIMESTAMP", "UTC"),
        ("resolved_at", "TIMESTAMP", "UTC"),
        ("published_at", "TIMESTAMP", "UTC: front matter, else the file's first commit in git"),
        ("published_source", "VARCHAR", "document | git | NULL"),
        ("occurred_at", "TIMESTAMP", "started, else detected, else the incident date: what places it in a quarter"),
        ("ttd_minutes", "DOUBLE", "started -> detected"),
        ("tta_minutes", "DOUBLE", "detected -> acknowledged"),
        ("ttm_minutes", "DOUBLE", "started -> mitigated"),
        ("ttr_minutes", "DOUBLE", "started -> resolved"),
        ("reported_duration_minutes", "DOUBLE", "the header's Incident Duration"),
        ("milestone_sources", "JSON", ""),
        ("duration_doubts", "JSON", "{duration id: why it is doubtful} (docs/MILESTONES.md)"),
        ("custom_fields", "JSON", ""),
        ("source_path", "VARCHAR", "the main document"),
        ("n_documents", "INTEGER", "documents that make up the incident (main + attached)"),
    ]),
    ("incident_durations", "Every duration of data/durations.yaml per incident, where computable.", [
        ("incident_id", "VARCHAR", ""),
        ("incident_key", "INTEGER", "the incident's incident_key"),
        ("duration_id", "VARCHAR", "ttd, tta, ttm, ttr, ... as defined"),
        ("minutes", "DOUBLE", "end - start, never negative"),
        ("doubt", "VARCHAR", "why the figure is doubtful (weak evidence, a stated duration that disagrees), else NULL"),
        ("corrected", "VARCHAR", "the corrections (corrections file) its milestones rest on, with reasons, else NULL"),
    ]),
    ("duration_definitions", "The durations the build computed (data/durations.yaml).", [
        ("duration_id", "VARCHAR", ""),
        ("label", "VARCHAR", ""),
        ("start_milestone", "VARCHAR", ""),
        ("end_milestone", "VARCHAR", ""),
        ("position", "INTEGER", ""),
    ]),
    ("incident_services", "One row per incident and service it names.", [
        ("incident_id", "VARCHAR", ""),
        ("incident_key", "INTEGER", "the incident's incident_key"),
        ("service", "VARCHAR", ""),
    ]),
    ("timeline_events", "Timeline rows, in document order.", [
        ("incident_id", "VARCHAR", ""),
        ("incident_key", "INTEGER", "the incident's incident_key"),
        ("source_path", "VARCHAR", ""),
        ("seq", "INTEGER", "position in the document's timeline"),
        ("line", "INTEGER", "line in the file"),
        ("at", "TIMESTAMP", "UTC; NULL when the time could not be read"),
        ("kind", "VARCHAR", "start | detect | acknowledge | declare | mitigate | resolve | other"),
        ("kind_source", "VARCHAR", "column | tag | rule | structured | none"),
        ("text", "VARCHAR", ""),
        ("time_text", "VARCHAR", "the time as written"),
        ("signals", "VARCHAR", "what the text says, comma-separated: alert, report, respond, fix, recover, close, ..."),
        ("episode", "INTEGER", "0: the incident's own events; other values: a recurrence or entries made afterwards"),
    ]),
    ("milestone_evidence", "Why each milestone is what it is: the line, the rule and the words it rests on.", [
        ("incident_id", "VARCHAR", ""),
        ("incident_key", "INTEGER", "the incident's incident_key"),
        ("source_path", "VARCHAR", ""),
        ("milestone", "VARCHAR", "started | detected | acknowledged | declared | mitigated | resolved"),
        ("at", "TIMESTAMP", "UTC; NULL when a correction clears the milestone"),
        ("source", "VARCHAR", "front_matter | timeline | header | prose | correction"),
        ("line", "INTEGER", "the line it was read from"),
        ("rule", "VARCHAR", "what decided it, in words"),
        ("phrase", "VARCHAR", "the words of the document it rests on"),
        ("confidence", "VARCHAR", "clear (the document says it) | judgment (a reader had to choose) | weak (doubtful)"),
        ("reason", "VARCHAR", "a correction's reason"),
    ]),
    ("contributing_factors", "Contributing factors with their taxonomy category.", [
        ("incident_id", "VARCHAR", ""),
        ("incident_key", "INTEGER", "the incident's incident_key"),
        ("source_path", "VARCHAR", ""),
        ("seq", "INTEGER", ""),
        ("line", "INTEGER", ""),
        ("section", "VARCHAR", "where the statement stood: proximate_cause | contributing_factors | root_cause | root_causes_identified | why_not_caught | what_went_wrong | five_whys | front_matter | detection (the timeline) | the key of another section whose sentence states a cause (summary, what_happened, lessons, ...; text: before any heading)"),
        ("category", "VARCHAR", "taxonomy id, 'uncategorized' when none matched; a statement of two causes is two rows"),
        ("text", "VARCHAR", ""),
        ("why", "VARCHAR", "why it was filed so: the words that matched, the example it is like, or the document's own category"),
    ]),
    ("whys", "The 5 whys chain.", [
        ("incident_id", "VARCHAR", ""),
        ("incident_key", "INTEGER", "the incident's incident_key"),
        ("source_path", "VARCHAR", ""),
        ("level", "INTEGER", "1 = the first why"),
        ("line", "INTEGER", ""),
        ("question", "VARCHAR", ""),
        ("answer", "VARCHAR", ""),
        ("evidence", "VARCHAR", ""),
    ]),
    ("action_items", "One row per action item; status merged from the ticket tracker export.", [
        ("item_id", "VARCHAR", "source_path#seq, stable while the file is unchanged"),
        ("incident_id", "VARCHAR", ""),
        ("incident_key", "INTEGER", "the incident's incident_key"),
        ("source_path", "VARCHAR", ""),
        ("seq", "INTEGER", ""),
        ("line", "INTEGER", ""),
        ("section", "VARCHAR", "action_items | fix | systemic_improvements"),
        ("priority", "VARCHAR", "P0..P3 or NULL"),
        ("action", "VARCHAR", ""),
        ("doc_owners", "VARCHAR[]", "owners as the document names them, normalised"),
        ("owners", "VARCHAR[]", "handles after people-file aliases; the ticket's assignee when the document names none"),
        ("doc_due_date", "DATE", "due date as the document gives it"),
        ("due_date", "DATE", "from the document, else from the ticket"),
        ("due_text", "VARCHAR", "a due date as written when it could not be read"),
        ("ticket", "VARCHAR", "ticket key or link"),
        ("item_type", "VARCHAR", "prevention | detection | mitigation | process (data/action_types.yaml) or NULL"),
        ("item_type_source", "VARCHAR", "column (a Type column, a structured type) | rule (the text matched a rule) | none"),
        ("extra", "JSON", "table columns the parser has no role for"),
        ("doc_status", "VARCHAR", "open | done | dropped as the document says"),
        ("doc_status_source", "VARCHAR", "document (checkbox, Status column, mark) | none"),
        ("doc_status_text", "VARCHAR", ""),
        ("status", "VARCHAR", "open | done | dropped: ticket, else document, else open"),
        ("status_source", "VARCHAR", "ticket | document | none ('no status recorded')"),
        ("ticket_status", "VARCHAR", "the tracker's status text"),
        ("done_at", "DATE", "when the ticket was resolved"),
        ("document", "VARCHAR", "its document's path under the corpus root, as pages and exports show it"),
    ]),
    ("action_item_owners", "One row per action item and owner, with the people file's name, team and manager.", [
        ("item_id", "VARCHAR", ""),
        ("incident_id", "VARCHAR", ""),
        ("incident_key", "INTEGER", "the incident's incident_key"),
        ("owner", "VARCHAR", "normalised handle"),
        ("owner_name", "VARCHAR", "from the people file"),
        ("owner_team", "VARCHAR", "from the people file"),
        ("manager", "VARCHAR", "from the people file"),
    ]),
    ("lessons", "What went well / wrong, where we got lucky, lessons.", [
        ("incident_id", "VARCHAR", ""),
        ("incident_key", "INTEGER", "the incident's incident_key"),
        ("source_path", "VARCHAR", ""),
        ("seq", "INTEGER", ""),
        ("line", "INTEGER", ""),
        ("kind", "VARCHAR", "went_well | went_wrong | lucky | lesson | worked | didnt_work | could_improve"),
        ("text", "VARCHAR", ""),
    ]),
    ("blame_hits", "Sentences with blame phrasing about people (data/guide_rules.yaml).", [
        ("incident_id", "VARCHAR", ""),
        ("incident_key", "INTEGER", "the incident's incident_key"),
        ("source_path", "VARCHAR", ""),
        ("line", "INTEGER", ""),
        ("phrase", "VARCHAR", ""),
        ("quote", "VARCHAR", ""),
    ]),
    ("incident_impact", "Impact figures as the documents state them (ingest/understand/impact.py): one row per document and "
     "metric.", [
        ("incident_id", "VARCHAR", ""),
        ("incident_key", "INTEGER", "the incident's incident_key"),
        ("source_path", "VARCHAR", ""),
        ("seq", "INTEGER", ""),
        ("line", "INTEGER", "NULL for front matter and structured fields"),
        ("metric", "VARCHAR", "customers_affected | users_affected | revenue_loss | support_cost | support_tickets | "
                              "engineering_hours | downtime_minutes | data_loss | security_impact"),
        ("value", "DOUBLE", "the figure (a range's midpoint); NULL when unknown or a yes/no metric"),
        ("low", "DOUBLE", "lower bound (= value when exact; 0 for 'up to N')"),
        ("high", "DOUBLE", "upper bound (= value when exact; NULL for 'at least N')"),
        ("unit", "VARCHAR", "customers | users | tickets | person-hours | minutes | money"),
        ("currency", "VARCHAR", "money only: ISO code as written ($ = USD), never converted; NULL when none was written"),
        ("qualifier", "VARCHAR", "exact | range | at_least | at_most | unknown ('TBD', 'unknown': no figure)"),
        ("approximate", "BOOLEAN", "written with ~, about, approximately, estimated"),
        ("flag", "BOOLEAN", "data_loss / security_impact: true = there was, false = none; NULL otherwise"),
        ("source", "VARCHAR", "front_matter | impact_section | label | structured"),
        ("text", "VARCHAR", "the line or field it was read from"),
        ("counted", "BOOLEAN", "the figure the incident's numbers use: the main document's, else an attached one's"),
    ]),
    ("incident_links", "References to other incidents (ingest/understand/links.py), resolved where the target is in the corpus.", [
        ("incident_id", "VARCHAR", "the incident whose document makes the reference"),
        ("incident_key", "INTEGER", "the incident's incident_key"),
        ("source_path", "VARCHAR", ""),
        ("seq", "INTEGER", ""),
        ("line", "INTEGER", ""),
        ("section", "VARCHAR", "related_incidents (the Related Incidents section or a structured list) | front_matter | body"),
        ("ref_kind", "VARCHAR", "id | path | url | text (an item that names no id or link)"),
        ("ref", "VARCHAR", "as written"),
        ("ref_key", "VARCHAR", "what is matched: the id, the path under the corpus root, the URL's path"),
        ("ref_date", "DATE", "a date written beside the reference"),
        ("text", "VARCHAR", "the item or sentence it was found in"),
        ("target_id", "VARCHAR", "the incident it names, when that is in the corpus"),
        ("resolved", "BOOLEAN", "target_id was found"),
        ("counts", "BOOLEAN", "a reference to another incident: false for one to the incident itself and for a link "
                              "in the text to a file that is no incident"),
    ]),
    ("problems", "Everything the ingest could not read as written: file, line, level, code, message.", [
        ("source_path", "VARCHAR", "the document, tickets CSV or people file"),
        ("incident_id", "VARCHAR", ""),
        ("line", "INTEGER", ""),
        ("level", "VARCHAR", "error | warning"),
        ("code", "VARCHAR", "short code, e.g. bad-time, short-row, duplicate-id"),
        ("message", "VARCHAR", ""),
        ("stage", "VARCHAR", "parse (from the file alone) | build (across files)"),
    ]),
    ("quality_findings", "The guide's rules per incident: pass, fail or unknown (not measurable).", [
        ("incident_id", "VARCHAR", ""),
        ("incident_key", "INTEGER", "the incident's incident_key"),
        ("rule", "VARCHAR", "written_within_48h | whys_depth | action_items_complete | what_went_well | blameless | has_action_items | measurable | reported_duration"),
        ("outcome", "VARCHAR", "pass | fail | unknown"),
        ("detail", "VARCHAR", "what was found"),
        ("line", "INTEGER", "where, when one place is at fault"),
        ("quote", "VARCHAR", "the sentence, for blame findings"),
    ]),
    ("repeat_pairs", "Derived (ingest/load/derived.py): which incident repeats which earlier one, over all time, among "
     "every incident and within each team (analytics/repeats.py has the definition). The pairs within a team "
     "are the rows of scope '' with in_team and that team, and the rows of scope = the team.", [
        ("scope", "VARCHAR", "'' = among all incidents; else the team: pairs of its incidents whose pairs within "
                             "it differ from those among all (they share a category and service with other teams')"),
        ("team", "VARCHAR", "the later incident's team"),
        ("in_team", "BOOLEAN", "scope '': the pair is also one within the later incident's team"),
        ("incident_id", "VARCHAR", "the later incident"),
        ("incident_key", "INTEGER", "the incident's incident_key"),
        ("earlier_id", "VARCHAR", "the incident it repeats"),
        ("occurred_at", "TIMESTAMP", "when the later incident happened"),
        ("categories", "VARCHAR[]", "factor categories the two share on a shared service"),
        ("services", "VARCHAR[]", "services the two share with a shared category"),
        ("times_before", "BIGINT", "earlier incidents with the same category and service"),
        ("basis", "VARCHAR", "factors | link | both"),
        ("items", "BIGINT", "action items of the earlier incident"),
        ("dropped", "BIGINT", "of them dropped"),
        ("done_before", "BIGINT", "of them done before the later incident"),
    ]),
    ("incident_categories", "Derived: per incident and factor category, how many factors say it.", [
        ("incident_id", "VARCHAR", ""),
        ("incident_key", "INTEGER", "the incident's incident_key"),
        ("category", "VARCHAR", ""),
        ("mentions", "BIGINT", "contributing factors of the incident in the category"),
        ("went_wrong", "BIGINT", "of them from What Went Wrong"),
    ]),
    ("uncategorized_words", "Derived: the words of the uncategorized factors (lower case, split at anything "
     "not a-z or 0-9).", [
        ("word", "VARCHAR", ""),
    ]),
    ("factor_words", "Derived: per word of uncategorized_words and incident, how many of the incident's "
     "categorized factors use it (what curation weighs a suggested pattern against).", [
        ("word", "VARCHAR", ""),
        ("incident_id", "VARCHAR", ""),
        ("incident_key", "INTEGER", "the incident's incident_key"),
        ("factors", "BIGINT", ""),
    ]),
    ("tickets", "The ticket tracker export (--tickets).", [
        ("key", "VARCHAR", "as written"),
        ("key_norm", "VARCHAR", "upper case, for matching"),
        ("status", "VARCHAR", ""),
        ("status_class", "VARCHAR", "done | dropped | open"),
        ("resolved_at", "DATE", ""),
        ("due_date", "DATE", ""),
        ("assignee", "VARCHAR", "normalised"),
        ("line", "INTEGER", ""),
    ]),
    ("people", "The people file (--people).", [
        ("handle", "VARCHAR", ""),
        ("name", "VARCHAR", ""),
        ("team", "VARCHAR", ""),
        ("manager", "VARCHAR", ""),
    ]),
    ("taxonomy", "The factor categories the build used.", [
        ("category", "VARCHAR", ""),
        ("label", "VARCHAR", ""),
        ("description", "VARCHAR", ""),
        ("position", "INTEGER", ""),
    ]),
    ("meta", "Build facts: time, versions, corpus roots, default as-of date, counts, and `bundled_sample` (true when the corpus is the bundled sample).", [
        ("key", "VARCHAR", ""),
        ("value", "VARCHAR", ""),
    ]),
]  # fmt: skip

COLUMNS: dict[str, list[str]] = {t: [c[0] for c in cols] for t, _, cols in TABLES}
TYPES: dict[str, dict[str, str]] = {t: {c[0]: c[1] for c in cols} for t, _, cols in TABLES}

INDEXES = [
    "CREATE INDEX idx_items_incident ON action_items(incident_id)",
    "CREATE INDEX idx_owners_owner ON action_item_owners(owner)",
    "CREATE INDEX idx_events_incident ON timeline_events(incident_id)",
    "CREATE INDEX idx_factors_incident ON contributing_factors(incident_id)",
    "CREATE INDEX idx_impact_incident ON incident_impact(incident_id)",
    "CREATE INDEX idx_links_incident ON incident_links(incident_id)",
]


def ddl(table: str) -> str:
    cols = ", ".join(f'"{c}" {t}' for c, t, _ in next(cols for name, _, cols in TABLES if name == table))
    return f"CREATE TABLE {table} ({cols})"


def markdown() -> str:
    """docs/SCHEMA.md: the tables as a reader of the database needs them."""
    out = ["# Database schema", "", "Generated from `ingest/load/schema.py` (`python -m ingest.load.schema > docs/SCHEMA.md`).",
           "All timestamps are UTC (`TIMESTAMP` without zone); durations are minutes.",
           "Every `incident_id` (but the problems') has the incident's `incident_key` beside it: join on either; "
           "the number is faster.", ""]  # fmt: skip
    for name, desc, cols in TABLES:
        out += [f"## `{name}`", "", desc, "", "| column | type | meaning |", "|---|---|---|"]
        out += [f"| `{c}` | {t} | {d} |" for c, t, d in cols]
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(markdown())
