"""Outcome of an import: the rows saved per file and every rejected row with its reason."""

import dataclasses

from django.utils.translation import gettext as _

# The files of an import directory, in the order they load: each file refers
# only to ids of the files before it.
FILE_ORDER = (
    "users.csv",
    "services.csv",
    "orders.csv",
    "reviews.csv",
    "conversations.csv",
    "messages.csv",
)


class ImportFailed(Exception):
    """An import that could not run, with nothing saved: users.csv missing, a bad header, a database error."""


@dataclasses.dataclass(frozen=True)
class Rejection:
    """A row left out of the import.

    ``line`` is the line of the file where the row starts, the header being
    line 1. ``code`` is stable for programs and tests; ``reason`` is the
    message in the active language.
    """

    file: str
    line: int
    code: str
    reason: str

    def __str__(self):
        return f"{self.file}:{self.line}: {self.reason}"


@dataclasses.dataclass
class ImportReport:
    saved: dict[str, int] = dataclasses.field(default_factory=lambda: dict.fromkeys(FILE_ORDER, 0))
    rejections: list[Rejection] = dataclasses.field(default_factory=list)

    @property
    def rejected_count(self) -> int:
        return len(self.rejections)

    def sort_rejections(self) -> None:
        """Order the rejections by file, in load order, then by line.

        Rows rejected while a batch is written are found after later rows of
        the same file were read, so the list is sorted once at the end.
        """
        self.rejections.sort(key=lambda rejection: (FILE_ORDER.index(rejection.file), rejection.line))

    def summary(self) -> str:
        return _(
            "Imported %(users)s users, %(services)s services, %(orders)s orders, "
            "%(reviews)s reviews, %(conversations)s conversations and %(messages)s messages; "
            "rejected %(rejected)s rows."
        ) % {
            "users": self.saved["users.csv"],
            "services": self.saved["services.csv"],
            "orders": self.saved["orders.csv"],
            "reviews": self.saved["reviews.csv"],
            "conversations": self.saved["conversations.csv"],
            "messages": self.saved["messages.csv"],
            "rejected": self.rejected_count,
        }
