import json

from django.core.management.base import BaseCommand, CommandError

from levels.exporting import ExportError, export_levels
from levels.management.arguments import parse_date


class Command(BaseCommand):
    help = "Write every seller's level, grace period and metrics as a JSON array sorted by seller id."

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of", type=parse_date,
            help="An evaluated date to export (YYYY-MM-DD); the latest evaluation by default.",
        )
        parser.add_argument("--output", help="File to write; standard output by default.")

    def handle(self, *args, as_of, output, **options):
        try:
            entries = export_levels(as_of)
        except ExportError as error:
            raise CommandError(str(error)) from None

        text = json.dumps(entries, ensure_ascii=False, indent=1) + "\n"
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
            self.stderr.write(f"Wrote {len(entries)} sellers to {output}")
        else:
            self.stdout.write(text, ending="")
