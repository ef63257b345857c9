// The cora-ocr-mock dashboard: plain ES modules, Preact + htm, no build step. It reads and changes
// the mock through the ordinary admin API (relative URLs: the page lives at /__admin/ui, so
// `batches` is /__admin/batches), and learns what changed from the event stream at `events`,
// read with fetch() so that it carries the same bearer token as every other call.
//
// Every text that came from a request (ExternalContext, file names, metadata, SOAPAction) is
// rendered as a text node by Preact; nothing is ever set as HTML or as a URL.
import { Component, h, render } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import htm from 'htm';

const html = htm.bind(h);
const TOKEN_KEY = 'cora-ocr-mock.adminToken';
const NS_HEADER = 'X-Cora-Mock-Namespace';
const STAGES = ['Queued', 'ProcessingInput', 'WaitingForOutput'];
const BATCH_PAGE = 100;
const JOURNAL_PAGE = 50;
/** The journal table is read (and repainted) at most this often, whatever the notes say. */
const JOURNAL_MIN_MS = 250;

// ---------------------------------------------------------------- the admin API

class ApiError extends Error {
  constructor(status, problem, text) {
    super(problem && problem.detail ? problem.detail : `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`);
    this.status = status;
    this.problem = problem;
  }
}

// Opened as /ns/{name}/__admin/ui, the page works in that namespace (its calls go under the same
// prefix) and offers no switcher.
const prefixed = /^\/ns\/([^/]+)\/__admin\/ui$/.exec(location.pathname);
const session = {
  token: sessionStorage.getItem(TOKEN_KEY),
  namespace: prefixed ? decodeURIComponent(prefixed[1]) : 'default',
  fixedNamespace: prefixed !== null,
};

function headers(extra) {
  const out = { Accept: 'application/json', ...extra };
  if (session.token) out.Authorization = `Bearer ${session.token}`;
  if (session.namespace !== 'default') out[NS_HEADER] = session.namespace;
  return out;
}

async function api(method, path, body) {
  const init = { method, headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }), cache: 'no-store' };
  if (body !== undefined) init.body = JSON.stringify(body);
  const r = await fetch(path, init);
  if (r.status === 204) return null;
  const text = await r.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!r.ok) throw new ApiError(r.status, json, text);
  return json;
}

const qs = (params) => {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
};

/**
 * Reads the event stream until it ends or `signal` aborts: `onEvent(type, data)` per SSE frame.
 * EventSource cannot send an Authorization header, so this is fetch() reading a stream.
 */
async function readEvents(signal, onEvent) {
  const r = await fetch('events', { headers: headers({ Accept: 'text/event-stream' }), signal, cache: 'no-store' });
  if (!r.ok) {
    const text = await r.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    throw new ApiError(r.status, json, text);
  }
  const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let end;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const frame = buf.slice(0, end);
      buf = buf.slice(end + 2);
      let type = 'message';
      const data = [];
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') type = val;
        else if (field === 'data') data.push(val);
      }
      if (data.length) onEvent(type, JSON.parse(data.join('\n')));
    }
  }
}

/**
 * A read that may be asked for again while it runs: it runs again once when it ends, never twice
 * at a time, so a burst of notes costs one or two reads.
 */
function coalesced(fn, minIntervalMs = 0) {
  let running = false;
  let again = false;
  let last = -Infinity;
  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const wait = last + minIntervalMs - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        last = performance.now();
        await fn();
      } while (again);
    } finally {
      running = false;
    }
  };
  return run;
}

/**
 * A component that renders again only when a prop changed (Preact's core has no memo): a note
 * about the journal re-renders the journal, not the batch table beside it.
 */
function memo(Inner) {
  return class Memo extends Component {
    shouldComponentUpdate(next) {
      const keys = Object.keys(next);
      if (keys.length !== Object.keys(this.props).length) return true;
      return keys.some((k) => next[k] !== this.props[k]);
    }
    render(props) {
      return h(Inner, props);
    }
  };
}

/**
 * Whether the element is on screen (and the tab visible): `onChange(bool)` whenever that changes.
 * Live panels out of view are not read on every note, only once they come into view again.
 */
function useInView(ref, onChange) {
  useEffect(() => {
    let inView = true;
    const tell = () => onChange(inView && document.visibilityState !== 'hidden');
    const io = new IntersectionObserver((entries) => {
      inView = entries[entries.length - 1].isIntersecting;
      tell();
    });
    io.observe(ref.current);
    document.addEventListener('visibilitychange', tell);
    return () => {
      io.disconnect();
      document.removeEventListener('visibilitychange', tell);
    };
  }, []);
}

// ---------------------------------------------------------------- formatting

const fmtTime = (iso) => (iso ? iso.replace('T', ' ').replace('Z', '') : '');
function fmtDuration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.floor(s % 60)} s`;
  const hr = Math.floor(m / 60);
  if (hr < 48) return `${hr} h ${m % 60} min`;
  return `${Math.floor(hr / 24)} d ${hr % 24} h`;
}
const str = (v) => (v === null || v === undefined ? '' : String(v));
const statusClass = (s) => `status status-${str(s).toLowerCase()}`;
const errorText = (err) => (err instanceof ApiError && err.problem ? `${err.problem.title ?? 'Error'} (${err.status}): ${err.problem.detail ?? ''}${err.problem.pointer !== undefined ? ` [at ${err.problem.pointer === '' ? '/' : err.problem.pointer}]` : ''}` : String(err && err.message ? err.message : err));

/** The virtual time now, from the last clock reading and the real time passed since it. */
function virtualNow(clock) {
  if (!clock) return Date.now();
  return clock.frozen ? clock.reading.nowMs : clock.reading.nowMs + (performance.now() - clock.readAt);
}

// ---------------------------------------------------------------- small pieces

function Field({ label, children }) {
  return html`<label class="field"><span>${label}</span>${children}</label>`;
}

function Select({ value, options, onChange, testid, title }) {
  return html`<select value=${value} data-testid=${testid} title=${title} onChange=${(e) => onChange(e.currentTarget.value)}>
    ${options.map((o) => (typeof o === 'string' ? html`<option value=${o}>${o === '' ? 'any' : o}</option>` : html`<option value=${o.value}>${o.label}</option>`))}
  </select>`;
}

/** A button that asks to be clicked twice (no window.confirm: dialogs block tests and users alike). */
function ConfirmButton({ label, confirmLabel, onConfirm, testid, cls }) {
  const [armed, setArmed] = useState(false);
  useEffect(() => {
    if (!armed) return undefined;
    const t = setTimeout(() => setArmed(false), 4000);
    return () => clearTimeout(t);
  }, [armed]);
  return html`<button class=${`${cls ?? ''} ${armed ? 'armed' : ''}`} data-testid=${testid}
    onClick=${() => (armed ? (setArmed(false), onConfirm()) : setArmed(true))}>${armed ? confirmLabel : label}</button>`;
}

function ErrorLine({ error, testid }) {
  return error ? html`<p class="error" role="alert" data-testid=${testid ?? 'error'}>${error}</p>` : null;
}

function Json({ value }) {
  return html`<pre class="json">${JSON.stringify(value, null, 2)}</pre>`;
}

// ---------------------------------------------------------------- token gate

function TokenGate({ message, onToken }) {
  const [value, setValue] = useState('');
  return html`<main class="gate">
    <h1>cora-ocr-mock</h1>
    <form data-testid="token-form" onSubmit=${(e) => {
      e.preventDefault();
      if (value) onToken(value);
    }}>
      <p>This mock's admin API needs its token (ADMIN_TOKEN). It is kept in this tab's session storage only and sent as a bearer header.</p>
      <${ErrorLine} error=${message} testid="token-error" />
      <input type="password" autocomplete="off" placeholder="admin token" data-testid="token-input" value=${value} onInput=${(e) => setValue(e.currentTarget.value)} />
      <button type="submit" data-testid="token-submit">Use token</button>
    </form>
  </main>`;
}

// ---------------------------------------------------------------- header: health, namespaces, clock, reset

function Header({ health, version, live, namespaces, namespace, onNamespace, onForget }) {
  const nsNames = namespaces ? namespaces.items.map((n) => n.name) : ['default'];
  return html`<header class="top">
    <h1>cora-ocr-mock</h1>
    <span class="version" data-testid="version">v${version}</span>
    <span class=${`pill ${health && health.status === 'ok' ? 'ok' : 'bad'}`} data-testid="health" title=${health ? `store ${health.store}, WSDL ${health.wsdl}` : ''}>
      ${health ? `${health.status} · store ${health.store} · WSDL ${health.wsdl} · up ${fmtDuration(health.uptimeMs)}` : 'health …'}
    </span>
    <span class=${`pill ${live === 'live' ? 'ok' : 'bad'}`} data-testid="live">${live}</span>
    ${session.fixedNamespace ? html`<span class="pill" data-testid="namespace-fixed">namespace ${namespace}</span>` : null}
    ${nsNames.length > 1 && !session.fixedNamespace
      ? html`<${Field} label="namespace"><${Select} testid="namespace" value=${namespace} options=${nsNames} onChange=${onNamespace} /><//>`
      : null}
    ${session.token ? html`<button class="link" data-testid="forget-token" onClick=${onForget}>forget token</button>` : null}
  </header>`;
}

const STEPS = [
  { value: '1000', label: '1 s' },
  { value: '2000', label: '2 s' },
  { value: '5000', label: '5 s' },
  { value: '10000', label: '10 s' },
  { value: '60000', label: '1 min' },
  { value: '3600000', label: '1 h' },
  { value: '86400000', label: '1 day' },
];

const ClockPanel = memo(function ClockPanel({ clock, act }) {
  const [step, setStep] = useState('1000');
  const [setTo, setSetTo] = useState('');
  const [, tick] = useState(0);
  useEffect(() => {
    if (!clock || clock.reading.frozen) return undefined;
    const t = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, [clock]);
  const now = clock ? new Date(virtualNow(clock)).toISOString() : '';
  return html`<section class="panel clock" data-testid="clock">
    <h2>Clock</h2>
    <p><span data-testid="clock-now">${fmtTime(now)}</span> <span class=${`pill ${clock && clock.reading.frozen ? 'frozen' : 'ok'}`} data-testid="clock-state">${clock ? (clock.reading.frozen ? 'frozen' : 'running') : '…'}</span></p>
    <div class="row">
      <button data-testid="clock-freeze" onClick=${() => act('clock', { freeze: true })}>Freeze</button>
      <button data-testid="clock-resume" onClick=${() => act('clock', { resume: true })}>Resume</button>
    </div>
    <div class="row">
      <${Select} testid="clock-step" value=${step} options=${STEPS} onChange=${setStep} title="step" />
      <button data-testid="clock-advance" onClick=${() => act('clock', { advanceMs: Number(step) })}>Advance</button>
    </div>
    <form class="row" onSubmit=${(e) => {
      e.preventDefault();
      act('clock', { set: setTo });
    }}>
      <input data-testid="clock-set-input" placeholder="2030-01-01T00:00:00Z" value=${setTo} onInput=${(e) => setSetTo(e.currentTarget.value)} />
      <button type="submit" data-testid="clock-set">Set</button>
    </form>
  </section>`;
});

const ResetPanel = memo(function ResetPanel({ act }) {
  const [keep, setKeep] = useState(false);
  return html`<section class="panel reset">
    <h2>Reset</h2>
    <label class="check"><input type="checkbox" data-testid="reset-keep" checked=${keep} onChange=${(e) => setKeep(e.currentTarget.checked)} /> keep batches</label>
    <${ConfirmButton} testid="reset" cls="danger" label="Reset namespace" confirmLabel="Click again to reset" onConfirm=${() => act('reset', { keepBatches: keep })} />
  </section>`;
});

// ---------------------------------------------------------------- batches

const BatchesPanel = memo(function BatchesPanel({ batches, clock, vocab, filter, onFilter, selected, onSelect }) {
  const [, tick] = useState(0);
  useEffect(() => {
    if (!clock || clock.reading.frozen) return undefined;
    const t = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, [clock]);
  const now = virtualNow(clock);
  return html`<section class="panel batches">
    <div class="panel-head">
      <h2>Batches <small data-testid="batch-total">${batches ? `${batches.items.length} shown of ${batches.stored}` : ''}</small></h2>
      <${Field} label="status"><${Select} testid="batch-filter" value=${filter} options=${['', ...vocab.statuses.filter((s) => s !== 'NotFound')]} onChange=${onFilter} /><//>
    </div>
    <table class="grid" data-testid="batches">
      <thead><tr><th>id</th><th>status</th><th>ErrorCode</th><th>file</th><th>ExternalContext</th><th>in stage</th></tr></thead>
      <tbody>
        ${batches && batches.items.map((b) => html`<tr key=${b.id} data-testid="batch-row" data-id=${b.id} data-status=${b.status}
            class=${selected === b.id ? 'selected' : ''} onClick=${() => onSelect(b.id)}>
          <td class="mono">${b.id}</td>
          <td><span class=${statusClass(b.status)} data-testid="batch-status">${b.status}</span></td>
          <td data-testid="batch-error">${b.errorCode}</td>
          <td class="text" data-testid="batch-file">${str(b.inputFile && b.inputFile.fileName)}</td>
          <td class="text" data-testid="batch-context">${str(b.externalContext)}</td>
          <td class="mono">${fmtDuration(now - Date.parse(b.since))}</td>
        </tr>`)}
      </tbody>
    </table>
    ${batches && batches.items.length === 0 ? html`<p class="empty">No batches${filter ? ` in ${filter}` : ''}.</p>` : null}
  </section>`;
});

const BatchDetail = memo(function BatchDetail({ batch, journal, vocab, act, onClose, error }) {
  const [status, setStatus] = useState('Failed');
  const [code, setCode] = useState('InternalError');
  if (!batch) return null;
  const b = batch;
  const rows = [
    ['id', b.id],
    ['namespace', b.namespace],
    ['status', b.status],
    ['ErrorCode', b.errorCode],
    ['since', fmtTime(b.since)],
    ['next change', b.nextChangeAt ? fmtTime(b.nextChangeAt) : 'none by itself'],
    ['created', fmtTime(b.createdAt)],
    ['TimeOut', b.timeOut],
    ['ExternalContext', b.externalContext],
    ['InputFile', b.inputFile && `${str(b.inputFile.connection)} | ${str(b.inputFile.relativeLocation)} | ${str(b.inputFile.fileName)}`],
    ['OCRProfile', b.ocrProfile],
    ['OutputFile', b.outputFile && `${str(b.outputFile.connection)} | ${str(b.outputFile.relativeLocation)} | ${str(b.outputFile.fileName)}`],
    ['PutModel', b.putModel],
    ['plan', `queued ${b.plan.queuedMs} ms, processing ${b.plan.processingInputMs} ms, waiting ${b.plan.waitingForOutputMs} ms, timeout ${b.plan.timeoutMs} ms${b.plan.outcome ? `; ${b.plan.outcome.status} ${b.plan.outcome.errorCode} at ${b.plan.outcome.at}` : ''}${b.plan.hold ? `; held in ${b.plan.hold}` : ''}`],
    ['forced', b.forced ? `${b.forced.status} ${b.forced.errorCode} at ${fmtTime(b.forced.at)}` : ''],
  ];
  const codes = status === 'Failed' ? vocab.errorCodes.filter((c) => c !== 'NoError') : status === 'Aborted' ? vocab.errorCodes : ['NoError'];
  const chosen = codes.includes(code) ? code : codes[0];
  return html`<section class="panel detail" data-testid="batch-detail" data-id=${b.id}>
    <div class="panel-head">
      <h2>Batch <span class="mono">${b.id}</span> <span class=${statusClass(b.status)} data-testid="detail-status">${b.status}</span></h2>
      <button class="link" onClick=${onClose}>close</button>
    </div>
    <dl class="facts">${rows.map(([k, v]) => html`<dt>${k}</dt><dd class="text" data-testid=${`detail-${k}`}>${str(v)}</dd>`)}</dl>
    <h3>ActivityMetadata</h3>
    ${b.metadata
      ? html`<dl class="facts" data-testid="detail-metadata">${Object.entries(b.metadata).map(([k, v]) => html`<dt>${k}</dt><dd class="text">${str(v)}</dd>`)}</dl>`
      : html`<p class="empty">none</p>`}
    <h3>History</h3>
    <ol class="timeline" data-testid="detail-history">
      ${(b.history ?? []).map((e) => html`<li><span class=${statusClass(e.status)}>${e.status}</span> ${e.errorCode !== 'NoError' ? e.errorCode : ''} <span class="mono">${fmtTime(e.at)}</span> <small>(${e.source})</small></li>`)}
    </ol>
    <h3>Actions</h3>
    <div class="row">
      <${Select} testid="force-status" value=${status} options=${vocab.forced} onChange=${setStatus} />
      <${Select} testid="force-code" value=${chosen} options=${codes} onChange=${setCode} />
      <button data-testid="force" onClick=${() => act('force', { id: b.id, status, errorCode: chosen })}>Force</button>
      <${ConfirmButton} testid="delete-batch" cls="danger" label="Delete" confirmLabel="Click again to delete" onConfirm=${() => act('delete', { id: b.id })} />
    </div>
    <${ErrorLine} error=${error} />
    <h3>Requests for this batch</h3>
    <${JournalTable} items=${journal ? journal.items : []} testid="detail-journal" />
  </section>`;
});

// ---------------------------------------------------------------- journal

function JournalEntryDetail({ seq }) {
  const [detail, setDetail] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api('GET', `requests/${seq}`).then(setDetail, (e) => setError(errorText(e)));
  }, [seq]);
  if (error) return html`<${ErrorLine} error=${error} />`;
  if (!detail) return html`<p>…</p>`;
  const d = detail;
  return html`<div class="entry-detail" data-testid="journal-detail">
    <dl class="facts">
      <dt>request</dt><dd class="text">${`${d.method} ${d.path}`}</dd>
      <dt>protocol</dt><dd>${str(d.protocol)}</dd>
      <dt>operation</dt><dd>${str(d.operation)}</dd>
      <dt>SOAPAction</dt><dd class="text">${str(d.soapAction)}</dd>
      <dt>batch</dt><dd>${str(d.batchId)}</dd>
      <dt>answer</dt><dd class="text">${`${d.httpStatus} ${d.summary}`} <small>${d.durationMs} ms</small></dd>
      <dt>rules fired</dt><dd>${d.ruleIds.join(', ') || 'none'}</dd>
      <dt>fault applied</dt><dd>${str(d.transportFault) || 'none'}</dd>
    </dl>
    ${d.metadata ? html`<h4>ActivityMetadata</h4><dl class="facts">${Object.entries(d.metadata).map(([k, v]) => html`<dt>${k}</dt><dd class="text">${str(v)}</dd>`)}</dl>` : null}
    ${d.rules && d.rules.length ? html`<h4>How each rule fared</h4><ul class="explain">${d.rules.map((r) => html`<li class=${r.fired ? 'fired' : ''}><b>${r.rule}</b> ${r.text}</li>`)}</ul>` : null}
  </div>`;
}

function JournalTable({ items, testid, live }) {
  const [open, setOpen] = useState(null);
  const rows = [...items].reverse();
  return html`<table class=${`grid journal${live ? ' live' : ''}`} data-testid=${testid}>
    <thead><tr><th>#</th><th>time</th><th>protocol</th><th>operation</th><th>batch</th><th>answer</th><th>rules</th><th>fault</th></tr></thead>
    <tbody>
      ${rows.flatMap((e) => [
        html`<tr key=${e.seq} data-testid="journal-row" data-seq=${e.seq} class=${`${open === e.seq ? 'selected' : ''} ${e.httpStatus >= 400 ? 'failed' : ''}`} onClick=${() => setOpen(open === e.seq ? null : e.seq)}>
          <td class="mono">${e.seq}</td><td class="mono">${fmtTime(e.time)}</td><td>${str(e.protocol)}</td><td>${str(e.operation)}</td>
          <td class="mono">${str(e.batchId)}</td><td class="text">${`${e.httpStatus} ${e.summary}`}</td><td>${e.ruleIds.join(', ')}</td><td>${str(e.transportFault)}</td>
        </tr>`,
        ...(open === e.seq ? [html`<tr key=${`${e.seq}-d`} class="expanded"><td colspan="8"><${JournalEntryDetail} seq=${e.seq} /></td></tr>`] : []),
      ])}
    </tbody>
  </table>`;
}

const JournalPanel = memo(function JournalPanel({ journal, filter, onFilter, vocab, act, onInView }) {
  const ref = useRef(null);
  useInView(ref, onInView);
  const set = (k) => (v) => onFilter({ ...filter, [k]: v });
  return html`<section class="panel journal-panel" ref=${ref}>
    <div class="panel-head">
      <h2>Requests <small>${journal ? `${journal.size} journaled (of ${journal.capacity}), ${journal.dropped} dropped` : ''}</small></h2>
      <${ConfirmButton} testid="journal-clear" label="Clear" confirmLabel="Click again to clear" onConfirm=${() => act('clearJournal')} />
    </div>
    <div class="row filters">
      <${Field} label="operation"><${Select} testid="journal-operation" value=${filter.operation} options=${['', ...vocab.operations]} onChange=${set('operation')} /><//>
      <${Field} label="protocol"><${Select} testid="journal-protocol" value=${filter.protocol} options=${['', ...vocab.protocols]} onChange=${set('protocol')} /><//>
      <${Field} label="batch"><input data-testid="journal-batch" value=${filter.batchId} size="12" onChange=${(e) => set('batchId')(e.currentTarget.value.trim())} /><//>
      <${Field} label="rule"><input data-testid="journal-rule" value=${filter.rule} size="8" onChange=${(e) => set('rule')(e.currentTarget.value.trim())} /><//>
    </div>
    <${JournalTable} items=${journal ? journal.items : []} testid="journal" live=${true} />
  </section>`;
});

// ---------------------------------------------------------------- rules

const TEMPLATES = [
  { value: 'fail', label: 'fail with an ErrorCode at a stage' },
  { value: 'soapFault', label: 'SOAP fault' },
  { value: 'httpStatus', label: 'HTTP status' },
  { value: 'delay', label: 'delay' },
  { value: 'reset', label: 'TCP reset' },
  { value: 'truncated', label: 'truncated answer' },
  { value: 'dribble', label: 'dribbled answer' },
];

/** The rule a template's form describes, as the API takes it. */
function ruleFromTemplate(f) {
  const match = {};
  if (f.template === 'fail') match.operation = 'FileBatch';
  else if (f.operation) match.operation = f.operation;
  if (f.fileName) match.fileName = f.fileName;
  if (f.batchId && f.template !== 'fail') match.batchId = f.batchId;
  const rule = { match };
  if (f.description) rule.description = f.description;
  if (f.times !== '') rule.times = Number(f.times);
  switch (f.template) {
    case 'fail':
      rule.outcome = { status: f.outcomeStatus, errorCode: f.errorCode, at: f.at };
      break;
    case 'soapFault':
      rule.fault = { type: 'soapFault', code: f.faultCode, message: f.message };
      break;
    case 'httpStatus':
      rule.fault = { type: 'httpStatus', status: Number(f.httpStatus), body: f.body };
      break;
    case 'delay':
      rule.fault = { type: 'delay', ms: Number(f.delayMs) };
      break;
    case 'reset':
      rule.fault = { type: 'reset' };
      break;
    case 'truncated':
      rule.fault = { type: 'truncated', bytes: Number(f.bytes) };
      break;
    case 'dribble':
      rule.fault = { type: 'dribble', chunkBytes: Number(f.chunkBytes), intervalMs: Number(f.intervalMs) };
      break;
  }
  return rule;
}

function effectText(r) {
  if (r.outcome) return `${r.outcome.status} ${r.outcome.errorCode} at ${r.outcome.at}`;
  if (r.fault) return `fault ${r.fault.type}${r.fault.message !== undefined ? `: ${r.fault.message}` : ''}${r.fault.status !== undefined ? ` ${r.fault.status}` : ''}${r.fault.ms !== undefined ? ` ${r.fault.ms} ms` : ''}`;
  if (r.timings) return `timings ${JSON.stringify(r.timings)}`;
  if (r.hold) return `hold in ${r.hold}`;
  return '';
}

const RulesPanel = memo(function RulesPanel({ rules, vocab, act, error, onInView }) {
  const ref = useRef(null);
  useInView(ref, onInView);
  const [f, setF] = useState({
    template: 'fail', operation: '', fileName: '', batchId: '', description: '', times: '',
    outcomeStatus: 'Failed', errorCode: 'InputFileNotFound', at: 'ProcessingInput',
    faultCode: 'Server', message: 'scripted fault', httpStatus: '503', body: 'busy', delayMs: '2000', bytes: '40', chunkBytes: '16', intervalMs: '200',
  });
  const [raw, setRaw] = useState('{\n  "match": { "operation": "GetStatus" },\n  "times": 1,\n  "fault": { "type": "httpStatus", "status": 503 }\n}');
  const [rawError, setRawError] = useState(null);
  const set = (k) => (v) => setF({ ...f, [k]: v });
  const input = (k, attrs = {}) => html`<input data-testid=${`tpl-${k}`} value=${f[k]} onInput=${(e) => set(k)(e.currentTarget.value)} ...${attrs} />`;
  const t = f.template;
  return html`<section class="panel rules" ref=${ref}>
    <div class="panel-head">
      <h2>Rules <small>${rules ? `${rules.items.length}` : ''}</small></h2>
      <${ConfirmButton} testid="rules-clear" label="Delete all but the fixtures'" confirmLabel="Click again to delete them" onConfirm=${() => act('clearRules')} />
    </div>
    <table class="grid" data-testid="rules">
      <thead><tr><th>id</th><th>match</th><th>effect</th><th>after / times / p</th><th>matched</th><th>fired</th><th></th></tr></thead>
      <tbody>
        ${rules && rules.items.map((r) => html`<tr key=${r.id} data-testid="rule-row" data-id=${r.id}>
          <td class="mono">${r.id}</td><td class="text mono">${JSON.stringify(r.match)}</td><td class="text">${effectText(r)}${r.description ? html`<br /><small>${r.description}</small>` : null}</td>
          <td>${`${r.after} / ${r.times ?? '∞'} / ${r.probability}`}</td>
          <td data-testid="rule-matched">${r.matched}</td><td data-testid="rule-fired">${r.fired}</td>
          <td><button class="link" data-testid="rule-delete" onClick=${() => act('deleteRule', { id: r.id })}>delete</button></td>
        </tr>`)}
      </tbody>
    </table>
    <div class="columns">
      <form class="template" data-testid="template-form" onSubmit=${(e) => {
        e.preventDefault();
        act('addRule', ruleFromTemplate(f));
      }}>
        <h3>From a template</h3>
        <${Field} label="template"><${Select} testid="tpl-template" value=${t} options=${TEMPLATES} onChange=${set('template')} /><//>
        ${t === 'fail'
          ? html`
            <${Field} label="status"><${Select} testid="tpl-outcomeStatus" value=${f.outcomeStatus} options=${['Failed', 'Aborted']} onChange=${set('outcomeStatus')} /><//>
            <${Field} label="ErrorCode"><${Select} testid="tpl-errorCode" value=${f.errorCode} options=${vocab.errorCodes} onChange=${set('errorCode')} /><//>
            <${Field} label="on reaching"><${Select} testid="tpl-at" value=${f.at} options=${vocab.outcomePoints} onChange=${set('at')} /><//>`
          : html`<${Field} label="operation"><${Select} testid="tpl-operation" value=${f.operation} options=${['', ...vocab.operations]} onChange=${set('operation')} /><//>`}
        ${t === 'soapFault' ? html`<${Field} label="code"><${Select} testid="tpl-faultCode" value=${f.faultCode} options=${['Server', 'Client']} onChange=${set('faultCode')} /><//><${Field} label="message">${input('message')}<//>` : null}
        ${t === 'httpStatus' ? html`<${Field} label="status">${input('httpStatus', { type: 'number', min: 200, max: 599 })}<//><${Field} label="body">${input('body')}<//>` : null}
        ${t === 'delay' ? html`<${Field} label="ms (real time)">${input('delayMs', { type: 'number', min: 0 })}<//>` : null}
        ${t === 'truncated' ? html`<${Field} label="bytes">${input('bytes', { type: 'number', min: 0 })}<//>` : null}
        ${t === 'dribble' ? html`<${Field} label="chunk bytes">${input('chunkBytes', { type: 'number', min: 1 })}<//><${Field} label="interval ms">${input('intervalMs', { type: 'number', min: 0 })}<//>` : null}
        <${Field} label="file name glob">${input('fileName', { placeholder: '*.pdf' })}<//>
        ${t !== 'fail' ? html`<${Field} label="batch id (GetStatus)">${input('batchId')}<//>` : null}
        <${Field} label="times">${input('times', { type: 'number', min: 0, placeholder: 'every time' })}<//>
        <${Field} label="description">${input('description')}<//>
        <div class="row"><button type="submit" data-testid="tpl-create">Create rule</button>
          <button type="button" class="link" onClick=${() => setRaw(JSON.stringify(ruleFromTemplate(f), null, 2))}>edit as JSON</button></div>
      </form>
      <form class="raw" data-testid="raw-form" onSubmit=${(e) => {
        e.preventDefault();
        let parsed;
        try {
          parsed = JSON.parse(raw);
        } catch (err) {
          setRawError(`not JSON: ${err.message}`);
          return;
        }
        setRawError(null);
        act('addRule', parsed);
      }}>
        <h3>From JSON</h3>
        <textarea data-testid="raw-json" rows="9" spellcheck="false" value=${raw} onInput=${(e) => setRaw(e.currentTarget.value)}></textarea>
        <div class="row"><button type="submit" data-testid="raw-create">Create rule</button></div>
        <${ErrorLine} error=${rawError} testid="raw-error" />
      </form>
    </div>
    <${ErrorLine} error=${error} testid="rules-error" />
  </section>`;
});

// ---------------------------------------------------------------- the app

const VERSION = document.body.dataset.version ?? '';

function App() {
  const [auth, setAuth] = useState({ state: 'checking', message: null });
  const [namespace, setNamespace] = useState(session.namespace);
  const [live, setLive] = useState('connecting');
  const [vocab, setVocab] = useState(null);
  const [health, setHealth] = useState(null);
  const [namespaces, setNamespaces] = useState(null);
  const [clock, setClock] = useState(null);
  const [batches, setBatches] = useState(null);
  const [batchFilter, setBatchFilter] = useState('');
  const [selected, setSelected] = useState(null);
  const [detail, setDetail] = useState(null);
  const [detailJournal, setDetailJournal] = useState(null);
  const [journal, setJournal] = useState(null);
  const [journalFilter, setJournalFilter] = useState({ operation: '', protocol: '', batchId: '', rule: '' });
  const [rules, setRules] = useState(null);
  const [errors, setErrors] = useState({});

  // The current choices, for reads started by notes and timers.
  const now = useRef({});
  now.current = { batchFilter, selected, journalFilter, namespace };
  const nextTimer = useRef(null);
  const shownRules = useRef(0);
  // Which live panels are in view; a note for one that is not marks it stale, read when it shows.
  const inView = useRef({ requests: true, rules: true });
  const stale = useRef(new Set());
  const whenInView = (kind) => {
    if (inView.current[kind]) loaders[kind]();
    else stale.current.add(kind);
  };
  const viewChanged = (kind) => (visible) => {
    inView.current[kind] = visible;
    if (visible && stale.current.delete(kind)) loaders[kind]();
  };
  const onJournalInView = useCallback(viewChanged('requests'), []);
  const onRulesInView = useCallback(viewChanged('rules'), []);
  shownRules.current = rules ? rules.items.length : 0;

  const fail = (where) => (err) => {
    if (err instanceof ApiError && err.status === 401) {
      setAuth({ state: 'needed', message: session.token ? 'The token was refused.' : null });
      return;
    }
    setErrors((e) => ({ ...e, [where]: errorText(err) }));
  };
  const ok = (where) => setErrors((e) => (e[where] ? { ...e, [where]: null } : e));

  const loaders = useMemo(() => {
    const readClock = async () => {
      const reading = await api('GET', 'clock');
      const c = { reading, frozen: reading.frozen, readAt: performance.now() };
      setClock(c);
      return c;
    };
    const batchesAndDetail = coalesced(async () => {
      const { batchFilter: status, selected: id } = now.current;
      try {
        const [page, c] = await Promise.all([api('GET', `batches${qs({ order: 'desc', limit: BATCH_PAGE, status })}`), readClock()]);
        setBatches(page);
        let items = page.items;
        if (id) {
          try {
            const [d, j] = await Promise.all([api('GET', `batches/${id}`), api('GET', `requests${qs({ batchId: id, limit: JOURNAL_PAGE })}`)]);
            setDetail(d);
            setDetailJournal(j);
            items = [...items, d];
          } catch (err) {
            if (err instanceof ApiError && err.status === 404) {
              setDetail(null);
              setSelected(null);
            } else throw err;
          }
        }
        // Statuses change with time alone: read again when the next one is due (a running clock;
        // a frozen one moves only by a command, which sends a note).
        clearTimeout(nextTimer.current);
        if (!c.reading.frozen) {
          const due = items.map((b) => (b.nextChangeAt ? Date.parse(b.nextChangeAt) : Infinity)).reduce((a, b) => Math.min(a, b), Infinity);
          if (Number.isFinite(due)) nextTimer.current = setTimeout(() => batchesAndDetail(), Math.max(20, due - virtualNow(c) + 20));
        }
        ok('batches');
      } catch (err) {
        fail('batches')(err);
      }
    });
    const readJournal = coalesced(async () => {
      const f = now.current.journalFilter;
      try {
        setJournal(await api('GET', `requests${qs({ ...f, limit: JOURNAL_PAGE })}`));
        ok('journal');
      } catch (err) {
        fail('journal')(err);
      }
      // A busy journal is new on every note: a few views a second are all anyone can read, and
      // each one costs the browser a repaint of the table.
    }, JOURNAL_MIN_MS);
    const readRules = coalesced(async () => {
      try {
        setRules(await api('GET', 'rules'));
      } catch (err) {
        fail('rules')(err);
      }
    });
    const readNamespaces = coalesced(async () => {
      try {
        setNamespaces(await api('GET', 'namespaces'));
        setHealth(await api('GET', 'health'));
      } catch (err) {
        fail('namespaces')(err);
      }
    });
    const readHealth = coalesced(async () => {
      try {
        setHealth(await api('GET', 'health'));
      } catch {
        setHealth(null);
      }
    });
    const readClockOnly = coalesced(async () => {
      try {
        await readClock();
      } catch (err) {
        fail('clock')(err);
      }
    });
    return { batches: batchesAndDetail, requests: readJournal, rules: readRules, namespaces: readNamespaces, clock: readClockOnly, health: readHealth };
  }, []);

  const readAll = () => {
    loaders.batches();
    loaders.requests();
    loaders.rules();
    loaders.namespaces();
  };

  // Authentication: the vocabulary (enumerations from the OpenAPI document) is the first call
  // that needs the token; a 401 opens the token form.
  useEffect(() => {
    if (auth.state !== 'checking') return;
    api('GET', 'openapi.json').then(
      (doc) => {
        const s = doc.components.schemas;
        setVocab({
          statuses: s.Status.enum,
          errorCodes: s.ErrorCode.enum,
          forced: s.ForcedStatus.enum,
          operations: s.Operation.enum,
          protocols: s.Protocol.enum,
          outcomePoints: s.Outcome.properties.at.enum,
        });
        setAuth({ state: 'ok', message: null });
      },
      (err) => {
        if (err instanceof ApiError && err.status === 401) setAuth({ state: 'needed', message: session.token ? 'The token was refused.' : null });
        else setAuth({ state: 'error', message: errorText(err) });
      },
    );
  }, [auth.state]);

  // The live stream: read everything when it opens, then what each note names.
  useEffect(() => {
    if (auth.state !== 'ok') return undefined;
    const abort = new AbortController();
    let stopped = false;
    (async () => {
      let attempt = 0;
      while (!stopped) {
        try {
          await readEvents(abort.signal, (type, data) => {
            if (type === 'hello') {
              attempt = 0;
              setLive('live');
              readAll();
            } else if (type === 'changes') {
              const here = data.namespaces.includes(now.current.namespace);
              if (data.kinds.includes('namespaces')) loaders.namespaces();
              if (!here) return;
              if (data.kinds.includes('batches')) loaders.batches();
              else if (data.kinds.includes('clock')) loaders.clock();
              if (data.kinds.includes('requests')) whenInView('requests');
              // Counters move on every request: worth a read only while some rule is shown.
              if (data.kinds.includes('rules') || (data.kinds.includes('counters') && shownRules.current > 0)) whenInView('rules');
            }
          });
          if (stopped) return;
          setLive('reconnecting');
        } catch (err) {
          if (stopped) return;
          if (err instanceof ApiError && err.status === 401) {
            setAuth({ state: 'needed', message: 'The token was refused.' });
            return;
          }
          setLive('reconnecting');
        }
        attempt++;
        await new Promise((r) => setTimeout(r, Math.min(5000, 500 * attempt)));
      }
    })();
    // Health (uptime, the store, the batch count) is no event: read every 10 s while the tab is seen.
    const healthTimer = setInterval(() => document.visibilityState !== 'hidden' && loaders.health(), 10_000);
    return () => {
      stopped = true;
      abort.abort();
      clearTimeout(nextTimer.current);
      clearInterval(healthTimer);
    };
  }, [auth.state]);

  // A change of choice reads the part it concerns.
  useEffect(() => {
    if (auth.state === 'ok') loaders.batches();
  }, [batchFilter, selected]);
  useEffect(() => {
    if (auth.state === 'ok') loaders.requests();
  }, [journalFilter]);
  useEffect(() => {
    if (auth.state !== 'ok') return;
    setSelected(null);
    setDetail(null);
    readAll();
  }, [namespace]);

  // One function for every action, the same across renders (memoized panels keep theirs).
  const actNow = useRef(null);
  const act = useCallback((what, arg) => actNow.current(what, arg), []);
  const onSelect = useCallback((id) => setSelected((cur) => (cur === id ? null : id)), []);
  const onClose = useCallback(() => {
    setSelected(null);
    setDetail(null);
  }, []);
  actNow.current = async (what, arg) => {
    try {
      switch (what) {
        case 'clock':
          await api('POST', 'clock', arg);
          loaders.batches();
          break;
        case 'reset':
          await api('POST', 'reset', arg);
          readAll();
          break;
        case 'force':
          await api('PATCH', `batches/${arg.id}`, { status: arg.status, errorCode: arg.errorCode });
          loaders.batches();
          break;
        case 'delete':
          // Reads started by the delete's own note must not ask for the batch it deleted.
          now.current = { ...now.current, selected: null };
          await api('DELETE', `batches/${arg.id}`);
          setSelected(null);
          setDetail(null);
          loaders.batches();
          break;
        case 'clearJournal':
          await api('DELETE', 'requests');
          loaders.requests();
          break;
        case 'addRule':
          await api('POST', 'rules', arg);
          loaders.rules();
          break;
        case 'deleteRule':
          await api('DELETE', `rules/${encodeURIComponent(arg.id)}`);
          loaders.rules();
          break;
        case 'clearRules':
          await api('DELETE', 'rules');
          loaders.rules();
          break;
      }
      ok(what);
    } catch (err) {
      fail(what)(err);
    }
  };

  if (auth.state === 'checking') return html`<p class="loading">Loading…</p>`;
  if (auth.state === 'needed')
    return html`<${TokenGate} message=${auth.message} onToken=${(t) => {
      session.token = t;
      sessionStorage.setItem(TOKEN_KEY, t);
      setAuth({ state: 'checking', message: null });
    }} />`;
  if (auth.state === 'error') return html`<${ErrorLine} error=${auth.message} />`;

  const actionError = errors.force || errors.delete || null;
  const rulesError = errors.addRule || errors.deleteRule || errors.clearRules || errors.rules || null;
  const topError = errors.clock || errors.reset || errors.batches || errors.journal || errors.clearJournal || errors.namespaces || null;
  return html`<div class="app">
    <${Header} health=${health} version=${VERSION} live=${live} namespaces=${namespaces} namespace=${namespace}
      onNamespace=${(n) => {
        session.namespace = n;
        setNamespace(n);
      }}
      onForget=${() => {
        sessionStorage.removeItem(TOKEN_KEY);
        session.token = null;
        setAuth({ state: 'needed', message: null });
      }} />
    <${ErrorLine} error=${topError} testid="top-error" />
    <div class="controls">
      <${ClockPanel} clock=${clock} act=${act} />
      <${ResetPanel} act=${act} />
    </div>
    <div class="main">
      <${BatchesPanel} batches=${batches} clock=${clock} vocab=${vocab} filter=${batchFilter} onFilter=${setBatchFilter}
        selected=${selected} onSelect=${onSelect} />
      ${selected && detail ? html`<${BatchDetail} key=${detail.id} batch=${detail} journal=${detailJournal} vocab=${vocab} act=${act} error=${actionError}
        onClose=${onClose} />` : null}
    </div>
    <${JournalPanel} journal=${journal} filter=${journalFilter} onFilter=${setJournalFilter} vocab=${vocab} act=${act} onInView=${onJournalInView} />
    <${RulesPanel} rules=${rules} vocab=${vocab} act=${act} error=${rulesError} onInView=${onRulesInView} />
  </div>`;
}

render(html`<${App} />`, document.getElementById('app'));
