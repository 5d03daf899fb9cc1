"""The planners' page: pick a policy, pull its levers, watch the town grow and its carbon turn.

Start it with ``abm app`` (see docs/app.md). The page is a thin view over `viz.session.AppSession`:
each browser session gets its own session object (``solara.use_memo`` inside `Page`), so two planners
on one server never see each other's run. The map is one PNG per tick and the charts are SVG text,
so nothing here needs a JavaScript chart library or any asset from outside the server.
"""

from __future__ import annotations

import base64
import functools
import html
import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Callable

import solara
import traitlets
from ipyvue import Template
from ipyvuetify.extra import FileInput
from ipywidgets import widget_serialization
from solara.components.file_download import FileDownloadWidget

from abm.plots import POINT_STYLE

from viz import compare, levers
from viz.layers import map_layer, map_layers
from viz.charts import TAB
from viz.ensemble import SEED_CHOICES
from viz.i18n import LANGS, tr
from viz.ramps import Legend
from viz.runs import MapView, legend_lines
from viz.session import RUN_KEYS, AppSession, Frame, Refusal
from viz.uploads import RASTER_ACCEPT, SLOTS, VECTOR_ACCEPT

log = logging.getLogger("abm.app")

#: Reacton's renderer that skips a component whose element, state and descendants did not change (its opt-in
#: "fast" renderer; reacton reads the variable when a page starts rendering). With it a Step walks only the
#: results it changed (tick label, map, charts, log), not every lever field, upload and export of the page.
os.environ.setdefault("REACTON_FAST", "1")

#: Play speeds: label -> seconds between ticks (0 = as fast as the model and the page allow).
SPEEDS: dict[str, float] = {"1 tick/s": 1.0, "2 ticks/s": 0.5, "5 ticks/s": 0.2, "max": 0.0}
DEFAULT_SPEED = "5 ticks/s"
MIN_GAP_S = 0.03  # even at "max" the page gets this much time to take clicks (Pause) between ticks



def layer_by_label(lang: str) -> dict[str, str]:
    """The map picker's buttons (layer labels in `lang`) and the layers they show, in the registry's order."""
    return {spec.label(lang): spec.name for spec in map_layers()}


#: The language switch's buttons (each language named in itself) and the languages they pick.
LANG_BY_NAME = {name: code for code, name in LANGS.items()}

CSS = """
.abm-map-image, .abm-map-image img { image-rendering: pixelated; width: 100%; height: auto; display: block; }
.abm-map-box { position: relative; width: 100%; border: 1px solid #bbb; }
.abm-scalebar { position: absolute; left: 4%; bottom: 4%; font-size: 11px; background: rgba(255,255,255,0.75);
                padding: 1px 4px 3px 4px; border-radius: 2px; }
.abm-scalebar .bar { height: 5px; background: #111; margin-top: 1px; }
.abm-legend { font-size: 12px; margin-top: 4px; }
.abm-legend .swatch { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 8px; vertical-align: middle;
                      border: 1px solid #999; }
.abm-legend .ramp { height: 12px; border: 1px solid #999; }
.abm-legend .ends { display: flex; justify-content: space-between; }
.abm-log { font-size: 13px; margin: 0; padding-left: 0; list-style: none; }
.abm-log-row { margin: 1px 0; }
.abm-log-candidate, .abm-log-not_reached { color: #666; font-style: italic; }
.abm-mark { display: inline-block; min-width: 20px; padding: 0 2px; margin-right: 4px; text-align: center;
            font-weight: bold; font-style: normal; font-size: 11px; color: #fff; border-radius: 3px; }
.abm-log-side { font-weight: bold; font-size: 13px; margin-top: 4px; }
.abm-log-legend { font-size: 12px; color: #333; margin-top: 6px; }
.abm-tick { font-size: 18px; font-weight: bold; }
.abm-summary, .abm-conditions, .abm-seeds-status { font-size: 12px; color: #333; }
.abm-error-text { color: #b00020; font-size: 12px; }
.abm-refused { background: #fff4e5; border: 1px solid #f0a040; border-radius: 4px; padding: 6px 10px;
               font-size: 13px; }
.abm-refused ul { margin: 2px 0 0 0; padding-left: 18px; }
.abm-table { border-collapse: collapse; font-size: 12px; margin: 2px 0 6px 0; }
.abm-table th, .abm-table td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; }
.abm-table th { background: #f3f3f3; }
.abm-note { font-size: 11px; color: #555; }
.abm-credit { font-size: 12px; font-weight: bold; margin-bottom: 6px; }
.abm-group { font-weight: bold; margin-top: 6px; font-size: 13px; color: #444; }
.abm-layers { flex-wrap: wrap; height: auto !important; max-width: 100%; }
"""


# --------------------------------------------------------------------------------------------------
# Pieces
# --------------------------------------------------------------------------------------------------
def legend_html(legend: Legend) -> str:
    """The legend beside a map: colour swatches, or a colour ramp with its two ends and unit."""
    esc = html.escape
    parts = [f'<div class="abm-legend"><b>{esc(legend.title)}</b>'
             + (f" ({esc(legend.unit)})" if legend.unit else "")]
    if legend.kind == "continuous":
        fmt = legend.label
        stops = ", ".join(legend.ramp)
        parts.append(f'<div class="ramp" style="background: linear-gradient(to right, {stops})"></div>'
                     f'<div class="ends"><span>{esc(fmt(legend.vmin))}</span>'
                     f'<span>{esc(fmt((legend.vmin + legend.vmax) / 2))}</span>'
                     f'<span>{esc(fmt(legend.vmax))}</span></div>')
    if legend.items:
        parts.append("<div>" + "".join(f'<span class="swatch" style="background:{c}"></span>{esc(label)}'
                                       for label, c in legend.items) + "</div>")
    if legend.note:
        parts.append(f"<div><i>{esc(legend.note)}</i></div>")
    parts.append("</div>")
    return "".join(parts)


def mark_style(mark: str) -> str:
    """The colours of a point's marker on the charts, so the log's numbers match them."""
    if mark == "NZ":
        return "background:#fff;color:#000;border:1px solid #000"
    return f"background:{TAB.get(POINT_STYLE[int(mark)][1], '#555')}"


def log_html(frame: Frame) -> str:
    """The event log (one list per run, points 1-5 then NZ), the one-line legend of each point, and why
    confirmation comes years after the point."""
    esc = html.escape
    sides = list(dict.fromkeys(row.side for row in frame.log))
    parts = []
    for side in sides:
        if len(sides) > 1:
            name = frame.names[sides.index(side)] if len(frame.names) > sides.index(side) else ""
            parts.append(f'<div class="abm-log-side">{esc(side)}: {esc(name)}</div>')
        items = "".join(f'<li class="abm-log-row abm-log-{esc(row.state)}"><span class="abm-mark" '
                        f'style="{mark_style(row.mark)}">{esc(row.mark)}</span> {esc(row.text)}</li>'
                        for row in frame.log if row.side == side)
        parts.append(f'<ul class="abm-log abm-log-{esc(side)}">{items}</ul>')
    lines = "".join(f'<div><span class="abm-mark" style="{mark_style(m)}">{esc(m)}</span> {esc(text)}</div>'
                    for m, text in legend_lines(frame.lang))
    parts.append(f'<div class="abm-log-legend">{lines}<div class="abm-note">{esc(frame.log_note)}</div></div>')
    return "".join(parts)


@solara.component_vue("map_view.vue")
def MapCanvas(src: str, width: int, height: int, px_cells: int, scale_km: float, scale_share: float, readout: str,
              labels: dict, view: dict, on_view: Callable[[dict], None], event_hover: Callable[[dict], None],
              event_draw: Callable[[dict], None]):
    """The map image with zoom (wheel, buttons), pan (drag), the cell under the pointer and a growth boundary
    drawn by clicking its corners (viz/map_view.vue)."""


@solara.component_vue("toml_load.vue")
def TomlLoad(label: str, event_load: Callable[[dict], None]):
    """A file chooser that hands a scenario file's text to the server (viz/toml_load.vue)."""


class UploadInput(FileInput):
    """A file chooser whose files the server reads in chunks (viz/upload.vue; ipyvuetify's FileInput protocol)."""

    template = traitlets.Instance(Template).tag(sync=True, **widget_serialization)  # type: ignore[assignment]
    template_file = (__file__, "upload.vue")
    label = traitlets.Unicode().tag(sync=True)


@solara.component
def UploadField(label: str, accept: str, on_files: Callable[[list[dict]], None]):
    """Choose file(s); `on_files` gets them (name, size, file_obj read in chunks) in a thread of its own."""
    file_info, set_file_info = solara.use_state(None)
    wired, set_wired = solara.use_state(None)
    chooser = UploadInput.element(label=label, accept=accept, multiple=True,  # type: ignore[attr-defined]
                                  on_file_info=set_file_info)

    def wire() -> None:
        if not file_info:
            return
        real = solara.get_widget(chooser)
        real.version += 1  # as solara.FileDrop: a fresh read of the files just chosen
        real.reset_stats()
        set_wired(real.get_files())

    solara.use_effect(wire, [file_info])

    def take(cancel: threading.Event) -> None:
        if wired:
            on_files(wired)

    solara.use_thread(take, [wired], intrusive_cancel=False)
    return chooser


@solara.component
def MapPanel(view: MapView, readout: str, shown: dict, set_shown, on_hover, on_draw, lang: str):
    with solara.Column(classes=["abm-map"], gap="2px", style={"min-width": "0"}):
        solara.Text(view.label, style={"font-weight": "bold"})
        src = "data:image/png;base64," + base64.b64encode(view.image.png).decode("ascii")
        labels = {"zoom_in": tr("zoom in (or the mouse wheel)", lang), "zoom_out": tr("zoom out", lang),
                  "reset": tr("whole map (or double-click)", lang),
                  "hint": tr("hover a cell to read it; wheel to zoom, drag to pan", lang),
                  "draw": tr("draw the growth boundary", lang), "draw_done": tr("use the boundary drawn", lang),
                  "draw_cancel": tr("cancel drawing", lang),
                  "draw_hint": tr("click the boundary's corners on the map, then double-click or press the tick; "
                                  "corners so far", lang)}
        MapCanvas(src=src, width=view.image.size[0], height=view.image.size[1], px_cells=view.px_cells,
                  scale_km=view.scale_km, scale_share=view.scale_share, readout=readout, labels=labels, view=shown,
                  on_view=set_shown, event_hover=on_hover, event_draw=on_draw)
        solara.HTML(tag="div", unsafe_innerHTML=legend_html(view.image.legend))


@solara.component
def Maps(session: AppSession, frame: Frame, on_draw: Callable[[dict], None]):
    """The map(s): one zoom and pan shared by A and B, the cell under the pointer read out on each, and a
    growth boundary drawn on either (`on_draw`: its corners in grid cells)."""
    cell, set_cell = solara.use_state(None)
    shown, set_shown = solara.use_state({"z": 1, "x": 0, "y": 0})

    def on_hover(event: dict) -> None:
        row, col = int(event.get("row", -1)), int(event.get("col", -1))
        set_cell(None if row < 0 or col < 0 else (row, col))

    with solara.Columns([1] * len(frame.maps), gutters_dense=True):
        for view in frame.maps:
            readout = session.cell_readout(view.side, *cell) if cell else ""
            MapPanel(view, readout, shown, set_shown, on_hover, on_draw, frame.lang).key(f"map-{view.side}")


def refused_html(refused: list[Refusal], compare: bool, lang: str = "en") -> str:
    """The banner over the page whenever a typed setting is not applied: how many, which, and why."""
    esc = html.escape
    n = len(refused)
    items = "".join(f'<li><b>{esc((r.side + ": ") if compare else "")}{esc(r.label)}</b>'
                    + (f" = {esc(r.text)}" if r.text else "") + f"{esc(tr(': ', lang))}{esc(r.message)}</li>"
                    for r in refused)
    head = tr("{n} settings not applied" if n != 1 else "{n} setting not applied", lang, n=n)
    why = tr("(the run uses every other setting; fix or reset them to apply):" if n != 1 else
             "(the run uses every other setting; fix or reset it to apply):", lang)
    return f'<b>{esc(head)}</b> {esc(why)}<ul>{items}</ul>'



@solara.component
def LeverField(side: str, lever: levers.Lever, text: str, error: str, hint: str, lang: str, on_text):
    """One lever's field. What it shows is passed in, so a field renders again only when its own text, message,
    hint or language changed (and a value being typed elsewhere is left alone)."""
    css = f"abm-field-{lever.name}"
    label = lever.label_in(lang)
    if lever.kind == "choice":
        shown = {tr(choice, lang): choice for choice in lever.choices}  # what the list shows -> the value
        with solara.Column(gap="0px", classes=[css]):
            solara.Select(label=label, values=list(shown), value=tr(text, lang), dense=True,
                          on_value=lambda v: on_text(side, lever.key, shown.get(v, v)))
            if error:
                solara.Text(error, classes=["abm-error-text", "abm-field-error"])
        return
    solara.InputText(label=label, value=text, on_value=lambda v: on_text(side, lever.key, v),
                     error=error or False, message=hint or None, dense=True, classes=[css])


# --------------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Handlers:
    """What the page's controls call: each change stops play first (but Step and layers), and none
    ever shows a traceback (see `guarded`)."""

    step: Callable[[], None]
    reset: Callable[[], None]
    text: Callable[[str, str, str], None]         # (side, lever key, typed text)
    scenario: Callable[[str, str], None]          # (side, scenario file)
    compare: Callable[[bool], None]
    layer: Callable[[str], None]                  # the layer's label in the picker
    lang: Callable[[str], None]                   # the language's name on the switch
    seeds: Callable[[str], None]                  # how many seeds ("1", "5", "10")
    load: Callable[[str, str, str], None]         # (side, file name, its text): a scenario file loaded
    upload: Callable[[str, list], None]           # (slot, the files chosen): the planner's own maps or lines
    clear_upload: Callable[[str], None]           # (slot): back to the scenario's own region or line
    draw: Callable[[list], None]                  # the corners of a growth boundary drawn on the map (row, col)


def guarded(session: AppSession, refresh: Callable[[], None], fn: Callable) -> Callable:
    """`fn` as an event handler: an error becomes one line on the page, then the page refreshes."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            fn(*args, **kwargs)
        except Exception as err:
            log.exception("handler %s failed", fn.__name__)
            session.error = tr("Something went wrong: {error}", session.lang, error=f"{type(err).__name__}: {err}")
        refresh()
    return wrapper


def page_handlers(session: AppSession, refresh: Callable[[], None], set_playing, set_editing) -> Handlers:
    def stopped(change: Callable) -> Callable:
        def handler(*args):
            set_playing(False)
            change(*args)
        handler.__name__ = change.__name__
        return guarded(session, refresh, handler)

    def set_compare(on: bool) -> None:
        session.set_compare(on)
        if not on:
            set_editing("A")

    def upload(slot: str, files: list) -> None:
        if session.check_upload(slot, [(str(f.get("name", "")), int(f.get("size", 0))) for f in files]):
            session.upload(slot, [(str(f.get("name", "")), f["file_obj"]) for f in files])

    return Handlers(step=guarded(session, refresh, session.step), reset=stopped(session.reset),
                    upload=stopped(upload), clear_upload=stopped(session.clear_upload),
                    draw=stopped(session.draw_boundary),
                    text=stopped(session.set_field), scenario=stopped(session.set_scenario),
                    compare=stopped(set_compare),
                    layer=guarded(session, refresh,
                                  lambda label: session.set_layer(layer_by_label(session.lang)[label])),
                    lang=guarded(session, refresh, lambda name: session.set_lang(LANG_BY_NAME[name])),
                    seeds=guarded(session, refresh, lambda n: session.set_seeds(int(n))),
                    load=stopped(session.load_toml))


def use_play_loop(session: AppSession, playing: bool, set_playing, speed: str, refresh: Callable[[], None]) -> None:
    """While `playing`, step the session in a thread at `speed`, leaving the page time to take a Pause."""
    def play_loop(cancel: threading.Event) -> None:
        if not playing:
            return
        generation = session.generation
        try:
            while not cancel.is_set():
                started = time.perf_counter()
                more = session.step(generation)
                refresh()
                if not more:
                    if generation == session.generation:  # the end of the run (not a reset meanwhile)
                        set_playing(False)
                    return
                gap = max(SPEEDS.get(speed, 0.0) - (time.perf_counter() - started), MIN_GAP_S)
                if cancel.wait(gap):
                    return
        except Exception as err:  # never a traceback on the page
            log.exception("play loop failed")
            session.error = tr("Playing stopped: {error}", session.lang, error=f"{type(err).__name__}: {err}")
            set_playing(False)
            refresh()

    solara.use_thread(play_loop, dependencies=[playing, speed], intrusive_cancel=False)


def use_seed_poll(session: AppSession, generation: int, refresh: Callable[[], None]) -> None:
    """While background seeds run, take in each one as it finishes and redraw; the page's own controls
    never wait for them (the runs are in another process, this thread only looks twice a second)."""
    def poll(cancel: threading.Event) -> None:
        try:
            while not cancel.is_set():
                busy = session.seeds_busy  # read first: a seed finishing now is still taken in below
                if session.poll_seeds():
                    refresh()
                if not busy or cancel.wait(0.5):
                    return
        except Exception:  # never a traceback on the page; the server log keeps it
            log.exception("taking in background seeds failed")

    solara.use_thread(poll, dependencies=[generation], intrusive_cancel=False)


@solara.component
def Toolbar(tick_label: str, at_end: bool, lang: str, playing: bool, set_playing, speed: str, set_speed,
            handlers: Handlers):
    """Play, Pause, Step, Reset, the speed, the year and the language switch. The buttons and the switch are
    components of their own: a new year renders the label again, not them."""
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}, gap="8px"):
        solara.Text(tr("abm: urban form and carbon", lang), style={"font-size": "20px", "margin-right": "16px"})
        RunButtons(at_end, lang, playing, set_playing, speed, set_speed, handlers)
        solara.Text(tick_label, classes=["abm-tick"])
        if playing:
            solara.Text(tr("playing", lang), classes=["abm-playing"], style={"color": "#1976d2"})
        LanguageSwitch(lang, handlers.lang)


@solara.component
def RunButtons(at_end: bool, lang: str, playing: bool, set_playing, speed: str, set_speed, handlers: Handlers):
    """Play, Pause, Step, Reset and the speed."""
    speeds = {tr(label, lang): label for label in SPEEDS}  # what the list shows -> the speed
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}, gap="8px"):
        solara.Button(tr("Play", lang), icon_name="mdi-play", color="primary", disabled=playing or at_end,
                      on_click=lambda: set_playing(True), classes=["abm-play"])
        solara.Button(tr("Pause", lang), icon_name="mdi-pause", color="primary", disabled=not playing,
                      on_click=lambda: set_playing(False), classes=["abm-pause"])
        solara.Button(tr("Step", lang), icon_name="mdi-skip-next", color="primary", disabled=playing or at_end,
                      on_click=handlers.step, classes=["abm-step"])
        solara.Button(tr("Reset", lang), icon_name="mdi-restart", outlined=True, on_click=handlers.reset,
                      classes=["abm-reset"])
        with solara.Div(style={"width": "130px"}):
            solara.Select(label=tr("speed", lang), values=list(speeds), value=tr(speed, lang),
                          on_value=lambda v: set_speed(speeds.get(v, v)), dense=True, classes=["abm-speed"])


@solara.component
def LanguageSwitch(lang: str, on_lang: Callable[[str], None]):
    solara.ToggleButtonsSingle(value=LANGS[lang], values=list(LANG_BY_NAME), on_value=on_lang, dense=True,
                               classes=["abm-lang"], style={"margin-left": "auto"})


@solara.component
def LayerPicker(layer: str, lang: str, on_layer: Callable[[str], None]):
    """The map's layer buttons (labels in `lang`)."""
    solara.ToggleButtonsSingle(value=map_layer(layer).label(lang), values=list(layer_by_label(lang)),
                               on_value=on_layer, dense=True, classes=["abm-layers"])


@solara.component
def Page():
    # One session per browser session: use_memo keeps it for this page's lifetime only.
    session: AppSession = solara.use_memo(AppSession, [])
    _, set_version = solara.use_state(0)
    playing, set_playing = solara.use_state(False)
    speed, set_speed = solara.use_state(DEFAULT_SPEED)
    editing, set_editing = solara.use_state("A")

    def wiring() -> tuple[Callable[[], None], Handlers]:
        # built once per page: the same handlers at every render, so the pieces that take them (the controls)
        # are not rendered again on a Step only because their callbacks are new objects
        def refresh() -> None:
            set_version(lambda version: session.frame.version if session.frame else version + 1)

        return refresh, page_handlers(session, refresh, set_playing, set_editing)

    refresh, handlers = solara.use_memo(wiring, [])
    use_play_loop(session, playing, set_playing, speed, refresh)
    use_seed_poll(session, session.seed_generation, refresh)
    solara.Title(tr("abm: urban form and carbon", session.lang))
    solara.Style(CSS)
    with solara.Column(style={"padding": "8px 16px"}, gap="8px"):
        Toolbar(session.frame.tick_label if session.frame else "", session.at_end, session.lang, playing, set_playing,
                speed, set_speed, handlers)
        if session.error:
            solara.Error(session.error, classes=["abm-error"])
        refused = session.refused()
        if refused:
            solara.HTML(tag="div", unsafe_innerHTML=refused_html(refused, session.compare, session.lang),
                        classes=["abm-refused"])
        with solara.Columns([1, 3], gutters_dense=True):
            with solara.Column(gap="4px", classes=["abm-controls"]):
                Controls(session, editing, set_editing, handlers, session.controls_state())
                Exports(session, tuple(r.side for r in session.runs), session.lang)
            with solara.Column(gap="8px"):
                LayerPicker(session.layer, session.lang, handlers.layer)
                if session.frame:
                    Results(session, session.frame,
                            lambda event: handlers.draw([tuple(p) for p in event.get("points", [])]))


def _charts(frame: Frame, ids: list[str]) -> None:
    for chart_id, svg in frame.charts:
        if chart_id in ids:
            solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["abm-chart-box"]).key(chart_id)


@solara.component
def Results(session: AppSession, frame: Frame, on_draw: Callable[[dict], None]):
    """Map(s), charts and the event log. One policy: map beside its charts; two: maps side by side."""
    ids = [chart_id for chart_id, _ in frame.charts]
    if len(frame.maps) == 1:
        with solara.Columns([1, 1], gutters_dense=True):
            Maps(session, frame, on_draw).key("maps")
            with solara.Column(gap="4px"):
                _charts(frame, ids)
    else:
        Maps(session, frame, on_draw).key("maps")
        for pair in (("emissions-A", "emissions-B"), ("difference", "cumulative")):
            with solara.Columns([1, 1], gutters_dense=True):
                for chart_id in pair:
                    with solara.Column(gap="4px"):
                        _charts(frame, [chart_id])
        with solara.Columns([1, 1], gutters_dense=True):
            with solara.Column(gap="4px"):
                _charts(frame, ["intensity"])
            with solara.Column(gap="4px"):
                Verdict(frame)
        Differences(frame)
    for summary in frame.summaries:
        solara.Text(summary, classes=["abm-summary"])
    for line in frame.conditions:
        solara.Text(line, classes=["abm-conditions"])
    for line in frame.seeds:
        solara.Text(line, classes=["abm-seeds-status"])
    solara.Text(tr("Carbon inflection points (numbered as on the charts)", frame.lang), style={"font-weight": "bold"})
    solara.HTML(tag="div", unsafe_innerHTML=log_html(frame), classes=["abm-log-box"])


@solara.component
def Verdict(frame: Frame):
    """The verdict: each point's year, cumulative emissions and urban land of A and B, and the gaps."""
    solara.Text(tr("Verdict: B against A", frame.lang), style={"font-weight": "bold"})
    solara.HTML(tag="div", unsafe_innerHTML=compare.verdict_html(frame.verdict, (frame.names[0], frame.names[1]),
                                                                 frame.lang), classes=["abm-verdict-box"])


@solara.component
def Differences(frame: Frame):
    """Every setting that differs between A and B, and what the gaps can therefore be credited to."""
    names = (frame.names[0], frame.names[1])
    if frame.differs is not None:
        solara.Text(tr("What differs between A and B (every setting, shown in the controls or not)", frame.lang),
                    style={"font-weight": "bold"})
        solara.HTML(tag="div", unsafe_innerHTML=compare.settings_html(frame.differs, names, frame.lang),
                    classes=["abm-differs-box"])


@solara.component
def Controls(session: AppSession, editing: str, set_editing, handlers: Handlers, shown: tuple):
    """The scenario picker(s), the run's seed and years and every lever of the policy being edited.

    `shown` is `AppSession.controls_state()`: everything read here from `session`, so that the controls render
    again only when one of these changed, never on a Step or a tick of Play."""
    lang = session.lang
    files = session.scenario_files()
    on_text, on_scenario, on_compare = handlers.text, handlers.scenario, handlers.compare
    a = session.policies["A"]
    solara.Select(label=tr("scenario A" if session.compare else "scenario", lang), values=files, value=a.file or None,
                  on_value=lambda f: on_scenario("A", f), classes=["abm-scenario-A"])
    if a.base is not None and a.base.description:
        solara.Text(a.base.description, style={"font-size": "12px", "color": "#555"})
    solara.Checkbox(label=tr("compare with a second policy (B)", lang), value=session.compare, on_value=on_compare)
    if session.compare:
        b = session.policies["B"]
        solara.Select(label=tr("scenario B", lang), values=files, value=b.file or None,
                      on_value=lambda f: on_scenario("B", f), classes=["abm-scenario-B"])
        if b.base is not None and b.base.description:
            solara.Text(b.base.description, style={"font-size": "12px", "color": "#555"})
    for side in ("A", "B") if session.compare else ("A",):
        if session.policies[side].errors.get(""):
            solara.Text(session.policies[side].errors[""], classes=["abm-error-text"])
    with solara.Row(gap="8px"):
        for lever in (levers.SEED, levers.TICKS):
            with solara.Div(style={"flex": "1"}):
                lever_field(session, "A", lever, on_text).key(f"run-{lever.key}")
    with solara.Row(gap="8px", style={"align-items": "center"}):
        solara.Text(tr("seeds (uncertainty)", lang), style={"font-size": "13px"})
        solara.ToggleButtonsSingle(value=str(session.seeds), values=[str(n) for n in SEED_CHOICES],
                                   on_value=handlers.seeds, dense=True, classes=["abm-seeds"])
    if session.compare:
        solara.ToggleButtonsSingle(value=editing, values=["A", "B"], on_value=set_editing, dense=True,
                                   classes=["abm-editing"])
        solara.Text(tr("levers of policy {side} (B runs on A's region, seed and years)", lang, side=editing),
                    style={"font-size": "12px"})
    side = editing if session.compare else "A"
    TomlLoad(label=tr("load a scenario TOML into {side}", lang, side=side),
             event_load=lambda f: handlers.load(side, f.get("name", ""), f.get("text")))
    if session.load_error:
        solara.Text(session.load_error, classes=["abm-error-text", "abm-load-error"])
    OwnCity(session.upload_states(), handlers, lang)
    for group in levers.GROUPS:
        solara.Text(tr(group, lang), classes=["abm-group"])
        for lever in levers.LEVERS:
            if lever.group == group:
                lever_field(session, side, lever, on_text).key(f"{side}-{lever.key}")


def lever_field(session: AppSession, side: str, lever: levers.Lever, on_text):
    """A lever's field with what it shows now: the text (typed or the scenario's), its message and its hint."""
    base = session.policies["A" if lever.key in RUN_KEYS else side].base
    hint = levers.lever_hint(base, lever, session.lang) if base and lever.kind != "choice" else ""
    return LeverField(side, lever, session.field_text(side, lever.key), session.field_error(side, lever.key), hint,
                      session.lang, on_text)


#: What each upload chooser asks for (its label is SLOTS' label).
UPLOAD_HINTS = {
    "region": "GeoTIFF maps (urban_<year>.tif, slope.tif, ...) or a SLEUTH set (GIFs, or a .zip of the folder)",
    "growth_boundary": "GeoPackage, GeoJSON or a zipped Shapefile (replaces the growth boundary lever)",
    "red_line": "GeoPackage, GeoJSON or a zipped Shapefile (added to the red line lever)",
    "farmland": "GeoPackage, GeoJSON or a zipped Shapefile (added to the farmland lever)",
}


@solara.component
def OwnCity(uploads: tuple[tuple[str, str, str], ...], handlers: Handlers, lang: str):
    """Upload the planner's own maps and lines: each chooser says what it takes, what is in use, or why the last
    upload was refused; a button goes back to the scenario's own region or line. `uploads`: (slot, what is in
    use, why refused) of each slot, passed in so that the choosers render again when one of these changed."""
    solara.Text(tr("Your own city (upload)", lang), classes=["abm-group"])
    for slot, summary, error in uploads:
        label = SLOTS[slot][1]
        with solara.Column(gap="0px", classes=[f"abm-upload-{slot}"]):
            UploadField(label=tr("{what}: {hint}", lang, what=tr(label, lang), hint=tr(UPLOAD_HINTS[slot], lang)),
                        accept=RASTER_ACCEPT if slot == "region" else VECTOR_ACCEPT,
                        on_files=functools.partial(handlers.upload, slot)).key(f"upload-{slot}")
            if summary:
                with solara.Row(gap="4px", style={"align-items": "center"}):
                    solara.Text(summary, classes=["abm-upload-summary"], style={"font-size": "12px"})
                    solara.Button(tr("remove", lang), text=True, small=True, classes=["abm-upload-clear"],
                                  on_click=functools.partial(handlers.clear_upload, slot))
            if error:
                solara.Text(error, classes=["abm-error-text", "abm-upload-error"])


@solara.component
def Download(label: str, make: Callable[[], tuple[str, bytes]], mime_type: str = "application/octet-stream"):
    """A download button whose file, its name and its bytes, is made when it is clicked (solara's FileDownload
    takes the name at every render: a name that carries the year shown was sent to the page at every tick)."""
    requested, set_requested = solara.use_state(False)

    def fetch() -> tuple[str, bytes] | None:
        return make() if requested else None

    result = solara.use_thread(fetch, dependencies=[requested])
    ready = result.state == solara.ResultState.FINISHED and result.value is not None
    FileDownloadWidget.element(filename=result.value[0] if ready else "", bytes=result.value[1] if ready else None,
                               request_download=requested, on_request_download=set_requested, mime_type=mime_type,
                               children=[solara.Button(label, icon_name="mdi-cloud-download-outline",
                                                       loading=result.state == solara.ResultState.RUNNING)])
    if result.state == solara.ResultState.ERROR and result.error:
        raise result.error


@solara.component
def Exports(session: AppSession, sides: tuple[str, ...], lang: str):
    """The download buttons. Each file is named after the run as it is when clicked (`AppSession.export_name`:
    the scenario(s), edits, the year shown and the seed), so the buttons render again only with the sides or
    the language, not at every tick."""
    def named(suffix: str, export: Callable[[], bytes]) -> Callable[[], tuple[str, bytes]]:
        def make() -> tuple[str, bytes]:
            with session.lock:  # the name and the file of the same tick
                return session.export_name() + suffix, export()
        return make

    solara.Text(tr("Export the current run", lang), classes=["abm-group"])
    with solara.Row(gap="4px", style={"flex-wrap": "wrap"}):
        Download("CSV", named("-timeseries.csv", session.export_csv), mime_type="text/csv")
        Download("Parquet", named("-timeseries.parquet", session.export_parquet))
        Download(tr("events JSON", lang), named("-events.json", session.export_events), mime_type="application/json")
        Download(tr("PNG map + charts", lang), named(".png", session.export_png), mime_type="image/png")
        for side in sides:
            suffix = f"-{side}" if len(sides) > 1 else ""
            label = tr("scenario TOML ({side})", lang, side=side) if len(sides) > 1 else tr("scenario TOML", lang)
            Download(label, named(f"{suffix}-scenario.toml", functools.partial(session.export_toml, side)),
                     mime_type="application/toml").key(f"toml-{side}")
