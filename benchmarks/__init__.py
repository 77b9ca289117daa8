"""Benchmarks and the scale corpus generator (see benchmarks/corpusgen)."""
