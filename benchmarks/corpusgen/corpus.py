"""Write a corpus: the documents, the side files and the manifest.

Pass 1 (plan) runs here, sequentially. Pass 2 turns each slot into its
documents; it depends on nothing but the slot and the seed, so large corpora
are split into chunks that worker processes write in parallel, and the
results are merged in chunk order. Nothing reads the clock or iterates a set,
and files are UTF-8 with '\\n' line ends: the same arguments give the same
bytes, whatever the number of processes.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from benchmarks.corpusgen import extras, shapes
from benchmarks.corpusgen.model import Incident, Sampler
from benchmarks.corpusgen.plan import Config, Slot, plan
from benchmarks.corpusgen.rendered import Rendered
from benchmarks.corpusgen.rng import Rng
from benchmarks.corpusgen.text import iso_z

CHUNK = 1000  # incidents per unit of parallel work
_JOB: tuple[Config, list[Slot], Path] | None = None  # what forked workers read


class OutputNotEmpty(Exception):
    """The output folder holds something this generator did not write."""


class Writer:
    """Writes files under a root, creating each folder once."""

    def __init__(self, root: Path) -> None:
        self.root = str(root)
        self.dirs: set[str] = set()

    def write(self, rel: str, data: bytes) -> None:
        folder = rel.rpartition("/")[0]
        if folder not in self.dirs:
            os.makedirs(os.path.join(self.root, folder), exist_ok=True)
            self.dirs.add(folder)
        with open(os.path.join(self.root, rel), "wb") as f:
            f.write(data)


@dataclass
class Result:
    """What writing some incidents produced, besides the files."""

    entries: list[tuple[str, str]] = field(default_factory=list)  # (path, manifest line)
    tickets: list[list[str]] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {"shapes": {}, "teams": {}, "quarters": {}, "severities": {}, "factors": {}}
    )

    def merge(self, other: Result) -> None:
        self.entries += other.entries
        self.tickets += other.tickets
        for name, c in other.counts.items():
            for k, v in c.items():
                _bump(self.counts[name], k, v)


def prepare_output(out: Path, overwrite: bool) -> None:
    """Refuse to mix a new corpus into a folder with other files; with
    `overwrite`, empty a folder that this generator wrote before."""
    if not out.exists() or not any(out.iterdir()):
        return
    if not overwrite:
        raise OutputNotEmpty(f"{out} is not empty; pass --overwrite to replace a corpus generated there before")
    readme = out / "README.md"
    if not readme.is_file() or not readme.read_text(encoding="utf-8", errors="replace").startswith(
        extras.GENERATED_MARK
    ):
        raise OutputNotEmpty(f"{out} does not look like a generated corpus (no generated README.md); not deleting it")
    shutil.rmtree(out)


def quarter_of(inc: Incident) -> str:
    s = inc.started
    return f"{s.year}Q{(s.month - 1) // 3 + 1}"


def entry(rel: str, inc: Incident, doc: Rendered) -> dict:
    """The manifest line of one document: what the parser should make of it."""
    slot = inc.slot
    e: dict = {"path": rel}
    if doc.kind == "five_whys":
        e |= {"outcome": "attached", "shape": slot.shape, "incident_id": rel.rsplit(".", 1)[0],
              "attach_to": doc.attach_to, "kind": doc.kind, "team": doc.team}  # fmt: skip
    else:
        e |= {"outcome": "incident", "shape": slot.shape, "incident_id": slot.incident_id, "kind": doc.kind,
              "team": doc.team, "severity": doc.severity, "status": doc.status}  # fmt: skip
        for name, at in doc.milestones.items():
            e[f"{name}_at"] = iso_z(at)
        e["published_at"] = iso_z(doc.published)
        e["reported_duration_minutes"] = None if doc.reported_minutes is None else int(doc.reported_minutes)
    e["factors"] = sorted(set(doc.factors))
    e["action_items"] = doc.n_actions
    e["whys"] = doc.n_whys
    if doc.impact:
        e["impact"] = doc.impact
    if doc.related:
        e["related"] = doc.related
    if doc.typed_actions:
        e["typed_actions"] = doc.typed_actions
    if slot.shape == "messy":
        e |= {"messy": True, "unreliable": doc.unreliable, "quirks": doc.quirks}
    if doc.blame:
        e["blame"] = True
    return e


def build(cfg: Config, slots: list[Slot], writer: Writer) -> Result:
    """Pass 2 for some slots: sample, render and write each incident."""
    sampler = Sampler(cfg)
    res = Result()
    c = res.counts
    for slot in slots:
        inc = sampler.incident(slot)
        for suffix, doc in shapes.render(inc, sampler.rng):
            rel = slot.base + suffix + slot.suffix
            writer.write(rel, doc.text.encode("utf-8"))
            res.entries.append((rel, json.dumps(entry(rel, inc, doc), ensure_ascii=False, separators=(",", ":"))))
            _bump(c["shapes"], "five_whys (analysis)" if doc.kind == "five_whys" else slot.shape)
            _bump(c["factors"], "total", len(doc.factors))
            _bump(c["factors"], "uncategorized", doc.factors.count("uncategorized"))
        _bump(c["teams"], inc.team)
        _bump(c["quarters"], quarter_of(inc))
        _bump(c["severities"], inc.severity)
        res.tickets.extend(extras.ticket_row(a) for a in inc.actions if a.ticket)
    return res


def _work(bounds: tuple[int, int]) -> Result:
    cfg, slots, out = _JOB  # type: ignore[misc]
    return build(cfg, slots[bounds[0] : bounds[1]], Writer(out))


def default_jobs(count: int) -> int:
    return min(os.cpu_count() or 1, 8) if count >= 4 * CHUNK else 1


def generate(
    cfg: Config,
    out: Path,
    tickets: Path | None = None,
    people: Path | None = None,
    manifest: Path | None = None,
    overwrite: bool = False,
    progress: TextIO | None = None,
    jobs: int | None = None,
) -> dict:
    """Generate the corpus described by `cfg` under `out`; returns the counts.

    The cyclic garbage collector is paused meanwhile: nothing here makes
    cycles, and its passes over the growing results only cost time."""
    global _JOB
    prepare_output(out, overwrite)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        rng = Rng(cfg.seed)
        slots = plan(cfg, rng)
        chunks = [(i, min(i + CHUNK, len(slots))) for i in range(0, len(slots), CHUNK)]
        jobs = default_jobs(cfg.count) if jobs is None else jobs
        if "fork" not in multiprocessing.get_all_start_methods():
            jobs = 1
        total = Result()
        t0 = time.perf_counter()
        done = 0
        if jobs <= 1 or len(chunks) == 1:
            results = (build(cfg, slots[a:b], Writer(out)) for a, b in chunks)
            pool = None
        else:
            _JOB = (cfg, slots, out)
            pool = multiprocessing.get_context("fork").Pool(jobs)
            results = pool.imap(_work, chunks)
        try:
            for (a, b), res in zip(chunks, results, strict=True):
                total.merge(res)
                done += b - a
                if progress is not None and cfg.count >= 5 * CHUNK:
                    rate = done / max(time.perf_counter() - t0, 1e-9)
                    print(f"corpusgen: {done:,}/{cfg.count:,} incidents ({rate:,.0f}/s)", file=progress, flush=True)
        finally:
            if pool is not None:
                pool.close()
                pool.join()
            _JOB = None
        return _finish(cfg, out, slots, total, rng, tickets, people, manifest)
    finally:
        if gc_was_enabled:
            gc.enable()


def _finish(cfg: Config, out: Path, slots: list[Slot], total: Result, rng: Rng, tickets: Path | None,
            people: Path | None, manifest: Path | None) -> dict:  # fmt: skip
    """The files that are not postmortems, the side files and the manifest."""
    writer = Writer(out)
    index: dict[str, list[tuple[str, str]]] = {}
    for s in slots:
        index.setdefault(s.team, []).append((s.base + s.suffix, s.title))
    extra_files: list[tuple[str, bytes, str, str]] = [
        ("templates/postmortem-template.md", extras.TEMPLATE.encode(), "skipped", "template"),
        ("payments/diagram.png", extras.PNG, "skipped", "image"),
    ]
    for rel, text in extras.notes(cfg.count, rng):
        extra_files.append((rel, text.encode(), "skipped", "team notes, not a postmortem"))
    end = cfg.end
    extra_files.append((f"data/{end.year}/{end.isoformat()}-incident-tool-export.json",
                        extras.broken_export("Warehouse load stalled").encode(), "rejected", "truncated JSON export"))  # fmt: skip
    extra_files.append(("README.md", extras.readme(index).encode(), "skipped", "index"))
    for rel, data, outcome, why in extra_files:
        writer.write(rel, data)
        total.entries.append((rel, json.dumps({"path": rel, "outcome": outcome, "note": why}, separators=(",", ":"))))
    counts = {name: dict(sorted(c.items())) for name, c in total.counts.items()}
    counts["files"] = {"total": len(total.entries)}
    if tickets is not None:
        _write(tickets, extras.tickets_csv(total.tickets + extras.extra_ticket_rows(total.tickets, cfg.end)))
    if people is not None:
        _write(people, extras.people_yaml())
    if manifest is not None:
        _write(manifest, manifest_text(cfg, counts, total.entries))
    return counts


def manifest_text(cfg: Config, counts: dict, entries: list[tuple[str, str]]) -> str:
    """JSON, one file entry per line: compact, and diffs stay readable."""
    head = {
        "generator": "benchmarks.corpusgen",
        "args": {"count": cfg.count, "seed": cfg.seed, "start": cfg.start.isoformat(), "quarters": cfg.quarters,
                 "messy_share": cfg.messy_share},
        "as_of": cfg.end.isoformat(),
        "counts": counts,
    }  # fmt: skip
    lines = [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    files = ",\n".join("    " + line for _, line in sorted(entries))
    return "{\n" + "\n".join(lines) + '\n  "files": [\n' + files + "\n  ]\n}\n"


def _bump(d: dict[str, int], key: str, n: int = 1) -> None:
    d[key] = d.get(key, 0) + n


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def report(counts: dict, seconds: float, count: int, stream: TextIO = sys.stderr) -> None:
    """The closing summary on stderr."""
    f = counts["factors"]
    share = f.get("uncategorized", 0) / f["total"] if f.get("total") else 0.0
    files = counts["files"]["total"]
    print(f"corpusgen: {count:,} incidents, {files:,} files in {seconds:.1f}s "
          f"({count / max(seconds, 1e-9):,.0f} incidents/s)", file=stream)  # fmt: skip
    for name in ("shapes", "teams", "quarters", "severities"):
        print(f"  {name}: " + ", ".join(f"{k} {v}" for k, v in counts[name].items()), file=stream)
    print(f"  factors: {f.get('total', 0):,}, intended uncategorized {share:.1%}", file=stream)
