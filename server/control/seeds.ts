// The checks a batch seed (admin POST /batches, a fixture's batches) must pass beyond its schema,
// in one place: the admin API refuses the first, fixture lint and start-up list them all.
import { ErrorCode, Status, isTerminal, outcomeSpecProblem } from '../batches/model';
import type { BatchSeed } from '../schemas/types';

/** Why a status cannot go with an error code (null: it can), for a seed and a forced status alike. */
export function statusCodeProblem(status: Exclude<Status, 'NotFound'>, errorCode: ErrorCode | undefined): string | null {
  if (status === 'Failed' && errorCode === undefined) return 'a Failed batch needs an errorCode';
  if (!isTerminal(status) && errorCode !== undefined && errorCode !== 'NoError') return `${status} goes with NoError`;
  return null;
}

/** Every reason a seed cannot be stored, each with a JSON pointer into the seed (empty: it can). */
export function seedProblems(seed: BatchSeed): { pointer: string; message: string }[] {
  const out: { pointer: string; message: string }[] = [];
  if (seed.status) {
    const problem = statusCodeProblem(seed.status, seed.errorCode);
    if (problem) out.push({ pointer: '/errorCode', message: problem });
  } else if (seed.errorCode) {
    out.push({ pointer: '/errorCode', message: 'errorCode goes with status' });
  }
  const problem = seed.outcome ? outcomeSpecProblem(seed.outcome) : null;
  if (problem) out.push({ pointer: `/outcome${problem.pointer}`, message: problem.message });
  return out;
}
