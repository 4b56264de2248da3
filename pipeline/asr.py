"""Speech recognition behind a small Protocol; the real backend is faster-whisper."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from .chunking import SPEECH_PAD, pack_clips, pad_regions, pauses, unheard
from .config import AsrOptions
from .errors import ConfigError, ModelError
from .guards import clean_segment, drop_repeated_segments, is_non_speech, is_repetitive
from .models import ResolvedModel, resolve_whisper
from .types import AsrResult, Audio, Segment, Word
from .vad import speech_regions

logger = logging.getLogger("podscribe")
Progress = Callable[[float], None]  # called with seconds of audio done
BATCHES_PER_GROUP = 8  # batches of clips whose features are computed at once
# Decode again the stretches of speech a clip's text left out (`chunking.unheard`); off only to measure.
RECOVER_UNHEARD = True
SPLIT_ENCODER = True  # on a CPU, the encoder takes a batch's clips one at a time (see `_one_clip_encoder`)


class Transcriber(Protocol):
    name: str

    def transcribe(
        self, audio: Audio, language: str | None = None, progress: Progress | None = None, hotwords: str | None = None
    ) -> AsrResult: ...


def pick_device(device: str, compute_type: str, gpus: Callable[[], int] | None = None) -> tuple[str, str]:
    """auto → cuda/float16 when CTranslate2 sees a GPU, else cpu/int8; cuda without a GPU is a usage error."""
    if device != "cpu":
        count = (gpus or _cuda_device_count)()
        if device == "cuda" and count == 0:
            raise ConfigError(
                "--device cuda: CTranslate2 sees no CUDA device (no GPU, driver or CUDA 12 runtime "
                "visible); use --device cpu or auto"
            )
        device = "cuda" if count > 0 else "cpu"
    if compute_type == "auto":
        compute_type = "float16" if device == "cuda" else "int8"
    return device, compute_type


def _cuda_device_count() -> int:
    import ctranslate2

    try:
        return int(ctranslate2.get_cuda_device_count())
    except RuntimeError:  # a broken CUDA install reports itself this way
        return 0


class FasterWhisperTranscriber:
    """Loads the model once in the constructor; `transcribe` may be called for many files."""

    def __init__(self, options: AsrOptions) -> None:
        self.options = options
        self.device, self.compute_type = pick_device(options.device, options.compute_type)
        self.resolved: ResolvedModel = resolve_whisper(options.model)
        self.name = f"faster-whisper:{options.model}"
        self._model = self._load()

    def _load(self) -> Any:
        from faster_whisper import BatchedInferencePipeline

        if self.device == "cuda":
            from .cuda_libs import preload

            preload()  # CUDA 12 cuBLAS from its wheel, before CTranslate2 first asks for it
        try:
            model = _one_clip_encoder()(
                self.resolved.path,
                device=self.device,
                compute_type=self.compute_type,
                cpu_threads=self.options.cpu_threads,
                local_files_only=self.resolved.bundled,
            )
        except Exception as err:  # faster-whisper raises many types for a bad name or file
            raise ModelError(_explain_load_error(self.options.model, err)) from err
        return BatchedInferencePipeline(model) if self.options.batch_size > 1 else model

    def transcribe(
        self, audio: Audio, language: str | None = None, progress: Progress | None = None, hotwords: str | None = None
    ) -> AsrResult:
        """`language` and `hotwords` (e.g. a cast's names) override the options' for this file."""
        opts = self.options
        kwargs: dict[str, Any] = dict(
            language=language or opts.language,
            beam_size=opts.beam_size,
            word_timestamps=True,
            vad_filter=opts.vad,
            initial_prompt=opts.initial_prompt,
            hotwords=hotwords or opts.hotwords,
            condition_on_previous_text=False,  # avoids the repetition loops that conditioning feeds
        )
        speech: list[tuple[float, float]] = []
        if opts.batch_size > 1:
            kwargs.update(batch_size=opts.batch_size, chunk_length=opts.chunk_length)
            speech = speech_spans(audio, opts.chunk_length) if opts.vad else []
        if speech:  # else faster-whisper's own VAD path: it reports no speech its own way
            collected, info = self._decode_clips(audio, speech, kwargs, progress)
        else:
            segments, info = self._model.transcribe(audio.samples, **kwargs)
            collected = list(_collect(segments, progress))
        return AsrResult(
            segments=tuple(drop_repeated_segments(collected)),
            language=info.language,
            language_probability=float(info.language_probability),
        )

    def _decode_clips(
        self, audio: Audio, raw: list[tuple[float, float]], kwargs: dict[str, Any], progress: Progress | None
    ) -> tuple[list[Segment], Any]:
        """Speech (unpadded VAD regions) packed into clips and decoded in batches; then the stretches
        of speech that got no word (`chunking.unheard`) decoded once more as clips of their own."""
        speech = pad_regions(raw, audio.duration)
        clips = pack_clips(speech, self.options.chunk_length, silence=pauses(raw))
        size = self.options.batch_size * BATCHES_PER_GROUP
        segments, info = self._clip_groups(audio, clips, size, kwargs)
        collected = list(_collect(segments, progress))
        if not RECOVER_UNHEARD:
            return collected, info
        missed = unheard(clips, speech, [(w.start, w.end) for s in collected for w in s.words])
        if missed:
            again, _ = self._clip_groups(audio, missed, size, {**kwargs, "language": info.language})
            # a loop is dropped whole here: a second try that loops adds nothing but the loop
            kept = (s for s in again if not is_repetitive(float(s.compression_ratio)))
            recovered = [s for s in _collect(kept, None) if s.words]
            logger.debug("asr: %d unheard stretches decoded again, %d gave words", len(missed), len(recovered))
            collected = sorted(collected + recovered, key=lambda s: s.start)
        return collected, info

    def _clip_groups(
        self, audio: Audio, clips: list[tuple[float, float]], size: int, kwargs: dict[str, Any]
    ) -> tuple[Iterable[Any], Any]:
        """The clips `size` at a time: batched faster-whisper computes every clip's features up front,
        with two more copies (language detection, padding): ~350 MB for an hour at once. Clips are
        decoded independently and the language comes from the first clip, so the text is the same;
        later groups are told the first group's language."""
        groups = [clips[i : i + size] for i in range(0, len(clips), size)]

        def call(group: list[tuple[float, float]], language: str | None) -> tuple[Iterable[Any], Any]:
            stamps = [{"start": a, "end": b} for a, b in group]
            given = {**kwargs, "language": language or kwargs["language"], "vad_filter": False}
            return self._model.transcribe(audio.samples, **given, clip_timestamps=stamps)

        first, info = call(groups[0], None)

        def chained() -> Iterator[Any]:
            yield from first
            for group in groups[1:]:
                yield from call(group, info.language)[0]

        return chained(), info


def _one_clip_encoder() -> type:
    """faster-whisper's model, whose encoder on a CPU takes a batch one clip at a time. Its
    self-attention holds (batch, heads, 1500, 1500) floats at once: 290 MB for a batch of 4 clips
    of base, the recurring spikes of a 60-min run's memory. One clip at a time peaks 260 MiB lower
    and is no slower on a CPU (1.9 s against 2.3 s per batch of 4 here); outputs are the same."""
    import ctranslate2
    import numpy as np
    from faster_whisper import WhisperModel

    class OneClipEncoderWhisperModel(WhisperModel):
        def encode(self, features: Any) -> Any:
            if not SPLIT_ENCODER or self.model.device != "cpu" or np.ndim(features) != 3 or len(features) < 2:
                return super().encode(features)
            encode = super().encode
            parts = [np.array(encode(clip[None])) for clip in features]
            return ctranslate2.StorageView.from_array(np.concatenate(parts))  # shares and holds the array

    return OneClipEncoderWhisperModel


def speech_spans(audio: Audio, max_clip: float) -> list[tuple[float, float]]:
    """Silero VAD's speech regions in seconds (faster-whisper's batched settings), not yet padded:
    `chunking.pad_regions` makes them what faster-whisper returns, none over `max_clip`."""
    from faster_whisper.vad import VadOptions

    # the same regions as faster-whisper's padded run (its length limit allows for the padding)
    vad = VadOptions(max_speech_duration_s=max_clip - 2 * SPEECH_PAD, min_silence_duration_ms=160, speech_pad_ms=0)
    regions = speech_regions(audio.samples, vad, audio.sample_rate)
    return [(r["start"] / audio.sample_rate, r["end"] / audio.sample_rate) for r in regions]


def _collect(segments: Iterable[Any], progress: Progress | None) -> Iterable[Segment]:
    """faster-whisper segments -> ours, minus invented non-speech text and repetition loops."""
    for seg in segments:
        if progress:
            progress(float(seg.end))
        if is_non_speech(seg.text, float(seg.no_speech_prob), float(seg.avg_logprob)):
            continue
        words = tuple(
            Word(start=float(w.start), end=float(w.end), text=w.word, probability=float(w.probability))
            for w in (seg.words or ())
            if not is_non_speech(w.word, 0.0, 0.0)
        )
        cleaned = clean_segment(Segment(start=float(seg.start), end=float(seg.end), text=seg.text.strip(), words=words))
        if cleaned is not None:
            yield cleaned


def _explain_load_error(name: str, err: Exception) -> str:
    text = str(err)
    if (
        "Invalid model size" in text
        or "Repository Not Found" in text
        or "offline" in text.lower()
        or "connect" in text.lower()
    ):
        return (
            f"model '{name}' is not bundled and could not be fetched ({type(err).__name__}); "
            "use --model base or tiny.en (offline), a local CTranslate2 directory, or a hub name while online"
        )
    return f"model '{name}' failed to load ({type(err).__name__}: {text[:200]}); delete its cache directory and retry"
