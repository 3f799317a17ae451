import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """The org fixture signs up a dozen people; argon2 is deliberately slow, so tests use MD5."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
