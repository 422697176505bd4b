/**
 * Text of the runner, rendered to strings (STYLE item 5): progress lines, warnings, and the status
 * of a run from its state file. Pure: the CLI prints them. Times are the state's UTC timestamps, so
 * the same state renders the same everywhere.
 */
import { progressOf } from "./_records.js";
import type { BatchRecord, RunState } from "./state.js";
import type { RunEvent, RunProgress, RunWarning } from "./types.js";

const int = (n: number) => Math.round(n).toLocaleString("en-US");
const plural = (n: number, one: string, many = `${one}s`) => `${int(n)} ${n === 1 ? one : many}`;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** A duration for people: `45s`, `12m`, `1h 05m`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

function usd(x: number): string {
  return x >= 1 ? `$${x.toFixed(2)}` : `$${x.toFixed(4)}`;
}

/** One warning as a sentence or two. */
export function formatRunWarning(w: RunWarning): string {
  switch (w.kind) {
    case "window":
      return `Wave ${w.wave} starts ${formatDuration(w.gapMs)} after the previous wave was created, past the 1h TTL of its primers' entries: ${w.severity === "will" ? "every primed entry has expired" : "some primed entries may have expired"}. Up to ${plural(w.rewrites, "request")} in ${plural(w.groups, "group")} may write the prefix again instead of reading it: up to ${usd(w.extraUsd)} more than planned. Submitting anyway.`;
    case "unexpected-results":
      return `Batch ${w.index}: ${plural(w.lines, "result line")} left out (a custom_id not in the batch, or repeated).`;
    case "missing-results":
      return `Batch ${w.index}: ${plural(w.count, "planned request")} came back without a result; \`cacheplan retry\` re-plans them.`;
    case "archived":
      return `Batch ${w.index} (${w.id}): its results are archived (kept 29 days after creation) and cannot be downloaded; its requests count as missing.`;
  }
}

function counts(c: { succeeded: number; errored: number; canceled: number; expired: number }) {
  const parts = [`succeeded ${int(c.succeeded)}`];
  for (const k of ["errored", "canceled", "expired"] as const) {
    if (c[k] > 0) parts.push(`${k} ${int(c[k])}`);
  }
  return parts.join(", ");
}

/** A part of the progress line: its text, and its rank (kept first when the width is short). */
interface Segment {
  text: string;
  rank: number;
}

/** Fits `text` into `width` columns, cutting with an ellipsis. */
function fitWidth(text: string, width: number): string {
  if (text.length <= width) return text;
  return width <= 1 ? "…".slice(0, Math.max(0, width)) : `${text.slice(0, width - 1)}…`;
}

/** The parts of the progress line, in display order. */
function segments(p: RunProgress): Segment[] {
  const out: Segment[] = [];
  const c = p.waveCounts;
  if (p.wave !== null) {
    const done = Math.max(c.succeeded + c.errored + c.canceled + c.expired, p.waveRequests.ended);
    out.push({
      text: `wave ${p.wave}: ${int(done)}/${int(p.waveRequests.total)} requests done`,
      rank: 0,
    });
    const detail: string[] = [];
    if (c.processing > 0) detail.push(`${int(c.processing)} processing`);
    if (c.succeeded > 0) detail.push(`${int(c.succeeded)} succeeded`);
    for (const k of ["errored", "canceled", "expired"] as const) {
      if (c[k] > 0) detail.push(`${int(c[k])} ${k}`);
    }
    if (detail.length > 0) out.push({ text: `(${detail.join(", ")})`, rank: 3 });
  } else {
    out.push({
      text: `${int(p.requests.ended)}/${int(p.requests.total)} requests ended`,
      rank: 0,
    });
  }
  out.push({ text: `batches ${p.batches.ended}/${p.batches.total} ended`, rank: 4 });
  if (p.hitRate !== null) out.push({ text: `hit rate ${pct(p.hitRate)}`, rank: 5 });
  if (p.elapsedMs !== null) out.push({ text: `elapsed ${formatClock(p.elapsedMs)}`, rank: 1 });
  if (p.etaMs !== null) out.push({ text: `~${formatDuration(p.etaMs)} left in wave`, rank: 2 });
  return out;
}

/** Elapsed time as a clock: `0:42`, `12:05`, `1:02:09`. */
export function formatClock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const two = (n: number) => String(n).padStart(2, "0");
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

/**
 * The progress line: the wave and its requests done (in ended batches, or as the API's
 * `request_counts` report them: the API keeps them at `processing` until a batch ends, reference
 * fact 19), elapsed time, time left when it can be estimated, the counts by state, batches
 * ended, hit rate so far. At most `columns` characters: the least important parts
 * are left out first, and only the first is ever cut (with `…`). No newline and no escape codes:
 * the CLI rewrites it in place on a terminal, or prints it as a plain line in a log.
 */
export function renderProgressLine(p: RunProgress, columns = Number.POSITIVE_INFINITY): string {
  const parts = segments(p);
  const join = (list: Segment[]) => list.map((x) => x.text).join(" · ");
  let kept = parts;
  while (kept.length > 1 && join(kept).length > columns) {
    const worst = Math.max(...kept.map((x) => x.rank));
    kept = kept.filter((x) => x.rank !== worst);
  }
  return fitWidth(join(kept), columns);
}

/**
 * A lasting line for an event worth keeping on screen or in a log, or `null` for the events that
 * only move the live line (`poll`, `start` of a fresh run).
 */
/** How an adopted batch was identified, in words. */
const ADOPTED_BY = {
  results: "its results' custom_ids",
  counts: "its request count, the only candidate",
  user: "--adopt",
  tag: "the tag its create gave it",
} as const;

export function renderRunEvent(e: RunEvent): string | null {
  switch (e.type) {
    case "start":
      return e.resumed ? "Resuming the run recorded in run.json." : null;
    case "wave":
      return `Wave ${e.wave}: ${plural(e.batches, "batch", "batches")}, ${plural(e.requests, "request")}.`;
    case "created":
      return `  created batch ${e.index} (${plural(e.requests, "request")}): ${e.id}`;
    case "adopted":
      return `  adopted batch ${e.index}: ${e.id}, created before the answer was lost (matched by ${ADOPTED_BY[e.match]})`;
    case "recreating":
      return `  batch ${e.index} was not created (${e.reason}); creating it again`;
    case "identifying":
      return `  batch${e.indexes.length === 1 ? "" : "es"} ${e.indexes.join(", ")}: create answer lost, and ${plural(e.candidates.length, "batch", "batches")} of that size were created since (${e.candidates.join(", ")}); waiting for them to end to match them by their results' custom_ids`;
    case "retrying":
      return `  batch ${e.index}: create attempt ${e.attempt} failed (${e.reason})${e.delayMs > 0 ? `; again in ${formatDuration(e.delayMs)}` : ""}`;
    case "backoff":
      return `  ${e.doing}: failed (${e.reason}); retry ${e.attempt} of ${e.retries} in ${formatDuration(e.delayMs)}`;
    case "waiting":
      return `  waiting for the API (${e.doing}) for ${e.elapsedMs < 10_000 ? `${(e.elapsedMs / 1000).toFixed(1)}s` : formatDuration(e.elapsedMs)}…`;
    case "ended":
      return `  batch ${e.index} ended: ${counts(e.request_counts)}${failureNote(e.failure)}`;
    case "results":
      return `  batch ${e.index} results: ${e.results.file} (${plural(e.results.lines, "line")}${e.results.missing.length > 0 ? `, ${int(e.results.missing.length)} missing` : ""})`;
    case "queue-wait":
      return e.reason === "room"
        ? `  batch ${e.index} (${plural(e.requests, "request")}) waits for room in the processing queue: ${int(e.queued)} of the ${int(e.maxQueued)} --max-queued requests are in unfinished batches; it is created when earlier ones end`
        : `  batch ${e.index}: the API refused the create with 429 (its rate or processing-queue limit); waiting ${formatDuration(e.delayMs ?? 0)} for room, then creating it`;
    case "warning":
      return `Warning: ${formatRunWarning(e.warning)}`;
    case "interrupted":
      return "Stopped watching; the run's state is saved.";
    case "done":
      return `${e.status === "canceled" ? "Run canceled" : "Done"}: ${int(e.progress.requests.succeeded)} of ${plural(e.progress.requests.total, "request")} succeeded${e.progress.hitRate === null ? "" : `; hit rate ${pct(e.progress.hitRate)}`}.`;
    case "poll":
      return null;
  }
}

/** How to go on with a run that is not finished, for the end of `submit` and `status`. */
export function renderNextSteps(planDir: string, state: RunState | null): string {
  if (state === null) return `Submit it with \`cacheplan submit ${planDir}\`.\n`;
  const p = progressOf(state);
  if (p.batches.downloaded === p.batches.total) {
    const failed = p.requests.failed + p.requests.missing;
    return failed > 0
      ? `Finished with ${plural(failed, "request")} not succeeded: \`cacheplan retry ${planDir} --out retry-plan/\` re-plans the retryable ones.\n`
      : `Finished. \`cacheplan report ${planDir}\` reports on it.\n`;
  }
  if (state.canceledAt !== null) {
    const open = state.batches.some(
      (b) => b.state === "creating" || b.state === "submitted" || b.state === "ended",
    );
    return open
      ? `Canceled. \`cacheplan submit ${planDir}\` watches the canceled batches to their end and downloads what they did; then \`cacheplan retry ${planDir} --out retry-plan/\`.\n`
      : `Canceled; what was created is downloaded. \`cacheplan retry ${planDir} --out retry-plan/\` re-plans what did not run.\n`;
  }
  return `Resume with \`cacheplan submit ${planDir}\`; stop the batches with \`cacheplan cancel ${planDir}\`.\n`;
}

/** "; failed by the system: …" after a batch's counts, when it was ended without running. */
function failureNote(failure: string | undefined): string {
  return failure ? `; failed by the system: ${failure}` : "";
}

function stamp(iso: string | null | undefined): string {
  return iso ? `${iso.slice(0, 19).replace("T", " ")}Z` : "—";
}

function batchRow(b: BatchRecord): string {
  const id = "id" in b ? b.id : "—";
  let state: string = b.state;
  let detail = "";
  if (b.state === "submitted") state = b.processing_status;
  if (b.state === "creating") detail = `create started ${stamp(b.intentAt)}, outcome unknown`;
  if (b.state === "ended") detail = counts(b.request_counts);
  if (b.state === "downloaded") {
    detail = counts(b.results.byType);
    if (b.results.missing.length > 0) detail += `, missing ${int(b.results.missing.length)}`;
  }
  if (b.state === "ended" || b.state === "downloaded") detail += failureNote(b.failure);
  return `  ${String(b.index).padStart(5)} ${String(b.wave).padStart(5)} ${int(b.requestCount).padStart(9)}  ${state.padEnd(11)} ${id.padEnd(33)} ${detail}`.trimEnd();
}

/** Most batches listed one by one; above it, only those not downloaded and a count. */
const MAX_ROWS = 30;

/** Where a run stands, in a few words: the headline of `status`. */
function whereItStands(
  state: RunState,
  p: ReturnType<typeof progressOf>,
  running: { pid: number; host: string } | null,
): string {
  const current = state.batches.find((b) => b.state !== "downloaded");
  const at = `wave ${current?.wave ?? 0} (waves 0 to ${p.waves - 1})`;
  if (p.batches.downloaded === p.batches.total) return "every batch ended and downloaded";
  if (running) {
    const who = running.pid === 0 ? "another process" : `pid ${running.pid}`;
    return `being submitted (${who}${running.host ? ` on ${running.host}` : ""}), at ${at}${state.canceledAt ? `; canceled ${stamp(state.canceledAt)}` : ""}`;
  }
  if (state.canceledAt !== null) return `canceled ${stamp(state.canceledAt)}`;
  if (state.lastFailure) return `failed ${stamp(state.lastFailure.at)} at ${at}`;
  return `stopped at ${at}: no submit is running`;
}

/**
 * The status of a run, offline, from its state (`null`: never submitted). `running` is the
 * process that holds the folder's lock, if one does (a submit in progress). Every time shown is
 * this machine's clock: the API's timestamps stay in run.json (the emulator's run ahead of it).
 */
export function renderRunStatus(
  planDir: string,
  state: RunState | null,
  planned: { batches: number; waves: number; requests: number },
  running: { pid: number; host: string } | null = null,
): string {
  if (state === null) {
    return `${planDir}: not submitted yet (${plural(planned.requests, "request")} in ${plural(planned.batches, "batch", "batches")}, ${plural(planned.waves, "wave")}).\n${renderNextSteps(planDir, null)}`;
  }
  const p = progressOf(state);
  const lines: string[] = [];
  lines.push(`Run of ${planDir}: ${whereItStands(state, p, running)}`);
  if (state.lastFailure && !running)
    lines.push(`  failure   ${state.lastFailure.message} (${state.lastFailure.code})`);
  lines.push(`  started   ${stamp(state.startedAt)}; state written ${stamp(state.updatedAt)}`);
  lines.push(
    `  batches   ${p.batches.created} of ${p.batches.total} created, ${p.batches.ended} ended, ${p.batches.downloaded} downloaded`,
  );
  lines.push(
    `  requests  ${int(p.requests.ended)} of ${int(p.requests.total)} in ended batches; results: succeeded ${int(p.requests.succeeded)}, not succeeded ${int(p.requests.failed)}, missing ${int(p.requests.missing)}`,
  );
  if (p.hitRate !== null)
    lines.push(`  hit rate  ${pct(p.hitRate)} of input tokens read from cache so far`);
  for (const w of state.waves) {
    // This machine's times: the wave's first create started, and its end was seen.
    const finished = w.finishedAt === undefined ? w.endedAt : w.finishedAt;
    lines.push(`  wave ${w.wave}    started ${stamp(w.startedAt)}, finished ${stamp(finished)}`);
  }
  lines.push("", `  batch  wave  requests  state       ${"id".padEnd(33)} results`);
  const rows =
    state.batches.length > MAX_ROWS
      ? state.batches.filter((b) => b.state !== "downloaded").slice(0, MAX_ROWS)
      : state.batches;
  for (const b of rows) lines.push(batchRow(b));
  if (rows.length < state.batches.length) {
    lines.push(
      `  … ${plural(state.batches.length - rows.length, "more batch", "more batches")} (\`--json\` lists all)`,
    );
  }
  const missing = state.batches.flatMap((b) => (b.state === "downloaded" ? b.results.missing : []));
  if (missing.length > 0) {
    lines.push(
      "",
      `Missing results (${int(missing.length)}): ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", …" : ""}`,
    );
  }
  return `${lines.join("\n")}\n\n${renderNextSteps(planDir, state)}`;
}
