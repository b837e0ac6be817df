"""Benchmark readers and the BKS table against the shared Solomon and Li & Lim files."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch.bench.bks import load_bks
from dispatch.bench.readers import find_instances, read_instance

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks"
SOLOMON = SHARED / "solomon"
LILIM = SHARED / "lilim100"

skip_without_data = pytest.mark.skipif(
    not (SOLOMON.is_dir() and LILIM.is_dir()),
    reason=f"shared benchmark data not found at {SHARED} (../shared/benchmarks)",
)


def shared(test):
    """Mark a test as reading the shared benchmark folders, skipped when they are absent."""
    return pytest.mark.needs_shared(skip_without_data(test))


SOLOMON_TEXT = """C999

VEHICLE
NUMBER     CAPACITY
  2         50

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0         0          0          0        100          0
    1      3         4         10          0         50          5
"""

LILIM_TEXT = "2\t50\t1\n0\t0\t0\t0\t0\t100\t0\t0\t0\n1\t3\t4\t5\t0\t50\t1\t0\t2\n2\t6\t8\t-5\t0\t60\t1\t1\t0\n"


@shared
def test_find_instances_lists_56_files_per_folder():
    """Directories expand to 56 sorted instance files each, without README or bks.csv."""
    for folder in (SOLOMON, LILIM):
        files = find_instances([folder])
        assert len(files) == 56
        assert files == sorted(files)
        assert all(f.suffix == ".txt" and f.name.lower() != "readme.txt" for f in files)


@shared
def test_all_solomon_files_parse():
    """Every Solomon file reads as a VRPTW with 101 nodes, depot 0 first and 25 vehicles."""
    files = find_instances(SOLOMON)
    assert len(files) == 56
    for path in files:
        inst = read_instance(path)
        assert inst.kind == "vrptw", path
        assert inst.name == path.stem
        assert len(inst.nodes) == 101, path
        assert [n.id for n in inst.nodes] == list(range(101)), path
        assert inst.vehicles == 25 and inst.capacity in (200, 700, 1000), path
        assert all(n.pickup == 0 and n.delivery == 0 for n in inst.nodes)


@shared
def test_all_lilim_files_parse_with_consistent_pairs():
    """Every Li & Lim file reads as a PDPTW whose pickups and deliveries name each other."""
    files = find_instances(LILIM)
    assert len(files) == 56
    for path in files:
        inst = read_instance(path)
        assert inst.kind == "pdptw", path
        assert inst.name == path.stem
        assert len(inst.nodes) > 100, path
        by_id = {n.id: n for n in inst.nodes}
        pickups = [n for n in inst.customers if n.delivery]
        deliveries = [n for n in inst.customers if n.pickup]
        assert len(pickups) == len(deliveries) == len(inst.customers) // 2, path
        for p in pickups:
            d = by_id[p.delivery]
            assert p.pickup == 0 and d.pickup == p.id and d.delivery == 0, (path, p.id)
            assert p.demand > 0 and d.demand == -p.demand, (path, p.id)


@shared
def test_c101_header_values():
    """C101 has 25 vehicles of capacity 200 and the depot's horizon 0..1236."""
    inst = read_instance(SOLOMON / "C101.txt")
    assert (inst.name, inst.vehicles, inst.capacity) == ("C101", 25, 200)
    assert (inst.depot.x, inst.depot.y, inst.depot.due) == (40, 50, 1236)
    first = inst.nodes[1]
    row = (first.x, first.y, first.demand, first.ready, first.due, first.service)
    assert row == (45, 68, 10, 912, 967, 90)


@shared
def test_lc101_header_and_pair_values():
    """lc101's first line gives 25 vehicles of 200; node 3 is a pickup delivered at node 75."""
    inst = read_instance(LILIM / "lc101.txt")
    assert (inst.name, inst.kind, inst.vehicles, inst.capacity) == ("lc101", "pdptw", 25, 200)
    node = {n.id: n for n in inst.nodes}
    assert (node[3].pickup, node[3].delivery, node[3].demand) == (0, 75, 10)
    assert node[75].pickup == 3


@shared
def test_bks_c101():
    """C101's best-known solution is 10 vehicles and 828.937 (upper-case name, .txt file)."""
    assert load_bks(SOLOMON / "C101.txt") == (10, pytest.approx(828.937))


@shared
def test_bks_every_instance_listed():
    """Every shared instance has a BKS entry, and an unlisted name gives None."""
    for folder in (SOLOMON, LILIM):
        for path in find_instances(folder):
            vehicles, distance = load_bks(path)
            assert vehicles > 0 and distance > 0, path
    assert load_bks(SOLOMON / "X999.txt") is None


def test_detection_uses_content_not_extension(tmp_path):
    """A Solomon text saved as .dat and a Li & Lim text saved as .txt are both recognised."""
    solomon = tmp_path / "tiny.dat"
    solomon.write_text(SOLOMON_TEXT)
    lilim = tmp_path / "tiny2.txt"
    lilim.write_text(LILIM_TEXT)
    a, b = read_instance(solomon), read_instance(lilim)
    assert (a.kind, a.name, a.vehicles, a.capacity, len(a.nodes)) == ("vrptw", "tiny", 2, 50, 2)
    assert (b.kind, b.name, len(b.nodes), b.nodes[1].delivery) == ("pdptw", "tiny2", 3, 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hello world\n", "line 1: unrecognised format"),
        ("", "empty file"),
        (SOLOMON_TEXT.replace("    1      3         4  ", "    1      3  "), "line 11: expected 7"),
        (SOLOMON_TEXT.replace("    1      3", "    1      x"), "line 11: not a customer row"),
        (SOLOMON_TEXT.replace("    1 ", "    0 "), "line 11: duplicate node id 0"),
        (LILIM_TEXT.replace("\t1\t0\t2\n", "\t1\t0\t\n"), "line 3: expected 9"),
        (LILIM_TEXT.replace("\t1\t0\t2\n", "\t1\t0\t7\n"), "line 3: node 1 names partner 7"),
        (LILIM_TEXT.replace("\t-5\t", "\t-4\t"), "line 3: node 1: pickup demand"),
        (LILIM_TEXT.replace("0\t0\t0\t0\t0\t100", "0\t0\t0\t0\t0\t-1"), "line 2: node 0 due"),
    ],
)
def test_malformed_text_raises_value_error(tmp_path, text, message):
    """Malformed files raise ValueError naming the file and the offending line."""
    path = tmp_path / "broken.txt"
    path.write_text(text)
    with pytest.raises(ValueError, match=message) as info:
        read_instance(path)
    assert str(path) in str(info.value)


def test_find_instances_rejects_missing_path(tmp_path):
    """A path that does not exist is an error rather than silently skipped."""
    with pytest.raises(FileNotFoundError):
        find_instances([tmp_path / "nowhere"])


def test_find_instances_skips_readme_and_bks(tmp_path):
    """Directory expansion keeps sorted *.txt instances and drops README/bks files."""
    for name in ("b.txt", "a.txt", "README.txt", "bks.txt", "bks.csv", "c.dat"):
        (tmp_path / name).write_text(SOLOMON_TEXT)
    extra = tmp_path / "c.dat"
    assert find_instances([tmp_path, extra, tmp_path / "a.txt"]) == [
        tmp_path / "a.txt",
        tmp_path / "b.txt",
        extra,
    ]
