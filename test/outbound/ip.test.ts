import { describe, expect, test } from 'bun:test';
import { classifyAddress } from '../../src/outbound/ip.ts';
import { parseIPv4, parseIPv6 } from '../../src/outbound/ip-parse.ts';

function refusal(ip: string): string {
  const verdict = classifyAddress(ip);
  if (verdict.allowed) throw new Error(`${ip} was allowed`);
  return verdict.reason;
}

// [address, a phrase the reason must contain]: first and last address of each block, plus samples.
const REFUSED_V4: [string, string][] = [
  ['0.0.0.0', 'unspecified (0.0.0.0/8)'],
  ['0.255.255.255', 'unspecified (0.0.0.0/8)'],
  ['127.0.0.1', 'loopback (127.0.0.0/8)'],
  ['127.255.255.254', 'loopback (127.0.0.0/8)'],
  ['10.0.0.0', 'private network (10.0.0.0/8)'],
  ['10.255.255.255', 'private network (10.0.0.0/8)'],
  ['172.16.0.0', 'private network (172.16.0.0/12)'],
  ['172.31.255.255', 'private network (172.16.0.0/12)'],
  ['192.168.0.1', 'private network (192.168.0.0/16)'],
  ['192.168.255.255', 'private network (192.168.0.0/16)'],
  ['169.254.0.1', 'link-local (169.254.0.0/16)'],
  ['169.254.255.254', 'link-local (169.254.0.0/16)'],
  ['169.254.170.2', 'AWS ECS task metadata'],
  ['100.64.0.0', 'carrier-grade NAT'],
  ['100.127.255.255', 'carrier-grade NAT'],
  ['100.100.100.200', 'Alibaba Cloud metadata'],
  ['192.0.0.8', 'IETF protocol assignments (192.0.0.0/24)'],
  ['192.0.2.1', 'documentation (TEST-NET-1)'],
  ['192.88.99.1', '6to4 relay anycast'],
  ['198.18.0.1', 'benchmarking (198.18.0.0/15)'],
  ['198.19.255.255', 'benchmarking (198.18.0.0/15)'],
  ['198.51.100.7', 'documentation (TEST-NET-2)'],
  ['203.0.113.9', 'documentation (TEST-NET-3)'],
  ['224.0.0.1', 'multicast (224.0.0.0/4)'],
  ['239.255.255.250', 'multicast (224.0.0.0/4)'],
  ['240.0.0.1', 'reserved (240.0.0.0/4)'],
  ['255.255.255.254', 'reserved (240.0.0.0/4)'],
  ['255.255.255.255', 'limited broadcast'],
];

const REFUSED_V6: [string, string][] = [
  ['::', 'unspecified (::/128)'],
  ['::1', 'loopback (::1/128)'],
  ['fc00::1', 'unique local'],
  ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'unique local'],
  ['fe80::1', 'link-local (fe80::/10)'],
  ['febf:ffff::1', 'link-local (fe80::/10)'],
  ['fec0::1', 'site-local'],
  ['ff02::1', 'multicast (ff00::/8)'],
  ['ff0e::101', 'multicast (ff00::/8)'],
  ['2001:db8::1', 'documentation (2001:db8::/32)'],
  ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 'documentation (2001:db8::/32)'],
  ['3fff::1', 'documentation (3fff::/20)'],
  ['100::1', 'discard-only (100::/64)'],
  ['2001::1', 'Teredo'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
  ['2001:2::1', 'IETF protocol assignments (2001::/23)'],
  ['64:ff9b::7f00:1', 'NAT64'],
  ['64:ff9b::808:808', 'NAT64'],
  ['64:ff9b:1::1', 'local-use NAT64'],
  ['::7f00:1', 'IPv4-compatible'],
  ['::8.8.8.8', 'IPv4-compatible'],
  ['::ffff:0:a00:1', 'IPv4-translated'],
  ['5f00::1', 'SRv6'],
  ['4000::1', 'outside global unicast'],
  ['e000::1', 'outside global unicast'],
];

describe('ip — refused IPv4 ranges', () => {
  for (const [ip, phrase] of REFUSED_V4) {
    test(`ip — ${ip} is refused as ${phrase}`, () => {
      expect(refusal(ip)).toContain(phrase);
    });
  }
});

describe('ip — refused IPv6 ranges', () => {
  for (const [ip, phrase] of REFUSED_V6) {
    test(`ip — ${ip} is refused as ${phrase}`, () => {
      expect(refusal(ip)).toContain(phrase);
    });
  }
});

test('ip — 169.254.169.254 is refused as cloud metadata', () => {
  expect(refusal('169.254.169.254')).toContain('cloud metadata service');
});

test('ip — fd00:ec2::254 is refused as the AWS IPv6 metadata service, not just unique local', () => {
  expect(refusal('fd00:ec2::254')).toContain('AWS IPv6 instance metadata');
  expect(refusal('fd00:ec2:0:0:0:0:0:254')).toContain('AWS IPv6 instance metadata');
});

describe('ip — IPv4-mapped IPv6 in every spelling', () => {
  const spellings = [
    '::ffff:127.0.0.1',
    '::FFFF:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:7f00:0001',
    '0:0:0:0:0:ffff:7f00:1',
    '0000:0000:0000:0000:0000:ffff:127.0.0.1',
    '0::ffff:127.0.0.1',
  ];
  for (const ip of spellings) {
    test(`ip — ${ip} is refused as IPv4-mapped loopback`, () => {
      const reason = refusal(ip);
      expect(reason).toContain('IPv4-mapped');
      expect(reason).toContain('127.0.0.1');
      expect(reason).toContain('loopback');
    });
  }
  test('ip — ::ffff:169.254.169.254 names the metadata service it wraps', () => {
    expect(refusal('::ffff:169.254.169.254')).toContain('cloud metadata');
    expect(refusal('::ffff:a9fe:a9fe')).toContain('cloud metadata');
  });
  test('ip — IPv4-mapped is refused even around a public IPv4 address', () => {
    expect(refusal('::ffff:8.8.8.8')).toContain('IPv4-mapped');
  });
});

describe('ip — 6to4', () => {
  test('ip — 6to4 wrapping loopback, private or metadata IPv4 is refused', () => {
    expect(refusal('2002:7f00:1::1')).toContain('127.0.0.1, which is loopback');
    expect(refusal('2002:a00:1::')).toContain('10.0.0.1, which is private');
    expect(refusal('2002:a9fe:a9fe::1')).toContain('cloud metadata');
  });
  test('ip — 6to4 wrapping a public IPv4 is allowed', () => {
    expect(classifyAddress('2002:808:808::1')).toEqual({ allowed: true });
  });
});

describe('ip — allowed public addresses', () => {
  const PUBLIC = [
    '93.184.216.34',
    '8.8.8.8',
    '1.1.1.1',
    '9.255.255.255',
    '11.0.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '126.255.255.255',
    '128.0.0.0',
    '169.253.255.255',
    '169.255.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.0.1.255',
    '192.0.3.0',
    '192.167.255.255',
    '192.169.0.0',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
    '2606:4700::1111',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '2001:200::1',
    '2a00:1450:4001:80b::200e',
  ];
  for (const ip of PUBLIC) {
    test(`ip — public ${ip} is allowed`, () => {
      expect(classifyAddress(ip)).toEqual({ allowed: true });
    });
  }
});

describe('ip — malformed or non-literal input is refused, never guessed at', () => {
  const NOT_LITERALS = [
    '',
    'localhost',
    '0x7f000001',
    '2130706433',
    '0177.0.0.1',
    '127.1',
    '127.0.0.01',
    '[::1]',
    '1::2::3',
    '::ffff:1.2.3.04',
    '12345::',
    '1:2:3:4:5:6:7:8:9',
    ' 8.8.8.8',
    '8.8.8.8 ',
    '1.2.3.4.5',
  ];
  for (const text of NOT_LITERALS) {
    test(`ip — ${JSON.stringify(text)} is refused as not an IP literal`, () => {
      expect(refusal(text)).toContain('not an IP address literal');
    });
  }
  test('ip — a scoped IPv6 address (zone id) is refused', () => {
    expect(refusal('fe80::1%eth0')).toContain('scoped');
    expect(refusal('2606:4700::1111%1')).toContain('scoped');
  });
});

describe('ip — parsing', () => {
  test('ip — parseIPv6 gives one value for every spelling of the same address', () => {
    const forms = ['::1', '0::1', '0:0:0:0:0:0:0:1', '0000:0000:0000:0000:0000:0000:0000:0001', '::0:1'];
    for (const f of forms) expect(parseIPv6(f)).toBe(1n);
    expect(parseIPv6('::ffff:127.0.0.1')).toBe(parseIPv6('::ffff:7f00:1'));
    expect(parseIPv6('1:2:3:4:5:6:7::')).toBe(parseIPv6('1:2:3:4:5:6:7:0'));
    expect(parseIPv6('::2:3:4:5:6:7:8')).toBe(parseIPv6('0:2:3:4:5:6:7:8'));
    expect(parseIPv6('1:2:3:4:5:6:1.2.3.4')).toBe(parseIPv6('1:2:3:4:5:6:102:304'));
  });
  test('ip — parseIPv6 rejects a dotted quad anywhere but the end', () => {
    expect(parseIPv6('1.2.3.4::')).toBeNull();
    expect(parseIPv6('::1.2.3.4:1')).toBeNull();
  });
  test('ip — parseIPv4 reads dotted quads only', () => {
    expect(parseIPv4('255.255.255.255')).toBe(0xffffffff);
    expect(parseIPv4('0.0.0.0')).toBe(0);
    expect(parseIPv4('256.0.0.1')).toBeNull();
    expect(parseIPv4('0x7f.0.0.1')).toBeNull();
  });
});
