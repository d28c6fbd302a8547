// The one place handler outcomes become IQ replies (style C7): a value is `result`, a PlenumError
// with a stanza body is that error, anything else is a bug answered `internal-server-error`.
import type { Logger } from '@plenum/kit';
import { PlenumError } from '@plenum/kit';
import type { El } from '@plenum/xmpp/codec';
import { errorReply, iqResult } from '@plenum/xmpp/codec';

/** Runs `handler` and sends the reply to `iq` through `send`. */
export async function answerIq(iq: El, send: (reply: El) => void, log: Logger, handler: () => Promise<El | undefined> | El | undefined): Promise<void> {
  let reply: El;
  try {
    reply = iqResult(iq, await handler());
  } catch (error) {
    if (error instanceof PlenumError && error.opts.stanza !== undefined) {
      log.debug('iq refused', { code: error.code, from: iq.attrs.from, text: error.message });
      reply = errorReply(iq, error.opts.stanza);
    } else {
      log.error('iq handler failed', { from: iq.attrs.from, err: error });
      reply = errorReply(iq, { type: 'cancel', condition: 'internal-server-error' });
    }
  }
  send(reply);
}
