"""Where calapi may send a request on a user's behalf (a webhook, a calendar feed or server):
checked when the URL is saved and again, after DNS, on every attempt.

Cloud-metadata and link-local addresses (and other never-routable ones) are always refused;
loopback and private networks only when private networks are not allowed (production default).
An IPv6 address that carries an IPv4 one (IPv4-mapped or -compatible, 6to4, Teredo, NAT64) is
judged by the IPv4 address it reaches.
An attempt connects to the address that was checked, so DNS cannot change between check and use.

The refusal texts name webhooks because webhooks were first; the reasons hold for any URL.

A host name's checked answer is kept for ``RESOLVE_CACHE_SECONDS`` per process (a busy subscriber
would otherwise cost a resolver round trip per delivery). That is safe because what is cached is
the already-checked address and every attempt connects to exactly that address: a DNS change can
only take effect later, never route an attempt to an unchecked address. Refusals are not cached.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Metadata services that are not inside link-local (Alibaba Cloud, AWS IPv6 IMDS, Oracle's alias).
_METADATA = {ipaddress.ip_address(a) for a in ("100.100.100.200", "fd00:ec2::254", "192.0.0.192")}
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL_USE = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


class UrlNotAllowed(Exception):
    """The reason completes ``Webhook URL is not allowed: <reason>``."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written in the URL (Host header, TLS SNI)
    port: int
    address: IPAddress  # the checked address to connect to


def _refusal(address: IPAddress, allow_private: bool) -> str | None:
    """Why a webhook may not go to this address (completes "<address> is …"), or None."""
    if address in _METADATA or address == ipaddress.ip_address("169.254.169.254"):
        return "a cloud metadata address"
    if address.is_link_local:
        return "a link-local address"
    # (::1 sits inside IPv6's reserved ::/8, so loopback is judged by the private-network rule below)
    if address.is_unspecified or address.is_multicast or (address.is_reserved and not address.is_loopback):
        return "not a routable address"
    if allow_private:
        return None
    if address.is_loopback:
        return "a loopback address"
    if address.is_private or address in _CGNAT or not address.is_global:
        return "a private network address"
    return None


def embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[str, tuple[ipaddress.IPv4Address, ...]] | None:
    """The IPv4 address(es) an IPv6 address stands for, with the form's name; None for a plain one.

    Each of these forms reaches the IPv4 host inside it (through the dual-stack socket, a 6to4
    relay, a Teredo server or a NAT64 gateway), so that host is what has to be judged.
    """
    if address.ipv4_mapped is not None:
        return "IPv4-mapped", (address.ipv4_mapped,)
    if address.sixtofour is not None:
        return "6to4", (address.sixtofour,)
    if address.teredo is not None:
        return "Teredo", address.teredo  # (server, client), the client de-obfuscated
    if address in _NAT64_WELL_KNOWN:
        return "NAT64", (ipaddress.IPv4Address(address.packed[12:]),)
    if address in _IPV4_COMPATIBLE and int(address) > 1:  # (:: and ::1 are themselves)
        return "IPv4-compatible", (ipaddress.IPv4Address(address.packed[12:]),)
    return None


def check_address(address: IPAddress, *, allow_private: bool) -> None:
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64_LOCAL_USE:
            # The operator's own translation prefix: where the IPv4 address sits in it depends on a
            # prefix length only the operator knows, so what it reaches cannot be judged.
            raise UrlNotAllowed(f"{address} is a local-use NAT64 address, whose IPv4 destination cannot be told")
        embedded = embedded_ipv4(address)
        if embedded is not None:
            form, inner = embedded
            for ipv4 in inner:
                reason = _refusal(ipv4, allow_private)
                if reason is not None:
                    raise UrlNotAllowed(f"{address} ({form} form of {ipv4}) is {reason}")
            if form == "IPv4-compatible":
                raise UrlNotAllowed(f"{address} is an IPv4-compatible address, which is not routable")
            return
    reason = _refusal(address, allow_private)
    if reason is not None:
        raise UrlNotAllowed(f"{address} is {reason}")


def parse_url(url: str) -> tuple[str, str, int]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlNotAllowed(f"malformed URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise UrlNotAllowed("only http and https URLs can receive webhooks")
    if not parts.hostname:
        raise UrlNotAllowed("the URL has no host")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


RESOLVE_CACHE_SECONDS = 30.0
_RESOLVE_CACHE_MAX = 4096
_resolved: dict[tuple[str, str, int, bool], tuple[float, Target]] = {}


async def resolve(url: str, *, allow_private: bool) -> Target:
    """Resolve the URL's host and check every address it has; the first is the one to use."""
    scheme, host, port = parse_url(url)
    key = (scheme, host, port, allow_private)
    cached = _resolved.get(key)
    if cached is not None and time.monotonic() - cached[0] < RESOLVE_CACHE_SECONDS:
        return cached[1]
    target = await _resolve_and_check(scheme, host, port, allow_private=allow_private)
    if len(_resolved) >= _RESOLVE_CACHE_MAX:
        _resolved.clear()
    _resolved[key] = (time.monotonic(), target)
    return target


async def _resolve_and_check(scheme: str, host: str, port: int, *, allow_private: bool) -> Target:
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror:
            raise UrlNotAllowed(f"the host {host} does not resolve") from None
        addresses = []
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            if address not in addresses:
                addresses.append(address)
        if not addresses:
            raise UrlNotAllowed(f"the host {host} does not resolve")
    # Every address must pass: otherwise a name with one public and one private record could be
    # used to reach the private one when the public one is down.
    for address in addresses:
        try:
            check_address(address, allow_private=allow_private)
        except UrlNotAllowed as exc:
            raise UrlNotAllowed(f"{host} resolves to {exc}" if literal is None else str(exc)) from None
    return Target(scheme=scheme, host=host, port=port, address=addresses[0])
