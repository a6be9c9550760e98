"""The ASGI application for servers: ``uvicorn calapi.asgi:app``."""

import gc
import sys
from types import FrameType

from calapi.app import create_app


def _leave_proxy_headers_to_the_app() -> None:
    """``X-Forwarded-For`` and ``-Proto`` are read by the application alone, from the proxies in
    ``CALAPI_TRUSTED_PROXIES`` (none by default).

    Why: uvicorn wraps the application it loads in a proxy-header layer of its own that trusts
    127.0.0.1 and ::1 unless told otherwise, so a bare ``uvicorn calapi.asgi:app`` let any local
    process, or a local proxy that passes the header on, choose its client address (and with it
    its anonymous rate-limit bucket). uvicorn imports this module from ``Config.load`` and wraps the
    application after the import returns: the loading ``Config`` is switched to
    ``proxy_headers=False`` here, as ``calapi serve`` passes it.
    """
    try:
        from uvicorn.config import Config
    except ImportError:  # another server: its own settings apply
        return
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        loading = frame.f_locals.get("self")
        if isinstance(loading, Config) and isinstance(loading.app, str) and loading.app.startswith(f"{__name__}:"):
            loading.proxy_headers = False
            return
        frame = frame.f_back


_leave_proxy_headers_to_the_app()
app = create_app()

# Everything imported and built so far lives as long as the process: move it out of the cyclic
# collector's reach. A slot listing for many hosts allocates tens of thousands of objects, which
# triggers full collections; without this each one re-walked the whole heap (~50 ms measured on
# the 25-host round-robin benchmark, every other request).
gc.collect()
gc.freeze()
