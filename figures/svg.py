"""Charts as static SVG, rendered offline: the pictures of a file that opens anywhere.

vl-convert bundles Vega and Vega-Lite and draws text as <text> in a generic font family, so rendering
needs no network, and the SVG refers to nothing outside itself (no remote font, image or data). The SVG
is made to be placed inline in an HTML page: its ids are prefixed with the chart's name (two charts'
clip paths never collide in one page) and it is checked to hold nothing active (no script, no event
handler, no link out), whatever the corpus text in its labels."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import altair as alt
import vl_convert

VEGA_LITE = "6.4"  # the Vega-Lite version vl-convert compiles with: the one altair writes specs for
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# Elements that run code, embed other documents or fetch something: never in a chart we place in a page.
FORBIDDEN = {"script", "foreignObject", "iframe", "object", "embed", "image", "a", "use", "style", "animate", "set"}
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_TAG = re.compile(r'<[A-Za-z](?:[^>"]|"[^"]*")*>')  # a start tag; text never holds a raw "<", a value may hold ">"
_ATTR = re.compile(r'(\s)([A-Za-z_:][-\w:.]*)="([^"]*)"')
_URL_REF = re.compile(r"url\(#([^)]+)\)")


class UnsafeSvg(ValueError):
    """The renderer gave SVG that is not fit to place inline in a page."""


def to_svg(chart: alt.TopLevelMixin | dict, name: str = "chart") -> str:
    """The chart (an Altair chart or its Vega-Lite dict) as one <svg> element, rendered offline with
    no URL allowed (a spec that names remote data fails instead of fetching it). `name` (lower case,
    digits, hyphens) prefixes every id so several charts can share one page."""
    if not _NAME.match(name):
        raise ValueError(f"chart name {name!r}: lower case letters, digits and hyphens only")
    spec = chart if isinstance(chart, dict) else chart.to_dict()
    svg = vl_convert.vegalite_to_svg(spec, vl_version=VEGA_LITE, allowed_base_urls=[])
    svg = _prefix_ids(svg.strip(), name)
    check(svg, name)
    return svg


def _prefix_ids(svg: str, name: str) -> str:
    """Every id and every reference to one (url(#x), href="#x") prefixed with `name`: ids are unique
    per document, and a page holding several charts is one document."""

    def attr(m: re.Match) -> str:
        space, key, value = m.groups()
        if key == "id":
            return f'{space}id="{name}-{value}"'
        if key.startswith("aria-"):
            return m.group(0)  # words, not references
        if key in ("href", "xlink:href") and value.startswith("#"):
            return f'{space}{key}="#{name}-{value[1:]}"'
        return f'{space}{key}="{_URL_REF.sub(lambda u: f"url(#{name}-{u.group(1)})", value)}"'

    return _TAG.sub(lambda t: _ATTR.sub(attr, t.group(0)), svg)


def check(svg: str, name: str | None = None) -> None:
    """Raise UnsafeSvg unless `svg` is one well-formed <svg> element with no active or fetching content:
    no script, foreign object, image, link or style element, no event-handler attribute, and no
    reference outside the SVG itself (every href and url() points at an id inside it); with `name`, every
    id also starts with it (so it cannot collide with another chart's in one page)."""
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as exc:
        raise UnsafeSvg(f"not well-formed SVG: {exc}") from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise UnsafeSvg(f"the root element is {root.tag}, not svg")
    ids = {el.get("id") for el in root.iter()} - {None}
    if name is not None and any(not i.startswith(f"{name}-") for i in ids):
        raise UnsafeSvg(f"an id without the prefix {name}-")
    for el in root.iter():
        tag = el.tag.rpartition("}")[2]
        if tag in FORBIDDEN:
            raise UnsafeSvg(f"a <{tag}> element")
        for attr, value in el.attrib.items():
            local = attr.rpartition("}")[2]
            if local.lower().startswith("on"):
                raise UnsafeSvg(f"an event handler attribute {local!r} on <{tag}>")
            if local.startswith("aria-"):
                continue  # words read out (they may quote corpus text), never resolved
            if (attr == XLINK_HREF or local == "href") and not (value.startswith("#") and value[1:] in ids):
                raise UnsafeSvg(f"a reference out of the SVG: {value!r}")
            for ref in re.findall(r"url\(([^)]*)\)", value):
                if not ref.startswith("#") or ref[1:] not in ids:
                    raise UnsafeSvg(f"a url() out of the SVG in {local!r}: {ref!r}")
