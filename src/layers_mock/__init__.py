"""layers-mock: a stateful stand-in for the Layers Partner API reject endpoint."""

from .app import create_app
from .settings import Settings

__all__ = ["Settings", "create_app"]
