"""Figure 3: every analytics function the pages call, on the benchmark database.

The calls and their argument shapes follow views/*.py (what each page passes
through `ui.call` when it first opens: the sidebar's default filters, the
first category, the first repeat pair, ...), once with the default filters and,
for functions that take Filters, once more with a one-team filter. Each call is
timed once on a fresh connection ("first") and then 5 more times (the median is
the figure). `view_calls()` reads the views' source, so a function a page starts
calling shows up as "not measured" until it is added to CALLS."""

from __future__ import annotations

import ast
import cProfile
import pstats
import statistics
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.machine import ROOT, CpuMeter

REPEATS = 5
PROFILE_OVER_MS = 150.0  # calls slower than the target are profiled once (default filters)
VIEWS = ROOT / "views"


def view_calls(views: Path = VIEWS) -> set[str]:
    """'analytics.module.function' for every function the views pass to ui.call."""
    found: set[str] = set()
    for path in sorted(views.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("analytics"):
                for a in node.names:
                    target = f"{node.module}.{a.name}"
                    names[a.asname or a.name] = target
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            fn = node.func
            is_call = (isinstance(fn, ast.Attribute) and fn.attr == "call" and isinstance(fn.value, ast.Name)
                       and fn.value.id == "ui") or (isinstance(fn, ast.Name) and fn.id == "call")  # fmt: skip
            if not is_call:
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name) and arg.value.id in names:
                found.add(f"{names[arg.value.id]}.{arg.attr}")
            elif isinstance(arg, ast.Name) and arg.id in names:
                found.add(names[arg.id])
    return found


class Ctx:
    """What the calls need: filters, settings, and values earlier calls return."""

    def __init__(self, con, team: str | None = None):
        from analytics import actions, curation, factors, incidents, repeats
        from analytics.filters import Filters
        from analytics.meta import options
        from analytics.settings import load_settings

        self.settings = load_settings()
        self.opts = options(con)
        base = Filters.default(self.opts.as_of, self.settings.fiscal_year_start_month)
        self.f = replace(base, teams=(team,)) if team else base
        self.back = actions.through_as_of(self.f)
        ov = factors.overview(con, self.f)
        self.category = ov["category"].iloc[0] if len(ov) else "uncategorized"
        rows = repeats.report(con, self.f)["rows"]
        self.pair = None
        if len(rows):
            r = rows.iloc[0]
            self.pair = (r["incident_id"], r["earlier_id"], tuple(r["categories"]))
        groups = curation.curate(con, self.f)["groups"]
        self.patterns = tuple(groups.iloc[0]["patterns"]) if len(groups) and len(groups.iloc[0]["patterns"]) else ()
        th = factors.themes(con, self.f)
        self.theme = th["category"].iloc[0] if len(th) else "uncategorized"
        lst = incidents.listing_head(con, self.f, "", 1)["rows"]
        self.incident = lst["incident_id"].iloc[0] if len(lst) else None
        impact = _impact()
        opts = impact.figure_options(con, self.f) if impact is not None else []
        self.impact_figure = (opts[0][0], opts[0][1]) if opts else None
        self.team = team or (self.opts.teams[0] if self.opts.teams else None)


def _impact():
    """analytics.impact, where this tree has it (the Impact page is newer than the others)."""
    try:
        from analytics import impact
    except ImportError:
        return None
    return impact


def calls(ctx: Ctx, filtered_only: bool = False) -> list[tuple[str, str, object, tuple, dict]]:
    """(name, shown arguments, function, args, kwargs) as the pages make them."""
    from analytics import actions, curation, documents, durations, export, factors, incidents, quality, repeats, teams
    from analytics.meta import options
    from analytics.review import quarterly_review

    f, s = ctx.f, ctx.settings
    rows = 1000  # views/ui.py MAX_TABLE_ROWS, and the strips' points per row
    out: list[tuple[str, str, object, tuple, dict]] = []

    def add(fn, shown: str, *args, takes_filters: bool = True, **kwargs) -> None:
        if filtered_only and not takes_filters:
            return
        out.append((f"{fn.__module__}.{fn.__name__}", shown, fn, args, kwargs))

    add(options, "()", takes_filters=False)
    # Quarterly review
    add(quarterly_review, "(f, settings)", f, s)
    add(durations.sample, "(f.only(f.end), HEADLINE, 'duration_id', 1000)", f.only(f.end), durations.HEADLINE,
        "duration_id", rows)  # fmt: skip
    # Response times
    add(durations.definitions, "()", takes_filters=False)
    add(durations.summary, "(f, 'ttr')", f, "ttr")
    add(durations.sample, "(f, ('ttr',), 'quarter', 1000)", f, ("ttr",), "quarter", rows)
    add(durations.per_incident_head, "(f, ('ttr',), 1000)", f, ("ttr",), rows)
    add(durations.by_group, "(f, 'ttr', 'quarter')", f, "ttr", "quarter")
    add(durations.change_vs_previous, "(f, 'ttr', min_n, bootstrap)", f, "ttr", s.min_n_for_change,
        s.bootstrap_samples)  # fmt: skip
    for group in ("severity", "team", "service"):
        add(durations.by_group, f"(f, 'ttr', '{group}')", f, "ttr", group)
    add(durations.coverage, "(f)", f)
    add(durations.by_quarter, "(f, 'ttr')", f, "ttr")
    # Contributing factors
    add(factors.quarter_totals, "(f)", f)
    add(factors.summary, "(f)", f)
    add(repeats.report, "(f)", f)
    add(factors.overview, "(f)", f)
    add(factors.heatmap, "(f)", f)
    add(factors.factor_texts_head, "(f, first category, None, limit=1000)", f, ctx.category, None, limit=rows)
    if ctx.pair:
        add(repeats.earlier_items, "(f, first repeat pair)", f, ctx.pair[0], ctx.pair[1])
        add(repeats.pair_factors, "((first repeat pair), categories)", (ctx.pair[0], ctx.pair[1]), ctx.pair[2],
            takes_filters=False)  # fmt: skip
    add(factors.near_misses, "(f)", f)
    add(factors.category_labels, "()", takes_filters=False)
    add(factors.themes, "(f)", f)
    add(factors.factor_texts_head, "(f, first theme, None, ('what_went_wrong',), limit=1000)", f, ctx.theme, None,
        ("what_went_wrong",), limit=rows)  # fmt: skip
    add(curation.curate, "(f)", f)
    add(curation.taxonomy, "()", takes_filters=False)
    if ctx.patterns:
        add(curation.check_patterns, "(f, first group's patterns)", f, ctx.patterns)
    # Action items
    add(actions.owner_choices, "()", takes_filters=False)
    add(actions.summary, "(f)", f)
    add(actions.summary, "(through_as_of(f))", ctx.back)
    add(actions.status_sources, "(f)", f)
    add(actions.source_problems, "()", takes_filters=False)
    for by in ("priority", "team", "owner", "owner_team", "manager", "quarter"):
        add(actions.rates, f"(f, '{by}')", f, by)
    add(actions.overdue_owners, "(f)", f)
    add(actions.aging, "(f)", f)
    add(actions.open_items_head, "(f, 1000)", f, rows)
    add(actions.overdue_head, "(f, 1000)", f, rows)
    add(export.overdue_csv, "(f)  (the download, on click)", f)
    add(actions.incomplete_head, "(f, 1000)", f, rows)
    # Action items with overdue=period (a review's overdue count opened)
    add(actions.overdue_owners, "(f, period=True)", f, period=True)
    add(actions.aging, "(f, period=True)", f, period=True)
    add(actions.open_items_head, "(f, 1000, period=True)", f, rows, period=True)
    add(actions.overdue_head, "(f, 1000, period=True)", f, rows, period=True)
    # Incidents
    add(incidents.listing_head, "(f, '', 1000)", f, "", rows)
    add(incidents.listing_head, "(f, 'timeout', 1000)  (a search)", f, "timeout", rows)
    add(incidents.duration_list, "(f, 'ttr', '', 1000)  (a median opened)", f, "ttr", "", rows)
    add(incidents.category_list, "(f, first category, '', 1000)  (a factor count opened)", f, ctx.category, "", rows)
    if ctx.impact_figure:
        add(incidents.figure_list, "(f, first figure, its currency, '', 1000)  (an impact total opened)", f,
            *ctx.impact_figure, "", rows)  # fmt: skip
    if ctx.incident:
        add(incidents.detail, "(first incident)", ctx.incident, takes_filters=False)
        add(documents.header, "(first incident)", ctx.incident, takes_filters=False)
        add(documents.documents, "(first incident)", ctx.incident, takes_filters=False)
        add(documents.marks, "(first incident)", ctx.incident, takes_filters=False)
    if ctx.team:
        add(teams.team_quarters, "(f, a team)  (Team over time)", f, ctx.team)
    # Impact (and the impact parts of the review and the incident detail)
    impact = _impact()
    if impact is not None:
        fq = f.only(f.end)
        add(impact.summary, "(f)", f)
        add(impact.figure_points, "(f, 1000)", f, 1000)
        add(impact.figure_points, "(f.only(f.end), 1000)", fq, 1000)
        add(impact.group_table, "(f, 'team')", f, "team")
        add(impact.group_table, "(f.only(f.end), 'team')", fq, "team")
        add(impact.figure_options, "(f)", f)
        if ctx.impact_figure:
            add(impact.duration_vs_impact, "(f, first figure, its currency, 1000)", f, *ctx.impact_figure, 1000)
        add(impact.type_summary, "(f)", f)
        for group in ("quarter", "team"):
            add(impact.type_mix, f"(f, '{group}')", f, group)
        add(impact.type_mix, "(f.only(f.end), 'team')", fq, "team")
        add(impact.type_table, "(f, 'team')", f, "team")
        add(impact.per_incident_head, "(f, 1000)", f, 1000)
        if ctx.incident:
            add(impact.incident_figures, "(first incident)", ctx.incident, takes_filters=False)
            add(impact.related, "(first incident)", ctx.incident, takes_filters=False)
    # Data quality
    add(quality.outcomes, "()", takes_filters=False)
    add(quality.undated_head, "(f, 1000)", f, rows)
    add(quality.sources_head, "('', 1000)", "", rows, takes_filters=False)
    add(quality.problems_by_code, "()", takes_filters=False)
    add(quality.problems, "('')", "", takes_filters=False)
    add(quality.compliance, "(f)", f)
    add(quality.findings_head, "(f, '', 'fail', 1000)", f, "", "fail", rows)
    add(quality.duration_checks, "(f)", f)
    add(quality.durations_to_check_head, "(f, '', 1000)", f, "", rows)
    return out


DUCKDB_METHODS = ("duckdb", "DuckDBPyConnection", "DuckDBPyRelation")


def profile_call(fn, con, args, kwargs) -> dict:
    """One call under cProfile: its time in DuckDB (execute, fetching into pandas: the own
    time of analytics.db.query)
    against the rest (Python: pandas, numpy, the function's own loops), and the
    functions costing most of their own time."""
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.runcall(fn, con, *args, **kwargs)
    total = (time.perf_counter() - t0) * 1000
    st = pstats.Stats(prof)
    duck = 0.0
    top = []
    for (filename, line, name), (_cc, nc, tt, _ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        where = f"{name}" if filename == "~" else f"{_short(filename)}:{line}({name})"
        # DuckDB's methods are pybind11 functions, which cProfile does not see as calls: their time
        # is the own time of the Python function calling them, analytics.db.query (execute + .df()).
        if (filename == "~" and any(m in name for m in DUCKDB_METHODS)) or filename.endswith("analytics/db.py"):
            duck += tt
        top.append((round(tt * 1000, 1), nc, where))
    top.sort(reverse=True)
    return {"profiled_ms": round(total, 1), "duckdb_ms": round(duck * 1000, 1), "top": top[:6]}


def _short(path: str) -> str:
    path = path.replace(str(ROOT) + "/", "")
    return path.split("site-packages/", 1)[-1]


def _time(fn, con, args, kwargs) -> float:
    t0 = time.perf_counter()
    fn(con, *args, **kwargs)
    return (time.perf_counter() - t0) * 1000


def measure(db: Path, repeats: int = REPEATS, log=print) -> dict:
    """Every call: first (fresh connection), then `repeats` timed runs -> median."""
    from analytics.db import connect

    meter = CpuMeter()
    t_open = time.perf_counter()
    con = connect(db)
    open_ms = (time.perf_counter() - t_open) * 1000
    rows = []
    setup_ms = {}
    ctx = Ctx(con)
    setup_ms["default"] = round((time.perf_counter() - t_open) * 1000 - open_ms)
    teams = list(ctx.opts.teams)
    team = "payments" if "payments" in teams else (teams[0] if teams else None)
    for variant in ("default", "team"):
        if variant == "team":
            if team is None:
                break
            t0 = time.perf_counter()
            ctx = Ctx(con, team)
            label = f"team = {team}"
            setup_ms[label] = round((time.perf_counter() - t0) * 1000)
        else:
            label = "default"
        specs = calls(ctx, filtered_only=variant == "team")
        if variant == "default":
            # the first calls go to a fresh connection: what a new dashboard process pays
            con.close()
            con = connect(db)
        log(f"  analytics, {label}: {len(specs)} calls x {1 + repeats}")
        for name, shown, fn, args, kwargs in specs:
            try:
                first = _time(fn, con, args, kwargs)
                runs = [_time(fn, con, args, kwargs) for _ in range(repeats)]
            except Exception as exc:  # recorded, not raised: the other figures still count
                rows.append(
                    {"function": name, "args": shown, "filters": label, "error": f"{type(exc).__name__}: {exc}"}
                )
                continue
            row = {"function": name, "args": shown, "filters": label, "first_ms": round(first, 1),
                   "median_ms": round(statistics.median(runs), 1), "min_ms": round(min(runs), 1),
                   "max_ms": round(max(runs), 1)}  # fmt: skip
            if variant == "default" and row["median_ms"] > PROFILE_OVER_MS:
                row["profile"] = profile_call(fn, con, args, kwargs)
            rows.append(row)
    con.close()
    called = view_calls()
    measured = {r["function"] for r in rows}
    return {"rows": rows, "repeats": repeats, "connect_ms": round(open_ms, 1), "context_setup_ms": setup_ms,
            "view_functions": sorted(called), "not_measured": sorted(called - measured), "machine": meter.stop(),
            "as_of": str(ctx.f.as_of), "quarters": f"{ctx.f.start.label} to {ctx.f.end.label}"}  # fmt: skip
