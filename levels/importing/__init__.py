"""Import of marketplace history from a directory of CSV files.

``import_directory(path)`` loads users.csv (required) and, when present,
services.csv, orders.csv, reviews.csv, conversations.csv and messages.csv,
each matched on its ``id`` column, which is kept as the external_id of the
object it creates or updates.
"""

from .importer import import_directory
from .report import ImportFailed, ImportReport, Rejection

__all__ = ["ImportFailed", "ImportReport", "Rejection", "import_directory"]
