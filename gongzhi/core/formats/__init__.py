"""Project format overrides (settings.FORMAT_MODULE_PATH): only what differs from Django's locales."""
