"""The world's control channel, for the test and for the automat process (the citizen's hands).

Every call is one JSON line out and one back over ``DIR/control.sock``; a client is safe to use
from several threads (calls are serialised).
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from tests.world.wire import Channel


class WorldError(Exception):
    pass


class WorldClient:
    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.info: dict[str, Any] = json.loads((self.folder / "world.json").read_text())
        self._channel = Channel.connect(self.info["control"])
        self._lock = threading.Lock()

    def call(self, op: str, **args: Any) -> dict[str, Any]:
        with self._lock:
            reply = self._channel.request({"op": op, **args})
        if "error" in reply:
            raise WorldError(f"world {op}: {reply['error']}")
        return reply

    def close(self) -> None:
        self._channel.close()

    # -- the citizen's hands -------------------------------------------------------------------
    def drop_coin(self, ore: int) -> bool:
        return bool(self.call("drop_coin", value=ore)["accepted"])

    def feed_note(self, kroner: int) -> bool:
        return bool(self.call("feed_note", kroner=kroner)["accepted"])

    def cash_ready(self) -> dict[str, bool]:
        return self.call("cash_ready")

    def validator_quiet(self) -> bool:
        return bool(self.call("validator_quiet")["quiet"])

    def validator_state(self) -> dict[str, bool]:
        return self.call("validator_state")

    def terminal_next(self, plan: str) -> None:
        self.call("terminal_next", plan=plan)

    def terminal_plug(self) -> None:
        self.call("terminal_plug")

    def add_claims(self, old: list[int], new: list[int], *, only: bool = False
                   ) -> dict[str, list[int]]:
        reply = self.call("add_claims", old=old, new=new, only=only)
        return {"old": reply["old"], "new": reply["new"]}

    def desk_bon(self, code: str, ore: int) -> None:
        self.call("desk_bon", code=code, ore=ore)

    # -- the truth -----------------------------------------------------------------------------
    def truth(self) -> dict[str, Any]:
        return self.call("truth")

    def slips(self) -> list[dict[str, Any]]:
        return self.call("slips")["slips"]

    def wait(self, what: str, check: Any, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise WorldError(f"the world did not get to {what} in {timeout:.0f} s")
            time.sleep(0.01)
