import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PropelAuthEmulator } from '../../lib/testing';
import { calendarDay, isoDay } from '../../lib/testing/emulator/emulator-fields';
import { get } from '../support/http';

describe('calendarDay', () => {
  it('reads a YYYY-MM-DD calendar date as its UTC midnight', () => {
    expect(calendarDay('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    expect(calendarDay('0099-12-31')).toBe(new Date('0099-12-31T00:00:00Z').getTime());
    expect(isoDay(calendarDay('1970-01-01')!)).toBe('1970-01-01');
  });

  it('refuses a day that is not on the calendar, and any other shape', () => {
    for (const value of ['2024-02-30', '2023-02-29', '2024-04-31', '2024-13-01', '2024-00-10', '2024-1-01', '2024-01-01T00:00:00Z', '']) {
      expect(calendarDay(value)).toBeUndefined();
    }
  });
});

describe('the emulator’s date parameters', () => {
  let emulator: PropelAuthEmulator;
  const usage = (date: string) =>
    get(`${emulator.apiBaseUrl}/api/backend/v1/end_user_api_keys/usage?date=${date}`, [
      ['Authorization', `Bearer ${emulator.apiKey}`],
      ['X-Propelauth-url', new URL(emulator.authUrl).hostname],
    ]);

  beforeAll(async () => {
    emulator = await new PropelAuthEmulator().start();
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it('GET /end_user_api_keys/usage refuses 2024-02-30 with 400, as chart_metrics does, and counts a real day', async () => {
    expect(await usage('2024-02-30')).toMatchObject({ status: 400, json: { date: ['Date must be formatted as YYYY-MM-DD'] } });
    expect(await usage('2024-02-29')).toMatchObject({ status: 200, json: { count: 0 } });
  });
});
