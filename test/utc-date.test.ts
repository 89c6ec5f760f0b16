import { describe, expect, it } from 'vitest';
import { parseUtcDate } from '../src/utc-date.ts';

describe('parseUtcDate', () => {
  it('reads a bare date as midnight UTC and a time without offset as UTC', () => {
    expect(parseUtcDate('2025-06-30')?.toISOString()).toBe('2025-06-30T00:00:00.000Z');
    expect(parseUtcDate('2025-06-30T12:30')?.toISOString()).toBe('2025-06-30T12:30:00.000Z');
  });

  it('keeps an explicit offset', () => {
    expect(parseUtcDate('2025-06-30T12:00:00+02:00')?.toISOString()).toBe('2025-06-30T10:00:00.000Z');
  });

  it('refuses what is not a date rather than guessing', () => {
    for (const raw of ['', 'yesterday', '06/30/2025', '2025-13-45', 'June 5'])
      expect(parseUtcDate(raw), raw).toBeNull();
  });
});
