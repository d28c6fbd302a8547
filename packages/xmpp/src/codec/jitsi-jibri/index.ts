export { NS_JIBRI, NS_HEALTH, NS_PLENUM_RECORDING } from './jibri-types.ts';
export type {
  JibriAction, RecordingMode, RecordingStatus, JibriFailureReason, JibriIq, JibriStatus, RecordingStatusExtension, JibriCodecError, JibriCodecErrorCode,
} from './jibri-types.ts';
export { decodeJibriIq, encodeJibriIq, decodeJibriStatus, encodeJibriStatus, decodeRecordingStatus, encodeRecordingStatus } from './jibri-iq.ts';
