/**
 * Step-up MFA functions (section 9.7) of `PropelAuthApiService`. Mixed into the service: call them on the
 * injected `PropelAuthApiService`.
 */
export class StepUpMfaApi {}
