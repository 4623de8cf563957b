// The CSRF checks and the cookie reader as functions of a request's headers: which origins and fetch sites pass, what
// counts as opting in or as a JSON body, which methods change state, and how one cookie is found among many.
import type { Request } from 'express';
import { AuthError } from '../../lib/errors';
import type { CookieTransportSettings } from '../../lib/http/context';
import { readCookie } from '../../lib/http/cookies';
import { assertSameOriginRequest, changesState, hasJsonContentType, optsIntoCookies } from '../../lib/http/csrf';

const ORIGIN = 'https://app.example.com';
const SETTINGS: CookieTransportSettings = {
  refreshCookieName: '__Host-eak-refresh',
  accessCookieName: undefined,
  sameSite: 'Strict',
  secure: true,
  trustedOrigins: new Set([ORIGIN]),
};

function req(headers: Record<string, string | undefined>, method = 'POST'): Request {
  return { headers, method } as unknown as Request;
}

function verdict(headers: Record<string, string | undefined>): string {
  try {
    assertSameOriginRequest(req(headers), SETTINGS);
    return 'passed';
  } catch (error) {
    return error instanceof AuthError ? error.code : String(error);
  }
}

describe('assertSameOriginRequest', () => {
  it('passes a trusted Origin with the opt-in header or a JSON body', () => {
    expect(verdict({ origin: ORIGIN, 'x-auth-transport': 'cookie' })).toBe('passed');
    expect(verdict({ origin: ORIGIN, 'content-type': 'application/json' })).toBe('passed');
  });

  it('refuses an untrusted, a look-alike or a null Origin, whatever else the request carries', () => {
    for (const origin of [
      'https://evil.example',
      `${ORIGIN}.evil.example`,
      'null',
      'http://app.example.com',
      `${ORIGIN}/`,
    ]) {
      expect(verdict({ origin, 'x-auth-transport': 'cookie', 'sec-fetch-site': 'same-origin' })).toBe('csrf_rejected');
    }
  });

  it('without Origin: passes Sec-Fetch-Site same-origin or none only; refuses same-site, cross-site and no header', () => {
    expect(verdict({ 'sec-fetch-site': 'same-origin', 'x-auth-transport': 'cookie' })).toBe('passed');
    expect(verdict({ 'sec-fetch-site': 'none', 'x-auth-transport': 'cookie' })).toBe('passed');
    for (const site of ['same-site', 'cross-site', undefined, ''])
      expect(verdict({ 'sec-fetch-site': site, 'x-auth-transport': 'cookie' })).toBe('csrf_rejected');
  });

  it('a trusted source still needs the opt-in header or a JSON body (what no HTML form can send)', () => {
    for (const type of [
      undefined,
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'text/plain',
    ]) {
      expect(verdict({ origin: ORIGIN, 'content-type': type })).toBe('csrf_rejected');
      expect(verdict({ 'sec-fetch-site': 'same-origin', 'content-type': type })).toBe('csrf_rejected');
    }
  });
});

describe('optsIntoCookies', () => {
  it('is X-Auth-Transport: cookie, in any case and with spaces around, and nothing else', () => {
    for (const value of ['cookie', 'Cookie', ' COOKIE '])
      expect(optsIntoCookies(req({ 'x-auth-transport': value }))).toBe(true);
    for (const value of [undefined, '', 'cookies', 'bearer', 'cookie; x'])
      expect(optsIntoCookies(req({ 'x-auth-transport': value }))).toBe(false);
  });
});

describe('hasJsonContentType', () => {
  it('is application/json or application/*+json, with parameters and in any case', () => {
    for (const type of [
      'application/json',
      'Application/JSON; charset=utf-8',
      ' application/json ',
      'application/merge-patch+json',
      'application/vnd.api+json;v=1',
    ]) {
      expect(hasJsonContentType(req({ 'content-type': type }))).toBe(true);
    }
  });

  it('is not what a form can send, nor a JSON look-alike', () => {
    for (const type of [
      undefined,
      '',
      'text/plain',
      'text/json',
      'text/plain+json',
      'application/jsonp',
      'application/json-seq',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
    ]) {
      expect(hasJsonContentType(req({ 'content-type': type }))).toBe(false);
    }
  });
});

describe('changesState', () => {
  it('GET, HEAD and OPTIONS do not; every other method does', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) expect(changesState(req({}, method))).toBe(false);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) expect(changesState(req({}, method))).toBe(true);
  });
});

describe('readCookie', () => {
  const read = (cookie: string | undefined, name = 'sid') => readCookie(req({ cookie }), name);

  it('finds the cookie first, in the middle and last, trimming the value', () => {
    expect(read('sid=a')).toBe('a');
    expect(read('x=1; sid=b; y=2')).toBe('b');
    expect(read('x=1;sid= c ')).toBe('c');
    expect(read('x=1;\tsid=d')).toBe('d');
    expect(read(' sid=e')).toBe('e');
  });

  it('does not take a cookie whose name merely ends or starts with the name, nor a name inside a value', () => {
    expect(read('xsid=a; sid=b')).toBe('b');
    expect(read('sidx=a')).toBeUndefined();
    expect(read('x=sid=a')).toBeUndefined();
    expect(read('x=a,sid=b')).toBeUndefined();
  });

  it('answers nothing for no header, an empty value, or a header longer than 8192 characters', () => {
    expect(read(undefined)).toBeUndefined();
    expect(read('sid=')).toBeUndefined();
    expect(read('sid= ; x=1')).toBeUndefined();
    expect(read(`sid=a; pad=${'x'.repeat(8200)}`)).toBeUndefined();
    const exactly8192 = `sid=a; pad=${'x'.repeat(8192 - 'sid=a; pad='.length)}`;
    expect(exactly8192).toHaveLength(8192);
    expect(read(exactly8192)).toBe('a');
    expect(read(`${exactly8192}x`)).toBeUndefined();
  });
});
