"""The corpus generator (benchmarks/corpusgen): reproducible to the byte, the
committed sample provably its output, and the parser agreeing with the
ground truth it writes in the manifest."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from benchmarks.corpusgen import SAMPLE_ARGS, generate
from benchmarks.corpusgen import corpus as gen_module
from benchmarks.corpusgen import phrases as P
from benchmarks.corpusgen.cli import config_of, main, make_parser
from benchmarks.corpusgen.plan import Config
from benchmarks.corpusgen.vocab import TEAMS
from ingest.understand.parser import parse_file
from ingest.understand.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent
MILESTONES = ("started_at", "detected_at", "acknowledged_at", "declared_at", "mitigated_at", "resolved_at")


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def run(out: Path, count: int, seed: int, jobs: int | None = None) -> dict[str, bytes]:
    """Generate a corpus and its side files; all of it as {name: bytes}."""
    side = out.parent / f"{out.name}-side"
    cfg = Config(count, seed, date(2024, 10, 1), 8, 0.12)
    generate(cfg, out, side / "tickets.csv", side / "people.yaml", side / "manifest.json", jobs=jobs)
    return tree(out) | {f"side/{k}": v for k, v in tree(side).items()}


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, dict, dict[str, bytes]]:
    """A fresh generation with the committed sample's arguments."""
    args = make_parser().parse_args(list(SAMPLE_ARGS))
    out = tmp_path_factory.mktemp("sample")
    corpus = out / "corpus"
    generate(config_of(args), corpus, out / "tickets.csv", out / "people.yaml", out / "manifest.json")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return corpus, manifest, {"tickets": (out / "tickets.csv").read_bytes(), "people": (out / "people.yaml").read_bytes(),
                              "manifest": (out / "manifest.json").read_bytes()}  # fmt: skip


def test_same_seed_same_bytes(tmp_path):
    assert run(tmp_path / "a", 40, 7) == run(tmp_path / "b", 40, 7)


def test_different_seed_different_corpus(tmp_path):
    a, b = run(tmp_path / "a", 40, 7), run(tmp_path / "b", 40, 8)
    assert a != b
    assert a["side/manifest.json"] != b["side/manifest.json"]


def test_output_does_not_depend_on_worker_processes(tmp_path, monkeypatch):
    monkeypatch.setattr(gen_module, "CHUNK", 10)
    assert run(tmp_path / "a", 35, 3, jobs=1) == run(tmp_path / "b", 35, 3, jobs=2)


def test_committed_sample_is_the_generators_output(sample):
    corpus, _, side = sample
    args = make_parser().parse_args(list(SAMPLE_ARGS))
    committed = ROOT / args.out
    assert committed.is_dir(), "data/sample is missing: run `python -m benchmarks.corpusgen --sample`"
    fresh, old = tree(corpus), tree(committed)
    changed = sorted(k for k in fresh.keys() | old.keys() if fresh.get(k) != old.get(k))
    assert not changed, f"data/sample differs from a fresh generation (regenerate with --sample): {changed[:10]}"
    assert (ROOT / args.tickets).read_bytes() == side["tickets"]
    assert (ROOT / args.people).read_bytes() == side["people"]
    assert (ROOT / args.manifest).read_bytes() == side["manifest"]


def test_sample_shape(sample):
    """Six teams, eight quarters, every shape, the extras, and one new failure mode."""
    _, manifest, _ = sample
    counts = manifest["counts"]
    assert set(counts["teams"]) == {t.name for t in TEAMS}
    assert len(counts["quarters"]) == 8
    assert set(counts["shapes"]) >= {"standard", "standard_list", "quick", "five_whys", "frontmatter", "yaml", "json",
                                     "messy"}  # fmt: skip
    outcomes = {e["outcome"] for e in manifest["files"]}
    assert outcomes == {"incident", "attached", "skipped", "rejected"}
    incidents = [e for e in manifest["files"] if e["outcome"] == "incident"]
    assert len(incidents) == manifest["args"]["count"]
    last_q = max(counts["quarters"])
    with_security = [e for e in incidents if "security" in e["factors"]]
    assert with_security and all(_quarter(e["started_at"]) == last_q for e in with_security)


def _quarter(ts: str) -> str:
    return f"{ts[:4]}Q{(int(ts[5:7]) - 1) // 3 + 1}"


def test_parser_agrees_with_the_manifest(sample):
    """Every file ends as the manifest says; every non-messy postmortem parses to
    exactly its milestones, severity, team, action-item count and factor categories."""
    corpus, manifest, _ = sample
    rules = load_rules()
    bad: list[str] = []
    factors = uncategorized = 0
    for e in manifest["files"]:
        doc = parse_file(corpus / e["path"], rules, root=corpus).to_json()
        if doc["outcome"] != e["outcome"]:
            bad.append(f"{e['path']}: outcome {doc['outcome']} ({doc['reason']}), expected {e['outcome']}")
            continue
        if e["outcome"] not in ("incident", "attached"):
            continue
        factors += len(doc["contributing_factors"])
        uncategorized += sum(f["category"] == "uncategorized" for f in doc["contributing_factors"])
        if e.get("messy"):
            continue
        keys = ["kind", "team", "incident_id", "severity", "status", *MILESTONES] if e["outcome"] == "incident" else [
            "kind", "team", "attach_to"]  # fmt: skip
        bad += [f"{e['path']}: {k} {doc[k]!r}, expected {e[k]!r}" for k in keys if doc[k] != e[k]]
        if len(doc["action_items"]) != e["action_items"]:
            bad.append(f"{e['path']}: {len(doc['action_items'])} action items, expected {e['action_items']}")
        cats = sorted({f["category"] for f in doc["contributing_factors"]})
        if cats != e["factors"]:
            bad.append(f"{e['path']}: factor categories {cats}, expected {e['factors']}")
        if doc["blame"]:
            bad.append(f"{e['path']}: blame phrasing found in a document that has none: {doc['blame']}")
    assert not bad, "\n".join(bad)
    assert factors and uncategorized / factors < 0.10


def test_messy_documents_keep_what_they_do_not_garble(sample):
    """A messy document garbles only the fields its manifest entry lists as
    unreliable; everything else still reads exactly."""
    corpus, manifest, _ = sample
    rules = load_rules()
    bad: list[str] = []
    for e in manifest["files"]:
        if not e.get("messy"):
            continue
        doc = parse_file(corpus / e["path"], rules, root=corpus).to_json()
        for k in ("kind", "team", "incident_id", "severity", "status", "published_at", *MILESTONES):
            if k not in e["unreliable"] and doc[k] != e[k]:
                bad.append(f"{e['path']} {e['quirks']}: {k} {doc[k]!r}, expected {e[k]!r}")
        if len(doc["action_items"]) != e["action_items"]:
            bad.append(f"{e['path']}: {len(doc['action_items'])} action items, expected {e['action_items']}")
        if bool(doc["blame"]) != bool(e.get("blame")):
            bad.append(f"{e['path']}: blame {doc['blame']}, expected {bool(e.get('blame'))}")
    assert not bad, "\n".join(bad)


def test_phrases_classify_as_intended():
    """The sentences mean to the rule files what the generator says they mean
    (with every service name filled in, since names can trip a rule)."""
    rules = load_rules()
    services = [s for t in TEAMS for s in t.services]

    def fills(template: str):
        for svc in services:
            for ver in ("2.3.4", "9.15.6"):
                yield template.format(svc=svc, Svc=svc, who="alice", ver=ver, prev="2.3.0", sev="SEV2", pct=23,
                                      metric=P.METRICS[len(svc) % len(P.METRICS)], flag=P.FLAGS[0], n=42)  # fmt: skip

    said = lambda text: rules.timeline.read(text).signals  # noqa: E731
    # (phrase, a signal it must carry, signals it must not carry)
    groups = [(t, {"start", "onset"} if t not in P.START_CHANGES else "change", set())
              for g in P.START.values() for t in g]  # fmt: skip
    groups += [(t + P.IMPACT_AT_ONCE, "onset", set()) for t in P.START_CHANGES]
    groups += [(t, "change", {"start", "onset"}) for g in P.START_UNNAMED.values() for t in g]
    detect = {"alert", "report", "notice"}
    groups += [(t, detect, set()) for k in ("detect", "detect_customer") for t in P.TIMELINE[k]]
    groups += [(t, "ack", set()) for t in P.TIMELINE["acknowledge"]]
    groups += [(t, "declare", set()) for t in P.TIMELINE["declare"]]
    groups += [(t, {"recover", "close", "end"}, {"relapse"}) for t in P.TIMELINE["resolve"]]
    other = [*P.OTHER, *(t for g in P.OTHER_BY_GROUP.values() for t in g)]
    groups += [(t, "respond", {"recover", "close", "mitigate"}) for t in other if t not in P.NOT_RESPONSES]
    groups += [(t, None, {"respond", "ack", "declare", "recover", "close"}) for t in P.NOT_RESPONSES]
    groups += [(t, {"recover", "mitigate", "end"}, {"relapse"}) for g in P.MITIGATE_BY_GROUP.values() for t in g]
    bad = []
    for tpl, want, never in groups:
        for text in fills(tpl):
            got = said(text)
            wanted = {want} if isinstance(want, str) else (want or set())
            if (wanted and not got & wanted) or got & never:
                bad.append(f"timeline {sorted(wanted)}: {sorted(got)} for {text!r}")
    bad += [f"factor {cat}: {rules.taxonomy.categorize(text)!r} for {text!r}" for cat, ts in P.FACTORS.items()
            for tpl in ts for text in fills(tpl) if rules.taxonomy.categorize(text) != cat]  # fmt: skip
    bad += [f"vague: {rules.taxonomy.categorize(t)!r} for {t!r}" for t in P.VAGUE
            if rules.taxonomy.categorize(t) != "uncategorized"]  # fmt: skip
    assert not bad, "\n".join(sorted(set(bad))[:40])


def test_cli_refuses_a_folder_it_did_not_write(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["--out", str(tmp_path), "--count", "3", "--quiet", "--overwrite"]) == 2
    assert (tmp_path / "notes.txt").exists()
    out = tmp_path / "corpus"
    assert main(["--out", str(out), "--count", "3", "--quiet"]) == 0
    assert main(["--out", str(out), "--count", "3", "--quiet"]) == 2  # not empty
    assert main(["--out", str(out), "--count", "4", "--quiet", "--overwrite"]) == 0
    assert "not empty" in capsys.readouterr().err
