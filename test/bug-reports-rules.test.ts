import { describe, expect, it } from 'vitest';
import { detectBugSeverity, generateBugTitle, redactSecrets } from '../src/modules/bug-reports/rules.ts';

const now = new Date('2026-01-05T10:00:00.000Z');

describe('generateBugTitle', () => {
  it.each([
    [{ source: 'auto:client', errorMessage: 'Boom\nsecond line' }, 'Boom'],
    [{ source: 'auto:client', errorMessage: 'x'.repeat(100) }, 'x'.repeat(100)],
    [{ source: 'auto:client', errorMessage: 'x'.repeat(101) }, `${'x'.repeat(97)}...`],
    [{ source: 'auto:server', errorMessage: '', errorCode: 'ETIMEDOUT' }, 'Error ETIMEDOUT'],
    [{ source: 'auto:server' }, 'Server error at 2026-01-05T10:00:00.000Z'],
    [{ source: 'auto:agent' }, 'Agent error at 2026-01-05T10:00:00.000Z'],
    [{ source: 'auto:client' }, 'Client error at 2026-01-05T10:00:00.000Z'],
  ] as const)('%j → %s', (report, title) => {
    expect(generateBugTitle(report, now)).toBe(title);
  });
});

describe('detectBugSeverity (first rule that matches wins)', () => {
  it.each([
    [{ source: 'auto:client', errorMessage: 'DATABASE is gone' }, 'critical'],
    [{ source: 'auto:client', errorMessage: 'connect: Connection refused' }, 'critical'],
    [{ source: 'auto:server', errorMessage: 'Internal Server Error' }, 'critical'],
    [{ source: 'auto:server', errorCode: '500' }, 'critical'],
    [{ source: 'auto:client', errorMessage: 'Request Timeout' }, 'high'],
    [{ source: 'auto:server', errorMessage: 'authentication failed' }, 'high'],
    [{ source: 'auto:server', errorMessage: 'Unauthorized' }, 'high'],
    [{ source: 'auto:server', errorCode: '401' }, 'high'],
    [{ source: 'auto:server', errorCode: '403' }, 'high'],
    [{ source: 'auto:client', errorMessage: 'Validation failed' }, 'medium'],
    [{ source: 'auto:client', errorMessage: 'invalid date' }, 'medium'],
    [{ source: 'auto:agent', errorMessage: 'tool crashed' }, 'medium'],
    [{ source: 'auto:client', errorMessage: 'x is undefined' }, 'low'],
    [{ source: 'auto:server', errorMessage: 'x is undefined' }, 'medium'],
    [{ source: 'auto:client', errorMessage: 'database timeout' }, 'critical'],
  ] as const)('%j → %s', (report, severity) => {
    expect(detectBugSeverity(report)).toBe(severity);
  });
});

describe('redactSecrets', () => {
  it('replaces secret-named keys at any depth, case-insensitively, and nothing else', () => {
    const input = {
      url: '/x',
      Password: 'p',
      headers: { Authorization: 'Bearer x', 'X-Api_Key': 'k', accept: 'json' },
      list: [{ refreshToken: 't', keep: [1, { clientSecret: 's' }] }],
      apiKey: { nested: 'whole value goes' },
      credentials: null,
    };
    expect(redactSecrets(input)).toEqual({
      url: '/x',
      Password: '[REDACTED]',
      headers: { Authorization: '[REDACTED]', 'X-Api_Key': '[REDACTED]', accept: 'json' },
      list: [{ refreshToken: '[REDACTED]', keep: [1, { clientSecret: '[REDACTED]' }] }],
      apiKey: '[REDACTED]',
      credentials: '[REDACTED]',
    });
    expect(input.Password).toBe('p'); // the input is not modified
  });
});
