"""The five carbon inflection points and the net-zero year, detected online tick by tick (DESIGN.md section 1).

The browser app marks a point on the tick it is *confirmed*, so detection can only look backwards:
every tick the detector receives one value of each input, smooths with a trailing window, and keeps
a running candidate for each point until the data confirm it.

Definitions (all on the same smoothed series, so smoothing lag cannot reorder points 1 < 2 < 3).
On a curve that rises then falls the smoothed emissions rise then fall too, and then the first
argmax of ``g`` <= that of ``dE`` <= that of ``sE`` holds exactly on the tick grid (``g = dE / sE``
with ``sE`` rising until its peak). The order is strict whenever the underlying points lie at least
about one tick apart; closer than that no tick grid can separate them, and the detector reports
the same tick rather than invent an order (a curve rising slowly compared with its peak width,
``g`` small, puts 1 within a fraction of a tick of 2, since ``g' = -g^2`` at the increment peak).

- **Smoothing** is a trailing mean of the last ``w`` raw values. The mean of ticks ``t-w+1 .. t`` is
  the centred mean of tick ``t - h`` (``h = (w - 1) // 2``, ``w`` odd), so every smoothed value is
  *assigned to the centred tick* ``t - h``: for a straight line it equals the raw value there, and
  a symmetric peak is reported where it is, not ``h`` ticks late. We prefer the mean to a causal
  Savitzky-Golay fit because its weights are all positive: the mean of a unimodal curve stays
  unimodal (a box kernel is log-concave), so it adds no spurious peaks, whereas the end-point of a
  causal polynomial fit overshoots and rings. Only the crossing is centred; confirmation still
  waits for data, so it comes ``h`` ticks plus the decline later.
- ``sE`` is the smoothed emissions; ``dE_t = sE_t - sE_{t-1}`` and ``g_t = sE_t / sE_{t-1} - 1``
  derive from it, and ``dS_t`` from the smoothed sink, all on the centred ticks. Point 5 uses the
  smoothed net_new and the smoothed GDP (growth: ``sY_t > sY_{t-1}``).
- **Noise** of a raw series is a robust sd of its recent second differences
  ``x_t - 2 x_{t-1} + x_{t-2}``: ``sqrt(pi/2) x mean|d - median(d)| / sqrt(6)`` over the last
  ``noise_window`` ticks. A second difference is zero on a straight stretch and nearly constant on
  a smooth curve, and subtracting the median removes that constant, so an exact analytic curve
  reads as (almost) noise-free while i.i.d. noise shows in full; a rolling window follows noise
  that grows with the series. The mean absolute deviation is used rather than the median one
  because on short windows the MAD often reads a chance run of smooth noise as no noise at all,
  which confirmed false peaks in our trials; a spike only inflates it, which delays, never
  hastens, a confirmation. A floor of ``noise_floor`` x the smoothed level keeps float rounding
  from counting, and no decline counts until 12 second differences have been seen.
- **Threshold**: a decline counts when it exceeds ``noise_factor x sqrt(w) x`` the sd of the
  smoothed quantity, i.e. ``nf sigma`` for ``sE`` (emissions fell by more than nf times their
  tick-to-tick noise), ``nf sigma sqrt(2/w)`` for ``dE`` and ``dS``, that divided by
  ``sE_{t-1}`` for ``g``. The ``sqrt(w)`` undoes the credit smoothing would claim: smoothed values
  are correlated over ``w`` ticks and the candidate is a running maximum sitting on a noise crest,
  so the plain sd of a smoothed value understates how far a noise dip falls below a noise peak.
- **Confirmation** of a peak point: the candidate is the running maximum (first one on ties); it
  is confirmed once the quantity has stayed below it by more than the threshold for
  ``confirm_ticks`` consecutive ticks. A higher value before that replaces the candidate.
  Confirmed points are final. Point 5 is confirmed after ``confirm_ticks`` consecutive ticks of
  smoothed net_new <= 0 with smoothed GDP rising, and is crossed at the first of them.
- **States**: "crossed"; "passed_at_start" when the maximum is the first tick the quantity is
  defined (the run began after the point): ``sE`` from the centred tick of the first full window
  (tick ``h`` of a series starting at 0), ``g``, ``dE``, ``dS`` and point 5 one tick later;
  "not_reached" while unconfirmed (its tick, year and value are None). A model run feeds the
  detector from tick 1, its first full simulated year (tick 0, the seeded stock, has no construction
  or movers: `abm.model.UrbanModel.detect`), so its first smoothed tick is ``h + 1``.
- ``value`` is the *smoothed* quantity at the crossing tick (the number that was maximised; for
  point 5 the smoothed net_new), because under noise it is the better estimate of the level.

Beside the five points, the **net-zero year** is a milestone, not a sixth point (id ``"net_zero"``):
the first tick from which emissions stay at or below the sink, ``sE_t - sS_t <= 0`` (the smoothed
net, on the centred ticks), confirmed after ``confirm_ticks`` consecutive such ticks and crossed at
the first of them, like point 5 but without the GDP condition. It is "passed_at_start" when the net
is already <= 0 at the first tick it is defined (tick ``h``), and its value is the smoothed net.
`InflectionDetector.events` lists the five points only (their consumers index them 1-5);
`InflectionDetector.milestones` lists the milestone; `update` returns whatever it confirms, points
first; `InflectionDetector.candidates` reads the running candidates of those not yet confirmed.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from abm.errors import ConfigError

#: Point id -> name (DESIGN.md section 1).
POINT_NAMES: dict[int, str] = {
    1: "emissions growth-rate peak",
    2: "emissions increment peak",
    3: "total emissions peak",
    4: "sink growth peak",
    5: "net-stock point",
}

#: Milestone id -> name: reported beside the five points, not one of them.
NET_ZERO = "net_zero"
MILESTONE_NAMES: dict[str, str] = {NET_ZERO: "net-zero year"}

CROSSED = "crossed"
PASSED_AT_START = "passed_at_start"
NOT_REACHED = "not_reached"
STATES: tuple[str, ...] = (CROSSED, PASSED_AT_START, NOT_REACHED)

_MEAN_AD_TO_SD = math.sqrt(math.pi / 2)  # sd of a normal sample = 1.2533 x its mean absolute deviation
_MIN_NOISE_SAMPLES = 12  # second differences needed before any decline is trusted
_ROUNDING = 1e-12  # relative: a new maximum must beat the candidate by more than float rounding


def _is_int(x: object) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


@dataclass(frozen=True)
class DetectorConfig:
    """How hard the detector smooths and how sure it must be before it confirms a point.

    >>> DetectorConfig(smoothing_window=4)
    Traceback (most recent call last):
    ...
    abm.errors.ConfigError: detector.smoothing_window: must be an odd integer >= 1, got 4 (fix: use e.g. 5)
    """

    smoothing_window: int = 5  # w: trailing window, odd so the centred tick is a whole tick
    confirm_ticks: int = 3  # k: consecutive ticks of significant decline that confirm a point
    noise_factor: float = 3.0  # a decline counts beyond noise_factor x its noise (nf x sigma for emissions)
    noise_window: int = 31  # ticks of second differences behind the (rolling) noise estimate
    noise_floor: float = 1e-6  # noise sd never below this x the smoothed level (float rounding)

    def __post_init__(self) -> None:
        w = self.smoothing_window
        if not _is_int(w) or w < 1 or w % 2 == 0:
            raise ConfigError("detector.smoothing_window", f"must be an odd integer >= 1, got {w!r}", "use e.g. 5")
        if not _is_int(self.confirm_ticks) or self.confirm_ticks < 1:
            raise ConfigError("detector.confirm_ticks", f"must be an integer >= 1, got {self.confirm_ticks!r}",
                              "use e.g. 3")
        if not _is_int(self.noise_window) or self.noise_window < 5:
            raise ConfigError("detector.noise_window", f"must be an integer >= 5, got {self.noise_window!r}",
                              "use e.g. 31")
        for name, fix in (("noise_factor", "use e.g. 3.0 (0 trusts every decline)"),
                          ("noise_floor", "use e.g. 1e-6")):
            v = getattr(self, name)
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)) \
                    or not math.isfinite(v) or v < 0:
                raise ConfigError(f"detector.{name}", f"must be a finite number >= 0, got {v!r}", fix)

    @property
    def lag(self) -> int:
        """Ticks between the last raw value in a window and the centred tick it is assigned to."""
        return (self.smoothing_window - 1) // 2


@dataclass
class InflectionEvent:
    """One inflection point (id 1-5) or milestone (id "net_zero") of one run: where it was crossed, when
    that was confirmed, and its value.

    >>> InflectionEvent(3, POINT_NAMES[3], "crossed", 12, 2032, 17, 1.5e6).to_dict()["year"]
    2032
    >>> InflectionEvent(NET_ZERO, "net-zero year", "not_reached").is_milestone
    True
    """

    id: int | str
    name: str
    state: str
    tick: int | None = None
    year: int | None = None
    confirmed_tick: int | None = None
    value: float | None = None

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise ValueError(f"inflection state must be one of {STATES}, got {self.state!r}")
        if isinstance(self.id, str) and self.id not in MILESTONE_NAMES:
            raise ValueError(f"an event id is a point 1-5 or one of {sorted(MILESTONE_NAMES)}, got {self.id!r}")

    @property
    def is_milestone(self) -> bool:
        return isinstance(self.id, str)

    def to_dict(self) -> dict:
        """Plain Python types, None kept, so ``json.dumps`` takes it as is."""
        def _int(x):
            return None if x is None else int(x)
        return {"id": self.id if self.is_milestone else int(self.id), "name": str(self.name), "state": self.state,
                "tick": _int(self.tick), "year": _int(self.year), "confirmed_tick": _int(self.confirmed_tick),
                "value": None if self.value is None else float(self.value)}

    @classmethod
    def from_dict(cls, d: Mapping) -> InflectionEvent:
        pid = d["id"] if d["id"] in MILESTONE_NAMES else int(d["id"])
        return cls(pid, str(d.get("name", EVENT_NAMES.get(pid, ""))), str(d["state"]), d.get("tick"), d.get("year"),
                   d.get("confirmed_tick"), d.get("value"))


#: Every event id -> name: the five points, then the milestones.
EVENT_NAMES: dict[int | str, str] = {**POINT_NAMES, **MILESTONE_NAMES}


def _not_reached(pid: int | str) -> InflectionEvent:
    return InflectionEvent(pid, EVENT_NAMES[pid], NOT_REACHED)


class _TrailingMean:
    """Mean of the last w values, or None until w have arrived. fsum: exact, so no drift."""

    def __init__(self, w: int) -> None:
        self.w = w
        self.buf: deque[float] = deque(maxlen=w)

    def push(self, x: float) -> float | None:
        self.buf.append(x)
        return math.fsum(self.buf) / self.w if len(self.buf) == self.w else None


class _Noise:
    """Robust sd of i.i.d. noise on a raw series, from its recent second differences."""

    def __init__(self, window: int, floor: float) -> None:
        self.raw: deque[float] = deque(maxlen=3)
        self.d2: deque[float] = deque(maxlen=window)
        self.floor = floor

    def push(self, x: float) -> None:
        self.raw.append(x)
        if len(self.raw) == 3:
            a, b, c = self.raw
            self.d2.append(c - 2.0 * b + a)

    def sigma(self, level: float) -> float | None:
        """None while too few samples: an unknown noise level must not confirm anything."""
        if len(self.d2) < min(_MIN_NOISE_SAMPLES, self.d2.maxlen):
            return None
        d = np.fromiter(self.d2, float, len(self.d2))
        spread = float(np.mean(np.abs(d - np.median(d))))
        return max(_MEAN_AD_TO_SD * spread / math.sqrt(6.0), self.floor * abs(level))


class _Peak:
    """Running-maximum candidate of one quantity, confirmed by k consecutive significant declines."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.seen = False
        self.cand: tuple | None = None  # (value, tick, year, at_start)
        self.below = 0
        self.done = False

    def push(self, value: float, threshold: float | None, scale: float, tick: int, year: int | None) -> tuple | None:
        """``scale``: the quantity's magnitude, so float rounding on a straight stretch is not a new high."""
        if self.done:
            return None
        at_start = not self.seen
        self.seen = True
        if self.cand is None or value > self.cand[0] + _ROUNDING * abs(scale):
            self.cand = (value, tick, year, at_start)
            self.below = 0
            return None
        if threshold is not None and value < self.cand[0] - threshold:
            self.below += 1
        else:
            self.below = 0
        if self.below >= self.k:
            self.done = True
            return self.cand
        return None


class _Sustained:
    """First tick of a run of k consecutive ticks on which a condition holds (point 5, net zero)."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.seen = False
        self.run = 0
        self.start: tuple | None = None
        self.done = False

    def push(self, ok: bool, value: float, tick: int, year: int | None) -> tuple | None:
        if self.done:
            return None
        at_start = not self.seen
        self.seen = True
        if not ok:
            self.run = 0
            return None
        if self.run == 0:
            self.start = (value, tick, year, at_start)
        self.run += 1
        if self.run >= self.k:
            self.done = True
            return self.start
        return None


class InflectionDetector:
    """Online detector: feed one tick at a time with `update`; read all five points with `events`.

    Cost per update is O(smoothing_window + noise_window), independent of the run length.
    """

    def __init__(self, config: DetectorConfig | None = None) -> None:
        self.config = config if config is not None else DetectorConfig()
        c = self.config
        w = c.smoothing_window
        self._smooth = {key: _TrailingMean(w) for key in ("e", "s", "n", "y")}
        self._noise = {key: _Noise(c.noise_window, c.noise_floor) for key in ("e", "s")}
        self._when: deque[tuple[int, int | None]] = deque(maxlen=c.lag + 1)  # (tick, year) of the window
        self._peaks = {pid: _Peak(c.confirm_ticks) for pid in (1, 2, 3, 4)}
        self._netstock = _Sustained(c.confirm_ticks)
        self._net_zero = _Sustained(c.confirm_ticks)
        self._prev: dict[str, float | None] = {"e": None, "s": None, "y": None}
        self._events = {pid: _not_reached(pid) for pid in EVENT_NAMES}
        self._last_tick: int | None = None

    def update(self, tick: int, year: int | None, emissions: float, sink: float, net_new: float,
               gdp: float) -> list[InflectionEvent]:
        """Take this tick's values; return the events confirmed at this tick (each only once)."""
        if self._last_tick is not None and tick <= self._last_tick:
            raise ValueError(f"ticks must increase: got {tick} after {self._last_tick}")
        values = {"emissions": emissions, "sink": sink, "net_new": net_new, "gdp": gdp}
        for name, v in values.items():
            if not math.isfinite(float(v)):
                raise ValueError(f"{name} at tick {tick} is {v}: the detector needs finite values")
        self._last_tick = tick
        c = self.config
        self._when.append((int(tick), None if year is None else int(year)))
        raw = {"e": float(emissions), "s": float(sink), "n": float(net_new), "y": float(gdp)}
        sm = {key: self._smooth[key].push(x) for key, x in raw.items()}
        for key in ("e", "s"):
            self._noise[key].push(raw[key])
        if sm["e"] is None:  # window not yet full: nothing is defined
            return []
        at_tick, at_year = self._when[0]  # the centred tick of the full window
        found: list[tuple[int | str, tuple]] = []

        def push(pid: int, value: float, thr: float | None, scale: float) -> None:
            hit = self._peaks[pid].push(value, thr, scale, at_tick, at_year)
            if hit is not None:
                found.append((pid, hit))

        sig_e = self._noise["e"].sigma(sm["e"])
        nf, w = c.noise_factor, c.smoothing_window
        push(3, sm["e"], None if sig_e is None else nf * sig_e, sm["e"])
        prev_e = self._prev["e"]
        if prev_e is not None:
            thr_d = None if sig_e is None else nf * sig_e * math.sqrt(2.0 / w)
            push(2, sm["e"] - prev_e, thr_d, sm["e"])
            if prev_e > 0:  # the growth rate needs positive emissions behind it
                push(1, sm["e"] / prev_e - 1.0, None if thr_d is None else thr_d / prev_e, 1.0)
        prev_s = self._prev["s"]
        if prev_s is not None:
            sig_s = self._noise["s"].sigma(sm["s"])
            push(4, sm["s"] - prev_s, None if sig_s is None else nf * sig_s * math.sqrt(2.0 / w), sm["s"])
        prev_y = self._prev["y"]
        if prev_y is not None:
            hit = self._netstock.push(sm["n"] <= 0.0 and sm["y"] > prev_y, sm["n"], at_tick, at_year)
            if hit is not None:
                found.append((5, hit))
        net = sm["e"] - sm["s"]
        hit = self._net_zero.push(net <= 0.0, net, at_tick, at_year)
        if hit is not None:
            found.append((NET_ZERO, hit))
        self._prev = {"e": sm["e"], "s": sm["s"], "y": sm["y"]}
        return self._confirm(found, tick)

    def _confirm(self, found: list[tuple[int | str, tuple]], tick: int) -> list[InflectionEvent]:
        """Record the events `found` at `tick` (final from now on); copies of them, points first."""
        order = list(EVENT_NAMES)
        new = []
        for pid, (value, at, yr, at_start) in sorted(found, key=lambda f: order.index(f[0])):
            ev = InflectionEvent(pid, EVENT_NAMES[pid], PASSED_AT_START if at_start else CROSSED, at, yr,
                                 int(tick), float(value))
            self._events[pid] = ev
            new.append(replace(ev))
        return new

    def events(self) -> list[InflectionEvent]:
        """All five points in id order, as they stand now (copies: editing them changes nothing here)."""
        return [replace(self._events[pid]) for pid in POINT_NAMES]

    def milestones(self) -> list[InflectionEvent]:
        """The milestones beside the points (the net-zero year), as they stand now (copies)."""
        return [replace(self._events[mid]) for mid in MILESTONE_NAMES]

    def candidates(self) -> list[Candidate]:
        """The running candidate of every point and milestone not yet confirmed, in id order.

        Read-only: it reports what the detector already keeps (a peak's running maximum and the
        consecutive significant declines behind it; the start of a run of ticks on which point 5's or
        the net-zero condition holds) and changes nothing, so detection is the same whether or not
        anyone asks. A point with no candidate (its quantity not yet defined, or no run under way) is
        left out. Lets a viewer say "candidate year 2031, awaiting confirmation" during the years a
        confirmation takes.
        """
        out = []
        for pid in EVENT_NAMES:
            if self._events[pid].state != NOT_REACHED:
                continue
            tracker = self._peaks.get(pid) or (self._netstock if pid == 5 else self._net_zero)
            if isinstance(tracker, _Peak):
                held, progress = tracker.cand, tracker.below
            else:
                held, progress = (tracker.start, tracker.run) if tracker.run > 0 else (None, 0)
            if held is None:
                continue
            value, tick, year, at_start = held
            out.append(Candidate(pid, EVENT_NAMES[pid], int(tick), None if year is None else int(year), float(value),
                                 bool(at_start), int(progress), self.config.confirm_ticks))
        return out


@dataclass(frozen=True)
class Candidate:
    """A point's (or milestone's) running candidate before it is confirmed (`InflectionDetector.candidates`).

    ``progress`` of ``needed`` consecutive ticks have counted towards confirming it so far (significant
    declines below a peak; ticks on which point 5's or the net-zero condition holds).
    """

    id: int | str
    name: str
    tick: int
    year: int | None
    value: float
    at_start: bool
    progress: int
    needed: int


def detect(emissions: Sequence[float], sink: Sequence[float], net_new: Sequence[float], gdp: Sequence[float],
           years: Sequence[int] | None = None, config: DetectorConfig | None = None) -> list[InflectionEvent]:
    """Offline convenience: feed whole series (tick = position) through the online detector.

    Using the online detector itself means a finished run and the app always agree.

    >>> t = np.arange(60.0)
    >>> e = 50 + 100 * np.exp(-0.5 * ((t - 30) / 8) ** 2)  # rises, peaks at tick 30, falls
    >>> [(ev.id, ev.state, ev.tick, ev.confirmed_tick) for ev in detect(e, np.ones(60), np.zeros(60), 1 + t)[:3]]
    [(1, 'crossed', 20, 26), (2, 'crossed', 22, 28), (3, 'crossed', 30, 36)]
    """
    cols = {name: np.asarray(x, dtype=float) for name, x in
            (("emissions", emissions), ("sink", sink), ("net_new", net_new), ("gdp", gdp))}
    n = len(cols["emissions"])
    for name, x in cols.items():
        if x.ndim != 1 or len(x) != n:
            raise ValueError(f"{name} must be 1-D with {n} values like emissions, got shape {x.shape}")
    if years is not None and len(years) != n:
        raise ValueError(f"years must have {n} values like emissions, got {len(years)}")
    det = InflectionDetector(config)
    e, s, nn, y = cols["emissions"], cols["sink"], cols["net_new"], cols["gdp"]
    for t in range(n):
        det.update(t, None if years is None else int(years[t]), e[t], s[t], nn[t], y[t])
    return det.events()


def summarise_seeds(runs: list[list[InflectionEvent]]) -> pd.DataFrame:
    """Across Monte Carlo seeds: how often each point is crossed, and the median / 5-95% band of its year.

    Years are taken over the runs where the point was "crossed" (a point passed before the run
    began has no meaningful year); events may also be given as dicts (from JSON). A run missing
    a point counts it as not reached. The net-zero year gets a row after the five points when the
    runs list it (events.json does; `InflectionDetector.events` does not).
    """
    per_run: list[dict[int | str, InflectionEvent]] = []
    for run in runs:
        byid: dict[int | str, InflectionEvent] = {}
        for ev in run:
            ev = InflectionEvent.from_dict(ev) if isinstance(ev, Mapping) else ev
            if ev.id in byid:
                raise ValueError(f"a run lists inflection point {ev.id} twice")
            byid[ev.id] = ev
        per_run.append(byid)
    n = len(per_run)
    rows = []
    listed = [(mid, name) for mid, name in MILESTONE_NAMES.items() if any(mid in r for r in per_run)]
    for pid, name in [*POINT_NAMES.items(), *listed]:
        evs = [r.get(pid) for r in per_run]
        crossed = [e for e in evs if e is not None and e.state == CROSSED]
        at_start = sum(1 for e in evs if e is not None and e.state == PASSED_AT_START)
        years = np.array([e.year for e in crossed if e.year is not None], dtype=float)
        has = years.size > 0
        rows.append({
            "id": pid, "name": name, "n_runs": n,
            "share_crossed": len(crossed) / n if n else math.nan,
            "year_median": float(np.median(years)) if has else math.nan,
            "year_p05": float(np.percentile(years, 5)) if has else math.nan,
            "year_p95": float(np.percentile(years, 95)) if has else math.nan,
            "share_passed_at_start": at_start / n if n else math.nan,
        })
    return pd.DataFrame(rows, columns=["id", "name", "n_runs", "share_crossed", "year_median", "year_p05",
                                       "year_p95", "share_passed_at_start"])
