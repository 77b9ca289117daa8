"""The figures, as RESULTS.md: a table per section (figure, target, measured,
pass/fail), the details under it, and the machine and date of each section.

The text between READING_START and READING_END is written by people (what
bounds a missed target, what would move it); rendering keeps it as found in
the previous file."""

from __future__ import annotations

from pathlib import Path

GIB_MIB = 1024
TARGETS = {
    "build_docs_per_s": 5000,  # documents/s, end to end, 100k documents
    "build_ratio": 10.0,  # x markdown-it-py's tokenising rate, same run, same documents
    "build_peak_mib": GIB_MIB,  # the process tree at 100k
    "build_peak_growth": 1.20,  # the peak at 100k over the peak at 20k (the same build, a fifth of the corpus)
    "rebuild_share": 0.10,  # of the full build's time, 1% of the files changed
    "analytics_ms": 150.0,  # any function a page calls, median
    "download_ms": 500.0,  # the overdue CSV download (made on click), median
    "page_first_s": 1.5,
    "page_repeated_s": 0.5,
    "app_mib": 800,
}
SECTIONS = ("build", "rebuild", "analytics", "pages", "profile")
TITLES = {
    "build": "1. Full build",
    "rebuild": "2. Rebuild after 1% of the files changed",
    "analytics": "3. Analytics functions",
    "pages": "4. Pages and app memory",
    "profile": "Profile",
}
READING_START = "<!-- reading:start (kept by the harness: edit freely between these markers) -->"
READING_END = "<!-- reading:end -->"
READING_DEFAULT = """\
Nobody has written a reading of these figures yet. For each missed target:
what bounds it (with the profile or the figure that shows it) and what would move it."""


def verdict(value, target, higher_is_better: bool = False) -> str:
    if value is None:
        return "n/a"
    ok = value >= target if higher_is_better else value <= target
    return "pass" if ok else "**FAIL**"


def n(v, digits: int = 0) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, int | float):
        return f"{v:,.{digits}f}"
    return str(v)


def table(header: list[str], rows: list[list]) -> str:
    def cell(x) -> str:
        return str(x).replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(cell(x) for x in r) + " |" for r in rows]
    return "\n".join(out)


def _load_note(m: dict | None) -> str:
    if not m:
        return ""
    parts = [f"wall {n(m.get('wall_s'), 0)} s", f"load average {m.get('loadavg_start')} -> {m.get('loadavg_end')}"]
    if "cpu_others_s" in m:
        parts.append(f"other processes used {n(m['cpu_others_s'], 0)} CPU s ({m['others_share']:.0%} of the machine) "
                     f"while this section ran, this harness {n(m['cpu_ours_s'], 0)} CPU s")  # fmt: skip
    return "Machine during this section: " + "; ".join(parts) + "."


# ---------------------------------------------------------------- summary rows per section


def build_rows(b: dict) -> list[list]:
    if not b or b.get("returncode"):
        return [["full build", "", "did not finish", "**FAIL**"]]
    mi = b.get("markdown_it", {})
    return [
        ["full build, documents/s (end to end)", f">= {n(TARGETS['build_docs_per_s'])}", n(b.get("docs_per_s")),
         verdict(b.get("docs_per_s"), TARGETS["build_docs_per_s"], True)],
        ["build rate / markdown-it-py tokenising rate", f">= {TARGETS['build_ratio']:.0f}x",
         f"{n(b.get('ratio'), 2)}x ({n(b.get('docs_per_s'))} vs {n(mi.get('parse_docs_per_s'))} documents/s)",
         verdict(b.get("ratio"), TARGETS["build_ratio"], True)],
        ["peak memory of the build's process tree (RSS summed)", f"<= {n(TARGETS['build_peak_mib'])} MiB",
         f"{n(b.get('peak_tree_rss_mib'))} MiB", verdict(b.get("peak_tree_rss_mib"), TARGETS["build_peak_mib"])],
        *growth_rows(b),
    ]  # fmt: skip


def growth_rows(b: dict) -> list[list]:
    """The peak against the same build's peak on the smaller corpus (`scale`, kept by the harness from that
    corpus's own run): flat memory means the peak does not follow the corpus size."""
    sm = b.get("scale")
    if not sm:
        return []
    if not sm.get("peak_tree_rss_mib") or not b.get("peak_tree_rss_mib"):
        return [
            [
                f"peak memory at this size / at {n(sm.get('count'))} incidents",
                f"<= {TARGETS['build_peak_growth']}x",
                f"no build at {n(sm.get('count'))} measured (`--only build --count {sm.get('count')}`)",
                "n/a",
            ]
        ]
    ratio = b["peak_tree_rss_mib"] / sm["peak_tree_rss_mib"]
    return [[f"peak memory at this size / at {n(sm['count'])} incidents", f"<= {TARGETS['build_peak_growth']:.2f}x",
             f"{ratio:.2f}x ({n(b['peak_tree_rss_mib'])} vs {n(sm['peak_tree_rss_mib'])} MiB, measured "
             f"{sm.get('date')}, code {sm.get('code')})", verdict(ratio, TARGETS["build_peak_growth"])]]  # fmt: skip


def rebuild_rows(r: dict) -> list[list]:
    if not r or r.get("returncode"):
        return [["rebuild", "", "did not finish", "**FAIL**"]]
    share = r.get("share_of_full")
    return [["rebuild after 1% changed / full build time", f"<= {TARGETS['rebuild_share']:.0%}",
             f"{share:.1%} ({n(r['wall_s'], 1)} s of {n(r.get('full_wall_s'), 1)} s)" if share is not None
             else f"{n(r['wall_s'], 1)} s (no full build time to compare)",
             verdict(share, TARGETS["rebuild_share"])]]  # fmt: skip


DOWNLOADS = {"analytics.export.overdue_csv"}  # made when the reader clicks a download: TARGETS["download_ms"]


def target_ms(row: dict) -> float:
    """The median a call may take: a page's call 150 ms, a download made on click 500 ms."""
    return TARGETS["download_ms"] if row.get("function") in DOWNLOADS else TARGETS["analytics_ms"]


def analytics_rows(a: dict) -> list[list]:
    rows = [r for r in a.get("rows", []) if "median_ms" in r]
    errors = [r for r in a.get("rows", []) if "error" in r]
    if not rows:
        return [["analytics", "", "no calls measured", "n/a"]]
    pages = [r for r in rows if r["function"] not in DOWNLOADS]
    worst = max(pages or rows, key=lambda r: r["median_ms"])
    over = [r for r in rows if r["median_ms"] > target_ms(r)]
    out = [[f"slowest analytics call a page makes, median of {a.get('repeats')} (of {len(rows)} calls)",
            f"<= {TARGETS['analytics_ms']:.0f} ms", f"{n(worst['median_ms'], 1)} ms: {worst['function']}{worst['args']}"
            f" ({worst['filters']})", verdict(worst["median_ms"], target_ms(worst))]]  # fmt: skip
    for d in [r for r in rows if r["function"] in DOWNLOADS]:
        out.append([f"{d['function']}{d['args']} ({d['filters']})", f"<= {TARGETS['download_ms']:.0f} ms",
                    f"{n(d['median_ms'], 1)} ms", verdict(d["median_ms"], TARGETS["download_ms"])])  # fmt: skip
    out.append(["calls over their target", "0", f"{len(over)} of {len(rows)}", verdict(len(over), 0)])
    if errors or a.get("not_measured"):
        out.append(["calls that failed / view functions not measured", "0",
                    f"{len(errors)} / {len(a.get('not_measured', []))}",
                    verdict(len(errors) + len(a.get("not_measured", [])), 0)])  # fmt: skip
    return out


def pages_rows(p: dict) -> list[list]:
    rows = p.get("apptest", {}).get("rows", [])
    out = []
    if rows:
        wf = max(rows, key=lambda r: r["first_s"])
        wr = max(rows, key=lambda r: r["repeated_s"])
        out += [[f"slowest page, first run (of {len(rows)})", f"<= {TARGETS['page_first_s']} s",
                 f"{n(wf['first_s'], 2)} s: {wf['page']}", verdict(wf["first_s"], TARGETS["page_first_s"])],
                ["slowest page, repeated run", f"<= {TARGETS['page_repeated_s']} s",
                 f"{n(wr['repeated_s'], 2)} s: {wr['page']}", verdict(wr["repeated_s"], TARGETS["page_repeated_s"])]]  # fmt: skip
        errs = [r for r in rows if r.get("errors")]
        if errs:
            out.append(["pages with an exception", "0", ", ".join(r["page"] for r in errs), "**FAIL**"])
    s = p.get("server", {})
    if "error" in s:
        out.append(["app memory", f"<= {TARGETS['app_mib']} MiB", s["error"], "n/a"])
    elif s:
        peak = max(s.get("hwm_mib") or 0, s.get("peak_rss_mib") or 0)
        out.append(["app process memory after every page (VmHWM, peak RSS)", f"<= {TARGETS['app_mib']} MiB",
                    f"{n(peak)} MiB (RSS at the end {n(s.get('after', {}).get('rss_mib'))} MiB)",
                    verdict(peak, TARGETS["app_mib"])])  # fmt: skip
    return out or [["pages", "", "not measured", "n/a"]]


SUMMARY = {"build": build_rows, "rebuild": rebuild_rows, "analytics": analytics_rows, "pages": pages_rows}


# ---------------------------------------------------------------- details per section


def build_details(b: dict) -> str:
    if not b:
        return ""
    if b.get("returncode"):
        return f"The build failed (exit status {b['returncode']}):\n\n```\n{b.get('log_tail', '')}\n```"
    ph = b.get("phases") or {}
    mi = b.get("markdown_it", {})
    util = b["cpu_s"] / b["wall_s"] if b.get("wall_s") else None
    rows = [
        ["command", f"`{b['command']}`"],
        ["files read (documents)", f"{n(b['files'])} ({n(b['incidents'])} incidents, {n(b['action_items'])} action items)"],
        ["wall time", f"{n(b['wall_s'], 1)} s (the corpus read into the page cache first: "
         f"{n(b.get('warm_read_s'), 1)} s)"],
        ["documents/s; incidents/s", f"{n(b['docs_per_s'])}; {n(b['incidents_per_s'])}"],
        ["CPU time (user + sys, whole tree)", f"{n(b['cpu_s'], 1)} s ({n(b['cpu_user_s'], 1)} + {n(b['cpu_sys_s'], 1)}); "
         f"{util:.2f} of {b['jobs']} cores busy on average" if util else "n/a"],
        ["CPU time by process (workers sampled every second)", f"main process {n(b.get('cpu_main_s'), 1)} s, "
         f"parser workers {n(b.get('cpu_workers_s'), 1)} s"],
        ["phases (from the worker processes' lifetime)",
         f"{n(ph.get('before_s'), 1)} s before the parser pool started, {n(ph.get('workers_s'), 1)} s with workers, "
         f"{n(ph.get('after_s'), 1)} s after they exited (loading, resolving, SQL, writing)" if ph else
         "no worker processes seen (parsed in one process)"],
        ["peak memory, process tree", f"RSS summed {n(b['peak_tree_rss_mib'])} MiB; PSS summed "
         f"{n(b['peak_tree_pss_mib'])} MiB (shared pages counted once)"],
        ["peak memory, single processes", f"main {n(b['peak_main_rss_mib'])} MiB, largest worker "
         f"{n(b['peak_worker_rss_mib'])} MiB; ru_maxrss (largest process, wait4) {n(b['maxrss_single_mib'])} MiB"],
        ["processes at most", n(b["max_processes"])],
        ["database size", f"{n(b['db_mib'], 1)} MiB"],
        ["ingest code and rule files (hash)", f"`{b.get('ingest_hash')}`"],
        ["tree RSS over time (s, processes, MiB)", " ".join(f"{t}:{p}:{m}" for t, p, m in b.get("memory_series", []))],
    ]  # fmt: skip
    text = table(["build", "measured"], rows)
    if "error" in mi:
        return text + f"\n\nmarkdown-it-py could not be measured:\n\n```\n{mi['error']}\n```"
    mrows = [
        ["files (.md only: YAML and JSON documents excluded)", f"{n(mi['files'])} ({n(mi['mib'], 1)} MiB, "
         f"{n(mi['tokens'])} tokens)"],
        ["tokenising only (`MarkdownIt('commonmark').parse`)", f"{n(mi['parse_s'], 1)} s, "
         f"{n(mi['parse_docs_per_s'])} documents/s"],
        ["reading + decoding + tokenising", f"{n(mi['read_parse_s'], 1)} s, {n(mi['read_parse_docs_per_s'])} documents/s"],
        ["build rate / markdown-it rate", f"{n(b.get('ratio'), 2)}x (tokenising only); "
         f"{n(b.get('ratio_with_reading'), 2)}x (with reading)"],
        [f"per core (build rate / {b['jobs']} processes / markdown-it rate)", f"{n(b.get('ratio_per_core'), 2)}x"],
    ]  # fmt: skip
    return (text + f"\n\nmarkdown-it-py {mi.get('version')}, in the same run on the same corpus. **The build parses in "
            f"{b['jobs']} processes (one per core) and markdown-it-py runs in one**, so the ratio compares the build "
            "as a user runs it with the generic library as a user would call it; the per-core ratio divides the build "
            "rate by the process count. The build also reads YAML and JSON documents, walks the folders, resolves "
            "ids, merges tickets and people, and writes DuckDB; markdown-it only tokenises.\n\n"
            + table(["markdown-it-py", "measured"], mrows))  # fmt: skip


def rebuild_details(r: dict) -> str:
    if not r:
        return ""
    if r.get("returncode"):
        return f"The rebuild failed (exit status {r['returncode']}):\n\n```\n{r.get('log_tail', '')}\n```"
    ph = r.get("phases") or {}
    rows = [
        ["files changed", f"{n(r['changed_files'])} (every 100th Markdown file in path order: one line appended)"],
        ["files not reused / reused (the rebuilt database's `sources.reused`)", f"{n(r.get('parsed'))} / {n(r.get('reused'))}"],
        ["wall time", f"{n(r['wall_s'], 1)} s (full build {n(r.get('full_wall_s'), 1)} s)"],
        ["CPU time (whole tree)", f"{n(r['cpu_s'], 1)} s: main process {n(r.get('cpu_main_s'), 1)} s, parser workers "
         f"{n(r.get('cpu_workers_s'), 1)} s"],
        ["phases", f"{n(ph.get('before_s'), 1)} s before the pool, {n(ph.get('workers_s'), 1)} s with workers, "
         f"{n(ph.get('after_s'), 1)} s after" if ph else "no worker processes seen"],
        ["peak memory, process tree (RSS summed)", f"{n(r['peak_tree_rss_mib'])} MiB"],
    ]  # fmt: skip
    return ("The full build's database is copied and the build runs again into the copy (the previous database at "
            "that path), after 1% of the Markdown files changed; the files are restored afterwards.\n\n"
            + table(["rebuild", "measured"], rows))  # fmt: skip


def analytics_details(a: dict) -> str:
    if not a:
        return ""
    rows = []
    for r in sorted(a.get("rows", []), key=lambda r: -(r.get("median_ms") or 1e9)):
        if "error" in r:
            rows.append([f"`{r['function']}`", r["args"], r["filters"], "", "", "", "**error**: " + r["error"][:200]])
            continue
        rows.append([f"`{r['function']}`", r["args"], r["filters"], n(r["first_ms"], 1), n(r["median_ms"], 1),
                     n(r["max_ms"], 1), verdict(r["median_ms"], target_ms(r))])  # fmt: skip
    head = (f"Filters: the sidebar's defaults (as of {a.get('as_of')}, quarters {a.get('quarters')}, all teams), and "
            "the same with one team for every function that takes filters. first = the first call on a fresh "
            f"connection (opening it: {n(a.get('connect_ms'), 1)} ms, not included); median and max of "
            f"{a.get('repeats')} calls after it. Target: median <= {TARGETS['analytics_ms']:.0f} ms; the overdue CSV download, made on click, "
            f"<= {TARGETS['download_ms']:.0f} ms. Slowest first.")  # fmt: skip
    profiled = [r for r in a.get("rows", []) if r.get("profile")]
    prof = ""
    if profiled:
        prows = []
        for r in sorted(profiled, key=lambda r: -r["median_ms"]):
            p = r["profile"]
            share = p["duckdb_ms"] / p["profiled_ms"] if p["profiled_ms"] else 0
            top = "; ".join(f"{where} {ms:,.0f} ms ({nc:,} calls)" for ms, nc, where in p["top"][:4])
            prows.append(
                [f"`{r['function']}`", r["args"], n(p["profiled_ms"]), f"{n(p['duckdb_ms'])} ({share:.0%})", top]
            )
        prof = ("\n\nEvery call over the target (default filters) once more under cProfile: the time in DuckDB (the own "
                "time of `analytics.db.query`: executing the SQL and fetching the result into pandas) against everything else "
                "(pandas, numpy, Python loops), and the functions with the most own time.\n\n"
                + table(["function", "arguments", "profiled ms", "in DuckDB ms", "most own time"], prows))  # fmt: skip
    missing = a.get("not_measured") or []
    foot = (f"\n\nFunctions the views call ({len(a.get('view_functions', []))}, read from views/*.py): all measured."
            if not missing else f"\n\n**Called by the views but not measured:** {', '.join(missing)}.")  # fmt: skip
    return head + "\n\n" + table(["function", "arguments", "filters", "first ms", "median ms", "max ms", "target"],
                                 rows) + foot + prof  # fmt: skip


def pages_details(p: dict) -> str:
    if not p:
        return ""
    at = p.get("apptest", {})
    rows = [[r["page"], f"`{r['file']}`" + (f" ?{'&'.join(f'{k}={v}' for k, v in r['query'].items())}" if r["query"]
             else ""), n(r["first_s"], 2), verdict(r["first_s"], TARGETS["page_first_s"]), n(r["repeated_s"], 2),
             verdict(r["repeated_s"], TARGETS["page_repeated_s"]), "; ".join(r["errors"])[:200] or ""]
            for r in at.get("rows", [])]  # fmt: skip
    text = ("AppTest (`streamlit.testing`), `app.py` with INCIDENTS_DB on the benchmark database. first = the page's "
            "script run right after `st.cache_data.clear()` and `st.cache_resource.clear()` (a new session, switched "
            f"to the page); repeated = the median of {at.get('repeats')} reruns of the same session (cached "
            "analytics, as after any widget click). Both include the sidebar and drawing every element.\n\n"
            + table(["page", "script", "first s", f"<= {TARGETS['page_first_s']} s", "repeated s",
                     f"<= {TARGETS['page_repeated_s']} s", "exception"], rows))  # fmt: skip
    prows = []
    for r in at.get("rows", []):
        for key, label in (("profile_first", "first"), ("profile_repeated", "repeated")):
            pr = r.get(key)
            if not pr:
                continue
            if "error" in pr:
                prows.append([r["page"], label, "", pr["error"], ""])
                continue
            pk = "; ".join(f"{k} {ms:,} ms ({sh:.0%})" for k, ms, sh in pr["by_package"][:6])
            top = "; ".join(f"{w} {ms:,.0f} ms ({nc:,} calls)" for ms, nc, w in pr["top"][:4])
            prows.append([r["page"], label, n(pr["wall_s"], 2), pk, top])
    if prows:
        text += ("\n\nEvery page run over a target once more under cProfile (on Streamlit's script thread, where the "
                 "page runs; the profiler slows Python-heavy code, so read the shares, not the seconds): own time by "
                 "package (DuckDB's time shows as the own time of `analytics/db.py`, which calls it), and the "
                 "functions with the most own time.\n\n"
                 + table(["page", "run", "profiled s", "own time by package", "most own time"], prows))  # fmt: skip
    if at.get("machine"):
        text += "\n\n" + _load_note(at["machine"])
    s = p.get("server", {})
    if "error" in s:
        return text + f"\n\nApp memory: {s['error']}"
    srows = [
        [
            "server started, no page yet",
            "",
            n(s.get("started", {}).get("rss_mib")),
            n(s.get("started", {}).get("hwm_mib")),
        ]
    ]
    srows += [[r["page"], n(r["browser_s"], 2) + (f" ({r['error'][:120]})" if r.get("error") else ""), n(r["rss_mib"]),
               n(r["hwm_mib"])] for r in s.get("pages", [])]  # fmt: skip
    srows.append(
        ["2 s after the last page", "", n(s.get("after", {}).get("rss_mib")), n(s.get("after", {}).get("hwm_mib"))]
    )
    text += ("\n\nApp memory: `streamlit run app.py --server.headless true` on the benchmark database; headless "
             "Chromium (Playwright) opens every page once, in this order, and waits until the script has finished "
             "(stApp's script state 'notRunning' for a second); the server process's VmRSS and VmHWM (peak) from "
             "/proc after each page. browser s = from navigating to the URL until the script had finished (page load, the script, drawing).\n\n"
             + table(["page", "browser s", "server VmRSS MiB", "server VmHWM MiB"], srows))  # fmt: skip
    return text


def profile_details(pr: dict) -> str:
    if not pr:
        return ""
    if "error" in pr:
        return f"The profiled build failed:\n\n```\n{pr['error']}\n```"
    files = table(["source file", "own s", "share of own time"],
                  [[f"`{f}`", n(s, 2), f"{sh:.1%}"] for f, s, sh in pr.get("by_file", [])])  # fmt: skip
    return (f"`{pr['command']}` on the {n(pr.get('incidents'))}-incident corpus ({n(pr.get('files'))} files): {n(pr['wall_s'], 1)} s "
            f"wall under the profiler ({n(pr.get('total_s'), 1)} s of profiled time; cProfile roughly doubles the "
            "cost of Python-heavy code). `--jobs 1` puts the parsing in the profiled process; with the default pool "
            "the same parsing is spread over the workers.\n\n"
            f"Top 25 by cumulative time:\n\n```\n{pr['cumulative']}\n```\n\n"
            f"Top 25 by own (total) time:\n\n```\n{pr['tottime']}\n```\n\n"
            f"Own time summed per source file:\n\n{files}")  # fmt: skip


DETAILS = {"build": build_details, "rebuild": rebuild_details, "analytics": analytics_details,
           "pages": pages_details, "profile": profile_details}  # fmt: skip


# ---------------------------------------------------------------- the file


def reading_of(path: Path) -> str:
    """The hand-written reading from an earlier RESULTS.md, if there is one."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return READING_DEFAULT
    if READING_START in text and READING_END in text:
        return text.split(READING_START, 1)[1].split(READING_END, 1)[0].strip("\n") or READING_DEFAULT
    return READING_DEFAULT


def machine_table(m: dict) -> str:
    v = m.get("versions", {})
    rows = [
        ["CPU", f"{m.get('cpu')} ({m.get('cores')} cores, {m.get('cores_usable')} usable by this process)"],
        ["memory", f"{m.get('memory_gib')} GiB; cgroup limits: {m.get('cgroup_limits')}"],
        ["OS", m.get("os")],
        ["Python", v.get("python")],
        ["packages", ", ".join(f"{k} {val}" for k, val in v.items() if k != "python")],
        ["code", f"git {m.get('git')}"],
        ["load average (1, 5, 15 min) at the start", ", ".join(str(x) for x in m.get("loadavg", []))],
    ]
    return table(["machine", ""], rows)


def render(res: dict, reading: str) -> str:
    secs = res.get("sections", {})
    corpus = res.get("corpus", {})
    st = corpus.get("stats", {})
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m benchmarks.run`); see benchmarks/README.md for what each figure means. "
        "Only the reading at the end is written by hand (the harness keeps it).",
        "",
        f"Last run: {res.get('date')}, `{res.get('command')}`.",
        "",
        f"Corpus: `python -m benchmarks.corpusgen --count {corpus.get('count')} --seed {corpus.get('seed')} "
        f"--start {corpus.get('start')} --quarters {corpus.get('quarters')} --messy-share {corpus.get('messy_share')}` "
        f"with its tickets CSV and people file: {n(st.get('files'))} files ({n(st.get('mib'), 1)} MiB; "
        + ", ".join(f"{k} {n(c)}" for k, c in st.get("by_suffix", {}).items())
        + f"); built with `--as-of {corpus.get('as_of')}`"
        + (f"; generated in this run in {n(corpus.get('generated_s'), 1)} s." if corpus.get("generated_s") else "."),
        "",
        "## Machine",
        "",
        machine_table(res.get("machine", {})),
        "",
        "## Summary",
        "",
    ]  # fmt: skip
    rows = []
    for key in ("build", "rebuild", "analytics", "pages"):
        sec = secs.get(key)
        if not sec:
            rows.append([TITLES[key], "", "not run", "n/a", ""])
            continue
        if "exception" in sec["data"]:
            rows.append([TITLES[key], "", "the harness broke (see the section)", "n/a", sec["date"]])
            continue
        for r in SUMMARY[key](sec["data"]):
            rows.append([*r, sec["date"]])
    lines += [table(["figure", "target", "measured", "pass", "measured on"], rows), ""]
    for key in SECTIONS:
        lines += [f"## {TITLES[key]}", ""]
        sec = secs.get(key)
        if not sec:
            lines += ["Not run yet (`python -m benchmarks.run --only " + key + "`).", ""]
            continue
        carried = "" if sec.get("run") == res.get("run") else " (carried over from an earlier run)"
        lines += [f"Measured {sec['date']}{carried}.", ""]
        if "exception" in sec["data"]:
            lines += ["The harness broke in this section:", "", "```", sec["data"]["exception"], "```", ""]
            continue
        if key in SUMMARY:
            lines += [table(["figure", "target", "measured", "pass"], SUMMARY[key](sec["data"])), ""]
        detail = DETAILS[key](sec["data"])
        if detail:
            lines += [detail, ""]
        note = _load_note(sec["data"].get("machine")) if key != "pages" else ""
        if note:
            lines += [note, ""]
    lines += ["## Reading: what bounds each missed target", "", READING_START, reading, READING_END, ""]
    return "\n".join(lines)


def write(res: dict, path: Path) -> None:
    reading = reading_of(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(res, reading), encoding="utf-8")
