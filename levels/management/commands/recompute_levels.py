import contextlib
import logging
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from levels import nightly
from levels.evaluation import EvaluationOrderError
from levels.management.arguments import parse_date


class Command(BaseCommand):
    help = (
        "Evaluate seller levels as of one date (--as-of), or replay every date of a range "
        "in order (--from/--to), exactly as the nightly job would have."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=parse_date, help="The one date to evaluate (YYYY-MM-DD).")
        parser.add_argument("--from", dest="first", type=parse_date, help="First date of the range.")
        parser.add_argument("--to", dest="last", type=parse_date, help="Last date of the range, included.")

    def handle(self, *args, as_of, first, last, **options):
        if as_of and (first or last):
            raise CommandError("Use either --as-of or --from/--to, not both.")
        if as_of:
            first = last = as_of
        if not (first and last):
            raise CommandError("Give --as-of DATE, or both --from DATE and --to DATE.")
        if first > last:
            raise CommandError(f"--from {first} is after --to {last}.")

        days = (last - first).days + 1
        show_progress = days > 1 and sys.stderr.isatty()
        totals = dict(sellers=0, promoted=0, grace=0, recovered=0, demoted=0)

        try:
            with _quiet_batches(options["verbosity"]), tqdm(total=days, unit="day", disable=not show_progress) as bar:
                for run in nightly.evaluate_range(first, last):
                    self.stdout.write(run.summary())
                    _add_totals(totals, run)
                    bar.update(1)
        except EvaluationOrderError as error:
            raise CommandError(str(error)) from None

        if days > 1:
            self.stdout.write(
                f"Replayed {days} dates from {first} to {last}: {totals['promoted']} promotions, "
                f"{totals['grace']} grace periods started, {totals['recovered']} recoveries, "
                f"{totals['demoted']} demotions."
            )


@contextlib.contextmanager
def _quiet_batches(verbosity: int):
    """Hide the per-batch log lines of the nightly job below verbosity 2; the summaries remain."""
    logger = logging.getLogger("levels")
    previous = logger.level
    if verbosity < 2:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(previous)


def _add_totals(totals: dict, run) -> None:
    totals["sellers"] += run.sellers_evaluated
    totals["promoted"] += run.promoted
    totals["grace"] += run.grace_started
    totals["recovered"] += run.recovered
    totals["demoted"] += run.demoted
