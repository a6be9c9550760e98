"""Imports every table so that ``Base.metadata`` is complete (Alembic, tests)."""

from calapi.api_keys.models import ApiKey, RateLimit
from calapi.db import Base
from calapi.jobs.models import Job
from calapi.users.models import User

__all__ = ["ApiKey", "Base", "Job", "RateLimit", "User"]
