"""Milestones decided from the whole timeline, the way a careful reader does
(FORMAT.md, docs/MILESTONES.md).

- started: when impact began. An explicit marker ('Outage begins', 'Start
  of incident') wins; else an event where impact set in ('launch success
  drops to zero') before the team knew; else a change the first alert or
  report followed at once; else a stated impact window. Never guessed: a
  timeline that opens with users already reporting has no start.
- detected: the first alert, report or noticing; a response before it means
  the team knew by then.
- acknowledged: the first sign of a responder at work: an acknowledgement,
  a person raising the page, an investigation, a fix that did not hold.
- mitigated: the first recovery that held (nothing after it says 'still
  failing'); when the timeline only says the incident was resolved or closed,
  the fix carried out before that; else the stated end of impact.
- resolved: the first declaration of resolution or confirmed full recovery
  that held; else the end of an incident tool's impact window; else the last
  recovery. With a single recovery event, it is both.

Events of another episode (a recurrence days later, a previous outage
recalled as background, entries made after the fact) are not used. Every
milestone keeps its evidence: the line, the rule, the words, how sure.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from ingest.read.problems import Problems
from ingest.understand.document import Event, Evidence
from ingest.understand.timeparse import iso_z
from ingest.understand.windows import Duration, Statement, Window, _instant, _timexes

DETECT = frozenset({"alert", "report", "notice"})
TOLERANCE = timedelta(minutes=5)
_VIOLATION = re.compile(r"violation started:?\s*(?P<when>.{6,60})", re.IGNORECASE)


def _phrase(e: Event, *signals: str) -> str:
    r = e.reading
    if r is None or e.kind_source in ("column", "structured", "tag"):  # named outright: the entry is the evidence
        return e.text[:120]
    for s in signals:
        p = r.phrase(s)
        if p:
            return p
    return e.text[:80]


def _ev(e: Event, rule: str, confidence: str, *signals: str) -> Evidence:
    conf = "weak" if e.approx and confidence == "clear" else confidence
    return Evidence(e.at, "timeline", e.line, rule, _phrase(e, *signals), conf)


def _recovered(e: Event) -> bool:
    return e.state == "recovered"


def _failing(e: Event) -> bool:
    return e.state == "failing"


def split_episodes(events: list[Event], settings: dict, anchor=None) -> list[Event]:
    """Mark events of other episodes (episode != 0) and return the incident's
    own timed events in time order. A new episode opens after a gap of
    `episode_gap_hours` when the incident had recovered and the next event
    is a new alert, report or onset."""
    timed = sorted((e for e in events if e.at is not None), key=lambda e: e.at)
    if not timed:
        return []
    gap = timedelta(hours=settings.get("episode_gap_hours", 24))
    groups: list[list[Event]] = [[timed[0]]]
    recovered = _recovered(timed[0])  # has the current group reached a recovery yet
    for prev, e in itertools.pairwise(timed):
        opens = bool(e.signals & (DETECT | {"onset", "start", "ack"})) and not _failing(e)
        if e.at - prev.at >= gap and recovered and opens:
            groups.append([e])
            recovered = False
        else:
            groups[-1].append(e)
        recovered = recovered or _recovered(e)
    if len(groups) == 1:
        return timed

    def score(g: list[Event]) -> tuple:
        marked = any("start" in x.signals for x in g)
        on_day = anchor is not None and any(x.at.date() == anchor or x.local_date == anchor for x in g)
        return (marked, on_day, len(g))

    main = max(range(len(groups)), key=lambda i: (score(groups[i]), -i))
    for i, g in enumerate(groups):
        if i != main:
            for e in g:
                e.episode = i + 1 if i > main else i - main
    # untimed events between other-episode events belong to them too
    return groups[main]


def decide(
    events: list[Event],
    windows: list[Window],
    statements: list[Statement],
    durations: list[Duration],
    settings: dict,
    problems: Problems,
    known: dict[str, datetime | None],
    anchor=None,
) -> dict[str, Evidence]:
    """{milestone: Evidence} for the milestones the document does not give
    outright (`known`: front matter, structured fields)."""
    del durations  # a stated duration places the start only afterwards (infer_start_from_duration)
    ev = split_episodes(events, settings, anchor)
    _warn_episodes(events, problems)
    out: dict[str, Evidence] = {}
    det = _detected(events, ev, statements)
    if det is not None:
        out["detected"] = det
    det_at = known.get("detected") or (det.at if det is not None else None)

    start = _start(ev, windows, statements, det_at, settings, problems)
    unknown_start = any(e.at is None and "start" in e.signals and e.episode == 0 for e in events)
    if start is not None and not unknown_start:  # '[???] outage began': the start is unknown, not guessed
        out["started"] = start
    start_at = known.get("started") or (out["started"].at if "started" in out else None)

    ends = _Ends.read(ev, windows, statements, start_at, problems)
    mit = _mitigated(ends, ev, statements, start_at)
    if mit is not None:
        out["mitigated"] = mit
    mit_at = known.get("mitigated") or (mit.at if mit is not None else None)
    res = _resolved(ends, ev, statements, mit, mit_at)
    if res is not None:
        out["resolved"] = res

    if det_at is not None:
        ack = _acknowledged(ev, det_at, mit, out.get("detected"))
        if ack is not None:
            out["acknowledged"] = ack
    decl = next((e for e in ev if "declare" in e.signals and (start_at is None or e.at >= start_at)), None)
    if decl is not None:
        out["declared"] = _ev(decl, "the incident was declared", "clear", "declare")
    return out


def _responds(e: Event) -> bool:
    s = e.signals
    if s & {"onset", "start"} and not s & DETECT:
        return False  # 'Disk fills up. Determined by looking at the logs': how the start was found, later
    return bool("ack" in s or "respond" in s or ("declare" in s and "alert" not in s))


def _detected(events: list[Event], ev: list[Event], statements: list[Statement]) -> Evidence | None:
    """The first alert, report or noticing; a response before it means the team knew by then."""
    first_det = next((e for e in ev if e.signals & DETECT), None)
    written_first = next((e for e in events if e.episode == 0 and e.signals & DETECT), None)
    if (
        written_first is not None
        and written_first.at is None
        and (first_det is None or written_first.line is None or first_det.line > written_first.line)
    ):
        return None  # the first alert or report has no time: when the team knew is not known
    first_resp = next((e for e in ev if _responds(e)), None)
    if first_det is not None and first_resp is not None and first_resp.at < first_det.at:
        return _ev(first_resp, "a response before any alert or report: the team knew by then", "judgment",
                   "ack", "declare", "respond")  # fmt: skip
    if first_det is not None:
        return _ev(first_det, "the first alert, report or noticing", "clear", "alert", "report", "notice")
    if first_resp is not None:
        return _ev(first_resp, "no alert or report: the first response", "judgment", "ack", "declare", "respond")
    st = next((s for s in sorted(statements, key=lambda s: s.at) if s.reading.signals & DETECT), None)
    if st is not None:
        return Evidence(st.at, "prose", st.line, "stated in the text", st.text[:120], "judgment")
    return None


@dataclass
class _Ends:
    """What the end of impact is decided from: the events after the last
    failure (`held`), their recoveries, stops and closures, an incident
    tool's window end and the author's stated ends."""

    last_fail: int
    held: list[Event]
    recovers: list[Event]
    stops: list[Event]
    closes: list[Event]
    tool_end: datetime | None
    author_ends: list[Window]
    author_end: Window | None
    boundary: datetime | None  # the first closure or the tool window's end: mitigation comes no later

    @classmethod
    def read(cls, ev, windows, statements, start_at, problems: Problems) -> _Ends:
        last_fail = max((i for i, e in enumerate(ev) if _failing(e)), default=-1)
        held = [e for e in ev[last_fail + 1 :] if _recovered(e) and (start_at is None or e.at >= start_at - TOLERANCE)]
        tool_end = next((w.end for w in windows if w.source == "tool" and w.end is not None), None)
        author_ends = [w for w in windows if w.source == "author" and w.end is not None]
        author_ends += [
            Window(None, s.at, s.line, s.text, "author")
            for s in statements
            if {"recover", "close"} & s.reading.signals and not s.reading.signals & {"relapse"}
        ]
        author_end = min(author_ends, key=lambda w: w.end) if author_ends else None
        closes_at = [e.at for e in ev if "close" in e.signals and e.episode == 0]
        if tool_end is not None and start_at is not None and tool_end < start_at:
            problems.warn("window-conflict", None, f"the stated impact window ends ({iso_z(tool_end)}) before the "
                          "incident starts; the window is not used")  # fmt: skip
            tool_end = None
        if tool_end is not None and closes_at and min(closes_at) < tool_end - timedelta(hours=1):
            tool_end = None  # the timeline closed the incident well before the tool's window ends
        if author_end is not None and start_at is not None and author_end.end < start_at:
            problems.warn("window-conflict", author_end.line, "the stated end of impact is before the incident "
                          "starts; it is not used")  # fmt: skip
            author_end = None
        # statements that impact stopped, and rollbacks or workarounds (not in an entry that tells how it began)
        stops = [e for e in held
                 if e.signals & {"recover", "end"} or ("mitigate" in e.signals and not e.signals & {"start", "onset"})]  # fmt: skip
        closes = [e for e in held if "close" in e.signals]
        boundary = min([x for x in (closes[0].at if closes else None, tool_end) if x is not None], default=None)
        recovers = [e for e in held if "recover" in e.signals]
        return cls(last_fail, held, recovers, stops, closes, tool_end, author_ends, author_end, boundary)


def _mitigated(x: _Ends, ev: list[Event], statements: list[Statement], start_at) -> Evidence | None:
    """When impact stopped: the first recovery that held; else the fix done before the incident was closed;
    else the stated end of impact."""
    mit = None
    first_rec = x.stops[0] if x.stops else None
    if first_rec is not None and (x.boundary is None or first_rec.at <= x.boundary + TOLERANCE):
        mit = _first_stop(first_rec, x.held, x.author_end)
    if x.author_end is not None and (mit is None or x.author_end.end < mit.at - TOLERANCE):
        return Evidence(x.author_end.end, "prose", x.author_end.line, "the stated end of impact", x.author_end.text,
                        "clear")  # fmt: skip
    if mit is not None:
        return mit
    closes, tool_end = x.closes, x.tool_end
    if (
        closes
        and closes[0].signals & {"fix", "rollback", "change"}
        and (tool_end is None or closes[0].at <= tool_end + TOLERANCE)
    ):
        return _ev(closes[0], "the fix and the resolution in one entry", "clear", "close")
    fixes = [
        e
        for e in ev[x.last_fail + 1 :]
        if e.signals & {"fix", "rollback"} and (x.boundary is None or e.at <= x.boundary + TOLERANCE)
        and (start_at is None or e.at >= start_at)
    ]  # fmt: skip
    rollback = next((e for e in fixes if "rollback" in e.signals), None)
    if x.boundary is not None and (rollback or fixes):
        return _ev(rollback or fixes[-1], "the fix carried out before the incident was closed", "judgment",
                   "rollback", "fix")  # fmt: skip
    if closes and (tool_end is None or closes[0].at <= tool_end + TOLERANCE):
        return _ev(closes[0], "no separate recovery: the resolution", "judgment", "close")
    if tool_end is not None:
        return Evidence(tool_end, "header", None, "the end of the impact window", "", "judgment")
    if first_rec is not None:
        return _first_stop(first_rec, x.held, x.author_end)
    if fixes:
        return _ev(rollback or fixes[0], "the last thing done, a fix, with nothing after it saying it failed",
                   "judgment", "rollback", "fix")  # fmt: skip
    done = sorted((st for st in statements if st.reading.signals & {"fix", "rollback"}
                   and not st.reading.signals & {"relapse"} and (start_at is None or st.at >= start_at)),
                  key=lambda st: st.at)  # fmt: skip
    if done:
        return Evidence(done[0].at, "prose", done[0].line, "the stated time a fix was in place", done[0].text[:120],
                        "judgment")  # fmt: skip
    return None


def _resolved(x: _Ends, ev: list[Event], statements: list[Statement], mit: Evidence | None, mit_at) -> Evidence | None:
    """The first closure at or after mitigation; else the tool window's end; else the final recovery; else
    the author's stated end; else the last fix after mitigation, or the mitigation itself."""
    closes_after = [e for e in x.closes if mit_at is None or e.at >= mit_at - TOLERANCE]
    if closes_after:
        return _ev(closes_after[0], "declared resolved, or full recovery confirmed", "clear", "close", "recover")
    if x.tool_end is not None and (mit_at is None or x.tool_end >= mit_at - TOLERANCE):
        return Evidence(x.tool_end, "header", None, "the end of the impact window", "", "judgment")
    if x.recovers:
        conf = "clear" if len(x.recovers) == 1 else "judgment"
        return _ev(x.recovers[-1], "the final recovery", conf, "recover")
    if x.author_ends:
        # the latest stated end; a statement that it was resolved or fully recovered wins
        stated = [w for w in x.author_ends if mit_at is None or w.end >= mit_at - TOLERANCE]
        closing = [s for s in statements if "close" in s.reading.signals and (mit_at is None or s.at >= mit_at)]
        if closing:
            c = min(closing, key=lambda s: s.at)
            return Evidence(c.at, "prose", c.line, "stated resolved, or fully recovered", c.text[:120], "clear")
        if stated:
            w = max(stated, key=lambda w: w.end)
            return Evidence(w.end, "prose", w.line, "the stated end of impact", w.text, "clear")
        return None
    if mit is None:
        return None
    later_fixes = [e for e in ev[x.last_fail + 1 :] if e.signals & {"fix"} and mit_at and e.at > mit_at]
    if later_fixes:
        return _ev(later_fixes[-1], "the last fix, with nothing after it saying it failed", "judgment", "fix")
    return Evidence(mit.at, mit.source, mit.line, "a single end event: mitigated and resolved", mit.phrase,
                    mit.confidence)  # fmt: skip


END_MARK_AFTER = timedelta(minutes=15)


def _first_stop(first: Event, held: list[Event], author_end: Window | None) -> Evidence:
    """The first event after which impact stopped and stayed stopped. A
    rollback or workaround is it, unless the document marks the end of impact
    soon after it ('09:29 rolls back' / '09:34 confirmed functional. Outage
    ends.'): the author's own mark of when impact stopped wins."""
    if first.signals & {"recover", "end"}:
        return _ev(first, "the first recovery that held", "clear", "end", "recover", "close")
    mark = next((e for e in held if "end" in e.signals and first.at <= e.at <= first.at + END_MARK_AFTER), None)
    if mark is not None:
        return _ev(mark, "the end of impact the document marks after the rollback or workaround", "clear", "end")
    if author_end is not None and first.at <= author_end.end <= first.at + END_MARK_AFTER:
        return Evidence(author_end.end, "prose", author_end.line, "the stated end of impact", author_end.text, "clear")
    return _ev(first, "the rollback or workaround that stopped impact", "clear", "mitigate")


def _acknowledged(ev: list[Event], det_at: datetime, mit: Evidence | None, det: Evidence | None) -> Evidence | None:
    mit_line = mit.line if mit is not None and mit.source == "timeline" else None
    held = _holds(ev)
    for i, e in enumerate(ev):
        if e.at < det_at:
            continue
        if mit is not None and mit.at is not None and e.at > mit.at:
            break
        s = e.signals
        is_mit = mit_line is not None and e.line == mit_line
        if "ack" in s:
            return _ev(e, "acknowledged", "clear", "ack")
        if "declare" in s and "alert" not in s:
            return _ev(e, "the incident was declared by a responder", "clear", "declare")
        if "respond" in s or "notice" in s:
            return _ev(e, "the first responder at work", "judgment", "respond", "notice")
        if s & {"fix", "rollback"} and not is_mit and held[i] is False:
            return _ev(e, "a fix tried that did not hold", "judgment", "rollback", "fix")
    return None


def _holds(ev: list[Event]) -> list[bool | None]:
    """For each event, what the service does next: True when the next
    state-bearing event after it is a recovery, False when it is a failure,
    None when nothing after it says (one backward pass)."""
    out: list[bool | None] = [None] * len(ev)
    nxt: bool | None = None
    for i in range(len(ev) - 1, -1, -1):
        out[i] = nxt
        if _recovered(ev[i]):
            nxt = True
        elif _failing(ev[i]):
            nxt = False
    return out


def _start(
    ev: list[Event], windows: list[Window], statements: list[Statement], det_at, settings: dict, problems: Problems
) -> Evidence | None:
    marked = next((e for e in ev if "start" in e.signals), None)
    if marked is not None:
        quoted = _violation_time(marked)
        if quoted is not None:
            off = quoted - marked.at
            if _whole_hours(off):  # the alert's UTC and the timeline's zone disagree: a mislabelled zone
                problems.warn("zone-conflict", marked.line, f"the alert quoted at line {marked.line} says the "
                              f"violation started at {iso_z(quoted)}, {abs(off) / HOUR:.0f} h from where the "
                              "timeline puts it; the timeline's zone may be wrong (its times are used)")  # fmt: skip
                return _ev(marked, "the start an alert states, quoted in another zone than the timeline's",
                           "judgment", "start")  # fmt: skip
            if det_at is None or quoted <= det_at + timedelta(minutes=1):
                if abs(off) <= timedelta(minutes=5):
                    return _ev(marked, "the start an alert states", "clear", "start")
                if -HOUR < off < timedelta(0):  # the condition held a while before the alert fired
                    return Evidence(quoted, "timeline", marked.line, "the start an alert states, before it fired",
                                    "violation started", "clear")  # fmt: skip
                problems.warn("zone-conflict", marked.line, f"the alert quoted at line {marked.line} says the "
                              f"violation started at {iso_z(quoted)}, but the timeline puts it at "
                              f"{iso_z(marked.at)}; the timeline's zone may be wrong")  # fmt: skip
                return Evidence(quoted, "timeline", marked.line, "the start an alert states", "violation started",
                                "weak")  # fmt: skip
        if quoted is None or det_at is None or quoted <= det_at:
            return _ev(marked, "an explicit start of impact", "clear", "start")
    before = [e for e in ev if det_at is None or e.at <= det_at]
    onset = next((e for e in before if "onset" in e.signals), None)
    change = None
    if det_at is not None:
        window = timedelta(minutes=settings.get("change_start_minutes", 30))
        changes = [e for e in before if "change" in e.signals and det_at - e.at <= window]
        change = changes[-1] if changes else None
    stated = sorted((s for s in statements if s.reading.signals & {"onset", "start"}), key=lambda s: s.at)
    author = sorted((w for w in windows if w.source == "author" and w.start is not None), key=lambda w: w.start)
    tool = next((w for w in windows if w.source == "tool" and w.start is not None), None)
    window = author[0] if author else tool
    # Impact seen beats the change it followed, unless it is seen only in the first alert or report
    # itself ('Grafana alert: lag dropped to zero', twelve minutes after a deploy): then the change.
    first_det_event = next((e for e in before if e.signals & DETECT), None)
    tl = change if change is not None and onset is not None and onset is first_det_event else (onset or change)
    if tl is onset and tl is not None and window is not None and window.source == "tool" and not author:
        return _ev(tl, "impact set in before anyone knew (the tool's impact window opens earlier)", "judgment",
                   "onset")  # fmt: skip
    if tl is not None and (window is None or tl.at <= window.start + TOLERANCE):
        if tl is onset:
            return _ev(tl, "impact set in before anyone knew", "clear", "onset")
        return _ev(tl, "the change the first alert or report followed at once", "judgment", "change")
    if window is not None:
        src = "header" if window.source == "tool" else "prose"
        if det_at is not None and window.start > det_at + TOLERANCE:
            return Evidence(det_at, "timeline", None, "the stated impact window starts after the first alert; "
                            "impact began by then", window.text, "judgment")  # fmt: skip
        return Evidence(window.start, src, window.line, "the stated start of impact", window.text, "clear")
    if stated:
        s = stated[0]
        if det_at is None or s.at <= det_at + TOLERANCE:
            return Evidence(s.at, "prose", s.line, "the stated start of impact", s.text[:120], "clear")
    return None


HOUR = timedelta(hours=1)


def _whole_hours(off: timedelta) -> bool:
    """An offset of whole hours (1 to 14, give or take two minutes): the signature of times in two zones."""
    hours = abs(off) / HOUR
    return 0.9 < hours < 14.1 and abs(hours - round(hours)) <= 2 / 60


def _violation_time(e: Event) -> datetime | None:
    """An alert's own 'Violation started: Jan 29, 2026 at 8:21PM UTC': an absolute time."""
    m = _VIOLATION.search(e.text)
    if not m:
        return None
    when = m.group("when")
    tx = _timexes(when, e.at.year if e.at else None)
    if not tx or not tx[0].has_zone:
        return None
    t = tx[0]
    return _instant(t, t.day or (e.at.date() if e.at else None), t.zone)


def infer_start_from_duration(
    out: dict[str, Evidence], events: list[Event], durations: list[Duration], reported: float | None
) -> None:
    """When the start is unknown, a stated duration back from the end may
    land exactly on a timeline event: that event is the start."""
    if "started" in out:
        return
    end = out.get("mitigated") or out.get("resolved")
    if end is None or end.at is None:
        return
    lengths = [d.minutes for d in durations] + ([reported] if reported else [])
    for minutes in lengths:
        target = end.at - timedelta(minutes=minutes)
        slack = timedelta(minutes=max(2, 0.05 * minutes))
        hit = [e for e in events if e.episode == 0 and e.at is not None and abs(e.at - target) <= slack]
        if len(hit) >= 1:
            e = min(hit, key=lambda x: abs(x.at - target))
            out["started"] = Evidence(e.at, "timeline", e.line, f"the stated duration ({minutes:g} min) back from "
                                      "the end lands on this event", e.text[:80], "judgment")  # fmt: skip
            return


def _warn_episodes(events: list[Event], problems: Problems) -> None:
    others = [e for e in events if e.episode != 0 and e.at is not None]
    if others:
        days = sorted({e.at.date().isoformat() for e in others})
        problems.warn(
            "other-episode",
            others[0].line,
            f"{len(others)} timeline events ({', '.join(days[:3])}{'...' if len(days) > 3 else ''}) are days apart "
            "from the incident and open with a new alert, report or onset after it recovered: another episode "
            "(a recurrence, an earlier outage recalled, or entries made afterwards); they are not used for the "
            "milestones",
        )


_MILESTONE_KIND = {"started": "start", "detected": "detect", "acknowledged": "acknowledge", "declared": "declare",
                   "mitigated": "mitigate", "resolved": "resolve"}  # fmt: skip


def apply(doc, decided: dict[str, Evidence]) -> None:
    """Decided milestones into the document, unless it gave them outright;
    the events they rest on show that milestone's kind."""
    by_line: dict[int, list[str]] = {}
    for name, ev in decided.items():
        if doc.milestones.get(name) is not None or ev.at is None:
            continue
        doc.milestones[name] = ev.at
        doc.milestone_sources[name] = ev.source
        doc.evidence[name] = ev
        if ev.source == "timeline" and ev.line is not None:
            by_line.setdefault(ev.line, []).append(name)
    order = ("resolved", "mitigated", "declared", "acknowledged", "detected", "started")
    for e in doc.timeline:
        names = by_line.get(e.line) if e.line is not None else None
        if names and e.kind_source not in ("column", "tag", "structured"):
            if "resolved" in names and "mitigated" in names and "close" not in e.signals:
                names = [n for n in names if n != "resolved"]  # 'Latency recovering' ends it, but says mitigated
            e.kind = _MILESTONE_KIND[next(n for n in order if n in names)]
            e.kind_source = "milestone"
