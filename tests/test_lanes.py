"""The visitors side by side: the lane chart under a replay's timeline."""

from __future__ import annotations

import datetime as dt

from simulator.model import TraceEvent
from simulator.output.lanes import lanes

START = dt.date(2023, 5, 17)


def test_each_state_fills_its_days_and_the_busiest_state_wins_a_column() -> None:
    trace = [
        TraceEvent(0.0, "request", "a", ""),
        TraceEvent(4.0, "answer", "a", ""),
        TraceEvent(4.0, "prepare", "a", ""),
        TraceEvent(20.0, "wait", "a", ""),
        TraceEvent(30.0, "visit", "a", ""),
        TraceEvent(32.0, "visit_end", "a", ""),
        TraceEvent(0.0, "wait", "b", ""),
        TraceEvent(10.0, "request", "b", ""),
        TraceEvent(15.0, "give_up", "b", ""),
    ]
    chart = lanes(trace, ["a", "b"], START, 60)
    assert chart[1] == "a  ????pppppppppppppppp··········VV"
    assert chart[2] == "b  ··········?????x"
    assert chart[0].startswith("   17 May")
    assert chart[-1].startswith("1 day a column:")


def test_a_long_horizon_fits_80_columns() -> None:
    trace = [TraceEvent(0.0, "request", "blinken", ""), TraceEvent(700.0, "visit", "blinken", "")]
    chart = lanes(trace, ["blinken", "kerry"], START, 730)
    assert all(len(line) <= 80 for line in chart)
    assert chart[-1].startswith("13 days a column:")
    assert chart[2] == "kerry"  # no events, an empty lane


def test_the_chart_narrows_to_the_width_it_is_given() -> None:
    ids = ["trade_representative", "kerry"]
    trace = [TraceEvent(0.0, "request", ids[0], ""), TraceEvent(150.0, "visit", ids[0], "")]
    chart = lanes(trace, ids, START, 200, width=50)
    assert all(len(line) <= 50 for line in chart), chart
    assert chart[1].startswith("trade_representative  ?")
    assert chart[-2].startswith("8 days a column:")
