"""The second process of a command (clusterplan._parallel): calls, errors, shutdown, and a run that uses it giving
the same files as one that does not."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from _util import run_cli
from clusterplan import ParameterError, UnknownCodeError
from clusterplan._exceptions import ClusterplanError
from clusterplan._parallel import PROCESSES_VARIABLE, Claims, SecondProcess, claims, second_process

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the second process is forked on Linux only")


def _pid_and_sum(values: list[int]) -> tuple[int, int]:
    return os.getpid(), sum(values)


def _unknown(code: str) -> None:
    raise UnknownCodeError("region", code, ["TLG3", "TLG1"], hint="use a GB ITL2 code")


def _unpicklable() -> object:
    return lambda: None


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _take_all(claimed: Claims, names: list[str]) -> list[str]:
    return [name for name in names if claimed.take(name)]


def _collected_of(made: int) -> tuple[int, int, int]:
    """Objects frozen in this process, and what a full collection finds of *made* new cycles and of the inherited
    ones."""
    cycles = []
    for _ in range(made):
        cycle: list[object] = []
        cycle.append(cycle)
        cycles.append(cycle)
    del cycles, cycle
    return gc.get_freeze_count(), gc.collect(), len(gc.get_objects(generation=2))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_calls_run_in_another_process_one_after_another(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROCESSES_VARIABLE, "2")
    with second_process() as second:
        assert isinstance(second, SecondProcess)
        pid, total = second.call(_pid_and_sum, [1, 2, 3])()
        assert pid == second.pid != os.getpid() and total == 6
        assert second.call(_pid_and_sum, list(range(101)))()[1] == 5050  # the same process takes the next call
    assert not _alive(second.pid)  # ended and reaped with the block


def test_the_second_process_leaves_what_it_inherits_to_the_collector_no_more() -> None:
    # In a new interpreter with one thread: forking clears the other threads' states in the child, freeing their
    # frames, so in the middle of the test suite the child froze a dozen objects fewer than the parent had counted.
    script = (
        "import gc, json, os, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
        f"os.environ[{PROCESSES_VARIABLE!r}] = '2'\n"
        "from test_parallel import _collected_of, second_process\n"
        "gc.collect()\n"
        "inherited = len(gc.get_objects())\n"
        "with second_process() as second:\n"
        "    frozen, collected, tracked = second.call(_collected_of, 500)()\n"
        "print(json.dumps([inherited, frozen, collected, tracked, gc.get_freeze_count()]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    inherited, frozen, collected, tracked, left = json.loads(done.stdout)
    # Everything it had at the fork is frozen (not looked at by its collections); its own cycles are still freed.
    assert frozen >= inherited > 10_000 and collected >= 500 and tracked < inherited // 10
    assert left == 0  # the first process is left as it was


def test_an_error_comes_back_as_itself_with_its_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROCESSES_VARIABLE, "2")
    with second_process() as second:
        assert second is not None
        with pytest.raises(UnknownCodeError, match="TLX9") as caught:
            second.call(_unknown, "TLX9")()
        assert caught.value.hint == "use a GB ITL2 code"
        # A result that cannot travel back is an error that says what it was; the process goes on working.
        with pytest.raises(ClusterplanError, match=r"PicklingError|AttributeError"):
            second.call(_unpicklable)()
        assert second.call(_pid_and_sum, [4])()[1] == 4


def test_calls_queue_and_their_results_may_be_collected_in_any_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROCESSES_VARIABLE, "2")
    with second_process() as second:
        assert second is not None
        first = second.call(_pid_and_sum, [1, 2])
        failing = second.call(_unknown, "TLX8")
        last = second.call(_pid_and_sum, [10, 20])
        assert last()[1] == 30  # read past the two answers before it, which wait for their own callers
        with pytest.raises(UnknownCodeError, match="TLX8"):
            failing()
        assert first() == (second.pid, 3)
        with pytest.raises(RuntimeError, match="collected already"):
            first()
        assert second.call(_pid_and_sum, [5])()[1] == 5  # and the process goes on taking calls


def test_a_busy_process_with_calls_queued_is_stopped_at_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROCESSES_VARIABLE, "2")
    started = time.monotonic()
    with second_process() as second:
        assert second is not None
        second.call(_sleep, 60)
        second.call(_sleep, 0)
    assert not _alive(second.pid) and time.monotonic() - started < 30  # killed, not waited for


def test_each_claim_goes_to_one_process_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROCESSES_VARIABLE, "2")
    names = [f"analysis{i}" for i in range(200)]
    with second_process() as second, claims() as claimed:
        assert second is not None
        theirs = second.call(_take_all, claimed, names)  # both processes race for the same names at once
        ours = _take_all(claimed, list(reversed(names)))
        taken = theirs()
        folder = Path(claimed.folder)
        assert sorted(ours + taken) == sorted(names)  # every name taken, and by one process only
        assert not claimed.take("analysis7") and claimed.take("another")
    assert not folder.exists()  # the claims go with the block


def test_calls_queued_behind_a_process_that_died_fail_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    # Calls are written by a thread of their own; one larger than the pipe holds, queued behind a call that ends
    # the process, must neither hang that thread nor the end of the block.
    monkeypatch.setenv(PROCESSES_VARIABLE, "2")
    started = time.monotonic()
    with second_process() as second:
        assert second is not None
        dying = second.call(os._exit, 3)
        large = second.call(len, b"x" * 5_000_000)
        for waiter in (dying, large):
            with pytest.raises(ClusterplanError, match="stopped without an answer"):
                waiter()
    assert not _alive(second.pid) and time.monotonic() - started < 30


def test_one_process_when_asked_and_a_bad_setting_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PROCESSES_VARIABLE, "1")
    with second_process() as second:
        assert second is None
    monkeypatch.setenv(PROCESSES_VARIABLE, "many")
    with pytest.raises(ParameterError, match="CLUSTERPLAN_PROCESSES must be 1 or 2, not 'many'"), second_process():
        pass


@pytest.mark.parametrize(
    ("region", "analyses"),
    [("TLE4", "supply_chain,opportunities,subregions,hotspots"), ("19820", "supply_chain,opportunities,hotspots")],
)
def test_a_run_with_a_second_process_writes_the_same_files(
    tmp_path: Path, warehouse_path: Path, region: str, analyses: str
) -> None:
    """The analyses handed to the second process (GB: opportunities, ITL3 breakdown; US: opportunities) and the
    hotspots, which whichever process is free first takes, come back in the same tables, in the same order, with
    the same provenance and progress lines as when one process runs them all; the report it renders is the same
    too."""
    outputs = {}
    for processes in ("1", "2"):
        copy = tmp_path / f"w{processes}.duckdb"
        copy.write_bytes(warehouse_path.read_bytes())
        out = tmp_path / f"out{processes}"
        done = run_cli(
            "run",
            "--region",
            region,
            "--analyses",
            analyses,
            "--out",
            str(out),
            "--warehouse",
            str(copy),
            env={PROCESSES_VARIABLE: processes},
        )
        assert done.returncode == 0, done.stderr
        progress = [line.split("] ", 1)[1] for line in done.stderr.splitlines() if line.startswith("[")]
        outputs[processes] = (out, progress)
    (one, one_progress), (two, two_progress) = outputs["1"], outputs["2"]
    assert one_progress == two_progress and "computing hotspots" in two_progress
    names = sorted(p.name for p in one.iterdir())
    assert names == sorted(p.name for p in two.iterdir()) and "opportunities.csv" in names
    for name in names:
        if name.endswith(".csv"):
            assert (one / name).read_bytes() == (two / name).read_bytes(), name
    # run.json and report.html (rendered by the second process) differ only in the time they were made.
    times = {folder: json.loads((folder / "run.json").read_text())["created_at"] for folder in (one, two)}
    for name in ("run.json", "report.html"):
        texts = [(folder / name).read_text().replace(times[folder], "TIME") for folder in (one, two)]
        assert texts[0] == texts[1], name
