"""The outbound URL policy on its own (no connection is made here): what passes, what is refused."""
from __future__ import annotations

import pytest

from gongzhi.core import outbound

DEFAULT = outbound.Policy()


@pytest.mark.parametrize("url, host, port", [
    ("https://93.184.215.14/hook", "93.184.215.14", 443),
    ("https://[2606:4700:4700::1111]:8443/x?y=1", "2606:4700:4700::1111", 8443),
    ("HTTPS://93.184.215.14./", "93.184.215.14", 443),
])
def test_public_https_addresses_pass(url, host, port):
    target = outbound.check_url(url, DEFAULT)
    assert (target.host, target.port) == (host, port) and target.addresses == (host,)


@pytest.mark.parametrize("address", ["127.0.0.1", "10.9.8.7", "100.64.0.1", "169.254.169.254", "192.0.2.1",
                                     "198.18.0.1", "224.0.0.251", "::1", "::ffff:10.0.0.1", "2002:a00:1::",
                                     "64:ff9b::7f00:1", "fe80::1", "fec0::1", "fd00::1", "ff05::2", "2001:db8::1"])
def test_internal_and_special_addresses_have_a_reason(address):
    import ipaddress

    assert outbound.address_problem(ipaddress.ip_address(address))


def test_named_exceptions_are_exact_host_names():
    policy = outbound.Policy.of(allow_http_hosts=["Hooks.Example.org."], allow_internal_hosts=["127.0.0.1"])
    assert outbound.check_url("http://hooks.example.org/", policy, resolve=False).scheme == "http"
    with pytest.raises(outbound.Refused):
        outbound.check_url("http://other.example.org/", policy, resolve=False)
    assert outbound.check_url("https://127.0.0.1:9/", policy).addresses == ("127.0.0.1",)
    with pytest.raises(outbound.Refused):
        outbound.check_url("https://127.0.0.2/", policy)  # only the address named
