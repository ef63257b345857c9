// The package's public API: the admin client for TypeScript test suites, and the app for embedding.
export { AdminClient, AdminError } from './client';
export type { AdminClientOptions, RequestFilter } from './client';
export type {
  BatchJson,
  BatchPage,
  BatchSeed,
  FileReferenceJson,
  Fixture,
  Health,
  JournalEntry,
  JournalPage,
  NamespaceInput,
  NamespaceJson,
  NamespaceList,
  NamespaceMatch,
  ResetResult,
  Rule,
  RuleInput,
  RuleMatch,
  TransportFault,
} from './schemas/types';
export type { ClockState } from './batches/clock';
export { STATUSES, ERROR_CODES } from './batches/model';
export type { ErrorCode, Status, Stage } from './batches/model';
export { buildApp } from './app';
export type { App } from './app';
export { loadConfig, ConfigError } from './config';
export type { Config } from './config';
