"""Figure 4: every page's full script run under AppTest, first and repeated, and
the memory of the real dashboard process after a browser opened every page.

First run: a new AppTest session runs once (the default page), then the data
and resource caches are cleared, the page is selected and the timed run starts:
the page as the first visitor after a new build sees it. Repeated: the same
session runs again (cached analytics, as on every widget click); the median of
three.

App memory: `streamlit run app.py` on the database, headless Chromium (Debian's,
driven by Playwright) opens every page once and waits until the script has
finished (stApp's script state 'notRunning' for a second); VmRSS and VmHWM of
the server process are read from /proc after each page."""

from __future__ import annotations

import ast
import cProfile
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from benchmarks.machine import ROOT, CpuMeter, loadavg, status_kib

REPEATS = 3
TIMEOUT = 600
DETAIL = "views/incidents.py"  # opened twice: the list, and one incident's detail (?incident=...)
DOCUMENT = "views/document.py"  # opened with ?incident=... (the first incident listed)


def app_pages(app: Path = ROOT / "app.py") -> list[tuple[str, str, str, dict]]:
    """(title, views file, url path, query parameters) of every page app.py's
    st.navigation registers, read from its source; the incident list's page
    comes twice, the second time as the detail of the first incident listed
    (query parameter value None)."""
    tree = ast.parse(app.read_text(encoding="utf-8"))
    ui_pages = _ui_pages()
    out = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "Page"):
            continue
        target = node.args[0] if node.args else None
        if isinstance(target, ast.Constant):
            file = target.value
        elif isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
            file = ui_pages.get(target.slice.value)
        else:
            file = None
        if not isinstance(file, str):
            continue
        kw = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
        url = "" if kw.get("default") else kw.get("url_path", Path(file).stem)
        # the document page shows one incident's postmortem: it is opened with the first incident listed
        out.append((kw.get("title", Path(file).stem), file, url, {"incident": None} if file == DOCUMENT else {}))
        if file == DETAIL:
            out.append(("Incident detail", file, url, {"incident": None}))
    return out


def _ui_pages() -> dict[str, str]:
    """views/ui.py's PAGES mapping, read from its source (no streamlit import)."""
    tree = ast.parse((ROOT / "views" / "ui.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "PAGES" for t in node.targets):
            return ast.literal_eval(node.value)
    return {}


def first_incident(db: Path) -> str | None:
    from analytics import incidents
    from analytics.db import connect
    from analytics.filters import Filters
    from analytics.meta import options
    from analytics.settings import load_settings

    con = connect(db)
    try:
        f = Filters.default(options(con).as_of, load_settings().fiscal_year_start_month)
        lst = incidents.listing_head(con, f, "", 1)["rows"]
        return str(lst["incident_id"].iloc[0]) if len(lst) else None
    finally:
        con.close()


def _params(params: dict, incident: str | None) -> dict:
    return {k: (incident if v is None else v) for k, v in params.items() if (incident if v is None else v)}


PROFILE_FIRST_OVER_S = 1.5  # pages over a target run once more under cProfile
PROFILE_REPEATED_OVER_S = 0.5
SCRIPT_THREAD = "ScriptRunner.scriptThread"


def _package(filename: str, name: str) -> str:
    """Where a profiled function lives: a project folder, an installed package, the standard library."""
    if filename == "~":
        for pkg in ("numpy", "pyarrow", "pandas"):
            if pkg in name:
                return pkg
        return "built-ins (C)"
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    if filename.startswith(str(ROOT) + "/"):
        rel = filename[len(str(ROOT)) + 1 :]
        if rel == "analytics/db.py":
            return "DuckDB (own time of analytics/db.py: execute + fetch)"
        return rel.split("/", 1)[0] + "/" if "/" in rel else rel
    if filename.startswith("<"):
        return "generated code"
    return "stdlib" if "/lib/python3." in filename else filename


def _where(filename: str, line: int, fn: str) -> str:
    if filename == "~":
        return fn
    short = filename.replace(str(ROOT) + "/", "").split("site-packages/")[-1]
    if "/lib/python3." in short:
        short = "stdlib/" + short.split("/lib/python3.", 1)[1].split("/", 1)[-1]
    return f"{short}:{line}({fn})"


def profiled_run(at) -> dict:
    """at.run() once more with cProfile on Streamlit's script thread (where the page runs):
    own time summed by package, and the functions with the most own time."""
    prof = cProfile.Profile()
    on = []

    def hook(frame, event, arg):  # the first event of every new thread: enable the profiler in the script's
        sys.setprofile(None)
        if threading.current_thread().name == SCRIPT_THREAD and not on:
            on.append(True)
            prof.enable()

    threading.setprofile(hook)
    t0 = time.perf_counter()
    try:
        at.run()
    finally:
        threading.setprofile(None)
    wall = time.perf_counter() - t0
    if not on:
        return {"error": f"no thread named {SCRIPT_THREAD} ran the script"}
    prof.create_stats()
    by_pkg: dict[str, float] = {}
    top = []
    for (filename, line, fn), (_cc, nc, tt, _ct, _callers) in prof.stats.items():  # type: ignore[attr-defined]
        pkg = _package(filename, fn)
        by_pkg[pkg] = by_pkg.get(pkg, 0.0) + tt
        top.append((round(tt * 1000, 1), nc, _where(filename, line, fn)))
    total = sum(by_pkg.values()) or 1.0
    pkgs = sorted(((k, round(v * 1000), round(v / total, 3)) for k, v in by_pkg.items()), key=lambda x: -x[1])
    return {"wall_s": round(wall, 2), "by_package": pkgs[:8], "top": sorted(top, reverse=True)[:8]}


def apptest_pages(db: Path, repeats: int = REPEATS, log=print, profile: bool = True) -> dict:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    meter = CpuMeter()
    old = os.environ.get("INCIDENTS_DB")
    os.environ["INCIDENTS_DB"] = str(db)
    incident = first_incident(db)
    rows = []
    try:
        for name, path, _url, params in app_pages():
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
            for k, v in _params(params, incident).items():
                at.query_params[k] = v
            t0 = time.perf_counter()
            at.run()
            session_s = time.perf_counter() - t0
            st.cache_data.clear()
            st.cache_resource.clear()
            at.switch_page(path)
            t0 = time.perf_counter()
            at.run()
            first = time.perf_counter() - t0
            errors = [e.message for e in at.exception]
            again = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                at.run()
                again.append(time.perf_counter() - t0)
            errors += [e.message for e in at.exception if e.message not in errors]
            title = [t.value for t in at.title][:1]
            row = {"page": name, "file": path, "query": _params(params, incident), "first_s": round(first, 3),
                   "repeated_s": round(statistics.median(again), 3), "repeated_max_s": round(max(again), 3),
                   "session_start_s": round(session_s, 3), "title": title[0] if title else None,
                   "elements": len(list(at.main)), "errors": errors[:3]}  # fmt: skip
            if profile and row["repeated_s"] > PROFILE_REPEATED_OVER_S:
                row["profile_repeated"] = profiled_run(at)
            if profile and first > PROFILE_FIRST_OVER_S:
                st.cache_data.clear()
                st.cache_resource.clear()
                row["profile_first"] = profiled_run(at)
            rows.append(row)
            log(f"  {name}: first {first:.2f} s, repeated {statistics.median(again):.2f} s"
                + (f"  ERRORS: {errors[:1]}" if errors else ""))  # fmt: skip
    finally:
        if old is None:
            os.environ.pop("INCIDENTS_DB", None)
        else:
            os.environ["INCIDENTS_DB"] = old
        st.cache_data.clear()
        st.cache_resource.clear()
    return {"rows": rows, "repeats": repeats, "machine": meter.stop()}


# ---------------------------------------------------------------- the real server, in a browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _mem(pid: int) -> dict:
    rss, hwm = status_kib(pid, "VmRSS"), status_kib(pid, "VmHWM")
    return {"rss_mib": round(rss / 1024) if rss else None, "hwm_mib": round(hwm / 1024) if hwm else None}


def _wait_done(page, timeout_ms: int) -> float:
    """Until the page has a title and Streamlit's script state (the `data-test-script-state`
    attribute of stApp) has been 'notRunning' for a second; returns when it went so
    (time.perf_counter)."""
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=timeout_ms)
    app = page.locator("[data-testid='stApp']")
    deadline = time.monotonic() + timeout_ms / 1000
    quiet_since = None
    while time.monotonic() < deadline:
        if app.get_attribute("data-test-script-state") != "notRunning":
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.perf_counter()
        elif time.perf_counter() - quiet_since >= 1.0:
            return quiet_since
        time.sleep(0.05)
    raise TimeoutError(f"the page was still running after {timeout_ms / 1000:.0f} s")


def server_memory(db: Path, work: Path, log=print) -> dict:
    """Start the dashboard on db, open every page in headless Chromium, read the server's memory."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return {"error": "Chromium is not installed (apt-get install -y chromium): app memory not measured"}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"error": "playwright is not installed: app memory not measured"}
    meter = CpuMeter()
    port = _free_port()
    env = {**os.environ, "INCIDENTS_DB": str(db)}
    log_path = work / "server.log"
    incident = first_incident(db)
    out: dict = {"pages": []}
    with open(log_path, "wb") as server_log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless",
             "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(240):
                try:
                    if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                        break
                except OSError:
                    time.sleep(0.25)
            else:
                return {"error": "the dashboard did not start; see " + str(log_path)}
            out["started"] = _mem(proc.pid)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, headless=True,
                                            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                                  "--disable-quic", "--no-first-run", "--disable-component-update",
                                                  "--disable-sync"])  # fmt: skip
                page = browser.new_page(viewport={"width": 1500, "height": 1100})
                for name, _path, url_path, params in app_pages():
                    q = "&".join(f"{k}={v}" for k, v in _params(params, incident).items())
                    t0 = done = time.perf_counter()
                    error = None
                    try:
                        page.goto(f"{url}/{url_path}" + (f"?{q}" if q else ""))
                        done = _wait_done(page, TIMEOUT * 1000)
                        if page.locator("[data-testid='stException']").count():
                            error = page.locator("[data-testid='stException']").first.inner_text()[:300]
                    except Exception as exc:  # recorded: the other pages still count
                        error = f"{type(exc).__name__}: {str(exc)[:300]}"
                    row = {"page": name, "browser_s": round(done - t0, 2), **_mem(proc.pid)}
                    if error:
                        row["error"] = error
                    out["pages"].append(row)
                    log(f"  browser {name}: {row['browser_s']} s, server RSS {row['rss_mib']} MiB")
                browser.close()
            time.sleep(2)
            out["after"] = _mem(proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    out["peak_rss_mib"] = max([r["rss_mib"] or 0 for r in out["pages"]] + [out.get("after", {}).get("rss_mib") or 0])
    out["hwm_mib"] = out.get("after", {}).get("hwm_mib")
    out["machine"] = meter.stop()
    out["loadavg"] = loadavg()
    return out


def measure(db: Path, work: Path, browser: bool = True, log=print) -> dict:
    out = {"apptest": apptest_pages(db, log=log)}
    out["server"] = server_memory(db, work, log=log) if browser else {"error": "skipped (--no-browser)"}
    return out
