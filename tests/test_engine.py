"""The engine's flow with fake backends: diarization beside speech recognition (overlap), and what
each stage's failure does to the other."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import pipeline.engine as engine_module
from pipeline.batch import Job
from pipeline.config import Options
from pipeline.engine import Background, Engine
from pipeline.errors import ModelError
from pipeline.run import run
from pipeline.types import Audio

from .conftest import DATA, FakeDiarizer, FakeTranscriber

AUDIO = Audio(np.zeros(16_000 * 3, dtype=np.float32), "three-seconds.wav")
WAIT = 10.0  # seconds: generous, a stage that never comes fails the test instead of hanging it


class MeetingTranscriber(FakeTranscriber):
    """Finishes only once diarization has started: proves the two stages run at the same time."""

    def __init__(self, started: threading.Event) -> None:
        super().__init__()
        self.started = started
        self.saw_diarization_running = False

    def transcribe(self, audio, language=None, progress=None, hotwords=None):
        self.saw_diarization_running = self.started.wait(WAIT)
        return super().transcribe(audio, language, progress)


class SignallingDiarizer(FakeDiarizer):
    def __init__(self, started: threading.Event, fail: bool = False) -> None:
        self.started, self.fail = started, fail
        self.finished = threading.Event()
        self.thread = ""

    def diarize(self, audio, hints=None, hook=None):
        self.thread = threading.current_thread().name
        self.started.set()
        try:
            if self.fail:
                raise MemoryError("diarization ran out of memory")
            return super().diarize(audio, hints, hook)
        finally:
            self.finished.set()


def _options(overlap: bool) -> Options:
    base = Options()
    return dataclasses.replace(base, diarization=dataclasses.replace(base.diarization, overlap=overlap))


def test_overlap_runs_diarization_while_recognition_runs() -> None:
    started = threading.Event()
    asr, diarizer = MeetingTranscriber(started), SignallingDiarizer(started)
    together = Engine(_options(True), transcriber=asr, diarizer=diarizer).speaker_transcript(AUDIO)
    assert asr.saw_diarization_running
    assert diarizer.thread == "diarization"
    alone = Engine(_options(False), transcriber=FakeTranscriber(), diarizer=FakeDiarizer()).speaker_transcript(AUDIO)
    assert together.utterances == alone.utterances
    assert together.diarization == alone.diarization


def test_without_overlap_diarization_runs_after_recognition_in_the_caller() -> None:
    started = threading.Event()
    diarizer = SignallingDiarizer(started)

    class Sequential(FakeTranscriber):
        def transcribe(self, audio, language=None, progress=None, hotwords=None):
            assert not started.is_set(), "diarization started before recognition finished"
            return super().transcribe(audio, language, progress)

    Engine(_options(False), transcriber=Sequential(), diarizer=diarizer).speaker_transcript(AUDIO)
    assert diarizer.thread == threading.current_thread().name


def test_a_diarization_error_reaches_the_caller_as_itself() -> None:
    started = threading.Event()
    engine = Engine(_options(True), transcriber=MeetingTranscriber(started), diarizer=SignallingDiarizer(started, True))
    with pytest.raises(MemoryError, match="out of memory"):
        engine.speaker_transcript(AUDIO)


def test_a_recognition_error_waits_for_diarization_before_it_propagates() -> None:
    started = threading.Event()
    diarizer = SignallingDiarizer(started)

    class Broken(FakeTranscriber):
        def transcribe(self, audio, language=None, progress=None, hotwords=None):
            started.wait(WAIT)
            raise RuntimeError("decoder failed")

    engine = Engine(_options(True), transcriber=Broken(), diarizer=diarizer)
    with pytest.raises(RuntimeError, match="decoder failed"):
        engine.speaker_transcript(AUDIO)
    assert diarizer.finished.is_set()  # the next recording never shares the diarizer with a stale thread


def test_background_hands_back_the_value_or_the_exception() -> None:
    assert Background(lambda: 42, name="t").result() == 42

    def fail() -> None:
        raise KeyError("lost")

    with pytest.raises(KeyError, match="lost"):
        Background(fail, name="t").result()
    assert Background(lambda: None, name="t")._thread.daemon  # Ctrl-C never waits for it


def test_speech_recognition_starts_while_the_diarization_models_load(monkeypatch) -> None:
    asr_started = threading.Event()
    waited_for_asr: list[bool] = []

    class StartingTranscriber(FakeTranscriber):
        def transcribe(self, audio, language=None, progress=None, hotwords=None):
            asr_started.set()
            return super().transcribe(audio, language, progress)

    def slow_load(options, device):
        waited_for_asr.append(asr_started.wait(WAIT))  # a load inside Engine() would time out here
        return FakeDiarizer()

    monkeypatch.setattr(engine_module, "make_diarizer", slow_load)
    engine = Engine(_options(True), transcriber=StartingTranscriber())
    transcript = engine.speaker_transcript(AUDIO)
    assert waited_for_asr == [True]
    assert transcript.diarization is not None and transcript.diarization.speakers
    assert engine.provenance()["diarization"]["backend"] == FakeDiarizer.name


def test_diarization_models_that_fail_to_load_stop_the_run(monkeypatch, tmp_path) -> None:
    def broken_load(options, device):
        raise OSError("libcudnn_ops.so.9: cannot open shared object file")

    monkeypatch.setattr(engine_module, "make_diarizer", broken_load)
    asr = FakeTranscriber()
    jobs = [Job(DATA / "jfk.flac", relative=Path(f"{name}/jfk.flac")) for name in ("first", "second")]
    options = dataclasses.replace(Options(), output=dataclasses.replace(Options().output, directory=str(tmp_path)))
    with pytest.raises(ModelError, match=r"diarization models failed to load \(OSError: libcudnn_ops"):
        run(jobs, options, make_engine=lambda o: Engine(o, transcriber=asr))
    assert len(asr.calls) == 1  # the second file was not started
    assert not list(tmp_path.iterdir())  # and nothing half-done was written


def test_a_recognition_error_stops_diarization_at_its_next_step() -> None:
    started = threading.Event()
    steps: list[int] = []

    class LongDiarizer(FakeDiarizer):
        def diarize(self, audio, hints=None, hook=None):
            started.set()
            for step in range(int(WAIT * 100)):  # ten seconds of work in 10-ms steps, unless stopped
                steps.append(step)
                if hook is not None:  # the engine must hand one over, or nothing can stop this
                    hook("segmentation", step, int(WAIT * 100))
                time.sleep(0.01)
            return super().diarize(audio, hints, hook)

    class Interrupted(FakeTranscriber):
        def transcribe(self, audio, language=None, progress=None, hotwords=None):
            started.wait(WAIT)
            raise KeyboardInterrupt

    begun = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        Engine(_options(True), transcriber=Interrupted(), diarizer=LongDiarizer()).speaker_transcript(AUDIO)
    assert time.monotonic() - begun < WAIT / 2
    assert 0 < len(steps) < WAIT * 50


# A child process: it holds the import lock the way a badly timed Ctrl-C leaves it, so the test
# process itself never does, and a hang ends at the timeout instead of stalling the test run.
LEFT_HELD = """
import _imp, importlib, sys, threading, dataclasses
import numpy as np
sys.path.insert(0, sys.argv[1])
import pipeline.engine as engine_module
from pipeline.config import Options
from pipeline.types import Audio
from tests.conftest import FakeDiarizer, FakeTranscriber

asr_started = threading.Event()
HELD = []

def load_with_an_import(options, device):
    asr_started.wait(10)
    importlib.import_module("podscribe_not_yet_imported")  # takes the global import lock
    return FakeDiarizer()

class InterruptedInsideAnImport(FakeTranscriber):
    def transcribe(self, audio, language=None, progress=None, hotwords=None):
        if sys.argv[2] == "global":
            _imp.acquire_lock()  # what KeyboardInterrupt between importlib's acquire and its try leaves
        else:  # a module's own lock, kept alive (as a thread waiting on it would keep it)
            HELD.append(importlib._bootstrap._get_module_lock("podscribe_not_yet_imported"))
            HELD[-1].acquire()
        asr_started.set()
        raise KeyboardInterrupt

engine_module.make_diarizer = load_with_an_import
options = dataclasses.replace(Options(), diarization=dataclasses.replace(Options().diarization, overlap=True))
engine = engine_module.Engine(options, transcriber=InterruptedInsideAnImport())
try:
    engine.speaker_transcript(Audio(np.zeros(16_000, dtype=np.float32), "one-second.wav"))
except KeyboardInterrupt:
    print("interrupted; models loaded:", engine.diarizer is not None)
"""


@pytest.mark.parametrize("lock", ["global", "module"])
def test_an_interrupt_that_left_an_import_lock_held_still_ends(tmp_path, lock) -> None:
    (tmp_path / "podscribe_not_yet_imported.py").write_text("VALUE = 1\n")
    root = Path(__file__).resolve().parent.parent
    child = subprocess.run(
        [sys.executable, "-c", LEFT_HELD, str(tmp_path), lock], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert child.returncode == 0, child.stderr
    assert "interrupted; models loaded: True" in child.stdout  # it waited for the load, which could finish


def test_an_interrupted_run_does_not_wait_forever_for_a_stuck_model_load(monkeypatch) -> None:
    release = threading.Event()

    def stuck_load(options, device):
        release.wait(WAIT * 3)  # a load that cannot finish (e.g. a lock the interrupt left held)
        return FakeDiarizer()

    class Interrupted(FakeTranscriber):
        def transcribe(self, audio, language=None, progress=None, hotwords=None):
            raise KeyboardInterrupt

    monkeypatch.setattr(engine_module, "make_diarizer", stuck_load)
    monkeypatch.setattr(engine_module, "STOP_GRACE", 0.5)
    outcome: list[str] = []

    def call() -> None:
        try:
            Engine(_options(True), transcriber=Interrupted()).speaker_transcript(AUDIO)
        except KeyboardInterrupt:
            outcome.append("interrupted")

    caller = threading.Thread(target=call, daemon=True)
    begun = time.monotonic()
    caller.start()
    caller.join(WAIT)
    release.set()  # lets the stuck load end either way, so no thread outlives the test
    assert outcome == ["interrupted"]
    assert time.monotonic() - begun < WAIT / 2
