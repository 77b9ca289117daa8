"""Docs that mirror code stay true: the zone table and the schema."""

import re

from ingest.load import schema
from ingest.understand.zones import ABBREVIATIONS, REGIONS, SEASONAL
from tests.conftest import ROOT


def test_timezone_doc_lists_every_abbreviation_with_its_offset():
    text = (ROOT / "docs" / "TIMEZONES.md").read_text()
    rows = dict(re.findall(r"^\| ([A-Z]+) \| (UTC[+-][\d:]+) \|", text, re.MULTILINE))
    expected = {}
    for abbr, minutes in ABBREVIATIONS.items():
        sign = "+" if minutes >= 0 else "-"
        m = abs(minutes)
        expected[abbr] = f"UTC{sign}{m // 60}" + (f":{m % 60:02d}" if m % 60 else "")
    assert rows == expected


def test_timezone_doc_names_the_region_of_every_seasonal_abbreviation():
    text = (ROOT / "docs" / "TIMEZONES.md").read_text()
    rows = dict(re.findall(r"^\| ([A-Z]+) \| UTC[+-][\d:]+ \| ([A-Za-z_/]+) \|", text, re.MULTILINE))
    assert rows == SEASONAL


def test_timezone_doc_lists_every_region_name():
    text = (ROOT / "docs" / "TIMEZONES.md").read_text()
    rows = dict(re.findall(r"^\| ([a-z][a-z ]*) \| ([A-Za-z_/]+) \|$", text, re.MULTILINE))
    rows.pop("name")  # the header row
    assert rows == REGIONS


def test_schema_doc_is_generated_from_the_schema():
    assert (ROOT / "docs" / "SCHEMA.md").read_text() == schema.markdown() + "\n"
