"""``dispatch bench``: our solver (and optionally peers) on Solomon / Li & Lim instances."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from dispatch.bench.readers import find_instances, read_instance
from dispatch.bench.runner import (
    InstanceReport,
    head_to_head,
    report,
    solve_instance,
    summarise,
)
from dispatch.cli.output import console
from dispatch.routing.solver import SolveParams


def _gap(value: float, best: float | None) -> str:
    return "" if not best else f"{100 * (value - best) / best:+.1f}%"


def _table(title: str, reports: list[InstanceReport]) -> Table:
    table = Table(title=title)
    for column in ("instance", "veh", "bks veh", "distance", "bks dist", "gap", "feasible", "s"):
        table.add_column(column, justify="left" if column == "instance" else "right")
    for r in reports:
        table.add_row(r.name, str(r.vehicles), str(r.bks_vehicles or ""), f"{r.distance:.2f}",
                      f"{r.bks_distance:.2f}" if r.bks_distance else "",
                      _gap(r.distance, r.bks_distance),
                      "yes" if r.feasible else "[red]NO[/]", f"{r.seconds:.1f}")
    return table


def _summary_line(name: str, summary: dict) -> str:
    line = (f"{name}: {summary['feasible']}/{summary['instances']} feasible, "
            f"CNV {summary['cnv']}, CTD {summary['ctd']:.1f}")
    if "bks_cnv" in summary:
        line += (f" (BKS {summary['bks_cnv']} / {summary['bks_ctd']:.1f}: "
                 f"CNV {summary['cnv_gap_pct']:+.2f}%, CTD {summary['ctd_gap_pct']:+.2f}%)")
    return line


def bench_command(
    paths: Annotated[list[Path], typer.Argument(help="Instance files or folders")],
    time_limit: Annotated[float, typer.Option(help="Seconds per instance")] = 10.0,
    workers: Annotated[int, typer.Option(help="Parallel searches per instance")] = 0,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write results")] = None,
    compare: Annotated[str, typer.Option(help="Peers to run too: vroom,pyvrp")] = "",
) -> None:
    """Solve benchmark instances (hierarchical objective) and compare with best-known."""
    files = find_instances(paths)
    if not files:
        raise ValueError("no benchmark instances found in the given paths")
    peers = [p.strip() for p in compare.split(",") if p.strip()]
    if peers:
        from dispatch.bench.peers import PEERS

        unknown = set(peers) - set(PEERS)
        if unknown:
            raise ValueError(f"--compare: unknown peer {sorted(unknown)[0]!r} "
                             f"(known: {', '.join(PEERS)})")
    params = SolveParams(time_limit=time_limit, workers=workers, objective="hierarchical")
    ours: list[InstanceReport] = []
    theirs: dict[str, list[InstanceReport]] = {p: [] for p in peers}
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("benchmark", total=len(files) * (1 + len(peers)))
        for path in files:
            instance = read_instance(path)
            progress.update(task, description=f"{instance.name} (dispatch)")
            routes, seconds = solve_instance(instance, params)
            ours.append(report(instance, path, "dispatch", routes, seconds))
            progress.advance(task)
            for peer in peers:
                from dispatch.bench.peers import run_peer

                progress.update(task, description=f"{instance.name} ({peer})")
                result = run_peer(peer, instance, time_limit, workers=params.worker_count)
                theirs[peer].append(report(instance, path, peer, result.routes,
                                           result.seconds, result.error))
                progress.advance(task)
    console.print(_table("dispatch", ours))
    summary = summarise(ours)
    console.print(_summary_line("dispatch", summary))
    peer_summaries = {p: summarise(r) | {"dispatch_vs_peer": head_to_head(ours, r)}
                      for p, r in theirs.items()}
    for peer, peer_summary in peer_summaries.items():
        console.print(_summary_line(peer, peer_summary))
        versus = peer_summary["dispatch_vs_peer"]
        console.print(f"  dispatch vs {peer}, per instance: {versus['better']} better, "
                      f"{versus['equal']} equal, {versus['worse']} worse; distance ratio where "
                      f"vehicles are equal: {versus['distance_ratio_same_vehicles']}")
    if json_path:
        document = {
            "time_limit": time_limit, "workers": params.worker_count,
            "instances": [_public(r) for r in ours], "summary": summary,
        }
        if peers:
            document["peers"] = {p: {"instances": [_public(r) for r in theirs[p]],
                                     "summary": peer_summaries[p]} for p in peers}
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(document, indent=1))
        console.print(f"results written to {json_path}")
    if summary["feasible"] < summary["instances"]:
        raise typer.Exit(1)


def _public(r: InstanceReport) -> dict:
    data = r.to_dict()
    data.pop("solver")
    return data
