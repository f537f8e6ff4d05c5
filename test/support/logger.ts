import type { LoggerService } from '@nestjs/common';

/** A Nest logger that keeps every line, at every level, so a test can check what was logged. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown) { this.lines.push(String(message)); }
  error(message: unknown) { this.lines.push(String(message)); }
  warn(message: unknown) { this.lines.push(String(message)); }
  debug(message: unknown) { this.lines.push(String(message)); }
  verbose(message: unknown) { this.lines.push(String(message)); }
}
