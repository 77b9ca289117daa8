"""The machine a benchmark ran on, the load others put on it, and process-tree measurements.

Everything here reads /proc (Linux); elsewhere the figures degrade to "unknown"
rather than failing, since a record with a gap beats no record."""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
MIB = 1024 * 1024
PACKAGES = ("duckdb", "streamlit", "pandas", "pyarrow", "markdown-it-py", "altair", "playwright")


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return ""


def cpu_model() -> str:
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def mem_total_bytes() -> int | None:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return None


def cgroup_limits() -> str:
    """cgroup v2 CPU and memory limits, when this runs inside one that sets them."""
    cpu, mem = _read("/sys/fs/cgroup/cpu.max").strip(), _read("/sys/fs/cgroup/memory.max").strip()
    parts = []
    if cpu and not cpu.startswith("max"):
        quota, period = cpu.split()
        parts.append(f"cpu {int(quota) / int(period):.2f} cores")
    if mem and mem != "max":
        parts.append(f"memory {int(mem) / MIB / 1024:.1f} GiB")
    return ", ".join(parts) or "none"


def git_state() -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             timeout=10, check=False).stdout.strip()  # fmt: skip
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",  # not the results
                                ":!benchmarks/RESULTS.md"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10, check=False).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{rev or 'unknown'}{' + uncommitted changes' if dirty else ''}"


def versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = "not installed"
    return out


def loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def describe() -> dict:
    """The machine, as RESULTS.md records it."""
    mem = mem_total_bytes()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "memory_gib": round(mem / MIB / 1024, 1) if mem else None,
        "cgroup_limits": cgroup_limits(),
        "os": f"{platform.system()} {platform.release()} ({_os_name()})",
        "versions": versions(),
        "git": git_state(),
        "loadavg": loadavg(),
    }


def _os_name() -> str:
    for line in _read("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip('"')
    return platform.platform()


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


# ---------------------------------------------------------------- who else used the CPU


def _system_busy_seconds() -> float | None:
    """CPU seconds every core spent busy since boot (user+nice+system+irq+softirq+steal)."""
    first = _read("/proc/stat").split("\n", 1)[0].split()
    if not first or first[0] != "cpu":
        return None
    v = [int(x) for x in first[1:]]
    busy = v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0)
    return busy / CLK_TCK


def _own_cpu_seconds() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


class CpuMeter:
    """How busy the machine was during a stretch, and how much of that was not us.

    ours = this process and its reaped children; others = everything else.
    Children still running at stop() (a server we have not reaped yet) count as
    others, so stop after reaping them."""

    def __init__(self) -> None:
        self.t0, self.sys0, self.own0, self.load0 = (
            time.monotonic(),
            _system_busy_seconds(),
            _own_cpu_seconds(),
            loadavg(),
        )

    def stop(self) -> dict:
        wall = time.monotonic() - self.t0
        sys1, own1 = _system_busy_seconds(), _own_cpu_seconds()
        out = {"wall_s": round(wall, 1), "loadavg_start": self.load0, "loadavg_end": loadavg()}
        if self.sys0 is not None and sys1 is not None and wall > 0:
            busy = sys1 - self.sys0
            ours = own1 - self.own0
            others = max(0.0, busy - ours)
            cores = os.cpu_count() or 1
            out.update(cpu_ours_s=round(ours, 1), cpu_others_s=round(others, 1),
                       others_share=round(others / (wall * cores), 3))  # fmt: skip
        return out


# ---------------------------------------------------------------- process trees


def _ppid_map() -> dict[int, int]:
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        stat = _read(f"/proc/{name}/stat")
        if not stat:
            continue
        rest = stat.rsplit(")", 1)[-1].split()
        if len(rest) > 2:
            out[int(name)] = int(rest[1])
    return out


def tree(root: int) -> list[int]:
    """root and its descendants, now."""
    kids: dict[int, list[int]] = {}
    for pid, ppid in _ppid_map().items():
        kids.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, ()))
    return out


def rss_bytes(pid: int) -> int:
    statm = _read(f"/proc/{pid}/statm").split()
    return int(statm[1]) * PAGE if len(statm) > 1 else 0


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of one process so far."""
    rest = _read(f"/proc/{pid}/stat").rsplit(")", 1)[-1].split()
    return (int(rest[11]) + int(rest[12])) / CLK_TCK if len(rest) > 12 else None


def pss_bytes(pid: int) -> int:
    for line in _read(f"/proc/{pid}/smaps_rollup").splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


def status_kib(pid: int, key: str) -> int | None:
    for line in _read(f"/proc/{pid}/status").splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return None


@dataclass
class TreeSamples:
    """Peak memory of a process tree, sampled, and when it had more than one process."""

    peak_rss_sum: int = 0
    peak_pss_sum: int = 0
    peak_root_rss: int = 0
    peak_child_rss: int = 0
    max_processes: int = 0
    children_first: float | None = None
    children_last: float | None = None
    samples: int = 0
    series: list = field(default_factory=list)
    child_cpu: dict = field(default_factory=dict)  # pid -> CPU seconds when last seen (read every second)


class TreeSampler(threading.Thread):
    """Samples the RSS of a process tree every `interval` s (the tree itself is
    re-read from /proc every 5th sample, PSS every 10th) until stop(); times are
    seconds since `t0`. Light on purpose: it shares the machine it measures."""

    def __init__(self, pid: int, t0: float, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.t0, self.interval = pid, t0, interval
        self.result = TreeSamples()
        self._halt = threading.Event()

    def run(self) -> None:
        r = self.result
        n = 0
        pids = [self.pid]
        while not self._halt.is_set():
            if n % 5 == 0:
                pids = tree(self.pid)
                for p in pids:
                    c = cpu_seconds(p) if p != self.pid else None
                    if c is not None:
                        r.child_cpu[p] = c
            now = time.monotonic() - self.t0
            rss = {p: rss_bytes(p) for p in pids}
            if n % 5 and any(v == 0 for v in rss.values()):  # a process ended: read the tree again
                pids = tree(self.pid)
                rss = {p: rss_bytes(p) for p in pids}
            total = sum(rss.values())
            r.peak_rss_sum = max(r.peak_rss_sum, total)
            r.peak_root_rss = max(r.peak_root_rss, rss.get(self.pid, 0))
            kids = [p for p in pids if p != self.pid and rss[p] > 0]
            if kids:
                r.peak_child_rss = max(r.peak_child_rss, *(rss[p] for p in kids))
                r.children_first = now if r.children_first is None else r.children_first
                r.children_last = now
            r.max_processes = max(r.max_processes, len([p for p in pids if rss[p] > 0]))
            if n % 10 == 0:
                r.peak_pss_sum = max(r.peak_pss_sum, sum(pss_bytes(p) for p in pids))
            if n % 10 == 0:
                r.series.append((round(now, 1), len(kids) + 1, round(total / MIB)))
            n += 1
            r.samples = n
            self._halt.wait(self.interval)

    def stop(self) -> TreeSamples:
        self._halt.set()
        self.join(timeout=5)
        return self.result


@dataclass
class Measured:
    """One subprocess, waited for with wait4 so its rusage is its own (and its
    reaped descendants'), not the harness's."""

    cmd: list[str]
    returncode: int
    wall_s: float
    cpu_user_s: float
    cpu_sys_s: float
    maxrss_single: int  # bytes: the largest single process of the tree (ru_maxrss)
    tree: TreeSamples
    log: str

    @property
    def cpu_s(self) -> float:
        return self.cpu_user_s + self.cpu_sys_s


def run_measured(cmd: list[str], log_path: Path, cwd: Path = ROOT, env: dict | None = None,
                 interval: float = 0.2) -> Measured:  # fmt: skip
    """Run cmd to the end, sampling its process tree; stdout+stderr go to log_path."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        sampler = TreeSampler(proc.pid, t0, interval)
        sampler.start()
        try:
            _, status, ru = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            proc.wait()
            sampler.stop()
            raise
        wall = time.monotonic() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        samples = sampler.stop()
    text = log_path.read_text(encoding="utf-8", errors="replace")
    return Measured(cmd, proc.returncode, wall, ru.ru_utime, ru.ru_stime, ru.ru_maxrss * 1024, samples, text[-4000:])
