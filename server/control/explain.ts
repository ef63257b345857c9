// Near misses: why a rule did or did not act on a journaled request. The rule engine records, for
// each request that met rules, how each rule fared (control/journal.ts keeps that with the entry);
// the words are rendered here, only when an admin call asks for them.
import { FIRED, describeCheck } from '../rules/engine';
import type { Rule } from '../rules/model';
import type { JournalEntry, JournalEntryDetail, NearMiss } from '../schemas/types';
import type { Explained, Journal } from './journal';

/** A rule's near misses listed at most. */
export const NEAR_MISSES = 10;

/** A journal entry with every rule's verdict on it, in book order. */
export function explainEntry(entry: JournalEntry, x: Explained | null): JournalEntryDetail {
  if (!x) return { ...entry, rules: [] };
  const facts = x.facts();
  return { ...entry, rules: x.checks.map((c) => describeCheck(c, facts)) };
}

/** The latest journaled requests `rule` met but did not act on, newest first, and why. */
export function nearMisses(journal: Journal, rule: Rule, limit = NEAR_MISSES): NearMiss[] {
  const out: NearMiss[] = [];
  for (const x of journal.explainedNewestFirst()) {
    const check = x.checks.find((c) => c.rule === rule);
    if (!check || check.code === FIRED) continue;
    const v = describeCheck(check, x.facts());
    out.push({
      seq: x.seq,
      time: new Date(x.timeMs).toISOString(),
      operation: x.operation,
      batchId: x.batchId,
      condition: v.condition,
      expected: v.expected,
      actual: v.actual,
      text: v.text,
    });
    if (out.length >= limit) break;
  }
  return out;
}
