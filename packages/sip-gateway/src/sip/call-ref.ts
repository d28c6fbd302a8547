// A Call-ID often carries the phone's IP address (`1-14041@192.0.2.7`): logs name a call by a short
// hash of it instead, stable across the log lines of one call.
import { createHash } from 'node:crypto';

export function callRef(callId: string): string {
  return createHash('sha256').update(callId).digest('hex').slice(0, 12);
}
