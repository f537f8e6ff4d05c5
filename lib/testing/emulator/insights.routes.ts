import type { EmulatorRouter } from './emulator-router';
import type { EmulatorContext } from './propelauth-emulator';

/** The employee, SCIM and report endpoints (section 9.6) of the backend API. */
export function registerInsightsRoutes(_router: EmulatorRouter, _context: EmulatorContext): void {}
