"""Open311 GeoReport v2 (/open311/v2/): the convention every 311 client speaks, in XML and JSON.

Categories are the services; appeals are the service requests. Requests created here enter the
same lifecycle as every other channel (channel = api). The public GET never returns personal
fields, and shows an appeal's text, place and coordinates exactly as the open data does
(gongzhi.core.publication: no phone, ID or house numbers, no names, no hidden words, coordinates to
about 100 m), and only the appeals its publication rule lets out (reviewed, or old enough; never a
confidential category or a withheld appeal): the list and the single request alike.
The XML writer never emits a character XML 1.0 forbids, and every error, including a body Django
refuses to parse, is answered in the spec's error format.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import xml.etree.ElementTree as ET
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent, TooManyFilesSent
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt

from gongzhi.appeals import notifying, services
from gongzhi.appeals.models import OPEN_STATUSES, Appeal, AppealEvent, Category, Status
from gongzhi.core.validation import control_character
from gongzhi.core.errors import FieldErrors
from gongzhi.core.geo import valid_coordinates
from gongzhi.core.publication import public_appeal, public_text
from gongzhi.core.spreadsheet import strip_control_characters

from . import security
from .models import Open311Request, ServiceAttribute

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
DEFAULT_WINDOW = dt.timedelta(days=90)
MAX_RECORDS = 1000
MAX_DESCRIPTION = 4000
CLOSED_STATUSES = (Status.CLOSED, Status.MERGED)


class Open311Error(Exception):
    def __init__(self, status: int, description: str, headers: dict | None = None):
        super().__init__(description)
        self.status, self.description, self.headers = status, description, headers or {}


def jurisdiction() -> str:
    return str(getattr(settings, "GONGZHI", {}).get("OPEN311_JURISDICTION")
               or os.environ.get("GONGZHI_OPEN311_JURISDICTION", "")).strip()


# ---------------------------------------------------------------- rendering

def _xml_value(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return strip_control_characters(str(value))  # XML 1.0 cannot hold them: one would spoil the whole feed


def _to_xml(parent: ET.Element, tag: str, value) -> None:
    node = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, sub in value.items():
            _to_xml(node, key, sub)
    elif isinstance(value, list):
        child_tag = {"attributes": "attribute", "values": "value", "endpoints": "endpoint",
                     "formats": "format"}.get(tag, "item")
        for item in value:
            _to_xml(node, child_tag, item)
    else:
        text = _xml_value(value)
        if text is not None:
            node.text = text


def render(fmt: str, data, root: str = "", item: str = "", status: int = 200) -> HttpResponse:
    """JSON as the spec's arrays/objects; XML with the spec's element names."""
    if fmt == "json":
        return HttpResponse(json.dumps(data, ensure_ascii=False), status=status,
                            content_type="application/json; charset=utf-8")
    top = ET.Element(root)
    if isinstance(data, list):
        for entry in data:
            node = ET.SubElement(top, item)
            for key, value in entry.items():
                _to_xml(node, key, value)
    else:
        for key, value in data.items():
            _to_xml(top, key, value)
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="utf-8")
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def _error_response(fmt: str, err: Open311Error) -> HttpResponse:
    response = render(fmt, [{"code": err.status, "description": err.description}], "errors", "error", err.status)
    for key, value in err.headers.items():
        response[key] = value
    return response


def endpoint(view):
    """Common to every Open311 view: format, per-IP rate limit, jurisdiction, errors in the spec's shape."""

    @csrf_exempt
    def wrapper(request, *args, fmt=None, **kwargs):
        fmt = fmt or "xml"
        try:
            try:
                security.check_ip(request)
            except security.RateLimited as exc:
                raise Open311Error(429, str(exc), {"Retry-After": str(exc.retry_after)}) from None
            wanted = _param(request, "jurisdiction_id")
            if wanted and jurisdiction() and wanted != jurisdiction():
                raise Open311Error(404, f"jurisdiction_id '{wanted[:50]}' not found")
            return view(request, fmt, *args, **kwargs)
        except Open311Error as err:
            return _error_response(fmt, err)
        except (SuspiciousOperation, MultiPartParserError, UnreadablePostError) as exc:
            # what Django refuses while parsing the body would otherwise be its HTML 400 page
            return _error_response(fmt, _body_error(exc))

    wrapper.__name__ = view.__name__
    return wrapper


def _body_error(exc: Exception) -> Open311Error:
    if isinstance(exc, RequestDataTooBig):
        return Open311Error(413, f"the request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes")
    if isinstance(exc, TooManyFieldsSent):
        return Open311Error(400, f"the request body has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields")
    if isinstance(exc, TooManyFilesSent):
        return Open311Error(400, f"the request body has more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files")
    if isinstance(exc, (MultiPartParserError, UnreadablePostError)):
        return Open311Error(400, f"the request body cannot be read: {str(exc)[:200]}")
    return Open311Error(400, "the request was refused")


def _param(request, name: str) -> str | None:
    """Empty optional parameters count as absent, as the spec asks."""
    source = request.POST if request.method == "POST" else request.GET
    value = source.get(name)
    if value is None and request.method == "POST":
        value = request.GET.get(name)
    value = (value or "").strip()
    bad = control_character(value)
    if bad:
        raise Open311Error(400, f"{name} contains a control character ({bad}); remove it and send again")
    return value or None


def iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def parse_datetime(value: str, name: str) -> dt.datetime:
    text = value.strip().replace(" ", "+") if "T" in value else value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise Open311Error(400, f"{name} must be an ISO 8601 date-time, e.g. 2024-01-31T08:00:00+08:00") from None
    if not 1900 <= parsed.year <= 2200:
        raise Open311Error(400, f"{name} is out of range")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


# ---------------------------------------------------------------- discovery and services

@endpoint
def discovery(request, fmt):
    base = request.build_absolute_uri(reverse("open311:discovery").rsplit("discovery", 1)[0])
    data = {
        "changeset": "2026-01-01T00:00:00+08:00",
        "contact": getattr(settings, "GONGZHI", {}).get("OPEN311_CONTACT", "12345 政务服务便民热线"),
        "key_service": "API keys are issued by the administrator: gongzhi apitoken USERNAME",
        "endpoints": [{
            "specification": SPEC_URL, "url": base, "changeset": "2026-01-01T00:00:00+08:00",
            "type": "production", "formats": ["text/xml", "application/json"],
        }],
    }
    return render(fmt, data, "discovery")


def _service(category: Category, with_attributes: set[int]) -> dict:
    root = category.root
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": str(category),
        "metadata": category.pk in with_attributes,
        "type": "realtime",
        "keywords": ",".join(c.name for c in category.children.all()) or None,
        "group": root.name,
    }


@endpoint
def service_list(request, fmt):
    categories = list(Category.objects.filter(active=True).select_related("parent__parent").prefetch_related("children"))
    with_attributes = set(ServiceAttribute.objects.values_list("category_id", flat=True))
    return render(fmt, [_service(c, with_attributes) for c in categories], "services", "service")


def _category(code: str) -> Category:
    category = Category.objects.filter(code=code, active=True).first()
    if category is None:
        raise Open311Error(404, f"service_code '{code[:50]}' not found")
    return category


def _attribute(a: ServiceAttribute) -> dict:
    out = {
        "variable": a.variable, "code": a.code, "datatype": a.datatype, "required": a.required,
        "datatype_description": a.datatype_description or None, "order": a.order, "description": a.description,
    }
    if a.datatype in (ServiceAttribute.Datatype.SINGLE, ServiceAttribute.Datatype.MULTI):
        out["values"] = [{"key": str(v.get("key", "")), "name": str(v.get("name", ""))} for v in a.values]
    return out


@endpoint
def service_definition(request, fmt, code):
    category = _category(code)
    attributes = [_attribute(a) for a in category.open311_attributes.all()]
    return render(fmt, {"service_code": category.code, "attributes": attributes}, "service_definition")


# ---------------------------------------------------------------- requests

@endpoint
def requests_view(request, fmt):
    if request.method == "POST":
        return _create(request, fmt)
    if request.method not in ("GET", "HEAD"):
        raise Open311Error(400, "only GET and POST are supported")
    return _search(request, fmt)


def _request_out(a: Appeal) -> dict:
    extra = getattr(a, "open311", None)
    public = public_appeal(content=a.content, location_text=a.location_text, lat=a.lat, lon=a.lon,
                           appellant_name=a.appellant_name)
    return {
        "service_request_id": a.tracking_number,
        "status": "open" if a.status in OPEN_STATUSES else "closed",
        "status_notes": public_text(getattr(a, "last_public_note", None), (a.appellant_name,)) or None,
        "service_name": a.category.name if a.category_id else None,
        "service_code": a.category.code if a.category_id else "",
        "description": public.content[:MAX_DESCRIPTION] or None,
        "agency_responsible": a.lead_department.name if a.lead_department_id else None,
        "service_notice": None,
        "requested_datetime": iso(a.received_at),
        "updated_datetime": iso(a.updated_at),
        "expected_datetime": iso(a.due_at) if a.status in OPEN_STATUSES else None,
        "address": public.location or None,
        "address_id": None,
        "zipcode": None,
        "lat": public.lat,
        "long": public.lon,
        "media_url": (extra.media_url or None) if extra else None,
    }


def _public_requests():
    last_note = AppealEvent.objects.filter(appeal=OuterRef("pk"), public=True).exclude(note="") \
        .order_by("-created_at", "-id").values("note")[:1]
    return Appeal.objects.publishable().select_related("category", "lead_department", "open311") \
        .annotate(last_public_note=Subquery(last_note))


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _search(request, fmt):
    qs = _public_requests()
    ids = _split(_param(request, "service_request_id"))
    if ids:
        qs = qs.filter(tracking_number__in=ids[:MAX_RECORDS])
    else:
        codes = _split(_param(request, "service_code"))
        if codes:
            qs = qs.filter(category__code__in=codes)
        start, end = _param(request, "start_date"), _param(request, "end_date")
        end_at = parse_datetime(end, "end_date") if end else None
        start_at = parse_datetime(start, "start_date") if start else None
        if start_at is None:
            start_at = (end_at or timezone.now()) - DEFAULT_WINDOW
        if end_at is not None and end_at < start_at:
            raise Open311Error(400, "end_date is before start_date")
        qs = qs.filter(received_at__gte=start_at)
        if end_at is not None:
            qs = qs.filter(received_at__lte=end_at)
        statuses = _split(_param(request, "status"))
        if any(s not in ("open", "closed") for s in statuses):
            raise Open311Error(400, "status must be open or closed")
        if statuses == ["open"]:
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif statuses == ["closed"]:
            qs = qs.filter(status__in=CLOSED_STATUSES)
    rows = list(qs.order_by("-received_at", "-id")[:MAX_RECORDS])
    return render(fmt, [_request_out(a) for a in rows], "service_requests", "request")


@endpoint
def request_detail(request, fmt, request_id):
    appeal = _public_requests().filter(tracking_number=request_id).first()
    if appeal is None:
        raise Open311Error(404, f"service_request_id '{request_id[:50]}' not found")
    return render(fmt, [_request_out(appeal)], "service_requests", "request")


@endpoint
def token_view(request, fmt, token):
    found = Open311Request.objects.select_related("appeal").filter(token=token).first()
    if found is None:
        raise Open311Error(404, f"token '{token[:50]}' not found")
    return render(fmt, [{"service_request_id": found.appeal.tracking_number, "token": found.token}],
                  "service_requests", "request")


def _api_user(request):
    raw = _param(request, "api_key")
    if not raw:
        raise Open311Error(403, "api_key is required")
    try:
        token = security.token_user(request, raw)
    except security.RateLimited as exc:
        raise Open311Error(429, str(exc), {"Retry-After": str(exc.retry_after)}) from None
    if token is None:
        raise Open311Error(403, "api_key is not valid")
    return token.user


def _float(value: str | None, name: str) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        raise Open311Error(400, f"{name} must be a number") from None


def _answers(request, category: Category) -> dict:
    """attribute[code]=value (and attribute[code][]=v1&... for multi-value lists), checked against the definition."""
    answers: dict = {}
    for a in category.open311_attributes.all():
        if a.datatype == ServiceAttribute.Datatype.MULTI:
            values = [v.strip() for v in request.POST.getlist(f"attribute[{a.code}][]") +
                      request.POST.getlist(f"attribute[{a.code}]") if v.strip()]
            keys = {str(v.get("key")) for v in a.values}
            bad = [v for v in values if v not in keys]
            if bad:
                raise Open311Error(400, f"attribute[{a.code}]: '{bad[0][:50]}' is not one of the listed values")
            value = values or None
        else:
            value = _param(request, f"attribute[{a.code}]")
            if value is not None:
                if a.datatype == ServiceAttribute.Datatype.NUMBER:
                    _float(value, f"attribute[{a.code}]")
                elif a.datatype == ServiceAttribute.Datatype.DATETIME:
                    parse_datetime(value, f"attribute[{a.code}]")
                elif a.datatype == ServiceAttribute.Datatype.SINGLE and value not in {str(v.get("key")) for v in a.values}:
                    raise Open311Error(400, f"attribute[{a.code}]: '{value[:50]}' is not one of the listed values")
                elif len(value) > 2000:
                    raise Open311Error(400, f"attribute[{a.code}] is too long")
        if value is None and a.required:
            raise Open311Error(400, f"attribute[{a.code}] is required: {a.description}")
        if value is not None:
            answers[a.code] = value
    return answers


def _create(request, fmt):
    user = _api_user(request)
    code = _param(request, "service_code")
    if not code:
        raise Open311Error(400, "service_code is required")
    category = Category.objects.filter(code=code, active=True).first()
    if category is None:
        raise Open311Error(400, f"service_code '{code[:50]}' not found")
    lat, lon = _float(_param(request, "lat"), "lat"), _float(_param(request, "long"), "long")
    address, address_id = _param(request, "address_string"), _param(request, "address_id")
    if (lat is None) != (lon is None):
        raise Open311Error(400, "lat and long must be given together")
    if lat is None and not address and not address_id:
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    if lat is not None and not valid_coordinates(lat, lon):
        raise Open311Error(400, "lat/long are not valid coordinates")
    description = _param(request, "description") or ""
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, f"description is longer than {MAX_DESCRIPTION} characters")
    media_url = _param(request, "media_url") or ""
    if media_url and (urlparse(media_url).scheme not in ("http", "https") or len(media_url) > 500
                      or not urlparse(media_url).netloc):
        raise Open311Error(400, "media_url must be an http(s) URL")
    email = _param(request, "email") or ""
    if email and ("@" not in email or len(email) > 254):
        raise Open311Error(400, "email is not valid")
    answers = _answers(request, category)
    name = " ".join(p for p in (_param(request, "last_name"), _param(request, "first_name")) if p)
    phone = _param(request, "phone") or ""
    device_id, account_id = _param(request, "device_id") or "", _param(request, "account_id") or ""
    first_line = description.strip().splitlines()[0] if description.strip() else ""
    title = (first_line[:60] or category.name)
    extras = "\n".join(f"【{k}】{', '.join(v) if isinstance(v, list) else v}" for k, v in answers.items())
    content = "\n\n".join(p for p in (description.strip() or category.name, extras) if p)
    location_text = address or (f"address_id {address_id}" if address_id else "")
    token = secrets.token_urlsafe(16)

    keep_email = notifying.keeps_email(email, get_language())  # told of every step, as a web intake

    def keep_request(appeal):  # in receive's transaction: no appeal without its Open311 request
        Open311Request.objects.create(appeal=appeal, token=token, media_url=media_url, attributes=answers,
                                      email=email, device_id=device_id[:100], account_id=account_id[:100])
        if keep_email is not None:
            keep_email(appeal)
    try:
        appeal, _code = services.receive(
            channel="api", actor=user, title=title, content=content, category=category,
            location_text=location_text[:300], lat=lat, lon=lon, anonymous=not (name or phone or email),
            appellant_name=name[:64], appellant_phone=phone, with_appeal=keep_request,
        )
    except FieldErrors as exc:
        raise Open311Error(400, "; ".join(f"{field}: {msg}" for field, msg in exc.errors.items())) from None
    reply = [{"service_request_id": appeal.tracking_number, "token": token, "service_notice": None,
              "account_id": account_id or None}]
    return render(fmt, reply, "service_requests", "request", status=200)


def open311_404(request, fmt=None, **kwargs):
    return _error_response(fmt or "xml", Open311Error(404, "no such Open311 resource"))

