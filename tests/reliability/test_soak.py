"""The soak of ``bench/soak.py``, shorter: the embedded engine for 25 s, about 10 % faults.

The long soak (10 minutes, with its memory figures) is ``python bench/soak.py``.
"""

from __future__ import annotations

from pathlib import Path

from bench.soak import soak


async def test_a_short_soak_with_faults_loses_nothing_and_repeats_nothing(tmp_path: Path) -> None:
    result = await soak(25, tmp_path, rate=0.10)
    assert result.injected > 0 and result.runs["ok"] > 12  # the faults and the runs really happened
    assert result.unexplained == []
    assert result.problems == []
    assert len(result.calls_added) > 0
