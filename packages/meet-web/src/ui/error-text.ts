// What we tell people when something goes wrong: a plain title, what it means, what to do.
import type { ConferenceErrorCode, EndReason } from '../client/conference-api.ts';

export type Explanation = { readonly title: string; readonly detail: string; readonly canRetry: boolean };

export function explainError(code: ConferenceErrorCode): Explanation {
  switch (code) {
    case 'server-unreachable':
      return { title: "Can't reach the meeting server", detail: 'Check your internet connection. If it works, the server may be down for a moment.', canRetry: true };
    case 'auth-required':
      return { title: 'This meeting needs a host', detail: 'Only signed-in hosts can start meetings here. If you are the host, log in; otherwise wait and try again.', canRetry: true };
    case 'auth-failed':
      return { title: "Couldn't sign you in", detail: 'The user name or password is not right. Check them and try again.', canRetry: true };
    case 'token-invalid':
      return { title: 'This sign-in link is not valid', detail: 'The link has expired or is not for this meeting. Ask the host for a new link.', canRetry: false };
    case 'password-required':
      return { title: 'This meeting is locked', detail: 'Enter the password the host gave you.', canRetry: true };
    case 'password-wrong':
      return { title: 'Wrong password', detail: 'That password is not right. Check it with the host and try again.', canRetry: true };
    case 'room-full':
      return { title: 'This meeting is full', detail: 'No more people can join right now. Try again when someone has left.', canRetry: true };
    case 'lobby-denied':
      return { title: 'You were not let in', detail: 'A moderator declined your request to join this meeting.', canRetry: false };
    case 'not-allowed':
      return { title: 'Not allowed', detail: 'Only moderators can do that.', canRetry: false };
    case 'conference-failed':
      return { title: "The meeting couldn't start", detail: 'Something went wrong while joining. Trying again usually helps.', canRetry: true };
    case 'media-denied':
      return { title: 'Camera and microphone are blocked', detail: "Click the camera icon in the address bar (or open the browser's site settings), allow camera and microphone for this site, then try again.", canRetry: true };
    case 'media-not-found':
      return { title: 'No camera or microphone found', detail: 'Connect a camera or headset (and check it is switched on), then try again. You can also join without them.', canRetry: true };
    case 'camera-unavailable':
      return { title: 'Your camera is not available', detail: 'The others can hear you but not see you. Check that no other app uses the camera and that this site may use it.', canRetry: true };
    case 'microphone-unavailable':
      return { title: 'Your microphone is not available', detail: 'The others can see you but not hear you. Check that a microphone is connected and that this site may use it.', canRetry: true };
    case 'media-failed':
      return { title: "Can't use your camera or microphone", detail: "Allow access in your browser's site settings, or check that no other app is using them.", canRetry: true };
    case 'unsupported-browser':
      return { title: "This browser isn't supported", detail: 'Open the link in a current Chromium, Chrome, Edge or Firefox.', canRetry: false };
    default:
      return assertNever(code);
  }
}

export function explainEnd(reason: EndReason): Explanation {
  switch (reason) {
    case 'left':
      return { title: 'You left the meeting', detail: 'Nothing from it stays on the server: chat and statistics are gone.', canRetry: true };
    case 'kicked':
      return { title: 'You were removed from the meeting', detail: 'A moderator removed you.', canRetry: false };
    case 'room-destroyed':
      return { title: 'The meeting has ended', detail: 'Everyone has left or the host ended it.', canRetry: true };
    case 'connection-lost':
      return { title: 'Lost the connection', detail: "We couldn't get you back into the meeting. Check your connection and rejoin.", canRetry: true };
    default:
      return assertNever(reason);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled variant: ${JSON.stringify(x)}`);
}
