// Domain <-> the JSON the QA side speaks (admin API, fixtures, client, dashboard): camelCase
// fields, ids as decimal strings, times as ISO strings. Shapes are the JSON Schemas' (schemas/).
import { ActivityMetadata, FileBatchRequest, FileReference } from '../batches/model';
import { BatchDetails, BatchReading } from '../batches/service';
import type { BatchJson, FileReferenceJson, MetadataJson } from '../schemas/types';

const iso = (ms: number) => new Date(ms).toISOString();

export const fileRefToJson = (f: FileReference | null): BatchJson['inputFile'] =>
  f && { connection: f.Connection, relativeLocation: f.RelativeLocation, fileName: f.FileName };

export const fileRefFromJson = (f: FileReferenceJson | undefined | null): FileReference | null =>
  f ? { Connection: f.connection ?? null, RelativeLocation: f.relativeLocation ?? null, FileName: f.fileName ?? null } : null;

const lowerFirst = (s: string) => s[0]!.toLowerCase() + s.slice(1);
const upperFirst = (s: string) => s[0]!.toUpperCase() + s.slice(1);

export function metadataToJson(m: ActivityMetadata | null): MetadataJson | null {
  if (!m) return null;
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [lowerFirst(k), v as string | number])) as MetadataJson;
}

export function metadataFromJson(m: MetadataJson | undefined): ActivityMetadata | null {
  if (!m) return null;
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [upperFirst(k), v])) as ActivityMetadata;
}

function requestToJson(r: FileBatchRequest) {
  return {
    timeOut: r.TimeOut,
    externalContext: r.ExternalContext,
    inputFile: fileRefToJson(r.InputFile),
    ocrProfile: r.OCRProfile,
    outputFile: fileRefToJson(r.OutputFile),
    putModel: r.PutModel,
  };
}

export function batchToJson({ batch, current, next }: BatchReading, history?: BatchDetails['history']): BatchJson {
  return {
    id: batch.id.toString(),
    namespace: batch.namespace,
    status: current.status,
    errorCode: current.errorCode,
    since: iso(current.since),
    nextChangeAt: next === null ? null : iso(next),
    createdAt: iso(batch.createdAt),
    ...requestToJson(batch.request),
    metadata: metadataToJson(batch.metadata),
    plan: batch.plan,
    forced: batch.anchor && { status: batch.anchor.status, errorCode: batch.anchor.errorCode, at: iso(batch.anchor.at) },
    ...(history
      ? { history: history.map((h) => ({ status: h.status, errorCode: h.errorCode, at: iso(h.at), recordedAt: iso(h.recordedAt), source: h.source })) }
      : {}),
  };
}

export const detailsToJson = (d: BatchDetails): BatchJson => batchToJson(d, d.history);
