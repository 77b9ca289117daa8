"""Impact figures: what an incident cost, as the postmortem states it.

The guide's standard postmortem records impact in an `Impact:` list under
the summary and in an Impact section (Customer / Business / Technical
Impact): customers affected, revenue loss, support tickets, engineering
time, data loss or security implications. They are read from:

- front matter / a structured document's fields (`customers_affected`,
  `revenue_loss_usd`, `support_tickets`, `data_loss`, ... or an `impact:`
  mapping of them); front matter wins over the body;
- every line of an Impact section or an `Impact:` label block, as people
  write them ('12,000 customers unable to complete purchases', 'Estimated
  revenue loss: $45,000', '847 support tickets created', 'Engineering time:
  ~8 person-hours', 'No data loss or security implications');
- a figure label anywhere outside the timeline and the action items
  ('**Customers affected:** 3,400' in a header).

Prose elsewhere ('affecting approximately 12,000 customers' in a summary) is
not read: it repeats the Impact list, and narrative numbers are too easily
misread. One figure per metric and document: the first one (front matter
first); a later labelled figure that disagrees is an `impact-conflict`.

Figures keep their honesty: `~`, about, approximately, estimated set
`approximate`; '10,000-15,000' is a range (value = its midpoint, low/high
kept); 'at least 6', 'over 500', '12,000+' and 'up to 2,000' are bounds.
Money keeps its currency ($ is USD, EUR, GBP, ... never converted); a person-
day counts 8 person-hours. 'unknown', 'TBD', 'N/A' are no figure; where a
label promised one, that is an `impact-unknown` warning, and a promised
figure that cannot be read is a `bad-impact` warning, never a zero.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields

from ingest.read.folded import Folded
from ingest.read.mdblocks import (
    LIST,
    PARA,
    TABLE,
    Line,
    Section,
    clean_inline,
    is_table_separator,
    label_of,
    split_row,
    walk,
)
from ingest.read.memo import remembered
from ingest.read.problems import Problems
from ingest.understand.document import ImpactFigure
from ingest.understand.timeparse import parse_duration_minutes


@dataclass(frozen=True)
class Metric:
    id: str
    label: str
    kind: str  # count | money | hours | minutes | flag
    unit: str | None


METRICS: dict[str, Metric] = {
    m.id: m
    for m in (
        Metric("customers_affected", "Customers affected", "count", "customers"),
        Metric("users_affected", "Users affected", "count", "users"),
        Metric("revenue_loss", "Revenue loss", "money", "money"),
        Metric("support_cost", "Support cost", "money", "money"),
        Metric("support_tickets", "Support tickets", "count", "tickets"),
        Metric("engineering_hours", "Engineering time", "hours", "person-hours"),
        Metric("downtime_minutes", "Downtime", "minutes", "minutes"),
        Metric("data_loss", "Data loss", "flag", None),
        Metric("security_impact", "Security implications", "flag", None),
    )
}

# Sections (by key) whose lines are never read for impact labels.
_NOT_IMPACT = frozenset({"timeline", "action_items", "fix", "systemic_improvements", "five_whys", "whys",
                         "related_incidents", "what_went_well", "where_we_got_lucky"})  # fmt: skip

# ----------------------------------------------------------------- numbers

_CUR_SYMBOLS = {
    "us$": "USD", "usd$": "USD", "$": "USD", "c$": "CAD", "ca$": "CAD", "a$": "AUD", "au$": "AUD", "nz$": "NZD",
    "hk$": "HKD", "s$": "SGD", "r$": "BRL", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW", "₽": "RUB",
    "₺": "TRY", "₪": "ILS", "dollar": "USD", "dollars": "USD", "euro": "EUR", "euros": "EUR", "pound": "GBP",
    "pounds": "GBP", "pounds sterling": "GBP", "yen": "JPY", "rupee": "INR", "rupees": "INR", "rmb": "CNY",
}  # fmt: skip
_CODES = ("USD|EUR|GBP|JPY|INR|CAD|AUD|NZD|CHF|SEK|NOK|DKK|PLN|CZK|HUF|BRL|MXN|ZAR|SGD|HKD|CNY|RMB|KRW|ILS|TRY|RUB"
          "|AED|SAR")  # fmt: skip
_SYM = r"(?:US\$|USD\s?\$|C\$|CA\$|A\$|AU\$|NZ\$|HK\$|S\$|R\$|\$|€|£|¥|₹|₩|₽|₺|₪|\b(?:" + _CODES + r")\b)"
_SUF = r"(?:€|\b(?:" + _CODES + r"|dollars?|euros?|pounds(?: sterling)?|pound|yen|rupees?)\b)"
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d,.])|\d+)(?:\.\d+)?(?![.,]\d)"
_NUM = r"(?<![\w.\-/#])" + _DIGITS  # not part of a key (OPS-567), a version (v2.3.4) or a path
_MULT = r"(?:\s?(?:k|K|thousand|mn|million|m|M|bn|billion)\b)?"
_APPROX = r"~|≈|\+/-|±|\bapprox(?:imately|\.)?|\babout|\baround|\broughly|\bcirca|\bca\.|\b(?:an )?estimated|\best\.|\bnearly|\balmost|\bclose to|\bsome"
_AT_LEAST = r"\bat least|\bover|\bmore than|\bupwards of|\bin excess of|>=?|≥"
_AT_MOST = r"\bup to|\bat most|\bless than|\bfewer than|\bunder|\bno more than|<=?|≤"
_NUM_RE = re.compile(_NUM)
# The qualifiers before a figure, compiled once (re.search(text, ...) looks its pattern up at every call).
_APPROX_RE = re.compile(_APPROX, re.IGNORECASE)
_AT_LEAST_RE = re.compile(_AT_LEAST, re.IGNORECASE)
_AT_MOST_RE = re.compile(_AT_MOST, re.IGNORECASE)
_CONTINENTAL = re.compile(r"\d{1,3}\.\d{3}")  # '45.000'
# What may stand before a number (read backwards from it) and what follows it.
_HEAD = re.compile(rf"(?P<pre>(?:(?:{_APPROX}|{_AT_LEAST}|{_AT_MOST}|\bbetween)\s*)*)(?P<sym>{_SYM})?\s?$",
                   re.IGNORECASE)  # fmt: skip
_TAIL = re.compile(
    rf"(?P<a>{_DIGITS})(?P<am>{_MULT})(?P<plus>\+)?"
    rf"(?:\s*(?:-|–|—|to|and)\s*(?P<sym2>{_SYM})?\s?(?P<b>{_DIGITS})(?P<bm>{_MULT}))?"
    rf"(?:\s?(?P<suf>{_SUF}))?",
    re.IGNORECASE,
)
_HAS_DIGIT = re.compile(r"\d")
_PERCENT = re.compile(r"\s*(?:%|percent\b|per cent\b|pct\b)", re.IGNORECASE)  # anchored at a figure's end
_PERCENT_ANYWHERE = re.compile(r"%|\b(?:percent|per cent|pct)\b", re.IGNORECASE)
_MULTIPLIERS = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}

_UNKNOWN = re.compile(
    r"^\s*(?:unknown|unk|tbd|tbc|n/?a|none known yet|not (?:yet )?(?:known|available|determined|measured|estimated|"
    r"calculated|quantified)|to be (?:determined|confirmed|estimated|calculated)|unclear|pending|unquantified|"
    r"under (?:investigation|review)|being (?:assessed|investigated|estimated|calculated)|still being \w+|"
    r"\?+|-+|—|–)(?:\W|$)",
    re.IGNORECASE,
)
_NONE = re.compile(
    r"^\s*(?:(?:none|no|nil|zero|nothing)\b(?!\s*(?:data|figures?|numbers?|estimate))|0(?![\d.,]))", re.IGNORECASE
)


@dataclass(slots=True)
class Quantity:
    value: float
    low: float | None
    high: float | None
    qualifier: str  # exact | range | at_least | at_most
    approximate: bool
    currency: str | None
    start: int
    end: int
    ambiguous: bool = False  # '45.000': forty-five, or forty-five thousand written the continental way?


_DIGIT_GROUPING = re.compile(r"[, \u00a0\u202f]")


def _number(num: str, mult: str) -> float:
    v = float(_DIGIT_GROUPING.sub("", num))
    m = mult.strip().lower()
    return v * _MULTIPLIERS[m] if m else v


def _currency(sym: str | None) -> str | None:
    if not sym:
        return None
    s = " ".join(sym.lower().split()).replace(" ", "")
    if s in _CUR_SYMBOLS:
        return _CUR_SYMBOLS[s]
    s2 = " ".join(sym.lower().split())
    if s2 in _CUR_SYMBOLS:
        return _CUR_SYMBOLS[s2]
    code = sym.strip().upper()
    return "CNY" if code == "RMB" else code


def quantities(text: str) -> list[Quantity]:
    """Every number in `text` with its qualifiers, range, multiplier and
    currency; percentages are left out (a share is not a count). The figures
    of a short text met before are remembered (impact lines recur across a
    corpus); the caller gets its own copies, which it may change."""
    if len(text) > 300:
        return _quantities(text)
    found = remembered(_QUANTITIES, text, lambda: tuple(_quantities(text)))
    return [Quantity(*[getattr(q, name) for name in _QUANTITY_FIELDS]) for q in found]


_QUANTITIES: dict[str, tuple[Quantity, ...]] = {}
_QUANTITY_FIELDS = tuple(f.name for f in dataclass_fields(Quantity))


def _quantities(text: str) -> list[Quantity]:
    out: list[Quantity] = []
    if not _HAS_DIGIT.search(text):
        return out
    pos = 0
    for n in _NUM_RE.finditer(text):
        if n.start() < pos:
            continue  # the second number of a range already read
        m = _TAIL.match(text, n.start())
        head = _HEAD.search(text, max(0, n.start() - 48), n.start())
        start = head.start() if head else n.start()
        pos = m.end()
        if _PERCENT.match(text, m.end("bm") if m.group("b") else m.end("am")):
            continue
        pre = (head.group("pre") if head else "").lower()
        sym = head.group("sym") if head else None
        am, bm = m.group("am") or "", m.group("bm") or ""
        a = _number(m.group("a"), am or bm)  # '10-15k': the multiplier covers both ends
        b = _number(m.group("b"), bm or am) if m.group("b") else None
        if b is not None:
            joiner = text[m.end("am") : m.start("b")].lower()
            if ("and" in joiner and "between" not in pre) or b <= a:
                b = None  # '2 and 3' without 'between', or '2023-11' (part of a date), is not a range
                pos = m.end("plus") if m.group("plus") else m.end("am")  # read on from the first number
        if b is not None:
            end = m.end("suf") if m.group("suf") else m.end("bm")
        else:
            end = m.end("plus") if m.group("plus") else m.end("am")
            if m.group("suf") and not m.group("b"):
                end = m.end("suf")
        approximate = bool(_APPROX_RE.search(pre))
        if b is not None:
            q = Quantity((a + b) / 2, a, b, "range", approximate, None, start, end)
        elif m.group("plus") or _AT_LEAST_RE.search(pre):
            q = Quantity(a, a, None, "at_least", approximate, None, start, end)
        elif _AT_MOST_RE.search(pre):
            q = Quantity(a, 0.0, a, "at_most", approximate, None, start, end)
        else:
            q = Quantity(a, a, a, "exact", approximate, None, start, end)
        q.currency = _currency(sym or m.group("sym2") or m.group("suf"))
        q.ambiguous = bool(_CONTINENTAL.fullmatch(m.group("a"))) and not am
        out.append(q)
    return out


# ----------------------------------------------------------------- words

_CUSTOMERS = r"customers?|accounts?|merchants?|tenants?|clients?|organi[sz]ations?|orgs|businesses|sellers|shops|stores"
_USERS = r"users?|end[- ]users?|visitors?|subscribers?|students?|learners?|players?|members?"
_TICKETS = (
    r"(?:support|customer|zendesk|help ?desk)[- ](?:tickets?|cases?|requests?|contacts?|calls?|chats?|emails?)|tickets?"
)
_ADJ = (r"(?:(?:unique|distinct|active|paying|affected|impacted|enterprise|individual|total|additional|new|daily|"
        r"monthly|premium|business|mobile|web|api|external|internal|more|of (?:our|the|all|their)|(?-i:[A-Z]{2,5}))"
        r"\s+){0,3}")  # fmt: skip
_COUNT_NOUN = re.compile(rf"\s*{_ADJ}(?:(?P<t>{_TICKETS})|(?P<c>{_CUSTOMERS})|(?P<u>{_USERS}))\b", re.IGNORECASE)
_ENG_UNIT = re.compile(
    r"\s*(?:(?P<who>person|people|engineer(?:ing)?|man|staff|developer|dev|responder)[- ]?)?"
    r"(?P<u>hours?|hrs?|h|days?|d|weeks?|wks?|minutes?|mins?)\b(?P<of>\s+of\s+(?:\w+\s+)?(?:engineering|engineer|"
    r"responder|staff|on-?call)\b)?",
    re.IGNORECASE,
)
_HOURS_PER = {"h": 1.0, "d": 8.0, "w": 40.0, "m": 1 / 60}
_REVENUE_WORDS = re.compile(r"\brevenue\b|\bsales\b|\bgmv\b|\bbookings\b|\bincome\b", re.IGNORECASE)
_SUPPORT_COST_WORDS = re.compile(r"\bsupport costs?\b|\bcost of support\b", re.IGNORECASE)
_NEG = re.compile(r"\b(?:no|not|none|without|zero|never|nor|neither)\b|n't\b", re.IGNORECASE)
_HEDGE = re.compile(
    r"\b(?:potential(?:ly)?|possible|possibly|may|might|could|risk of|unclear|unknown|under (?:investigation|review)"
    r"|investigating|suspected|tbd|being (?:assessed|investigated))\b",
    re.IGNORECASE,
)
_FLAG_PHRASES = {
    "data_loss": re.compile(
        r"\bdata (?:loss|was lost|were lost|lost|corruption|was corrupted|was deleted)|\blost data\b|\bloss of data\b"
        r"|\b(?:events|records|rows|messages|orders|files) (?:were |was )?(?:lost|dropped permanently|deleted)",
        re.IGNORECASE,
    ),
    "security_impact": re.compile(
        r"\bsecurity (?:implications?|impact|issues?|incident|breach|exposure|concerns?|risk)"
        r"|\b(?:data|privacy) (?:breach|exposure|leak)|\bunauthori[sz]ed access\b"
        r"|\b(?:credentials?|secrets?|pii|personal data|tokens?) (?:were |was )?(?:exposed|leaked|compromised)",
        re.IGNORECASE,
    ),
}
_CLAUSE = re.compile(r"[.;]\s+|,\s*(?:but|while|although|however)\s+|(?<!\s)\s+but\s+", re.IGNORECASE)

# A label that names a metric: (metric, pattern on the normalised label, read anywhere in the document).
_LABEL_PREFIX = r"(?:(?:estimated|est|approximate|approx|total|overall|confirmed|initial|final)\.?\s+)*"
_COUNT_OF = r"(?:(?:number|no|count|#) of\s+)?"
_LABELS: list[tuple[str, re.Pattern, bool]] = [
    (m, re.compile(_LABEL_PREFIX + p + r"$", re.IGNORECASE), anywhere)
    for m, p, anywhere in (
        ("customers_affected", rf"{_COUNT_OF}(?:affected\s+|impacted\s+|unique\s+|distinct\s+)?(?:{_CUSTOMERS})"
                               r"(?:\s+(?:affected|impacted))?", True),
        ("users_affected", rf"{_COUNT_OF}(?:affected\s+|impacted\s+|unique\s+|distinct\s+)?(?:{_USERS})"
                           r"(?:\s+(?:affected|impacted))?", True),
        ("revenue_loss", r"(?:revenue(?:\s+(?:loss|lost|impact))?|lost\s+revenue|loss\s+of\s+revenue|lost\s+sales"
                         r"|financial\s+(?:loss|impact)|cost\s+to\s+(?:the\s+)?business|business\s+cost)", True),
        ("support_cost", r"(?:support\s+costs?|cost\s+of\s+support)", True),
        ("support_tickets", rf"{_COUNT_OF}(?:support|customer|zendesk|help\s?desk)[- ](?:tickets?|cases?|contacts?|requests?)"
                            r"(?:\s+(?:created|opened|filed|raised|received|logged))?", True),
        ("support_tickets", rf"{_COUNT_OF}tickets(?:\s+(?:created|opened|filed|raised|received|logged))?", False),
        ("engineering_hours", r"(?:(?:engineering|engineer|staff|responder|developer|on-?call)\s+(?:time|hours|effort|cost|work)"
                              r"|(?:person|man|engineer)[- ]hours|time\s+spent(?:\s+responding)?)", True),
        ("downtime_minutes", r"(?:(?:service\s+)?downtime|outage\s+(?:duration|length|time)|duration\s+of\s+(?:the\s+)?outage)",
         True),
        ("data_loss", r"(?:data\s+(?:loss|lost)|lost\s+data|loss\s+of\s+data)", True),
        ("security_impact", r"(?:security\s+(?:implications?|impact|exposure|breach)|data\s+(?:breach|exposure)"
                            r"|privacy\s+impact)", True),
        ("security_impact", r"security", False),
    )
]  # fmt: skip
_LABEL_HINT = re.compile(
    r"customer|account|merchant|tenant|client|organi|user|visitor|subscriber|student|learner|player|member|revenue"
    r"|sales|financial|business|support|ticket|case|engineer|staff|responder|developer|call|person|man|time|downtime"
    r"|outage|data|security|privacy|cost|org|business|seller|shop|store",
    re.IGNORECASE,
)
_APPROX_LABEL = re.compile(r"\b(?:estimated|est|approximate|approx)\b", re.IGNORECASE)


def _label_metric(label: str, in_scope: bool) -> str | None:
    lab = " ".join(label.replace("*", "").replace("_", " ").split())
    if len(lab) > 50 or not _LABEL_HINT.search(lab):
        return None
    for metric, pat, anywhere in _LABELS:
        if (anywhere or in_scope) and pat.match(lab):
            return metric
    return None


# ----------------------------------------------------------------- collecting


class Collector:
    """One figure per metric: the first wins; a later labelled figure that
    disagrees is reported."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        self.figures: dict[str, ImpactFigure] = {}
        self.promised: set[str] = set()  # metrics whose figure came from a label or a field

    def add(self, fig: ImpactFigure, promised: bool) -> None:
        why = figure_problem(fig)
        if why is not None:
            self.problems.warn("bad-impact", fig.line, f"{METRICS[fig.metric].label.lower()} '{_shown(fig)[:40]}' "
                               f"{why}; not counted")  # fmt: skip
            return
        old = self.figures.get(fig.metric)
        if old is not None and old.qualifier == "unknown" and fig.qualifier != "unknown":
            old = None  # a later figure answers an earlier 'TBD'
        if old is None or (promised and fig.metric not in self.promised):
            self.figures[fig.metric] = fig  # the first figure; a label beats a sentence before it
            if promised:
                self.promised.add(fig.metric)
            return
        if not promised or old.source == "front_matter" or fig.qualifier == "unknown" or _same(old, fig):
            return
        where = f" (line {old.line})" if old.line else ""
        self.problems.warn("impact-conflict", fig.line, f"{METRICS[fig.metric].label.lower()} is given as "
                           f"'{_shown(fig)}' here and as '{_shown(old)}' before{where}; the first is used")  # fmt: skip

    def result(self) -> list[ImpactFigure]:
        order = list(METRICS)
        return sorted(self.figures.values(), key=lambda f: order.index(f.metric))


# No postmortem states a figure of a quadrillion or more (customers, money,
# hours): such a number is a typo or hostile, and past it the pages' sums and
# charts lose precision or overflow.
MAX_FIGURE = 1e15


def number_problem(value: float | int) -> str | None:
    """Why a number cannot be a figure (NaN, infinite, negative, too large), or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return "is not a finite number"
    if value < 0:
        return "is negative"
    if value >= MAX_FIGURE:
        return f"is {MAX_FIGURE:.0e} or more, beyond any real figure"
    return None


def figure_problem(fig: ImpactFigure) -> str | None:
    """Why a figure cannot be stored: a value or bound that number_problem refuses."""
    for v in (fig.value, fig.low, fig.high):
        if v is not None and number_problem(v) is not None:
            return number_problem(v)
    return None


def _same(a: ImpactFigure, b: ImpactFigure) -> bool:
    return (a.value, a.low, a.high, a.flag) == (b.value, b.low, b.high, b.flag) and (
        a.currency == b.currency or a.currency is None or b.currency is None
    )


def _shown(f: ImpactFigure) -> str:
    if f.flag is not None:
        return "yes" if f.flag else "no"
    return (f.text or "")[:60]


def _figure(metric: str, q: Quantity | None, text: str, line: int | None, source: str, approx: bool = False,
            factor: float = 1.0) -> ImpactFigure:  # fmt: skip
    m = METRICS[metric]
    if q is None:
        return ImpactFigure(metric, unit=m.unit, qualifier="unknown", source=source, text=text[:300], line=line)

    def scale(v: float | None) -> float | None:
        return None if v is None else round(v * factor, 6)

    return ImpactFigure(
        metric, scale(q.value), scale(q.low), scale(q.high), m.unit, q.currency if m.kind == "money" else None,
        q.qualifier, q.approximate or approx, None, source, text[:300], line,
    )  # fmt: skip


def _flag(metric: str, value: bool | None, text: str, line: int | None, source: str) -> ImpactFigure:
    q = "unknown" if value is None else "exact"
    return ImpactFigure(metric, qualifier=q, flag=value, source=source, text=text[:300], line=line)


# ----------------------------------------------------------------- one value


def read_value(metric: str, value, text: str, line: int | None, source: str, problems: Problems,
               currency: str | None = None, approx: bool = False) -> ImpactFigure | None:  # fmt: skip
    """A figure promised by a label or a field: `value` as written (text, a
    number, a boolean). Unknown and unreadable values are reported."""
    m = METRICS[metric]
    name = m.label.lower()
    if isinstance(value, bool):
        if m.kind == "flag":
            return _flag(metric, value, text, line, source)
        problems.warn("bad-impact", line, f"{name} is given as {value!r}, not a figure; not counted")
        return None
    if isinstance(value, int | float):
        why = number_problem(value)
        if why is not None:
            problems.warn("bad-impact", line, f"{name} is given as {str(value)[:40]}, which {why}; not counted")
            return None
        if m.kind == "flag":
            return _flag(metric, value > 0, text, line, source)
        q = Quantity(float(value), float(value), float(value), "exact", approx, currency, 0, 0)
        return _figure(metric, q, text, line, source, approx)
    if not isinstance(value, str):
        problems.warn("bad-impact", line, f"{name} must be a number or a short text; not counted")
        return None
    s = clean_inline(value)
    if not s or _UNKNOWN.match(s):
        problems.warn("impact-unknown", line, f"{name} is given as '{s[:40] or 'empty'}': no figure; counted as "
                      "not reported")  # fmt: skip
        return (
            _flag(metric, None, text, line, source) if m.kind == "flag" else _figure(metric, None, text, line, source)
        )
    if m.kind == "flag":
        return _flag_value(metric, s, text, line, source, problems)
    if _NONE.match(s):
        q = Quantity(0.0, 0.0, 0.0, "exact", False, currency, 0, 0)
        return _figure(metric, q, text, line, source)
    qs = quantities(s)
    if m.kind == "minutes":
        return _duration(metric, s, qs, text, line, source, problems, approx)
    if not qs:
        if _PERCENT_ANYWHERE.search(s) and re.search(r"\d", s):
            problems.warn("bad-impact", line, f"{name} is given as a share ('{s[:40]}'), not a number; not counted")
        else:
            problems.warn("bad-impact", line, f"{name} '{s[:40]}' is not a figure; not counted")
        return None
    q = qs[0]
    if q.ambiguous:
        problems.warn("bad-impact", line, f"{name} '{s[:40]}': is {q.value:g} meant, or {q.value * 1000:,.0f}? "
                      "Write thousands with a comma (12,000); not counted")  # fmt: skip
        return None
    factor = 1.0
    if m.kind == "hours":
        u = _ENG_UNIT.match(s, q.end)
        factor = _HOURS_PER[u.group("u")[0].lower()] if u else 1.0
    if m.kind == "money" and q.currency is None:
        q.currency = currency
    elif m.kind == "money" and currency and q.currency != currency:
        problems.warn("impact-conflict", line, f"{name} '{s[:40]}' is in {q.currency}, but the field says "
                      f"{currency}; {q.currency} is kept")  # fmt: skip
    return _figure(metric, q, text, line, source, approx, factor)


_DURATION_UNIT = re.compile(r"\s*(?P<u>days?|d|hours?|hrs?|h|minutes?|mins?|m)\b", re.IGNORECASE)
_MINUTES_PER = {"d": 1440.0, "h": 60.0, "m": 1.0}


def _duration(metric: str, s: str, qs: list[Quantity], text: str, line: int | None, source: str,
              problems: Problems, approx: bool) -> ImpactFigure | None:  # fmt: skip
    """Downtime: '47 minutes', '1h 30m', '~2 hours', '30-45 minutes' -> minutes."""
    if not qs:
        problems.warn("bad-impact", line, f"{METRICS[metric].label.lower()} '{s[:40]}' is not a duration; not counted")
        return None
    q = qs[0]
    u = _DURATION_UNIT.match(s, q.end)
    if q.qualifier == "range" or len(qs) == 1:
        factor = _MINUTES_PER[u.group("u")[0].lower()] if u else 1.0
    else:
        minutes = parse_duration_minutes(s[q.start :])
        factor = minutes / q.value if minutes and q.value else 1.0
    return _figure(metric, q, text, line, source, approx, factor)


def _flag_value(metric: str, s: str, text: str, line: int | None, source: str, problems: Problems) -> ImpactFigure:
    low = s.lower().strip(" .")
    if _NONE.match(low) or low in ("false", "n", "nope") or _NEG.match(low):
        return _flag(metric, False, text, line, source)
    if low in ("yes", "true", "y") or low.startswith(("yes", "some", "partial")) or re.search(r"\d", low):
        return _flag(metric, True, text, line, source)
    if _HEDGE.search(low):
        problems.warn("impact-unknown", line, f"{METRICS[metric].label.lower()} is given as '{s[:40]}': no figure; "
                      "counted as not reported")  # fmt: skip
        return _flag(metric, None, text, line, source)
    return _flag(metric, True, text, line, source)


# ----------------------------------------------------------------- prose


_ANY_FLAG = re.compile("|".join(f"(?:{p.pattern})" for p in _FLAG_PHRASES.values()), re.IGNORECASE)
_ANY_FLAG_F = Folded(_ANY_FLAG)  # the same, faster on ASCII text (read/folded.py)


def read_prose(text: str, line: int | None, source: str, out: Collector) -> None:
    """Figures written into a sentence or a list item of an Impact section."""
    for metric, pat in _FLAG_PHRASES.items() if _ANY_FLAG_F.test(text) else ():
        for clause in _CLAUSE.split(text):
            m = pat.search(clause)
            if not m:
                continue
            if _NEG.search(clause[: m.start()]) or _NEG.search(clause[m.end() : m.end() + 12]):
                out.add(_flag(metric, False, text, line, source), False)
            elif not _HEDGE.search(clause):
                out.add(_flag(metric, True, text, line, source), False)
            break
    for q in quantities(text):
        if q.currency is not None:
            window = text[max(0, q.start - 40) : q.end + 40]
            if _SUPPORT_COST_WORDS.search(window):
                out.add(_figure("support_cost", q, text, line, source), False)
            elif _REVENUE_WORDS.search(window):
                out.add(_figure("revenue_loss", q, text, line, source), False)
            continue
        noun = _COUNT_NOUN.match(text, q.end)
        if noun:
            metric = (
                "support_tickets" if noun.group("t") else "customers_affected" if noun.group("c") else "users_affected"
            )
            out.add(_figure(metric, q, text, line, source), False)
            continue
        u = _ENG_UNIT.match(text, q.end)
        if u and (u.group("who") or u.group("of")) and u.group("u")[0].lower() != "m":
            out.add(_figure("engineering_hours", q, text, line, source, factor=_HOURS_PER[u.group("u")[0].lower()]),
                    False)  # fmt: skip


def read_line(text: str, line: int | None, in_scope: bool, source: str, out: Collector) -> None:
    """One line: a figure label ('Revenue loss: $45,000') anywhere; inside an
    Impact section, any sentence too."""
    lab = label_of(text) if ":" in text else None
    if lab is not None:
        metric = _label_metric(lab[0], in_scope)
        if metric is not None:
            fig = read_value(metric, lab[1], text, line, source if in_scope else "label", out.problems,
                             approx=bool(_APPROX_LABEL.search(lab[0])))  # fmt: skip
            if fig is not None:
                out.add(fig, True)
            return
    if in_scope:
        read_prose(text, line, source, out)


# ----------------------------------------------------------------- fields

_FIELD_KEYS: dict[str, tuple[str, str | None]] = {
    "customers_affected": ("customers_affected", None), "affected_customers": ("customers_affected", None),
    "customers": ("customers_affected", None), "users_affected": ("users_affected", None),
    "affected_users": ("users_affected", None), "revenue_loss": ("revenue_loss", None),
    "revenue_lost": ("revenue_loss", None), "lost_revenue": ("revenue_loss", None),
    "support_cost": ("support_cost", None), "support_tickets": ("support_tickets", None),
    "tickets": ("support_tickets", None), "engineering_hours": ("engineering_hours", None),
    "engineering_time": ("engineering_hours", None), "person_hours": ("engineering_hours", None),
    "downtime_minutes": ("downtime_minutes", None), "downtime": ("downtime_minutes", None),
    "data_loss": ("data_loss", None), "security_impact": ("security_impact", None),
    "security_implications": ("security_impact", None),
}  # fmt: skip
_MONEY_KEY = re.compile(r"^(revenue_loss|revenue_lost|lost_revenue|support_cost)_([a-z]{3})$")


def field_metric(key: str) -> tuple[str, str | None] | None:
    """(metric, currency) a front-matter key names, or None."""
    k = str(key).strip().lower().replace("-", "_")
    if k in _FIELD_KEYS:
        return _FIELD_KEYS[k]
    m = _MONEY_KEY.match(k)
    if m and m.group(2).upper() in _CODES.split("|"):
        return ("support_cost" if m.group(1) == "support_cost" else "revenue_loss"), m.group(2).upper()
    return None


def read_fields(fields: dict, out: Collector, source: str = "front_matter", line: int | None = None) -> None:
    """Front matter or a structured document's fields; an `impact:` mapping
    of the same keys counts too (its list or text form is read as lines)."""
    lines = getattr(fields, "lines", None) or {}
    nested = fields.get("impact")
    items = [(str(k), v, lines.get(str(k), line)) for k, v in fields.items()]
    if isinstance(nested, dict):
        items += [(str(k), v, lines.get("impact", line)) for k, v in nested.items()]
    for key, value, at in items:
        named = field_metric(key)
        if named is None or value is None or value == "":
            continue
        metric, currency = named
        text = f"{key}: {str(value)[:300]}"
        fig = read_value(metric, value, text, at, source, out.problems, currency)
        if fig is not None:
            out.add(fig, True)
    if isinstance(nested, str):
        nested = [nested]
    if isinstance(nested, list):
        for item in nested:
            if isinstance(item, str | int | float) and not isinstance(item, bool):
                read_line(clean_inline(str(item)), lines.get("impact", line), True, source, out)


# ----------------------------------------------------------------- a document


_ANYWHERE_HINT = re.compile(
    r"customer|user|revenue|sales|financial|business|ticket|support|engineer|downtime|outage|data|security|privacy"
    r"|hours|account|merchant|tenant|client|organi|visitor|subscriber|member|student|learner|player|seller|shop"
    r"|store|responder|staff|developer|call|time spent",
    re.IGNORECASE,
)

_ANYWHERE_HINT_F = Folded(_ANYWHERE_HINT)  # the same, faster on ASCII text (read/folded.py)


def _may_be_label(content: str, table: bool) -> bool:
    """Outside an Impact section only a figure label is read: a cheap test
    that this line could be one, before it is cleaned and parsed."""
    if table:
        head = content.lstrip("| ").split("|", 1)[0]
    elif ":" in content:
        head = content.split(":", 1)[0]
    else:
        return False
    return len(head) <= 70 and _ANYWHERE_HINT_F.test(head)


def extract(root: Section, lines: list[Line], fm: dict, problems: Problems) -> list[ImpactFigure]:
    """The impact figures of a Markdown document (front matter first)."""
    out = Collector(problems)
    read_fields(fm, out, "front_matter", None)
    scope, excluded = _scopes(root, len(lines))
    for i, ln in enumerate(lines):
        if ln.kind not in (PARA, LIST, TABLE):
            continue
        in_scope = scope[i]
        if not in_scope and (excluded[i] or not _may_be_label(ln.content, ln.kind == TABLE)):
            continue
        if ln.kind == TABLE:
            if is_table_separator(ln.content):
                continue
            cells = [clean_inline(c) for c in split_row(ln.content)]
            if len(cells) < 2 and not in_scope:
                continue
            text = f"{cells[0]}: {cells[1]}" if len(cells) >= 2 and cells[0] and cells[1] else " ".join(cells)
        else:
            text = clean_inline(ln.content)
        if text:
            read_line(text, ln.no, in_scope, "impact_section", out)
    return out.result()


def extract_structured(value: dict, problems: Problems) -> list[ImpactFigure]:
    out = Collector(problems)
    read_fields(value, out, "structured", None)
    return out.result()


def _scopes(root: Section, n: int) -> tuple[list[bool], list[bool]]:
    """Per line: inside an Impact section (or `Impact:` label block); inside a
    section never read for labels (timeline, action items, ...)."""
    scope = [False] * n
    excluded = [False] * n
    for sec in walk(root):
        if sec.key == "impact":
            lo = sec.head if sec.label else sec.start
            for j in range(max(lo, 0), sec.end):
                scope[j] = True
        elif sec.key in _NOT_IMPACT and not sec.label:
            for j in range(sec.start, sec.end):
                excluded[j] = True
    # A heading of another known section inside an Impact section is not impact.
    for sec in walk(root):
        if sec.head >= 0 and not sec.label and sec.key not in (None, "impact") and scope[sec.head]:
            for j in range(sec.head, sec.end):
                scope[j] = False
    return scope, excluded
