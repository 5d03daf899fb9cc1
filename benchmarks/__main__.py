"""`make bench`: run every `benchmarks/bench_*.py` module's `run()` and print one JSON document.

Each module returns a dict of measured figures (seconds, MB, runs per minute) with its targets, so a
reader sees measured against target side by side. `python -m benchmarks NAME ...` runs only those.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    if argv:
        wanted = {a if a.startswith("bench_") else f"bench_{a}" for a in argv}
        unknown = wanted - set(names)
        if unknown:
            print(f"unknown benchmark(s) {sorted(unknown)}; choose from {names}", file=sys.stderr)
            return 2
        names = [n for n in names if n in wanted]
    results = {}
    for name in names:
        start = time.perf_counter()
        module = importlib.import_module(f"benchmarks.{name}")
        results[name.removeprefix("bench_")] = module.run()
        results[name.removeprefix("bench_")]["bench_wall_s"] = round(time.perf_counter() - start, 2)
        print(f"# {name} done", file=sys.stderr)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
