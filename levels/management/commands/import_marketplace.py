import logging
from contextlib import nullcontext
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm.contrib.logging import logging_redirect_tqdm

from levels.importing import ImportFailed, import_directory


class Command(BaseCommand):
    help = (
        "Load marketplace history from the CSV files in DIR: users.csv, and optionally "
        "services.csv, orders.csv, reviews.csv, conversations.csv and messages.csv. "
        "Rows are matched on their id, so running it again updates rather than duplicates. "
        "Invalid rows are listed as FILE:LINE: REASON, the valid rows are saved, and the "
        "command then exits with status 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, metavar="DIR", help="Folder containing the CSV files.")

    def handle(self, *args, directory: Path, **options):
        progress = self.stdout.isatty()
        # Log lines written while a progress bar is drawn would break it, so
        # they go through tqdm while the bars are on screen.
        console_logs = (
            logging_redirect_tqdm(loggers=[logging.root, logging.getLogger("levels")])
            if progress else nullcontext()
        )
        try:
            with console_logs:
                report = import_directory(directory, progress=progress)
        except ImportFailed as error:
            raise CommandError(str(error)) from error

        for rejection in report.rejections:
            self.stderr.write(str(rejection))
        self.stdout.write(report.summary())

        if report.rejections:
            raise CommandError(
                _("%(count)s rows were rejected (listed above) and the other rows were saved. "
                  "Fix the rejected rows and run the import again.") % {"count": report.rejected_count}
            )
