"""The Contributing factors page's curation section: the uncategorized factors grouped, with the YAML
that files them (patterns for a category, a new category, or example sentences that teach one)."""

import streamlit as st

from analytics import curation
from analytics.filters import Filters
from views import ui
from views.factor_tables import factor_table, plural, selected_row


def show(f: Filters, fkey: str) -> None:
    """The section, for the filters `f`; `fkey` keys its tables to the filters."""
    cu = ui.call(curation.curate, f)
    cov, groups, items = cu["coverage"], cu["groups"], cu["items"]
    st.subheader("Uncategorized factors, grouped")
    c1, c2, c3 = st.columns(3)
    c1.metric("Uncategorized, all quarters", ui.pct(cov["share"]),
              help=f"{cov['uncategorized']} of {cov['factors']} factor sentences of every quarter up to the as-of date "
              "(team, service and severity filters apply) matched no category.")  # fmt: skip
    c2.metric("Groups", len(groups), help="Uncategorized factors grouped by the words they share.")
    c3.metric("In groups of 2+", int(groups.loc[groups["factors"] >= 2, "factors"].sum()) if len(groups) else 0,
              help="Uncategorized factors that share a word with another one: the quickest wins.")  # fmt: skip
    st.caption("The taxonomy serves every quarter, so this looks at all of them. Groups: the factors that share the "
               "word most still-ungrouped factors use; suggested category: the one whose label, description and "
               "patterns share the group's words, else a new one; patterns: the group's most distinctive words. "
               f"Add the YAML to `{cu['taxonomy_file'].replace('`', '')}` and rebuild (`python -m ingest build ...`): the matching "
               "factors leave 'uncategorized', no code change. A group that names no cause ('Still under "
               "investigation') is better left uncategorized: ask its authors instead.")  # fmt: skip
    if not len(groups):
        st.success("Every factor matches a category.")
    else:
        cur_key = f"fx_groups_{fkey}"
        st.dataframe(groups[["group", "factors", "incidents", "suggested_label", "patterns", "example", "terms"]],
                     hide_index=True, placeholder="", width="stretch", key=cur_key, on_select="rerun", selection_mode="single-row",
                     selection_default={"selection": {"rows": [0]}},
                     column_config={"example": st.column_config.TextColumn("most frequent wording", width="large"),
                                    "terms": st.column_config.ListColumn("shared words"),
                                    "suggested_label": st.column_config.TextColumn("suggested category"),
                                    "patterns": st.column_config.ListColumn("suggested patterns")})  # fmt: skip
        i = selected_row(cur_key, len(groups))
        grp = groups.iloc[0 if i is None else i]
        sub = items[items["group"] == grp["group"]]
        st.caption(f"Group {grp['group']}: {plural(len(sub), 'factor sentence')} from "
                   f"{plural(sub['incident_id'].nunique(), 'incident')}.")  # fmt: skip
        factor_table(sub, "fx_curation_sentences")
        if grp["patterns"]:
            hits = ui.call(curation.check_patterns, f, tuple(grp["patterns"]))
            moved = int(hits.loc[hits["category"] == "uncategorized", "factors"].sum())
            other = hits[hits["category"] != "uncategorized"]
            msg = f"These patterns match {moved} of the {cov['uncategorized']} uncategorized factors (they would move)"
            if len(other):
                msg += ", and " + ", ".join(
                    f"{n} in {lab}" for n, lab in zip(other["factors"], other["label"], strict=True)
                )
                msg += " (those keep their category unless they match more of the new patterns than of their own)"
            st.caption(msg + ".")
            st.code(grp["snippet"], language="yaml")
        else:
            st.caption("No significant word to suggest a pattern from.")
        tax = ui.call(curation.taxonomy)
        cats = [c for c in tax["category"] if c != "uncategorized"]
        if cats:
            labels = dict(zip(tax["category"], tax["label"], strict=True))
            pick = grp["suggested"] if grp["suggested"] in cats else cats[0]
            cat = st.selectbox("Or teach a category by example: file sentences worded like this group's under",
                               cats, index=cats.index(pick), format_func=lambda c: labels.get(c, c),
                               key=f"fx_example_{fkey}_{grp['group']}")  # fmt: skip
            st.code(curation.example_snippet(cat, sub["text"].value_counts().index[:3].tolist()), language="yaml")
            st.caption("An example teaches the category the group's own wording: after a rebuild, statements that share "
                       "its meaningful words (rare words counting most) are filed under it, and each says which "
                       "example it is like. Patterns are stricter: prefer them when one word decides.")  # fmt: skip
        if cu["snippet"]:
            with st.expander("Every suggestion for groups of two or more factors, in one YAML text"):
                st.code(cu["snippet"], language="yaml")
