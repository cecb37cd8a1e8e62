"""The outcome of a replication: what each visit achieves, and the outcome record."""

from __future__ import annotations

import math

from .state import ReplicationState


class Outcome(ReplicationState):
    """Scoring visits as they happen, and the record of the whole replication."""

    def visit(self, v: int) -> int:
        """Visitor `v` arrives today: score the agenda and the sequence effects."""
        spec, climate, realized = self.spec, self.climate, self.realized
        today = self.env.now
        worth = math.exp(-spec.discount * today)  # of a point of value achieved today
        item_u, done_tracks = self.draws.item_u, self.done_tracks
        achieved = 0
        for i, base, climate_weight, value, boosts in spec.agenda[v]:
            logit = base + climate_weight * climate
            for after, track, boost in boosts:
                if (after is not None and after in realized) or track in done_tracks:
                    logit += boost
            # the chance of success, logistic(logit), inline: a call per item shows
            chance = 1.0 / (1.0 + math.exp(-logit)) if logit > -700 else 0.0
            if item_u[i] < chance:
                self.achieved[i] = 1.0
                self.value += value * worth
                achieved += 1
        for later, cost in spec.precedence[v]:
            if math.isnan(self.day[later]):
                self.precedence_cost += cost
        if self.trace is not None:
            self.log("visit", v, self.visit_text(v))
        self.day[v] = today
        realized.append(v)
        done_tracks.add(spec.tracks[v])
        if spec.tracks[v] == spec.first_track:
            self.first_track_visited = True
        return achieved

    def visit_text(self, v: int) -> str:
        """What a visit achieved, for the trace."""
        spec = self.spec
        names = spec.metrics[len(spec.metrics) - spec.item_count :]
        items = [
            names[item.number].rsplit(".", 1)[1]
            for item in spec.agenda[v]
            if self.achieved[item.number]
        ]
        text = f"visits for {self.draws.visit_days[v]:.1f} days; achieved: "
        text += ", ".join(items) if items else "nothing"
        costs = [
            f"{cost:g} for going before {spec.ids[later]}"
            for later, cost in spec.precedence[v]
            if math.isnan(self.day[later])
        ]
        return text + (f"; precedence cost {', '.join(costs)}" if costs else "")

    def record(self) -> list[float]:
        """The outcome record, laid out as `spec.metrics`: `schema.RECORD_HEAD`, the
        visit, request and acceptance days, then the agenda items. Plain floats: the
        caller writes them into its array, which costs less than making one per
        replication."""
        spec, realized, plan, day = self.spec, self.realized, self.plan, self.day
        positions = [self.position[v] for v in realized]
        values = [
            0.0,  # utility, filled in below
            self.value,  # agenda_value
            float(sum(self.achieved)),  # items_achieved
            float(len(realized)),  # visits_completed
            day[realized[0]] if realized else spec.horizon,  # days_to_first_visit (in order)
            self.climate,  # final_climate
            self.precedence_cost,  # precedence_cost
            float(tuple(realized) == plan),  # realized_equals_plan
            float(positions == sorted(positions)),  # plan_order_kept
            *day,
            *self.request_day,
            *self.accept_day,
            *self.achieved,
        ]
        values[0] = sum([w * values[i] for i, w in spec.weights])
        return values
