"""The ASGI application for servers: ``uvicorn calapi.asgi:app``."""

import gc

from calapi.app import create_app

app = create_app()

# Everything imported and built so far lives as long as the process: move it out of the cyclic
# collector's reach. A slot listing for many hosts allocates tens of thousands of objects, which
# triggers full collections; without this each one re-walked the whole heap (~50 ms measured on
# the 25-host round-robin benchmark, every other request).
gc.collect()
gc.freeze()
