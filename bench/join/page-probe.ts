// Runs in every joiner's page before the app (an init script): times, in performance.now()
// milliseconds since the page's navigation started, of each step of a join, and of the first
// decoded frame of a remote video (requestVideoFrameCallback on a <video> showing a track that a
// peer connection received). Kept as a string so no bundler touches it.
export const JOIN_PROBE = `(() => {
  const marks = (window.__joinMarks = {});
  let firstFrameSeen;
  // Resolves with the marks at the first decoded remote frame (the bench awaits it, no polling).
  window.__firstRemoteFrame = new Promise((resolve) => { firstFrameSeen = () => resolve(marks); });
  const mark = (name) => { if (marks[name] === undefined) marks[name] = performance.now(); };
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
  const pcs = [];
  window.RTCPeerConnection = function (...args) {
    const pc = new NativePc(...args);
    pcs.push(pc);
    mark('peerConnectionCreated');
    pc.addEventListener('iceconnectionstatechange', () => { if (pc.iceConnectionState === 'connected') mark('iceConnected'); });
    pc.addEventListener('connectionstatechange', () => { if (pc.connectionState === 'connected') mark('dtlsConnected'); });
    pc.addEventListener('track', (e) => { if (e.track.kind === 'video') mark('remoteVideoTrack'); });
    const setRemote = pc.setRemoteDescription.bind(pc);
    pc.setRemoteDescription = (d) => { mark('offerReceived'); return setRemote(d); };
    return pc;
  };
  window.RTCPeerConnection.prototype = NativePc.prototype;
  Object.setPrototypeOf(window.RTCPeerConnection, NativePc);
  const isRemote = (track) => pcs.some((pc) => pc.getReceivers().some((r) => r.track === track));
  const srcObject = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'srcObject');
  Object.defineProperty(HTMLMediaElement.prototype, 'srcObject', {
    ...srcObject,
    set(stream) {
      srcObject.set.call(this, stream);
      const track = stream?.getVideoTracks?.()[0];
      if (this instanceof HTMLVideoElement && track !== undefined && isRemote(track)) {
        this.requestVideoFrameCallback((now) => {
          if (marks.firstRemoteFrame !== undefined) return;
          marks.firstRemoteFrame = now;
          firstFrameSeen();
        });
      }
    },
  });
})();`;
