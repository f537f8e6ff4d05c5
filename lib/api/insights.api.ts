/**
 * Employee, SCIM and user-insights report functions (section 9.6) of `PropelAuthApiService`. Mixed into the service: call them on the
 * injected `PropelAuthApiService`.
 */
export class InsightsApi {}
