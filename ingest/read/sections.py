"""Section titles as people write them -> the section keys the parser knows."""

from __future__ import annotations

import re
from functools import lru_cache

# key -> the titles (normalised: lower case, no punctuation) that mean it.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "timeline": ("timeline", "timeline of events", "incident timeline", "detailed timeline",
                 "chronology", "sequence of events", "event timeline", "timeline and response"),
    "summary": ("summary", "executive summary", "overview", "tldr", "tl dr", "incident summary",
                "description", "background"),
    "what_happened": ("what happened", "what happened?", "incident description", "how did it happen",
                      "how it happened", "events"),
    "impact": ("impact", "customer impact", "user impact", "business impact", "technical impact",
               "impact assessment", "impact summary"),
    "root_cause_analysis": ("root cause analysis", "rca", "analysis", "causes and analysis"),
    "root_cause": ("root cause", "root causes", "cause", "causes", "what caused it",
                   "root cause and trigger", "trigger"),
    "why_it_happened": ("why it happened", "why did it happen", "why did this happen", "why this happened",
                        "why it failed", "why did it fail"),
    "why_not_caught": ("why it wasn t caught", "why it was not caught", "why wasn t it caught",
                       "why didn t we catch it", "why we didn t catch it", "why was it not caught"),
    "proximate_cause": ("proximate cause", "immediate cause", "direct cause"),
    "contributing_factors": ("contributing factors", "contributing factor", "contributing causes",
                             "contributors", "factors", "contributing conditions"),
    "five_whys": ("5 whys", "5 whys analysis", "five whys", "five whys analysis", "whys", "whys analysis"),
    "root_causes_identified": ("root causes identified",),
    "problem_statement": ("problem statement",),
    "detection": ("detection", "how was it detected"),
    "response": ("response", "incident response"),
    "resolution": ("resolution", "recovery", "resolution and recovery", "remediation taken",
                   "mitigation", "how it was fixed", "fix applied"),
    "lessons": ("lessons", "lessons learned", "lessons learnt", "learnings", "takeaways",
                "key takeaways", "retrospective", "insights", "conclusions", "conclusion", "what we learned",
                "what we learnt"),
    "what_went_well": ("what went well", "what went right", "things that went well", "went well",
                       "what went well?"),
    "what_went_wrong": ("what went wrong", "what went poorly", "what didn t go well",
                        "what did not go well", "what didn t go so well", "things that went wrong",
                        "what went badly", "what could have gone better"),
    "where_we_got_unlucky": ("where we got unlucky", "where we were unlucky", "what we got unlucky with",
                             "unlucky"),
    "where_we_got_lucky": ("where we got lucky", "where we got lucky?", "what we got lucky with",
                           "lucky", "where did we get lucky"),
    "what_worked": ("what worked",),
    "what_didnt_work": ("what didn t work", "what did not work"),
    "could_be_improved": ("what could be improved", "opportunities for improvement", "what could improve"),
    "action_items": ("action items", "action item", "actions", "follow ups", "follow up",
                     "followups", "follow up items", "follow up actions", "action items and follow ups",
                     "follow up improvements", "follow up work", "follow up tasks", "followup items",
                     "how are we preventing it from happening again", "how we will prevent this",
                     "preventing recurrence", "prevention",
                     "next steps", "corrective actions", "corrective and preventative measures",
                     "remediation", "remediations", "remediation items", "action plan",
                     "preventive actions", "preventative actions", "todo", "to do", "tasks",
                     "action items follow ups", "follow ups and action items", "improvements"),
    "fix": ("fix", "fixes"),
    "systemic_improvements": ("systemic improvements",),
    "related_incidents": ("related incidents", "related", "see also"),
    "responders": ("responders", "people involved", "involved", "participants"),
    "metadata": ("metadata", "incident details", "details", "incident metadata"),
    "supporting_data": ("supporting data", "appendix", "references", "links"),
}  # fmt: skip

_LOOKUP = {title: key for key, titles in SYNONYMS.items() for title in titles}

# Keys that are sub-sections of a larger part (lessons under "Lessons Learned",
# labels under "Why It Happened"); a pseudo-heading with such a key sits one
# level deeper than the major sections.
MINOR_KEYS = frozenset({
    "what_went_well", "what_went_wrong", "where_we_got_lucky", "where_we_got_unlucky", "what_worked", "what_didnt_work",
    "why_not_caught",
    "could_be_improved", "proximate_cause", "contributing_factors", "five_whys",
    "root_causes_identified", "problem_statement",
})  # fmt: skip

_STRIP = re.compile(r"[^\w&' ]+")
_LEADING_NUMBER = re.compile(r"^\s*(?:\d+(?:\.\d+)*[.)]|[ivx]+[.)])\s+", re.IGNORECASE)
# A bracketed aside and the white space before it. The space is taken only
# from where its run begins, so a long run of spaces is not rescanned from
# each of its characters (which made a 150 KB heading quadratic).
_PAREN = re.compile(r"(?:(?<!\s)\s+)?[(\[][^)\]]*[)\]]")


def _drop_asides(t: str) -> str:
    """`_PAREN` removed from t. Only the text up to the last closing bracket
    is searched: no aside can end after it, and an opening bracket with no
    closer after it would be scanned to the end from each such bracket."""
    last = max(t.rfind(")"), t.rfind("]"))
    if last < 0:
        return t
    return _PAREN.sub("", t[: last + 1]) + t[last + 1 :]


@lru_cache(maxsize=16384)
def normalise_title(title: str) -> str:
    t = title.replace("**", "").replace("__", "").replace("`", "")
    t = _LEADING_NUMBER.sub("", t)
    t = _drop_asides(t)
    t = t.replace("&", " and ").replace("'", " ").replace("\u2019", " ").replace("/", " ").replace("-", " ")
    t = _STRIP.sub(" ", t.lower())
    return " ".join(t.split())


_PREFIXES = (
    ("timeline", "timeline"), ("action items", "action_items"), ("follow up", "action_items"),
    ("lessons learned", "lessons"), ("root cause", "root_cause"), ("impact on", "impact"),
    ("how are we preventing", "action_items"), ("what went well", "what_went_well"),
    ("what went wrong", "what_went_wrong"), ("where we got lucky", "where_we_got_lucky"),
)  # fmt: skip


@lru_cache(maxsize=16384)
def section_key(title: str, prefixes: bool = True) -> str | None:
    """The key of a section title, or None when it is not one the parser knows.
    'Events/Timeline' is read part by part; with `prefixes`, 'Timeline of the
    outage (PST)' and 'Impact on users' by their first words (headings only:
    a label 'Root cause hypothesis:' in running text is not a section)."""
    norm = normalise_title(title)
    key = _LOOKUP.get(norm)
    if key is None and "/" in title:
        for part in title.split("/"):
            key = _LOOKUP.get(normalise_title(part))
            if key is not None:
                break
    if key is None and prefixes and len(norm) < 60:
        for prefix, k in _PREFIXES:
            if norm.startswith(prefix):
                return k
    return key
