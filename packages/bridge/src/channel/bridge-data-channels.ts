// The bridge channel over SCTP (protocols.md §5): for each endpoint whose COLIBRI2 allocation asked
// for `<sctp/>`, an SCTP association over its DTLS application data (made at the client's first
// packet, again after an abort when the client sends a new INIT), whose data channel with the
// colibri protocol becomes the endpoint's bridge channel. Channels with another protocol are refused.
import type { Logger } from '@plenum/kit';
import type { EndpointTransport } from '../transport/endpoint-transport.ts';
import type { DataChannelCounters, DataChannelLimits } from '../transport/sctp-data-channels.ts';
import { SctpDataChannels, newDataChannelCounters } from '../transport/sctp-data-channels.ts';
import type { BridgeChannelServer } from './bridge-channel-server.ts';
import { COLIBRI_DATA_CHANNEL_PROTOCOL } from './channel-link.ts';

const SCTP_COMMON_HEADER_BYTES = 12;
const CHUNK_INIT = 1;

/** Serves SCTP bridge channels for the endpoints that asked for them. */
export class BridgeDataChannels {
  readonly #log: Logger;
  readonly #channel: BridgeChannelServer;
  readonly #limits: Partial<DataChannelLimits> | undefined;
  readonly #counters: DataChannelCounters = newDataChannelCounters();

  constructor(deps: { readonly log: Logger; readonly channel: BridgeChannelServer; readonly limits?: Partial<DataChannelLimits> }) {
    this.#log = deps.log;
    this.#channel = deps.channel;
    this.#limits = deps.limits;
  }

  /** Listens for SCTP on the endpoint's transport until it closes. */
  serve(transport: EndpointTransport): void {
    const log = this.#log.child({ meetingId: transport.meetingId, endpoint: transport.endpointId });
    let association: SctpDataChannels | undefined;
    const off = transport.onApplicationData((packet) => {
      if (association?.isClosed === true && packet.length > SCTP_COMMON_HEADER_BYTES && packet[SCTP_COMMON_HEADER_BYTES] === CHUNK_INIT) association = undefined;
      association ??= new SctpDataChannels({
        log, counters: this.#counters, ...(this.#limits !== undefined ? { limits: this.#limits } : {}),
        sendPacket: (p) => transport.sendApplicationData(p),
        acceptChannel: (open, dataChannel) => open.protocol === COLIBRI_DATA_CHANNEL_PROTOCOL
          && this.#channel.attachDataChannel(transport.meetingId, transport.endpointId, dataChannel),
      });
      association.handlePacket(packet);
    });
    transport.events.on('closed', () => {
      off();
      association?.close('transport closed');
    });
  }

  /** For `/colibri/stats`. */
  statsJson(): Record<string, number> {
    const c = this.#counters;
    return {
      sctp_associations: c.associations,
      sctp_associations_aborted: c.associationsAborted,
      sctp_data_channels_opened: c.channelsOpened,
      sctp_data_channels_refused: c.channelsRefused,
      sctp_packets_malformed: c.packetsMalformed,
      sctp_messages_too_big: c.messagesTooBig,
      sctp_messages_dropped: c.messagesDropped,
    };
  }
}
