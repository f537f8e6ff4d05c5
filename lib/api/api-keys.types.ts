// Request and response types of the api-keys functions (camelCase; the wire is snake_case).
export {};
