/** Median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Runs `fn` repeatedly for about `ms` milliseconds; returns operations per second. */
export function opsPerSecond(fn: () => unknown, ms: number): number {
  let count = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 100; i++) fn();
    count += 100;
    now = process.hrtime.bigint();
  }
  return count / (Number(now - start) / 1e9);
}

/** The async version, one call in flight at a time. */
export async function opsPerSecondAsync(fn: () => Promise<unknown>, ms: number): Promise<number> {
  let count = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 20; i++) await fn();
    count += 20;
    now = process.hrtime.bigint();
  }
  return count / (Number(now - start) / 1e9);
}

/** Alternates the order of the contenders between rounds (forwards, backwards). */
export function orderFor<T>(round: number, items: T[]): T[] {
  return round % 2 === 0 ? items : [...items].reverse();
}

/**
 * Runs each variant once per round, the order alternating between rounds. For each
 * variant: its samples, and each sample set against the first variant's in the same
 * round by `compare` (a ratio, a difference...), so drift between rounds cancels out.
 */
export async function alternatingRounds(
  variants: Array<{ name: string; run: () => number | Promise<number> }>,
  rounds: number,
  compare: (value: number, base: number) => number,
  onRound: (round: number) => void,
): Promise<Map<string, { samples: number[]; compared: number[] }>> {
  const series = new Map(variants.map((variant) => [variant.name, { samples: [] as number[], compared: [] as number[] }]));
  for (let round = 0; round < rounds; round++) {
    const measured = new Map<string, number>();
    for (const variant of orderFor(round, variants)) measured.set(variant.name, await variant.run());
    const base = measured.get(variants[0].name)!;
    for (const [name, value] of measured) {
      series.get(name)!.samples.push(value);
      series.get(name)!.compared.push(compare(value, base));
    }
    onRound(round);
  }
  return series;
}

export function table(rows: Array<Record<string, string | number>>): string {
  const columns = Object.keys(rows[0] ?? {});
  const cell = (value: string | number) => (typeof value === 'number' ? (Number.isInteger(value) ? String(value) : value.toFixed(2)) : value);
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => cell(row[column]).length)));
  const line = (values: string[]) => values.map((value, i) => value.padEnd(widths[i])).join('  ');
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...rows.map((row) => line(columns.map((column) => cell(row[column]))))].join('\n');
}
