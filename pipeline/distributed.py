"""The same batch job on a Ray cluster: Ray Data over the input paths, an actor pool, models once per actor.

Each actor runs exactly the local per-file work (`run.process`): the same output names, the same
atomic writes and the same skip-if-fresh rule, so a rerun resumes wherever it stopped, and every
per-file error comes back as a failed row. The driver prints one line per file as rows arrive.

Contract: inputs and `--output-dir` must be on storage every worker sees at the same path (a shared
or network file system, or one machine). Workers change into the driver's working directory, so
relative paths mean what they mean on the driver and the outputs are byte-identical to a local run.
A worker that cannot see an input reports it as not found; a worker whose node lacks the driver's
directory or the output directory fails those files with the path in the message.
Ray is an optional extra: `pip install .[ray]`.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .batch import Job
from .config import Options
from .engine import Engine
from .errors import ConfigError, ModelError, PipelineError, describe
from .run import FileReport, LazyEngine, log_outcome, preflight, process, tagged

logger = logging.getLogger("podscribe")
LOCAL = "local"  # `--ray` with no address: start a Ray instance on this machine


@dataclass(frozen=True)
class RayOptions:
    address: str = LOCAL  # local, auto, ray://host:10001, or a GCS address host:port
    min_workers: int = 1
    max_workers: int | None = None  # None: as many as the cluster's resources allow
    gpus_per_worker: float = 0.0  # 0 on CPU; a fraction shares one GPU between actors
    # None: the ASR's cpu_threads. Ray sets OMP_NUM_THREADS to an actor's CPUs, and the thread count
    # changes CTranslate2's float sums: with as many CPUs as a local run uses, outputs are byte-identical.
    cpus_per_worker: float | None = None


def run_on_ray(
    jobs: Sequence[Job], options: Options, ray_options: RayOptions, make_engine: Callable[[Options], Engine] = Engine
) -> list[FileReport]:
    """Every job through an actor pool; reports in input order, logged as they arrive."""
    preflight(jobs, options)
    ray = _import_ray()
    started_here = _connect(ray, ray_options.address)
    try:
        reports, fatal = _collect(_results(ray, jobs, options, ray_options, make_engine), jobs)
    finally:
        if started_here:
            ray.shutdown()
    if fatal:  # a model that cannot load is a usage error, as in a local run
        raise ModelError(fatal[0])
    return [reports[i] for i in sorted(reports)]


def _collect(rows: Iterator[dict], jobs: Sequence[Job]) -> tuple[dict[int, FileReport], list[str]]:
    """Reports by input index as rows arrive; if the cluster fails mid-run, the rest are reported failed."""
    reports: dict[int, FileReport] = {}
    fatal: list[str] = []
    try:
        for row in rows:
            report = FileReport(**{**row["report"], "outputs": tuple(row["report"]["outputs"])})
            report = tagged(report, jobs[row["index"]])
            logger.info("[%d/%d] %s", len(reports) + 1, len(jobs), report.source)
            log_outcome(report)
            reports[row["index"]] = report
            if row["fatal"]:
                fatal.append(report.error or "")
    except Exception as err:  # a worker or node lost: Ray raises its own error types
        logger.debug("Ray run failed", exc_info=err)
        for index, job in enumerate(jobs):
            if index not in reports:
                error = (
                    f"not finished: the Ray run failed ({describe(err)}); run the same command again to finish the rest"
                )
                reports[index] = tagged(FileReport(str(job.source), "failed", error=error), job)
                log_outcome(reports[index])
    return reports, fatal


def _results(
    ray: Any, jobs: Sequence[Job], options: Options, ray_options: RayOptions, make_engine: Any
) -> Iterator[dict]:
    items = [{"index": i, "job": json.dumps(asdict(job), default=str)} for i, job in enumerate(jobs)]  # paths as text
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # the driver prints one line per file instead
    dataset = ray.data.from_items(items, override_num_blocks=max(1, len(items)))
    with warnings.catch_warnings():
        # Ray 2.60 has no named parameter for max_restarts yet; its notice about the future one is not ours
        warnings.filterwarnings("ignore", message=r"`ray_remote_args` is deprecated", category=DeprecationWarning)
        mapped = _map(ray, dataset, options, ray_options, make_engine)
    for row in mapped.iter_rows():
        yield {"index": int(row["index"]), "report": json.loads(row["report"]), "fatal": bool(row["fatal"])}


def _map(ray: Any, dataset: Any, options: Options, ray_options: RayOptions, make_engine: Any) -> Any:
    return dataset.map_batches(
        _bound_worker(options, make_engine, os.getcwd()),
        batch_size=1,  # one file per call: a file's result is printed as soon as it is done
        compute=ray.data.ActorPoolStrategy(min_size=ray_options.min_workers, max_size=ray_options.max_workers),
        num_cpus=ray_options.cpus_per_worker or max(1, options.asr.cpu_threads),
        num_gpus=ray_options.gpus_per_worker,
        # No actor restarts: a lost worker ends the run with its files reported (the rerun finishes
        # them); restartable actors also make Ray print a notice about its arguments on every run.
        max_restarts=0,
    )


def _bound_worker(options: Options, make_engine: Callable[[Options], Engine], cwd: str) -> type:
    """FileWorker with its arguments bound in: the class travels to the actors by value, so Ray keeps no
    constructor arguments in its object store (which it warns about for restartable actors)."""

    class BoundFileWorker(FileWorker):
        def __init__(self) -> None:
            super().__init__(options, make_engine, cwd)

    return BoundFileWorker


class FileWorker:
    """A Ray Data actor: loads the models once (lazily: a resumed run skips without loading them)."""

    def __init__(self, options: Options, make_engine: Callable[[Options], Engine] = Engine, cwd: str = ".") -> None:
        logging.getLogger("podscribe").setLevel(logging.WARNING)  # the driver reports; workers stay quiet
        if Path(cwd).is_dir():
            os.chdir(cwd)  # relative inputs and --output-dir resolve as on the driver
        self.options = options
        self.get_engine = LazyEngine(make_engine, options)

    def __call__(self, batch: dict[str, Any]) -> dict[str, list]:
        out: dict[str, list] = {"index": [], "report": [], "fatal": []}
        for index, payload in zip(batch["index"], batch["job"], strict=True):
            job = job_from_dict(json.loads(payload))
            fatal = False
            try:
                report = process(self.get_engine, self.options, job)
            except PipelineError as err:  # the models did not load: every file of the run would fail
                report, fatal = FileReport(str(job.source), "failed", error=str(err)), True
            out["index"].append(int(index))
            out["report"].append(json.dumps(asdict(report)))
            out["fatal"].append(fatal)
        return out


def job_from_dict(data: dict[str, Any]) -> Job:
    return Job(
        source=Path(data["source"]),
        relative=Path(data["relative"]) if data.get("relative") else None,
        references=tuple(Path(r) for r in data.get("references", ())),
        num_speakers=data.get("num_speakers"),
        min_speakers=data.get("min_speakers"),
        max_speakers=data.get("max_speakers"),
        language=data.get("language"),
    )


def _check_reachable(address: str) -> None:
    """A host:port that answers nothing makes ray.init retry for minutes: try the port first."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if address in (LOCAL, "auto") or not host or not port.isdigit():
        return
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as err:
        raise ConfigError(
            f"--ray {address}: cannot reach the Ray cluster ({err.strerror or err}); check the address"
        ) from None


def _import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError:
        raise ConfigError("--ray needs Ray: `pip install 'podscribe[ray]'` (or `pip install 'ray[data]'`)") from None
    return ray


def _connect(ray: Any, address: str) -> bool:
    """Join the cluster at `address`, or start a local one; True when this call started Ray."""
    if ray.is_initialized():
        return False
    _check_reachable(address)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no usage reporting
    kwargs: dict[str, Any] = {"include_dashboard": False, "logging_level": logging.ERROR, "log_to_driver": False}
    logging.getLogger("ray").setLevel(logging.ERROR)  # start-up notices; our own lines say what happens
    try:
        ray.init(address=None if address == LOCAL else address, **kwargs)
    except (ConnectionError, ValueError, RuntimeError) as err:
        raise ConfigError(
            f"--ray {address}: cannot reach the Ray cluster ({describe(err)}); check the address"
        ) from None
    logging.getLogger("ray.data").setLevel(logging.ERROR)
    return True
