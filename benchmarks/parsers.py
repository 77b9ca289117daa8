"""How fast compiled Markdown parsers read the benchmark corpus's documents, beside the build's own block scanner
and whole parser: would a structure pass on a compiled parser make the build fast?

    python -m benchmarks.parsers [--count N] [--corpus DIR] [--seed S]

One process, the files in memory, each library made to produce every event or node it returns (a lazy result
would measure nothing), after 200 documents of warm-up. The compiled libraries are not the project's
dependencies: install them into the environment to measure them (pip install pyromark markdown-it-pyrs cmarkgfm
mistune); those missing are listed as not installed. Prints a Markdown table; RESULTS.md's reading quotes it."""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.machine import ROOT

WARM_UP = 200
DEFAULT_CORPUS = ROOT / "benchmarks" / "corpus" / "n100000-s1" / "docs"


def _pyromark(ranges: bool) -> Callable[[str], object]:
    import pyromark

    opts = pyromark.Options.ENABLE_TABLES | pyromark.Options.ENABLE_TASKLISTS
    events = pyromark.events_with_range if ranges else pyromark.events
    return lambda text: list(events(text, options=opts))


def _markdown_it_rs() -> Callable[[str], object]:
    from markdown_it_pyrs import MarkdownIt

    md = MarkdownIt("commonmark").enable("table")
    return lambda text: sum(1 for _ in md.tree(text).walk())


def _cmark_gfm() -> Callable[[str], object]:
    import cmarkgfm

    return cmarkgfm.github_flavored_markdown_to_html


def _mistune() -> Callable[[str], object]:
    import mistune

    return mistune.create_markdown(renderer=None, plugins=["table", "task_lists"])


def _markdown_it_py() -> Callable[[str], object]:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").parse


def _block_scanner() -> Callable[[str], object]:
    from ingest.read.mdblocks import build_sections, classify

    return lambda text: build_sections(classify(text))


def _whole_parser(rel: dict[str, str]) -> Callable[[str], object]:
    from ingest.understand.parser import parse_bytes
    from ingest.understand.rules import load_rules

    rules = load_rules()
    return lambda text: parse_bytes(text.encode("utf-8"), rel[text], rules)


def candidates(rel: dict[str, str]) -> list[tuple[str, Callable[[], Callable[[str], object]]]]:
    """(what is measured, a function making the parse function; ImportError when the library is missing)."""
    return [
        ("pyromark: pulldown-cmark events (tables, task lists)", lambda: _pyromark(False)),
        ("pyromark: the same events with their byte ranges", lambda: _pyromark(True)),
        ("markdown-it-pyrs: markdown-it.rs tree, every node walked", _markdown_it_rs),
        ("cmarkgfm: cmark-gfm, parsed and written as HTML", _cmark_gfm),
        ("mistune 3: AST (pure Python)", _mistune),
        ("markdown-it-py: tokens (pure Python; the build benchmark's reference)", _markdown_it_py),
        ("the build's block scanner (line classes and the section tree)", _block_scanner),
        ("the build's whole parser (parse_bytes: every extractor)", lambda: _whole_parser(rel)),
    ]


def measure(texts: list[str], fn: Callable[[str], object]) -> float:
    """Seconds for fn over every text, after a warm-up."""
    for t in texts[:WARM_UP]:
        fn(t)
    gc.collect()
    start = time.perf_counter()
    for t in texts:
        fn(t)
    return time.perf_counter() - start


def table(corpus: Path, count: int, seed: int) -> str:
    files = sorted(corpus.rglob("*.md"))
    random.Random(seed).shuffle(files)
    files = files[:count]
    texts = [p.read_bytes().decode("utf-8", "replace") for p in files]
    rel = {t: p.relative_to(corpus).as_posix() for t, p in zip(texts, files, strict=True)}
    mib = sum(len(t.encode("utf-8")) for t in texts) / 2**20
    out = [f"{len(texts):,} .md files of {corpus} ({mib:.1f} MiB), one process, in memory", "",
           "| parser | documents/s | ms per document |", "|---|---|---|"]  # fmt: skip
    for name, make in candidates(rel):
        try:
            fn = make()
        except ImportError:
            out.append(f"| {name} | not installed | |")
            continue
        secs = measure(texts, fn)
        out.append(f"| {name} | {len(texts) / secs:,.0f} | {secs / len(texts) * 1000:.3f} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.parsers", description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=10_000, help="Markdown files to read (default 10,000)")
    ap.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="a corpus's docs folder (default: the 100k one)"
    )
    ap.add_argument("--seed", type=int, default=3, help="which files: the seed of their shuffle (default 3)")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        ap.error(f"no corpus at {args.corpus}: generate it with `python -m benchmarks.run --only build` first")
    print(table(args.corpus, args.count, args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
