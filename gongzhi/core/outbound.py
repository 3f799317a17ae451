"""Outbound HTTP to addresses that users type in (webhooks now; notifications and alerts later).

A URL someone registers must not turn the platform into a scanner of its own network. The policy:

* https only; plain http only for a host an administrator named (``allow_http_hosts``);
* no user name or password in the URL, no odd spellings of an IPv4 address (``2130706433``,
  ``0x7f.1``, ``0177.0.0.1``): an address is written as ``a.b.c.d``;
* every address the host name resolves to must be a public unicast address: not loopback, private,
  shared (CGNAT), link-local (cloud metadata at 169.254.169.254 lives there), multicast, reserved,
  unspecified or documentation space, in IPv4 or IPv6, including IPv4 addresses carried inside IPv6
  (``::ffff:127.0.0.1``, 6to4, NAT64). A host an administrator named in ``allow_internal_hosts``
  (an on-premises receiver, or the tests' local receiver) is exempt;
* the check runs after DNS resolution and the connection goes to the very address that was
  checked (the host name is resolved once; the Host header and TLS SNI/certificate check keep the
  name), so a DNS answer that changes between check and connect (DNS rebinding) gets nowhere;
* redirects are never followed (a 3xx is an answer like any other).

Callers check a URL when it is registered (``check_url`` with ``resolve=True``) and ``post`` checks it
again on every delivery, before connecting; a refused target raises ``Refused`` without any packet
sent to it. A host name that does not resolve and one that resolves to a refused address get the same
message, so the answers do not map the internal network's names either.

The connection is made directly: HTTP(S)_PROXY variables are not used, since a proxy would make its
own DNS look-up and connection.
"""
from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud instance metadata services (all inside ranges refused anyway; named for a clearer message).
METADATA = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254"))
NAT64 = ipaddress.ip_network("64:ff9b::/96")
MAX_URL_LENGTH = 2000
_NUMERIC_PART = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)


class Refused(ValueError):
    """A target the policy does not allow; the message is for the person who registered it."""


@dataclass(frozen=True)
class Policy:
    allow_http_hosts: frozenset[str] = frozenset()
    allow_internal_hosts: frozenset[str] = frozenset()

    @classmethod
    def of(cls, allow_http_hosts: Iterable[str] = (), allow_internal_hosts: Iterable[str] = ()) -> "Policy":
        return cls(frozenset(_host_key(h) for h in allow_http_hosts if h.strip()),
                   frozenset(_host_key(h) for h in allow_internal_hosts if h.strip()))


@dataclass(frozen=True)
class Target:
    """A URL that passed the policy, with the addresses it may be reached at (empty until resolved)."""

    scheme: str
    host: str  # ASCII (IDNA) host name or IP literal, without brackets
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[str, ...] = ()


@dataclass(frozen=True)
class Response:
    status: int
    reason: str
    body: bytes


def _host_key(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


def address_problem(ip: IPAddress) -> str | None:
    """Why an address may not be a target (a short translated phrase), or None if it may."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return _("带作用域的 IPv6 地址")
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return address_problem(embedded)
    if ip in METADATA:
        return _("云主机元数据地址")
    if ip.is_unspecified:
        return _("未指定地址")
    if ip.is_loopback:
        return _("本机回环地址")
    if ip.is_link_local:
        return _("链路本地地址")
    if ip.is_multicast:
        return _("组播地址")
    if ip.is_private:
        return _("内网地址")
    if ip.is_reserved or not ip.is_global or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local):
        return _("保留地址")
    return None


def _literal(host: str) -> IPAddress | None:
    """The IP address a host is written as, or None for a host name; odd IPv4 spellings are refused."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    parts = host.split(".")
    if 1 <= len(parts) <= 4 and all(_NUMERIC_PART.match(p) for p in parts):
        # What inet_aton would read as an address (decimal, octal, hex, fewer than four parts).
        raise Refused(_("IPv4 地址请写成 a.b.c.d 的十进制形式"))
    return None


def check_url(url: str, policy: Policy, *, resolve: bool = True) -> Target:
    """Check a URL against the policy; with ``resolve`` also every address its host resolves to."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH or any(c.isspace() for c in url):
        raise Refused(_("地址格式不正确"))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused(_("地址格式不正确")) from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not parts.hostname:
        raise Refused(_("地址须以 https:// 开头"))
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise Refused(_("地址中不能包含用户名或密码"))
    raw_host = parts.hostname.rstrip(".")
    if "%" in raw_host:
        raise Refused(_("不允许向%(what)s发送") % {"what": _("带作用域的 IPv6 地址")})
    try:
        host = raw_host.encode("idna").decode("ascii").lower() if not raw_host.isascii() else raw_host.lower()
    except UnicodeError:
        raise Refused(_("地址格式不正确")) from None
    if not host:
        raise Refused(_("地址格式不正确"))
    if scheme == "http" and host not in policy.allow_http_hosts:
        raise Refused(_("地址须以 https:// 开头（明文 http 只用于管理员允许的主机）"))
    port = port or (443 if scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    internal_allowed = host in policy.allow_internal_hosts
    literal = _literal(host)
    if literal is not None and not internal_allowed:
        problem = address_problem(literal)
        if problem:
            raise Refused(_("不允许向%(what)s发送") % {"what": problem})
    target = Target(scheme, host, port, path)
    return _resolve(target, internal_allowed) if resolve else target


def _getaddrinfo(host: str, port: int):
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)


def _resolve(target: Target, internal_allowed: bool) -> Target:
    unreachable = Refused(_("该主机无法解析或不允许访问"))
    try:
        infos = _getaddrinfo(target.host, target.port)
    except (OSError, UnicodeError):
        raise unreachable from None
    addresses: list[str] = []
    for family, _type, _proto, _name, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        ip = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if not internal_allowed and address_problem(ip):
            raise unreachable  # one refused answer refuses the host: no choosing among them later
        if str(ip) not in addresses:
            addresses.append(str(ip))
    if not addresses:
        raise unreachable
    return Target(target.scheme, target.host, target.port, target.path, tuple(addresses))


def _pinned(target: Target, timeout: float) -> http.client.HTTPConnection:
    """A connection to the checked addresses only; Host header and TLS name stay the URL's host."""
    if target.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(target.host, target.port, timeout=timeout)

    def connect_checked(_address, timeout=None, source_address=None):
        error: OSError | None = None
        for ip in target.addresses:
            try:
                return socket.create_connection((ip, target.port), timeout, source_address)
            except OSError as exc:
                error = exc
        raise error or OSError("no address")

    # http.client opens its socket through this hook (HTTPSConnection wraps it in TLS afterwards with
    # server_hostname=host), so no second DNS look-up happens.
    conn._create_connection = connect_checked
    return conn


def post(url: str, body: bytes, headers: dict[str, str], *, policy: Policy, timeout: float = 10,
         max_body: int = 64 * 1024) -> Response:
    """POST once to a URL the policy allows; no redirects are followed. Raises Refused before any
    connection for a refused target, OSError (including ssl and timeout errors) for network failures."""
    target = check_url(url, policy, resolve=True)
    conn = _pinned(target, timeout)
    try:
        conn.request("POST", target.path, body=body, headers=headers)
        answer = conn.getresponse()
        return Response(answer.status, answer.reason, answer.read(max_body))
    except http.client.HTTPException as exc:
        raise OSError(f"bad HTTP answer: {exc.__class__.__name__}") from exc
    finally:
        conn.close()
