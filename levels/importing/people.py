"""users.csv: users, and a level 1 seller profile for each seller."""

import datetime as dt
import secrets
from typing import NamedTuple

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import User
from sellers.models import SellerProfile

from .copying import CopyTable, model_defaults
from .reading import CsvRecord, RowError, parse_choice, parse_text, parse_timestamp, shown
from .state import FileFormat, ImportState
from .writing import BATCH_SIZE, save_changed

FILE = "users.csv"
USERNAME_LENGTH = User._meta.get_field("username").max_length
DISPLAY_NAME_LENGTH = User._meta.get_field("display_name").max_length


class UserRow(NamedTuple):
    line: int
    external_id: str
    username: str
    display_name: str
    is_seller: bool
    date_joined: dt.datetime
    # Written only when the user is new: a stored user keeps its password.
    password: str


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
    return UserRow(record.line, record.cell("id"), username, display_name, is_seller, joined_at,
                   _unusable_password())


def accept_users(rows: list[UserRow], state: ImportState) -> list[UserRow]:
    """Reject the rows whose username belongs to another user, in this file or in the database.

    A username stored for a different external id is rejected even when the
    file renames that user: checking against the stored names keeps the
    upsert from ever hitting the unique index on username.
    """
    holders = dict(
        User._base_manager.filter(username__in=[row.username for row in rows])
        .values_list("username", "external_id")
    )

    accepted = []
    for row in rows:
        claimed = state.usernames.get(row.username)
        if claimed is not None and claimed[0] != row.external_id:
            error = RowError(
                "username_taken",
                _('username "%(value)s" is already used by id %(other)s on line %(line)s.')
                % {"value": row.username, "other": claimed[0], "line": claimed[1]},
            )
        elif row.username in holders and holders[row.username] != row.external_id:
            error = RowError(
                "username_taken",
                _('username "%(value)s" belongs to another user in the database.') % {"value": row.username},
            )
        else:
            state.usernames[row.username] = (row.external_id, row.line)
            state.users.add(row.external_id)
            if row.is_seller:
                state.seller_ids.add(row.external_id)
            accepted.append(row)
            continue
        state.reject(FILE, row.line, row.external_id, error)
    return accepted


def save_users(rows: list[UserRow], state: ImportState) -> None:
    users = [
        User(external_id=row.external_id, username=row.username, display_name=row.display_name,
             date_joined=row.date_joined, password=row.password)
        for row in rows
    ]
    # A user already in the database keeps its password, email and staff
    # flags: only the columns of users.csv are updated.
    save_changed(User, users, ("username", "display_name", "date_joined"))

    # A seller marked is_seller=0 in a later import keeps the profile: deleting
    # it would delete the seller's level history with it.
    profiles = [SellerProfile(user_id=user.pk, level=1) for user, row in zip(users, rows) if row.is_seller]
    SellerProfile.objects.bulk_create(profiles, batch_size=BATCH_SIZE, ignore_conflicts=True)

    for user in users:
        state.keys.users[user.external_id] = user.pk


def _copy_seller_profiles(cursor, table: CopyTable) -> None:
    defaults = model_defaults(SellerProfile, {"user_id", "level"})
    columns = ", ".join(defaults)
    placeholders = ", ".join(["%s"] * len(defaults))
    cursor.execute(
        f"""
        INSERT INTO {SellerProfile._meta.db_table} (user_id, level, {columns})
        SELECT u.id, 1, {placeholders}
        FROM {table.staging} s JOIN {User._meta.db_table} u ON u.external_id = s.external_id
        WHERE s.is_seller
        ORDER BY s.line
        ON CONFLICT (user_id) DO NOTHING
        """,
        list(defaults.values()),
    )


USERS = FileFormat(
    name=FILE,
    columns=("id", "username", "display_name", "is_seller", "joined_at"),
    parse_row=parse_user,
    accept_batch=accept_users,
    save_batch=save_users,
    copy_table=CopyTable(
        staging="import_users",
        model=User,
        columns={
            "line": "integer", "external_id": "text", "username": "text", "display_name": "text",
            "is_seller": "boolean", "date_joined": "timestamptz", "password": "text",
        },
        select={
            "external_id": "s.external_id", "username": "s.username", "display_name": "s.display_name",
            "date_joined": "s.date_joined", "password": "s.password",
        },
        compared=("username", "display_name", "date_joined"),
        after=_copy_seller_profiles,
    ),
)
