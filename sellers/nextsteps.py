"""The arithmetic of a seller's next step towards a level threshold, as pure functions.

Each function returns how many more of something (clients, 5-star reviews,
completed orders, converted inquiries) meet a criterion. The arithmetic is
exact, in integers and Fractions, so the count agrees with the checks of
levels.values at every boundary. A function returns 0 when the criterion is
already met, and None when no count can meet it because the threshold is
above the best possible value.

NOTE: the counts assume nothing leaves the trailing windows meanwhile. An old
review or order that drops out of the window can move the value either way.
"""

import math
from fractions import Fraction

MAX_RATING = 5


def clients_needed(*, clients: int, minimum: int | None) -> int:
    """Return how many more distinct clients with a completed order reach ``minimum``."""
    if minimum is None:
        return 0
    return max(0, minimum - clients)


def five_star_reviews_needed(*, rating_sum: int, rating_count: int, minimum: Fraction | None) -> int | None:
    """Return the smallest n such that n more 5-star reviews lift the mean to ``minimum``.

    That is the smallest n >= 0 with (rating_sum + 5n) >= minimum * (rating_count + n)
    and at least one review in all, since a seller without reviews fails.
    """
    if minimum is None:
        return 0

    deficit = minimum * rating_count - rating_sum
    at_least = 0 if rating_count else 1
    if deficit <= 0:
        return at_least

    # Each 5-star review closes (5 - minimum) of the deficit, and none does
    # once the threshold is the top rating itself.
    gain = MAX_RATING - minimum
    if gain <= 0:
        return None
    return max(at_least, math.ceil(Fraction(deficit) / gain))


def successes_needed(*, successes: int, total: int, minimum: Fraction | None, met_without_data: bool) -> int | None:
    """Return the smallest n such that n more successes out of n more tries reach ``minimum``.

    That is the smallest n >= 0 with (successes + n) >= minimum * (total + n). It
    serves the completion rate (a success is an order completed without a
    cancellation) and the contact success rate (an inquiry that became an
    order). ``met_without_data`` is true when the criterion passes with no
    data at all, which is the case for the contact success rate only.
    """
    if minimum is None:
        return 0
    if total == 0 and met_without_data:
        return 0

    deficit = minimum * total - successes
    at_least = 0 if total else 1
    if deficit <= 0:
        return at_least

    # A success adds (1 - minimum) to the margin; at a threshold of 100% a
    # single failure can never be made up.
    gain = 1 - minimum
    if gain <= 0:
        return None
    return max(at_least, math.ceil(Fraction(deficit) / gain))


def completions_needed(*, completed: int, cancelled: int, minimum: Fraction | None) -> int | None:
    """Return how many next orders completed without a cancellation reach ``minimum``."""
    return successes_needed(
        successes=completed, total=completed + cancelled, minimum=minimum, met_without_data=False,
    )


def conversions_needed(*, converted: int, decided: int, minimum: Fraction | None) -> int | None:
    """Return how many more inquiries that turn into orders reach ``minimum``."""
    return successes_needed(
        successes=converted, total=decided, minimum=minimum, met_without_data=True,
    )


def percent_of(value: Fraction | None, target: Fraction | None, *, higher_is_better: bool) -> int:
    """Return the progress of ``value`` towards ``target`` as a whole percentage in [0, 100].

    A missing value has made no progress; a missing target means nothing is
    asked, so the progress is full. Lower-is-better values, such as a reply
    delay, are at 100% once they reach the target or go below it.
    """
    if target is None:
        return 100
    if value is None:
        return 0

    if higher_is_better:
        if target <= 0:
            return 100
        ratio = Fraction(value) / target
    else:
        if value <= target:
            return 100
        ratio = Fraction(target) / value
    return max(0, min(100, math.floor(ratio * 100)))
