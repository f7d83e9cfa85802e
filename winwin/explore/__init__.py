"""Interactive what-if: ``winwin explore`` serves a Solara page where the levers of a scenario are moved and
the campaign is watched week by week (:mod:`winwin.explore.session` the run, :mod:`winwin.explore.page` the
page, :mod:`winwin.explore.app` the server's entry). Solara is an extra: ``pip install winwin-engine[explore]``."""
