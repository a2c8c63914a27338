"""Progress reporting (进度): what a long computation tells its caller, and how it is cancelled."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .errors import Canceled


@dataclass
class Progress:
    """What a step reports to its caller (a QGIS feedback adapter, or nothing)."""

    set_progress: Callable[[float], None] = lambda p: None
    is_canceled: Callable[[], bool] = lambda: False
    info: Callable[[str], None] = lambda m: None

    def step(self, pct: float, msg: str = "") -> None:
        """Report ``pct`` percent and ``msg``; raise :class:`Canceled` when the user cancelled."""
        if self.is_canceled():
            raise Canceled()
        if msg:
            self.info(msg)
        self.set_progress(pct)

    def check(self) -> None:
        """Raise :class:`Canceled` when the user cancelled (between chunks of work)."""
        if self.is_canceled():
            raise Canceled()
