// The Crucible viewer: runs -> tasks -> attempts -> one attempt (trajectory, diff, verdict, findings), charts, and two
// runs side by side. Served by `crucible view` (documents from /api/...) or inlined into a static report
// (`crucible eval report RUN --html FILE`, documents in <script id="crucible-data">). Routing is by hash, so the same
// code works from a file:// URL.
import { h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';

const html = htm.bind(h);
const inlined = (() => {
  const el = document.getElementById('crucible-data');
  return el ? JSON.parse(el.textContent) : null;
})();

// One document by kind and arguments: from the inlined report, else from the server.
function load(kind, ...args) {
  if (inlined) {
    const doc = inlined.documents[[kind, ...args].join('\n')];
    return doc ? Promise.resolve(doc) : Promise.reject(new Error('not part of this report'));
  }
  const e = encodeURIComponent;
  const url = {
    runs: () => '/api/runs',
    run: ([id]) => `/api/runs/${e(id)}`,
    task: ([id, task]) => `/api/runs/${e(id)}/tasks/${e(task)}`,
    attempt: ([id, task, n]) => `/api/runs/${e(id)}/tasks/${e(task)}/attempts/${e(n)}`,
    compare: ([a, b]) => `/api/compare/${e(a)}/${e(b)}`,
  }[kind](args);
  return fetch(url).then(r => r.ok ? r.json() : r.json().then(j => Promise.reject(new Error(j.error || r.statusText))));
}

function useDoc(kind, ...args) {
  const [state, setState] = useState({ doc: null, error: null });
  const key = [kind, ...args].join('\n');
  useEffect(() => {
    setState({ doc: null, error: null });
    load(kind, ...args).then(doc => setState({ doc, error: null }), error => setState({ doc: null, error: error.message }));
  }, [key]);
  return state;
}

const enc = encodeURIComponent;
const pct = x => x == null ? '–' : `${(x * 100).toFixed(1)} %`;
const usd = x => x == null ? '–' : `$${Number(x).toFixed(4)}`;
const secs = ms => ms == null ? '–' : `${(ms / 1000).toFixed(1)} s`;
const base = p => p.split('/').filter(Boolean).pop() || p;
// An estimate with its 95 % interval: "62.0 % [48.0, 76.0]".
const est = e => e == null ? '–' : `${pct(e.value)} [${(e.low * 100).toFixed(1)}, ${(e.high * 100).toFixed(1)}]`;
const passAt1 = row => row.passAtK.find(p => p.k === 1);
const runLink = id => `#/run/${enc(id)}`;
const taskLink = (id, t) => `#/run/${enc(id)}/task/${enc(t)}`;
const attemptLink = (id, t, n) => `#/run/${enc(id)}/task/${enc(t)}/attempt/${n}`;

function Figure({ label, value, test }) {
  return html`<div class="figure" data-testid=${test}><div class="label">${label}</div><div class="value">${value}</div></div>`;
}

// A horizontal bar chart in SVG: one row per bar, scaled to the largest value (or to `max`).
function BarChart({ title, bars, format, max, test }) {
  const rowH = 18, labelW = 150, width = 520, valueW = 80;
  const top = max ?? Math.max(0, ...bars.map(b => b.value));
  const scale = v => top > 0 ? (v / top) * (width - labelW - valueW) : 0;
  return html`<div class="chart" data-testid=${test}><h3>${title}</h3>
    ${bars.length === 0 ? html`<p class="muted">nothing to show</p>` : html`
    <svg width="100%" viewBox=${`0 0 ${width} ${bars.length * rowH + 4}`} role="img" aria-label=${title}>
      ${bars.map((b, i) => html`<g transform=${`translate(0 ${i * rowH})`}>
        <text x=${labelW - 6} y="13" text-anchor="end">${b.label.length > 24 ? b.label.slice(0, 23) + '…' : b.label}</text>
        <rect x=${labelW} y="3" height="12" width=${Math.max(scale(b.value), b.value > 0 ? 1 : 0)} fill="#3b82f6"></rect>
        <text x=${labelW + scale(b.value) + 4} y="13">${format(b.value)}</text></g>`)}
    </svg>`}</div>`;
}

const outcomes = m => Object.entries(m).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ');

function Status({ passed, status }) {
  return html`<span class=${passed ? 'pass' : 'fail'}>${passed ? 'passed' : status}</span>`;
}

function Runs() {
  const { doc, error } = useDoc('runs');
  const [a, setA] = useState('');
  const [b, setB] = useState('');
  if (error) return html`<p class="fail">${error}</p>`;
  if (!doc) return html`<p class="muted">Loading runs…</p>`;
  return html`<h1>Runs</h1>
    ${doc.runs.length === 0 ? html`<p class="muted">No runs yet: start one with <code>crucible eval SUITE</code>.</p>` : html`
    <table data-testid="runs"><thead><tr><th>run</th><th>suite</th><th>solver</th><th>status</th><th class="num">tasks</th>
      <th class="num">attempts</th><th class="num">passed</th><th class="num">pass@1 [95 % CI]</th><th class="num">excluded</th><th class="num">cost</th><th class="num">time / task</th></tr></thead>
    <tbody>${doc.runs.map(r => html`<tr>
      <td><a href=${runLink(r.run.id)}>${r.run.id}</a></td><td title=${r.run.suite}>${base(r.run.suite)}</td><td>${r.run.solver}</td>
      <td class=${r.run.status === 'degraded' ? 'fail' : ''}>${r.run.status}</td>
      <td class="num">${r.tasks}</td><td class="num">${r.counts.total}</td><td class="num">${r.counts.passed}</td><td class="num">${est(passAt1(r)?.estimate)}</td>
      <td class="num">${r.counts.excluded}</td><td class="num">${usd(r.usage.costUsd)}</td><td class="num">${secs(r.usage.wallTimePerTaskMs)}</td></tr>`)}</tbody></table>
    ${!inlined && doc.runs.length > 1 && html`<h2>Compare two runs</h2><p>
      <select value=${a} onChange=${e => setA(e.target.value)} data-testid="compare-a"><option value="">run A…</option>${doc.runs.map(r => html`<option value=${r.run.id}>${r.run.id}</option>`)}</select>${' '}
      <select value=${b} onChange=${e => setB(e.target.value)} data-testid="compare-b"><option value="">run B…</option>${doc.runs.map(r => html`<option value=${r.run.id}>${r.run.id}</option>`)}</select>${' '}
      <button class="go" disabled=${!a || !b} onClick=${() => { location.hash = `#/compare/${enc(a)}/${enc(b)}`; }}>Compare</button></p>`}`}`;
}

function RunFigures({ row }) {
  const u = row.usage;
  return html`<div class="figures">
    <${Figure} label="pass rate (graded)" value=${pct(row.counts.passRate)} test="pass-rate" />
    ${row.passAtK.map(p => html`<${Figure} label=${`pass@${p.k} [95 % CI]`} value=${est(p.estimate)} test=${`pass-at-${p.k}`} />`)}
    <${Figure} label="passed / graded" value=${`${row.counts.passed} / ${row.counts.graded}`} />
    <${Figure} label="excluded (outages)" value=${`${row.counts.modelErrors} model, ${row.counts.harnessErrors} harness`} test="excluded" />
    <${Figure} label="cost" value=${usd(u.costUsd)} test="cost" />
    <${Figure} label="cost / task" value=${usd(u.costPerTaskUsd)} />
    <${Figure} label="tokens / task" value=${Math.round(u.tokensPerTask).toLocaleString('en')} />
    <${Figure} label="cache-read share" value=${pct(u.cacheReadShare)} />
    <${Figure} label="time / task" value=${secs(u.wallTimePerTaskMs)} />
    <${Figure} label="status" value=${row.run.status} test="status" />
  </div>`;
}

function Run({ id }) {
  const { doc, error } = useDoc('run', id);
  if (error) return html`<p class="fail">${error}</p>`;
  if (!doc) return html`<p class="muted">Loading run…</p>`;
  const r = doc.row.run;
  return html`<div class="crumbs"><a href="#/">runs</a> / ${r.id}</div>
    <h1>Run ${r.id}</h1>
    <p class="muted">solver <b>${r.solver}</b> on <span title=${r.suite}>${r.suite}</span></p>
    <${RunFigures} row=${doc.row} />
    <div class="charts">
      <${BarChart} title="pass@1 per task" bars=${doc.charts.passRateByTask} format=${pct} max=${1} test="chart-pass-rate" />
      <${BarChart} title="Failure taxonomy" bars=${doc.charts.outcomes} format=${v => String(v)} test="chart-outcomes" />
      <${BarChart} title="Cost per task" bars=${doc.charts.costByTask} format=${usd} test="chart-cost" />
      <${BarChart} title="Tokens by kind" bars=${doc.charts.tokensByKind} format=${v => v.toLocaleString('en')} test="chart-tokens" />
    </div>
    <h2>Tasks</h2>
    <table data-testid="tasks"><thead><tr><th>task</th><th class="num">attempts</th><th class="num">correct / samples</th><th class="num">pass@1</th><th>outcomes</th><th class="num">cost</th><th class="num">time</th></tr></thead>
    <tbody>${doc.tasks.map(t => html`<tr><td><a href=${taskLink(r.id, t.taskId)}>${t.taskId}</a></td><td class="num">${t.attempts}</td>
      <td class="num">${t.correct} / ${t.samples}</td><td class="num">${pct(t.passAt1)}</td><td>${outcomes(t.byOutcome)}</td><td class="num">${usd(t.costUsd)}</td><td class="num">${secs(t.wallTimeMs)}</td></tr>`)}</tbody></table>`;
}

function Task({ id, task }) {
  const { doc, error } = useDoc('task', id, task);
  if (error) return html`<p class="fail">${error}</p>`;
  if (!doc) return html`<p class="muted">Loading task…</p>`;
  const t = doc.task, runId = doc.run.id;
  return html`<div class="crumbs"><a href="#/">runs</a> / <a href=${runLink(runId)}>${runId}</a> / ${t.taskId}</div>
    <h1>${t.taskId}</h1>
    <div class="figures"><${Figure} label="pass@1" value=${pct(t.passAt1)} /><${Figure} label="correct / samples" value=${`${t.correct} / ${t.samples}`} />
      <${Figure} label="excluded" value=${t.excluded} /><${Figure} label="cost" value=${usd(t.costUsd)} /></div>
    <table data-testid="attempts"><thead><tr><th>attempt</th><th class="num">sample</th><th>outcome</th><th>solver</th><th class="num">tests</th><th>why</th><th class="num">cost</th><th class="num">time</th></tr></thead>
    <tbody>${doc.attempts.map(a => html`<tr><td><a href=${attemptLink(runId, t.taskId, a.attempt)}>#${a.attempt}</a></td><td class="num">${a.sample}</td>
      <td><${Status} passed=${a.outcome === 'passed'} status=${a.outcome} /></td><td>${a.solverStatus}</td><td class="num">${a.testsPassed} / ${a.testsExpected}</td>
      <td class="muted">${a.solverMessage || a.reasons[0] || ''}</td><td class="num">${usd(a.costUsd)}</td><td class="num">${secs(a.durationMs)}</td></tr>`)}</tbody></table>`;
}

function Trajectory({ steps }) {
  if (steps.length === 0) return html`<p class="muted" data-testid="trajectory">This solver records no trajectory.</p>`;
  return html`<div data-testid="trajectory">${steps.map(s => html`<div class="step" data-testid="step">
    <div class="head">${s.step === 0 ? 'Task' : `Step ${s.step}`}</div>
    ${s.items.map(i => html`<div class=${`item ${i.kind}${i.isError ? ' failed' : ''}`} data-kind=${i.kind}>
      <span class="kind">${i.kind.replace('_', ' ')}${i.tool ? ` · ${i.tool}` : ''}${i.isError ? ' · error' : ''}</span>
      ${i.kind === 'usage' || i.kind === 'result' ? html`<span class="muted">${i.text}${i.costUsd != null ? ` · ${usd(i.costUsd)}` : ''}</span>`
        : i.kind === 'tool_call' ? html`<span>${i.text}</span>${i.arguments && html`<pre>${i.arguments}</pre>`}`
        : html`<pre>${i.text}</pre>`}
    </div>`)}</div>`)}</div>`;
}

function Diff({ files, note }) {
  return html`<div data-testid="diff">
    ${note && html`<p class="muted">${note}</p>`}
    ${files.length === 0 && !note ? html`<p class="muted">The candidate changed no file.</p>` : null}
    ${files.map(f => html`<div class="diff" data-testid="diff-file"><div class="file">${f.path} <span class="muted">${f.kind} · +${f.added} −${f.removed}</span></div>
      <table>${f.hunks.map(hk => html`<tr class="hunk"><td class="ln"></td><td class="ln"></td><td>@@ -${hk.oldStart} +${hk.newStart} @@</td></tr>
        ${hk.lines.map(l => html`<tr class=${l.kind}><td class="ln">${l.oldLine ?? ''}</td><td class="ln">${l.newLine ?? ''}</td>
          <td>${l.kind === 'Added' ? '+' : l.kind === 'Removed' ? '-' : ' '}${l.text}</td></tr>`)}`)}</table></div>`)}
  </div>`;
}

function Verdict({ verdict }) {
  const v = verdict;
  return html`<div data-testid="verdict">
    <p>Status <b>${v.status}</b> · tests ${v.counts.passed} passed, ${v.counts.failed} failed, ${v.counts.skipped} skipped, ${v.counts.notRun} not run of ${v.counts.expected} · sandbox ${v.sandbox}</p>
    ${v.reasons.length > 0 && html`<ul>${v.reasons.map(r => html`<li>${r}</li>`)}</ul>`}
    ${v.build && html`<p>Build ${v.build.succeeded ? 'succeeded' : 'failed'}${v.build.errorCount ? `, ${v.build.errorCount} error(s)` : ''}</p>
      ${v.build.diagnostics && v.build.diagnostics.length > 0 && html`<pre>${v.build.diagnostics.join('\n')}</pre>`}`}
    <table data-testid="tests"><thead><tr><th>test</th><th>outcome</th><th>message</th></tr></thead>
      <tbody>${v.tests.map(t => html`<tr data-testid="test-row"><td>${t.name}</td><td class=${t.outcome === 'Passed' ? 'pass' : 'fail'}>${t.outcome}</td><td>${t.message && html`<pre>${t.message}</pre>`}</td></tr>`)}</tbody></table>
    ${v.testLog && html`<details><summary>Test log</summary><pre>${v.testLog}</pre></details>`}
  </div>`;
}

function Findings({ findings }) {
  if (findings.length === 0) return html`<p class="muted" data-testid="findings">No integrity, tampering or review findings.</p>`;
  return html`<table data-testid="findings"><thead><tr><th>source</th><th>rule</th><th>message</th><th>where</th></tr></thead>
    <tbody>${findings.map(f => html`<tr><td>${f.source}</td><td>${f.rule}</td><td>${f.message}</td><td>${f.file ?? ''}${f.line ? `:${f.line}` : ''}</td></tr>`)}</tbody></table>`;
}

function Attempt({ id, task, n }) {
  const { doc, error } = useDoc('attempt', id, task, n);
  const [tab, setTab] = useState('trajectory');
  if (error) return html`<p class="fail">${error}</p>`;
  if (!doc) return html`<p class="muted">Loading attempt…</p>`;
  const u = doc.usage;
  const tabs = [['trajectory', `Trajectory (${doc.steps.length})`], ['diff', `Diff (${doc.diff.length})`], ['verdict', 'Verdict'], ['findings', `Findings (${doc.findings.length})`]];
  return html`<div class="crumbs"><a href="#/">runs</a> / <a href=${runLink(doc.runId)}>${doc.runId}</a> / <a href=${taskLink(doc.runId, doc.taskId)}>${doc.taskId}</a> / #${doc.attempt}</div>
    <h1>${doc.taskId} #${doc.attempt} <${Status} passed=${doc.passed} status=${doc.outcome} /></h1>
    <div class="figures">
      <${Figure} label="solver" value=${doc.solverStatus} />
      <${Figure} label="tests" value=${`${doc.verdict.counts.passed} / ${doc.verdict.counts.expected}`} />
      <${Figure} label="cost" value=${usd(doc.costUsd)} />
      <${Figure} label="time" value=${secs(doc.durationMs)} />
      ${u && html`<${Figure} label="tokens in / out" value=${`${u.tokens.inputTokens + u.tokens.cacheReadTokens + u.tokens.cacheWriteTokens} / ${u.tokens.outputTokens}`} />`}
      ${u && html`<${Figure} label="model calls" value=${u.calls} />`}
    </div>
    ${doc.solverMessage && html`<p class="muted">${doc.solverMessage}</p>`}
    <div class="tabs">${tabs.map(([k, label]) => html`<button class=${tab === k ? 'on' : ''} data-testid=${`tab-${k}`} onClick=${() => setTab(k)}>${label}</button>`)}</div>
    ${tab === 'trajectory' && html`<${Trajectory} steps=${doc.steps} />`}
    ${tab === 'diff' && html`<${Diff} files=${doc.diff} note=${doc.diffNote} />`}
    ${tab === 'verdict' && html`<${Verdict} verdict=${doc.verdict} />`}
    ${tab === 'findings' && html`<${Findings} findings=${doc.findings} />`}`;
}

function Compare({ a, b }) {
  const { doc, error } = useDoc('compare', a, b);
  if (error) return html`<p class="fail">${error}</p>`;
  if (!doc) return html`<p class="muted">Loading comparison…</p>`;
  const c = doc.comparison;
  const ratio = x => x == null ? '–' : `${x.toFixed(2)}×`;
  return html`<div class="crumbs"><a href="#/">runs</a> / compare</div>
    <h1>${doc.a.run.id} vs ${doc.b.run.id}</h1>
    <div class="figures">
      <${Figure} label="pass@1 B − A [95 % paired CI]" value=${`${(c.difference.value * 100).toFixed(1)} pts [${(c.difference.low * 100).toFixed(1)}, ${(c.difference.high * 100).toFixed(1)}]`} test="difference" />
      <${Figure} label="McNemar exact p" value=${c.mcNemar.pValue.toPrecision(3)} />
      <${Figure} label="cost ratio B / A" value=${ratio(c.costRatio)} />
      <${Figure} label="time ratio B / A" value=${ratio(c.timeRatio)} />
    </div>
    <div class="side">${[doc.a, doc.b].map((r, i) => html`<div><h2>${i === 0 ? 'A' : 'B'}: <a href=${runLink(r.run.id)}>${r.run.id}</a> <span class="muted">(${r.run.solver})</span></h2><${RunFigures} row=${r} /></div>`)}</div>
    <p data-testid="compare-counts">gained ${c.gained} · lost ${c.lost} · same ${c.same}${c.onlyInA.length ? ` · only in A ${c.onlyInA.length}` : ''}${c.onlyInB.length ? ` · only in B ${c.onlyInB.length}` : ''}</p>
    <table data-testid="compare"><thead><tr><th>task</th><th class="num">A pass@1</th><th class="num">B pass@1</th><th>change</th></tr></thead>
    <tbody>${c.tasks.map(t => html`<tr><td>${t.taskId}</td><td class="num">${pct(t.passA)}</td><td class="num">${pct(t.passB)}</td><td class=${t.change.toLowerCase()}>${t.change.toLowerCase()}</td></tr>`)}</tbody></table>`;
}

function route() {
  const parts = (location.hash || (inlined ? inlined.start : '#/')).replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'run' && parts.length >= 6 && parts[4] === 'attempt') return html`<${Attempt} id=${parts[1]} task=${parts[3]} n=${parts[5]} />`;
  if (parts[0] === 'run' && parts.length >= 4 && parts[2] === 'task') return html`<${Task} id=${parts[1]} task=${parts[3]} />`;
  if (parts[0] === 'run' && parts.length >= 2) return html`<${Run} id=${parts[1]} />`;
  if (parts[0] === 'compare' && parts.length >= 3) return html`<${Compare} a=${parts[1]} b=${parts[2]} />`;
  return html`<${Runs} />`;
}

function App() {
  const [, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return html`<header class="top"><a class="brand" href="#/">Crucible</a><span class="muted">${inlined ? 'static report' : 'local viewer'}</span></header>
    <main>${route()}</main>`;
}

const root = document.getElementById('app');
root.textContent = ''; // drop the static "Loading…" the shell shows before the script runs
render(html`<${App} />`, root);
