// The conference core's public surface for the app entry (src/app.ts): one LocalMedia per page,
// one Conference per room joined (types in conference-api.ts).
import type { CreateConference, CreateLocalMedia } from './conference-api.ts';
import { PlenumConference } from './conference/conference.ts';
import { BrowserLocalMedia } from './media/local-media.ts';

export const createLocalMedia: CreateLocalMedia = (config) => new BrowserLocalMedia(config);
export const createConference: CreateConference = (config, roomName, media) => new PlenumConference(config, roomName, media);
