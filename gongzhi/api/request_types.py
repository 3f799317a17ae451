"""The request side of the JSON API's types: strict bodies and constrained fields whose rules the
OpenAPI schema publishes, built from the services' own limits (core.validation)."""
from __future__ import annotations

import re
from typing import Annotated, TypeVar, Union

from django.utils.translation import gettext
from ninja import Field, Path
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Strict, StringConstraints
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from gongzhi.core import validation as limits
import datetime as dt

MAX_ID = 2**63 - 1


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL characters: refuse them as bad input instead of failing later.
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    return value


def _integral(value):
    # JSON has one number type: 5.0 is the integer 5 (JSON Schema agrees); a strict body takes it as such.
    return int(value) if isinstance(value, float) and value.is_integer() else value


Text = Annotated[str, AfterValidator(_no_nul)]
PK = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_integral)]
Count = Annotated[int, BeforeValidator(_integral)]  # an integer in a strict body (5.0 is 5)


# ---------------------------------------------------------------- request types
# The schema says what the server enforces. Pydantic enforces types, lengths and ranges itself; a rule
# the services enforce (with their own, translated message) is published next to it, built from the
# services' own constants (core.validation, core.geo), so schema and server cannot drift apart.

class _Publish:
    """Adds keywords to a type's JSON schema (the OpenAPI document) without pydantic checking them."""

    def __init__(self, **keywords):
        self.keywords = keywords

    def __get_pydantic_json_schema__(self, core_schema, handler):
        schema = handler(core_schema)
        schema.update(self.keywords)
        return schema


def _char_class(chars: str, negate: bool = False) -> str:
    """A regex character class written with \\uXXXX escapes, which ECMA 262 (what OpenAPI means),
    Rust regex (pydantic-core) and Python's re all read alike."""
    codes, ranges = sorted({ord(c) for c in chars}), []
    for code in codes:
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    body = "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)
    return f"[{'^' if negate else ''}{body}]"


# What str.strip() trims: the services count a text's characters after trimming it.
TRIMMED = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
FORBIDDEN = "\x00"  # PostgreSQL cannot store NUL
# The control characters intake refuses (validation.CONTROL_CHARACTER_RE), and whether a CR is fine
# as part of a CRLF line break.
CONTROLS = "".join(chr(c) for c in range(0x10000) if limits.CONTROL_CHARACTER_RE.fullmatch(chr(c)))
CRLF_ALLOWED = "\r" in CONTROLS and not limits.CONTROL_CHARACTER_RE.search("\r\n")


def text_pattern(min_length: int, intake: bool = False) -> str:
    """Matches a string that keeps `min_length` characters once trimmed, with no NUL, and for an
    appeal's own fields (`intake`) none of the control characters services.receive refuses."""
    forbidden = FORBIDDEN + (CONTROLS if intake else "")
    any_ = _char_class(forbidden, negate=True)
    if intake and CRLF_ALLOWED:
        any_ = f"(?:{any_}|\\u000d\\u000a)"
        if min_length > 1:  # counting characters across a two-character unit is beyond one regex
            raise ValueError("an intake text can require at most one character")
    if min_length <= 0:
        return f"^{any_}*$"
    ink = _char_class(forbidden + TRIMMED, negate=True)
    middle = "" if min_length == 1 else f"{any_}{{{min_length - 2},}}{ink}"
    return f"^{any_}*{ink}{middle}{any_}*$"


def text(max_length: int, min_length: int = 0, *, intake: bool = False, short=None):
    """A text field: at most `max_length` characters as sent, no NUL; at least `min_length` once trimmed
    (else the `short` message, the service's own); with `intake`, none of the control characters
    services.receive refuses (with its message). Checked here, before the operation looks at anything
    else, and published as one pattern (text_pattern), which tests/api/test_request_schemas.py holds
    to the same rule."""
    assert short is not None or min_length == 0

    def check(value: str, info) -> str:
        _no_nul(value)
        if len(value.strip()) < min_length:
            raise PydanticCustomError("value_error", str(short))
        if intake:
            for message in limits.control_character_errors(**{info.field_name or "text": value}).values():
                raise PydanticCustomError("value_error", message)
        return value

    return Annotated[str, StringConstraints(max_length=max_length), AfterValidator(check),
                     _Publish(pattern=text_pattern(min_length, intake))]


# The spellings of a phone number the API takes: 11-digit mobiles and landlines with their area code,
# optionally with +86 and single spaces (or a hyphen after the area code). Every one of them passes
# the services' check (validation.valid_phone); the web form also takes looser spellings.
PHONE_PATTERN = r"^(|(\+86 ?)?(1[3-9][0-9]( ?[0-9]{4}){2}|0[0-9]{2,3}[- ]?[0-9]{7,8}))$"
_PHONE = re.compile(PHONE_PATTERN)


def _phone(value: str) -> str:
    if not _PHONE.fullmatch(value):
        raise PydanticCustomError("value_error", gettext("电话号码格式不正确"))
    return value


Phone = Annotated[str, StringConstraints(max_length=32), AfterValidator(_phone), _Publish(pattern=PHONE_PATTERN)]

# An e-mail address to tell the appellant at (or empty): the pattern is the whole check, so that what
# the published schema allows is what the API takes.
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = rf"^(|[A-Za-z0-9_%+-]{{1,32}}(\.[A-Za-z0-9_%+-]{{1,32}}){{0,3}}@({_LABEL}\.){{1,4}}[A-Za-z]{{2,24}})$"
_EMAIL = re.compile(EMAIL_PATTERN)


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise PydanticCustomError("value_error", gettext("电子邮箱格式不正确"))
    return value


Email = Annotated[str, StringConstraints(max_length=254), AfterValidator(_email), _Publish(pattern=EMAIL_PATTERN)]

# A date in a query: an RFC 3339 date-time with its offset, in the years 1900-2199. Pydantic alone would
# also take a bare number (seconds since 1970), a date or a time without its offset.
WHEN_PATTERN = (r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
                r"(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")
_WHEN = re.compile(WHEN_PATTERN)


def _rfc3339(value):
    if not isinstance(value, str) or not _WHEN.fullmatch(value):
        raise PydanticCustomError("datetime_format", "an RFC 3339 date-time with its offset, "
                                                     "like 2024-05-01T08:00:00+08:00, in 1900-2199")
    return value


When = Annotated[dt.datetime, BeforeValidator(_rfc3339), _Publish(pattern=WHEN_PATTERN)]
# The same in a request body (strict, see In): JSON has no date type, so the string is read as one.
WhenBody = Annotated[When, Strict(False)]

MONTH_PATTERN = r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$"

T = TypeVar("T")
# An optional query parameter or header: absent or a value. A query string has no null, so the
# schema must not offer one (schemathesis would send `month=` for it).
Omittable = Union[T, SkipJsonSchema[None]]


class In(BaseModel):
    """A request body: a JSON object whose values have exactly their declared JSON types. Anything
    else (an array, a number, "5" for 5, "true" for true) is a 422 naming the field; pydantic's
    lax mode, or ninja's Schema, which reads attributes off any value, would take it."""

    model_config = ConfigDict(strict=True)


Id = Annotated[int, Path(ge=1, le=MAX_ID)]
