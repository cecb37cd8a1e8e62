"""Monte Carlo over candidate orderings: every ordering faces the same worlds.

The fixed design (`fixed`) runs replications 0..N-1 of every candidate; the adaptive
design (`adaptive`) asks for more replications of the surviving candidates, batch by
batch, and above `KNOCKOUT_ABOVE` candidates plays a knockout tournament (`knockout`).
Each design checks its settings first (`design`), hands work items (`task`) to an
executor and gathers their records (`records`), which `ranking` ranks; `replay` runs
one replication alone.
"""

from .adaptive import (
    AdaptiveResult,
    AdaptiveSettings,
    check_adaptive,
    run_adaptive,
)
from .design import (
    KEEP_CELLS,
    MAX_REPLICATIONS,
    check_memory,
    check_selection_memory,
    keeps_every_replication,
    kept_replications,
    memory_estimate,
    resolve_design,
    selection_memory_estimate,
)
from .fixed import run_fixed
from .knockout import KNOCKOUT_ABOVE, KnockoutResult, run_knockout
from .ranking import SeededResampling, bootstrap_weights, rank_orderings, utility_stream
from .records import (
    Checkpoint,
    ExperimentResult,
    RecordStore,
    replication_text,
)
from .replay import Replay, parse_replay, replay_replication
from .task import BlockTask, work_items

__all__ = [
    "KEEP_CELLS",
    "KNOCKOUT_ABOVE",
    "MAX_REPLICATIONS",
    "AdaptiveResult",
    "AdaptiveSettings",
    "BlockTask",
    "Checkpoint",
    "ExperimentResult",
    "KnockoutResult",
    "RecordStore",
    "Replay",
    "SeededResampling",
    "bootstrap_weights",
    "check_adaptive",
    "check_memory",
    "check_selection_memory",
    "keeps_every_replication",
    "kept_replications",
    "memory_estimate",
    "parse_replay",
    "rank_orderings",
    "replay_replication",
    "replication_text",
    "resolve_design",
    "run_adaptive",
    "run_fixed",
    "run_knockout",
    "selection_memory_estimate",
    "utility_stream",
    "work_items",
]
