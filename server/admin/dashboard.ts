// The dashboard's two routes on the admin plane: the page and its assets under /ui (public: code,
// no data), and the live change stream at /events (Server-Sent Events, authenticated like every
// admin route). The page reads and changes state through the ordinary admin API; the stream only
// tells it what changed (control/live.ts), at most about ten times a second.
//
// No build step: the page is plain ES modules from ui/ (the package's own folder), and Preact and
// htm are served from their npm packages' ESM builds, under versioned names with a year's cache.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import type { MockControl } from '../control/facade';
import { ChangeNote, foldNotes } from '../control/live';
import { PACKAGE_ROOT } from '../paths';
import { Problem, badRequest, notFound, sendProblem } from './problem';

/** The shortest time between two change notes to one page: at most 10 a second. */
export const NOTE_INTERVAL_MS = 100;
/** A comment line this often keeps proxies and the page's own liveness check satisfied. */
const HEARTBEAT_MS = 15_000;

/** Whether an admin path is the dashboard's public part (the page and its assets: no data, no token). */
export const isDashboardAsset = (p: string) => p === '/ui' || p.startsWith('/ui/');

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  cacheControl: string;
}

const UI_DIR = path.join(PACKAGE_ROOT, 'ui');
/** The page's own files: revalidated on every load (ETag), so a new release is picked up at once. */
const OWN_FILES: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};
const REVALIDATE = 'no-cache';
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * A file of an npm package and the package's version. The package is found the way node finds it
 * (its main entry, then up to its package.json: not every package exports its package.json).
 */
function packageFile(pkg: string, file: string): { file: string; version: string } {
  let dir = path.dirname(require.resolve(pkg));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      const m = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string; version: string };
      if (m.name === pkg) return { file: path.join(dir, file), version: m.version };
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the package.json of ${pkg}`);
    dir = parent;
  }
}

/** The third-party modules, by the bare name the page imports them under. */
function vendorModules(): { name: string; url: string; file: string }[] {
  const preact = packageFile('preact', 'dist/preact.mjs');
  const hooks = packageFile('preact', 'hooks/dist/hooks.mjs');
  const htm = packageFile('htm', 'dist/htm.module.js');
  return [
    { name: 'preact', url: `ui/vendor/preact-${preact.version}.js`, file: preact.file },
    { name: 'preact/hooks', url: `ui/vendor/preact-hooks-${hooks.version}.js`, file: hooks.file },
    { name: 'htm', url: `ui/vendor/htm-${htm.version}.js`, file: htm.file },
  ];
}

const etagOf = (body: Buffer) => `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
const asset = (body: Buffer, type: string, cacheControl: string): Asset => ({ body, type, etag: etagOf(body), cacheControl });

interface Assets {
  page: Asset;
  /** The Content-Security-Policy of the page. */
  csp: string;
  files: Map<string, Asset>;
}

function loadAssets(version: string): Assets {
  const files = new Map<string, Asset>();
  for (const [name, type] of Object.entries(OWN_FILES)) files.set(`/ui/${name}`, asset(fs.readFileSync(path.join(UI_DIR, name)), type, REVALIDATE));
  const vendor = vendorModules();
  for (const v of vendor) files.set(`/${v.url}`, asset(fs.readFileSync(v.file), 'text/javascript; charset=utf-8', IMMUTABLE));
  // Module URLs are relative to the page (/__admin/ui, or /ns/{name}/__admin/ui): ui/... resolves
  // under the same admin prefix.
  const importMap = JSON.stringify({ imports: Object.fromEntries(vendor.map((v) => [v.name, `./${v.url}`])) });
  const importMapHash = crypto.createHash('sha256').update(importMap).digest('base64');
  const html =
    '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    '<title>cora-ocr-mock dashboard</title>\n' +
    '<link rel="icon" href="ui/favicon.svg" type="image/svg+xml">\n' +
    '<link rel="stylesheet" href="ui/style.css">\n' +
    `<script type="importmap">${importMap}</script>\n` +
    '<script type="module" src="ui/app.js"></script>\n' +
    `</head>\n<body data-version="${version.replace(/[^0-9A-Za-z.+-]/g, '')}">\n` +
    '<noscript>The dashboard needs JavaScript.</noscript>\n<div id="app"></div>\n</body>\n</html>\n';
  // The import map is the one inline script, allowed by its hash; everything else comes from the mock.
  const csp = [
    "default-src 'none'",
    `script-src 'self' 'sha256-${importMapHash}'`,
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { page: asset(Buffer.from(html), 'text/html; charset=utf-8', 'no-store'), csp, files };
}

function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

function send(req: Request, res: Response, a: Asset): void {
  res.setHeader('Cache-Control', a.cacheControl);
  res.setHeader('ETag', a.etag);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  const inm = req.headers['if-none-match'];
  if (inm !== undefined && inm.split(',').some((t) => t.trim() === a.etag)) {
    res.status(304).end();
    return;
  }
  res.status(200).type(a.type).send(a.body);
}

/**
 * The dashboard as one middleware of the admin router (GET /ui, /ui/..., /events). It is not one of
 * the JSON API's routes (the OpenAPI document describes those; an endless stream is no call to
 * fuzz), so it answers these paths itself and passes everything else on.
 */
export function dashboardHandler(control: MockControl): (req: Request, res: Response, next: NextFunction) => void {
  let assets: Assets | null = null;
  // Read once, on the first request for the page (start-up and the SOAP hot path never wait for it).
  const load = () => (assets ??= loadAssets(packageVersion()));

  const page = (req: Request, res: Response) => {
    const a = load();
    res.setHeader('Content-Security-Policy', a.csp);
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    send(req, res, a.page);
  };

  const file = (req: Request, res: Response) => {
    const a = load().files.get(req.path);
    if (!a) {
      sendProblem(res, notFound(`no dashboard file ${req.path}`));
      return;
    }
    send(req, res, a);
  };

  // The live stream: `event: changes` with a ChangeNote as data, coalesced per client.
  const events = (_req: Request, res: Response) => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'X-Accel-Buffering': 'no',
      // One stream per connection: when it ends (the page left, the mock closes) so does the connection.
      Connection: 'close',
    });
    // Tells the page the stream is open: it reads everything once, then on every note.
    res.write(`event: hello\ndata: ${JSON.stringify({ intervalMs: NOTE_INTERVAL_MS })}\n\n`);
    const heartbeat = setInterval(() => {
      if (!res.writableNeedDrain) res.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    heartbeat.unref();
    // A page that stops reading (a frozen tab, a stalled network) must not make the mock buffer
    // notes for it: while its socket is full, notes fold into one, sent when it drains.
    let held: ChangeNote | null = null;
    const send = (note: ChangeNote) => res.write(`event: changes\ndata: ${JSON.stringify(note)}\n\n`);
    res.on('drain', () => {
      if (held) send(held);
      held = null;
    });
    const stop = control.watch({
      minIntervalMs: NOTE_INTERVAL_MS,
      onNote: (note) => {
        if (res.writableNeedDrain) held = held ? foldNotes(held, note) : note;
        else send(note);
      },
      // The mock is closing: end the stream so the shutdown need not wait for the page.
      onEnd: () => {
        clearInterval(heartbeat);
        res.end();
      },
    });
    res.on('close', () => {
      clearInterval(heartbeat);
      stop();
    });
  };

  return (req, res, next) => {
    const p = req.path;
    if (p !== '/events' && !isDashboardAsset(p)) return next();
    const readable = req.method === 'GET' || (req.method === 'HEAD' && p !== '/events');
    if (!readable) {
      res.setHeader('Allow', p === '/events' ? 'GET' : 'GET, HEAD');
      sendProblem(res, new Problem(405, 'Method Not Allowed', `${req.method} ${req.baseUrl}${p}: the dashboard is read with GET`));
      return;
    }
    const search = req.originalUrl.indexOf('?');
    if (search >= 0 && req.originalUrl.length > search + 1) {
      sendProblem(res, badRequest(`${req.baseUrl}${p} takes no query parameters`, '?'));
      return;
    }
    if (p === '/events') return events(req, res);
    if (p === '/ui') return page(req, res);
    // Relative asset and API URLs resolve from /__admin/ui, not /__admin/ui/.
    if (p === '/ui/') return res.redirect(301, `${req.baseUrl}/ui`);
    return file(req, res);
  };
}
