// What the views say about end-to-end encryption, in one place (the badge, the dialog, the
// security options): plain words for what E2EE does and what it cannot do yet.

export const E2EE_ON_TEXT = 'Camera, microphone and screen are encrypted in each browser for the people in this meeting; the server forwards what it cannot read.';

export const E2EE_UNSUPPORTED_TEXT = 'This meeting is end-to-end encrypted, and this browser cannot encrypt: your camera and microphone are not sent, and you cannot see or hear the others. Join from a current Chromium or Firefox.';

/** Recorders and phone gateways hold no keys yet (issue 9): say what that means for them. */
export const E2EE_SERVICES_TEXT = 'A recorder or phone gateway admitted to this meeting holds no keys: it gets only encrypted media. A recording has no picture or sound, phone callers hear nothing, and their audio is not heard (it is not encrypted, so browsers drop it). Turn end-to-end encryption off to record or dial in.';

export const E2EE_VERIFY_TEXT = 'Compare these emoji with the other person (by voice, or in person). If they match, nobody is in the middle: mark them verified.';
