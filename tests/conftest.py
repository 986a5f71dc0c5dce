import os
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
# Data that lives beside the repository and is never committed (its licence
# forbids copies). SHARED_DIR points elsewhere when the checkout moved.
SHARED_DIR = Path(os.environ.get("SHARED_DIR", BASE_DIR.parent / "shared"))
TEST_DATA = Path(__file__).resolve().parent / "data"


def shared_path(relative: str) -> Path:
    """Return a path under the shared data folder, or skip the test without it.

    In CI (CI=true) a missing folder fails the test instead: there it means the
    run is not testing what it claims to.
    """
    path = SHARED_DIR / relative
    if path.exists():
        return path
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{path} is missing; CI must run with the shared data folder beside the checkout")
    pytest.skip(f"{path} is missing: set SHARED_DIR to the folder holding data/olist-sample")


@pytest.fixture
def olist_dir() -> Path:
    return shared_path("data/olist-sample")


@pytest.fixture
def replay_basic_dir() -> Path:
    return TEST_DATA / "replay-basic"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The default hasher costs a third of a second per user by design.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The manifest storage of production needs collectstatic, which tests skip.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
