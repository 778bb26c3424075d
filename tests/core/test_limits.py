"""The one rule that shortens a value to what a platform keeps (``hub.core.limits``)."""

from __future__ import annotations

from hub.core.limits import fit_text, fit_values

TRACKING = ", ".join(f"9400111899223{n:07d}" for n in range(12))  # 12 x 20 characters


def test_the_measured_tracking_list_is_262_characters() -> None:
    assert len(TRACKING) == 262


def test_a_list_keeps_whole_items_and_says_how_many_are_left_out() -> None:
    fitted = fit_text(TRACKING, 255)
    assert len(fitted) <= 255
    assert fitted == ", ".join(TRACKING.split(", ")[:11]) + " (+1 more)"
    assert fit_text(fitted, 255) == fitted  # what the platform keeps is what the rule gives


def test_the_rule_is_the_same_every_time_and_leaves_short_values_alone() -> None:
    assert fit_text(TRACKING, 255) == fit_text(TRACKING, 255)
    assert fit_text("short", 255) == "short"
    assert fit_text(TRACKING, None) == TRACKING


def test_text_without_a_list_is_cut_with_an_ellipsis() -> None:
    fitted = fit_text("x" * 300, 255)
    assert len(fitted) == 255 and fitted.endswith("…")


def test_a_list_whose_first_item_is_too_long_keeps_a_cut_first_item() -> None:
    fitted = fit_text("a" * 50 + "; b", 20)
    assert len(fitted) <= 20 and fitted.endswith("… (+1 more)")


def test_only_text_values_are_shortened() -> None:
    assert fit_values({"n": 3, "ok": True, "s": "y" * 10}, 5) == {"n": 3, "ok": True, "s": "yyyy…"}
