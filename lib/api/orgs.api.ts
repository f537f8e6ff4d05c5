/**
 * Organization functions (section 9.3) of `PropelAuthApiService`. Mixed into the service: call them on the
 * injected `PropelAuthApiService`.
 */
export class OrgsApi {}
