/**
 * One shared, frozen empty object: what an absent or empty JSON object claim
 * becomes. An ordinary prototype, like the objects JSON.parse makes.
 */
export const EMPTY_OBJECT: Readonly<Record<string, unknown>> = Object.freeze({});

/** One shared, frozen empty list. */
export const EMPTY_LIST: readonly string[] = Object.freeze([]);

/**
 * A JSON object claim, deeply frozen; an empty one becomes `EMPTY_OBJECT`, so the
 * common `{}` costs neither a freeze nor a walk.
 */
export function frozenJsonObject(value: Record<string, unknown>): Readonly<Record<string, unknown>> {
  for (const key in value) {
    if (Object.hasOwn(value, key)) return deepFreeze(value);
  }
  return EMPTY_OBJECT;
}

/** Freezes a JSON value (from a token claim) and everything inside it. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}
