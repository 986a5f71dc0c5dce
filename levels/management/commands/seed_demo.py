import contextlib
import io
import logging
import secrets
import tempfile
import time
from collections import Counter
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from levels import demo
from levels.models import LevelEvent
from levels.policy import current_policy
from marketplace import clock
from sellers.models import SellerProfile

# Passwords of the two demo accounts. They are meant to be public: the README
# lists them so that anyone trying the demo can sign in.
DEMO_SELLER_PASSWORD = "demo-seller-2024"
DEMO_BUYER_PASSWORD = "demo-buyer-2024"


class Command(BaseCommand):
    help = (
        "Fill a database that has no seller with a generated Arabic demo marketplace: two years "
        "of orders, reviews and inquiries ending yesterday, loaded with import_marketplace and "
        "replayed with recompute_levels, plus an admin account and demo seller and buyer logins. "
        "Does nothing when a seller exists."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sellers", type=int, default=300,
            help="Number of sellers to generate (default 300); buyers are five per seller.",
        )
        parser.add_argument(
            "--seed", type=int, default=demo.DEFAULT_SEED,
            help="Seed of the random generator; the same seed and date give the same marketplace.",
        )
        parser.add_argument(
            "--keep-csv", type=Path, metavar="DIR",
            help="Write the generated CSV files to DIR and keep them, instead of a temporary folder.",
        )

    def handle(self, *args, sellers: int, seed: int, keep_csv: Path | None, verbosity: int, **options):
        if sellers < 1:
            raise CommandError(f"--sellers must be at least 1, not {sellers}.")
        if SellerProfile.objects.exists():
            self.stdout.write("The database already has sellers, so the demo was not seeded.")
            return

        started = time.monotonic()
        timeline = demo.build_timeline(
            today=clock.local_today(), zone=clock.local_zone(), grace_days=current_policy().grace_days,
        )
        data = demo.generate(timeline=timeline, sellers=sellers, seed=seed)
        self.stdout.write(
            f"Generated {sellers} sellers, {len(data.users) - sellers} buyers, {len(data.orders)} orders, "
            f"{len(data.reviews)} reviews and {len(data.conversations)} inquiries up to {timeline.yesterday}."
        )

        # The replay logs several INFO lines per date, hundreds in all, so they
        # are hidden and a summary is printed instead. Verbosity 2 shows them.
        with _quiet_info_logging(("levels", "services"), enabled=verbosity < 2):
            self._import(data, keep_csv)
            self._replay(timeline, verbosity)

        self._create_logins(data)
        self._print_summary(time.monotonic() - started)

    def _import(self, data: demo.DemoData, keep_csv: Path | None) -> None:
        if keep_csv is not None:
            data.write_csv(keep_csv)
            call_command("import_marketplace", str(keep_csv), stdout=self.stdout)
            return

        with tempfile.TemporaryDirectory(prefix="marketplace-demo-") as directory:
            data.write_csv(Path(directory))
            call_command("import_marketplace", directory, stdout=self.stdout)

    def _replay(self, timeline: demo.Timeline, verbosity: int) -> None:
        output = self.stdout if verbosity >= 2 else io.StringIO()
        first, last = timeline.replay_first.isoformat(), timeline.yesterday.isoformat()
        self.stdout.write(f"Replaying the levels from {first} to {last}...")
        call_command("recompute_levels", "--from", first, "--to", last, stdout=output)
        if isinstance(output, io.StringIO):
            # The command's last line sums up the whole range.
            self.stdout.write(output.getvalue().strip().splitlines()[-1])

    def _create_logins(self, data: demo.DemoData) -> None:
        if User.objects.filter(username="admin").exists():
            self.stdout.write("A user named admin already exists; its password was left unchanged.")
        else:
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser("admin", email="admin@marketplace.localhost", password=password)
            self.stdout.write(self.style.SUCCESS(
                f"Staff login: admin / {password}  (shown only now; change it with "
                f"'python manage.py changepassword admin')"
            ))

        for external_id, password in ((data.demo_seller_id, DEMO_SELLER_PASSWORD),
                                      (data.demo_buyer_id, DEMO_BUYER_PASSWORD)):
            user = User.objects.get(external_id=external_id)
            user.set_password(password)
            user.save(update_fields=["password"])
            self.stdout.write(f"Demo login: {user.username} / {password}  ({user.display_name})")

    def _print_summary(self, seconds: float) -> None:
        levels = Counter(SellerProfile.objects.values_list("level", flat=True))
        in_grace = SellerProfile.objects.filter(grace_ends_on__isnull=False).count()
        demoted = LevelEvent.objects.filter(kind=LevelEvent.Kind.DEMOTED).values("seller").distinct().count()
        by_level = ", ".join(f"level {level}: {levels[level]}" for level in sorted(levels))
        self.stdout.write(self.style.SUCCESS(
            f"Demo ready in {seconds:.0f} s. Sellers by level: {by_level}; "
            f"{in_grace} in a grace period; {demoted} demoted during the replay."
        ))


@contextlib.contextmanager
def _quiet_info_logging(names: tuple[str, ...], *, enabled: bool):
    """Raise the named loggers to WARNING for the duration, then restore their levels."""
    loggers = [logging.getLogger(name) for name in names]
    previous = [logger.level for logger in loggers]
    if enabled:
        for logger in loggers:
            logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, previous):
            logger.setLevel(level)
