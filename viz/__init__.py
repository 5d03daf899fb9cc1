"""The planners' browser app (Solara): `abm app` serves `viz.app.Page`.

The app imports abm, never the reverse: abm/ runs headless without solara installed. Only
`viz.app` imports solara; the rest is plain Python, tested without a browser (tests/viz/test_render.py):
`viz.session` (one planner's session and the frame the page shows), `viz.runs` (a run, its log and
maps), `viz.levers`, `viz.layers` (the map layers, one entry each) with `viz.ramps` (their colourings)
and `viz.render` (layer to PNG), `viz.charts` (SVG charts) with `viz.carbon_charts` (the emissions,
intensity and difference charts, one band per registered emission source) and `viz.export` (PNG export).
"""
