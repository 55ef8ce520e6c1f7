"""Helpers behind the workshop notebooks.

Start with `helpers.get_session()`: it picks the mode (a real AWS account, or
the embedded local runtime) and returns everything a lab needs.
"""
from helpers.session import WorkshopSession, get_session

__all__ = ["WorkshopSession", "get_session"]
