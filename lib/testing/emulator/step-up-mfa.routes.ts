import type { EmulatorRouter } from './emulator-router';
import type { EmulatorContext } from './propelauth-emulator';

/** The step-up MFA endpoints (section 9.7) of the backend API. */
export function registerStepUpMfaRoutes(_router: EmulatorRouter, _context: EmulatorContext): void {}
