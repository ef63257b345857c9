// Validates admin request bodies and fixture files against the shared schemas, reporting the
// first problem with a JSON pointer to it.
import Ajv2020 from 'ajv/dist/2020';
import { schemas } from './schemas';

export class ValidationError extends Error {
  constructor(
    message: string,
    readonly pointer: string,
  ) {
    super(message);
  }
}

const ajv = new Ajv2020({ strict: false, discriminator: true, allErrors: false });
ajv.addSchema({ $id: 'cora', components: { schemas } });

const cache = new Map<string, ReturnType<typeof ajv.getSchema>>();

/** Throws a ValidationError unless `value` satisfies the named schema. */
export function validate<T>(schemaName: keyof typeof schemas & string, value: unknown): T {
  let check = cache.get(schemaName);
  if (!check) {
    check = ajv.getSchema(`cora#/components/schemas/${schemaName}`);
    if (!check) throw new Error(`no schema ${schemaName}`);
    cache.set(schemaName, check);
  }
  if (check(value)) return value as T;
  const err = check.errors![0]!;
  let pointer = err.instancePath || '';
  let message = err.message ?? 'is invalid';
  if (err.keyword === 'additionalProperties') {
    const extra = (err.params as { additionalProperty: string }).additionalProperty;
    pointer = `${pointer}/${extra}`;
    message = `unknown field "${extra}"`;
  } else if (err.keyword === 'enum') {
    message = `must be one of ${(err.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  } else if (err.keyword === 'discriminator') {
    const branches = (schemas['TransportFault']!['oneOf'] as { properties: { type: { const: string } } }[]).map((b) => b.properties.type.const);
    pointer = `${pointer}/type`;
    message = `must be one of ${branches.join(', ')}`;
  } else if (err.keyword === 'required') {
    message = `missing required field "${(err.params as { missingProperty: string }).missingProperty}"`;
  }
  throw new ValidationError(`${pointer || '/'}: ${message}`, pointer);
}
