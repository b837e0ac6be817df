"""Differently configured OR-Tools searches; the portfolio runs several and keeps the best."""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.duration_pb2 import Duration
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

FIRST = routing_enums_pb2.FirstSolutionStrategy.Value
META = routing_enums_pb2.LocalSearchMetaheuristic.Value


@dataclass(frozen=True)
class Strategy:
    """One search configuration: construction heuristic plus improvement method."""

    name: str
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    iterated: bool = False

    def search_parameters(self, time_limit: float, solution_limit: int | None = None,
                          log: bool = False):
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = FIRST.Value(self.first_solution)
        params.local_search_metaheuristic = META.Value(self.metaheuristic)
        params.time_limit.CopyFrom(_duration(time_limit))
        if solution_limit is not None:
            params.solution_limit = solution_limit
        params.log_search = log
        if self.iterated:
            params.use_iterated_local_search = True
            ils = params.iterated_local_search_parameters
            ruin = ils.ruin_recreate_parameters
            del ruin.ruin_strategies[:]
            sisr = ruin.ruin_strategies.add().sisr
            sisr.max_removed_sequence_size = 10
            sisr.avg_num_removed_visits = 10
            sisr.bypass_factor = 0.01
        return params


def _duration(seconds: float) -> Duration:
    duration = Duration()
    duration.FromNanoseconds(int(seconds * 1e9))
    return duration


PORTFOLIO: tuple[Strategy, ...] = (
    Strategy("pci-gls"),
    Strategy("pci-ils", metaheuristic="GREEDY_DESCENT", iterated=True),
    Strategy("savings-gls", first_solution="SAVINGS"),
    Strategy("lci-sa", first_solution="LOCAL_CHEAPEST_INSERTION",
             metaheuristic="SIMULATED_ANNEALING"),
)
