"""Summaries and head-to-head comparison of benchmark reports."""

import pytest

from dispatch.bench.runner import InstanceReport, head_to_head, summarise


def result(name, vehicles, distance, feasible=True, bks=(10, 100.0)):
    return InstanceReport(name=name, solver="x", vehicles=vehicles, distance=distance,
                          feasible=feasible, seconds=1.0, bks_vehicles=bks[0],
                          bks_distance=bks[1])


def test_summary_totals_and_gaps():
    """CNV and CTD add up; gaps are relative to the best-known totals."""
    summary = summarise([result("a", 11, 110.0), result("b", 10, 100.0)])
    assert (summary["cnv"], summary["ctd"]) == (21, 210.0)
    assert summary["cnv_gap_pct"] == pytest.approx(5.0)
    assert summary["ctd_gap_pct"] == pytest.approx(5.0)
    assert summary["instances_at_bks_vehicles"] == 1


def test_head_to_head_ranks_vehicles_before_distance():
    """Fewer vehicles win despite more distance; an infeasible peer answer loses."""
    ours = [result("a", 9, 120.0), result("b", 10, 100.0), result("c", 10, 105.0),
            result("d", 10, 100.0)]
    theirs = [result("a", 10, 100.0), result("b", 10, 100.0), result("c", 10, 100.0),
              result("d", 8, 90.0, feasible=False)]
    versus = head_to_head(ours, theirs)
    assert (versus["better"], versus["equal"], versus["worse"]) == (2, 1, 1)
    assert versus["distance_ratio_same_vehicles"] == pytest.approx(205 / 200)
