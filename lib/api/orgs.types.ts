// Request and response types of the orgs functions (camelCase; the wire is snake_case).
export {};
