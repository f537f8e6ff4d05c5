import type { ExecutionContext } from '@nestjs/common';

// The optional peer dependencies, loaded on first use only: an application that
// never serves GraphQL, WebSockets or microservices does not need them installed.
// Each is required at most once (the outcome, found or not, is cached). The types
// below are the few members the guards use, so that no declaration file of this
// package names a package the application may not have.

/** What the guards use of `@nestjs/graphql`. */
export interface NestGraphqlPackage {
  GqlExecutionContext: {
    create(context: ExecutionContext): { getContext<T = any>(): T; getArgs<T = any>(): T; getInfo<T = any>(): T };
  };
}

/** An exception class taking an error payload, as `WsException` and `RpcException` are. */
export type PayloadExceptionClass = new (error: string | object) => Error;

const NOT_FOUND = Symbol('not installed');
const loaded = new Map<string, unknown>();

function load<T>(name: string, requireIt: () => T): T | undefined {
  let value = loaded.get(name);
  if (value === undefined) {
    try {
      value = requireIt();
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      // Not installed: the caller falls back (and fails closed). Any other error is a
      // broken installation, which must not be mistaken for a missing package.
      if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') throw error;
      value = NOT_FOUND;
    }
    loaded.set(name, value);
  }
  return value === NOT_FOUND ? undefined : (value as T);
}

/** `@nestjs/graphql`, or undefined when it is not installed. */
export function loadNestGraphql(): NestGraphqlPackage | undefined {
  return load('@nestjs/graphql', () => require('@nestjs/graphql') as NestGraphqlPackage);
}

/** `WsException` of `@nestjs/websockets`, or undefined when it is not installed. */
export function loadWsException(): PayloadExceptionClass | undefined {
  return load('@nestjs/websockets', () => require('@nestjs/websockets') as { WsException: PayloadExceptionClass })?.WsException;
}

/** `RpcException` of `@nestjs/microservices`, or undefined when it is not installed. */
export function loadRpcException(): PayloadExceptionClass | undefined {
  return load('@nestjs/microservices', () => require('@nestjs/microservices') as { RpcException: PayloadExceptionClass })?.RpcException;
}
