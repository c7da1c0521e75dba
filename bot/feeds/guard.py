"""The SSRF guard: which URLs and addresses the bot may fetch, enforced where the socket is opened.

A feed URL comes from any member who can subscribe, so without a guard the bot could be made to read
`http://169.254.169.254/` (cloud credentials) or an admin page on the host's private network. Checking the
URL's host name is not enough: a name can resolve to a private address, or resolve to a public one when we
check and a private one when we connect (DNS rebinding). So `GuardedNetworkBackend` sits under httpx: it
resolves the name itself, vets every address and connects to a vetted address, while httpx keeps the original
host name for the Host header and TLS SNI. `AddressGuard.check_url` adds the cheap checks (scheme, literal IP
hosts) that the fetcher runs on every redirect hop before any connection is made.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpcore
from httpx import URL, InvalidURL

from bot.feeds.errors import BlockedAddressError, DnsError, InvalidUrlError, UnsupportedSchemeError, shown_url

__all__ = ["AddressGuard", "GuardedNetworkBackend", "Resolver", "system_resolver"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Resolves (host, port) to IP address strings; injectable so tests can make a public-looking name point anywhere.
Resolver = Callable[[str, int], Awaitable[list[str]]]

_ALLOWED_SCHEMES = ("http", "https")
_HINT = "set NEWSDESK_ALLOW_PRIVATE_NETWORKS=true only if this bot should read feeds on your own network"

# Instance-metadata endpoints of the big clouds. Most sit in link-local space anyway; naming them gives a
# clearer message, and 100.100.100.200 (Alibaba) and fd00:ec2::254 (AWS IPv6) are not link-local.
_METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "169.254.169.253", "100.100.100.200", "192.0.0.192",
              "fd00:ec2::254")
)

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Not globally reachable, but public as far as this Python's `ipaddress` tables go (they lag the IANA
# special-purpose registries and differ between versions): named here so the guard does not depend on them.
_SPECIAL_PURPOSE = tuple(
    (ipaddress.ip_network(net), rule)
    for net, rule in (
        ("192.0.0.0/24", "special-purpose"),   # IETF protocol assignments (192.0.0.8 dummy, 192.0.0.170 NAT64)
        ("192.88.99.0/24", "special-purpose"),  # deprecated 6to4 relay anycast
        ("fec0::/10", "site-local"),            # deprecated site-local, still routed inside some networks
        ("64:ff9b:1::/48", "private"),          # local-use NAT64
        ("5f00::/16", "special-purpose"),       # SRv6 SIDs
        ("3fff::/20", "special-purpose"),       # documentation
        ("2001:db8::/32", "special-purpose"),   # documentation
        ("100::/64", "special-purpose"),        # discard-only
    )
)
# Global unicast IPv6 is all in 2000::/3; anything outside it that is not mapped IPv4 is not a web server.
_IPV6_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")


async def system_resolver(host: str, port: int) -> list[str]:
    """All addresses of `host` from the operating system's resolver, without blocking the event loop."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise DnsError(f"the host name {shown_url(host)!r} does not resolve ({shown_url(exc)}); check the address for typos") from None
    seen: dict[str, None] = {}
    for _family, _type, _proto, _canon, sockaddr in infos:
        seen.setdefault(str(sockaddr[0]).split("%", 1)[0], None)
    return list(seen)


def _classify(address: IPAddress) -> str | None:
    """The name of the rule that refuses `address`, or None if it is a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        # ::ffff:10.0.0.1 reaches 10.0.0.1: judge the IPv4 address it carries.
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is None and address in _NAT64:
            # 64:ff9b::10.0.0.1 is translated to 10.0.0.1 by a NAT64 gateway.
            mapped = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if mapped is not None:
            return _classify(mapped)
    if address in _METADATA:
        return "cloud-metadata"
    for network, rule in _SPECIAL_PURPOSE:
        if address.version == network.version and address in network:
            return rule
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_reserved:
        return "reserved"
    if address.is_private:
        return "private"
    if not address.is_global:
        # Shared address space (100.64.0.0/10), documentation ranges, benchmarking nets, ...
        return "special-purpose"
    if isinstance(address, ipaddress.IPv6Address) and address not in _IPV6_GLOBAL_UNICAST:
        return "reserved"
    return None


class AddressGuard:
    """Decides which URLs and addresses may be fetched. `allow_private=True` lifts the address rules, except
    the cloud-metadata one."""

    def __init__(self, *, allow_private: bool = False, resolver: Resolver | None = None) -> None:
        self.allow_private = allow_private
        self._resolver = resolver or system_resolver

    def check_url(self, url: str | URL) -> URL:
        """Scheme, host and literal-IP checks, before any network traffic. Returns the parsed URL."""
        try:
            parsed = url if isinstance(url, URL) else URL(str(url).strip())
        except (InvalidURL, TypeError, ValueError) as exc:
            raise InvalidUrlError(f"{shown_url(url)!r} is not a valid URL ({shown_url(exc)})", url=str(url)) from None
        if not parsed.scheme:
            raise UnsupportedSchemeError(
                f"{shown_url(url)!r} is not a full web address: it needs http:// or https:// in front, like "
                "https://example.com/feed", url=str(url))
        if parsed.scheme not in _ALLOWED_SCHEMES:
            shown = parsed.scheme
            raise UnsupportedSchemeError(
                f"refused {shown_url(url)!r}: scheme {shown_url(shown, 40)!r} is not allowed, only http:// and https:// URLs can be "
                "fetched", url=str(url))
        if not parsed.host:
            raise InvalidUrlError(f"{shown_url(url)!r} has no host name; give a full address like https://example.com/feed",
                                  url=str(url))
        literal = _parse_ip(parsed.host)
        if literal is not None:
            self.check_address(literal, host=parsed.host, url=str(parsed))
        return parsed

    def check_address(self, address: str | IPAddress, *, host: str, url: str | None = None) -> None:
        """Raise `BlockedAddressError` if `address` (what `host` resolved to) may not be contacted."""
        ip = address if not isinstance(address, str) else _parse_ip(address)
        if ip is None:
            raise BlockedAddressError(f"refused {shown_url(host)!r}: {shown_url(address)!r} is not an IP address", url=url,
                                      rule="not-an-address", address=str(address))
        rule = _classify(ip)
        if rule == "cloud-metadata":
            # Never useful for a feed and the classic SSRF prize: refused even with private networks allowed.
            raise BlockedAddressError(
                f"refused {shown_url(host)!r}: {ip} is a cloud-metadata address; the SSRF guard never fetches instance "
                "metadata endpoints", url=url, rule=rule, address=str(ip))
        if self.allow_private:
            return
        if rule is not None:
            where = f"{shown_url(host)!r}" if host == str(ip) else f"{shown_url(host)!r} (which resolves to {ip})"
            raise BlockedAddressError(
                f"refused {where}: {ip} is a {rule} address, and the SSRF guard does not fetch from "
                f"{rule} addresses; {_HINT}", url=url, rule=rule, address=str(ip))

    async def resolve(self, host: str, port: int) -> list[str]:
        """Resolve `host` and return its permitted addresses; refuse if any address is forbidden.

        Refusing when *any* answer is private (not just skipping it) stops a name that mixes public and
        private answers from being used to probe the inside.
        """
        literal = _parse_ip(host)
        if literal is not None:
            self.check_address(literal, host=host)
            return [str(literal)]
        addresses = await self._resolver(host, port)
        if not addresses:
            raise DnsError(f"the host name {shown_url(host)!r} has no addresses; check the address for typos")
        for address in addresses:
            self.check_address(address, host=host)
        return addresses


def _parse_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses the guard allows.

    httpcore asks it for a TCP stream to (host, port); it resolves `host` through the guard and connects to
    the vetted IP itself. TLS is started later by httpcore with `server_hostname=host`, so SNI and
    certificate checks still use the name, not the IP.
    """

    def __init__(self, guard: AddressGuard, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._guard = guard
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._guard.resolve(host, port)
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                                     socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc  # try the next address, like a normal client would
        assert last is not None
        raise last

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None  # noqa: ASYNC109
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddressError(f"refused unix socket {path!r}", rule="unix-socket", address=path)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
