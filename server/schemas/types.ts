// The TypeScript types of the JSON the QA side exchanges, derived from the JSON Schemas by
// json-schema-to-ts (types only, nothing at run time). Where the domain owns a type (an Outcome,
// the clock's state), the check at the end proves the schema describes exactly that type.
import type { FromSchema } from 'json-schema-to-ts';
import type { ClockState as DomainClockState } from '../batches/clock';
import type { ActivityMetadata as DomainActivityMetadata, Outcome as DomainOutcome, OutcomeSpec, StageTimings, TimingPlan as DomainTimingPlan } from '../batches/model';
import type { FixtureFault } from '../errors';
import type * as Schemas from './schemas';

/**
 * The schemas as json-schema-to-ts reads them. It cannot derive a oneOf whose parent also has
 * `type` once it is nested a few levels deep (the union silently becomes unknown), so at the type
 * level only, a discriminated oneOf is read as its bare branches (each of which has its own
 * `type: 'object'`); validation keeps the parent's checks.
 */
type Bare<T> = T extends { readonly discriminator: unknown; readonly oneOf: infer B } ? { readonly oneOf: Bare<B> } : T extends object ? { readonly [K in keyof T]: Bare<T[K]> } : T;
type S = { [K in keyof typeof Schemas]: Bare<(typeof Schemas)[K]> };

export type FileReferenceJson = FromSchema<S['FileReference']>;
/** ActivityMetadata with camelCase field names, as the admin API and fixtures write it. */
export type MetadataJson = FromSchema<S['ActivityMetadata']>;
/** ActivityMetadata as the SOAP header carries it (the journal shows it so). */
export type WireMetadataJson = FromSchema<S['WireActivityMetadata']>;
export type TimingsJson = FromSchema<S['Timings']>;
export type OutcomeJson = FromSchema<S['Outcome']>;
export type OutcomeInputJson = FromSchema<S['OutcomeInput']>;
export type TransportFault = FromSchema<S['TransportFault']>;
export type RuleMatch = FromSchema<S['RuleMatch']>;
export type RuleInput = FromSchema<S['RuleInput']>;
export type Rule = FromSchema<S['Rule']>;
export type BatchSeed = FromSchema<S['BatchSeed']>;
export type BatchPatch = FromSchema<S['BatchPatch']>;
export type BatchJson = FromSchema<S['Batch']>;
export type BatchPage = FromSchema<S['BatchPage']>;
export type ClockCommand = FromSchema<S['ClockCommand']>;
export type ClockStateJson = FromSchema<S['ClockState']>;
export type JournalEntry = FromSchema<S['JournalEntry']>;
export type JournalEntryDetail = FromSchema<S['JournalEntryDetail']>;
export type JournalPage = FromSchema<S['JournalPage']>;
export type RuleExplanation = FromSchema<S['RuleExplanation']>;
export type NearMiss = FromSchema<S['NearMiss']>;
export type RequestMatch = FromSchema<S['RequestMatch']>;
export type VerifyRequest = FromSchema<S['VerifyRequest']>;
export type SeenRequest = FromSchema<S['SeenRequest']>;
export type VerifyResult = FromSchema<S['VerifyResult']>;
export type ResetCommand = FromSchema<S['ResetCommand']>;
export type ResetResult = FromSchema<S['ResetResult']>;
export type RulesCleared = FromSchema<S['RulesCleared']>;
export type FixturesReloaded = FromSchema<S['FixturesReloaded']>;
export type FixtureProblem = FromSchema<S['FixtureProblem']>;
export type AdminIndex = FromSchema<S['AdminIndex']>;
export type Health = FromSchema<S['Health']>;
export type Fixture = FromSchema<S['Fixture']>;
export type NamespaceMatch = FromSchema<S['NamespaceMatch']>;
export type NamespaceInput = FromSchema<S['NamespaceInput']>;
export type NamespaceJson = FromSchema<S['Namespace']>;
export type NamespaceList = FromSchema<S['NamespaceList']>;
export type ProblemJson = FromSchema<S['Problem']>;

/** True only when A and B are the same type (each assignable to the other, exactly). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

// Compile-time proofs that schema and domain agree; a drift on either side fails the build.
export type SchemaMatchesDomain = [
  Assert<Same<OutcomeJson, DomainOutcome>>,
  Assert<Same<OutcomeInputJson, OutcomeSpec>>,
  Assert<Same<Required<TimingsJson>, StageTimings>>,
  Assert<Same<ClockStateJson, DomainClockState>>,
  Assert<Same<BatchJson['plan'], DomainTimingPlan>>,
  Assert<Same<WireMetadataJson, DomainActivityMetadata>>,
  Assert<Same<FixtureProblem, FixtureFault>>,
];
