"""Shared fixtures: where the shared historical data lives, and small grids."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """ABM_DATA_DIR, default ../shared/data next to the repository."""
    return Path(os.environ.get("ABM_DATA_DIR", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = data_dir()
    if not (path / "sleuth").is_dir():
        pytest.skip(f"historical map data not found at {path}: set ABM_DATA_DIR to the shared data folder")
    return path


def _sleuth_set(shared: Path, name: str) -> Path:
    path = shared / "sleuth" / name
    if not path.is_dir():
        pytest.skip(f"{name} not found at {path}: set ABM_DATA_DIR to the shared data folder")
    return path


@pytest.fixture(scope="session")
def demo200_dir(shared_data: Path) -> Path:
    return _sleuth_set(shared_data, "demo200")


@pytest.fixture(scope="session")
def wb100_dir(shared_data: Path) -> Path:
    return _sleuth_set(shared_data, "wb_100")
