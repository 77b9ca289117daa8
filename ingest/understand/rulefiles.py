"""What every rule file shares: where they live, the milestone names, and the
checked reading of YAML and of pattern lists (a mistake names the file and
the entry)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent.parent.parent / "data"
KINDS = ("start", "detect", "acknowledge", "declare", "mitigate", "resolve")
MILESTONES = ("started", "detected", "acknowledged", "declared", "mitigated", "resolved", "published")
KIND_TO_MILESTONE = dict(zip(KINDS, MILESTONES[:6], strict=True))
HEADLINE_DURATIONS = ("ttd", "tta", "ttm", "ttr")
MAX_RULE_FILE_BYTES = 1_000_000
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


class RulesError(Exception):
    """A rule file is missing, unreadable or invalid; the message says where."""


def load_yaml(path: Path) -> dict:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RulesError(f"{path}: cannot read ({exc.strerror})") from exc
    if len(data) > MAX_RULE_FILE_BYTES:
        raise RulesError(f"{path}: larger than {MAX_RULE_FILE_BYTES} bytes")
    try:
        doc = yaml.load(data, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise RulesError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise RulesError(f"{path}: expected a mapping at the top level")
    return doc


def pattern_rules(path: Path, raw_rules: list, key: str, allowed: list[str]) -> list[tuple[str, list, list]]:
    """(value of `key`, patterns, unless patterns) per rule of a rule file's `rules` list, each checked: `key`
    one of `allowed`, at least one pattern, every pattern a valid regex."""
    out = []
    for n, r in enumerate(raw_rules, 1):
        if not isinstance(r, dict) or r.get(key) not in allowed:
            raise RulesError(f"{path}: rule {n}: needs '{key}', one of {', '.join(allowed)}")
        pats = compile_patterns(path, f"rule {n} ({r[key]})", r.get("patterns"))
        if not pats:
            raise RulesError(f"{path}: rule {n} ({r[key]}): needs at least one pattern")
        out.append((r[key], pats, compile_patterns(path, f"rule {n} ({r[key]}) unless", r.get("unless"))))
    return out


def compile_patterns(path: Path, where: str, patterns) -> list[re.Pattern]:
    if patterns is None:
        return []
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise RulesError(f"{path}: {where}: patterns must be a list of strings")
    out = []
    for p in patterns:
        try:
            out.append(re.compile(p, re.IGNORECASE))
        except re.error as exc:
            raise RulesError(f"{path}: {where}: pattern {p!r} is not a valid regular expression: {exc}") from exc
    return out


def any_pattern(patterns: list[re.Pattern]) -> re.Pattern | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), re.IGNORECASE)
