from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from pipeline.config import SECTIONS, Options, from_dict, load
from pipeline.errors import ConfigError

CONFIGS = Path(__file__).resolve().parent.parent / "configs"


def test_default_toml_mirrors_code_defaults() -> None:
    assert load(CONFIGS / "default.toml") == Options()


def test_default_toml_mentions_every_field() -> None:
    text = (CONFIGS / "default.toml").read_text()
    for section, cls in SECTIONS.items():
        assert f"[{section}]" in text
        for field in dataclasses.fields(cls):
            assert re.search(rf"^#? ?{field.name} =", text, re.M), f"{section}.{field.name} missing from default.toml"


@pytest.mark.parametrize("preset", sorted(p.name for p in CONFIGS.glob("*.toml") if p.name != "regression.toml"))
def test_presets_load(preset: str) -> None:
    assert isinstance(load(CONFIGS / preset), Options)


def test_cli_overrides_win_over_file(tmp_path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[asr]\nmodel = "tiny.en"\nbeam_size = 2\n')
    opts = load(cfg, asr={"beam_size": 3, "language": None})
    assert (opts.asr.model, opts.asr.beam_size, opts.asr.language) == ("tiny.en", 3, None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"asr": {"modle": "base"}}, "unknown key 'modle'"),
        ({"asrr": {}}, r"unknown section \[asrr\]"),
        ({"asr": {"beam_size": "five"}}, "beam_size: bad value 'five'"),
        ({"asr": {"vad": 1}}, "vad: bad value 1"),
        ({"asr": {"device": "tpu"}}, "device 'tpu' is not one of"),
        ({"diarization": {"num_speakers": 0}}, "num-speakers must be 1 or more"),
        ({"diarization": {"min_speakers": 4, "max_speakers": 2}}, r"min-speakers \(4\) is greater than max-speakers \(2\)"),
        ({"output": {"formats": ["txt", "pdf"]}}, "unknown output format"),
    ],
)
def test_bad_values_name_the_key(data, message) -> None:
    with pytest.raises(ConfigError, match=message):
        from_dict(data)


def test_bad_toml_names_the_file(tmp_path) -> None:
    cfg = tmp_path / "broken.toml"
    cfg.write_text("[asr\nmodel=")
    with pytest.raises(ConfigError, match="broken.toml: not valid TOML"):
        load(cfg)
    with pytest.raises(ConfigError, match="missing.toml: config file not found"):
        load(tmp_path / "missing.toml")
