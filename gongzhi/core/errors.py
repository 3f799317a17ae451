"""The two refusals every service raises, whatever the app: views, the API and the CLI catch these.

A refused action changes nothing. `ActionRefused` is about the action (not allowed from this state,
or not for this role): its message, translated when raised, is shown to the user as is.
`FieldErrors` is about the input: {field: message}, shown next to each field (never a 500).
"""
from __future__ import annotations


class ActionRefused(Exception):
    """The action is not allowed now (state or role). The message is shown to the user as is."""


class FieldErrors(Exception):
    """Bad input: {field: message}. Shown next to the field; never a 500."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class DeliveryError(Exception):
    """A message could not be sent (core.channels, core.sms). `permanent`: trying again would not
    help (a refused address, a 4xx answer); otherwise the delivery is retried with backoff. The
    message is stored in the delivery log: it never carries the address or the text."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent
