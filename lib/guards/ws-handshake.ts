import { rememberHandshake } from './request-auth';

export { rememberHandshake };

/** The part of a Nest WebSocket adapter (`WsAdapter`, `IoAdapter`...) that `withPropelAuthHandshake` wraps. */
export interface PropelAuthHandshakeAdapter {
  bindClientConnect(server: any, callback: (...args: any[]) => any): any;
}

const WRAPPED = Symbol('propelauth:handshake-adapter');

/**
 * Makes a WebSocket adapter remember each client's handshake (upgrade) request,
 * where the PropelAuth guards read the token of a `@SubscribeMessage` handler:
 * its `Authorization` header or the cookie of `tokenExtractor: { cookie }`.
 * Needed for `@nestjs/platform-ws` (a `ws` client does not keep its upgrade
 * request); socket.io sockets keep theirs, so `IoAdapter` works without it.
 * Returns the same adapter; wrapping twice is harmless.
 *
 * @example
 * const app = await NestFactory.create(AppModule);
 * app.useWebSocketAdapter(withPropelAuthHandshake(new WsAdapter(app)));
 */
export function withPropelAuthHandshake<T extends PropelAuthHandshakeAdapter>(adapter: T): T {
  const target = adapter as T & { [WRAPPED]?: true };
  if (target[WRAPPED]) return adapter;
  const bindClientConnect = adapter.bindClientConnect;
  // An own property over the prototype's method: the adapter instance alone is changed.
  Object.defineProperty(adapter, 'bindClientConnect', {
    configurable: true,
    writable: true,
    value(this: T, server: unknown, callback: (...args: any[]) => any) {
      return bindClientConnect.call(this, server, function (this: unknown, client: object, request: unknown, ...rest: unknown[]) {
        rememberHandshake(client, request);
        return callback.call(this, client, request, ...rest);
      });
    },
  });
  Object.defineProperty(adapter, WRAPPED, { value: true });
  return adapter;
}
