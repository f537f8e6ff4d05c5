// Request and response types of the step-up-mfa functions (camelCase; the wire is snake_case).
export {};
