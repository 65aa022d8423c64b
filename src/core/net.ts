import ipaddr from 'ipaddr.js';

export interface Cidr {
  text: string;
  addr: ipaddr.IPv4 | ipaddr.IPv6;
  bits: number;
}

/** Parse a CIDR in canonical form (no host bits set), or return an error message. */
export function parseCidr(text: string): Cidr | string {
  if (typeof text !== 'string' || !text.includes('/'))
    return `${JSON.stringify(text)} is not a CIDR (expected a.b.c.d/n)`;
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(text);
  } catch {
    return `${JSON.stringify(text)} is not a valid CIDR`;
  }
  const [addr, bits] = parsed;
  const network =
    addr.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(text) : ipaddr.IPv6.networkAddressFromCIDR(text);
  if (network.toString() !== addr.toString()) {
    return `${text} has host bits set (the network is ${network.toString()}/${bits})`;
  }
  if (addr.kind() === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(text.split('/')[0])) {
    return `${JSON.stringify(text)} is not a valid CIDR`;
  }
  return { text, addr, bits };
}

export function parseIp(text: string): ipaddr.IPv4 | ipaddr.IPv6 | string {
  if (typeof text !== 'string') return `${JSON.stringify(text)} is not an IP address`;
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (!text.includes('.') && ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  return `${JSON.stringify(text)} is not an IP address`;
}

export function contains(cidr: Cidr, ip: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  return cidr.addr.kind() === ip.kind() && ip.match(cidr.addr as never, cidr.bits);
}

/** Two CIDRs overlap exactly when one contains the other's network address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.addr.kind() !== b.addr.kind()) return false;
  return contains(a, b.addr) || contains(b, a.addr);
}

function toBig(ip: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  return ip.toByteArray().reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
}

export function compareIp(a: ipaddr.IPv4 | ipaddr.IPv6, b: ipaddr.IPv4 | ipaddr.IPv6): number {
  const x = toBig(a);
  const y = toBig(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The n-th address of a CIDR (0 = network address). */
export function nthAddress(cidr: Cidr, n: number): string {
  const bytes = cidr.addr.toByteArray();
  let v = toBig(cidr.addr) + BigInt(n);
  for (let i = bytes.length - 1; i >= 0; i--) {
    bytes[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

export interface IpRange {
  start: ipaddr.IPv4 | ipaddr.IPv6;
  end: ipaddr.IPv4 | ipaddr.IPv6;
}

/** Parse `first-last` (both addresses, first <= last). */
export function parseRange(text: string): IpRange | string {
  const parts = typeof text === 'string' ? text.split('-') : [];
  if (parts.length !== 2)
    return `${JSON.stringify(text)} is not an address range (expected first-last, e.g. 192.168.1.200-192.168.1.239)`;
  const start = parseIp(parts[0].trim());
  const end = parseIp(parts[1].trim());
  if (typeof start === 'string') return start;
  if (typeof end === 'string') return end;
  if (start.kind() !== end.kind()) return `${text} mixes IPv4 and IPv6`;
  if (compareIp(start, end) > 0) return `${text} ends before it starts`;
  return { start, end };
}

export function inRange(range: IpRange, ip: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  return range.start.kind() === ip.kind() && compareIp(range.start, ip) <= 0 && compareIp(ip, range.end) <= 0;
}

export function rangesOverlap(a: IpRange, b: IpRange): boolean {
  return a.start.kind() === b.start.kind() && compareIp(a.start, b.end) <= 0 && compareIp(b.start, a.end) <= 0;
}
