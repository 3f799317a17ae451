"""Passwords at rest."""
import importlib


def test_production_settings_hash_passwords_with_argon2():
    settings_module = importlib.import_module("gongzhi.settings")
    assert settings_module.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_argon2_is_installed_and_verifies(db):
    from django.contrib.auth.hashers import Argon2PasswordHasher

    hasher = Argon2PasswordHasher()
    encoded = hasher.encode("correct horse", hasher.salt())
    assert encoded.startswith("argon2$") and hasher.verify("correct horse", encoded)
    assert not hasher.verify("wrong horse", encoded)
