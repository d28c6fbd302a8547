// Responses we build for requests (RFC 3261 §8.2.6): the To tag, Server header and body type.
import sip from 'sip';
import type { SipMessage } from 'sip';
import { withTag } from './headers.ts';

export function makeReply(request: SipMessage, status: number, reason: string, opts: {
  readonly toTag: string;
  readonly userAgent: string;
  readonly headers?: Record<string, unknown>;
  readonly content?: string;
}): SipMessage {
  const headers: Record<string, unknown> = { server: opts.userAgent, ...(opts.headers ?? {}) };
  if (opts.content !== undefined && opts.content !== '' && headers['content-type'] === undefined) headers['content-type'] = 'application/sdp';
  const response = sip.makeResponse(request, status, reason, { headers, ...(opts.content !== undefined ? { content: opts.content } : {}) });
  const to = request.headers.to;
  // §8.2.6.2: every response but 100 carries a To tag; requests inside a dialog already have ours.
  if (to !== undefined && status !== 100 && (to.params.tag === undefined || to.params.tag === null)) {
    response.headers.to = withTag(to, opts.toTag);
  }
  return response;
}

/** Standard reason phrases for the statuses we send. */
export const REASONS: Readonly<Record<number, string>> = {
  100: 'Trying', 180: 'Ringing', 200: 'OK', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 408: 'Request Timeout', 415: 'Unsupported Media Type', 420: 'Bad Extension',
  422: 'Session Interval Too Small', 480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist',
  486: 'Busy Here', 487: 'Request Terminated', 488: 'Not Acceptable Here', 491: 'Request Pending',
  500: 'Server Internal Error', 501: 'Not Implemented', 503: 'Service Unavailable', 603: 'Decline',
};

export function reasonOf(status: number): string {
  return REASONS[status] ?? (status < 300 ? 'OK' : 'Error');
}
