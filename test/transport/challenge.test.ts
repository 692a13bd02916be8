import { describe, expect, it } from 'vitest';
import { findChallenge, parseWwwAuthenticate, scopesFromChallenge } from '../../src/transport/headers/challenge.js';

describe('parseWwwAuthenticate: real registry challenges', () => {
  it('parses Docker Hub', () => {
    const header =
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"';
    expect(parseWwwAuthenticate(header)).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/alpine:pull',
        },
      },
    ]);
  });

  it('parses GHCR', () => {
    const [challenge] = parseWwwAuthenticate(
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"',
    );
    expect(challenge?.params).toEqual({ realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:user/image:pull' });
  });

  it('parses distribution token auth with a comma inside the quoted scope and an error', () => {
    const [challenge] = parseWwwAuthenticate(
      'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:samalba/my-app:pull,push",error="insufficient_scope"',
    );
    expect(challenge?.params['scope']).toBe('repository:samalba/my-app:pull,push');
    expect(challenge?.params['error']).toBe('insufficient_scope');
    expect(Object.keys(challenge?.params ?? {})).toEqual(['realm', 'service', 'scope', 'error']);
  });

  it('parses distribution htpasswd Basic, quay, ECR, ACR and Harbor', () => {
    expect(parseWwwAuthenticate('Basic realm="Registry Realm"')).toEqual([{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
    expect(parseWwwAuthenticate('Bearer realm="https://quay.io/v2/auth",service="quay.io"')[0]?.params).toEqual({
      realm: 'https://quay.io/v2/auth',
      service: 'quay.io',
    });
    expect(
      parseWwwAuthenticate('Basic realm="https://123456789012.dkr.ecr.us-east-1.amazonaws.com/",service="ecr.amazonaws.com"'),
    ).toEqual([
      { scheme: 'basic', params: { realm: 'https://123456789012.dkr.ecr.us-east-1.amazonaws.com/', service: 'ecr.amazonaws.com' } },
    ]);
    expect(
      parseWwwAuthenticate('Bearer realm="https://myregistry.azurecr.io/oauth2/token",service="myregistry.azurecr.io"')[0]?.params[
        'realm'
      ],
    ).toBe('https://myregistry.azurecr.io/oauth2/token');
    expect(
      parseWwwAuthenticate('Bearer realm="https://harbor.example.com/service/token",service="harbor-registry"')[0]?.params[
        'service'
      ],
    ).toBe('harbor-registry');
  });
});

describe('parseWwwAuthenticate: RFC 9110 syntax', () => {
  it('splits several challenges in one header', () => {
    expect(parseWwwAuthenticate('Bearer realm="a",service="b", Basic realm="c"')).toEqual([
      { scheme: 'bearer', params: { realm: 'a', service: 'b' } },
      { scheme: 'basic', params: { realm: 'c' } },
    ]);
  });

  it('concatenates challenges from several header lines', () => {
    expect(parseWwwAuthenticate(['Basic realm="x"', 'Bearer realm="y"']).map((c) => c.scheme)).toEqual(['basic', 'bearer']);
  });

  it('unescapes backslashes in quoted strings and keeps commas and equals signs', () => {
    const [challenge] = parseWwwAuthenticate(String.raw`Bearer realm="a \"quoted\" realm, with = and \\ backslash"`);
    expect(challenge?.params['realm']).toBe('a "quoted" realm, with = and \\ backslash');
  });

  it('accepts unquoted token values and lenient unquoted URLs', () => {
    expect(parseWwwAuthenticate('Bearer realm=simple, service=svc')[0]?.params).toEqual({ realm: 'simple', service: 'svc' });
    expect(parseWwwAuthenticate('Bearer realm=https://auth.example.com/token,service=reg')[0]?.params).toEqual({
      realm: 'https://auth.example.com/token',
      service: 'reg',
    });
  });

  it('tolerates extra whitespace, tabs, whitespace around = and empty list elements', () => {
    expect(parseWwwAuthenticate(' ,  Bearer \t realm = "a" ,, ,  service\t=\t"b"  , ,Basic  realm="c" ,')).toEqual([
      { scheme: 'bearer', params: { realm: 'a', service: 'b' } },
      { scheme: 'basic', params: { realm: 'c' } },
    ]);
  });

  it('lowercases scheme and parameter names but not values', () => {
    expect(parseWwwAuthenticate('BEARER Realm="HTTPS://Auth/Token",SERVICE="Reg"')).toEqual([
      { scheme: 'bearer', params: { realm: 'HTTPS://Auth/Token', service: 'Reg' } },
    ]);
  });

  it('reads token68 credentials into the token68 field', () => {
    expect(parseWwwAuthenticate('Negotiate abc==')).toEqual([{ scheme: 'negotiate', params: {}, token68: 'abc==' }]);
    expect(parseWwwAuthenticate('Negotiate YII+/x_y~z.1-=, Basic realm="r"')).toEqual([
      { scheme: 'negotiate', params: {}, token68: 'YII+/x_y~z.1-=' },
      { scheme: 'basic', params: { realm: 'r' } },
    ]);
  });

  it('parses a scheme without parameters', () => {
    expect(parseWwwAuthenticate('Basic')).toEqual([{ scheme: 'basic', params: {} }]);
    expect(parseWwwAuthenticate('Basic, Bearer realm="x"')).toEqual([
      { scheme: 'basic', params: {} },
      { scheme: 'bearer', params: { realm: 'x' } },
    ]);
  });

  it('keeps the first of duplicate parameters', () => {
    expect(parseWwwAuthenticate('Bearer realm="first", realm="second"')[0]?.params).toEqual({ realm: 'first' });
  });

  it('stores parameter names such as __proto__ as data', () => {
    const [challenge] = parseWwwAuthenticate('Bearer __proto__="x", constructor="y"');
    expect(Object.keys(challenge?.params ?? {})).toEqual(['__proto__', 'constructor']);
    expect(challenge?.params['__proto__']).toBe('x');
    expect(Object.getPrototypeOf(challenge?.params)).toBe(Object.prototype);
  });

  it('recovers from garbage and never throws', () => {
    expect(parseWwwAuthenticate(undefined)).toEqual([]);
    expect(parseWwwAuthenticate('')).toEqual([]);
    expect(parseWwwAuthenticate(',,, ')).toEqual([]);
    expect(parseWwwAuthenticate('"just a string"')).toEqual([]);
    expect(parseWwwAuthenticate('Bearer realm="unterminated')).toEqual([{ scheme: 'bearer', params: { realm: 'unterminated' } }]);
    expect(parseWwwAuthenticate('@@@, Basic realm="ok"')).toEqual([{ scheme: 'basic', params: { realm: 'ok' } }]);
    expect(parseWwwAuthenticate('Bearer service="s", realm=')).toEqual([{ scheme: 'bearer', params: { service: 's', realm: '' } }]);
    // Alone, `realm=` is indistinguishable from a token68 ending in one '=' pad, which is what the grammar allows.
    expect(parseWwwAuthenticate('Bearer realm=')).toEqual([{ scheme: 'bearer', params: {}, token68: 'realm=' }]);
    expect(parseWwwAuthenticate('Bearer "oops", Basic realm="r"').map((c) => c.scheme)).toEqual(['bearer', 'basic']);
  });
});

describe('findChallenge and scopesFromChallenge', () => {
  const challenges = parseWwwAuthenticate(
    'Basic realm="r", Bearer realm="https://auth/token",service="svc",scope="repository:a/b:pull,push  repository:c:pull"',
  );

  it('finds a challenge by scheme, case-insensitively', () => {
    expect(findChallenge(challenges, 'BEARER')?.params['service']).toBe('svc');
    expect(findChallenge(challenges, 'basic')?.params['realm']).toBe('r');
    expect(findChallenge(challenges, 'digest')).toBeUndefined();
  });

  it('splits the scope parameter on spaces', () => {
    expect(scopesFromChallenge(findChallenge(challenges, 'bearer'))).toEqual(['repository:a/b:pull,push', 'repository:c:pull']);
    expect(scopesFromChallenge(findChallenge(challenges, 'basic'))).toEqual([]);
    expect(scopesFromChallenge(undefined)).toEqual([]);
  });
});
