"""import_marketplace: the example histories, idempotency, and every reason to reject a row."""

import csv
import datetime as dt
import io
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from accounts.models import User
from conversations.models import Conversation, Message
from levels.importing import ImportFailed, import_directory
from orders.models import Order, Review
from sellers.models import SellerProfile
from services.models import Category, Service
from tests import factories

pytestmark = pytest.mark.django_db

UTC = dt.UTC
MODELS = (User, SellerProfile, Category, Service, Order, Review, Conversation, Message)
COUNTED = {
    "users.csv": User,
    "services.csv": Service,
    "orders.csv": Order,
    "reviews.csv": Review,
    "conversations.csv": Conversation,
    "messages.csv": Message,
}

USERS_HEADER = ["id", "username", "display_name", "is_seller", "joined_at"]
SERVICES_HEADER = ["id", "seller_id", "title", "category", "price", "status", "created_at"]
ORDERS_HEADER = ["id", "service_id", "buyer_id", "price", "status", "created_at", "completed_at", "cancelled_at"]
REVIEWS_HEADER = ["id", "order_id", "rating", "comment", "created_at"]
CONVERSATIONS_HEADER = ["id", "seller_id", "buyer_id", "started_at"]
MESSAGES_HEADER = ["id", "conversation_id", "sender", "sent_at", "body"]


def write_csv(directory: Path, name: str, header: list[str], rows: list[list[str]]) -> None:
    with (directory / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def data_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _row in csv.reader(handle)) - 1


def run_command(directory: Path) -> tuple[int, str, str]:
    """Run import_marketplace and return its exit status, stdout and stderr."""
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        call_command("import_marketplace", str(directory), stdout=stdout, stderr=stderr)
    except CommandError as error:
        stderr.write(f"CommandError: {error}\n")
        return error.returncode, stdout.getvalue(), stderr.getvalue()
    return 0, stdout.getvalue(), stderr.getvalue()


def snapshot() -> dict[str, list[dict]]:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


# The columns an import writes, with foreign keys as external ids, so that
# imports into different databases or by different paths can be compared.
KEY_COLUMNS = {
    User: ("external_id", "username", "display_name", "date_joined", "seller_profile__level"),
    Category: ("slug", "name_ar", "name_en"),
    Service: ("external_id", "seller__external_id", "category__slug", "title", "price", "status",
              "pause_reason", "paused_at", "created_at"),
    Order: ("external_id", "service__external_id", "seller__external_id", "buyer__external_id", "price",
            "status", "created_at", "completed_at", "cancelled_at", "excluded"),
    Review: ("external_id", "order__external_id", "seller__external_id", "rating", "comment", "created_at"),
    Conversation: ("external_id", "seller__external_id", "buyer__external_id", "started_at", "first_reply_at"),
    Message: ("external_id", "conversation__external_id", "sender", "body", "sent_at"),
}


def key_columns() -> dict[str, list[tuple]]:
    return {
        model.__name__: list(model.objects.order_by(columns[0]).values_list(*columns))
        for model, columns in KEY_COLUMNS.items()
    }


def delete_imported() -> None:
    for model in (Message, Conversation, Review, Order, Service, Category, SellerProfile, User):
        model.objects.all().delete()


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the COPY path runs on PostgreSQL only")


# The replay example


def test_replay_example_imports_every_row(replay_basic_dir):
    report = import_directory(replay_basic_dir)

    assert report.rejections == []
    for name, model in COUNTED.items():
        expected = data_rows(replay_basic_dir / name)
        assert report.saved[name] == expected, name
        assert model.objects.count() == expected, name


def test_replay_sellers_start_on_level_1(replay_basic_dir):
    import_directory(replay_basic_dir)

    sellers = data_rows(replay_basic_dir / "services.csv")
    assert SellerProfile.objects.count() == sellers
    assert set(SellerProfile.objects.values_list("level", flat=True)) == {1}


def test_replay_second_import_changes_nothing(replay_basic_dir):
    import_directory(replay_basic_dir)
    before = snapshot()

    report = import_directory(replay_basic_dir)

    assert report.rejections == []
    after = snapshot()
    for model in MODELS:
        assert after[model.__name__] == before[model.__name__], model.__name__


def test_replay_first_reply_is_earliest(replay_basic_dir):
    import_directory(replay_basic_dir)

    expected: dict[str, dt.datetime | None] = {}
    with (replay_basic_dir / "conversations.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            expected[row["id"]] = None
    with (replay_basic_dir / "messages.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            sent_at = at(row["sent_at"])
            current = expected[row["conversation_id"]]
            if row["sender"] == "seller" and (current is None or sent_at < current):
                expected[row["conversation_id"]] = sent_at

    stored = dict(Conversation.objects.values_list("external_id", "first_reply_at"))
    assert stored["c000001"] == dt.datetime(2025, 7, 1, 11, 0, tzinfo=UTC)
    assert stored == expected


# The Olist sample


def test_olist_sample_imports_every_row(olist_dir):
    report = import_directory(olist_dir)

    assert report.rejections == []
    for name in ("users.csv", "services.csv", "orders.csv", "reviews.csv"):
        expected = data_rows(olist_dir / name)
        assert report.saved[name] == expected, name
        assert COUNTED[name].objects.count() == expected, name


# The COPY path of PostgreSQL and the ORM path store the same rows


@pytest.mark.parametrize("example", ["replay_basic_dir", "olist_dir"])
def test_copy_and_orm_paths_store_same_rows(example, request):
    needs_postgresql()
    directory = request.getfixturevalue(example)

    copied = import_directory(directory, use_copy=True)
    by_copy = key_columns()
    delete_imported()
    saved = import_directory(directory, use_copy=False)

    assert copied.rejections == []
    assert saved.rejections == []
    assert copied.saved == saved.saved
    assert sum(len(rows) for rows in by_copy.values()) > 0
    by_orm = key_columns()
    for model in KEY_COLUMNS:
        assert by_copy[model.__name__] == by_orm[model.__name__], model.__name__


def test_copy_path_second_import_writes_nothing(replay_basic_dir):
    needs_postgresql()
    import_directory(replay_basic_dir, use_copy=False)
    before = snapshot()

    report = import_directory(replay_basic_dir, use_copy=True)

    assert report.rejections == []
    after = snapshot()
    for model in MODELS:
        assert after[model.__name__] == before[model.__name__], model.__name__


# Rejected rows: one directory with a row for every reason

BAD_USERS = [
    ["s1", "seller1", "Seller One", "1", "2024-01-01T09:00:00Z"],
    ["s2", "seller2", "Seller Two", "1", "2024-01-01T12:00:00+03:00"],
    ["b1", "buyer1", "Buyer One", "0", "2024-01-01T09:00:00Z"],
    ["b2", "buyer2", "Naive", "0", "2024-01-01T09:00:00"],
    ["b3", "buyer3", "Malformed", "0", "2024-13-01T09:00:00Z"],
    ["b4", "seller1", "Clash", "0", "2024-01-01T09:00:00Z"],
    ["b1", "buyer1-again", "Repeated id", "0", "2024-01-01T09:00:00Z"],
    ["b5", "buyer5", "Flag", "2", "2024-01-01T09:00:00Z"],
]
BAD_SERVICES = [
    ["svc1", "s1", "Logo design", "design", "20.00", "active", "2024-02-01T09:00:00Z"],
    ["svc2", "s2", "Web shop", "programming", "150.00", "paused", "2024-02-01T09:00:00Z"],
    ["svc3", "ghost", "Unknown seller", "design", "20.00", "active", "2024-02-01T09:00:00Z"],
    ["svc4", "b1", "Not a seller", "design", "20.00", "active", "2024-02-01T09:00:00Z"],
    ["svc5", "s1", "Too dear", "design", "250.00", "active", "2024-02-01T09:00:00Z"],
    ["svc6", "s1", "Three decimals", "design", "12.505", "active", "2024-02-01T09:00:00Z"],
    ["svc7", "b2", "Rejected seller", "design", "20.00", "active", "2024-02-01T09:00:00Z"],
]
BAD_ORDERS = [
    ["o1", "svc1", "b1", "20.00", "completed", "2025-01-01T09:00:00Z", "2025-01-03T09:00:00Z", ""],
    ["o2", "svc1", "b1", "20.00", "completed", "2025-01-01T09:00:00Z", "", ""],
    ["o3", "svc1", "b1", "20.00", "cancelled", "2025-01-01T09:00:00Z", "2025-01-02T09:00:00Z",
     "2025-01-02T09:00:00Z"],
    ["o4", "svc1", "b1", "20.00", "completed", "2025-01-05T09:00:00Z", "2025-01-03T09:00:00Z", ""],
    ["o5", "svc1", "s1", "20.00", "open", "2025-01-01T09:00:00Z", "", ""],
    ["o6", "svc1", "b1", "20.00", "open", "2025-01-01T09:00:00Z", "2025-01-02T09:00:00Z", ""],
    ["o7", "svc9", "b1", "20.00", "open", "2025-01-01T09:00:00Z", "", ""],
    ["o8", "svc1", "b1", "20.00", "cancelled", "2025-01-01T09:00:00Z", "", ""],
    ["o9", "svc2", "b1", "150.00", "cancelled", "2025-01-01T09:00:00Z", "", "2025-01-02T09:00:00Z"],
    ["o10", "svc1", "b1", "0.00", "open", "2025-01-01T09:00:00Z", "", ""],
    ["o11", "svc1", "nobody", "20.00", "open", "2025-01-01T09:00:00Z", "", ""],
]
BAD_REVIEWS = [
    ["r1", "o1", "5", "Great", "2025-01-04T09:00:00Z"],
    ["r2", "o1", "4", "Second review", "2025-01-04T10:00:00Z"],
    ["r3", "o9", "7", "", "2025-01-04T09:00:00Z"],
    ["r4", "o9", "4.5", "", "2025-01-04T09:00:00Z"],
    ["r5", "o9", "x", "", "2025-01-04T09:00:00Z"],
    ["r6", "o2", "5", "", "2025-01-04T09:00:00Z"],
    ["r7", "o9", "3", "", "2025-01-04T09:00:00Z"],
]
BAD_CONVERSATIONS = [
    ["c1", "s1", "b1", "2025-01-01T09:00:00Z"],
    ["c2", "s1", "s1", "2025-01-01T09:00:00Z"],
    ["c3", "b1", "s1", "2025-01-01T09:00:00Z"],
    ["c4", "s2", "b1", "2025-01-01T12:00:00+03:00"],
]
BAD_MESSAGES = [
    ["m1", "c1", "buyer", "2025-01-01T09:00:00Z", "Hello"],
    ["m2", "c1", "seller", "2025-01-01T08:59:59Z", "Before the start"],
    ["m3", "c1", "seller", "2025-01-01T10:00:00Z", "Hi"],
    ["m4", "c2", "seller", "2025-01-01T10:00:00Z", "Rejected conversation"],
    ["m5", "c9", "seller", "2025-01-01T10:00:00Z", "Unknown conversation"],
    ["m6", "c1", "robot", "2025-01-01T10:00:00Z", "Unknown sender"],
    ["m7", "c4", "seller", "2025-01-01T09:00:00Z", "Reply at the start"],
]

# (file, line, code) of every row above that must be rejected; the header is line 1.
EXPECTED_REJECTIONS = [
    ("users.csv", 5, "naive_timestamp"),
    ("users.csv", 6, "invalid_timestamp"),
    ("users.csv", 7, "username_taken"),
    ("users.csv", 8, "duplicate_id"),
    ("users.csv", 9, "invalid_choice"),
    ("services.csv", 4, "unknown_reference"),
    ("services.csv", 5, "not_a_seller"),
    ("services.csv", 6, "price_out_of_range"),
    ("services.csv", 7, "invalid_price"),
    ("services.csv", 8, "rejected_reference"),
    ("orders.csv", 3, "completed_without_time"),
    ("orders.csv", 4, "both_closing_times"),
    ("orders.csv", 5, "closed_before_created"),
    ("orders.csv", 6, "buyer_is_seller"),
    ("orders.csv", 7, "closing_time_on_open_order"),
    ("orders.csv", 8, "unknown_reference"),
    ("orders.csv", 9, "cancelled_without_time"),
    ("orders.csv", 11, "price_not_positive"),
    ("orders.csv", 12, "unknown_reference"),
    ("reviews.csv", 3, "duplicate_review"),
    ("reviews.csv", 4, "rating_out_of_range"),
    ("reviews.csv", 5, "invalid_number"),
    ("reviews.csv", 6, "invalid_number"),
    ("reviews.csv", 7, "rejected_reference"),
    ("conversations.csv", 3, "buyer_is_seller"),
    ("conversations.csv", 4, "not_a_seller"),
    ("messages.csv", 3, "message_before_conversation"),
    ("messages.csv", 5, "rejected_reference"),
    ("messages.csv", 6, "unknown_reference"),
    ("messages.csv", 7, "invalid_choice"),
]


@pytest.fixture
def bad_dir(tmp_path) -> Path:
    write_csv(tmp_path, "users.csv", USERS_HEADER, BAD_USERS)
    write_csv(tmp_path, "services.csv", SERVICES_HEADER, BAD_SERVICES)
    write_csv(tmp_path, "orders.csv", ORDERS_HEADER, BAD_ORDERS)
    write_csv(tmp_path, "reviews.csv", REVIEWS_HEADER, BAD_REVIEWS)
    write_csv(tmp_path, "conversations.csv", CONVERSATIONS_HEADER, BAD_CONVERSATIONS)
    write_csv(tmp_path, "messages.csv", MESSAGES_HEADER, BAD_MESSAGES)
    return tmp_path


def test_bad_rows_are_rejected_with_file_and_line(bad_dir):
    report = import_directory(bad_dir)

    found = [(rejection.file, rejection.line, rejection.code) for rejection in report.rejections]
    assert found == EXPECTED_REJECTIONS


def test_bad_rows_reasons_name_the_value(bad_dir):
    with translation.override("en"):
        report = import_directory(bad_dir)

    reasons = {(rejection.file, rejection.line): rejection.reason for rejection in report.rejections}
    assert "2024-01-01T09:00:00" in reasons[("users.csv", 5)]
    assert "ghost" in reasons[("services.csv", 4)]
    assert "250.00" in reasons[("services.csv", 6)]
    assert "completed_at" in reasons[("orders.csv", 3)]
    assert '"7"' in reasons[("reviews.csv", 4)]
    assert "r1" in reasons[("reviews.csv", 3)]
    assert "c9" in reasons[("messages.csv", 6)]


def test_bad_rows_leave_valid_rows_loaded(bad_dir):
    report = import_directory(bad_dir)

    assert set(User.objects.values_list("external_id", flat=True)) == {"s1", "s2", "b1"}
    assert set(Service.objects.values_list("external_id", flat=True)) == {"svc1", "svc2"}
    assert set(Order.objects.values_list("external_id", flat=True)) == {"o1", "o9"}
    assert set(Review.objects.values_list("external_id", flat=True)) == {"r1", "r7"}
    assert set(Conversation.objects.values_list("external_id", flat=True)) == {"c1", "c4"}
    assert set(Message.objects.values_list("external_id", flat=True)) == {"m1", "m3", "m7"}
    assert report.saved == {
        "users.csv": 3, "services.csv": 2, "orders.csv": 2,
        "reviews.csv": 2, "conversations.csv": 2, "messages.csv": 3,
    }


def test_bad_rows_do_not_count_for_first_reply(bad_dir):
    import_directory(bad_dir)

    first_replies = dict(Conversation.objects.values_list("external_id", "first_reply_at"))
    assert first_replies["c1"] == dt.datetime(2025, 1, 1, 10, 0, tzinfo=UTC)
    assert first_replies["c4"] == dt.datetime(2025, 1, 1, 9, 0, tzinfo=UTC)


def test_bad_rows_same_on_both_paths(bad_dir):
    needs_postgresql()
    copied = import_directory(bad_dir, use_copy=True)
    by_copy = key_columns()
    delete_imported()

    saved = import_directory(bad_dir, use_copy=False)

    assert copied.rejections == saved.rejections
    assert copied.saved == saved.saved
    assert key_columns() == by_copy


def test_bad_rows_make_command_exit_non_zero(bad_dir):
    status, stdout, stderr = run_command(bad_dir)

    assert status == 1
    assert "30" in stdout
    assert "orders.csv:3: " in stderr
    assert "reviews.csv:4: " in stderr
    assert "Traceback" not in stderr


def test_bad_rows_second_import_is_identical(bad_dir):
    first = import_directory(bad_dir)
    before = snapshot()

    second = import_directory(bad_dir)

    assert second.rejections == first.rejections
    assert snapshot() == before


@pytest.mark.django_db(transaction=True)
def test_command_process_exits_1_without_traceback(bad_dir):
    if connection.vendor != "postgresql":
        pytest.skip("the child process reaches the test database through DATABASE_URL")
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    environment = {**os.environ, "DATABASE_URL": url}

    result = subprocess.run(
        [sys.executable, "manage.py", "import_marketplace", str(bad_dir)],
        cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True, timeout=120,
    )

    assert result.returncode == 1
    assert "services.csv:6: " in result.stderr
    assert "Traceback" not in result.stderr
    assert "30" in result.stdout


# What valid rows become


def test_history_keeps_prices_above_level_cap(bad_dir):
    import_directory(bad_dir)

    service = Service.objects.get(external_id="svc2")
    assert service.price == Decimal("150.00")
    assert service.seller.seller_profile.level == 1


def test_paused_service_has_imported_reason(bad_dir):
    import_directory(bad_dir)

    service = Service.objects.get(external_id="svc2")
    assert service.status == Service.Status.PAUSED
    assert service.pause_reason == Service.PauseReason.IMPORTED
    assert Service.objects.get(external_id="svc1").pause_reason == ""


def test_known_category_slugs_get_names(tmp_path):
    write_csv(tmp_path, "users.csv", USERS_HEADER, [["s1", "seller1", "", "1", "2024-01-01T09:00:00Z"]])
    write_csv(tmp_path, "services.csv", SERVICES_HEADER, [
        ["a", "s1", "A", "writing-translation", "20.00", "active", "2024-02-01T09:00:00Z"],
        ["b", "s1", "B", "audio-video", "20.00", "active", "2024-02-01T09:00:00Z"],
        ["c", "s1", "C", "pets", "20.00", "active", "2024-02-01T09:00:00Z"],
    ])
    factories.CategoryFactory(slug="audio-video", name_ar="صوت", name_en="Sound")

    import_directory(tmp_path)

    names = {slug: (name_ar, name_en) for slug, name_ar, name_en in
             Category.objects.values_list("slug", "name_ar", "name_en")}
    assert names["writing-translation"][0] == "كتابة وترجمة"
    assert names["audio-video"] == ("صوت", "Sound")
    assert names["pets"] == ("pets", "pets")


def test_imported_users_cannot_log_in(bad_dir):
    import_directory(bad_dir)

    user = User.objects.get(external_id="s2")
    assert not user.has_usable_password()
    assert user.username == "seller2"
    assert user.date_joined == dt.datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
    assert not SellerProfile.objects.filter(user__external_id="b1").exists()


def test_reimport_updates_changed_rows(tmp_path):
    users = [["s1", "seller1", "Old", "1", "2024-01-01T09:00:00Z"], ["b1", "buyer1", "", "0", "2024-01-01T09:00:00Z"]]
    services = [["svc1", "s1", "Logo", "design", "20.00", "active", "2024-02-01T09:00:00Z"]]
    write_csv(tmp_path, "users.csv", USERS_HEADER, users)
    write_csv(tmp_path, "services.csv", SERVICES_HEADER, services)
    import_directory(tmp_path)
    user = User.objects.get(external_id="s1")
    user.set_password("chosen-Pass-123")
    user.save()

    users[0][1:3] = ["seller-renamed", "New"]
    services[0][4:6] = ["35.50", "paused"]
    write_csv(tmp_path, "users.csv", USERS_HEADER, users)
    write_csv(tmp_path, "services.csv", SERVICES_HEADER, services)
    report = import_directory(tmp_path)

    assert report.rejections == []
    user = User.objects.get(external_id="s1")
    assert (user.username, user.display_name) == ("seller-renamed", "New")
    assert user.check_password("chosen-Pass-123")
    service = Service.objects.get()
    assert (service.price, service.status, service.pause_reason) == (Decimal("35.50"), "paused", "imported")
    assert User.objects.count() == 2


def test_first_reply_counts_stored_messages(tmp_path):
    users = [["s1", "seller1", "", "1", "2024-01-01T09:00:00Z"], ["b1", "buyer1", "", "0", "2024-01-01T09:00:00Z"]]
    write_csv(tmp_path, "users.csv", USERS_HEADER, users)
    write_csv(tmp_path, "conversations.csv", CONVERSATIONS_HEADER, [["c1", "s1", "b1", "2025-01-01T09:00:00Z"]])
    write_csv(tmp_path, "messages.csv", MESSAGES_HEADER, [
        ["m1", "c1", "seller", "2025-01-01T09:10:00Z", "Too early after the move"],
        ["m2", "c1", "seller", "2025-01-01T10:00:00Z", "Stored reply"],
    ])
    import_directory(tmp_path)

    # The second import moves the start past m1 and lists only a later reply:
    # m1 and m2 stay stored, and m2 is now the first reply.
    write_csv(tmp_path, "conversations.csv", CONVERSATIONS_HEADER, [["c1", "s1", "b1", "2025-01-01T09:30:00Z"]])
    write_csv(tmp_path, "messages.csv", MESSAGES_HEADER, [
        ["m3", "c1", "seller", "2025-01-01T11:00:00Z", "Later reply"],
    ])
    report = import_directory(tmp_path)

    assert report.rejections == []
    conversation = Conversation.objects.get()
    assert conversation.started_at == dt.datetime(2025, 1, 1, 9, 30, tzinfo=UTC)
    assert conversation.first_reply_at == dt.datetime(2025, 1, 1, 10, 0, tzinfo=UTC)


# Conflicts with rows already in the database


def test_username_of_existing_user_is_rejected(tmp_path):
    factories.UserFactory(username="taken")
    write_csv(tmp_path, "users.csv", USERS_HEADER, [
        ["u1", "taken", "", "0", "2024-01-01T09:00:00Z"],
        ["u2", "free", "", "0", "2024-01-01T09:00:00Z"],
    ])

    report = import_directory(tmp_path)

    assert [(r.line, r.code) for r in report.rejections] == [(2, "username_taken")]
    assert User.objects.filter(external_id="u2").exists()


def test_second_review_of_stored_order_is_rejected(bad_dir):
    import_directory(bad_dir)
    reviews = [["r-other", "o1", "2", "", "2025-01-05T09:00:00Z"], ["r7", "o9", "3", "", "2025-01-04T09:00:00Z"]]
    write_csv(bad_dir, "reviews.csv", REVIEWS_HEADER, reviews)

    report = import_directory(bad_dir)

    review_rejections = [(r.line, r.code) for r in report.rejections if r.file == "reviews.csv"]
    assert review_rejections == [(2, "duplicate_review")]
    assert Review.objects.get(order__external_id="o1").external_id == "r1"


# Files that cannot be imported at all


def test_missing_users_file_fails(tmp_path):
    write_csv(tmp_path, "services.csv", SERVICES_HEADER, [])

    with pytest.raises(ImportFailed, match="users.csv"):
        import_directory(tmp_path)


def test_missing_column_fails_before_writing(bad_dir):
    write_csv(bad_dir, "orders.csv", ORDERS_HEADER[:-1], [row[:-1] for row in BAD_ORDERS])

    status, _stdout, stderr = run_command(bad_dir)

    assert status == 1
    assert "cancelled_at" in stderr
    assert "Traceback" not in stderr
    assert not User.objects.exists()


def test_missing_directory_fails(tmp_path):
    status, _stdout, stderr = run_command(tmp_path / "absent")

    assert status == 1
    assert "absent" in stderr
    assert "Traceback" not in stderr


# CSV-level problems and line numbers


def test_malformed_rows_are_rejected_by_line(tmp_path):
    content = (
        "id,username,display_name,is_seller,joined_at,note\n"
        'u1,one,"Two\nlines",0,2024-01-01T09:00:00Z,extra columns are ignored\n'
        "u2,two,Short row,0\n"
        'u3,three,"Bad"quote,0,2024-01-01T09:00:00Z,\n'
        "\n"
        "u4,four,Four,0,2024-01-01T09:00:00Z,\n"
    ).encode()
    content += b"u5,five,Caf\xe9,0,2024-01-01T09:00:00Z,\n"
    content += "u6,,No username,0,2024-01-01T09:00:00Z,\n".encode()
    content += "u7,seven,Nul\x00byte,0,2024-01-01T09:00:00Z,\n".encode()
    content += "u8,eight,Year one,0,0001-01-01T00:00:00+03:00,\n".encode()
    (tmp_path / "users.csv").write_bytes(content)

    report = import_directory(tmp_path)

    found = [(r.line, r.code) for r in report.rejections]
    assert found == [
        (4, "malformed_row"),
        (5, "malformed_row"),
        (8, "invalid_encoding"),
        (9, "missing_value"),
        (10, "invalid_character"),
        (11, "invalid_timestamp"),
    ]
    assert set(User.objects.values_list("external_id", flat=True)) == {"u1", "u4"}
    assert User.objects.get(external_id="u1").display_name == "Two\nlines"


def test_timestamp_offsets_are_kept(tmp_path):
    write_csv(tmp_path, "users.csv", USERS_HEADER, [["u1", "one", "", "0", "2025-03-01T14:05:00+03:00"]])

    import_directory(tmp_path)

    assert User.objects.get().date_joined == dt.datetime(2025, 3, 1, 11, 5, tzinfo=UTC)


def test_bom_and_crlf_accepted(tmp_path):
    content = "\ufeffid,username,display_name,is_seller,joined_at\r\nu1,one,,0,2025-03-01T14:05:00Z\r\n"
    (tmp_path / "users.csv").write_bytes(content.encode())

    report = import_directory(tmp_path)

    assert report.rejections == []
    assert User.objects.get().external_id == "u1"


def test_progress_bar_runs(tmp_path, capsys):
    write_csv(tmp_path, "users.csv", USERS_HEADER, [["u1", "one", "", "0", "2025-03-01T14:05:00Z"]])

    report = import_directory(tmp_path, progress=True)

    assert report.saved["users.csv"] == 1
    assert "users.csv" in capsys.readouterr().err
