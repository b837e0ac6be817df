"""Every setting is documented in DEVELOPERS.md, so operators can find what they can tune."""

from __future__ import annotations

from pathlib import Path

from dispatch.settings import Settings

DEVELOPERS = Path(__file__).resolve().parents[1] / "DEVELOPERS.md"


def test_every_setting_has_a_row_in_developers_md():
    text = DEVELOPERS.read_text(encoding="utf-8")
    missing = [f"DISPATCH_{name.upper()}" for name in Settings.model_fields
               if f"`DISPATCH_{name.upper()}`" not in text]
    assert missing == []
