"""One replication's slice of a world block, as the model reads it."""

from __future__ import annotations

from dataclasses import dataclass

from ..world import WorldBlock


@dataclass(frozen=True)
class Draws:
    """One replication's slice of a world block, as plain Python floats."""

    initial_climate: float
    gate_open: list[float]
    shock_times: list[float]
    shock_severity: list[float]
    preparation: list[float]
    visit_days: list[float]
    response_delay: list[list[float]]
    accept_u: list[list[float]]
    retry_delay: list[list[float]]
    item_u: list[float]
    waiver_after: list[float]

    @classmethod
    def of(cls, world: WorldBlock, r: int) -> Draws:
        """Replication `r` (index within the block) of a world block."""
        return cls(
            initial_climate=float(world.initial_climate[r]),
            gate_open=world.gate_open[r].tolist(),
            shock_times=world.shock_times[r].tolist(),
            shock_severity=world.shock_severity[r].tolist(),
            preparation=world.preparation[r].tolist(),
            visit_days=world.visit_days[r].tolist(),
            response_delay=world.response_delay[r].tolist(),
            accept_u=world.accept_u[r].tolist(),
            retry_delay=world.retry_delay[r].tolist(),
            item_u=world.item_u[r].tolist(),
            waiver_after=world.waiver_after[r].tolist(),
        )
