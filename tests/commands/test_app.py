"""`abm app`'s start-up: the kernel warm-up that spares the first page numba's cache loading."""

from __future__ import annotations

import logging

from abm.commands.app import warm_kernels


def test_the_kernel_warm_up_builds_and_steps_a_model(caplog):
    """It swallows errors (the page reports them in its own words), so a broken warm-up would only show as a
    slow first page: the debug record is what fails here."""
    with caplog.at_level(logging.DEBUG, logger="abm.app"):
        warm_kernels()
    assert not [r for r in caplog.records if "warm-up failed" in r.getMessage()]
