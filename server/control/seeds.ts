// The checks a batch seed (admin POST /batches, a fixture's batches) must pass beyond its schema,
// in one place: the admin API refuses the first, fixture lint and start-up list them all.
import { isTerminal, outcomeSpecProblem } from '../batches/model';
import type { BatchSeed } from '../schemas/types';

/** Every reason a seed cannot be stored, each with a JSON pointer into the seed (empty: it can). */
export function seedProblems(seed: BatchSeed): { pointer: string; message: string }[] {
  const out: { pointer: string; message: string }[] = [];
  if (seed.status) {
    if (seed.status === 'Failed' && seed.errorCode === undefined) out.push({ pointer: '/errorCode', message: 'a Failed batch needs an errorCode' });
    if (!isTerminal(seed.status) && seed.errorCode !== undefined && seed.errorCode !== 'NoError') {
      out.push({ pointer: '/errorCode', message: `${seed.status} goes with NoError` });
    }
  } else if (seed.errorCode) {
    out.push({ pointer: '/errorCode', message: 'errorCode goes with status' });
  }
  const problem = seed.outcome ? outcomeSpecProblem(seed.outcome) : null;
  if (problem) out.push({ pointer: `/outcome${problem.pointer}`, message: problem.message });
  return out;
}
