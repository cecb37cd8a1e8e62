"""Reproduce a complete run from its manifest and check that every result table is
identical, byte for byte."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import InputError, ModifiedResults
from ..executors import Executor
from ..output.checkpoint import sha256_file
from ..output.rundir import RESULT_TABLES, RunDirectory, package_versions, source_hash
from ..types import Progress
from .run import Run, recorded_settings, run_scenario, scenario_of


@dataclass(frozen=True)
class FileCheck:
    """One result table of a reproduction: its recorded and its new SHA-256."""

    name: str
    expected: str | None
    actual: str | None

    @property
    def same(self) -> bool:
        return self.expected is not None and self.expected == self.actual


@dataclass(frozen=True)
class Reproduction:
    """A run made again from another's manifest, and whether its tables are identical."""

    original: Path
    run: Run
    checks: tuple[FileCheck, ...]
    recorded: bool  # False: the original manifest had no hashes; its files were hashed
    changes: dict[str, tuple[Any, Any]]  # versions or source that differ: (then, now)

    @property
    def identical(self) -> bool:
        """Whether every result table, ranking.csv and summary.json included, matches."""
        names = {c.name for c in self.checks}
        return {"ranking.csv", "summary.json"} <= names and all(c.same for c in self.checks)

    def __repr__(self) -> str:
        same = sum(c.same for c in self.checks)
        verdict = "identical" if self.identical else "NOT identical"
        return (
            f"<Reproduction of {self.original}: {verdict} ({same} of {len(self.checks)} "
            f"tables match); new run {self.run.directory}>"
        )


def _check_original(directory: Path, expected: dict[str, Any]) -> None:
    """Refuse an original whose result tables were changed or removed since it completed,
    naming each one."""
    problems = [
        f"its manifest records no SHA-256 of {name}"
        for name in ("ranking.csv", "summary.json")
        if name not in expected
    ]
    for name in (n for n in RESULT_TABLES if n in expected):
        path = directory / name
        try:
            same = sha256_file(path) == expected[name]
        except FileNotFoundError:
            problems.append(f"{name} is missing")
        except OSError as error:
            problems.append(f"{name} cannot be read ({error.strerror or error})")
        else:
            if not same:
                problems.append(f"{name} differs from the SHA-256 its manifest records")
    if problems:
        raise ModifiedResults(
            f"{directory} was changed after the run completed ({', '.join(problems)}), "
            "so a reproduction cannot be verified against it"
        )


def reproduce_run(
    directory: Path,
    *,
    out: Path | None = None,
    executor: Executor | None = None,
    command: tuple[str, ...] = (),
    progress: Progress | None = None,
) -> Reproduction:
    """Run a complete run again from its manifest and resolved scenario, into a new run
    directory (under `out`, by default next to the original), and compare the SHA-256
    of every result table with the one the original manifest recorded. The original's
    tables are checked against those hashes first (`ModifiedResults` if one was changed
    or removed)."""
    original = RunDirectory.open(directory)
    status = original.manifest["status"]
    if status != "complete":
        raise InputError(
            f"{directory} did not complete (status {status}), so there are no results to "
            "verify; resume it first"
        )
    scenario = scenario_of(original)
    recorded_run = recorded_settings(original)
    expected = original.manifest.get("sha256")
    recorded = isinstance(expected, dict)
    if recorded:
        assert isinstance(expected, dict)
        _check_original(directory, expected)
    else:
        expected = {
            name: sha256_file(directory / name)
            for name in RESULT_TABLES
            if (directory / name).is_file()
        }
    assert isinstance(expected, dict)
    again = run_scenario(
        scenario,
        replace(
            recorded_run,
            executor=executor,
            out=out if out is not None else directory.parent.parent,
            command=command,
            progress=progress,
        ),
    )
    actual = RunDirectory.open(again.directory).manifest.get("sha256", {})
    checks = tuple(
        FileCheck(name, expected.get(name), actual.get(name))
        for name in RESULT_TABLES
        if name in expected or name in actual
    )
    then = {**original.manifest.get("versions", {}), "source": original.manifest.get("source")}
    now = {**package_versions(), "source": source_hash()}
    changes = {k: (then.get(k), now.get(k)) for k in now if then.get(k) != now.get(k)}
    reproduction = Reproduction(directory, again, checks, recorded, changes)
    new = RunDirectory.open(again.directory)
    new.manifest["reproduces"] = {
        "run": str(directory),
        "identical": reproduction.identical,
        "differing": [c.name for c in checks if not c.same],
    }
    new.save()
    return reproduction
