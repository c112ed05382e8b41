"""Service discovery: every registered service, parsed one by one, cached, optionally probed.

Listing: the contract hands out pages of PAGE_SIZE; the first page says how many there are, the rest
are read PAGES_PER_BATCH at a time in one JSON-RPC batch (⌈n/50⌉ eth_calls, a few round trips).
Probing: every provider at once (up to PROBE_WORKERS), the whole round bounded by PROBE_BUDGET_S, so
slow or down providers never hold the list up: one that has not answered by then is marked so."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

import httpx

from og_core.addresses import checksum
from og_core.bodies import MAX_SMALL_BYTES, read_capped
from og_core.errors import NotFoundError, OgError, ProviderError, ProviderErrorKind, RpcError
from og_core.reverts import revert_from_exception
from og_core.rpc_batch import BatchRead
from og_core.safety import UrlGuard, deadline, url_problem
from og_core.service import ProviderHealth, ServiceInfo

log = logging.getLogger(__name__)

PAGE_SIZE = 50  # the contract refuses more (LimitTooLarge)
PAGES_PER_BATCH = 5  # pages per JSON-RPC batch; a node runs a batch's calls one after another, and a batch
# must answer within the RPC timeout (15 s) on a slow node too: py-evm takes up to ~0.8 s a page under load
CACHE_TTL_S = 30.0
PROBE_TIMEOUT_S = 3.0  # one provider probed alone
PROBE_BUDGET_S = 2.0  # a whole round of probes: slow providers are marked, not waited for
PROBE_WORKERS = 256  # threads that mostly wait on sockets; a slow provider holds one for the budget at most


def provider_base(url: str) -> str:
    """A provider's base URL without a trailing slash or a duplicated /v1/proxy."""
    url = url.strip().rstrip("/")
    for suffix in ("/v1/proxy", "/v1"):
        if url.endswith(suffix):
            url = url[: -len(suffix)]
    return url


def parse_service(raw: Sequence[Any]) -> ServiceInfo:
    """One Service struct → ServiceInfo. Raises on a struct that cannot be understood at all;
    a bad additionalInfo is recorded on the result instead of raising."""
    info_raw = str(raw[8]) if len(raw) > 8 else ""
    info: dict[str, Any] | None = None
    info_error: str | None = None
    if info_raw.strip():
        try:
            parsed = json.loads(info_raw)
            if isinstance(parsed, dict):
                info = parsed
            else:
                info_error = "additionalInfo is JSON but not an object"
        except json.JSONDecodeError as exc:
            info_error = f"additionalInfo is not valid JSON ({exc.msg})"
    else:
        info = {}
    url = str(raw[2])
    return ServiceInfo(
        provider=checksum(raw[0]),
        service_type=str(raw[1]),
        url=url,
        url_error=url_problem(provider_base(url)),
        input_price_wei=int(raw[3]),
        output_price_wei=int(raw[4]),
        updated_at=int(raw[5]),
        model=str(raw[6]),
        verifiability=str(raw[7]),
        additional_info_raw=info_raw,
        additional_info=info,
        additional_info_error=info_error,
        tee_signer=checksum(raw[9]) if len(raw) > 9 and raw[9] else "",
        tee_signer_acknowledged=bool(raw[10]) if len(raw) > 10 else False,
    )


def probe_provider(service: ServiceInfo, http: httpx.Client, guard: UrlGuard,
                   timeout_s: float = PROBE_TIMEOUT_S, said_s: float | None = None) -> ProviderHealth:
    """GET /v1/models with a short timeout: reachable, latency, model ids. Never raises: whatever
    goes wrong is the health's `error`, a note on that one service. said_s: the limit the error names
    (a round's whole budget, when this probe got only what was left of it)."""
    said = timeout_s if said_s is None else said_s
    if service.url_error:
        return ProviderHealth(False, None, (), service.url_error)
    start = time.perf_counter()
    try:
        url = guard.check(provider_base(service.url) + "/v1/models")
        # an overall deadline: a provider trickling one byte a second must not hold the table up
        with deadline(time.monotonic() + timeout_s), http.stream("GET", url, timeout=timeout_s) as resp:
            if resp.status_code != 200:
                latency = (time.perf_counter() - start) * 1000
                return ProviderHealth(False, latency, (), f"The provider answered HTTP {resp.status_code}.")
            try:
                content = read_capped(resp, MAX_SMALL_BYTES)  # refused before it is all in memory
            except ProviderError as exc:
                why = ("The provider's model list is unreasonably large."
                       if exc.kind is ProviderErrorKind.TOO_LARGE else exc.message)
                return ProviderHealth(False, (time.perf_counter() - start) * 1000, (), why)
        latency = (time.perf_counter() - start) * 1000
        data = json.loads(content)
        items = data.get("data", []) if isinstance(data, dict) else []
        models = tuple(str(m.get("id")) for m in items if isinstance(m, dict) and m.get("id"))
        return ProviderHealth(True, latency, models, None)
    except OgError as exc:
        return ProviderHealth(False, None, (), exc.message)
    except httpx.TimeoutException:
        return ProviderHealth(False, None, (), f"The provider did not answer within {said:g} s.")
    except httpx.HTTPError as exc:
        return ProviderHealth(False, None, (), f"The provider cannot be reached ({type(exc).__name__}).")
    except ValueError:
        return ProviderHealth(False, (time.perf_counter() - start) * 1000, (),
                              "The provider's model list is not valid JSON.")
    except Exception as exc:  # a probe runs for every service with no user action: it must not break the list
        log.warning("probing %s failed: %s: %s", service.provider, type(exc).__name__, exc)
        return ProviderHealth(False, None, (), f"The provider could not be probed ({type(exc).__name__}).")


def _late(budget_s: float) -> ProviderHealth:
    return ProviderHealth(False, None, (), f"The provider did not answer within {budget_s:g} s.")


# Shared per (rpc_url, inference address): the registry is public, identical for every session.
_cache_lock = threading.Lock()
_cache: dict[tuple[str, str], tuple[float, list[ServiceInfo]]] = {}
_single: dict[tuple[str, str, str], tuple[float, ServiceInfo]] = {}  # one provider read alone


class Discovery:
    def __init__(self, serving_contract: Any, rpc_url: str, http: httpx.Client, guard: UrlGuard,
                 ttl_s: float = CACHE_TTL_S) -> None:
        self._contract = serving_contract
        self._key = (rpc_url, serving_contract.address)
        self._http = http
        self._guard = guard
        self._ttl = ttl_s
        self._probe_http: httpx.Client | None = None  # a pool as wide as a round (the shared one has 100)

    def _read_all(self) -> list[ServiceInfo]:
        """Every service: the first page (which says how many there are), then the rest in batches."""
        def failed(exc: BaseException) -> RpcError:
            return RpcError.from_exception(exc, message="The list of services could not be read from the chain.")

        def pages(offsets: Sequence[int]) -> list[Any]:
            """The pages at `offsets`, as (services, total), in one round trip (a batch: no eth_chainId
            read before each call, as web3's own `.call()` makes)."""
            batch = BatchRead(self._contract.w3)
            for offset in offsets:
                batch.call(self._contract.functions.getAllServices(offset, PAGE_SIZE))
            try:
                got = batch.run()
            except Exception as exc:
                raise failed(exc) from exc
            for page in got:
                if isinstance(page, BaseException):
                    raise failed(page) from page
            return got

        first, total = pages([0])[0]
        raws = list(first)
        offsets = list(range(len(first), int(total), PAGE_SIZE)) if first else []
        for at in range(0, len(offsets), PAGES_PER_BATCH):
            for page in pages(offsets[at:at + PAGES_PER_BATCH]):
                raws += page[0]
        services: list[ServiceInfo] = []
        for raw in raws:
            try:
                services.append(parse_service(raw))
            except Exception as exc:  # one malformed provider must not break the list
                log.warning("skipping a malformed service entry: %s", exc)
        return services

    def services(self, *, refresh: bool = False, probe: bool = False) -> list[ServiceInfo]:
        now = time.monotonic()
        with _cache_lock:
            hit = _cache.get(self._key)
        if hit is None or refresh or now - hit[0] > self._ttl:
            services = self._read_all()
            with _cache_lock:
                _cache[self._key] = (now, services)
        else:
            services = hit[1]
        if probe:
            services = self.probe_all(services)
        return list(services)

    def probe(self, service: ServiceInfo) -> ProviderHealth:
        return probe_provider(service, self._http, self._guard)

    def probe_all(self, services: Sequence[ServiceInfo], budget_s: float = PROBE_BUDGET_S) -> list[ServiceInfo]:
        """Every service with its probe, all at once, in at most about `budget_s`: a probe still waiting
        then is marked "did not answer within …" and left to end on its own (its socket times out)."""
        from dataclasses import replace

        if not services:
            return []
        end = time.monotonic() + budget_s
        if self._probe_http is None:
            self._probe_http = self._guard.client(
                PROBE_TIMEOUT_S, limits=httpx.Limits(max_connections=PROBE_WORKERS, max_keepalive_connections=32))
        http = self._probe_http
        pool = ThreadPoolExecutor(max_workers=min(PROBE_WORKERS, len(services)), thread_name_prefix="og-probe")

        def probe(service: ServiceInfo) -> ProviderHealth:
            left = end - time.monotonic()
            if left <= 0:
                return _late(budget_s)
            return probe_provider(service, http, self._guard, timeout_s=min(PROBE_TIMEOUT_S, left),
                                  said_s=min(PROBE_TIMEOUT_S, budget_s))

        futures = [pool.submit(probe, s) for s in services]
        wait(futures, timeout=max(end - time.monotonic(), 0) + 0.25)  # + a moment for the last to report
        pool.shutdown(wait=False, cancel_futures=True)
        healths = [f.result() if f.done() and not f.cancelled() else _late(budget_s) for f in futures]
        return [replace(s, health=h) for s, h in zip(services, healths, strict=True)]

    def close(self) -> None:
        if self._probe_http is not None:
            self._probe_http.close()

    def service(self, provider: str, *, refresh: bool = False) -> ServiceInfo:
        try:
            address = checksum(provider)
        except ValueError:
            raise NotFoundError(f"“{provider[:60]}” is not a provider address.",
                                "Pick a provider from the Discover page.") from None
        if not refresh:
            with _cache_lock:
                hit = _cache.get(self._key)
                one = _single.get((*self._key, address))
            if hit is not None and time.monotonic() - hit[0] <= self._ttl:
                for s in hit[1]:
                    if s.provider == address:
                        return s
            if one is not None and time.monotonic() - one[0] <= self._ttl:
                return one[1]
        try:
            raw = self._contract.functions.getService(address).call()
        except Exception as exc:
            revert = revert_from_exception(exc)
            if revert is not None:  # the contract answered: ServiceNotExist
                raise NotFoundError(f"No service is registered for provider {address}.",
                                    "Pick a provider from the Discover page.", detail=revert.detail) from exc
            raise RpcError.from_exception(
                exc, message="The provider's service could not be read from the chain.") from exc
        service = parse_service(raw)
        with _cache_lock:
            _single[(*self._key, address)] = (time.monotonic(), service)
        return service
