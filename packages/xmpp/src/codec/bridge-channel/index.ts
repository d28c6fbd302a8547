// The bridge channel (client ↔ bridge JSON messages, protocols.md §5): types, codec, receiver settings.
export { COLIBRI_CLASSES, BRIDGE_VIDEO_TYPES } from './bridge-channel-types.ts';
export type {
  JsonValue, JsonObject, BridgeVideoType, VideoConstraints, ClientHello, ServerHello, EndpointMessage, EndpointStats,
  LastNChangedEvent, ReceiverVideoConstraints, ReceiverAudioSubscription, SourceVideoTypeMessage, VideoTypeMessage,
  SenderSourceConstraints, DominantSpeakerEndpointChangeEvent, ForwardedSources, EndpointConnectivityStatusChangeEvent,
  VideoSourceMapping, AudioSourceMapping, VideoSourcesMap, AudioSourcesMap, ConnectionStats,
  SyntheticSourceSendingChangeEvent, AddReceiver, RemoveReceiver, BridgeMessage, ColibriClass,
} from './bridge-channel-types.ts';
export { BRIDGE_CHANNEL_LIMITS } from './bridge-channel-error.ts';
export type { BridgeChannelError, BridgeChannelErrorCode, BridgeChannelLimits } from './bridge-channel-error.ts';
export { decodeBridgeMessage, encodeBridgeMessage } from './bridge-channel.ts';
export {
  DEFAULT_MAX_HEIGHT, DEFAULT_RECEIVER_VIDEO_SETTINGS, applyReceiverVideoConstraints, effectiveVideoConstraints,
  resolveVideoConstraints,
} from './receiver-video-settings.ts';
export type { ReceiverVideoSettings, ResolvedVideoConstraints, ReceiverVideoConstraintsUpdate } from './receiver-video-settings.ts';
