"""Knockout-tournament selection for thousands of candidates (after Zhong & Hong 2022).

KN (`selection.kn_select`) keeps k × k pairwise state, and its Bonferroni split over
k − 1 rivals makes h² grow with k. Zhong & Hong ("Knockout-tournament procedures for
large-scale ranking and selection in parallel computing environments", Operations
Research 70(1), 2022) play KN in small groups instead: `knockout_select` splits the
surviving systems, in index order, into consecutive groups of `group_size` (the last
may be smaller; a group of one advances unopposed), runs KN with common random numbers
inside every group, and advances each group's selection. It repeats until one system
remains. The rounds are known in advance: round r plays n_r systems, n_1 = k and
n_(r+1) = ⌈n_r / g⌉, until one is left after R rounds. Round r's KN uses its own error
α_r (`alpha_split`), with KN's constants for each group's own size.

Consecutive, not dealt round-robin as PyPRS's KT deals them: candidate orderings are
enumerated in lexicographic order, so neighbours share their first visits, and with
common random numbers their differences vary little; KN's sample sizes grow with that
variance (S²_il), not with how close the means are. Dealt groups spent almost four
times the replications on the 8-visitor synthetic scenario (docs/scale-and-speed.md).

Guarantee (indifference zone). If the best system b has μ_b ≥ μ_i + δ for all i ≠ b,
it exceeds every member of its group by δ, so — given the group it plays in — KN
eliminates it with probability at most α_r in round r. The α_r depend on k, g, n0
and α only, never on data, and Σ_r α_r ≤ α. Summing over the R rounds,
P(b loses) = Σ_r P(b loses in round r, b reached round r)
           ≤ Σ_r P(b loses in round r | b reached round r) ≤ Σ_r α_r ≤ α.

The split (`alpha_split`). KN's h² for s systems at error a is
h²(s, a) = (n0 − 1)[((s − 1) / 2a)^c − 1], c = 2 / (n0 − 1), and every continuation
region, so every system's expected sample size, grows in proportion to h². A round's
expected cost is therefore about Σ_groups s·h²(s, α_r) = (n0 − 1)(A_r α_r^−c − n_r),
A_r = Σ_groups s((s − 1)/2)^c over the groups that play (a group of one does not).
Minimising Σ_r A_r α_r^−c (convex) subject to Σ_r α_r = α, the Lagrange condition
c A_r α_r^−(c+1) = λ gives α_r = α · A_r^(1/(1+c)) / Σ_q A_q^(1/(1+c)): the first
round, which plays the most systems, gets the most error (about α · 0.90 for
k = 4,096, g = 16, n0 = 10, against α/2 for a geometric split α/2^r and α/3 for an
even one), and the few systems of the last rounds pay for their small α_r with
larger h². A group of s systems needs α_r < 1 − 1/s (else a random pick is as good);
should the split give any round more (α near 1/2 or above), the even split α/R,
always below 1/2, is used instead.

Fresh replications. The conditional statement needs round j's data to be independent
of everything that decided round j's groups. So round j + 1 simulates new
replications, with indices continuing after the largest index round j's procedure
used (its last screening stage, over all groups). Within a round, every group uses
the same indices, so replication r of every system shares world r (common random
numbers). Replications a batch simulated beyond that stage never influenced a
decision, so the next round may use those worlds again (it simulates them anew);
starting there, rather than after the last simulated index, keeps every round's
data, and so every decision, independent of the batch size. Re-using data that did
decide a round would break the guarantee: a group's winner is the system whose
sample mean came out high, so its old data are biased upward. A mediocre system
that advanced by luck would carry that inflated mean into the next round, where
KN's error bound (derived for unbiased data) no longer holds, and the best could
lose with probability above α_r.

Lockstep. All groups of a round run on one replication clock, as numpy arrays over
groups: S²_il of shape (groups, g, g), sums of shape (groups, g). Memory and work per
stage are O(k·g), not O(k²). A batch makes one sampler call for every system still
alive in an unfinished group. As in `selection.py`, the screening rule is applied at
every stage r inside the batch, in order, so the batch size changes only how many
replications are simulated, never a decision. Cumulative sums are built one
replication at a time, so they are bitwise identical for every batch size. The first
batch of a round is its first stage (n0 replications). Later batches end at the next
global replication index that is a multiple of `batch`, at the latest stage an
unfinished group can reach, or at the per-round budget, whichever comes first. A
batch is also capped at about 100 MB of observations.

A group stops when one system survives, when r > max N_il over its surviving pairs
(tied survivors then have equal means; the lowest index is taken), or at the
`max_replications` budget (largest mean, no guarantee).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..executors import Executor
from ..types import FloatArray, IntArray, RoundProgress
from .parallel import parallel_sampler
from .selection import (
    Sampler,
    _check_delta,
    _check_design,
    _observe,
    kn_constants,
)

_MAX_VALUES = 12_500_000  # floats (100 MB) per batch block and per variance chunk


@dataclass(frozen=True)
class Tournament:
    """Outcome of a knockout tournament; arrays are indexed by system."""

    selected: int
    rounds: int
    group_size: int
    alpha_rounds: tuple[float, ...]  # KN's error within every group of each round
    h2_rounds: tuple[float, ...]  # KN's h² for each round's largest group, at its error
    delta: float
    alpha: float
    n0: int
    eliminated_round: IntArray  # 1-based round in which each system lost; 0 for the winner
    replications: IntArray  # replications simulated per system, all rounds
    final_group: tuple[int, ...]  # the systems of the last round
    round_starts: tuple[int, ...]  # first replication index of each round
    final_observations: FloatArray  # (len(final_group), n): last round, common replications
    guaranteed: bool  # False when a per-round budget stopped some group


def round_sizes(k: int, group_size: int) -> tuple[int, ...]:
    """Systems playing each round when k systems are reduced to one in groups of
    `group_size`."""
    sizes: list[int] = []
    while k > 1:
        sizes.append(k)
        k = -(-k // group_size)
    return tuple(sizes)


def tournament_rounds(k: int, group_size: int) -> int:
    """Rounds needed to reduce k systems to one with groups of `group_size`."""
    return len(round_sizes(k, group_size))


def _groups(systems: int, group_size: int) -> list[int]:
    """Sizes of the groups that play when `systems` are split in index order (groups of
    one advance unopposed and are left out)."""
    full, last = divmod(systems, group_size)
    return [group_size] * full + ([last] if last > 1 else [])


def alpha_split(k: int, group_size: int, n0: int, alpha: float) -> tuple[float, ...]:
    """Each round's error α_r, Σ α_r = α, minimising the expected total sample size.

    α_r ∝ A_r^(1/(1+c)), c = 2/(n0 − 1), A_r = Σ s((s − 1)/2)^c over round r's groups
    (module doc); the even split α/R when that gives a round α_r ≥ 1 − 1/s for one of
    its groups. Deterministic and cheap: one pass over the rounds.
    """
    c = 2 / (n0 - 1)
    played = [_groups(n, group_size) for n in round_sizes(k, group_size)]
    weights = np.array(
        [sum(s * ((s - 1) / 2) ** c for s in groups) ** (1 / (1 + c)) for groups in played]
    )
    alphas = alpha * (weights / weights.sum())
    if any(a >= 1 - 1 / min(groups) for a, groups in zip(alphas, played, strict=True)):
        alphas = np.full(len(played), alpha / len(played))
    while math.fsum(alphas) > alpha:  # rounding must not spend more than α
        alphas = np.nextafter(alphas, 0.0)
    return tuple(float(a) for a in alphas)


@dataclass
class _Groups:
    """Lockstep KN state of the unfinished groups of one round (A groups, g places)."""

    members: IntArray  # (A, g) system indices, −1 for padding
    alive: np.ndarray  # (A, g) bool
    sums: FloatArray  # (A, g) cumulative sums
    reach: FloatArray  # (A, g, g) h² S²_il / δ², 0 for padding
    top: FloatArray  # (A,) floor of the largest reach over surviving pairs

    def subset(self, keep: IntArray) -> _Groups:
        """The state of groups `keep` only."""
        return _Groups(
            self.members[keep], self.alive[keep], self.sums[keep], self.reach[keep], self.top[keep]
        )

    def refresh_top(self, rows: np.ndarray) -> None:
        """Recompute `top` for the groups selected by `rows` after eliminations."""
        alive = self.alive[rows]
        pairs = alive[:, :, None] & alive[:, None, :]
        self.top[rows] = np.floor(np.where(pairs, self.reach[rows], 0.0).max(axis=(1, 2)))


def _difference_variances(first: FloatArray) -> FloatArray:
    """S²_il of every group from first-stage data (A, g, n0), shape (A, g, g).

    Computed as the sample variance of X_i − X_l, like `selection.py` (identical
    systems get exactly 0), in chunks of groups to bound memory.
    """
    groups, size, n0 = first.shape
    chunk = max(1, _MAX_VALUES // (size * size * n0))
    out = np.empty((groups, size, size))
    for low in range(0, groups, chunk):
        part = first[low : low + chunk]
        out[low : low + chunk] = np.var(part[:, :, None, :] - part[:, None, :, :], axis=-1, ddof=1)
    return out


@dataclass
class _Knockout:
    """Settings and bookkeeping shared by the rounds of one tournament."""

    sampler: Sampler
    n0: int
    delta: float
    alpha_rounds: tuple[float, ...]
    batch: int
    group_size: int
    max_replications: int | None
    on_batch: RoundProgress | None
    eliminated_round: IntArray
    replications: IntArray
    guaranteed: bool = True
    stage: int = 0  # the last stage of the current round at which some group screened

    def sample(
        self, members: IntArray, mask: np.ndarray, offset: int, start: int, stop: int
    ) -> FloatArray:
        """Observations of systems `members[mask]`, laid out as (stop − start, A, g)."""
        systems = members[mask]
        block = _observe(self.sampler, systems, offset + start, offset + stop)
        self.replications[systems] += stop - start
        laid = np.zeros((stop - start, *mask.shape))
        laid[:, mask] = block.T
        return laid

    def report(self, number: int) -> None:
        """Tell `on_batch` the replications simulated so far, the systems alive and the
        round being played."""
        if self.on_batch is not None:
            alive = int(np.count_nonzero(self.eliminated_round == 0))
            self.on_batch(int(self.replications.sum()), alive, number, len(self.alpha_rounds))

    def play(
        self, survivors: IntArray, offset: int, number: int, keep: Callable[..., None] | None
    ) -> tuple[IntArray, int]:
        """Play round `number` from replication `offset`; return winners and next offset.

        `keep(systems, block)`, if given, receives every block of observations.
        """
        size = self.group_size
        groups = -(-len(survivors) // size)
        flat = np.full(groups * size, -1, dtype=np.int64)
        flat[: len(survivors)] = survivors
        members: IntArray = flat.reshape(groups, size)
        counts = (members >= 0).sum(axis=1)
        winners = [members[counts == 1, 0]]  # groups of one advance unopposed
        members = members[counts >= 2]
        h2 = np.array([self.h2(int(c), number) for c in counts[counts >= 2]])
        alive = members >= 0
        block = self.sample(members, alive, offset, 0, self.n0)
        if keep is not None:
            keep(members[alive], block[:, alive].T)
        pairs = alive[:, :, None] & alive[:, None, :]
        s2 = _difference_variances(block.transpose(1, 2, 0))
        reach = np.where(pairs, h2[:, None, None] * s2 / self.delta**2, 0.0)
        top = np.floor(reach.max(axis=(1, 2)))
        state = _Groups(members, alive, np.zeros(alive.shape), reach, top)
        start, self.stage = 0, self.n0
        while True:
            state, block, won = self.screen(state, block, start, number)
            winners.extend(won)
            stop = start + len(block)
            self.report(number)
            if len(state.members) == 0:
                break
            start = stop
            stop = min(
                ((offset + start) // self.batch + 1) * self.batch - offset,
                int(state.top.max()) + 1,
                start + max(1, _MAX_VALUES // int(state.alive.sum())),
            )
            if self.max_replications is not None:
                stop = min(stop, self.max_replications)
            block = self.sample(state.members, state.alive, offset, start, stop)
            if keep is not None:
                keep(state.members[state.alive], block[:, state.alive].T)
        return np.sort(np.concatenate(winners)), offset + self.stage

    def h2(self, size: int, number: int) -> float:
        """KN's h² for a group of `size` systems at round `number`'s error."""
        return kn_constants(size, self.n0, self.alpha_rounds[number - 1])[1]

    def screen(
        self, state: _Groups, block: FloatArray, start: int, number: int
    ) -> tuple[_Groups, FloatArray, list[IntArray]]:
        """Apply KN's screening at stages start + 1 .. start + len(block), in order.

        Returns the state of the groups still unfinished, the rest of the block (for
        compaction), and the winners of the groups that finished.
        """
        winners: list[IntArray] = []
        delta, width = self.delta, len(block)
        running = np.ones(len(state.members), dtype=bool)
        for j in range(width):
            r = start + j + 1
            state.sums += block[j]
            if r < self.n0:
                continue
            means = state.sums / r
            slack = np.maximum(0.0, delta / (2 * r) * (state.reach - r))
            beaten = (means[:, None, :] - means[:, :, None] > slack) & state.alive[:, None, :]
            out = beaten.any(axis=2) & state.alive & running[:, None]
            if out.any():
                state.alive &= ~out
                self.eliminated_round[state.members[out]] = number
                state.refresh_top(out.any(axis=1))
            done = running & ((state.alive.sum(axis=1) == 1) | (r > state.top))
            if r == self.max_replications and not done[running].all():
                self.guaranteed = False
                done = running.copy()
            if done.any():
                winners.append(self.finish(state, done, number))
                self.stage = r
                running &= ~done
                if 2 * running.sum() <= len(running) and j + 1 < width:
                    keep = np.flatnonzero(running)
                    state, block, running = state.subset(keep), block[:, keep], running[keep]
        keep = np.flatnonzero(running)
        return state.subset(keep), block, winners

    def finish(self, state: _Groups, done: np.ndarray, number: int) -> IntArray:
        """Select the largest mean (lowest index on ties) in groups `done`; eliminate the rest."""
        best = np.where(state.alive, state.sums, -np.inf).argmax(axis=1)
        picked = np.zeros(state.alive.shape, dtype=bool)
        picked[np.arange(len(best)), best] = True
        rest = state.alive & ~picked & done[:, None]
        self.eliminated_round[state.members[rest]] = number
        state.alive &= ~rest
        winners: IntArray = state.members[done, best[done]]
        return winners


def knockout_select(
    sampler: Sampler,
    k: int,
    *,
    n0: int,
    delta: float,
    alpha: float,
    batch: int,
    group_size: int = 16,
    max_replications: int | None = None,
    on_batch: RoundProgress | None = None,
    executor: Executor | None = None,
) -> Tournament:
    """Select the system with the largest mean by a knockout tournament of KN groups.

    With probability at least 1 − α it selects the best when the best exceeds all
    others by at least δ (normal observations). `max_replications` is a per-round
    budget per system. `on_batch` hears (replications simulated, systems alive, round,
    rounds) after every batch. With an `executor`, every sampler call is split by
    systems over its workers (`parallel.parallel_sampler`: the sampler must be
    picklable, and give each system's row whatever other systems a call names); the
    result is the same as without. Raises ValueError on invalid arguments (k ≥ 2,
    n0 ≥ 2, δ > 0 finite, 0 < α < 1 − 1/k, batch ≥ 1, group_size ≥ 2,
    max_replications ≥ n0) or on a sampler that returns the wrong shape or non-finite
    values.
    """
    _check_design(k, n0, alpha)
    _check_delta(delta)
    if batch < 1:
        raise ValueError(f"batch must be at least 1 replication, got {batch}")
    if group_size < 2:
        raise ValueError(f"group_size must be at least 2 systems, got {group_size}")
    if max_replications is not None and max_replications < n0:
        raise ValueError(f"max_replications must be at least n0 = {n0}, got {max_replications}")
    with parallel_sampler(sampler, executor) as sample:
        return _tournament(
            _Knockout(
                sampler=sample,
                n0=n0,
                delta=delta,
                alpha_rounds=alpha_split(k, group_size, n0, alpha),
                batch=batch,
                group_size=group_size,
                max_replications=max_replications,
                on_batch=on_batch,
                eliminated_round=np.zeros(k, dtype=np.int64),
                replications=np.zeros(k, dtype=np.int64),
            ),
            alpha,
        )


def _tournament(run: _Knockout, alpha: float) -> Tournament:
    """Play every round of `run`; the last round keeps its observations."""
    k, rounds = len(run.replications), len(run.alpha_rounds)
    survivors: IntArray = np.arange(k)
    starts = [0]
    for number in range(1, rounds):
        survivors, offset = run.play(survivors, starts[-1], number, None)
        starts.append(offset)
    final: dict[int, list[FloatArray]] = {int(s): [] for s in survivors}

    def keep(systems: IntArray, block: FloatArray) -> None:
        for system, row in zip(systems, block, strict=True):
            final[int(system)].append(row)

    (winner,), _ = run.play(survivors, starts[-1], rounds, keep)
    rows = [np.concatenate(parts) for parts in final.values()]
    common = min(len(row) for row in rows)
    return Tournament(
        selected=int(winner),
        rounds=rounds,
        group_size=run.group_size,
        alpha_rounds=run.alpha_rounds,
        h2_rounds=tuple(
            run.h2(min(run.group_size, n), number)
            for number, n in enumerate(round_sizes(k, run.group_size), start=1)
        ),
        delta=run.delta,
        alpha=alpha,
        n0=run.n0,
        eliminated_round=run.eliminated_round,
        replications=run.replications,
        final_group=tuple(final),
        round_starts=tuple(starts),
        final_observations=np.stack([row[:common] for row in rows]),
        guaranteed=run.guaranteed,
    )
