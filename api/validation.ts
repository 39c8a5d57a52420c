// Request validation with zod: a route's path parameters, query and body each have a schema
// (api/http.ts runs them after authentication), and a refused input becomes one HttpError that
// names every field at fault, e.g. {"error":{"code":"UnknownField","message":"unknown field
// \"lockd\" (this body takes ...)","fields":["lockd"]}}. Codes by cause: MissingField,
// UnknownField, FieldTooLong, BadField (wrong type, value or range), BadBody (not an object);
// in a query BadQuery, in the path 404 NotFound. A schema may carry its own code and message
// (`refusedAs`), so the domain's codes (InvalidRoomSettings, InvalidPeriod, ...) stay the same.
// Never an input value in a message: bodies carry passwords.
import { z } from 'zod';
import { DomainError } from '../domain/errors.js';
import { HttpError } from './http-error.js';

/** Where an input was read: decides the code and status of a refusal. */
export type InputPart = 'params' | 'query' | 'body';

interface Refusal {
  code: string;
  /** The status when not the part's own (400; 404 in the path). */
  status?: number;
  message?: string;
  /** Only for these kinds of issue (zod's codes, e.g. unrecognized_keys); absent: any. */
  issues?: readonly string[];
}

/** Codes and messages of particular schemas (looked up by the path of the field at fault). */
const refusals = z.registry<Refusal>();

/** The schema, refused with this code (and message) instead of the generic one. */
export function refusedAs<T extends z.ZodType>(schema: T, refusal: Refusal): T {
  refusals.add(schema, refusal);
  return schema;
}

/** A failure inside a transform or refinement, with the API code it answers. */
function customIssue(code: string, message: string): { code: 'custom'; message: string; params: { apiCode: string } } {
  return { code: 'custom', message, params: { apiCode: code } };
}

/** A refinement's failure, answered with this code and message: `.refine(ok, refusal(code, message))`. */
export function refusal(code: string, message: string): { message: string; params: { apiCode: string } } {
  return { message, params: { apiCode: code } };
}

/**
 * A string read by a domain parser (dates, money): its DomainError is the refusal, with the
 * domain's code and message, so the API and the CLI refuse alike.
 */
export function domainValue<T>(parse: (raw: string) => T) {
  return (raw: string, ctx: z.core.$RefinementCtx<string>): T => {
    try {
      return parse(raw);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      ctx.addIssue(customIssue(err.code, err.message));
      return z.NEVER;
    }
  };
}

/** Parses one part of a request, or throws the HttpError that names what is wrong. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, part: InputPart): z.output<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  throw refusalOf(schema, result.error.issues, part);
}

/** How a message says what a field must be, where zod's name for it would not read well. */
const EXPECTED: Record<string, string> = { boolean: 'true or false', int: 'a whole number', never: 'left out' };

const quoted = (path: PropertyKey[]) => `"${path.map(String).join('.')}"`;
const oneOf = (values: readonly unknown[]) => {
  const shown = values.map(String);
  return shown.length <= 1 ? (shown[0] ?? '') : `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
};

/** Follows a field's path into the schema (through optional, default, pipes), for its refusal. */
function refusalAt(schema: z.core.$ZodType, path: readonly PropertyKey[], issueCode: string): Refusal | undefined {
  const own = refusalOn(schema, path);
  return own === undefined || own.issues === undefined || own.issues.includes(issueCode) ? own : undefined;
}

function refusalOn(schema: z.core.$ZodType, path: readonly PropertyKey[]): Refusal | undefined {
  let at: z.core.$ZodType | undefined = schema;
  let rest = [...path];
  while (at !== undefined) {
    const own = refusals.get(at);
    if (rest.length === 0 && own !== undefined) return own;
    const inside = wrappedIn(at);
    if (inside !== undefined) at = inside;
    else if (rest.length === 0) return undefined;
    else {
      at = fieldOf(at, rest[0]);
      rest = rest.slice(1);
    }
  }
  return undefined;
}

/** The schema an optional, nullable, default or pipe (its input side) wraps; undefined for others. */
function wrappedIn(schema: z.core.$ZodType): z.core.$ZodType | undefined {
  if (schema instanceof z.core.$ZodOptional || schema instanceof z.core.$ZodNullable || schema instanceof z.core.$ZodDefault) return schema._zod.def.innerType;
  if (schema instanceof z.core.$ZodPipe) return schema._zod.def.in;
  return undefined;
}

/** The schema of one field of an object, item of an array or value of a record. */
function fieldOf(schema: z.core.$ZodType, key: PropertyKey | undefined): z.core.$ZodType | undefined {
  if (schema instanceof z.core.$ZodObject) return schema._zod.def.shape[String(key)];
  if (schema instanceof z.core.$ZodArray) return schema._zod.def.element;
  if (schema instanceof z.core.$ZodRecord) return schema._zod.def.valueType;
  return undefined;
}

interface Explained {
  code: string;
  status: number;
  message: string;
  fields: string[];
}

function explain(schema: z.ZodType, issue: z.core.$ZodIssue, part: InputPart): Explained {
  const where = issue.path;
  const named = quoted(where);
  const partStatus = part === 'params' ? 404 : 400;
  const fallback = part === 'query' ? 'BadQuery' : part === 'params' ? 'NotFound' : 'BadField';
  if (issue.code === 'unrecognized_keys') {
    const fields = issue.keys.map((k) => [...where.map(String), k].join('.'));
    const own = refusalAt(schema, where, issue.code);
    const takes = takesOf(schema, where);
    const message = own?.message ?? `unknown ${fields.length === 1 ? 'field' : 'fields'} ${fields.map((f) => `"${f.slice(0, 40)}"`).join(', ')} (${where.length === 0 ? `this ${part === 'body' ? 'body' : 'query'}` : named} takes ${takes.length === 0 ? 'none' : takes.join(', ')})`;
    return { code: own?.code ?? (part === 'query' ? 'BadQuery' : 'UnknownField'), status: own?.status ?? partStatus, message, fields };
  }
  const fields = where.length === 0 ? [] : [where.map(String).join('.')];
  const apiCode = issue.code === 'custom' && typeof issue.params?.apiCode === 'string' ? issue.params.apiCode : undefined;
  if (apiCode !== undefined) return { code: apiCode, status: partStatus, message: issue.message, fields };
  const own = refusalAt(schema, where, issue.code);
  if (part === 'params') return { code: own?.code ?? 'NotFound', status: own?.status ?? 404, message: own?.message ?? `no such ${where.map(String).join('.')}`, fields };
  if (where.length === 0 && issue.code === 'invalid_type') {
    return { code: own?.code ?? (part === 'body' ? 'BadBody' : 'BadQuery'), status: own?.status ?? 400, message: own?.message ?? `the ${part} must be a JSON object`, fields };
  }
  const missing = 'input' in issue && issue.input === undefined;
  let code = fallback;
  let message: string;
  if (missing && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) {
    code = part === 'body' ? 'MissingField' : fallback;
    message = `the ${part} needs ${named}${issue.code === 'invalid_type' ? ` (${issue.expected})` : ''}`;
  } else if (issue.code === 'invalid_type') {
    message = `${named} must be ${EXPECTED[issue.expected] ?? `a${/^[aeiou]/.test(issue.expected) ? 'n' : ''} ${issue.expected}`}`;
  } else if (issue.code === 'invalid_value') {
    message = `${named} must be ${oneOf(issue.values)}`;
  } else if (issue.code === 'too_big' && issue.origin === 'string') {
    code = part === 'body' ? 'FieldTooLong' : fallback;
    message = `${named} is at most ${String(issue.maximum)} characters`;
  } else if (issue.code === 'too_big') {
    message = `${named} is at most ${String(issue.maximum)}`;
  } else if (issue.code === 'too_small' && issue.origin === 'string') {
    message = `${named} needs at least ${String(issue.minimum)} characters`;
  } else if (issue.code === 'too_small') {
    message = `${named} is at least ${String(issue.minimum)}`;
  } else if (issue.code === 'invalid_format') {
    message = `${named} has the wrong form`;
  } else {
    message = `${named}: ${issue.message}`;
  }
  return { code: own?.code ?? code, status: own?.status ?? 400, message: own?.message ?? message, fields };
}

/** The field names an object (at this path) takes, for a message about an unknown one. */
function takesOf(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  let at: z.core.$ZodType | undefined = schema;
  for (const key of path) at = at === undefined ? undefined : fieldOf(unwrapped(at), key);
  const object = at === undefined ? undefined : unwrapped(at);
  if (!(object instanceof z.core.$ZodObject)) return [];
  // A refused field (z.never(), e.g. a room's number) is not one the object takes.
  return Object.entries(object._zod.def.shape).filter(([, field]) => !(unwrapped(field) instanceof z.core.$ZodNever)).map(([name]) => name);
}

/** The schema inside its optional, nullable, default and pipe wrappers. */
function unwrapped(schema: z.core.$ZodType): z.core.$ZodType {
  let at = schema;
  for (let inside = wrappedIn(at); inside !== undefined; inside = wrappedIn(at)) at = inside;
  return at;
}

/** The codes of refusals by schema (their errors list the fields). */
const SCHEMA_CODES = new Set(['UnknownField', 'MissingField', 'BadField', 'FieldTooLong', 'BadBody', 'BadQuery', 'NotFound']);

/** One error for every issue: the first one's code and status, every message and field. */
function refusalOf(schema: z.ZodType, issues: readonly z.core.$ZodIssue[], part: InputPart): HttpError {
  const explained = issues.map((issue) => explain(schema, issue, part));
  const first = explained[0] ?? { code: 'BadField', status: 400, message: `the ${part} is not valid`, fields: [] };
  const messages = [...new Set(explained.map((e) => e.message))];
  // A domain's own code (InvalidPassword, InvalidDate, ...) answers as the domain does elsewhere.
  const fields = SCHEMA_CODES.has(first.code) ? [...new Set(explained.flatMap((e) => e.fields))] : [];
  return new HttpError(first.status, first.code, messages.join('; '), {}, fields);
}
