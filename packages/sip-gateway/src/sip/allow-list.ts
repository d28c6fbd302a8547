// The inbound allow-list: IPv4 addresses and CIDR blocks of the trunks that may INVITE us.

type Block = { readonly base: number; readonly mask: number };

/** A compiled allow-list; empty = everyone is allowed. */
export class AllowList {
  readonly #blocks: readonly Block[];

  /** Throws (a config error, at startup) on an entry that is not an IPv4 address or CIDR. */
  constructor(entries: readonly string[]) {
    this.#blocks = entries.map((entry) => {
      const [address = '', bitsText] = entry.trim().split('/');
      const base = ipv4ToInt(address);
      const bits = bitsText === undefined ? 32 : Number(bitsText);
      if (base === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) {
        throw new Error(`sip inboundAllowList: not an IPv4 address or CIDR: ${entry}`);
      }
      const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
      return { base: (base & mask) >>> 0, mask };
    });
  }

  allows(address: string): boolean {
    if (this.#blocks.length === 0) return true;
    const ip = ipv4ToInt(address.startsWith('::ffff:') ? address.slice(7) : address);
    if (ip === undefined) return false;
    return this.#blocks.some((b) => ((ip & b.mask) >>> 0) === b.base);
  }
}

function ipv4ToInt(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    n = n * 256 + Number(part);
  }
  return n;
}
