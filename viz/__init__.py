"""The planners' browser app (Solara): `abm app` serves `viz.app.Page`.

The app imports abm, never the reverse: abm/ runs headless without solara installed. Only
`viz.app` imports solara; `viz.session`, `viz.levers`, `viz.render`, `viz.charts` and `viz.export`
are plain Python and are tested without a browser (tests/viz/test_render.py).
"""
