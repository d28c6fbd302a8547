// What the views say about end-to-end encryption, in one place (the badge, the dialogs, the
// security options): plain words for what E2EE does and what it cannot do.
//
// Recorders and phone gateways take part by holding the meeting's keys, like a participant (issue
// 9): people are told that such a service sees or hears the meeting, and where its media goes
// unencrypted. One that holds no keys (an old version, or it could not pair) gets only ciphertext.

export const E2EE_ON_TEXT = 'Camera, microphone and screen are encrypted in each browser for the people in this meeting; the server forwards what it cannot read.';

export const E2EE_UNSUPPORTED_TEXT = 'This meeting is end-to-end encrypted, and this browser cannot encrypt: your camera and microphone are not sent, and you cannot see or hear the others. Join from a current Chromium or Firefox.';

/** The general rule, in the security options and the E2EE dialog. */
export const E2EE_SERVICES_TEXT = 'Recording, live streaming and phone calls work only through a service that holds this meeting\'s keys, like a participant: it sees or hears the meeting, and what it stores, streams or puts on the phone network is not end-to-end encrypted.';

/** What a recorder that holds the keys does with the meeting (what is on decides the wording). */
export function recorderHoldsKeysText(recording: boolean, streaming: boolean): string {
  const goes = streaming && !recording ? 'sends the live stream unencrypted to the streaming service'
    : streaming ? 'stores the recording unencrypted on the server and sends the live stream unencrypted to the streaming service'
      : 'stores the recording unencrypted on the server';
  return `The recorder holds this meeting's keys: it sees and hears the meeting and ${goes}.`;
}

export const PHONE_HOLDS_KEYS_TEXT = 'A phone caller holds keys through the phone gateway: the gateway hears the meeting, and the call itself crosses the phone network unencrypted.';

export const RECORDER_NO_KEYS_TEXT = 'The recorder holds no keys (it does not support end-to-end encryption, or could not pair): it gets only encrypted media, so the recording has no picture or sound.';

export const PHONE_NO_KEYS_TEXT = 'A phone caller\'s gateway holds no keys (it does not support end-to-end encryption, or could not pair): the caller hears nothing, and nobody hears the caller.';

/** Before a moderator starts a recording in an encrypted meeting. */
export const ADMIT_RECORDER_TEXT = 'This meeting is end-to-end encrypted. To record it, the recorder is admitted to the meeting\'s keys: it sees and hears the meeting, and the recording is stored unencrypted on the server.';

/** Before a moderator starts a live stream in an encrypted meeting. */
export const ADMIT_STREAMER_TEXT = 'This meeting is end-to-end encrypted. To stream it, the recorder is admitted to the meeting\'s keys: it sees and hears the meeting and sends it unencrypted to the streaming service.';

/** Before a moderator calls a phone into an encrypted meeting. */
export const ADMIT_GATEWAY_TEXT = 'This meeting is end-to-end encrypted. The phone gateway is admitted to the meeting\'s keys for the call: it hears the meeting, and the call crosses the phone network unencrypted.';

/** The invite dialog's dial-in section in an encrypted meeting. */
export const DIAL_IN_E2EE_TEXT = 'Callers join through the phone gateway, which holds this meeting\'s keys: it hears the meeting, and the calls cross the phone network unencrypted.';

export const E2EE_VERIFY_TEXT = 'Compare these emoji with the other person (by voice, or in person). If they match, nobody is in the middle: mark them verified.';
