"""Chart specs: what a reader sees in a legend or a tooltip."""

from __future__ import annotations

import pandas as pd

from figures import charts


def test_an_incident_without_severity_is_unknown_in_the_legend_not_null():
    df = pd.DataFrame({"incident_id": ["a", "b"], "title": ["A", "B"], "minutes": [5.0, 50.0],
                       "severity": ["SEV2", None], "team": ["x", "x"], "duration_id": ["ttr", "ttr"]})  # fmt: skip
    spec = charts.durations_strip(df, "duration_id").to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert [r["severity"] for r in rows] == ["SEV2", "unknown"]
    color = spec["layer"][0]["encoding"]["color"]
    assert color["sort"][-1] == "unknown"
