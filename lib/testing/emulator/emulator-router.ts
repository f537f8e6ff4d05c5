/** A request as the emulator's route handlers see it. */
export interface EmulatorRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body (undefined when there is none). */
  body: unknown;
}

/** What a route handler answers: always JSON on the wire, like PropelAuth. */
export interface EmulatorResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type EmulatorHandler = (request: EmulatorRequest) => EmulatorResponse | Promise<EmulatorResponse>;

interface Route {
  method: string;
  segments: string[];
  handler: EmulatorHandler;
}

/**
 * A minimal method + path router (`/api/backend/v1/user/:userId`). Literal
 * segments win over parameters, so `/user/email` is not taken for a user id.
 */
export class EmulatorRouter {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: EmulatorHandler): this {
    this.routes.push({ method: method.toUpperCase(), segments: split(pattern), handler });
    // More literal segments first, so the most specific route matches.
    this.routes.sort((a, b) => literalCount(b) - literalCount(a));
    return this;
  }

  match(method: string, path: string): { handler: EmulatorHandler; params: Record<string, string> } | 'method_not_allowed' | undefined {
    const segments = split(path);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (params === undefined) continue;
      pathMatched = true;
      if (route.method === method.toUpperCase()) return { handler: route.handler, params };
    }
    return pathMatched ? 'method_not_allowed' : undefined;
  }
}

// A trailing slash does not matter: PropelAuth's clients call both `/user/` and `/user/{id}`.
function split(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

function literalCount(route: Route): number {
  return route.segments.filter((segment) => !segment.startsWith(':')).length;
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i].startsWith(':')) {
      let value: string;
      try {
        value = decodeURIComponent(actual[i]);
      } catch {
        return undefined;
      }
      params[pattern[i].slice(1)] = value;
    } else if (pattern[i] !== actual[i]) {
      return undefined;
    }
  }
  return params;
}
