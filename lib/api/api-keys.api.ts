/**
 * End-user API key functions (section 9.4) of `PropelAuthApiService`. Mixed into the service: call them on the
 * injected `PropelAuthApiService`.
 */
export class ApiKeysApi {}
