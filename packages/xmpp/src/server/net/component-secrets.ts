/**
 * Component shared secrets by domain (XEP-0114). An entry `*.bridge.example.com=secret` admits
 * any single label under that domain (`jvb-1.bridge.example.com`), so bridges can be scaled out
 * without a server configuration change per bridge.
 */
export class ComponentSecrets {
  readonly #exact = new Map<string, string>();
  readonly #wildcard = new Map<string, string>();

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const eq = entry.indexOf('=');
      if (eq <= 0 || eq === entry.length - 1) throw new Error(`components.secrets: "${entry.slice(0, 40)}" is not domain=secret`);
      const domain = entry.slice(0, eq).trim().toLowerCase();
      const secret = entry.slice(eq + 1);
      if (domain.startsWith('*.')) this.#wildcard.set(domain.slice(2), secret);
      else this.#exact.set(domain, secret);
    }
  }

  /** The secret a component connecting as `domain` must prove, or undefined when none is configured. */
  secretFor(domain: string): string | undefined {
    const exact = this.#exact.get(domain);
    if (exact !== undefined) return exact;
    const dot = domain.indexOf('.');
    return dot > 0 ? this.#wildcard.get(domain.slice(dot + 1)) : undefined;
  }

  /** True for domains a component may claim. */
  isComponentDomain(domain: string): boolean {
    return this.secretFor(domain) !== undefined;
  }
}
