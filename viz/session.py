"""One planner's session: the policies being edited, the run(s), and the frame the page shows.

Everything here is plain Python (no solara), so it is tested without a browser and the page stays a
thin view. The page keeps one `AppSession` per browser session (``solara.use_memo`` in the
component, never a module-level object), so two planners on one server never share a run.

Every change goes through a method that takes the session's lock, updates the runs and then
builds a new immutable `Frame` (maps, charts, log) that the page only reads; the play loop runs in
another thread and calls `step` under the same lock, so a render never sees a half-stepped model.

>>> from pathlib import Path
>>> s = AppSession(AppConfig(Path("scenarios"), region_size=(40, 40)))
>>> s.frame.tick, s.step(), s.frame.tick
(0, True, 1)
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from abm.errors import ConfigError
from abm.scenario import Scenario, load_scenario, scenario_from_dict
from viz import levers
from viz.compare import SettingsDiff, settings_diff
from viz.ensemble import SEED_CHOICES, Ensemble
from viz.export import figure_png, scenario_toml
from viz.frames import Frame, build_frame, conditions_line
from viz.i18n import check_lang, tr
from viz.layers import map_layer
from viz.runs import Run, cell_readout
from viz.uploads import SLOTS, UPLOAD_PATH_FIELDS, Upload, UploadFolder, UploadRefused, Uploads, check_sizes, region_upload, vector_upload

log = logging.getLogger("abm.app")

#: Environment variables the app reads when a session starts (`abm app` sets them from its options).
ENV_SCENARIOS = "ABM_APP_SCENARIOS"      # folder of scenario files for the picker
ENV_REGION_SIZE = "ABM_APP_REGION_SIZE"  # "ROWS" or "ROWSxCOLS": run every scenario on a grid this size
ENV_SCENARIO = "ABM_APP_SCENARIO"        # file name picked when a session starts (default baseline.toml)
ENV_LANG = "ABM_APP_LANG"                # the language a session starts in: en or zh (viz.i18n)

SIDES = ("A", "B")
MAX_LOADED_CHARS = 1_000_000  # a scenario loaded in the page: a small text file
LOADED = " (loaded)"          # how the picker marks a file loaded in the page
LOAD_PROBLEMS = ("the file is over 1 MB", "the file is empty")  # said in the page's language
RUN_KEYS = (levers.SEED.key, levers.TICKS.key)  # shared by both policies: edited and validated with A's


@dataclass(frozen=True)
class Refusal:
    """A setting the planner typed that is not applied, and why (shown beside its field and in the banner)."""

    side: str
    key: str
    label: str
    text: str
    message: str


def default_scenarios_dir() -> Path:
    """scenarios/ of the source tree when the package is installed editable, else ./scenarios."""
    here = Path(__file__).resolve().parents[1] / "scenarios"
    return here if here.is_dir() else Path.cwd() / "scenarios"


def parse_region_size(text: str, field: str = ENV_REGION_SIZE) -> tuple[int, int]:
    """'200' -> (200, 200); '120x300' -> (120, 300); anything else is a ConfigError naming `field`."""
    parts = str(text).lower().replace(" ", "").split("x")
    try:
        rows, cols = (int(parts[0]), int(parts[-1])) if len(parts) <= 2 else (0, 0)
    except ValueError:
        rows = cols = 0
    if not (10 <= rows <= 20000 and 10 <= cols <= 20000):
        raise ConfigError(field, f"{text!r} is not a grid size of 10 to 20000 cells a side", "write e.g. 200 or 120x300")
    return rows, cols


@dataclass(frozen=True)
class AppConfig:
    """Server-wide settings (read once per session from the environment)."""

    scenarios_dir: Path
    region_size: tuple[int, int] | None = None
    default_scenario: str = "baseline.toml"
    lang: str = "en"

    @classmethod
    def from_env(cls) -> AppConfig:
        size = os.environ.get(ENV_REGION_SIZE, "").strip()
        folder = os.environ.get(ENV_SCENARIOS, "").strip()
        return cls(Path(folder) if folder else default_scenarios_dir(), parse_region_size(size) if size else None,
                   os.environ.get(ENV_SCENARIO, "").strip() or "baseline.toml",
                   check_lang(os.environ.get(ENV_LANG, "").strip() or "en"))

    def scenario_files(self) -> list[str]:
        return sorted(p.name for p in self.scenarios_dir.glob("*.toml"))

    def load(self, name: str) -> Scenario:
        """A scenario file of the picker, on the configured region size."""
        return self.sized(load_scenario(self.scenarios_dir / name))

    def load_text(self, name: str, text: str | None) -> Scenario:
        """A scenario file a planner loaded in the page (its text), as if it sat in the picker's folder: what
        it `extends` and the data files it names are looked for there; on the configured region size."""
        import tomllib

        from abm.packages import merge, read_scenario_chain

        if text is None or len(text) > MAX_LOADED_CHARS:
            raise ConfigError(name, "the file is over 1 MB", "load a scenario file, e.g. one exported here")
        if not text.strip():
            raise ConfigError(name, "the file is empty", "load a scenario file, e.g. one exported here")
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(name, f"is not TOML: {err}", "load a scenario file, e.g. one exported here") from None
        parents = raw.pop("extends", None)
        base: dict[str, Any] = {}
        for parent in [parents] if isinstance(parents, str) else (parents or []):
            inherited = read_scenario_chain(self.scenarios_dir / str(parent))
            for key in ("name", "description", "extends"):
                inherited.pop(key, None)
            base = merge(base, inherited)
        return self.sized(scenario_from_dict(merge(base, raw), source=str(self.scenarios_dir / name)))

    def sized(self, scenario: Scenario) -> Scenario:
        """`scenario` on the configured region size (unchanged without one)."""
        if self.region_size:
            rows, cols = self.region_size
            scenario = scenario.with_overrides({"region.rows": rows, "region.cols": cols})
        return scenario


@dataclass
class PolicyState:
    """One side of the comparison: its scenario file, the file as loaded, and the planner's edits."""

    file: str
    base: Scenario | None = None
    edits: dict[str, str] = field(default_factory=dict)   # lever key -> text as typed (only changed ones)
    errors: dict[str, str] = field(default_factory=dict)  # lever key -> message ("" = not tied to a field)
    scenario: Scenario | None = None                      # last valid scenario (base + edits + run fields)


class AppSession:
    """The state of one browser session. Every public method is safe to call from any thread."""

    def __init__(self, config: AppConfig | None = None) -> None:
        self.config = config or AppConfig.from_env()
        self.lock = threading.RLock()
        files = self.config.scenario_files()
        first = self.config.default_scenario if self.config.default_scenario in files else (files[0] if files else "")
        second = "sprawl.toml" if "sprawl.toml" in files and first != "sprawl.toml" else first
        self.policies = {"A": PolicyState(first), "B": PolicyState(second)}
        self.loaded: dict[str, str] = {}  # picker name -> text of the scenario files loaded in the page
        self.load_error = ""
        self.run_edits: dict[str, str] = {}
        self.run_errors: dict[str, str] = {}
        self.compare = False
        self.lang = self.config.lang
        self.layer = "land_use"
        self.runs: list[Run] = []
        self.error: str | None = None
        self._scales: dict[str, float] = {}
        self._differs: SettingsDiff | None = None  # A against B, computed when the runs are built
        self._version = 0
        self.generation = 0  # counts rebuilds of the runs (see `step`)
        self.seeds = 1       # seeds of each policy shown: the shown one and the next ones, run in the background
        self.ensemble = Ensemble()
        self.seed_generation = 0  # counts requests of background seeds (the page polls for each)
        weakref.finalize(self, self.ensemble.close)  # a closed page stops its worker
        self.uploads = Uploads()                  # the planner's own maps and lines, by upload slot
        self.upload_errors: dict[str, str] = {}   # slot -> why its last upload was refused
        self._upload_folder: UploadFolder | None = None  # made at the first upload, removed with the page
        self.frame: Frame | None = None
        with self.lock:
            for side in SIDES:
                self._load(side)
            self._rebuild()

    # ---- editing ------------------------------------------------------------------------------------
    def scenario_files(self) -> list[str]:
        """The picker's files: the folder's, then those loaded in this page."""
        return self.config.scenario_files() + list(self.loaded)

    def load_toml(self, side: str, name: str, text: str | None) -> None:
        """A scenario file loaded in the page becomes `side`'s scenario (its edits dropped) and a file of
        this session's picker; one that cannot be read leaves everything as it was and says why."""
        with self.lock:
            key = os.path.basename(str(name)) + LOADED
            try:
                self.config.load_text(key, text)
            except (ConfigError, ValueError, OSError) as err:  # a file the planner can fix, said in one line
                said = getattr(err, "problem", "")
                error = tr(said, self.lang) if said in LOAD_PROBLEMS else str(err)
                self.load_error = tr("{name} was not loaded: {error}", self.lang, name=os.path.basename(str(name)),
                                     error=error)
                self._render()  # a new frame, so the page shows the message
                return
            self.load_error = ""
            self.loaded[key] = text
            p = self.policies[side]
            p.file, p.edits = key, {}
            self._load(side)
            self._rebuild()

    @property
    def upload_folder(self) -> UploadFolder:
        """The page's temporary folder of uploads (made at the first upload, removed when the page closes)."""
        if self._upload_folder is None:
            self._upload_folder = UploadFolder()
            weakref.finalize(self, self._upload_folder.close)
        return self._upload_folder

    def check_upload(self, slot: str, files: list[tuple[str, int]]) -> bool:
        """Before any byte is sent: refuse an upload of too many files or bytes (their sizes as the browser
        says). True when the files may be sent."""
        with self.lock:
            try:
                check_sizes(files)
            except UploadRefused as err:
                self._refuse_upload(slot, str(err))
                return False
            return True

    def upload(self, slot: str, files: list[tuple[str, Any]]) -> bool:
        """The planner's own maps (`slot` "region") or a line ("growth_boundary", "red_line", "farmland"), as
        (file name, bytes or binary stream) pairs: saved in the page's folder, checked, and the scenario's
        region fields pointed at them; the run restarts on the new region, validated with every edit. One
        that cannot be used is refused in one line (beside its chooser and in the banner) and the run goes on
        as it was. True when accepted."""
        if slot not in SLOTS:
            raise ValueError(f"no upload slot {slot!r}; use one of {', '.join(SLOTS)}")
        with self.lock:
            folder = self.upload_folder.new(slot)
            old = self.uploads.accepted.get(slot)
            try:
                check_sizes([(str(name), 0) for name, _ in files])
                upload = region_upload(files, folder) if slot == "region" else vector_upload(slot, files, folder)
                self._apply_uploads({**self.uploads.accepted, slot: upload})
            except (UploadRefused, ConfigError, ValueError, OSError) as err:
                shutil.rmtree(folder, ignore_errors=True)
                self._refuse_upload(slot, self.upload_folder.shown(str(err)))
                return False
            self.upload_errors.pop(slot, None)
            if old is not None and old.folder != folder:
                shutil.rmtree(old.folder, ignore_errors=True)
            self._render()
            return True

    def clear_upload(self, slot: str) -> None:
        """Back to the scenario's own region (slot "region") or line: the upload is dropped, the run restarts."""
        with self.lock:
            self.upload_errors.pop(slot, None)
            if slot not in self.uploads.accepted:
                self._render()
                return
            old = self.uploads.accepted[slot]
            self.uploads = Uploads({k: v for k, v in self.uploads.accepted.items() if k != slot})
            self._rebuild()
            shutil.rmtree(old.folder, ignore_errors=True)

    def draw_boundary(self, corners: list[tuple[float, float]]) -> bool:
        """A growth boundary drawn on the map: its corners in grid cells (row, col; fractional, from the top-left
        corner of the grid), saved as a GeoJSON polygon in the region's own frame and CRS, and used as an
        uploaded boundary (`region.growth_boundary_file`: cells whose centre lies inside may grow). True when
        accepted; fewer than three corners, or a polygon that covers no cell, is refused in one line."""
        from abm.io.geotiff import grid_transform

        with self.lock:
            corners = [(float(r), float(c)) for r, c in corners]
            if len(corners) < 3:
                self._refuse_upload("growth_boundary", tr("draw at least three corners", self.lang))
                return False
            if not self.runs:
                self._refuse_upload("growth_boundary", tr("the upload failed", self.lang))
                return False
            grid = self.runs[0].model.grid
            rows, cols = grid.shape
            if all(not (0 <= r <= rows and 0 <= c <= cols) for r, c in corners):
                self._refuse_upload("growth_boundary",
                                    tr("the corners drawn lie off the map: draw the boundary on the map", self.lang))
                return False
            import geopandas as gpd
            from shapely.geometry import Polygon

            transform = grid_transform(grid)
            polygon = Polygon([transform @ (c, r) for r, c in corners])
            if not polygon.is_valid:  # corners clicked so that the outline crosses itself
                polygon = polygon.buffer(0)
            drawn = self.upload_folder.new("drawn") / "drawn-boundary.geojson"
            gpd.GeoDataFrame({"drawn": ["growth boundary"]}, geometry=[polygon], crs=grid.crs or None).to_file(
                drawn, driver="GeoJSON")
            text = drawn.read_bytes()
            shutil.rmtree(drawn.parent, ignore_errors=True)
            return self.upload("growth_boundary", [("drawn-boundary.geojson", text)])

    def controls_state(self) -> tuple:
        """Everything the page's controls show (the scenario files, pickers, levers as typed and their messages,
        the seeds, the loaded files, the uploads, the language), as plain values: the page renders its controls
        again only when this changes, so a Step or a tick of Play leaves them, and what a planner is typing,
        alone."""
        with self.lock:
            sides = tuple((side, p.file, p.base, tuple(p.edits.items()), tuple(p.errors.items()))
                          for side, p in self.policies.items())
            return (self.lang, self.compare, self.seeds, tuple(self.scenario_files()), self.load_error,
                    tuple(self.run_edits.items()), tuple(self.run_errors.items()), sides, self.upload_states())

    def upload_states(self) -> tuple[tuple[str, str, str], ...]:
        """(slot, what is in use, why its last upload was refused) of every upload slot, as the page shows them."""
        with self.lock:
            return tuple((slot, self.upload_summary(slot), self.upload_errors.get(slot, "")) for slot in SLOTS)

    def upload_summary(self, slot: str) -> str:
        """What an accepted upload is (its files, and for the maps the grid's size), in the page's language."""
        up = self.uploads.accepted.get(slot)
        if up is None:
            return ""
        return tr("in use: {files} ({summary})", self.lang, files=", ".join(up.names), summary=up.describe(self.lang))

    def _refuse_upload(self, slot: str, message: str) -> None:
        self.upload_errors[slot] = message.splitlines()[0] if message else tr("the upload failed", self.lang)
        self._render()

    def _apply_uploads(self, accepted: dict[str, Upload]) -> None:
        """Build the runs on these uploads (with every edit) or raise, leaving the runs as they were."""
        saved = self.uploads
        self.uploads = Uploads(accepted)
        try:
            if not self._validate():
                raise ConfigError("region", "the scenario could not be loaded", "pick another scenario first")
            sides = SIDES if self.compare else SIDES[:1]
            try:
                runs = [Run(side, self.policies[side].scenario) for side in sides]
            except (ConfigError, UploadRefused):
                raise
            except ValueError as err:  # a DataError of a map or line: one line naming the file and the fix
                raise UploadRefused(str(err)) from err
            except Exception as err:  # the model refusing the region some other way
                log.exception("building the model on an upload failed")
                raise UploadRefused(tr("The model could not start: {error}", self.lang,
                                       error=f"{type(err).__name__}: {err}")) from err
        except Exception:
            self.uploads = saved
            self._validate()
            raise
        self._start(runs)

    def field_text(self, side: str, key: str) -> str:
        """What a field shows: the planner's text if edited, else the scenario's value."""
        p = self.policies[side]
        if key in RUN_KEYS:
            p = self.policies["A"]
            if key in self.run_edits:
                return self.run_edits[key]
            return levers.lever_text(p.base, levers.BY_KEY[key]) if p.base else ""
        if key in p.edits:
            return p.edits[key]
        return levers.lever_text(p.base, levers.BY_KEY[key]) if p.base else ""

    def field_error(self, side: str, key: str) -> str:
        if key in RUN_KEYS:
            return self.run_errors.get(key, "")
        return self.policies[side].errors.get(key, "")

    def set_scenario(self, side: str, file: str) -> None:
        """Pick another scenario file for a side: its edits are dropped and the runs restart."""
        with self.lock:
            p = self.policies[side]
            if file == p.file and p.base is not None:
                return
            p.file, p.edits = file, {}
            self._load(side)
            self._rebuild()

    def set_field(self, side: str, key: str, text: str) -> None:
        """A typed value: all edits are validated together; the runs restart when what is applied changes."""
        with self.lock:
            text = str(text if text is not None else "").strip()
            if key in RUN_KEYS:
                side, edits = "A", self.run_edits  # B runs on A's seed and years
            else:
                edits = self.policies[side].edits
            base = self.policies[side].base
            edits.pop(key, None)  # re-inserted last: edits are tried oldest first (levers.apply_edits)
            if base is None or text != levers.lever_text(base, levers.BY_KEY[key]):
                edits[key] = text
            self._rebuild(force=False)

    def refused(self) -> list[Refusal]:
        """Every setting typed but not applied, on both sides (a refused B lever shows while editing A), and
        every upload refused."""
        with self.lock:
            out = [Refusal("A", f"upload.{slot}", tr("upload: {what}", self.lang, what=tr(SLOTS[slot][1], self.lang)),
                           "", message) for slot, message in self.upload_errors.items()]
            out += [Refusal("A", key, levers.BY_KEY[key].label_in(self.lang), self.run_edits.get(key, ""), message)
                    for key, message in self.run_errors.items()]
            for side in SIDES if self.compare else SIDES[:1]:
                p = self.policies[side]
                out += [Refusal(side, key, levers.BY_KEY[key].label_in(self.lang) if key else tr("scenario", self.lang),
                                p.edits.get(key, ""), message) for key, message in p.errors.items()]
            return out

    def set_compare(self, on: bool) -> None:
        with self.lock:
            if bool(on) != self.compare:
                self.compare = bool(on)
                self._rebuild()

    def set_lang(self, lang: str) -> None:
        """Show every text in `lang` (the runs go on untouched; refusals are worded again)."""
        with self.lock:
            self.lang = check_lang(lang)
            self._validate()
            if self.compare and len(self.runs) == 2:
                self._differs = settings_diff(self.runs[0].scenario, self.runs[1].scenario, self.lang)
            self._render()

    def set_layer(self, layer: str) -> None:
        with self.lock:
            self.layer = map_layer(layer).name  # a KeyError naming the valid layers if unknown
            self._render()

    def set_seeds(self, n: int) -> None:
        """Show the uncertainty over `n` seeds (1, 5 or 10): the extra seeds run in the background."""
        n = int(n)
        if n not in SEED_CHOICES:
            raise ValueError(f"{n} seeds is not offered: use one of {', '.join(map(str, SEED_CHOICES))}")
        with self.lock:
            self.seeds = n
            self._want_seeds()
            self._render()

    @property
    def seeds_busy(self) -> bool:
        """Background seeds are still running."""
        return self.ensemble.busy

    def poll_seeds(self) -> bool:
        """Take in the background seeds finished since the last call and redraw; True if there were any."""
        with self.lock:
            if not self.ensemble.collect():
                return False
            self._render()
            return True

    def cell_readout(self, side: str, row: int, col: int) -> str:
        """What one cell of a side's map holds now, in the page's language ("" off the grid)."""
        with self.lock:
            run = next((r for r in self.runs if r.side == side), None)
            return cell_readout(run, row, col, self.lang) if run is not None else ""

    def reset(self) -> None:
        """Start the run(s) again at tick 0 with the current valid settings."""
        with self.lock:
            self._rebuild()

    # ---- running ------------------------------------------------------------------------------------
    @property
    def at_end(self) -> bool:
        return not self.runs or self.frame is None or self.frame.at_end or self.error is not None

    def step(self, generation: int | None = None) -> bool:
        """Advance every run one tick (a comparison steps together); False at the end or after an error.

        A play loop passes the `generation` it started under: once the runs were rebuilt (Reset, a new
        value, another scenario) its pending step is void, so a reset run never jumps ahead by one.
        """
        with self.lock:
            if self.at_end or (generation is not None and generation != self.generation):
                return False
            try:
                for run in self.runs:
                    run.step()
            except Exception as err:  # the planner sees one line; the server log keeps the traceback
                log.exception("model step failed")
                self.error = tr("The model stopped in {year}: {error}", self.lang, year=self.runs[0].model.year,
                                error=f"{type(err).__name__}: {err}")
            self._render()
            return self.error is None

    # ---- internals ----------------------------------------------------------------------------------
    def _load(self, side: str) -> None:
        p = self.policies[side]
        p.base, p.errors = None, {}
        if not p.file:
            p.errors = {"": tr("no scenario files in {folder}", self.lang, folder=self.config.scenarios_dir)}
            return
        try:
            p.base = self.config.load_text(p.file, self.loaded[p.file]) if p.file in self.loaded \
                else self.config.load(p.file)
        except ConfigError as err:
            p.errors = {"": f"{p.file}: {err}"}
        except Exception as err:
            log.exception("loading %s failed", p.file)
            p.errors = {"": f"{p.file}: {type(err).__name__}: {err}"}

    def _validate(self) -> bool:
        """Apply every side's edits that can be applied (validated together, the shared run fields with A's);
        the refused ones keep their messages beside their fields. True when every side has a scenario."""
        self.run_errors = {}
        for side in SIDES if self.compare else SIDES[:1]:
            p = self.policies[side]
            if p.base is None:
                p.scenario = None
                continue
            scenario, errors = levers.apply_edits(p.base, {**p.edits, **(self.run_edits if side == "A" else {})},
                                                  self.lang)
            self.run_errors.update({k: v for k, v in errors.items() if k in RUN_KEYS})
            p.errors = {k: v for k, v in errors.items() if k not in RUN_KEYS}
            overrides = self.uploads.overrides()
            p.scenario = scenario.with_overrides(overrides) if overrides and side == "A" else scenario
        sides = [self.policies[side] for side in (SIDES if self.compare else SIDES[:1])]
        if any(p.scenario is None for p in sides):
            return False
        if self.compare:
            # B runs on A's region, seed and years, so the difference is the policy's alone
            a = self.policies["A"].scenario.to_dict()
            b = self.policies["B"]
            b.scenario = b.scenario.with_overrides({"region": a["region"], "run": a["run"]})
        return True

    def _unchanged(self) -> bool:
        """The runs already simulate exactly the scenarios now applied (a refused edit changes nothing)."""
        sides = SIDES if self.compare else SIDES[:1]
        return len(self.runs) == len(sides) and self.error is None and all(
            run.scenario.to_dict() == self.policies[side].scenario.to_dict() for run, side in zip(self.runs, sides))

    def _rebuild(self, force: bool = True) -> None:
        """Restart the runs at tick 0 with the applied settings; unless `force`, only if these changed."""
        ok = self._validate()
        if ok and not force and self._unchanged():
            self._render()
            return
        self.error = None
        self.generation += 1
        if ok:
            sides = SIDES if self.compare else SIDES[:1]
            try:
                self.runs = [Run(side, self.policies[side].scenario) for side in sides]
                self._differs = (settings_diff(self.runs[0].scenario, self.runs[1].scenario, self.lang)
                                 if self.compare else None)
            except ConfigError as err:
                self.error = self.upload_folder.shown(str(err)) if self._upload_folder else str(err)
            except Exception as err:
                log.exception("building the model failed")
                self.error = tr("The model could not start: {error}", self.lang, error=f"{type(err).__name__}: {err}")
            self._scales = {}
        self._want_seeds()
        self._render()

    def _start(self, runs: list[Run]) -> None:
        """Show `runs` (built and checked already) from tick 0."""
        self.error = None
        self.generation += 1
        self.runs = runs
        self._differs = settings_diff(runs[0].scenario, runs[1].scenario, self.lang) if len(runs) == 2 else None
        self._scales = {}
        self._want_seeds()
        self._render()

    def _want_seeds(self) -> None:
        """Ask the background for the seeds of the runs shown (none with 1 seed: pending ones are cancelled)."""
        self.ensemble.want({run.side: run.scenario for run in self.runs} if self.error is None else {}, self.seeds)
        self.seed_generation += 1

    def _render(self) -> None:
        self._version += 1
        runs = self.runs
        if not runs:
            self.frame = Frame(self._version, 0, 0, 0, 0, (), (), (), (), self.layer, lang=self.lang)
            return
        try:
            seeds = {run.side: self.ensemble.status(run.side) for run in runs}
            self.frame = build_frame(runs, self.layer, self._scales, self._version, self._differs, self.lang, seeds)
        except Exception as err:
            log.exception("drawing the frame failed")
            self.error = tr("The map could not be drawn: {error}", self.lang, error=f"{type(err).__name__}: {err}")

    # ---- export ---------------------------------------------------------------------------------------
    def export_csv(self) -> bytes:
        with self.lock:
            return _timeseries(self.runs).to_csv(index=False).encode()

    def export_parquet(self) -> bytes:
        """The time series, with each policy's full scenario as TOML in the file's metadata
        (``abm.scenario.A``, ``abm.scenario.B``), so the file alone says how to run it again."""
        import io

        import pyarrow as pa
        import pyarrow.parquet as pq

        with self.lock:
            table = pa.Table.from_pandas(_timeseries(self.runs), preserve_index=False)
            meta = {**(table.schema.metadata or {}),
                    **{f"abm.scenario.{run.side}".encode(): self.export_toml(run.side) for run in self.runs}}
            buf = io.BytesIO()
            pq.write_table(table.replace_schema_metadata(meta), buf)
            return buf.getvalue()

    def export_events(self) -> bytes:
        with self.lock:
            out = []
            for run in self.runs:
                for e in run.events() + run.milestones():  # as events.json: the points, then the milestones
                    out.append({"policy": run.side, "scenario": run.scenario.name, "seed": run.model.seed_value, **e})
            return json.dumps(out, indent=2).encode()

    def export_png(self) -> bytes:
        with self.lock:
            return figure_png(self.runs, self.layer, dict(self._scales))

    def export_toml(self, side: str) -> bytes:
        """The full resolved scenario one policy runs (edits, region size, seed and years included) as TOML:
        `abm run` on it gives the same time series (`--ticks` the years shown)."""
        with self.lock:
            run = next(r for r in self.runs if r.side == side)
            p = self.policies[side]
            edits = [f"{levers.BY_KEY[k].label} = {t}" for k, t in {**p.edits, **self.run_edits}.items()
                     if k not in p.errors and k not in self.run_errors and (side == "A" or k not in RUN_KEYS)]
            uploads = [(key, str(path), up.names) for up in self.uploads.accepted.values()
                       for key, path in up.overrides.items() if key in UPLOAD_PATH_FIELDS]
            return scenario_toml(run, p.file, edits, uploads).encode()

    def export_name(self) -> str:
        """A file name that says what was run: the scenario(s), '-edited' where levers were changed, the
        year shown and the seed (e.g. ``compact-edited-vs-sprawl-2041-seed42``)."""
        with self.lock:
            names = []
            for run in self.runs:
                p = self.policies[run.side]
                names.append(run.scenario.name + ("-edited" if set(p.edits) - set(p.errors) else "")
                             + ("-uploaded" if self.uploads.accepted else ""))
            year = self.frame.year if self.frame else 0
            seed = f"-seed{self.runs[0].model.seed_value}" if self.runs else ""
            return f"{'-vs-'.join(names) or 'run'}-{year}{seed}"


def _timeseries(runs: list[Run]):
    import pandas as pd

    frames = []
    for run in runs:
        df = pd.DataFrame.from_records(run.model.records)
        df.insert(0, "policy", run.side)
        df.insert(1, "scenario", run.scenario.name)
        df.insert(2, "seed", run.model.seed_value)
        frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


__all__ = ["AppConfig", "AppSession", "Frame", "Refusal", "conditions_line", "parse_region_size"]
