"""Options: frozen dataclass defaults are the single source of truth; TOML presets and CLI flags override.

`configs/default.toml` mirrors these defaults (a test keeps them equal). Keys whose default is None
are written there as comments, since TOML has no null.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

from .cast import parse_cast
from .errors import ConfigError

OUTPUT_FORMATS = ("txt", "json", "srt", "vtt", "rttm", "html", "docx")
DEVICES = ("auto", "cpu", "cuda")
CHANNEL_MODES = ("auto", "mix", "split")  # pipeline.channels: how a file's channels are used
COMPUTE_TYPES = ("auto", "int8", "int8_float16", "int8_float32", "float16", "float32", "bfloat16")


@dataclass(frozen=True)
class AsrOptions:
    model: str = "base"  # bundled name (base, tiny.en), a CTranslate2 directory, or a hub name
    device: str = "auto"  # auto: cuda when a GPU is visible, else cpu
    compute_type: str = "auto"  # auto: float16 on cuda, int8 on cpu
    language: str | None = None  # None: detect (the language and its probability are kept)
    batch_size: int = 4  # >1: clips decoded together (4: as fast as 8 on a CPU, 420 MiB less); 1: sequential
    chunk_length: int = 30  # longest clip batched Whisper decodes; speech is packed into clips at pauses
    beam_size: int = 5
    vad: bool = True  # Silero VAD (shipped inside faster-whisper) drops non-speech before decoding
    cpu_threads: int = 2  # intra-op threads for CTranslate2 on cpu (0: library default)
    initial_prompt: str | None = None  # text that primes spelling and style
    hotwords: str | None = None  # names and terms to favour


@dataclass(frozen=True)
class DiarizationOptions:
    enabled: bool = True  # False: no speakers (plain transcript)
    model: str = "bundled"  # bundled (offline), a hub pipeline name, or a local pipeline directory
    num_speakers: int | None = None  # exact count, when known
    min_speakers: int | None = None
    max_speakers: int | None = None
    threshold: float = 0.7  # agglomerative clustering cosine-distance threshold on clean audio (bundled pipeline)
    clustering: str = "adaptive"  # adaptive: the threshold loosens on noisy audio; ahc: one global threshold
    window_step: float = 0.25  # segmentation sliding-window step, as a fraction of the 10-s window
    threads: int = 1  # torch and ONNX Runtime intra-op threads for diarization
    overlap: bool = True  # run diarization on its own thread while speech recognition runs
    resegment: bool = True  # re-assign 0.5-s blocks by the voice of the 1.5 s around them (bundled pipeline)
    split_mixed: bool = True  # a speaker whose speech forms two distinct voices becomes two (bundled pipeline)


@dataclass(frozen=True)
class InputOptions:
    # auto: a two-channel file is split when each channel carries its own talker (a call recording),
    # else mixed; mix: always one downmix; split: every channel transcribed as its own speaker(s)
    channels: str = "auto"


@dataclass(frozen=True)
class OutputOptions:
    formats: tuple[str, ...] = ("txt", "json", "srt", "vtt", "rttm", "html")  # rttm, html: only with speakers
    directory: str | None = None  # None: beside each input file
    overwrite: bool = False  # False: refuse to replace an existing output file


@dataclass(frozen=True)
class NamesOptions:
    mode: str = "auto"  # auto: name speakers from the talk (and from known voices); off: ids only
    voices: str | None = None  # folder of NAME.wav / NAME/*.mp3 clips, or a saved voices file
    given: tuple[str, ...] = ()  # by hand: "SPEAKER_01=Ann", applied last
    save_voices: str | None = None  # write the named speakers' voices here after the run
    cast: str | None = None  # the people in the recording: "Ann Lee (host), Bob Day" or a file, one a line


@dataclass(frozen=True)
class Options:
    input: InputOptions = field(default_factory=InputOptions)
    asr: AsrOptions = field(default_factory=AsrOptions)
    diarization: DiarizationOptions = field(default_factory=DiarizationOptions)
    output: OutputOptions = field(default_factory=OutputOptions)
    names: NamesOptions = field(default_factory=NamesOptions)

    def __post_init__(self) -> None:
        validate(self)


SECTIONS = {
    "input": InputOptions,
    "asr": AsrOptions,
    "diarization": DiarizationOptions,
    "output": OutputOptions,
    "names": NamesOptions,
}


def load(path: str | Path | None = None, **overrides: dict[str, Any]) -> Options:
    """Defaults, then the TOML file at `path`, then per-section `overrides` (None values ignored)."""
    data: dict[str, dict[str, Any]] = {}
    if path is not None:
        data = read_toml(Path(path))
    for section, values in overrides.items():
        data.setdefault(section, {}).update({k: v for k, v in values.items() if v is not None})
    return from_dict(data, origin=str(path) if path else "options")


def read_toml(path: Path) -> dict[str, dict[str, Any]]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found; pass an existing TOML file to --config") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(
            f"{path}: not valid TOML ({err}); fix the syntax or compare with configs/default.toml"
        ) from None


def from_dict(data: dict[str, Any], origin: str = "options") -> Options:
    sections: dict[str, Any] = {}
    for name, values in data.items():
        if name not in SECTIONS:
            raise ConfigError(f"{origin}: unknown section [{name}]; known: {', '.join(SECTIONS)}")
        if not isinstance(values, dict):
            raise ConfigError(f"{origin}: '{name}' must be a [{name}] table")
        sections[name] = _build(SECTIONS[name], values, f"{origin} [{name}]")
    return Options(**sections)


def _build(cls: type, values: dict[str, Any], where: str) -> Any:
    hints = get_type_hints(cls)
    kwargs = {}
    for key, value in values.items():
        if key not in hints:
            known = ", ".join(f.name for f in dataclasses.fields(cls))
            raise ConfigError(f"{where}: unknown key '{key}'; known keys: {known}")
        kwargs[key] = _coerce(value, hints[key], f"{where} {key}")
    return cls(**kwargs)


def _coerce(value: Any, hint: Any, where: str) -> Any:
    text = str(hint)
    if "tuple" in text:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) for i in items):
            raise ConfigError(f"{where}: expected a list of names, got {value!r}")
        return tuple(i.strip() for i in items if i.strip())
    for typ in (bool, int, float, str):  # bool before int: bool is an int subclass
        if typ.__name__ in text:
            if typ is float and isinstance(value, int) and not isinstance(value, bool):
                return float(value)
            if isinstance(value, typ) and not (typ is int and isinstance(value, bool)):
                return value
    raise ConfigError(f"{where}: bad value {value!r} (expected {text.replace('NoneType', 'none')})")


def validate(opts: Options) -> None:
    """Reject values that would fail later, with the option's name."""
    a, d, o = opts.asr, opts.diarization, opts.output
    _validate_names(opts.names, d)
    _check(
        opts.input.channels in CHANNEL_MODES,
        f"channels '{opts.input.channels}' is not one of {', '.join(CHANNEL_MODES)}",
    )
    _check(a.device in DEVICES, f"device '{a.device}' is not one of {', '.join(DEVICES)}")
    _check(a.compute_type in COMPUTE_TYPES, f"compute-type '{a.compute_type}' is not one of {', '.join(COMPUTE_TYPES)}")
    _check(a.batch_size >= 1, f"batch-size must be at least 1, got {a.batch_size}")
    _check(a.beam_size >= 1, f"beam-size must be at least 1, got {a.beam_size}")
    _check(5 <= a.chunk_length <= 30, f"chunk-length must be 5 to 30 seconds, got {a.chunk_length}")
    _check(a.cpu_threads >= 0, f"cpu-threads must be 0 or more, got {a.cpu_threads}")
    _check(bool(a.model.strip()), "model must not be empty")
    for name in ("num_speakers", "min_speakers", "max_speakers"):
        value = getattr(d, name)
        _check(value is None or value >= 1, f"{name.replace('_', '-')} must be 1 or more, got {value}")
    if d.min_speakers and d.max_speakers:
        _check(
            d.min_speakers <= d.max_speakers,
            f"min-speakers ({d.min_speakers}) is greater than max-speakers ({d.max_speakers})",
        )
    _check(0.0 < d.threshold < 2.0, f"diarization threshold must be in (0, 2), got {d.threshold}")
    _check(d.clustering in ("adaptive", "ahc"), f"diarization clustering must be adaptive or ahc, got {d.clustering!r}")
    _check(0.05 <= d.window_step <= 1.0, f"window-step must be in [0.05, 1], got {d.window_step}")
    _check(d.threads >= 1, f"diarization threads must be 1 or more, got {d.threads}")
    unknown = [f for f in o.formats if f not in OUTPUT_FORMATS]
    _check(
        not unknown, f"unknown output format(s) {', '.join(unknown)}; choose from {', '.join(OUTPUT_FORMATS)} or all"
    )
    _check(bool(o.formats), "at least one output format is needed")
    _check(
        d.enabled or set(o.formats) != {"rttm"},
        "output format rttm holds speakers only: drop --no-diarize or add another format",
    )


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


def as_dict(opts: Options) -> dict[str, Any]:
    """Plain dict for provenance in outputs."""
    return dataclasses.asdict(opts)


def _validate_names(n: NamesOptions, d: DiarizationOptions) -> None:
    _check(n.mode in ("auto", "off"), f"speaker-names must be auto or off, got {n.mode!r}")
    for entry in n.given:
        speaker, sep, name = entry.partition("=")
        _check(
            bool(sep and speaker.strip() and name.strip()),
            f"speaker-name {entry!r}: expected SPEAKER_ID=Name, e.g. SPEAKER_01=Ann",
        )
    if n.mode == "off":
        _check(
            not (n.voices or n.given or n.save_voices),
            "--speaker-names off keeps ids only: drop --voices, "
            "--speaker-name and --save-voices, or use --speaker-names auto",
        )
    if n.voices or n.save_voices:
        _check(d.enabled, "--voices and --save-voices need speakers: remove --no-diarize")
    parse_cast(n.cast)  # a bad list or a missing file is a ConfigError now, not after the first recording
