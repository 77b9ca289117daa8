"""One overdue CSV: the page's download and `python -m analytics overdue` write the same bytes (with the
UTF-8 byte order mark Excel needs for names like zoë), with a link to each ticket and postmortem where
the settings have a template for it; and every download's file name carries the filters it was made with."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from analytics import actions, export
from analytics.export import download_name
from analytics.settings import Settings, load_settings
from tests import actions_corpus, small_corpus
from tests.apptest import open_page
from tests.conftest import ROOT

TEMPLATES = """\
ticket_url_template: "https://tracker.example.com/browse/{ticket}"
document_url_template: "https://git.example.com/pm/blob/main/{path}#L{line}"
"""


@pytest.fixture(scope="module")
def db(tmp_path_factory, rules):
    return actions_corpus.build(tmp_path_factory.mktemp("overdue_csv"), rules)


@pytest.fixture
def downloads(monkeypatch):
    """{file name: what the page would send}: every download button's data, deferred or not, as the
    page registers it while it runs."""
    got: dict[str, object] = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def record(self, data, mimetype, coordinates, file_name=None, *a, **kw):
        got[file_name] = data
        return add(self, data, mimetype, coordinates, file_name, *a, **kw)

    def record_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        got[file_name] = data_callable
        return add_deferred(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return got


def cli_bytes(db, *args: str) -> bytes:
    r = subprocess.run([sys.executable, "-m", "analytics", "overdue", "--db", str(db), *args], cwd=ROOT,
                       capture_output=True, timeout=120)  # fmt: skip
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout


def as_bytes(data) -> bytes:
    data = data() if callable(data) else data
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def templates(tmp_path, monkeypatch, text: str = TEMPLATES) -> None:
    """Settings with these templates, for the page (this process) and the command line (a child)."""
    p = tmp_path / "dashboard.yaml"
    p.write_text(text, encoding="utf-8")
    monkeypatch.setenv("INCIDENTS_SETTINGS", str(p))


# ------------------------------------------------------------------ the same bytes


@pytest.mark.parametrize(
    ("params", "args", "name"),
    [
        ({}, (), "overdue-2025-07-15.csv"),
        ({"team": "search"}, ("--team", "search"), "overdue-2025-07-15-team-search.csv"),
        ({"manager": "sam"}, ("--manager", "sam"), "overdue-2025-07-15-manager-sam.csv"),
        ({"owner": "zoë"}, ("--owner", "zoë"), "overdue-2025-07-15-owner-zoë.csv"),
    ],
)
def test_download_and_command_line_are_byte_identical(db, downloads, tmp_path, monkeypatch, params, args, name):
    templates(tmp_path, monkeypatch)
    open_page(db, "views/actions.py", quarter="2025Q2", as_of="2025-07-15", **params)
    assert [n for n in downloads if n.startswith("overdue")] == [name]
    page = as_bytes(downloads[name])
    assert page == cli_bytes(db, "--as-of", "2025-07-15", *args)
    assert page.startswith(b"\xef\xbb\xbf")  # the UTF-8 byte order mark, for Excel


def test_default_settings_give_the_same_bytes_too(db, downloads, monkeypatch):
    monkeypatch.delenv("INCIDENTS_SETTINGS", raising=False)
    open_page(db, "views/actions.py", quarter="2025Q2", as_of="2025-07-15", owner="zoë")
    page = as_bytes(downloads["overdue-2025-07-15-owner-zoë.csv"])
    assert page == cli_bytes(db, "--as-of", "2025-07-15", "--owner", "zoë")
    assert page.decode("utf-8").startswith("\ufeffincident_id,")
    assert ",zoë,Zoë Brontë," in page.decode("utf-8")


# ------------------------------------------------------------------ the link columns


def test_ticket_and_document_links(db, tmp_path, monkeypatch):
    templates(tmp_path, monkeypatch)
    text = cli_bytes(db, "--as-of", "2025-07-15", "--team", "search").decode("utf-8")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == [*actions.OVERDUE_COLUMNS, "ticket_url", "document_url"]
    assert [(r[0], r[6], r[-2], r[-1]) for r in rows[1:]] == [
        ("A-2", "carol", "https://tracker.example.com/browse/SRCH-1", "https://git.example.com/pm/blob/main/search/A-2.yaml"),
        ("A-2", "alice", "https://tracker.example.com/browse/PAY-3", "https://git.example.com/pm/blob/main/search/A-2.yaml"),
        ("A-2", "bob", "https://tracker.example.com/browse/PAY-3", "https://git.example.com/pm/blob/main/search/A-2.yaml"),
        ("B-2", "alice", "https://tracker.example.com/browse/SRCH-4", "https://git.example.com/pm/blob/main/search/B-2.md#L18"),
        ("B-2", "bob", "https://tracker.example.com/browse/SRCH-4", "https://git.example.com/pm/blob/main/search/B-2.md#L18"),
        ("B-2", "", "", "https://git.example.com/pm/blob/main/search/B-2.md#L19"),
        ("C-1", "carol", "https://tracker.example.com/browse/SRCH-6", "https://git.example.com/pm/blob/main/search/C-1.yaml"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "extra"),
    [
        ("", []),  # no settings at all: neither column
        ("document_url_template: null\n", []),
        ('ticket_url_template: "https://t.example.com/{ticket}"\n', ["ticket_url"]),
        ('document_url_template: "https://g.example.com/{path}"\n', ["document_url"]),
    ],
)
def test_a_column_without_its_template_is_left_out(db, tmp_path, monkeypatch, text, extra):
    templates(tmp_path, monkeypatch, text)
    header = cli_bytes(db, "--as-of", "2025-07-15").decode("utf-8").removeprefix("\ufeff").split("\r\n", 1)[0]
    assert header.split(",") == [*actions.OVERDUE_COLUMNS, *extra]


def test_document_url():
    s = Settings(document_url_template="https://git.example.com/pm/blob/main/{path}#L{line}")
    assert s.document_url("search/B-2.md", 18) == "https://git.example.com/pm/blob/main/search/B-2.md#L18"
    assert s.document_url("search/A-2.yaml", None) == "https://git.example.com/pm/blob/main/search/A-2.yaml"
    assert s.document_url("a b/c#1?.md", 3) == "https://git.example.com/pm/blob/main/a%20b/c%231%3F.md#L3"
    assert s.document_url(None, 3) is None
    assert Settings().document_url("search/B-2.md", 18) is None
    bare = Settings(document_url_template="https://x.example.com/view?file={path}&line={line}")
    assert bare.document_url("a.md", None) == "https://x.example.com/view?file=a.md&line="
    assert bare.document_url("a.md", 7) == "https://x.example.com/view?file=a.md&line=7"


@pytest.mark.parametrize(
    "value",
    ["git.example.com/{path}", "https://g.example.com/{file}", "https://g.example.com/{path}/{branch}",
     "https://g.example.com/ {path}", 42],
)  # fmt: skip
def test_a_bad_document_template_is_refused(tmp_path, value):
    p = tmp_path / "dashboard.yaml"
    p.write_text(
        f"document_url_template: {value!r}\n" if isinstance(value, str) else f"document_url_template: {value}\n"
    )
    with pytest.raises(ValueError, match="document_url_template must be an http"):
        load_settings(p)


def test_the_shipped_settings_file_documents_the_template():
    text = (ROOT / "data" / "dashboard.yaml").read_text(encoding="utf-8")
    assert "{path}" in text and "{line}" in text
    assert load_settings(ROOT / "data" / "dashboard.yaml").document_url_template is None


# ------------------------------------------------------------------ file names


def test_download_names():
    assert download_name("overdue", "2025-07-15", "csv") == "overdue-2025-07-15.csv"
    assert download_name("overdue", "2025-07-15", "csv", teams=("payments",)) == "overdue-2025-07-15-team-payments.csv"
    assert download_name("incident-review", "2025Q2", "md", teams=("payments",)) == (
        "incident-review-2025Q2-team-payments.md"
    )
    assert download_name("overdue", "2025-07-15", "csv", teams=("payments", "search"), services=(),
                         severities=("SEV1",), owner="josé", owner_team=None, manager="sam") == (
        "overdue-2025-07-15-team-payments+search-severity-SEV1-owner-josé-manager-sam.csv"
    )  # fmt: skip
    assert download_name("overdue", "2025-07-15", "csv", owner_team="search ops") == (
        "overdue-2025-07-15-owner-team-search-ops.csv"
    )


def test_download_names_cannot_name_a_folder_or_run_long():
    assert download_name("overdue", "2025-07-15", "csv", teams=("../../etc/passwd",)) == (
        "overdue-2025-07-15-team-etc-passwd.csv"
    )
    assert download_name("overdue", "2025-07-15", "csv", services=("a b.exe",), owner="***") == (
        "overdue-2025-07-15-service-a-b-exe-owner-x.csv"
    )
    long = download_name("overdue", "2025-07-15", "csv", teams=tuple(f"team-{i}-" + "x" * 40 for i in range(20)))
    assert len(long) == 154 and long.startswith("overdue-2025-07-15-team-team-0-") and long.endswith("+tea.csv")
    with pytest.raises(TypeError):
        download_name("overdue", "2025-07-15", "csv", quarter="2025Q2")


def test_review_downloads_carry_the_filters(tmp_path, rules, downloads):
    rdb = small_corpus.build(tmp_path, rules)
    open_page(rdb, quarter="2025Q2", as_of="2025-07-15", team="search", severity=["SEV3", "SEV5"])
    assert sorted(downloads) == [
        "incident-review-2025Q2-team-search-severity-SEV3+SEV5.html",
        "incident-review-2025Q2-team-search-severity-SEV3+SEV5.json",
        "incident-review-2025Q2-team-search-severity-SEV3+SEV5.md",
        "incident-review-2025Q2-team-search-severity-SEV3+SEV5.zip",
    ]
    assert as_bytes(downloads["incident-review-2025Q2-team-search-severity-SEV3+SEV5.json"]).startswith(b"{")


def test_csv_text_of_the_page_table_is_the_download_without_links(db, downloads, monkeypatch):
    monkeypatch.delenv("INCIDENTS_SETTINGS", raising=False)
    at = open_page(db, "views/actions.py", quarter="2025Q2", as_of="2025-07-15", owner="alice")
    shown = next(d.value for d in at.dataframe if "status_source" in d.value.columns)
    page = as_bytes(downloads["overdue-2025-07-15-owner-alice.csv"]).decode("utf-8")
    assert page == export.csv_text(export.url_columns(shown[list(actions.OVERDUE_COLUMNS)], load_settings()), bom=True)


# ------------------------------------------------------------------ overdue=period: the quarters' items only


def test_a_quarters_overdue_items_are_the_same_bytes_on_the_page_and_the_command_line(db, downloads, tmp_path,
                                                                                       monkeypatch):  # fmt: skip
    templates(tmp_path, monkeypatch)
    at = open_page(db, "views/actions.py", quarter="2025Q2", since="2025Q2", as_of="2025-07-15", overdue="period")
    [name] = [n for n in downloads if n.startswith("overdue")]
    assert name == "overdue-2025-07-15-2025Q2.csv"
    page = as_bytes(downloads[name])
    assert page == cli_bytes(db, "--as-of", "2025-07-15", "--quarter", "2025Q2")
    every = cli_bytes(db, "--as-of", "2025-07-15")
    ids = {r["incident_id"] for r in csv.DictReader(io.StringIO(page.decode("utf-8-sig")))}
    assert ids == {"B-1", "B-2", "B-3"}  # the overdue items of 2025Q2's incidents
    every_ids = {r["incident_id"] for r in csv.DictReader(io.StringIO(every.decode("utf-8-sig")))}
    assert every_ids - ids == {"A-2", "C-1", "OLD-1"}  # overdue too, but of incidents of other quarters
    shown = [c.value for c in at.code if "analytics overdue" in c.value]
    assert shown and "--quarter 2025Q2" in shown[0] and "--since" not in shown[0]


def test_since_goes_with_quarter_and_before_it(db):
    for args, said in ((("--since", "2025Q1"), "--since goes with --quarter"),
                       (("--quarter", "2025Q1", "--since", "2025Q2"), "--since 2025Q2 is after --quarter 2025Q1"),
                       (("--quarter", "2025Q9",), "--quarter")):  # fmt: skip
        r = subprocess.run([sys.executable, "-m", "analytics", "overdue", "--db", str(db), *args], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)  # fmt: skip
        assert r.returncode == 2 and said in r.stderr, (args, r.stderr)
