"""The review page: safe embedding (pure), then behaviour in Debian's headless Chromium on a real
transcript of the shortest bundled sample (Whisper tiny.en + the bundled diarization, ~25 s of CPU)."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.apply_cli import app as apply_app
from pipeline.formats import WRITERS
from pipeline.formats.html import embed_json, render_page

from .browser import Browser, chromium
from .conftest import SAMPLES, make_transcript

HOSTILE_NAME = "<img src=x onerror=alert(1)>"


def hostile_transcript():
    t = make_transcript()
    words = list(t.utterances[0].words)
    words[2] = dataclasses.replace(words[2], text=" </script><script>alert(2)</script>", probability=0.1)
    first = dataclasses.replace(t.utterances[0], words=tuple(words))
    return dataclasses.replace(
        t, utterances=(first, *t.utterances[1:]), source="<img src=x onerror=alert(3)> &amp;.mp3"
    )


def test_embedded_json_cannot_close_its_script_and_round_trips() -> None:
    data = {"w": "</script><!-- & -->"}
    text = embed_json(data)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == data


def test_page_has_a_strict_csp_with_the_hashes_of_its_own_code() -> None:
    page = render_page(hostile_transcript(), "ep.mp3")
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1).replace("&#x27;", "'")
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp and "http" not in csp
    for tag in ("script", "style"):
        bodies = re.findall(rf"<{tag}>(.*?)</{tag}>", page, re.S)
        assert len(bodies) == 1
        digest = base64.b64encode(hashlib.sha256(bodies[0].encode()).digest()).decode()
        assert f"{tag}-src 'sha256-{digest}'" in csp
    assert page.count("</script>") == 2 and "<img src=x" not in page  # the data and the code, nothing else


@pytest.fixture(scope="session")
def reviewed(tmp_path_factory) -> Path:
    """The real pipeline's outputs for samples/excerpt.mp3 (page, JSON, ...) beside a copy of the audio."""
    folder = tmp_path_factory.mktemp("excerpt")
    shutil.copy(SAMPLES / "excerpt.mp3", folder / "excerpt.mp3")
    command = [sys.executable, "-m", "pipeline", str(folder / "excerpt.mp3"), "--model", "tiny.en", "-q"]
    subprocess.run(command, check=True, timeout=600)
    return folder


needs_chromium = pytest.mark.skipif(
    chromium() is None, reason="headless Chromium not installed (apt-get install chromium)"
)


@pytest.fixture
def browser(tmp_path):
    b = Browser(tmp_path / "profile", tmp_path / "downloads")
    yield b
    b.close()


def open_page(browser: Browser, folder: Path) -> list:
    browser.open((folder / "excerpt.html").as_uri())
    browser.wait_for("document.getElementById('audio').readyState >= 1")
    return json.loads(browser.js("document.getElementById('data').textContent"))["words"]


def turn_names(browser: Browser) -> list[str]:
    return browser.js("[...document.querySelectorAll('.turn .who')].map(e => e.textContent)")


@needs_chromium
def test_click_seeks_and_playback_moves_the_highlight(reviewed, browser) -> None:
    words = open_page(browser, reviewed)
    i = len(words) // 2
    browser.js("document.getElementById('audio').muted = true")
    browser.click(f'.w[data-i="{i}"]')
    browser.js("document.getElementById('audio').pause()")
    assert browser.js("document.getElementById('audio').currentTime") == pytest.approx(words[i][0], abs=0.35)
    assert int(browser.wait_for("document.querySelector('.w.now').dataset.i")) in (i, i + 1)
    browser.js("document.getElementById('audio').play()")
    time.sleep(2.0)
    browser.js("document.getElementById('audio').pause()")
    now = int(browser.js("document.querySelector('.w.now').dataset.i"))
    position = browser.js("document.getElementById('audio').currentTime")
    assert now > i and position > words[i][0] + 1.0
    assert words[now][0] <= position + 0.05, "the highlighted word has started"
    browser.js("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowLeft'}))")
    assert browser.js("document.getElementById('audio').currentTime") == pytest.approx(max(0, position - 5), abs=0.05)
    lanes = browser.js("document.querySelectorAll('.lane').length")
    assert lanes == browser.js("document.querySelectorAll('#speakers .speaker').length") >= 2


@needs_chromium
def test_rename_and_reassign_then_save_and_apply(reviewed, browser, tmp_path) -> None:
    words = open_page(browser, reviewed)
    first = browser.js("document.querySelector('#speakers .speaker').dataset.speaker")
    turns_of_first = browser.js(
        "[...document.querySelectorAll('.turn')].filter(t => t.querySelector('.w') && "
        "t.style.borderLeftColor === document.querySelector('#speakers .speaker').style.borderLeftColor).length"
    )
    browser.type_into("#speakers .speaker input", "Lingling Wei")
    browser.click("#speakers .speaker .rename")
    names = turn_names(browser)
    assert names.count("Lingling Wei") == turns_of_first >= 1 and first not in names
    # give the last three words of the first turn to the second speaker
    run_end = int(browser.js("[...document.querySelector('.turn').querySelectorAll('.w')].pop().dataset.i"))
    browser.click(f'.w[data-i="{run_end - 2}"]')
    shift_click = "new MouseEvent('click', {bubbles: true, shiftKey: true})"
    browser.js(f"document.querySelector('.w[data-i=\"{run_end}\"]').dispatchEvent({shift_click})")
    second = browser.js("document.querySelectorAll('#speakers .speaker')[1].dataset.speaker")
    browser.js(f"document.getElementById('target').value = {json.dumps(second)}")
    browser.click("#reassign-words")
    assert browser.js("document.querySelectorAll('.turn')[1].querySelector('.w').dataset.i") == str(run_end - 2)
    browser.click("#save")
    saved = tmp_path / "downloads" / "excerpt.edits.json"
    deadline = time.monotonic() + 10
    while not saved.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    edits = json.loads(saved.read_text())
    assert [e["kind"] for e in edits["edits"]] == ["rename", "reassign"]
    out = tmp_path / "out"
    result = CliRunner().invoke(apply_app, [str(reviewed / "excerpt.json"), str(saved), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = (out / "excerpt.txt").read_text()
    assert "] Lingling Wei: " in text and f"] {first}:" not in text
    moved = "".join(w[2] for w in words[run_end - 2 : run_end + 1]).strip()
    corrected = json.loads((out / "excerpt.json").read_text())
    assert corrected["utterances"][1]["speaker"] == second and corrected["utterances"][1]["text"].startswith(moved)
    assert "Lingling Wei" in (out / "excerpt.html").read_text()
    href = re.search(r'"audio":"([^"]+)"', (out / "excerpt.html").read_text()).group(1)
    assert (out / href).resolve() == (reviewed / "excerpt.mp3").resolve(), "the page reaches the audio from its folder"
    # the edits survive a reload of the page
    open_page(browser, reviewed)
    assert "Lingling Wei" in turn_names(browser)


@needs_chromium
def test_hostile_name_and_word_show_as_text_and_run_nothing(tmp_path, browser) -> None:
    page = tmp_path / "ep.html"
    page.write_text(WRITERS["html"]().render(hostile_transcript()))
    browser.open(page.as_uri())
    browser.type_into("#speakers .speaker input", HOSTILE_NAME)
    browser.click("#speakers .speaker .rename")
    assert turn_names(browser).count(HOSTILE_NAME) == 2
    assert browser.js("document.querySelector('.w[data-i=\"2\"]').textContent") == " </script><script>alert(2)</script>"
    assert browser.js("document.querySelectorAll('img').length") == 0
    assert browser.js("document.querySelectorAll('script').length") == 2
    assert browser.js("document.getElementById('title').textContent") == "<img src=x onerror=alert(3)> &amp;.mp3"
    time.sleep(0.3)
    assert browser.dialogs() == [], "no script from the transcript ran"
