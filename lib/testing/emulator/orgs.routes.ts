import type { EmulatorRouter } from './emulator-router';
import type { EmulatorContext } from './propelauth-emulator';

/** The organization endpoints (section 9.3) of the backend API. */
export function registerOrgRoutes(_router: EmulatorRouter, _context: EmulatorContext): void {}
