"""The flagship's results, pinned: a refactor that changes one byte of them fails here.

The hashes were taken from `visitsim run scenarios/us_china_2023.yaml -n 30 --seed 7`.
They change only with a deliberate change of the model, the world draws or the statistics;
update them then, and say so in the commit.
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

from click.testing import CliRunner

from simulator.cli import main

FLAGSHIP = Path(__file__).parent.parent / "scenarios" / "us_china_2023.yaml"
PINNED = {
    "ranking.csv": "4549b0934612173212fdb89125cc3f1d43e602a0186a8be9dba10b0809fab68d",
    "rank_probabilities.csv": "07a65c20456984deb9538c678b811230105e88c2481e81f7f8670776ea486637",
    "replications.csv.gz": "2e35c641005b8f5ed1413072ef789f4228ad208237b341ebc18e62e85366b787",
    "scenario.resolved.yaml": "8d4b3d8517b6928ae818e0a9ff3d3a996c3e06f28cc4b078c5036259c4bd3db0",
}


def test_the_flagship_results_stay_byte_identical(tmp_path: Path) -> None:
    args = ["run", str(FLAGSHIP), "-n", "30", "--seed", "7", "--executor", "serial"]
    result = CliRunner().invoke(main, [*args, "--out", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.output
    [run_dir] = tmp_path.glob("us_china_2023/*")
    hashes = {}
    for name in PINNED:
        data = (run_dir / name).read_bytes()
        if name.endswith(".gz"):
            data = gzip.decompress(data)
        hashes[name] = hashlib.sha256(data).hexdigest()
    assert hashes == PINNED
