// Runs in every joiner's page before the app (an init script): times, in performance.now()
// milliseconds since the page's navigation started, of each step of a join, and of the first
// decoded frame of a remote video (requestVideoFrameCallback on a <video> showing a track that a
// peer connection received). Kept as a string so no bundler touches it.
/** Prefix of the console message carrying the marks (then their JSON). */
export const FIRST_FRAME_MESSAGE = 'plenum-join-first-frame ';
/** Prefix of the console message about the next remote frame of the same video (then its JSON: {@link SecondFrame}). */
export const SECOND_FRAME_MESSAGE = 'plenum-join-second-frame ';
/** The next frame of the first frame's track: how much later, whether on the same element (else the app moved the track), frames the element presented meanwhile, both frames' sizes. */
export type SecondFrame = { readonly afterMs: number; readonly sameElement: boolean; readonly presentedFrames: number; readonly first: string; readonly second: string };

export const JOIN_PROBE = `(() => {
  const marks = (window.__joinMarks = {});
  // At the first decoded remote frame the marks go out as a console message, which the bench
  // awaits: no polling, and no script of the bench's evaluated in the page while the join runs.
  const firstFrameSeen = () => console.debug('${FIRST_FRAME_MESSAGE}' + JSON.stringify(marks));
  // Also a User Timing mark, so a Chromium trace (trace.ts) shows the steps on its own timeline.
  const mark = (name) => { if (marks[name] === undefined) marks[name] = performance.mark('join:' + name).startTime; };
  document.addEventListener('click', (e) => {
    if (e.composedPath().some((el) => el instanceof HTMLButtonElement && el.textContent.trim() === 'Join meeting')) mark('joinClicked');
  }, true);
  document.addEventListener('DOMContentLoaded', () => mark('domContentLoaded'));
  const getUserMedia = MediaDevices.prototype.getUserMedia;
  MediaDevices.prototype.getUserMedia = function (constraints) {
    mark('getUserMediaCalled');
    return getUserMedia.call(this, constraints).then((stream) => { mark('getUserMediaDone'); return stream; });
  };
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = function (url, protocols) {
    const ws = new NativeWebSocket(url, protocols);
    const what = String(url).endsWith('/xmpp-websocket') ? 'xmppSocket' : 'bridgeChannel';
    mark(what + 'Created');
    ws.addEventListener('open', () => mark(what + 'Open'));
    if (what === 'xmppSocket') {
      // The signaling steps, by the first stanza of each kind seen on the XMPP WebSocket.
      const send = ws.send.bind(ws);
      ws.send = (data) => {
        const text = String(data);
        if (text.includes("http://jitsi.org/protocol/focus")) mark('conferenceRequestSent');
        if (text.startsWith('<presence') && text.includes('http://jabber.org/protocol/muc')) mark('mucJoinSent');
        if (text.includes('session-accept')) mark('sessionAcceptSent');
        return send(data);
      };
      ws.addEventListener('message', (e) => {
        const text = String(e.data);
        if (text.includes('<success')) mark('loggedIn');
        if (/type=["']result["']/.test(text) && text.includes('http://jitsi.org/protocol/focus')) mark('conferenceReady');
        if (text.includes('session-initiate')) mark('sessionInitiateReceived');
      });
    }
    return ws;
  };
  window.WebSocket.prototype = NativeWebSocket.prototype;
  Object.setPrototypeOf(window.WebSocket, NativeWebSocket);
  const NativePc = window.RTCPeerConnection;
  // The app's connections, for a look at their stats (trace.ts).
  const pcs = (window.__joinPeerConnections = []);
  window.RTCPeerConnection = function (...args) {
    const pc = new NativePc(...args);
    pcs.push(pc);
    mark('peerConnectionCreated');
    pc.addEventListener('iceconnectionstatechange', () => {
      if (pc.iceConnectionState === 'checking') mark('iceChecking');
      if (pc.iceConnectionState === 'connected') mark('iceConnected');
    });
    pc.addEventListener('connectionstatechange', () => { if (pc.connectionState === 'connected') mark('dtlsConnected'); });
    pc.addEventListener('track', (e) => { if (e.track.kind === 'video') mark('remoteVideoTrack'); });
    const setRemote = pc.setRemoteDescription.bind(pc);
    pc.setRemoteDescription = (d) => { mark('offerReceived'); return setRemote(d); };
    const setLocal = pc.setLocalDescription.bind(pc);
    pc.setLocalDescription = (d) => { mark('answerApplying'); return setLocal(d).then((r) => { mark('answerApplied'); return r; }); };
    return pc;
  };
  window.RTCPeerConnection.prototype = NativePc.prototype;
  Object.setPrototypeOf(window.RTCPeerConnection, NativePc);
  const isRemote = (track) => pcs.some((pc) => pc.getReceivers().some((r) => r.track === track));
  const srcObject = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'srcObject');
  // The first frame of any remote video, then the next frame of the same track on whichever
  // element shows it then (the app may move a track to another element before or after the first
  // frame, and a detached element stops playing).
  let first;
  let secondSeen = false;
  const watch = (video, track) => video.requestVideoFrameCallback((now, metadata) => {
    if (first === undefined) {
      marks.firstRemoteFrame = now;
      performance.mark('join:firstRemoteFrame');
      firstFrameSeen();
      first = { now, track, video, presentedFrames: metadata.presentedFrames, width: metadata.width, height: metadata.height };
      watch(video, track);
      return;
    }
    // A closure of a track the element no longer shows must not count its frames.
    if (secondSeen || track !== first.track || video.srcObject?.getVideoTracks?.()[0] !== track) return;
    if (video === first.video && metadata.presentedFrames <= first.presentedFrames) return watch(video, track);
    secondSeen = true;
    // Proof that the frames really decode and advance: the next one, and both sizes.
    console.debug('${SECOND_FRAME_MESSAGE}' + JSON.stringify({
      afterMs: now - first.now, sameElement: video === first.video,
      presentedFrames: video === first.video ? metadata.presentedFrames - first.presentedFrames : metadata.presentedFrames,
      first: first.width + 'x' + first.height, second: metadata.width + 'x' + metadata.height,
    }));
  });
  Object.defineProperty(HTMLMediaElement.prototype, 'srcObject', {
    ...srcObject,
    set(stream) {
      srcObject.set.call(this, stream);
      const track = stream?.getVideoTracks?.()[0];
      if (this instanceof HTMLVideoElement && track !== undefined && isRemote(track) && !secondSeen) watch(this, track);
    },
  });
})();`;
