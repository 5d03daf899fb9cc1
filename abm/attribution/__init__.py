"""Attribution: which lever moves which result, between two scenarios and over time.

- `attribute(a, b, seeds=...)`: the exact Shapley decomposition of B - A in cumulative emissions, the
  peak, the net-zero year and the five inflection years into the factors (the five lever classes,
  stock renewal, technology, and the exogenous paths: population, economy, grid), per seed; with the
  LMDI decomposition of A's and B's emissions beside it (abm.attribution.core);
- `FACTORS` / `NOT_LEVERS`: which scenario fields each factor owns, declared once (abm.attribution.factors);
- `lmdi(row0, row1)`: the additive LMDI of a change of net emissions (abm.attribution.lmdi);
- `write_outputs(result, out)`: attribution.parquet, lmdi.parquet, coalitions.parquet, waterfall.png and
  the printed table (abm.attribution.report). The command is ``abm attribute A.toml B.toml --out DIR``.

docs/attribution.md explains what it answers, the conventions and an example.
"""

from abm.attribution.core import MAX_PLAYERS, AttributionResult, attribute, mode_factors, simulate
from abm.attribution.factors import FACTORS, GROUPS, IGNORED, NOT_LEVERS, Factor, factor_of, scenario_fields
from abm.attribution.lmdi import DERIVED, IDENTITIES, Identity, lmdi
from abm.attribution.metrics import CENSOR, METRICS, Metric, RunMetrics, run_metrics
from abm.attribution.report import plot_waterfall, table_text, write_outputs
from abm.attribution.shapley import shapley_values

__all__ = ["attribute", "AttributionResult", "simulate", "mode_factors", "MAX_PLAYERS", "FACTORS", "GROUPS",
           "IGNORED", "NOT_LEVERS", "Factor", "factor_of", "scenario_fields", "lmdi", "Identity", "IDENTITIES",
           "DERIVED", "CENSOR", "METRICS", "Metric", "RunMetrics", "run_metrics", "shapley_values",
           "write_outputs", "table_text", "plot_waterfall"]
