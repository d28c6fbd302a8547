// @xmpp/component 0.13 ships no types and DefinitelyTyped has none: the surface Plenum uses.
declare module '@xmpp/component' {
  import type { EventEmitter } from 'node:events';

  export interface XmppElement {
    name: string;
    attrs: Record<string, string>;
    children: (XmppElement | string)[];
    is(name: string, xmlns?: string): boolean;
    getChild(name: string, xmlns?: string): XmppElement | undefined;
    getChildren(name: string, xmlns?: string): XmppElement[];
    getChildText(name: string, xmlns?: string): string | null;
    getText(): string;
    toString(): string;
  }

  export interface Component extends EventEmitter {
    start(): Promise<unknown>;
    stop(): Promise<void>;
    send(element: XmppElement): Promise<void>;
    iqCaller: { request(element: XmppElement, timeoutMs?: number): Promise<XmppElement> };
  }

  export function component(options: { service: string; domain: string; password: string }): Component;
  export function xml(name: string, attrs?: Record<string, string | undefined>, ...children: (XmppElement | string)[]): XmppElement;
}
