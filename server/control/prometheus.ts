// The Prometheus exposition of /__admin/metrics, with prom-client: its registry formats the page
// (names, label escaping, values, content type) and collects the process metrics (CPU, memory,
// event loop, GC, handles). The mock's own metrics are read from the core's plain counters
// (control/metrics.ts) when the page is scraped, so counting costs the hot path no library call.
// Loaded on the first scrape only: start-up never pays for prom-client.
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Metric } from 'prom-client';
import { DURATION_BUCKETS_MS, Meter, Tally } from './metrics';

/** What one namespace shows besides its meter. */
export interface MeteredWorld {
  name: string;
  meter: Meter;
  journalSize: number;
  journalDropped: number;
  rules: number;
  waiters: { batch: number; requests: number };
}

export interface MetricsSource {
  meteredWorlds(): MeteredWorld[];
  /** Stored batches by namespace (one query). */
  batchesByNamespace(): Map<string, number>;
}

type Labels = Record<string, string | number>;
interface Sample {
  labels: Labels;
  value: number;
  metricName?: string;
}

export const PREFIX = 'cora_mock_';

export interface Exposition {
  contentType: string;
  render(): Promise<string>;
}

export function createExposition(source: MetricsSource): Exposition {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  /** A metric whose samples are read at scrape time; prom-client's registry formats it. */
  const define = (name: string, help: string, type: 'counter' | 'gauge' | 'histogram', read: (worlds: MeteredWorld[]) => Sample[]) => {
    const full = PREFIX + name;
    const metric = {
      name: full,
      help,
      type,
      aggregator: 'sum',
      get: async () => ({ name: full, help, type, aggregator: 'sum', values: read(source.meteredWorlds()) }),
      reset: () => {},
    };
    registry.registerMetric(metric as unknown as Metric);
  };
  const tally = (label: string, pick: (m: Meter) => Tally) => (worlds: MeteredWorld[]) =>
    worlds.flatMap((w) => [...pick(w.meter)].map(([key, value]) => ({ labels: { namespace: w.name, [label]: key }, value })));

  define('requests_total', 'Requests to the service, by namespace, operation, protocol and HTTP status (as decided; a delivery fault may spoil it)', 'counter', (worlds) =>
    worlds.flatMap((w) =>
      w.meter.usedSlots().flatMap((s) => {
        const labels = { namespace: w.name, operation: s.operation, protocol: s.protocol };
        const out: Sample[] = s.ok > 0 ? [{ labels: { ...labels, http_status: 200 }, value: s.ok }] : [];
        for (const [status, value] of s.otherStatus) out.push({ labels: { ...labels, http_status: status }, value });
        return out;
      }),
    ),
  );
  define('request_duration_seconds', 'Time the mock took to decide an answer (delivery delays not included)', 'histogram', (worlds) =>
    worlds.flatMap((w) =>
      w.meter.usedSlots().flatMap((s) => {
        const labels = { namespace: w.name, operation: s.operation, protocol: s.protocol };
        const name = `${PREFIX}request_duration_seconds`;
        const out: Sample[] = [];
        let cumulative = 0;
        DURATION_BUCKETS_MS.forEach((bound, i) => {
          cumulative += s.buckets[i]!;
          out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: bound / 1000 }, value: cumulative });
        });
        out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: s.count });
        out.push({ metricName: `${name}_sum`, labels, value: s.sumMs / 1000 });
        out.push({ metricName: `${name}_count`, labels, value: s.count });
        return out;
      }),
    ),
  );
  define('batches_created_total', 'Batches stored, by source: FileBatch, api (admin) or fixture', 'counter', tally('source', (m) => m.created));
  define('statuses_served_total', 'GetStatus answers, by status and ErrorCode', 'counter', (worlds) =>
    worlds.flatMap((w) =>
      Object.entries(w.meter.served).flatMap(([status, codes]) =>
        Object.entries(codes).map(([code, value]) => ({ labels: { namespace: w.name, status, error_code: code }, value })),
      ),
    ),
  );
  define('rule_matches_total', 'Requests a rule matched (whether it then acted or not)', 'counter', tally('rule', (m) => m.ruleMatches));
  define('rule_fires_total', 'Requests a rule acted on', 'counter', tally('rule', (m) => m.ruleFires));
  define('transport_faults_total', 'Scripted faults injected, by type (soapFault, httpStatus, delay, reset, empty, truncated, malformed, noResponse, dribble)', 'counter', tally('type', (m) => m.faults));
  define('journal_dropped_total', 'Journal entries dropped to stay within JOURNAL_LIMIT', 'counter', (worlds) =>
    worlds.map((w) => ({ labels: { namespace: w.name }, value: w.journalDropped })),
  );
  define('journal_entries', 'Requests held in the journal', 'gauge', (worlds) => worlds.map((w) => ({ labels: { namespace: w.name }, value: w.journalSize })));
  define('rules', 'Rules in the rule book', 'gauge', (worlds) => worlds.map((w) => ({ labels: { namespace: w.name }, value: w.rules })));
  define('waiters', 'Open long-poll waits, by kind (batch, requests)', 'gauge', (worlds) =>
    worlds.flatMap((w) => [
      { labels: { namespace: w.name, kind: 'batch' }, value: w.waiters.batch },
      { labels: { namespace: w.name, kind: 'requests' }, value: w.waiters.requests },
    ]),
  );
  define('batches', 'Batches stored', 'gauge', (worlds) => {
    const counts = source.batchesByNamespace();
    return worlds.map((w) => ({ labels: { namespace: w.name }, value: counts.get(w.name) ?? 0 }));
  });
  define('namespaces', 'Namespaces held, the default one included', 'gauge', (worlds) => [{ labels: {}, value: worlds.length }]);

  return { contentType: registry.contentType, render: () => registry.metrics() };
}
