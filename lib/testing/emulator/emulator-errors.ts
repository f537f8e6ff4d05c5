/** A 400 with PropelAuth's field-error body: `{ field: [messages] }`. */
export class EmulatorInputError extends Error {
  constructor(readonly fieldToErrors: Record<string, string[]>) {
    super('Invalid request');
  }
}

/** A 404. */
export class EmulatorNotFoundError extends Error {
  constructor() {
    super('Not found');
  }
}

/** Any other answer a route wants to give, e.g. `new EmulatorHttpError(426, { ... })`. */
export class EmulatorHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown = {},
  ) {
    super(`HTTP ${status}`);
  }
}
