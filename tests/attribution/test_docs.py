"""docs/attribution.md holds the factor table as the code declares it."""

from pathlib import Path

from abm.attribution.factors import factors_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs" / "attribution.md"


def test_the_factor_table_in_the_docs_is_current():
    text = DOCS.read_text()
    start = text.index("<!-- generated: abm.attribution.factors.factors_markdown()")
    section = text[text.index("\n", start) + 1:text.index("<!-- end generated -->")]
    assert section == factors_markdown(), "docs/attribution.md is stale: regenerate from factors_markdown()"
