// The peers of `npm run bench -- --peers` (issue 17): the mocks people would otherwise use, run by
// the same load generator, with the same envelope, in the same rounds as ours.
//   WireMock standalone: the jar the `wiremock` npm package ships, run with `java` (skipped with a
//     clear line when java is absent). GetStatus is a stateful scenario: Queued, ProcessingInput,
//     WaitingForOutput, then Completed for good (each answer moves the scenario on).
//   Mockoon CLI (`@mockoon/cli`): one route, POST to the endpoint with SOAPAction GetStatus, the same
//     Completed answer (Mockoon keeps no per-request state of its own; its sequential responses
//     would cycle back to Queued, so the route answers the final state).
// Both are installed on demand into bench/peers/node_modules with `npm ci` from bench/peers's own
// lock file: reproducible, and nothing of theirs (about 130 MB, 254 packages) weighs on the
// project's `npm ci`, its tests, its CI or its image.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const PEERS_DIR = path.join(__dirname, 'peers');

const API = 'http://genpact.com/cora/orchestration/ocr/1.0.0/api/';

/** The answer both peers give: the ceiling's body, with the status of the scenario's state. */
export const statusBody = (status: string): string =>
  '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" ' +
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>' +
  `<GetStatusResponse xmlns="${API}"><Output><Status>${status}</Status>` +
  '<ErrorCode>NoError</ErrorCode><ExternalContext>bench</ExternalContext></Output></GetStatusResponse></soap:Body></soap:Envelope>';

export interface PeerCommand {
  cmd: string;
  args: string[];
}

export interface Peer {
  name: string;
  version: string;
  /** Writes what the peer reads (mappings, environment) under `dir`; returns how to start it on `port`. */
  prepare(dir: string, port: number): PeerCommand;
}

function hasJava(): string | null {
  // `java -version` writes to stderr.
  const r = spawnSync('java', ['-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error || r.status !== 0) return null;
  const out = `${r.stderr}${r.stdout}`;
  return `java ${/version "([^"]+)"/.exec(out)?.[1] ?? out.split('\n')[0]!.trim()}`;
}

function versionOf(pkg: string): string {
  return (JSON.parse(fs.readFileSync(path.join(PEERS_DIR, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Installs the peers (npm ci in bench/peers) unless they are there already; returns the reason
 * when that fails (no network, no npm): the bench then goes on without them.
 */
export function installPeers(log: (msg: string) => void): string | null {
  const marker = path.join(PEERS_DIR, 'node_modules', '.package-lock.json');
  const lock = path.join(PEERS_DIR, 'package-lock.json');
  if (fs.existsSync(marker) && fs.statSync(marker).mtimeMs >= fs.statSync(lock).mtimeMs) return null;
  log('peers: installing WireMock and Mockoon CLI into bench/peers (npm ci, about 130 MB, once) ...');
  try {
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: PEERS_DIR, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    return null;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return `npm ci in bench/peers failed: ${(e.stderr || e.message).trim().split('\n').slice(-3).join(' ')}`;
  }
}

/** The peers that can run here, and a line for each one that cannot. */
export function availablePeers(): { peers: Peer[]; skipped: string[] } {
  const peers: Peer[] = [];
  const skipped: string[] = [];
  const java = hasJava();
  const jarDir = path.join(PEERS_DIR, 'node_modules', 'wiremock', 'build');
  const jar = fs.existsSync(jarDir) ? fs.readdirSync(jarDir).find((f) => /^wiremock-standalone-.*\.jar$/.test(f)) : undefined;
  if (!java) skipped.push('WireMock skipped: java is not on PATH (apt-get install default-jre-headless)');
  else if (!jar) skipped.push(`WireMock skipped: no wiremock-standalone jar in ${jarDir}`);
  else {
    peers.push({
      name: 'WireMock',
      version: `${versionOf('wiremock')} (${java})`,
      prepare(dir, port) {
        const mappings = path.join(dir, 'mappings');
        fs.mkdirSync(mappings, { recursive: true });
        const states = ['Queued', 'ProcessingInput', 'WaitingForOutput', 'Completed'];
        const stubs = states.map((status, i) => ({
          scenarioName: 'batch',
          requiredScenarioState: i === 0 ? 'Started' : status,
          ...(i < states.length - 1 ? { newScenarioState: states[i + 1] } : {}),
          request: {
            method: 'POST',
            urlPath: '/SequenceServices/coraOcrIntegration_v1.0.0.asmx',
            headers: { SOAPAction: { contains: 'GetStatus' } },
          },
          response: { status: 200, headers: { 'Content-Type': 'text/xml; charset=utf-8', 'Cache-Control': 'private, max-age=0' }, body: statusBody(status) },
        }));
        fs.writeFileSync(path.join(mappings, 'getstatus.json'), JSON.stringify({ mappings: stubs }, null, 2));
        return {
          cmd: 'java',
          // A bounded request journal (as ours is bounded): the default one grows without limit under load.
          args: ['-jar', path.join(jarDir, jar), '--port', String(port), '--bind-address', '127.0.0.1', '--root-dir', dir,
            '--disable-banner', '--max-request-journal-entries', '1000'],
        };
      },
    });
  }
  const mockoonBin = path.join(PEERS_DIR, 'node_modules', '@mockoon', 'cli', 'bin', 'run.js');
  if (!fs.existsSync(mockoonBin)) skipped.push(`Mockoon skipped: ${mockoonBin} is missing`);
  else {
    peers.push({
      name: 'Mockoon',
      version: `@mockoon/cli ${versionOf('@mockoon/cli')}`,
      prepare(dir, port) {
        fs.mkdirSync(dir, { recursive: true });
        const file = path.join(dir, 'environment.json');
        fs.writeFileSync(file, JSON.stringify(mockoonEnvironment(port), null, 2));
        // -X: logs to stdout only (not to a file in the home folder); stdout is not read.
        return { cmd: process.execPath, args: [mockoonBin, 'start', '--data', file, '--port', String(port), '--hostname', '127.0.0.1', '-X', '--disable-admin-api'] };
      },
    });
  }
  return { peers, skipped };
}

function mockoonEnvironment(port: number): unknown {
  return {
    uuid: 'c0a0c0a0-0000-4000-8000-000000000017',
    lastMigration: 33,
    name: 'cora-ocr-mock bench peer',
    port,
    hostname: '127.0.0.1',
    endpointPrefix: '',
    latency: 0,
    folders: [],
    rootChildren: [{ type: 'route', uuid: 'getstatus' }],
    routes: [
      {
        uuid: 'getstatus',
        type: 'http',
        documentation: 'GetStatus (SOAP 1.1)',
        method: 'post',
        endpoint: 'SequenceServices/coraOcrIntegration_v1.0.0.asmx',
        responseMode: null,
        streamingMode: null,
        streamingInterval: 0,
        responses: [
          {
            uuid: 'getstatus-completed',
            body: statusBody('Completed'),
            latency: 0,
            statusCode: 200,
            label: 'GetStatus',
            headers: [
              { key: 'Content-Type', value: 'text/xml; charset=utf-8' },
              { key: 'Cache-Control', value: 'private, max-age=0' },
            ],
            bodyType: 'INLINE',
            filePath: '',
            databucketID: '',
            sendFileAsBody: false,
            rules: [{ target: 'header', modifier: 'SOAPAction', value: 'GetStatus', invert: false, operator: 'regex' }],
            rulesOperator: 'OR',
            disableTemplating: true,
            fallbackTo404: false,
            default: true,
            crudKey: 'id',
            callbacks: [],
          },
        ],
      },
    ],
    proxyMode: false,
    proxyHost: '',
    proxyRemovePrefix: false,
    tlsOptions: { enabled: false, type: 'CERT', pfxPath: '', certPath: '', keyPath: '', caPath: '', passphrase: '' },
    cors: false,
    headers: [],
    proxyReqHeaders: [],
    proxyResHeaders: [],
    data: [],
    callbacks: [],
  };
}
