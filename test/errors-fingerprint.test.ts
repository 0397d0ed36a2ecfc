import { describe, expect, it } from 'vitest';
import { fingerprintErrorEvent, normaliseTraceLine } from '../src/modules/error-tracking/fingerprint.ts';
import { TRACE_CASES } from './fixtures/stack-traces.ts';

const fp = (stackTrace: string, exceptionClass = 'RuntimeException') => fingerprintErrorEvent({ exceptionClass, stackTrace });

describe('normaliseTraceLine', () => {
  it.each([
    // the documented examples
    ['/home/forge/app/Foo.php', 'app/Foo.php'],
    ['/var/www/app/Foo.php', 'app/Foo.php'],
    ['/home/deploy/app/Foo.php', 'app/Foo.php'],
    ['/var/www/app/vendor/laravel/framework/src/Router.php', 'vendor/laravel/framework/src/Router.php'],
    ['/opt/build/42/vendor/laravel/framework/src/Router.php', 'vendor/laravel/framework/src/Router.php'],
    // PHP: frame number and line number go
    ['#0 /var/www/app/Http/Controllers/OrderController.php(42): handle()', 'app/Http/Controllers/OrderController.php: handle()'],
    ['#12 /home/forge/app/vendor/illuminate/Pipeline.php(167): Closure->{closure}()', 'vendor/illuminate/Pipeline.php: Closure->{closure}()'],
    ['#1 {main}', '{main}'],
    // Node: line and column go
    ['at OrderService.place (/home/node/app/src/orders.js:10:5)', 'at OrderService.place (app/src/orders.js)'],
    ['at /var/www/app/index.js:3:17', 'at app/index.js'],
    ['at async Promise.all (index 0)', 'at async Promise.all (index 0)'],
    // Python: the line number goes
    ['File "/home/ubuntu/app/views.py", line 42, in handler', 'File "app/views.py", in handler'],
    // Java: the line number goes
    ['at com.acme.orders.OrderService.place(OrderService.java:42)', 'at com.acme.orders.OrderService.place(OrderService.java)'],
    // addresses
    ['at native 0x7ffd5e3c2a10', 'at native 0x?'],
  ])('%s → %s', (line, expected) => {
    expect(normaliseTraceLine(line)).toBe(expected);
  });
});

describe('fingerprintErrorEvent', () => {
  const php = (root: string, line = 42) => `#0 ${root}app/Http/Controllers/OrderController.php(${line}): handle()\n#1 {main}`;

  it('groups the same exception reported from different servers', () => {
    expect(fp(php('/var/www/'))).toBe(fp(php('/home/forge/')));
    expect(fp(php('/var/www/'))).toBe(fp(php('/home/deploy/')));
  });

  it('groups across deploys that move line numbers', () => {
    expect(fp(php('/var/www/', 42))).toBe(fp(php('/var/www/', 57)));
  });

  it('keeps different classes and different call paths apart', () => {
    expect(fp(php('/var/www/'), 'RuntimeException')).not.toBe(fp(php('/var/www/'), 'LogicException'));
    expect(fp('#0 /var/www/app/A.php(1): a()')).not.toBe(fp('#0 /var/www/app/B.php(1): a()'));
  });

  it('ignores message lines inside a trace (Java causes, Python source lines)', () => {
    const java = (id: number) => `java.lang.IllegalStateException: order ${id} not found\n\tat com.acme.Orders.find(Orders.java:${id})\nCaused by: x ${id}`;
    expect(fp(java(1), 'java.lang.IllegalStateException')).toBe(fp(java(2), 'java.lang.IllegalStateException'));
    const python = (value: string) => `Traceback (most recent call last):\n  File "/srv/app/views.py", line 9, in handler\n    total = prices["${value}"]\nKeyError: '${value}'`;
    expect(fp(python('a'), 'KeyError')).toBe(fp(python('b'), 'KeyError'));
  });

  it('falls back to the class and first non-empty normalised line for an unparseable trace', () => {
    expect(fp('\n\n  /var/www/app/weird output\nmore')).toBe(fp('/home/ci/app/weird output\nsomething else'));
    expect(fp('free text one')).not.toBe(fp('free text two'));
  });

  it('accepts an empty trace: the class alone is the fingerprint basis', () => {
    expect(fp('')).toBe(fp('   \n  '));
    expect(fp('', 'A')).not.toBe(fp('', 'B'));
    expect(fp('')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('frames of every language the error-event clients send (test/fixtures/stack-traces.ts)', () => {
  const cases = TRACE_CASES.map((c, i) => [`${c.language} #${i} ${c.exceptionClass}`, c] as const);
  const of = (c: (typeof TRACE_CASES)[number]) => (stackTrace: string) => fingerprintErrorEvent({ exceptionClass: c.exceptionClass, stackTrace });

  it.each(cases)('%s: the same fault from two hosts and deploys is one group', (_, c) => {
    expect(of(c)(c.same[0])).toBe(of(c)(c.same[1]));
  });
  it.each(cases)('%s: a different caller is another group', (_, c) => {
    expect(of(c)(c.differentCaller)).not.toBe(of(c)(c.same[0]));
  });
  it.each(cases)('%s: the same functions in another file are another group', (_, c) => {
    expect(of(c)(c.differentFile)).not.toBe(of(c)(c.same[0]));
  });

  it('strips host roots only where a path starts', () => {
    expect(fp('#0 /srv/var/www/app/Foo.php(1): a()')).not.toBe(fp('#0 /srvapp/Foo.php(1): a()'));
    expect(fp('#0 /mnt/home/x/app/Foo.php(1): a()')).not.toBe(fp('#0 /mnt/app/Foo.php(1): a()'));
    expect(fp('#0 /srv/app/Foo.php(1): a()')).toBe(fp('#0 /var/www/app/Foo.php(9): a()'));
  });
});
