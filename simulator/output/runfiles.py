"""Reading a finished run's results directory back, checked.

The figures, the report and `visitsim report RUN_DIR` all read a run through
`RunFiles`, never from memory, so a rebuilt report is the report the run produced.
"""

from __future__ import annotations

import csv
import gc
import gzip
import io
import json
import math
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ..errors import InputError, SettingError, literal
from ..experiment import ExperimentResult
from ..scenario import Scenario, load_scenario
from ..types import FloatArray, Ordering
from .tables import RANKING_EXTRAS

RESULT_FILES = ("summary.json", "ranking.csv")
RANKING_COLUMNS = ("rank", "ordering", "replications", "mean_utility", "ci_low", "ci_high")


class RankingRow(NamedTuple):
    """One row of ranking.csv (a named tuple, quick to make: a table can have 362,880
    of them)."""

    rank: int
    ordering: Ordering
    replications: int
    mean: float
    ci_low: float
    ci_high: float
    p_best: float | None
    sucra: float | None
    mcb_low: float | None
    mcb_high: float | None
    diff_best: float | None  # paired mean difference to the best ordering (None: not computed)
    diff_best_low: float | None
    diff_best_high: float | None
    eliminated_at: int | None


def _number(text: str | None) -> float | None:
    return None if text in (None, "") else float(text)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise InputError(f"{path}:{error.lineno}: not valid JSON ({error.msg})") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read it ({error})") from None


def _read_rows(path: Path, required: Sequence[str]) -> Iterator[list[str]]:
    """The header, then the rows, of a CSV table, read from the file as they are used
    (a ranking can have hundreds of thousands); the table must have `required`
    columns and at least one row."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header, first = next(reader, None), next(reader, None)
            missing = [c for c in required if first is None or header is None or c not in header]
            if missing:
                raise InputError(f"{path}: no rows, or missing column(s) {', '.join(missing)}")
            assert header is not None
            assert first is not None
            yield header
            yield first
            yield from reader
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read it ({error})") from None


def _read_csv(path: Path, required: Sequence[str]) -> Iterator[dict[str, str]]:
    """The rows of a CSV table as dictionaries (see `_read_rows`)."""
    rows = _read_rows(path, required)
    header = next(rows)
    for row in rows:
        yield dict(zip(header, row, strict=False))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold off Python's cyclic garbage collector while a large table is made: rows form
    no cycles, so its passes over hundreds of thousands of new rows free nothing, and
    they cost a quarter of reading a 9-visitor ranking."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_ranking(path: Path) -> tuple[RankingRow, ...]:
    """A ranking.csv, every row read and checked; a table that is not one is an
    `InputError`."""
    with _collector_paused():
        return _ranking_rows(path)


def _ranking_rows(path: Path) -> tuple[RankingRow, ...]:
    rows = _read_rows(path, RANKING_COLUMNS)
    header = next(rows)
    names = (*RANKING_COLUMNS, *RANKING_EXTRAS, "eliminated_at")
    # a column the table lacks reads the empty cell appended to every row
    cells = itemgetter(*(header.index(n) if n in header else len(header) for n in names))
    try:
        return tuple(
            RankingRow(
                int(rank),
                tuple(map(sys.intern, ordering.split(","))),  # ids shared
                int(replications),
                float(mean),
                float(low),
                float(high),
                _number(p_best),
                _number(sucra),
                _number(mcb_low),
                _number(mcb_high),
                _number(diff),
                _number(diff_low),
                _number(diff_high),
                int(eliminated) if eliminated else None,
            )
            for (
                rank,
                ordering,
                replications,
                mean,
                low,
                high,
                p_best,
                sucra,
                mcb_low,
                mcb_high,
                diff,
                diff_low,
                diff_high,
                eliminated,
            ) in (cells([*row, ""]) for row in rows)
        )
    except ValueError as error:
        raise InputError(f"{path}: not a ranking table ({error})") from None


def _rank_matrix(path: Path, ranking: tuple[RankingRow, ...]) -> FloatArray | None:
    """rank_probabilities.csv as a matrix whose rows follow the ranking (absent: None)."""
    if not path.is_file():
        return None
    rows = _read_csv(path, ("ordering",))
    try:
        by_ordering = {
            tuple(row["ordering"].split(",")): [float(v) for k, v in row.items() if k != "ordering"]
            for row in rows
        }
        return np.array([by_ordering[row.ordering] for row in ranking], dtype=np.float64)
    except (KeyError, ValueError) as error:
        raise InputError(f"{path}: does not match ranking.csv ({error})") from None


@dataclass(frozen=True)
class RunFiles:
    """What a finished run wrote, read back and checked."""

    path: Path
    manifest: dict[str, Any]
    scenario: Scenario
    summary: dict[str, Any]
    ranking: tuple[RankingRow, ...]
    rank_probabilities: FloatArray | None

    @staticmethod
    def check(path: Path) -> None:
        """Refuse a path that is not a results directory (none there, or no manifest)."""
        if not path.is_dir():
            raise InputError(f"{path}: no such results directory")
        if not (path / "manifest.json").is_file():
            raise InputError(
                f"{path}: not a results directory (no manifest.json); give a run's "
                "folder, e.g. results/<scenario>/<run-id>"
            )

    @classmethod
    def read(cls, path: Path) -> RunFiles:
        """Read a results directory; a missing or unreadable part is an `InputError`."""
        path = Path(path)
        cls.check(path)
        manifest = _read_json(path / "manifest.json")
        if not isinstance(manifest, dict):
            raise InputError(f"{path / 'manifest.json'}: not a run manifest")
        missing = [name for name in RESULT_FILES if not (path / name).is_file()]
        if missing:
            status = manifest.get("status", "unknown")
            why = f": {manifest['error']}" if manifest.get("error") else ""
            raise InputError(
                f"{path}: the run did not complete (status {status!r}{why}); it has no "
                f"{', '.join(missing)}"
            )
        summary = _read_json(path / "summary.json")
        if not isinstance(summary, dict) or "orderings" not in summary:
            raise InputError(f"{path / 'summary.json'}: not a run summary (no orderings)")
        ranking = read_ranking(path / "ranking.csv")
        return cls(
            path=path,
            manifest=manifest,
            scenario=load_scenario(path / "scenario.resolved.yaml"),
            summary=summary,
            ranking=ranking,
            rank_probabilities=_rank_matrix(path / "rank_probabilities.csv", ranking),
        )

    @property
    def design(self) -> dict[str, Any]:
        """The design block of summary.json (`design`: fixed or adaptive, and its settings)."""
        design: dict[str, Any] = self.summary.get("design", {})
        return design

    @property
    def size_text(self) -> str:
        """How many replications, in words, with the seed."""
        seed = self.summary.get("seed", self.manifest.get("seed"))
        if self.design.get("design") == "adaptive":
            total = self.design.get("replications_total") or sum(
                row.replications for row in self.ranking
            )
            how = "knockout tournament" if self.design.get("rounds") else "KN"
            return f"adaptive design ({how}), {total:,} replications in all, seed {seed}"
        n = self.ranking[0].replications
        return f"{n:,} replications per ordering, seed {seed}"

    def metric_summary(self, ordering: Ordering, metric: str) -> dict[str, Any]:
        """summary.json's statistics (n, mean, sd, q05…q95) of one metric of one ordering."""
        for entry in self.summary.get("orderings", []):
            if tuple(entry["ordering"]) == ordering:
                stats: dict[str, Any] = entry["metrics"][metric]
                return stats
        raise InputError(f"{self.path / 'summary.json'}: no entry for {','.join(ordering)}")

    @property
    def kept_replications(self) -> bool:
        """Whether the run wrote every replication's record (replications.csv.gz)."""
        return (self.path / "replications.csv.gz").is_file()

    def _replication_table(self) -> Path:
        path = self.path / "replications.csv.gz"
        if not self.kept_replications:
            raise SettingError(
                f"{literal(str(self.path))}: the run did not keep its replications (no "
                "replications.csv.gz; it streamed its statistics); run it again with "
                "{keep_replications}",
                setting="keep_replications",
            )
        return path

    def replications(
        self, orderings: Iterable[Ordering], metrics: Sequence[str]
    ) -> dict[Ordering, FloatArray]:
        """These metrics of these orderings from replications.csv.gz: (replications, metrics)."""
        wanted = {",".join(o): o for o in orderings}
        path = self._replication_table()
        rows: dict[Ordering, list[list[float]]] = {o: [] for o in wanted.values()}
        try:
            with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
                reader = csv.reader(handle)
                header = next(reader)
                columns = [header.index(m) for m in metrics]
                for row in reader:
                    ordering = wanted.get(row[0])
                    if ordering is not None:
                        rows[ordering].append(
                            [float(row[c]) if row[c] else np.nan for c in columns]
                        )
        except (OSError, EOFError, StopIteration, ValueError, IndexError) as error:
            raise InputError(f"{path}: not a readable replication table ({error})") from None
        return {o: np.array(v, dtype=np.float64).reshape(-1, len(metrics)) for o, v in rows.items()}

    def experiment(self) -> ExperimentResult:
        """Every replication's record, read back from replications.csv.gz."""
        table = self._replication_table()
        try:
            text = gzip.decompress(table.read_bytes()).decode("utf-8")
        except (OSError, EOFError, gzip.BadGzipFile, UnicodeDecodeError) as error:
            raise InputError(f"{table}: unreadable ({error})") from None
        seed = int(self.summary.get("seed", self.manifest.get("seed", 0)))
        return _records(self.scenario, seed, text, table)


def _records(scenario: Scenario, seed: int, text: str, source: Path) -> ExperimentResult:
    """Rebuild records (orderings, replications, metrics) from replications.csv text."""
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if header is None or header[:2] != ["ordering", "replication"]:
        raise InputError(f"{source}: not a replications table (bad header)")
    metrics = tuple(header[2:])
    values: dict[Ordering, dict[int, list[float]]] = {}
    try:
        for row in rows:
            cells = [math.nan if c == "" else float(c) for c in row[2:]]
            if len(cells) != len(metrics):
                raise ValueError(f"row of {len(row)} cells")
            values.setdefault(tuple(row[0].split(",")), {})[int(row[1])] = cells
    except ValueError as error:
        raise InputError(f"{source}: malformed row ({error})") from None
    if not values:
        raise InputError(f"{source}: no replications")
    orderings = tuple(values)
    counts = np.array([len(values[o]) for o in orderings], dtype=np.int64)
    records = np.full((len(orderings), int(counts.max()), len(metrics)), np.nan)
    for k, o in enumerate(orderings):
        for r, cells in values[o].items():
            if not 0 <= r < records.shape[1]:
                raise InputError(f"{source}: replication index {r} out of range")
            records[k, r] = cells
    return ExperimentResult(scenario, orderings, metrics, records, counts, seed)
