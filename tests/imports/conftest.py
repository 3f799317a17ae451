import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The org fixture creates a dozen users; Argon2 makes that seconds per test on a busy machine."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
