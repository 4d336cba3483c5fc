"""The soak benchmark (``bench/soak.py``) runs end to end on a short run: every kind of session
through the real window and core over the world's emulators and simulator, ending as scripted,
the ledger's audit and the world's count clean, and a SIGKILLed automat recovered by the next
start. Nothing here is timed: the figures are the benchmark's, for the README."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.soak_sessions import KINDS

REPO = Path(__file__).resolve().parents[2]
SESSIONS = 5 * len(KINDS)  # every kind five times


def test_a_short_soak_prints_every_figure_with_a_clean_audit() -> None:
    run = subprocess.run(
        [sys.executable, "bench/soak.py", "--json", "--sessions", str(SESSIONS),
         "--restart-rounds", "1"],
        cwd=REPO, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True, text=True, timeout=900,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout)

    for key in ("sessions_per_s", "rss_growth_mb", "rss_anon_growth_mb", "rss_file_growth_mb",
                "rss_after_baseline_mb", "rss_after_last_mb",
                "clean_start_s", "restart_to_ready_s", "restart_ratio", "sqlite_growth_mb"):
        assert isinstance(result[key], float) and result[key] == result[key], key  # not NaN
    for key in ("threads_growth", "fds_growth", "sessions_failed"):
        assert isinstance(result[key], int), key
    assert isinstance(result["threads_added"], list)
    assert result["sessions"] == SESSIONS
    assert result["failures"] == [] and result["sessions_failed"] == 0
    assert result["kinds"] == {name: 5 for name, _script, _end in KINDS}
    assert result["audit_clean"] is True, result["audit_problems"]
    assert result["audit_sessions_checked"] == SESSIONS
    assert result["restart_recovered"] is True
    assert result["sessions_per_s"] > 0 and result["restart_to_ready_s"] > 0
