"""The README's commands run as written, and its tour is what the tool prints.

One scratch folder and one private warehouse serve every command, in the README's order: the tour's default run
first (the examples re-render its folder), then each line of the "Every command, as written" block, then the
Python example.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from _util import ROOT, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")

#: Commands the README documents but a test cannot run as written: a server, the user's own file, the network.
NOT_RUNNABLE = {"serve", "data import", "data fetch"}


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def _block_after(marker: str, language: str) -> str:
    start = README.index(marker)
    match = re.compile(rf"```{language}\n(.*?)```", re.S).search(README, start)
    assert match, f"no ```{language} block after {marker!r}"
    return match.group(1)


def _subcommand(words: list[str]) -> str:
    """``io linkages``, ``data show``, ``taxonomy list`` or ``run``: the command a line calls."""
    groups = {"io", "data", "taxonomy"}
    return " ".join(words[:2]) if words[0] in groups and len(words) > 1 else words[0]


def _example_lines() -> list[str]:
    block = _block_after("**Every command, as written.**", "bash")
    return [line.strip() for line in block.splitlines() if line.strip()]


def _tour() -> tuple[str, list[str]]:
    lines = _block_after("## A short tour", "text").rstrip("\n").splitlines()
    assert lines[0].startswith("$ clusterplan ")
    return lines[0].removeprefix("$ "), lines[1:]


def _run(line: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    words = shlex.split(line)
    assert words[0] == "clusterplan", line
    return run_cli(*words[1:], env=env, cwd=cwd)


def test_every_documented_command_has_a_runnable_example() -> None:
    runnable = {_subcommand(shlex.split(line)[1:]) for line in [*_example_lines(), _tour()[0]]}
    documented = set()
    for span in re.findall(r"`(clusterplan [^`]+)`", README):
        words = [w for w in span.split()[1:] if not w.startswith(("-", "["))]
        if words:
            documented.add(_subcommand(words))
    missing = documented - runnable - NOT_RUNNABLE
    assert not missing, f"README commands with no example that runs as written: {sorted(missing)}"
    assert runnable >= {"run", "io linkages", "io sensitivity", "report", "opportunities"}


def test_readme_install_and_test_command_is_what_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for block in _blocks("bash") for line in block.splitlines()]
    test_command = next(c for c in commands if "requirements-test.lock" in c)
    # .ci/run runs the same command with "$PY" for the interpreter and a quiet pip.
    assert test_command.replace("python3.11", '"$PY"') in ci.replace("pip install -q ", "pip install ")


@pytest.mark.slow
def test_readme_commands_run_as_written(tmp_path: Path, fresh_warehouse: Path) -> None:
    env = {"CLUSTERPLAN_WAREHOUSE": str(fresh_warehouse), "COLUMNS": "200"}
    scratch = tmp_path / "scratch"
    scratch.mkdir()

    # The tour: its lines are the run's output, in order; the output listing is complete and aligned.
    command, shown = _tour()
    result = _run(command, scratch, env)
    assert result.returncode == 0, result.stderr[-2000:]
    printed = result.stdout.splitlines()
    position = 0
    for line in shown:
        if line == "...":
            continue
        assert line in printed[position:], f"the tour shows a line the run does not print (in order): {line!r}"
        position = printed.index(line, position) + 1
    listing = [line for line in printed if re.match(r"^\s*\w+: clusterplan-output/", line)]
    assert listing == [line for line in shown if re.match(r"^\s*\w+: clusterplan-output/", line)]
    assert len({line.index(":") for line in listing}) == 1

    # Every example, in order, from the same folder.
    failures = []
    for line in _example_lines():
        done = _run(line, scratch, env)
        if done.returncode != 0:
            failures.append(f"{line}\n    -> exit {done.returncode}: {done.stderr.strip()[-300:]}")
    assert not failures, "README commands that fail as written:\n" + "\n".join(failures)
    for written in ("supply_chains.csv", "delta_sensitivity.csv", "multipliers.csv", "wm-report/report.html"):
        assert (scratch / written).exists(), written

    # The Python example.
    code = _block_after("The Python API gives the same tidy tables:", "python")
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=scratch,
        env={**os.environ, **env},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
