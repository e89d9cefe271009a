"""Console page: the dashboard, today's work at a glance and the last thirty days as a chart.

The chart is an inline SVG laid out here: the console allows no scripts from elsewhere, and a
few dozen rectangles need none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask.typing import ResponseReturnValue
from flask_babel import format_date, ngettext

from hotline.activity import DayActivity, activity
from hotline.db import utcnow
from hotline.models import StaffUser
from hotline.runtime import request_session, runtime
from hotline.web.console import blueprint, render, requires

# Labels are msgids: the page shows them translated.
SERIES = (("calls", "Calls"), ("sms_in", "SMS in"), ("checks", "Agency checks"))
# A bar's title counts its day in words ("12 calls"), in Russian with the right plural form.
BAR_TITLES = {
    "calls": ("%(num)s call", "%(num)s calls"),
    "sms_in": ("%(num)s SMS in", "%(num)s SMS in"),
    "checks": ("%(num)s agency check", "%(num)s agency checks"),
}
BAR_WIDTH, GROUP_GAP, PLOT_HEIGHT, MARGIN = 6, 4, 160, 30


@dataclass(frozen=True)
class Bar:
    x: int
    y: float
    height: float
    series: str
    title: str  # shown by the browser on hover


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: int
    peak: int
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[int, str], ...]  # x and a day label, once a week


def chart(days: Sequence[DayActivity]) -> Chart:
    """Lay the days out as groups of bars, one bar per series, scaled to the busiest day."""
    peak = max((getattr(d, key) for d in days for key, _ in SERIES), default=0)
    group = BAR_WIDTH * len(SERIES) + GROUP_GAP
    bars, ticks = [], []
    for n, day in enumerate(days):
        left = MARGIN + n * group
        for k, (key, _) in enumerate(SERIES):
            value: int = getattr(day, key)
            height = PLOT_HEIGHT * value / peak if peak else 0.0
            title = f"{day.day.isoformat()}: {ngettext(*BAR_TITLES[key], value)}"
            bars.append(
                Bar(left + k * BAR_WIDTH, MARGIN + PLOT_HEIGHT - height, height, key, title)
            )
        if (len(days) - 1 - n) % 7 == 0:  # label today and every seventh day back
            ticks.append((left, format_date(day.day, "dd MMM")))
    return Chart(
        width=2 * MARGIN + len(days) * group,
        height=PLOT_HEIGHT + 2 * MARGIN,
        baseline=MARGIN + PLOT_HEIGHT,
        peak=peak,
        bars=tuple(bars),
        ticks=tuple(ticks),
    )


@blueprint.get("/dashboard")
@requires("dashboard.view")
def dashboard(user: StaffUser) -> ResponseReturnValue:
    counts = activity(request_session(), runtime().staffed_hours.zone, utcnow())
    return render(
        "console/dashboard.html", user, counts=counts, chart=chart(counts.days), series=SERIES
    )
