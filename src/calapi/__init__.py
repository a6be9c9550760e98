"""calapi: a self-hostable scheduling server that speaks Cal.com's REST API."""

__version__ = "0.1.0"
