import type { PropelAuthHttpClient } from './propelauth-http.client';

// The HTTP client of each PropelAuthApiService instance. A WeakMap rather than a
// field, so the domain classes mixed into the service share no protected members.
const clients = new WeakMap<object, PropelAuthHttpClient>();

/** @internal */
export function bindHttpClient(api: object, client: PropelAuthHttpClient): void {
  clients.set(api, client);
}

/** @internal The client behind a `PropelAuthApiService` (what the domain methods send with). */
export function httpOf(api: object): PropelAuthHttpClient {
  const client = clients.get(api);
  if (client === undefined) throw new Error('PropelAuth API methods must be called on a PropelAuthApiService instance');
  return client;
}
