"""The scenario format: typed, validated, immutable.

These pydantic models are the only description of what a scenario file may say. The
loader (`scenario.py`) turns YAML into them; everything downstream reads only these
objects. Cross-references (visitor ids in constraints and effects, gate ids, metric
names in the objective) are checked by `Scenario` itself so that a bad name is reported
at the field that holds it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import unicodedata
from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from .distributions import Distribution

_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _no_controls(keep: str) -> AfterValidator:
    """Refuse control characters (C0, DEL, C1) and bidirectional overrides, but those in
    `keep`: names and quotes reach the terminal and report.html, where an escape
    sequence would repaint the screen or disguise the text."""

    def check(text: str) -> str:
        for at, char in enumerate(text):
            if char not in keep and (unicodedata.category(char) == "Cc" or char in _BIDI):
                raise ValueError(
                    f"contains the control character U+{ord(char):04X} at character "
                    f"{at + 1}; allowed: printable text"
                    + (" (newlines and tabs too)" if keep else " on one line")
                )
        return text

    return AfterValidator(check)


Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
Label = Annotated[str, _no_controls("")]
"""A name or role: one line of printable text."""
Prose = Annotated[str, _no_controls("\n\t")]
"""A description or quote: printable text, which may have newlines and tabs."""
Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Real = Annotated[float, Field(allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]

MAX_VISITORS = 8
MAX_ATTEMPTS = 20
MAX_EXPECTED_SHOCKS = 1000
"""Most incidents a scenario may expect over its horizon: each replication draws room
for all of them, so an absurd rate would exhaust memory before simulating anything."""
MAX_MAGNITUDE = 1e9
"""Largest size of a number that is summed into the utility or the climate (weights,
values, costs, climate bounds and changes): sums of larger ones can overflow."""


def _non_negative_duration(dist: Distribution) -> Distribution:
    if dist.lower < 0:
        raise ValueError(
            f"a duration cannot be negative, but this {dist.dist} distribution reaches "
            f"{dist.lower:g}; bound it below at 0 (for example `low: 0`)"
        )
    return dist


Duration = Annotated[Distribution, AfterValidator(_non_negative_duration)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class AgendaItem(_Model):
    """Something a visit can achieve, worth `value` if it succeeds."""

    id: Identifier
    value: NonNegative = Field(description="Value of achieving the item (before discounting).")
    success: Probability = Field(
        description="Chance of success at a neutral climate (0) with no sequence boosts."
    )
    climate_weight: Real = Field(
        default=1.0, description="Logit change of the success chance per unit of climate."
    )
    quote: Prose | None = Field(default=None, description="The source sentence it rests on.")


class Waiver(_Model):
    """How the party that imposes a soft precondition lets it go.

    With chance `probability` the condition is waived `after` days once the visitor
    starts waiting for it; otherwise it must hold. Both are drawn in the world, by the
    visitor's id and the condition's place, so every ordering sees the same waiver.
    """

    probability: Probability = Field(default=1.0, description="Chance it is waived at all.")
    after: Duration = Field(default=0.0, description="Days of waiting before the waiver.")


CONDITION_KINDS = ("gate", "visited", "accepted", "track_visited", "climate_at_least", "not_before")


class Condition(_Model):
    """One declared precondition: exactly one of the kinds below, hard unless it has a
    `waiver` (then soft: the party that imposes it may let it go)."""

    gate: Identifier | None = Field(default=None, description="An `until` gate has opened.")
    visited: Identifier | None = Field(default=None, description="This visitor's visit is over.")
    accepted: Identifier | None = Field(
        default=None, description="The host has accepted this visitor's request."
    )
    track_visited: Identifier | None = Field(
        default=None, description="A visit of this track is over."
    )
    climate_at_least: Real | None = Field(
        default=None, description="The climate has reached this level."
    )
    not_before: NonNegative | None = Field(default=None, description="This day has come.")
    waiver: Waiver | None = Field(default=None, description="Makes the condition soft.")
    quote: Prose | None = Field(default=None, description="The source sentence it rests on.")

    @model_validator(mode="after")
    def _one_kind(self) -> Condition:
        given = [k for k in CONDITION_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of {', '.join(CONDITION_KINDS)} (got "
                f"{', '.join(given) or 'none'})"
            )
        return self

    @property
    def kind(self) -> str:
        """Which condition this is (one of `CONDITION_KINDS`)."""
        return next(k for k in CONDITION_KINDS if getattr(self, k) is not None)


class Preconditions(_Model):
    """What must hold before a visitor asks the host, and before it travels."""

    ask: tuple[Condition, ...] = Field(default=(), description="Before sending a request.")
    travel: tuple[Condition, ...] = Field(default=(), description="Before travelling.")


class Visitor(_Model):
    """A candidate visitor: an agent who asks the host, prepares, and travels."""

    id: Identifier
    name: Label = Field(min_length=1, max_length=80)
    role: Label = Field(default="", max_length=120)
    track: Identifier = Field(description="Policy track, e.g. economic, security, climate.")
    invited: bool = Field(default=False, description="Already holds an invitation.")
    earliest_day: NonNegative = Field(default=0.0, description="No request before this day.")
    preparation: Duration = Field(description="Days from acceptance to travel.")
    visit_days: Duration = Field(default=2.0, description="Length of the visit in days.")
    gates: tuple[Identifier, ...] = Field(default=(), description="Gates that block them.")
    preconditions: Preconditions = Preconditions()
    agenda: tuple[AgendaItem, ...] = ()

    @model_validator(mode="after")
    def _unique_items(self) -> Visitor:
        _check_unique([item.id for item in self.agenda], "agenda item", "agenda")
        return self


class Crisis(_Model):
    """A chance that the gate stays closed past its deadline, and for how long."""

    probability: Probability
    extension: Duration = Field(description="Days past the deadline the gate stays closed.")


class WindowGate(_Model):
    """A fixed window in which those it blocks cannot travel (e.g. a summit)."""

    id: Identifier
    kind: Literal["window"]
    start_day: NonNegative
    end_day: NonNegative
    tracks: tuple[Identifier, ...] = Field(default=(), description="Tracks it blocks.")
    quote: Prose | None = None

    @model_validator(mode="after")
    def _ordered(self) -> WindowGate:
        if not self.start_day < self.end_day:
            raise ValueError(
                f"needs start_day < end_day (got {self.start_day:g} and {self.end_day:g})"
            )
        return self


class UntilGate(_Model):
    """A condition closed until an uncertain day (e.g. a debt-ceiling deal).

    The opening day is drawn from `opens`. With probability `crisis.probability` the
    deadline passes without a deal, and the gate opens only at
    max(opening, deadline) + extension.
    """

    id: Identifier
    kind: Literal["until"]
    opens: Duration = Field(description="Day the gate opens.")
    deadline: NonNegative | None = None
    crisis: Crisis | None = None
    tracks: tuple[Identifier, ...] = Field(default=(), description="Tracks it blocks.")
    quote: Prose | None = None

    @model_validator(mode="after")
    def _crisis_needs_deadline(self) -> UntilGate:
        if self.crisis is not None and self.deadline is None:
            raise ValueError("a crisis needs a deadline it extends")
        return self


Gate = Annotated[WindowGate | UntilGate, Field(discriminator="kind")]


class Preference(_Model):
    """The host's sequencing preference: which track it wants to engage first."""

    first_track: Identifier | None = None
    bonus: Real = Field(
        default=0.0,
        description="Logit bonus for a first-track visit while none has happened yet.",
    )
    penalty: NonNegative = Field(
        default=0.0,
        description="Logit penalty for another track's visit before the first-track one.",
    )
    defer_others: bool = Field(
        default=False,
        description="Hold other tracks' visits until a first-track visit is over (a travel "
        "precondition the host imposes; soft if `waiver` is given).",
    )
    waiver: Waiver | None = Field(
        default=None, description="How the host lets its deferral go (needs defer_others)."
    )

    @model_validator(mode="after")
    def _deferral(self) -> Preference:
        if self.defer_others and self.first_track is None:
            raise FieldError("defer_others needs a first_track to wait for", ("defer_others",))
        if self.waiver is not None and not self.defer_others:
            raise FieldError(
                "a waiver needs defer_others: true (it waives the deferral)", ("waiver",)
            )
        return self


class Host(_Model):
    """The host, who has a vote: answers each request after a delay."""

    name: Label = "Host"
    acceptance: Probability = Field(
        default=0.5, description="Chance of accepting at a neutral climate with no bonuses."
    )
    climate_weight: Real = Field(default=2.0, description="Logit change per unit of climate.")
    track_bonus: dict[Identifier, Real] = Field(default_factory=dict)
    invitation_bonus: Real = Field(default=0.0, description="Logit bonus for invited visitors.")
    preference: Preference = Preference()
    response_delay: Duration = Field(default=0.0, description="Days to answer a request.")
    retry_delay: Duration = Field(default=14.0, description="Days before asking again.")
    max_attempts: int = Field(default=3, ge=1, le=MAX_ATTEMPTS)
    min_spacing_days: NonNegative = Field(
        default=0.0,
        description="Days the host keeps free after each visit it hosts before the next "
        "(it hosts one visit at a time).",
    )


class Climate(_Model):
    """The relationship climate, a number within `bounds`."""

    initial: Distribution = 0.0
    visit_gain: dict[Identifier, Real] = Field(
        default_factory=dict, description="Climate gain of a completed visit, by track."
    )
    item_gain: Real = Field(default=0.0, description="Extra gain per agenda item achieved.")
    bounds: tuple[Real, Real] = (-1.0, 1.0)

    @model_validator(mode="after")
    def _bounds(self) -> Climate:
        low, high = self.bounds
        if not low < high:
            raise FieldError(f"bounds need low < high (got {list(self.bounds)})", ("bounds",))
        if self.initial.lower < low or self.initial.upper > high:
            raise FieldError(f"must lie within bounds {list(self.bounds)}", ("initial",))
        return self


class Shocks(_Model):
    """Incidents: a Poisson process with random severity in [0, 1]."""

    rate_per_day: NonNegative = 0.0
    severity: Distribution = Field(default=0.5, description="Severity, within [0, 1].")
    climate_hit: NonNegative = Field(default=0.0, description="Climate loss per unit severity.")
    postpone_days: NonNegative = Field(
        default=0.0, description="Preparation delay per unit severity."
    )
    cancel_threshold: Probability = Field(
        default=1.0, description="Severity at or above which a planned visit is cancelled."
    )

    @model_validator(mode="after")
    def _severity_unit(self) -> Shocks:
        if self.severity.lower < 0 or self.severity.upper > 1:
            raise FieldError("must lie within [0, 1]; use uniform, beta or fixed", ("severity",))
        return self


class AgendaBoost(_Model):
    """A visitor's agenda item succeeds more often after given earlier visits."""

    visitor: Identifier
    item: Identifier
    after_visitor: Identifier | None = None
    after_track: Identifier | None = None
    logit: Real = Field(description="Logit added to the item's success chance.")

    @model_validator(mode="after")
    def _one_condition(self) -> AgendaBoost:
        if (self.after_visitor is None) == (self.after_track is None):
            raise ValueError("give exactly one of after_visitor or after_track")
        return self


class PrecedenceCost(_Model):
    """A cost incurred when `earlier` visits while `later` has not yet visited."""

    earlier: Identifier
    later: Identifier
    cost: Real
    quote: Prose | None = None


class Effects(_Model):
    """Sequence effects, declared rather than coded per person."""

    agenda_boosts: tuple[AgendaBoost, ...] = ()
    precedence_costs: tuple[PrecedenceCost, ...] = ()
    discount_per_day: NonNegative = Field(
        default=0.0, description="Agenda value lands discounted by exp(-rate * day)."
    )


POLICIES = ("pipelined", "sequential", "opportunistic")


def _policy_mode(value: object) -> object:
    if value == "strict":
        raise ValueError(
            "'strict' is now called 'sequential' (the next visitor asks only after the "
            "previous visit is over; same results as before); 'pipelined' lets everyone ask "
            "and prepare at once while the plan orders the visits"
        )
    return value


class Policy(_Model):
    """How the plan (the ordering) is followed.

    `pipelined`: everyone asks and prepares as soon as their own preconditions allow; a
    visitor travels only after the previous planned visitor's visit is over (or that
    visitor gave up), plus `min_gap_days`. `sequential`: the next visitor asks only
    then. `opportunistic`: pipelined, but a visitor ready to travel overtakes a
    previous planned one it has waited for `patience_days`.
    """

    mode: Annotated[
        Literal["pipelined", "sequential", "opportunistic"], BeforeValidator(_policy_mode)
    ] = Field(default="pipelined", description="pipelined, sequential or opportunistic.")
    min_gap_days: NonNegative = Field(
        default=0.0, description="Days after a visit before the next planned one travels."
    )
    patience_days: NonNegative = Field(
        default=30.0, description="Opportunistic: days a ready visitor waits for the plan."
    )


class Constraint(_Model):
    """An ordering constraint: exactly one of before, first, last."""

    before: tuple[Identifier, Identifier] | None = None
    first: Identifier | None = None
    last: Identifier | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Constraint:
        given = [k for k in ("before", "first", "last") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of before: [a, b], first: a or last: a")
        if self.before is not None and self.before[0] == self.before[1]:
            raise ValueError(f"before needs two different visitors (got {list(self.before)})")
        return self


# Metrics the objective may weigh; per-visitor metrics are derived in `metric_names`.
RECORD_HEAD = (
    "utility",
    "agenda_value",
    "items_achieved",
    "visits_completed",
    "days_to_first_visit",
    "final_climate",
    "precedence_cost",
    "realized_equals_plan",
    "plan_order_kept",
)
"""The outcome record's leading fields, in order (the model writes them so)."""

OBJECTIVE_METRICS = RECORD_HEAD[1:-1]
"""Leading fields the objective may weigh (utility is the sum; plan_order_kept is not)."""


class Experiment(_Model):
    """Defaults for a run; the command line can override them."""

    replications: int = Field(default=1000, ge=2, le=10_000_000)
    seed: int = Field(default=0, ge=0, lt=2**63)


class Scenario(_Model):
    """A whole scenario: who may visit, what blocks them, the host, and the objective."""

    name: Identifier
    description: Prose = ""
    start: dt.date
    horizon_days: float = Field(gt=0, le=3650, allow_inf_nan=False)
    visitors: tuple[Visitor, ...] = Field(min_length=1, max_length=MAX_VISITORS)
    gates: tuple[Gate, ...] = ()
    host: Host = Host()
    climate: Climate = Climate()
    shocks: Shocks = Shocks()
    effects: Effects = Effects()
    policy: Policy = Policy()
    constraints: tuple[Constraint, ...] = ()
    objective: dict[str, Real] = Field(min_length=1)
    experiment: Experiment = Experiment()

    @model_validator(mode="after")
    def _limits(self) -> Scenario:
        summed: list[tuple[float, tuple[str | int, ...]]] = [
            *((w, ("objective", k)) for k, w in self.objective.items()),
            *(
                (item.value, ("visitors", i, "agenda", j, "value"))
                for i, v in enumerate(self.visitors)
                for j, item in enumerate(v.agenda)
            ),
            *(
                (p.cost, ("effects", "precedence_costs", i, "cost"))
                for i, p in enumerate(self.effects.precedence_costs)
            ),
            *((b, ("climate", "bounds", i)) for i, b in enumerate(self.climate.bounds)),
            *((g, ("climate", "visit_gain", t)) for t, g in self.climate.visit_gain.items()),
            (self.climate.item_gain, ("climate", "item_gain")),
            (self.shocks.climate_hit, ("shocks", "climate_hit")),
        ]
        for value, loc in summed:
            if abs(value) > MAX_MAGNITUDE:
                raise FieldError(
                    f"out of range (got {value:g}); allowed: between {-MAX_MAGNITUDE:g} and "
                    f"{MAX_MAGNITUDE:g} (larger numbers can overflow the utility)",
                    loc,
                )
        expected = self.shocks.rate_per_day * self.horizon_days
        if expected > MAX_EXPECTED_SHOCKS:
            raise FieldError(
                f"too many incidents: {self.shocks.rate_per_day:g} a day over "
                f"{self.horizon_days:g} days is {expected:,.0f} expected; allowed: at most "
                f"{MAX_EXPECTED_SHOCKS:,} over the horizon (at most "
                f"{MAX_EXPECTED_SHOCKS / self.horizon_days:.4g} a day)",
                ("shocks", "rate_per_day"),
            )
        return self

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        _check_unique([v.id for v in self.visitors], "visitor", "visitors")
        _check_unique([g.id for g in self.gates], "gate", "gates")
        visitors = {v.id: v for v in self.visitors}
        tracks = {v.track for v in self.visitors}
        gates = {g.id for g in self.gates}
        for i, v in enumerate(self.visitors):
            for j, g in enumerate(v.gates):
                _known(g, gates, "gate", ("visitors", i, "gates", j))
        for i, gate in enumerate(self.gates):
            for j, t in enumerate(gate.tracks):
                _known(t, tracks, "track", ("gates", i, "tracks", j))
        until = {g.id for g in self.gates if isinstance(g, UntilGate)}
        for i, v in enumerate(self.visitors):
            for phase in ("ask", "travel"):
                for j, c in enumerate(getattr(v.preconditions, phase)):
                    loc = ("visitors", i, "preconditions", phase, j)
                    if c.gate is not None:
                        _known(c.gate, until, "until gate", (*loc, "gate"))
                    for key in ("visited", "accepted"):
                        name = getattr(c, key)
                        if name is not None:
                            _known(name, visitors, "visitor", (*loc, key))
                            if name == v.id:
                                raise FieldError(
                                    f"visitor {v.id!r} cannot wait for itself", (*loc, key)
                                )
                    if c.track_visited is not None:
                        _known(c.track_visited, tracks, "track", (*loc, "track_visited"))
        _check_no_deadlock(self.visitors)
        for t in self.host.track_bonus:
            _known(t, tracks, "track", ("host", "track_bonus", t))
        if self.host.preference.first_track is not None:
            _known(
                self.host.preference.first_track,
                tracks,
                "track",
                ("host", "preference", "first_track"),
            )
        for t in self.climate.visit_gain:
            _known(t, tracks, "track", ("climate", "visit_gain", t))
        for i, b in enumerate(self.effects.agenda_boosts):
            loc = ("effects", "agenda_boosts", i)
            _known(b.visitor, visitors, "visitor", (*loc, "visitor"))
            items = {item.id for item in visitors[b.visitor].agenda}
            _known(b.item, items, f"agenda item of visitor {b.visitor!r}:", (*loc, "item"))
            if b.after_visitor is not None:
                _known(b.after_visitor, visitors, "visitor", (*loc, "after_visitor"))
            if b.after_track is not None:
                _known(b.after_track, tracks, "track", (*loc, "after_track"))
        for i, p in enumerate(self.effects.precedence_costs):
            loc = ("effects", "precedence_costs", i)
            _known(p.earlier, visitors, "visitor", (*loc, "earlier"))
            _known(p.later, visitors, "visitor", (*loc, "later"))
        for i, c in enumerate(self.constraints):
            for key in ("first", "last"):
                name = getattr(c, key)
                if name is not None:
                    _known(name, visitors, "visitor", ("constraints", i, key))
            if c.before is not None:
                for j, name in enumerate(c.before):
                    _known(name, visitors, "visitor", ("constraints", i, "before", j))
        allowed = objective_metrics(self)
        for key in self.objective:
            _known(key, allowed, "metric", ("objective", key))
        _check_satisfiable(self.constraints, len(self.visitors))
        return self

    def visitor(self, visitor_id: str) -> Visitor:
        """The visitor with this id."""
        for v in self.visitors:
            if v.id == visitor_id:
                return v
        raise KeyError(visitor_id)


class FieldError(ValueError):
    """A problem found by a model-level check, carrying the offending field's location.

    The loader reads `loc` (relative to the model that raised it) to point the user at
    the right line instead of at the whole model.
    """

    def __init__(
        self, message: str, loc: tuple[str | int, ...], names: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message)
        self.loc = loc
        self.names = names  # the ids or names the problem is about, if any


def _check_unique(ids: list[str], what: str, field: str) -> None:
    """Reject a repeated id, pointing at its second occurrence in `field`."""
    seen: set[str] = set()
    for index, i in enumerate(ids):
        if i in seen:
            raise FieldError(
                f"{what} id {i!r} is used twice; ids must be unique", (field, index, "id"), (i,)
            )
        seen.add(i)


def _check_satisfiable(constraints: tuple[Constraint, ...], visitors: int) -> None:
    """Reject constraints that rule out every ordering, at the first one that does.

    Some ordering satisfies them exactly when at most one visitor is `first` and one
    `last` (not the same one, unless alone), the `before` pairs have no circle, nothing
    must come before the first visitor and nothing after the last.
    """
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    follows: dict[str, set[str]] = {}  # visitor -> those that must come before it
    for i, c in enumerate(constraints):
        problem = ""
        if c.first is not None:
            first.setdefault(c.first, i)
        if c.last is not None:
            last.setdefault(c.last, i)
        if c.before is not None:
            follows.setdefault(c.before[1], set()).add(c.before[0])
        if len(first) > 1 or len(last) > 1:
            which = "first" if len(first) > 1 else "last"
            names = first if which == "first" else last
            problem = f"{' and '.join(map(repr, names))} cannot both be {which}"
        elif visitors > 1 and first.keys() & last.keys():
            problem = f"{next(iter(first))!r} cannot be both first and last"
        elif any(follows.get(f) for f in first):
            problem = f"nothing can come before {next(iter(first))!r}, which is first"
        elif any(name in ahead for ahead in follows.values() for name in last):
            problem = f"nothing can come after {next(iter(last))!r}, which is last"
        elif _has_circle(follows):
            problem = "the before pairs go round in a circle"
        if problem:
            raise FieldError(
                f"no ordering satisfies the constraints up to this one: {problem}",
                ("constraints", i),
            )


def _has_circle(follows: dict[str, set[str]]) -> bool:
    """Whether `a must follow b` relations contain a circle."""
    done: set[str] = set()

    def visit(node: str, path: set[str]) -> bool:
        if node in path:
            return True
        if node in done:
            return False
        found = any(visit(other, path | {node}) for other in follows.get(node, ()))
        done.add(node)
        return found

    return any(visit(node, set()) for node in follows)


_STAGES = ("ask", "accepted", "travel", "visited")
"""A visitor's stages, each reached only after the one before it."""


Stage = tuple[str, str]  # (visitor id, one of _STAGES)
Edge = tuple[Stage, tuple[str | int, ...]]  # what a stage waits for, and the field saying so


def _check_no_deadlock(visitors: Iterable[Visitor]) -> None:
    """Reject hard `visited`/`accepted` preconditions that wait for each other in a
    circle (a asks after b's visit, b asks after a's): none of them could ever visit.

    A stage waits for the visitor's stage before it and for the stages its hard
    conditions name; a cycle among these waits is a certain deadlock.
    """
    waits: dict[Stage, list[Edge]] = {}
    for i, v in enumerate(visitors):
        for before, after in itertools.pairwise(_STAGES):
            waits.setdefault((v.id, after), []).append(((v.id, before), ()))
        for phase in ("ask", "travel"):
            for j, c in enumerate(getattr(v.preconditions, phase)):
                for key in ("visited", "accepted"):
                    other = getattr(c, key)
                    if other is not None and c.waiver is None:
                        loc = ("visitors", i, "preconditions", phase, j, key)
                        waits.setdefault((v.id, phase), []).append(((other, key), loc))
    done: set[Stage] = set()

    def follow(stage: Stage, path: list[tuple[Stage, Edge]]) -> None:
        if stage in done:
            return
        for step, (seen, _) in enumerate(path):
            if seen == stage:
                circle = [(s, e) for s, e in path[step:] if e[1]]
                said = "; ".join(
                    f"{s[0]} {'asks' if s[1] == 'ask' else 'travels'} only once {e[0][0]} "
                    f"{'has visited' if e[0][1] == 'visited' else 'is accepted'}"
                    for s, e in circle
                )
                raise FieldError(
                    f"hard preconditions wait for each other in a circle ({said}), so none "
                    "of these visits can ever happen; give one of them a waiver or drop it",
                    circle[0][1][1],
                )
        for edge in waits.get(stage, []):
            follow(edge[0], [*path, (stage, edge)])
        done.add(stage)

    for stage in list(waits):
        follow(stage, [])


def _known(name: str, allowed: Iterable[str], what: str, loc: tuple[str | int, ...]) -> None:
    names = sorted(allowed)
    if name not in names:
        raise FieldError(
            f"unknown {what} {name!r}; known: {', '.join(map(str, names)) or '(none)'}",
            loc,
            (name,),
        )


def item_metrics(scenario: Scenario) -> tuple[str, ...]:
    """One 0/1 metric per agenda item: `item.<visitor>.<item>`."""
    return tuple(f"item.{v.id}.{item.id}" for v in scenario.visitors for item in v.agenda)


def objective_metrics(scenario: Scenario) -> tuple[str, ...]:
    """Metrics the objective may weigh (all defined in every replication)."""
    return OBJECTIVE_METRICS + item_metrics(scenario)


DAY_PREFIXES = ("day", "request_day", "accept_day")
"""Per-visitor day metrics, in record order: the visit day (`day.<visitor>`, when the
visit starts), the first request and the first acceptance (NaN when it never happened)."""


def metric_names(scenario: Scenario) -> tuple[str, ...]:
    """Names of the outcome record's fields, in record order: `RECORD_HEAD`, the
    per-visitor days of `DAY_PREFIXES`, then the agenda items."""
    days = tuple(f"{prefix}.{v.id}" for prefix in DAY_PREFIXES for v in scenario.visitors)
    return (*RECORD_HEAD, *days, *item_metrics(scenario))


def soft_conditions(scenario: Scenario) -> tuple[tuple[str, str, Waiver], ...]:
    """Every soft precondition as (visitor id, stream key, waiver), in the order the
    world draws them and the model reads them: by visitor, ask then travel conditions,
    then the host's deferral of that visitor. The key names the condition by visitor
    and place, never by position in an ordering."""
    out: list[tuple[str, str, Waiver]] = []
    preference = scenario.host.preference
    for v in scenario.visitors:
        for phase in ("ask", "travel"):
            for j, c in enumerate(getattr(v.preconditions, phase)):
                if c.waiver is not None:
                    out.append((v.id, f"{phase}:{j}", c.waiver))
        if defers(scenario, v) and preference.waiver is not None:
            out.append((v.id, "host_preference", preference.waiver))
    return tuple(out)


def defers(scenario: Scenario, visitor: Visitor) -> bool:
    """Whether the host holds this visitor's travel until a first-track visit is over."""
    preference = scenario.host.preference
    return preference.defer_others and visitor.track != preference.first_track
