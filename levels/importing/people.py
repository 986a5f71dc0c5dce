"""users.csv: users, and a level 1 seller profile for each seller."""

import dataclasses
import secrets

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import User
from sellers.models import SellerProfile

from .reading import CsvRecord, RowError, parse_choice, parse_text, parse_timestamp, shown
from .state import FileFormat, ImportState, ParsedRow
from .writing import BATCH_SIZE, save_changed

FILE = "users.csv"
USERNAME_LENGTH = User._meta.get_field("username").max_length
DISPLAY_NAME_LENGTH = User._meta.get_field("display_name").max_length


@dataclasses.dataclass(slots=True)
class UserRow(ParsedRow):
    is_seller: bool


def _unusable_password() -> str:
    # Same form as make_password(None), which took about 40 µs per call on a
    # 2-core test machine because it draws 40 characters one by one. This
    # took about 1 µs.
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _parse_username(record: CsvRecord) -> str:
    username = parse_text(record, "username", required=True, max_length=USERNAME_LENGTH)
    try:
        User.username_validator(username)
    except ValidationError:
        raise RowError(
            "invalid_username",
            _('username "%(value)s" may contain only letters, digits and @ . + - _.') % {"value": shown(username)},
        ) from None
    return username


def parse_user(record: CsvRecord, state: ImportState) -> UserRow:
    username = _parse_username(record)
    display_name = parse_text(record, "display_name", required=False, max_length=DISPLAY_NAME_LENGTH)
    is_seller = parse_choice(record, "is_seller", ("1", "0")) == "1"
    joined_at = parse_timestamp(record, "joined_at")

    user = User(
        external_id=record.cell("id"),
        username=username,
        display_name=display_name,
        date_joined=joined_at,
        password=_unusable_password(),
    )
    return UserRow(record.line, user, is_seller)


def _reject_taken_usernames(rows: list[UserRow], state: ImportState) -> list[UserRow]:
    """Reject the rows whose username belongs to another user, in this file or in the database.

    A username stored for a different external id is rejected even when the
    file renames that user: checking against the stored names keeps the
    upsert from ever hitting the unique index on username.
    """
    holders = dict(
        User._base_manager.filter(username__in=[row.instance.username for row in rows])
        .values_list("username", "external_id")
    )

    accepted = []
    for row in rows:
        user = row.instance
        claimed = state.usernames.get(user.username)
        if claimed is not None and claimed[0] != user.external_id:
            error = RowError(
                "username_taken",
                _('username "%(value)s" is already used by id %(other)s on line %(line)s.')
                % {"value": user.username, "other": claimed[0], "line": claimed[1]},
            )
        elif user.username in holders and holders[user.username] != user.external_id:
            error = RowError(
                "username_taken",
                _('username "%(value)s" belongs to another user in the database.') % {"value": user.username},
            )
        else:
            state.usernames[user.username] = (user.external_id, row.line)
            accepted.append(row)
            continue
        state.reject(FILE, row.line, user.external_id, error)
    return accepted


def save_users(rows: list[UserRow], state: ImportState) -> list[UserRow]:
    rows = _reject_taken_usernames(rows, state)

    # A user already in the database keeps its password, email and staff
    # flags: only the columns of users.csv are updated.
    save_changed(User, [row.instance for row in rows], ("username", "display_name", "date_joined"))

    # A seller marked is_seller=0 in a later import keeps the profile: deleting
    # it would delete the seller's level history with it.
    profiles = [SellerProfile(user_id=row.instance.pk, level=1) for row in rows if row.is_seller]
    SellerProfile.objects.bulk_create(profiles, batch_size=BATCH_SIZE, ignore_conflicts=True)

    for row in rows:
        state.users[row.instance.external_id] = row.instance.pk
        if row.is_seller:
            state.seller_ids.add(row.instance.external_id)
    return rows


USERS = FileFormat(
    name=FILE,
    columns=("id", "username", "display_name", "is_seller", "joined_at"),
    parse_row=parse_user,
    save_batch=save_users,
)
