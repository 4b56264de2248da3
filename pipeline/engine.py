"""The core flow for one decoded recording: transcribe → diarize → align, with the models loaded once.

Knows nothing of batches or outputs: audio and per-recording hints in, a Transcript out. The only
files it reads are the --voices clips, once, when the models load.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import Any

from .align import align
from .asr import FasterWhisperTranscriber, Transcriber
from .audio import load_audio
from .cast import CastMember, hotwords, parse_cast
from .channels import Layout, choose
from .config import Options, as_dict
from .diarize import Diarizer, make_diarizer
from .errors import ConfigError, loading
from .multichannel import merge, transcribe_channels
from .names import combine, given_names, name_speakers, two_voiced
from .types import AsrResult, Audio, Diarization, SpeakerHints, SpeakerName, Transcript, Unnamed, Utterance
from .version import tool_version
from .voices import Vector, VoiceBank, load_voices, match_voices, save_voices

logger = logging.getLogger("podscribe")
Progress = Callable[[str, float], None]  # (stage, fraction done 0..1): drives a progress bar on a terminal
# Seconds an interrupted run waits for the diarization thread, and the model load it may wait for
# (7-11 s on 2 cores), before it leaves them behind: a lock that the interrupt left held (below)
# must not turn Ctrl-C into a hang.
STOP_GRACE = 30.0


@dataclass(frozen=True)
class Recognise:
    """What speech recognition is asked for one recording, beyond the options."""

    language: str | None = None
    hotwords: str | None = None  # the cast's names after the options' hotwords


class Engine:
    """Holds the loaded models. Pass fakes for tests; by default the real backends are built."""

    def __init__(
        self, options: Options, transcriber: Transcriber | None = None, diarizer: Diarizer | None = None
    ) -> None:
        self.options = options
        self.transcriber = transcriber or FasterWhisperTranscriber(options.asr)
        self._diarizer = diarizer
        self._loading: Background | None = None
        if diarizer is None and options.diarization.enabled:
            # Importing pyannote and loading its models takes 7-11 s on 2 cores: speech recognition
            # starts meanwhile, and only the diarization thread waits for them (after the ASR model
            # loaded, so the two threads never import the same packages at once).
            self._loading = Background(lambda: load_diarizer(options), name="diarization models")
        self.voices = self._load_voices()
        self.learned: dict[str, list[Vector]] = {}  # name -> voices of named speakers, for --save-voices

    @property
    def diarizer(self) -> Diarizer | None:
        """The diarizer, None when diarization is off; waits for its models if they are still loading."""
        loading = self._loading
        if loading is not None:
            self._diarizer = loading.result()  # a load failure is raised here, each time it is asked for
            self._loading = None
        return self._diarizer

    def speaker_transcript(
        self,
        audio: Audio,
        language: str | None = None,
        hints: SpeakerHints | None = None,
        progress: Progress | None = None,
        channels: str | None = None,
        cast: str | None = None,
    ) -> Transcript:
        """Words with times, speaker turns, and every word given a speaker. `language`, `hints`,
        `channels` (auto, mix, split) and `cast` (a list of names or a cast file) override the
        options for this recording."""
        people = parse_cast(cast or self.options.names.cast)
        asked = Recognise(language, hotwords(people, self.options.asr.hotwords) if people else None)
        layout = choose(audio.channels, channels or self.options.input.channels, audio.sample_rate)
        logger.info("%s: channels: %s (%s)", audio.source, layout.mode, layout.reason)
        if layout.mode == "split":
            return self._split_transcript(audio, layout, asked, progress, people)
        asr, diarization = self._recognise_and_diarize(audio, asked, hints, progress)
        utterances = align(asr.segments, diarization)
        return self._transcript(audio, asr, utterances, diarization, layout.provenance(), people)

    def _split_transcript(
        self,
        audio: Audio,
        layout: Layout,
        asked: Recognise,
        progress: Progress | None,
        cast: tuple[CastMember, ...] = (),
    ) -> Transcript:
        """Each channel on its own (speaker-count hints are per file, so a channel's count is its
        own: multichannel.one_voice), merged in time order."""

        def stages(channel: Audio, index: int) -> tuple[AsrResult, Diarization | None]:
            named = replace(channel, source=f"{audio.source} (channel {index + 1})")
            return self._recognise_and_diarize(named, asked, None, _per_channel(progress, index, layout.count))

        results = transcribe_channels(audio, stages)
        merged = merge(results)
        asr = max((r.asr for r in results), key=_word_count, default=AsrResult((), asked.language or "en", 0.0))
        asr = replace(asr, segments=merged.segments)
        channels = {**layout.provenance(), "speakers": merged.speaker_channels}
        return self._transcript(audio, asr, merged.utterances, merged.diarization, channels, cast)

    def _transcript(
        self,
        audio: Audio,
        asr: AsrResult,
        utterances: tuple[Utterance, ...],
        diarization: Diarization | None,
        channels: dict[str, Any],
        cast: tuple[CastMember, ...] = (),
    ) -> Transcript:
        names, unnamed = self._names(utterances, diarization, cast)
        provenance = {**self.provenance(), "channels": channels}
        if unnamed:  # why a speaker has no name though the talk or a known voice might give one
            provenance["unnamed"] = [asdict(u) for u in unnamed]
        return Transcript(
            source=audio.source,
            duration=audio.duration,
            language=asr.language,
            language_probability=asr.language_probability,
            utterances=utterances,
            segments=asr.segments,
            diarization=diarization,
            provenance=provenance,
            names=names,
        )

    def _names(
        self, utterances: tuple[Utterance, ...], diarization: Diarization | None, cast: tuple[CastMember, ...] = ()
    ) -> tuple[tuple[SpeakerName, ...], tuple[Unnamed, ...]]:
        """Given by hand, then known voices, then the talk; remembered for --save-voices. A speaker
        that holds two voices gets no name but a given one, and is listed with the reason."""
        opts = self.options.names
        if diarization is None or opts.mode == "off":
            return (), ()
        by_voice = match_voices(self.voices, diarization.voices) if self.voices else ()
        by_talk = name_speakers(utterances, cast)
        unnamed = _two_voices(diarization.mixed, two_voiced(utterances))
        if unnamed:  # a name found for two voices would go to both people's words: none
            held = frozenset(u.speaker for u in unnamed)
            why = "; ".join(f"{u.speaker} ({u.why})" for u in unnamed)
            logger.info("not named, two voices in one speaker: %s", why)
            by_voice, by_talk = _unmixed(by_voice, held), _unmixed(by_talk, held)
        names = combine(given_names(opts.given), by_voice, by_talk, speakers=diarization.speakers)
        voices = dict(diarization.voices)
        for n in names:
            if n.speaker in voices:
                self.learned.setdefault(n.name, []).append(voices[n.speaker])
        return names, unnamed

    def _load_voices(self) -> VoiceBank | None:
        path = self.options.names.voices
        if not path or self.diarizer is None:
            return None
        diarizer: Any = self.diarizer
        if not hasattr(diarizer, "main_voice"):
            raise ConfigError(f"--voices needs speaker embeddings, which {diarizer.name} does not give")
        return load_voices(Path(path), lambda clip: diarizer.main_voice(load_audio(clip)), diarizer.voice_model)

    def save_voices(self) -> None:
        """Write the voices of this run's named speakers to --save-voices (added to what is there)."""
        path = self.options.names.save_voices
        diarizer: Any = self.diarizer
        if path and self.learned and hasattr(diarizer, "voice_model"):
            save_voices(Path(path), self.learned, diarizer.voice_model)

    def _recognise_and_diarize(
        self, audio: Audio, asked: Recognise, hints: SpeakerHints | None, progress: Progress | None
    ) -> tuple[AsrResult, Diarization | None]:
        """Both stages read only `audio`; with `overlap` diarization runs on its own thread meanwhile
        (CTranslate2, torch and ONNX Runtime release the GIL, and beam search leaves a core part idle)."""
        if self._diarizer is None and self._loading is None:
            return self._recognise(audio, asked, progress), None
        if not self.options.diarization.overlap:
            return self._recognise(audio, asked, progress), self._diarize(audio, hints, progress)
        stop = threading.Event()
        diarizing = Background(lambda: self._diarize(audio, hints, progress, stop), name="diarization")
        try:
            asr = self._recognise(audio, asked, progress)
        except BaseException:
            # The next recording must not share the diarizer with this one's thread, and a Ctrl-C
            # must not end the process under running torch code (it aborts): stop it at its next
            # progress step (under a second; it used to run to the end, minutes on a long file) and wait.
            stop.set()
            release_import_lock()
            if not diarizing.wait(STOP_GRACE):
                logger.warning("diarization did not stop within %.0f s of the interruption; leaving it", STOP_GRACE)
            raise
        return asr, diarizing.result()

    def _recognise(self, audio: Audio, asked: Recognise, progress: Progress | None) -> AsrResult:
        started = time.monotonic()
        report = (lambda seconds: progress("speech recognition", seconds / audio.duration)) if progress else None
        asr = self.transcriber.transcribe(audio, language=asked.language, progress=report, hotwords=asked.hotwords)
        logger.info(
            "%s: speech recognition %.1f s, language %s", audio.source, time.monotonic() - started, asr.language
        )
        return asr

    def _diarize(
        self, audio: Audio, hints: SpeakerHints | None, progress: Progress | None, stop: threading.Event | None = None
    ) -> Diarization:
        diarizer = self.diarizer
        assert diarizer is not None
        started = time.monotonic()

        def hook(step: str, done: int, total: int) -> None:
            if stop is not None and stop.is_set():
                raise Stopped(f"diarization of {audio.source} stopped: speech recognition ended (error or signal)")
            if progress is not None:
                progress(f"diarization: {step}", done / max(1, total))

        found = diarizer.diarize(audio, hints, hook)
        seconds = time.monotonic() - started
        logger.info("%s: diarization %.1f s, %d speakers", audio.source, seconds, len(found.speakers))
        return found

    def provenance(self) -> dict[str, Any]:
        diarizer = self.diarizer
        return {
            "tool": {"name": "podscribe", "version": tool_version()},
            "asr": {"backend": self.transcriber.name, **_versions("faster-whisper", "ctranslate2")},
            "diarization": None
            if diarizer is None
            else {
                "backend": diarizer.name,
                "device": getattr(diarizer, "device", None),
                **_versions("pyannote.audio", "torch"),
            },
            "device": getattr(self.transcriber, "device", None),
            "compute_type": getattr(self.transcriber, "compute_type", None),
            "options": as_dict(self.options),
        }


class Stopped(Exception):
    """Raised inside the diarization thread, from its progress hook, once its result is no longer wanted."""


def load_diarizer(options: Options) -> Diarizer:
    """The configured diarizer; any failure to load it is a ModelError, which stops a run (exit 2)."""
    with loading("diarization models"):
        # Each backend resolves `auto` itself: CTranslate2 and torch may not see the same GPUs.
        return make_diarizer(options.diarization, device=options.asr.device)


class Background:
    """Runs `work` on a daemon thread: a Ctrl-C in the main thread exits without waiting for it."""

    def __init__(self, work: Callable[[], Any], name: str) -> None:
        self._outcome: tuple[Any, BaseException | None] = (None, None)
        self._thread = threading.Thread(target=self._run, args=(work,), name=name, daemon=True)
        self._thread.start()

    def _run(self, work: Callable[[], Any]) -> None:
        try:
            self._outcome = (work(), None)
        except BaseException as err:  # handed to the caller by result()
            self._outcome = (None, err)

    def wait(self, timeout: float | None = None) -> bool:
        """True once the work has ended; False if `timeout` seconds passed first."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def result(self) -> Any:
        """The work's return value, or its exception raised here, in the caller's thread."""
        self.wait()
        value, error = self._outcome
        if error is not None:
            raise error
        return value


def release_import_lock() -> None:
    """Give back the import locks this thread still holds: CPython's global one and any module's.

    A signal that becomes KeyboardInterrupt between importlib's acquire of a lock and the `try` (or
    `with`) that releases it leaves the lock held by the main thread for good. The thread loading the
    diarization models then blocks at its next import, and an interrupted run waited for that thread
    forever (CI: Ctrl-C 1 s into a run, while pyannote was being imported). Called only outside any
    import, where this thread holding such a lock can only be a leftover."""
    import _imp
    import importlib._bootstrap as bootstrap

    with contextlib.suppress(RuntimeError):  # "not holding the import lock": the usual case
        while True:  # the lock counts re-entries
            _imp.release_lock()
    me = threading.get_ident()
    for ref in list(getattr(bootstrap, "_module_locks", {}).values()):
        lock = ref()
        if getattr(lock, "owner", None) == me:
            with contextlib.suppress(RuntimeError):  # "cannot release un-acquired lock": all given back
                while True:
                    lock.release()


def _unmixed(names: Sequence[SpeakerName], mixed: frozenset[str]) -> tuple[SpeakerName, ...]:
    return tuple(n for n in names if n.speaker not in mixed)


def _two_voices(mixed: frozenset[str], by_talk: Sequence[Unnamed]) -> tuple[Unnamed, ...]:
    """The speakers that sound like two voices (diarize/mixed.py) or talk like two (names.two_voiced)."""
    heard = {u.speaker: u for u in by_talk}
    sounded = {s: Unnamed(s, "its speech forms two groups of voices") for s in mixed if s not in heard}
    return tuple(sorted((*heard.values(), *sounded.values()), key=lambda u: u.speaker))


def _word_count(asr: AsrResult) -> int:
    return sum(len(s.words) for s in asr.segments)


def _per_channel(progress: Progress | None, index: int, count: int) -> Progress | None:
    """Progress of one channel's stages, named after the channel."""
    if progress is None:
        return None
    report = progress
    return lambda stage, done: report(f"{stage} (channel {index + 1}/{count})", done)


def _versions(*packages: str) -> dict[str, str]:
    found = {}
    for name in packages:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    return found
