import type { EmulatorRouter } from './emulator-router';
import type { EmulatorContext } from './propelauth-emulator';

/** The end-user API key endpoints (section 9.4) of the backend API. */
export function registerApiKeyRoutes(_router: EmulatorRouter, _context: EmulatorContext): void {}
