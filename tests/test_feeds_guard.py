"""The SSRF guard's address rules, on their own (the fetcher tests prove they are enforced on the wire)."""

from __future__ import annotations

import pytest

from bot.feeds.errors import BlockedAddressError, DnsError, InvalidUrlError, UnsupportedSchemeError
from bot.feeds.guard import AddressGuard, system_resolver
from tests.feeds_net_support import static_resolver

REFUSED = [
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("::1", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.9", "private"),
    ("192.168.1.1", "private"),
    ("fd12:3456::1", "private"),
    ("169.254.169.254", "cloud-metadata"),
    ("fd00:ec2::254", "cloud-metadata"),
    ("100.100.100.200", "cloud-metadata"),
    ("169.254.10.10", "link-local"),
    ("fe80::1", "link-local"),
    ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("240.0.0.1", "reserved"),
    ("100.64.0.1", "special-purpose"),
    ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:10.0.0.1", "private"),
    ("::ffff:169.254.169.254", "cloud-metadata"),
    ("2002:7f00:1::", "loopback"),  # 6to4 wrapping 127.0.0.1
    ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
    # Not globally reachable though Python 3.11's ipaddress calls them global (issue 12):
    ("fec0::1", "site-local"),
    ("192.0.0.8", "special-purpose"),
    ("192.0.0.9", "special-purpose"),
    ("192.88.99.1", "special-purpose"),
    ("5f00::1", "special-purpose"),
    ("3fff::1", "special-purpose"),
    ("4000::1", "reserved"),
]


@pytest.mark.parametrize(("address", "rule"), REFUSED)
def test_forbidden_addresses_are_refused_with_their_rule(address: str, rule: str) -> None:
    with pytest.raises(BlockedAddressError) as info:
        AddressGuard().check_address(address, host=address)
    assert info.value.rule == rule
    assert rule in str(info.value) and address.split("%")[0] in str(info.value)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    AddressGuard().check_address(address, host="example.com")


def test_allow_private_lifts_the_address_rules() -> None:
    AddressGuard(allow_private=True).check_address("127.0.0.1", host="localhost")
    AddressGuard(allow_private=True).check_url("http://10.0.0.1/feed")
    with pytest.raises(BlockedAddressError):  # instance metadata stays refused
        AddressGuard(allow_private=True).check_url("http://169.254.169.254/latest/meta-data/")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/feed", "gopher://x/", "javascript:alert(1)"])
def test_only_http_and_https_schemes(url: str) -> None:
    with pytest.raises(UnsupportedSchemeError) as info:
        AddressGuard(allow_private=True).check_url(url)
    assert "only http:// and https://" in str(info.value)


def test_url_without_host_is_invalid() -> None:
    with pytest.raises(InvalidUrlError):
        AddressGuard().check_url("http:///feed")


@pytest.mark.parametrize("url", ["http://127.0.0.1/", "http://[::1]:8080/", "http://[::ffff:a9fe:a9fe]/latest",
                                 "http://[fec0::1]/feed", "http://192.0.0.8/feed",
                                 "https://169.254.169.254/latest/meta-data/"])
def test_literal_ip_urls_are_checked_before_any_connection(url: str) -> None:
    with pytest.raises(BlockedAddressError):
        AddressGuard().check_url(url)


async def test_public_name_resolving_to_private_address_is_refused() -> None:
    guard = AddressGuard(resolver=static_resolver({"news.example.com": ["10.0.0.7"]}))
    with pytest.raises(BlockedAddressError) as info:
        await guard.resolve("news.example.com", 443)
    message = str(info.value)
    assert "news.example.com" in message and "10.0.0.7" in message and "private" in message


async def test_a_name_with_any_private_answer_is_refused() -> None:
    guard = AddressGuard(resolver=static_resolver({"mixed.example.com": ["93.184.216.34", "127.0.0.1"]}))
    with pytest.raises(BlockedAddressError) as info:
        await guard.resolve("mixed.example.com", 80)
    assert info.value.rule == "loopback"


async def test_real_resolver_dns_failure_is_a_clear_error() -> None:
    with pytest.raises(DnsError) as info:
        await system_resolver("no-such-host.invalid", 80)
    assert "does not resolve" in str(info.value)


async def test_real_resolver_resolves_localhost_and_guard_refuses_it() -> None:
    addresses = await system_resolver("localhost", 80)
    assert addresses
    with pytest.raises(BlockedAddressError):
        await AddressGuard().resolve("localhost", 80)
