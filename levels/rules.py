"""The transition rules of one evaluation, as pure functions over plain values.

Given a seller's state before the evaluation of a date and the qualifying
level computed for that date, ``decide`` returns the state after it and the
transitions to record. Nothing here reads the database or the clock.
"""

import dataclasses
import datetime as dt

from levels import policy as p

PROMOTED = "promoted"
GRACE_STARTED = "grace_started"
RECOVERED = "recovered"
DEMOTED = "demoted"
OVERRIDE_LIFTED = "override_lifted"


@dataclasses.dataclass(frozen=True)
class SellerState:
    level: int = 1
    level_since: dt.date | None = None
    grace_started_on: dt.date | None = None
    grace_ends_on: dt.date | None = None
    failing_criteria: tuple[str, ...] = ()
    override_level: int | None = None
    override_ends_on: dt.date | None = None

    @property
    def in_grace(self) -> bool:
        return self.grace_ends_on is not None


@dataclasses.dataclass(frozen=True)
class Transition:
    kind: str
    from_level: int
    to_level: int


@dataclasses.dataclass(frozen=True)
class Decision:
    state: SellerState
    transitions: tuple[Transition, ...]


def pin_in_force(state: SellerState, as_of: dt.date) -> bool:
    """Tell whether a staff pin holds on ``as_of``: it ends on its end date."""
    if state.override_level is None:
        return False
    return state.override_ends_on is None or as_of < state.override_ends_on


def decide(
    state: SellerState,
    qualifying: int,
    as_of: dt.date,
    failing_at_level,
    policy: p.LevelPolicy,
) -> Decision:
    """Apply the transition rules of one evaluation date.

    ``failing_at_level(n)`` returns the criteria of level n not met on
    ``as_of``; it is called only when a grace period starts.
    """
    if pin_in_force(state, as_of):
        return Decision(state, ())

    transitions = []
    if state.override_level is not None:
        # The pin ended: the rules apply again from the pinned level.
        transitions.append(Transition(OVERRIDE_LIFTED, state.level, state.override_level))
        state = dataclasses.replace(
            state, level=state.override_level, override_level=None, override_ends_on=None,
        )

    state, transition = _apply_rules(state, qualifying, as_of, failing_at_level, policy)
    if transition is not None:
        transitions.append(transition)
    return Decision(state, tuple(transitions))


def _apply_rules(state, qualifying, as_of, failing_at_level, policy):
    current = state.level

    if qualifying > current:
        return _end_grace(state, level=qualifying, level_since=as_of), Transition(PROMOTED, current, qualifying)

    if qualifying == current:
        if state.in_grace:
            return _end_grace(state), Transition(RECOVERED, current, current)
        return state, None

    if not state.in_grace:
        started = dataclasses.replace(
            state,
            grace_started_on=as_of,
            grace_ends_on=as_of + dt.timedelta(days=policy.grace_days),
            failing_criteria=tuple(failing_at_level(current)),
        )
        return started, Transition(GRACE_STARTED, current, current)

    if as_of < state.grace_ends_on:
        return state, None

    demoted = _end_grace(state, level=qualifying, level_since=as_of)
    return demoted, Transition(DEMOTED, current, qualifying)


def _end_grace(state: SellerState, **changes) -> SellerState:
    return dataclasses.replace(
        state, grace_started_on=None, grace_ends_on=None, failing_criteria=(), **changes,
    )
