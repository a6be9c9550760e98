"""The ASGI application for servers: ``uvicorn calapi.asgi:app``."""

from calapi.app import create_app

app = create_app()
