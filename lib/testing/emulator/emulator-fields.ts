import { EmulatorInputError } from './emulator-errors';

/** A UUID in any case, as PropelAuth's user and org ids are. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An email address: one `@` with something on both sides, no whitespace. */
const EMAIL = /^[^@\s]+@[^@\s]+$/;

/** `value` trimmed and lower-cased if it is an email address; anything else (missing included) is a 400 `{ [name]: ['Email is invalid'] }`. */
export function emailOf(value: string | undefined, name: string): string {
  const email = value?.trim().toLowerCase();
  if (!email || !EMAIL.test(email)) throw new EmulatorInputError({ [name]: ['Email is invalid'] });
  return email;
}

/** `YYYY-MM-DD` of a time (unix ms), in UTC. */
export function isoDay(timeMs: number): string {
  return new Date(timeMs).toISOString().slice(0, 10);
}

/** The UTC midnight (unix ms) of a `YYYY-MM-DD` calendar date, or undefined if `value` is not one (2024-02-30 is not). */
export function calendarDay(value: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return undefined;
  // Built in a leap year, then moved to its own, so that years 0000-0099 are not read as 19xx; a day that does not exist rolls over and fails the round trip.
  const date = new Date(Date.UTC(2000, Number(match[2]) - 1, Number(match[3])));
  date.setUTCFullYear(Number(match[1]));
  return isoDay(date.getTime()) === value ? date.getTime() : undefined;
}

/** A plain object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The request body if it is an object, else `{}` (so every field reads as missing). */
export function objectBody(body: unknown): Record<string, unknown> {
  return isObject(body) ? body : {};
}

/** A string field of a request body, or undefined if missing or null; any other type is a 400. */
export function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new EmulatorInputError({ [name]: [`${name} must be a string`] });
  return value;
}

/** A boolean field of a request body, or undefined if missing or null; any other type is a 400. */
export function optionalBoolean(body: Record<string, unknown>, name: string): boolean | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new EmulatorInputError({ [name]: [`${name} must be a boolean`] });
  return value;
}

/** A string field of a request body that must be there and not blank; anything else is a 400. */
export function requiredString(body: Record<string, unknown>, name: string): string {
  const value = optionalString(body, name);
  if (value === undefined || value.trim() === '') throw new EmulatorInputError({ [name]: [`${name} is required`] });
  return value;
}

/** An integer field of a request body from `min` to `max`, or undefined if missing or null; anything else is a 400. */
export function optionalInteger(body: Record<string, unknown>, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new EmulatorInputError({ [name]: [`${name} must be an integer ${range(min, max)}`] });
  }
  return value;
}

/** A field of a request body that must be a list of strings (a missing one too is a 400). */
export function stringArray(body: Record<string, unknown>, name: string): string[] {
  const value = body[name];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new EmulatorInputError({ [name]: [`${name} must be a list of strings`] });
  }
  return value;
}

/** A list-of-strings field of a request body, or undefined if missing or null; anything else is a 400. */
export function optionalStringArray(body: Record<string, unknown>, name: string): string[] | undefined {
  return body[name] === undefined || body[name] === null ? undefined : stringArray(body, name);
}

/** An object field of a request body, or undefined if missing or null; anything else is a 400. */
export function optionalObject(body: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new EmulatorInputError({ [name]: [`${name} must be an object`] });
  return value;
}

/** A query parameter of plain digits from `min` to `max`, or `fallback` if absent; anything else is a 400. */
export function integerParam(query: URLSearchParams, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) throw new EmulatorInputError({ [name]: [`${name} must be an integer ${range(min, max)}`] });
  return value;
}

/** `page_size` (1 to `maxSize`, default 10) and `page_number` (from 0, default 0) of a query; anything else is a 400. */
export function pagingParams(query: URLSearchParams, maxSize: number): { pageSize: number; pageNumber: number } {
  return { pageSize: integerParam(query, 'page_size', 10, 1, maxSize), pageNumber: integerParam(query, 'page_number', 0, 0) };
}

/** `from min to max`, or `from min` when there is no upper bound. */
function range(min: number, max: number): string {
  return max === Number.MAX_SAFE_INTEGER ? `from ${min}` : `from ${min} to ${max}`;
}

/** One page of `items` on the wire: `{ [name], total_[name], current_page, page_size, has_more_results }`. */
export function pageOf<T>(items: T[], pageSize: number, pageNumber: number, name: string, wire: (item: T) => unknown): Record<string, unknown> {
  const start = pageSize * pageNumber;
  return {
    [name]: items.slice(start, start + pageSize).map(wire),
    [`total_${name}`]: items.length,
    current_page: pageNumber,
    page_size: pageSize,
    has_more_results: start + pageSize < items.length,
  };
}
