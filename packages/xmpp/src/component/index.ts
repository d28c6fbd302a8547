// @plenum/xmpp/component: the XEP-0114 connection every Plenum component (focus, bridge, recorder,
// SIP gateway) uses to reach the XMPP server. Node only.
export { ComponentConnection, ComponentError, isComponentError } from './component-connection.ts';
export type {
  ComponentConnectionDeps, ComponentConnectionEvents, ComponentErrorCode, ComponentOptions, RequestOptions,
} from './component-connection.ts';
export { answersXmpp } from './answers-xmpp.ts';
