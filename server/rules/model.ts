// Scripted behaviour: a rule matches requests and has one effect, either on the batch a FileBatch
// creates (outcome, timings, hold) or on the answer (fault). The shapes are the JSON Schemas'.
import type { RuleInput } from '../schemas/types';

export type { Rule, RuleInput, RuleMatch, TransportFault } from '../schemas/types';

export const isBatchEffect = (r: RuleInput): boolean => r.outcome !== undefined || r.timings !== undefined || r.hold !== undefined;
