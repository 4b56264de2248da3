"""Timestamp formatting shared by the text formats."""

from __future__ import annotations


def clock(seconds: float, decimal: str = ".", millis: bool = True) -> str:
    """12.5 -> '00:00:12.500' (vtt), '00:00:12,500' with decimal=',' (srt), '00:00:12' without millis."""
    total_ms = max(0, round(seconds * 1000))
    hours, rest = divmod(total_ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    tail = f"{decimal}{ms:03d}" if millis else ""
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{tail}"
