"""The results directory of one run (DESIGN §7) and its manifest.

The manifest is written when the run starts (status `running`) and rewritten when it
ends (`complete`, `failed` with the error, or `interrupted`), so every run leaves its
provenance, however it ended. Every file is written atomically.
"""

from __future__ import annotations

import datetime as dt
import platform
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from ..experiment import ExperimentResult
from ..scenario import scenario_hash, scenario_to_yaml
from ..schema import Scenario
from ..stats.ranking import Ranking
from . import files, tables

PACKAGES = ("visitsim", "numpy", "scipy", "simpy", "pydantic", "pyyaml", "click", "rich")


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages that shape results."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def new_run_id(root: Path, seed: int) -> str:
    """A fresh, sortable run id: UTC time and seed, suffixed if already taken."""
    base = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S") + f"-s{seed}"
    run_id, n = base, 1
    while (root / run_id).exists():
        n += 1
        run_id = f"{base}-{n}"
    return run_id


@dataclass
class RunDirectory:
    """A run's folder and its manifest, kept current as the run proceeds."""

    path: Path
    manifest: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def start(
        cls, root: Path, scenario: Scenario, settings: dict[str, Any], command: list[str]
    ) -> RunDirectory:
        """Create the folder, write the resolved scenario and a `running` manifest."""
        folder = root / scenario.name
        path = folder / new_run_id(folder, settings["seed"])
        path.mkdir(parents=True)
        run = cls(path)
        files.write_text(path / "scenario.resolved.yaml", scenario_to_yaml(scenario))
        run.manifest = {
            "status": "running",
            "scenario": {"name": scenario.name, "hash": scenario_hash(scenario)},
            **settings,
            "versions": package_versions(),
            "command": command,
            "started": _now(),
            "ended": None,
            "files": ["manifest.json", "scenario.resolved.yaml"],
            "resolved_scenario": scenario.model_dump(mode="json", by_alias=True),
        }
        run.save()
        return run

    def save(self) -> None:
        files.write_json(self.path / "manifest.json", self.manifest)

    def write_results(
        self, result: ExperimentResult, ranking: Ranking, design: dict[str, Any]
    ) -> None:
        """Write the result tables of a finished experiment."""
        written = {
            "ranking.csv": tables.ranking_csv(ranking, design.get("eliminated_at")),
            "rank_probabilities.csv": tables.rank_probabilities_csv(ranking),
        }
        for name, text in written.items():
            if text is not None:
                files.write_text(self.path / name, text)
                self.manifest["files"].append(name)
        files.write_json(
            self.path / "summary.json", tables.summary_document(result, ranking, design)
        )
        files.write_gzip(self.path / "replications.csv.gz", tables.replications_csv(result))
        self.manifest["files"] += ["summary.json", "replications.csv.gz"]

    def finish(self, status: str, error: str | None = None) -> None:
        """Record how the run ended."""
        self.manifest["status"] = status
        self.manifest["ended"] = _now()
        if error is not None:
            self.manifest["error"] = error
        self.save()


def argv() -> list[str]:
    """The command line that started this process."""
    return [Path(sys.argv[0]).name, *sys.argv[1:]]
