"use strict";
// The review page. Every string from the transcript is set with textContent (never innerHTML), so a
// name or word such as <img onerror=...> shows as text. Edits live in localStorage until saved; the
// view is always the transcript's words with the edits replayed in order (the same replay as
// pipeline/edits.py), so the saved file is a short list of edits, not a copy of the transcript.
(function () {
  const DATA = JSON.parse(document.getElementById("data").textContent);
  const COLOURS = ["#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#7f7f7f"];
  const KEY = "podscribe-edits:" + DATA.fingerprint;
  const SKIP = 5; // seconds for the arrow keys
  const $ = (id) => document.getElementById(id);
  const audio = $("audio");
  const ids = DATA.speakers.map((s) => s.id);
  const colourOf = {};
  ids.forEach((id, i) => { colourOf[id] = COLOURS[i % COLOURS.length]; });

  let edits = loadEdits();
  let view = null; // {words, names, alias, turns, runs}
  let wordEls = [];
  let now = -1;
  let sel = null; // [first, last] word indices, inclusive
  let hits = [];
  let hitAt = -1;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function clock(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const pad = (n) => String(n).padStart(2, "0");
    return pad(Math.floor(s / 3600)) + ":" + pad(Math.floor((s % 3600) / 60)) + ":" + pad(s % 60);
  }

  function loadEdits() {
    try {
      const saved = JSON.parse(localStorage.getItem(KEY) || "[]");
      return Array.isArray(saved) ? saved.filter((e) => e && typeof e.kind === "string") : [];
    } catch (err) {
      return [];
    }
  }

  function storeEdits() {
    try { localStorage.setItem(KEY, JSON.stringify(edits)); } catch (err) { status("edits could not be kept in this browser: save them"); }
  }

  // --- the replay: base words + edits -> what is shown -------------------------------------------
  function replay() {
    const words = DATA.words.map((w) => ({ start: w[0], end: w[1], text: w[2], prob: w[3], speaker: w[4] >= 0 ? ids[w[4]] : null, fixed: false }));
    const names = {};
    DATA.speakers.forEach((s) => { names[s.id] = s.name; });
    const alias = {};
    const moved = [];
    const resolve = (s) => { while (alias[s] !== undefined) s = alias[s]; return s; };
    for (const e of edits) {
      try {
        replayOne(e, words, names, alias, moved, resolve);
      } catch (err) {
        status("an edit kept in this browser does not fit this transcript and is ignored");
      }
    }
    return { words, names, alias, turns: timelineTurns(resolve, moved), runs: runsOf(words) };
  }

  function replayOne(e, words, names, alias, moved, resolve) {
    if (e.kind === "rename") names[resolve(e.speaker)] = e.name.trim();
    else if (e.kind === "merge") mergeInto(words, names, alias, resolve(e.speaker), resolve(e.into));
    else if (e.kind === "reassign") {
      const who = resolve(e.speaker);
      for (let i = e.words[0]; i < e.words[1]; i++) words[i].speaker = who;
      moved.push([words[e.words[0]].start, words[e.words[1] - 1].end, who]);
    } else if (e.kind === "correct") {
      const w = words[e.word];
      const text = e.text.trim();
      w.text = (DATA.words[e.word][2].startsWith(" ") && text ? " " : "") + text;
      w.fixed = true;
    }
  }

  function mergeInto(words, names, alias, gone, into) {
    if (gone === into) return;
    alias[gone] = into;
    delete names[gone];
    for (const w of words) if (w.speaker === gone) w.speaker = into;
  }

  function timelineTurns(resolve, moved) {
    let turns = DATA.turns.map((t) => [t[0], t[1], resolve(ids[t[2]])]);
    for (const [start, end, who] of moved) {
      const cut = [];
      for (const t of turns) {
        if (t[1] <= start || t[0] >= end) { cut.push(t); continue; }
        if (t[0] < start) cut.push([t[0], start, t[2]]);
        if (t[1] > end) cut.push([end, t[1], t[2]]);
      }
      cut.push([start, end, who]);
      turns = cut;
    }
    return turns;
  }

  function runsOf(words) {
    const runs = []; // [first, end) of consecutive kept words of one speaker
    words.forEach((w, i) => {
      if (!w.text.trim()) return;
      const last = runs[runs.length - 1];
      if (last && words[last.first].speaker === w.speaker) last.end = i + 1;
      else runs.push({ first: i, end: i + 1 });
    });
    return runs;
  }

  function active() { return ids.filter((id) => view.alias[id] === undefined); }
  function label(id) { return id === null ? "" : (view.names[id] || id); }

  // --- drawing ----------------------------------------------------------------------------------
  function draw() {
    view = replay();
    drawTranscript();
    drawSpeakers();
    drawTimeline();
    drawTargets();
    $("status").textContent = edits.length ? edits.length + " edit(s) not yet saved to a file" : "";
    now = -1;
    markHits();
    follow(false);
    if (sel) select(sel[0], sel[1]);
  }

  function drawTranscript() {
    const box = $("transcript");
    const frag = document.createDocumentFragment();
    wordEls = new Array(view.words.length).fill(null);
    view.runs.forEach((run, r) => {
      const w0 = view.words[run.first];
      const turn = el("div", "turn");
      turn.dataset.run = String(r);
      turn.style.borderLeftColor = colourOf[w0.speaker] || "#999";
      const who = el("span", "who", label(w0.speaker));
      who.style.color = colourOf[w0.speaker] || "#333";
      const time = el("span", "time", clock(w0.start));
      time.dataset.seek = String(w0.start);
      const p = el("p");
      for (let i = run.first; i < run.end; i++) {
        const w = view.words[i];
        if (!w.text.trim()) continue;
        const span = el("span", "w" + (w.prob < DATA.unsure ? " unsure" : "") + (w.fixed ? " fixed" : ""), w.text);
        span.dataset.i = String(i);
        if (w.prob < DATA.unsure) span.title = "probability " + w.prob.toFixed(2);
        wordEls[i] = span;
        p.appendChild(span);
      }
      turn.append(who, time, p);
      frag.appendChild(turn);
    });
    box.replaceChildren(frag);
  }

  function drawSpeakers() {
    const box = $("speakers");
    box.replaceChildren(el("h2", "", "Speakers"));
    for (const id of active()) {
      const card = el("div", "speaker");
      card.dataset.speaker = id;
      card.style.borderLeftColor = colourOf[id];
      const count = view.words.filter((w) => w.speaker === id && w.text.trim()).length;
      const name = el("div", "name", label(id));
      name.style.color = colourOf[id];
      const input = el("input");
      input.value = label(id);
      input.setAttribute("aria-label", "new name for " + id);
      const rename = el("button", "rename", "Rename");
      rename.type = "button";
      rename.addEventListener("click", () => addEdit({ kind: "rename", speaker: id, name: input.value }));
      const into = el("select");
      into.setAttribute("aria-label", "merge " + id + " into");
      for (const other of active()) if (other !== id) into.appendChild(option(other));
      const merge = el("button", "merge", "Merge into");
      merge.type = "button";
      merge.disabled = !into.options.length;
      merge.addEventListener("click", () => addEdit({ kind: "merge", speaker: id, into: into.value }));
      card.append(name, el("div", "id", id + " · " + count + " words"), input, rename, el("br"), merge, into);
      box.appendChild(card);
    }
  }

  function option(id) {
    const o = el("option", "", label(id));
    o.value = id;
    return o;
  }

  function drawTimeline() {
    const box = $("timeline");
    const total = DATA.duration || audio.duration || 1;
    box.replaceChildren();
    for (const id of active()) {
      const lane = el("div", "lane");
      const track = el("div", "lane-track");
      for (const t of view.turns) {
        if (t[2] !== id) continue;
        const bar = el("span");
        bar.style.left = (100 * t[0] / total) + "%";
        bar.style.width = Math.max(0.1, 100 * (t[1] - t[0]) / total) + "%";
        bar.style.background = colourOf[id];
        bar.title = label(id) + " " + clock(t[0]) + "–" + clock(t[1]);
        track.appendChild(bar);
      }
      track.appendChild(el("i", "playhead"));
      lane.append(el("span", "lane-name", label(id)), track);
      box.appendChild(lane);
    }
  }

  function drawTargets() {
    const target = $("target");
    target.replaceChildren(...active().map(option));
  }

  // --- playback, highlight, seeking ---------------------------------------------------------------
  function seek(seconds, play) {
    audio.currentTime = Math.max(0, seconds);
    if (play) audio.play().catch(() => {});
  }

  function wordAt(t) {
    let lo = 0, hi = view.words.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (view.words[mid].start <= t + 1e-3) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    while (found >= 0 && !wordEls[found]) found--;
    return found;
  }

  function follow(scroll) {
    const i = wordAt(audio.currentTime);
    const total = DATA.duration || audio.duration || 1;
    for (const head of document.querySelectorAll(".playhead")) head.style.left = (100 * audio.currentTime / total) + "%";
    if (i === now) return;
    if (now >= 0 && wordEls[now]) wordEls[now].classList.remove("now");
    now = i;
    if (i < 0) return;
    wordEls[i].classList.add("now");
    if (scroll && $("follow").checked) into(wordEls[i]);
  }

  function into(node) {
    const box = node.getBoundingClientRect();
    const top = document.querySelector("header").getBoundingClientRect().bottom;
    if (box.top < top || box.bottom > window.innerHeight - 60) node.scrollIntoView({ block: "center" });
  }

  function tick() {
    follow(true);
    if (!audio.paused) requestAnimationFrame(tick);
  }

  function turnStart(direction) {
    const t = audio.currentTime;
    const starts = view.runs.map((r) => view.words[r.first].start);
    if (direction > 0) return starts.find((s) => s > t + 0.05);
    const before = starts.filter((s) => s < t - 0.5);
    return before.length ? before[before.length - 1] : 0;
  }

  function nextUnsure() {
    const from = Math.max(now, sel ? sel[1] : -1);
    for (let k = 1; k <= view.words.length; k++) {
      const i = (from + k + view.words.length) % view.words.length;
      if (wordEls[i] && view.words[i].prob < DATA.unsure) {
        seek(view.words[i].start, false);
        select(i, i);
        into(wordEls[i]);
        return;
      }
    }
    status("no unsure words");
  }

  // --- selection and editing ------------------------------------------------------------------
  function select(a, b) {
    for (const n of document.querySelectorAll(".w.sel")) n.classList.remove("sel");
    sel = [Math.min(a, b), Math.max(a, b)];
    const shown = [];
    for (let i = sel[0]; i <= sel[1]; i++) if (wordEls[i]) { wordEls[i].classList.add("sel"); shown.push(view.words[i].text); }
    const single = sel[0] === sel[1];
    const text = shown.join("").trim();
    $("selection").textContent = "“" + (text.length > 60 ? text.slice(0, 60) + "…" : text) + "” (" + label(view.words[sel[0]].speaker) + ")";
    $("word-text").value = single ? view.words[sel[0]].text.trim() : "";
    $("word-text").disabled = !single;
    $("correct").disabled = !single;
    $("editor").hidden = false;
  }

  function deselect() {
    for (const n of document.querySelectorAll(".w.sel")) n.classList.remove("sel");
    sel = null;
    $("editor").hidden = true;
  }

  function addEdit(edit) {
    // the same limits transcribe-apply checks, so a saved file is always accepted
    if (edit.kind === "rename" && !edit.name.trim()) { status("a speaker's name cannot be empty"); return; }
    if ((edit.name || edit.text || "").length > 200) { status("at most 200 characters"); return; }
    if (edit.kind === "merge" && !edit.into) return;
    edits.push(edit);
    storeEdits();
    draw();
  }

  function runOf(i) {
    return view.runs.find((r) => r.first <= i && i < r.end);
  }

  function wire() {
    $("transcript").addEventListener("click", (ev) => {
      const target = ev.target;
      if (target.dataset.seek !== undefined) { seek(Number(target.dataset.seek), true); return; }
      if (target.dataset.i === undefined) return;
      const i = Number(target.dataset.i);
      if (ev.shiftKey && sel) { select(sel[0], i); return; }
      select(i, i);
      seek(view.words[i].start, true);
    });
    $("correct").addEventListener("click", () => { if (sel) addEdit({ kind: "correct", word: sel[0], text: $("word-text").value }); });
    $("word-text").addEventListener("keydown", (ev) => { if (ev.key === "Enter") $("correct").click(); });
    $("reassign-words").addEventListener("click", () => { if (sel) addEdit({ kind: "reassign", words: [sel[0], sel[1] + 1], speaker: $("target").value }); });
    $("reassign-turn").addEventListener("click", () => {
      const run = sel && runOf(sel[0]);
      if (run) addEdit({ kind: "reassign", words: [run.first, run.end], speaker: $("target").value });
    });
    $("deselect").addEventListener("click", deselect);
    $("timeline").addEventListener("click", (ev) => {
      const track = ev.target.closest(".lane-track") || document.querySelector(".lane-track");
      if (!track) return;
      const box = track.getBoundingClientRect();
      const total = DATA.duration || audio.duration || 1;
      seek(total * Math.min(1, Math.max(0, (ev.clientX - box.left) / box.width)), false);
      follow(true);
    });
    wireControls();
  }

  function wireControls() {
    $("play").addEventListener("click", () => (audio.paused ? audio.play().catch(() => {}) : audio.pause()));
    $("unsure-next").addEventListener("click", nextUnsure);
    $("save").addEventListener("click", save);
    $("discard").addEventListener("click", discard);
    $("search").addEventListener("input", () => { hitAt = -1; markHits(); });
    $("search").addEventListener("keydown", (ev) => { if (ev.key === "Enter") nextHit(); });
    audio.addEventListener("play", () => { $("play").textContent = "Pause"; requestAnimationFrame(tick); });
    audio.addEventListener("pause", () => { $("play").textContent = "Play"; });
    audio.addEventListener("seeked", () => follow(true));
    audio.addEventListener("timeupdate", () => follow(true));
    audio.addEventListener("error", () => { $("audio-missing").hidden = false; });
    document.addEventListener("keydown", onKey);
  }

  function onKey(ev) {
    const tag = ev.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const actions = {
      " ": () => (audio.paused ? audio.play().catch(() => {}) : audio.pause()),
      ArrowLeft: () => seek(audio.currentTime - SKIP, false),
      ArrowRight: () => seek(audio.currentTime + SKIP, false),
      ArrowUp: () => seek(turnStart(-1), false),
      ArrowDown: () => { const t = turnStart(1); if (t !== undefined) seek(t, false); },
      n: nextUnsure,
      Escape: deselect,
    };
    if (actions[ev.key]) { ev.preventDefault(); actions[ev.key](); }
  }

  // --- search -------------------------------------------------------------------------------------
  function markHits() {
    for (const n of document.querySelectorAll(".w.hit")) n.classList.remove("hit");
    const query = $("search").value.trim().toLowerCase();
    hits = [];
    if (query) {
      let text = "";
      const owner = [];
      view.words.forEach((w, i) => { if (wordEls[i]) { for (let k = 0; k < w.text.length; k++) owner.push(i); text += w.text.toLowerCase(); } });
      for (let at = text.indexOf(query); at >= 0; at = text.indexOf(query, at + 1)) {
        const first = owner[at];
        hits.push(first);
        for (let k = at; k < at + query.length; k++) wordEls[owner[k]].classList.add("hit");
      }
    }
    $("search-count").textContent = query ? (hits.length ? hits.length + " found" : "not found") : "";
  }

  function nextHit() {
    if (!hits.length) return;
    hitAt = (hitAt + 1) % hits.length;
    const i = hits[hitAt];
    seek(view.words[i].start, false);
    into(wordEls[i]);
    $("search-count").textContent = (hitAt + 1) + " of " + hits.length;
  }

  // --- saving -------------------------------------------------------------------------------------
  function save() {
    const file = { format: "podscribe-edits", version: 1, transcript: { source: DATA.source, fingerprint: DATA.fingerprint }, edits: edits };
    const blob = new Blob([JSON.stringify(file, null, 1) + "\n"], { type: "application/json" });
    const link = el("a");
    link.href = URL.createObjectURL(blob);
    link.download = DATA.stem + ".edits.json";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    status("saved " + edits.length + " edit(s) to " + link.download + ": apply with transcribe-apply");
  }

  let discardArmed = false;
  function discard() {
    if (!discardArmed) {
      discardArmed = true;
      $("discard").textContent = "Really discard?";
      setTimeout(() => { discardArmed = false; $("discard").textContent = "Discard edits"; }, 3000);
      return;
    }
    edits = [];
    storeEdits();
    discardArmed = false;
    $("discard").textContent = "Discard edits";
    draw();
  }

  function status(text) { $("status").textContent = text; }

  document.title = "Review: " + DATA.source;
  $("title").textContent = DATA.source;
  audio.src = DATA.audio;
  wire();
  draw();
}());
