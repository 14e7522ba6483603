import { describe, expect, it } from 'vitest';
import { isLoopback, redactEndpoint, resolveEndpoint } from '../../src/client/endpoint.js';

const resolve = (endpoint: string, allowInsecureHttp = false): ReturnType<typeof resolveEndpoint> =>
  resolveEndpoint({ endpoint, service: 'evs', allowInsecureHttp });

describe('redactEndpoint: what an error may quote of an endpoint', () => {
  it.each([
    ['https://AK:SK@evs.example.com/base', 'https://evs.example.com'],
    ['https://evs.example.com/a@b', 'https://evs.example.com'],
    ['http://127.0.0.1:8080/x', 'http://127.0.0.1:8080'],
    [' https://AK:SK@evs.example.com', 'https://evs.example.com'],
  ])('shows only the origin of the http(s) URL %j', (endpoint, shown) => {
    expect(redactEndpoint(endpoint)).toBe(shown);
  });

  it.each([
    ['not a url', '(not quoted, it may hold a secret; it does not start with https://)'],
    ['http//AK:SK@host', '(not quoted, it may hold a secret; it does not start with https://; it contains "@": credentials belong in `credentials`, never in the URL)'],
    ['https://AK:SK/x@host', '(not quoted, it may hold a secret; it contains "@": credentials belong in `credentials`, never in the URL)'],
    [' https://host:44x3', '(not quoted, it may hold a secret; it starts or ends with whitespace)'],
    ['ftp://files.example.com', '(not quoted, it may hold a secret)'],
  ])('describes %j without copying a character of it', (endpoint, shown) => {
    expect(redactEndpoint(endpoint)).toBe(shown);
  });
});

describe('resolveEndpoint', () => {
  it('keeps the origin, the host and the base path without its trailing slashes', () => {
    expect(resolve('https://evs.example.com:8443/proxy/evs//')).toEqual({
      origin: 'https://evs.example.com:8443',
      host: 'evs.example.com:8443',
      basePath: '/proxy/evs',
      decodedBasePath: '/proxy/evs',
    });
  });

  it.each([
    ['/a%20b', '/a%20b', '/a b'],
    ['/a b', '/a%20b', '/a b'],
    ['/a(b)!', '/a%28b%29%21', '/a(b)!'],
    ['/%E6%B5%8B', '/%E6%B5%8B', '/测'],
    ['/a%2520b', '/a%2520b', '/a%20b'],
  ])('sends base path %j as %j, the signer\'s encoding of %j (decoded once)', (path, basePath, decodedBasePath) => {
    expect(resolve(`https://evs.example.com${path}`)).toMatchObject({ basePath, decodedBasePath });
  });

  it.each([
    ['a string that does not parse', 'https://AK:SK@host:44x3', 'Expected `endpoint` to be an absolute http(s) URL like https://evs.cn-north-4.myhuaweicloud.com, got (not quoted, it may hold a secret; it contains "@": credentials belong in `credentials`, never in the URL)'],
    ['another scheme, unquoted', 'AK:SK@evs.example.com', 'Expected `endpoint` to use https:// or http://'],
    ['user:password@', 'https://AK:SK@evs.example.com', 'Expected `endpoint` without user:password@ (or any "@"; write one in a base path as %40): pass `credentials` instead'],
    ['an "@" in the path', 'https://AK/SK@evs.example.com', 'Expected `endpoint` without user:password@ (or any "@"; write one in a base path as %40): pass `credentials` instead'],
    ['an encoded "/" in the base path', 'https://evs.example.com/a%2Fb', 'Expected the base path of `endpoint` to be valid percent-encoding without an encoded "/" (%2F)'],
    ['invalid percent-encoding in the base path', 'https://evs.example.com/a%zz', 'Expected the base path of `endpoint` to be valid percent-encoding without an encoded "/" (%2F)'],
    ['a query', 'https://evs.example.com/?x=1', 'Expected `endpoint` without a query or fragment'],
    ['plain http off loopback', 'http://evs.example.com', 'Refusing plain http:// to evs.example.com: credentials would travel in clear text. Use https://, or set `allowInsecureHttp: true`'],
  ])('refuses %s', (_what, endpoint, message) => {
    expect(() => resolve(endpoint)).toThrow(new TypeError(message));
  });

  it('accepts plain http to loopback, and elsewhere only with allowInsecureHttp', () => {
    expect(resolve('http://127.0.0.1:9000').origin).toBe('http://127.0.0.1:9000');
    expect(resolve('http://evs.example.com', true).origin).toBe('http://evs.example.com');
  });

  it.each(['localhost', '127.0.0.1', '127.255.0.9', '[::1]'])('treats %s as loopback', (host) => {
    expect(isLoopback(host)).toBe(true);
  });

  it.each(['127.0.0.1.example.com', '10.0.0.1', '[::2]', 'example.com'])('does not treat %s as loopback', (host) => {
    expect(isLoopback(host)).toBe(false);
  });
});
