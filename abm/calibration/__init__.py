"""Calibration to historical land-use maps: fit the model's parameters, compare with null models, report.

The model is started from the first observed map (urban cells seeded with households, jobs and
floor, roads, slope, exclusion: a ``sleuth`` or ``geotiff`` region), its growth is driven by the
observed totals (each year converts the quota interpolated between the observed urban areas:
``development.convert_full_quota``) and optuna's seeded TPE searches the parameters named in the
calibration file over Monte Carlo replicates, in parallel on `abm.executors.map_tasks`. The fit uses
the fit years only; held-out years are scored once, at the end. Two null models are reported beside
the model, on every metric and year: persistence (no change) and a demand-driven neighbourhood
allocation calibrated the same way.

>>> from abm.calibration import calibration_from_dict
>>> cfg = calibration_from_dict({"data": {"path": "x", "fit_years": [1950], "holdout_years": [1990]},
...                              "search": {"space": {"development.weight_edge": [0, 20]}}}, check_path=False)
>>> cfg.years
(1950, 1990)

Command line: ``abm calibrate calibration/demo200.toml [--trials N] [--out DIR] [--workers N]``.
"""

from abm.calibration.config import (
    CalibrationConfig,
    Param,
    calibration_from_dict,
    load_calibration_config,
)
from abm.calibration.history import History, build_history, load_history, quota_path
from abm.calibration.pipeline import CalibrationResult, calibrate

__all__ = [
    "CalibrationConfig",
    "CalibrationResult",
    "History",
    "Param",
    "build_history",
    "calibrate",
    "calibration_from_dict",
    "load_calibration_config",
    "load_history",
    "quota_path",
]
