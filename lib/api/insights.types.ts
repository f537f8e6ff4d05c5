// Request and response types of the insights functions (camelCase; the wire is snake_case).
export {};
