"""The HTTP service over the facade (`renstra serve`; docs/service.md).

Imported only by `renstra serve` and by programs that mount the app: it needs FastAPI.
"""

from __future__ import annotations

from .app import create_app
from .limits import Limits

__all__ = ["Limits", "create_app"]
