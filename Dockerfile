# One image for every Plenum service (docker-compose.yml picks the command). The sources run
# through tsx as everywhere else, so there is no build step beyond installing the dependencies.
FROM node:20-bookworm-slim
# ffmpeg for the recorder (it writes every recording through ffmpeg); the other services ignore it.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY packages ./packages
COPY deploy ./deploy
# Dev dependencies too: tsx runs the sources and werift is the bridge's media stack.
# /app/recordings: the recorder's output (a volume in docker-compose.yml), owned by the user it runs as.
RUN npm ci --ignore-scripts \
 && mkdir -p /app/.data /app/recordings && chown -R node:node /app/.data /app/recordings
USER node
CMD ["node", "--import", "tsx", "packages/all-in-one/src/main.ts"]
