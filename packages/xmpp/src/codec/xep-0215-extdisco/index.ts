export type { ExternalService, IceServerEntry } from './external-services.ts';
export {
  MAX_EXTERNAL_SERVICES, NS_EXTDISCO_1, NS_EXTDISCO_2, decodeExternalServices, encodeExternalServices, iceServersOf, readExternalServicesRequest,
} from './external-services.ts';
