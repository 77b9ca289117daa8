"""Seeded generator of realistic postmortem corpora, for the bundled sample and for scale benchmarks.

    python -m benchmarks.corpusgen --out DIR --count N --seed S [--start 2024-10-01] [--quarters 8]
        [--tickets FILE] [--people FILE] [--manifest FILE] [--messy-share 0.12]

Same arguments, same bytes. The layout, the document shapes and the manifest
are described in `python -m benchmarks.corpusgen --help`.

The committed sample -- data/sample/, data/tickets.csv, data/people.yaml and
data/sample-manifest.json -- is this generator's output for SAMPLE_ARGS below,
and tests/test_corpusgen.py regenerates it and compares bytes, so it is never
edited by hand. To regenerate it after changing the generator (run from the
project root):

    python -m benchmarks.corpusgen --sample

which runs

    python -m benchmarks.corpusgen --out data/sample --count 150 --seed 20241001 --start 2024-10-01
        --quarters 8 --messy-share 0.12 --tickets data/tickets.csv --people data/people.yaml
        --manifest data/sample-manifest.json --overwrite

Modules: vocab (teams, services, people, tendencies), phrases (the sentences,
checked against the rule files by the tests), plan (pass 1: when, where, which
shape, identity), model (pass 2: the sampled facts of one incident),
render_md / render_structured (the document shapes), shapes (which shape turns
which knobs, the messy quirks), rendered (a document and the truth it states),
extras (files that are not postmortems, tickets, people), corpus (writing
it all, in parallel for large corpora), rng, text, cli.
"""

from benchmarks.corpusgen.corpus import generate
from benchmarks.corpusgen.plan import Config

SAMPLE_ARGS: tuple[str, ...] = (
    "--out", "data/sample", "--count", "150", "--seed", "20241001", "--start", "2024-10-01", "--quarters", "8",
    "--messy-share", "0.12", "--tickets", "data/tickets.csv", "--people", "data/people.yaml",
    "--manifest", "data/sample-manifest.json", "--overwrite",
)  # fmt: skip

__all__ = ["SAMPLE_ARGS", "Config", "generate"]
